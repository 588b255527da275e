package xschule

import (
	"encoding/xml"
	"fmt"

	"github.com/schulgateway/schulgateway/internal/apperr"
	sb "github.com/schulgateway/schulgateway/internal/schulbescheinigung"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// NachrichtSchulbescheinigung is the root element of the school
// certificate (XSchule 1.2, xschule-nachweise.xsd).
const NachrichtSchulbescheinigung = "schueler.schulbescheinigung.0004"

const rootPathSB = "/xsc:" + NachrichtSchulbescheinigung

var seqSchulbescheinigung = []slot{
	// xbd:Dokument
	xbd("titel", 0, 1), xbd("ausstellung", 0, unbounded), xbd("gueltigkeitsdatum", 0, 1), xbd("sprache", 1, 1), xbd("nonce", 0, 1),
	// schueler.schulbescheinigung.0004
	xsc("schueler", 1, 1), xsc("schulbesuch", 1, 1), xsc("schule", 1, 1), xsc("erweiterung", 0, 1),
	notMapped(slot{ns: nsDS, name: "Signature", min: 0, max: 1}),
}

// seqSchuleSB is xsc:Schule (the certifying school): a name is required.
var seqSchuleSB = []slot{
	xsc("name", 1, 1), xsc("kommunikation", 0, unbounded), xsc("identifikation", 0, unbounded),
	xsc("anschrift", 0, unbounded), xsc("artDerTraegerschaft", 0, 1), xsc("schulform", 0, unbounded),
	xsc("schulprofil", 0, unbounded), xsc("bildungsgang", 0, unbounded),
}

var codeArtDesSchulabschlusses = codeSpec{typ: "xbd:Code.ArtDesSchulabschlusses", uri: "urn:xbildung-de:destatis:codeliste:artdesschulabschlusses", version: "2025-10-28"}

// DecodeSchulbescheinigung reads one "schueler.schulbescheinigung.0004"
// message under the same limits and with the same reporting as Decode:
// every problem at once, at its XML path; malformed XML has ErrSyntax.
// The notes say which codes were taken in their list's canonical form.
func DecodeSchulbescheinigung(data []byte) (*sb.Schulbescheinigung, []sw.Hinweis, error) {
	if len(data) > MaxSize {
		return nil, nil, refuse(ErrTooLarge, CodeZuGross, fmt.Sprintf("Die Nachricht ist größer als %d MiB.", MaxSize>>20))
	}
	root, err := parse(data)
	if err != nil {
		return nil, nil, err
	}
	if root.name.Space != NamespaceXSchule || root.name.Local != NachrichtSchulbescheinigung {
		return nil, nil, &apperr.Error{
			Class:  apperr.ClassInvalid,
			Detail: "Die Nachricht ist keine XSchule-1.2-Nachricht " + NachrichtSchulbescheinigung + ".",
			Fields: []apperr.FieldError{{
				Pointer: "/" + displayName(root.name),
				Code:    CodeWurzelFalsch,
				Message: fmt.Sprintf("Erwartet wird das Wurzelelement %s im Namensraum %s.", NachrichtSchulbescheinigung, NamespaceXSchule),
			}},
			Err: ErrWrongRoot,
		}
	}
	d := &decoder{}
	b := d.schulbescheinigung(root)
	if e, ok := apperr.As(b.Validate()); ok {
		for _, f := range e.Fields {
			p := sbXMLPath(f.Pointer)
			if !d.covers(p) {
				d.add(p, f.Code, f.Message)
			}
		}
	}
	if d.dropped > 0 {
		d.errs = append(d.errs, apperr.FieldError{Pointer: rootPathSB, Code: CodeZuVieleFehler,
			Message: fmt.Sprintf("%d weitere Fehler wurden nicht aufgeführt.", d.dropped)})
	}
	if len(d.errs) > 0 {
		return nil, nil, &apperr.Error{Class: apperr.ClassInvalid, Detail: "Die XSchule-Nachricht ist ungültig.", Fields: d.errs, Err: ErrInvalid}
	}
	return b, d.hinweise, nil
}

// sbXMLPath places the problems of Schulbescheinigung.Validate in the
// message.
func sbXMLPath(p string) string {
	switch p {
	case "/schueler/name/familienname":
		return rootPathSB + "/xsc:schueler/xsc:nameNatuerlichePerson/xsc:familienname"
	case "/schueler/name/vorname":
		return rootPathSB + "/xsc:schueler/xsc:nameNatuerlichePerson/xsc:vorname"
	case "/schueler/geburt/datum":
		return rootPathSB + "/xsc:schueler/xsc:geburt/xsc:datum"
	case "/schule/name":
		return rootPathSB + "/xsc:schule/xsc:name"
	case "/schulbesuch/zeitraum/ende":
		return rootPathSB + "/xsc:schulbesuch/xsc:zeitraum/xsc:ende"
	}
	return rootPathSB
}

func (d *decoder) schulbescheinigung(root *node) *sb.Schulbescheinigung {
	e := elem{n: root, path: rootPathSB}
	k := d.children(e, seqSchulbescheinigung, "{"+nsXSI+"}schemaLocation")
	b := &sb.Schulbescheinigung{Dokument: d.dokument(k)}
	b.SchemaLocation, _ = attr(root, nsXSI, "schemaLocation")
	if s, ok := k.one("schueler"); ok {
		b.Schueler = d.schueler(s)
	}
	if s, ok := k.one("schulbesuch"); ok {
		sk := d.children(s, []slot{xsc("jahrgangsstufe", 0, 1), xsc("schuljahr", 0, 1), xsc("zeitraum", 0, 1), xsc("voraussichtlicherAbschluss", 0, 1)})
		b.Schulbesuch.Jahrgangsstufe = d.optCode(sk, "jahrgangsstufe", codeJahrgangsstufe)
		if j, ok := sk.one("schuljahr"); ok {
			jk := d.children(j, []slot{xsc("beginn", 1, 1), xsc("ende", 1, 1)})
			b.Schulbesuch.Schuljahr = &sb.Schuljahr{Beginn: d.optTeilDatum(jk, "beginn"), Ende: d.optTeilDatum(jk, "ende")}
		}
		if z, ok := sk.one("zeitraum"); ok {
			b.Schulbesuch.Zeitraum = d.zeitraum(z, xsc)
		}
		b.Schulbesuch.VoraussichtlicherAbschluss = d.optAuswahl(sk, "voraussichtlicherAbschluss", codeArtDesSchulabschlusses)
	}
	if s, ok := k.one("schule"); ok {
		sk := d.children(s, seqSchuleSB)
		b.Schule = sb.Schule{
			Schule:         d.schule(sk),
			Schulformen:    d.auswahlen(sk, "schulform", codeArtDerSchule),
			Schulprofile:   d.texts(sk, "schulprofil"),
			Bildungsgaenge: d.texts(sk, "bildungsgang"),
		}
	}
	if x, ok := k.one("erweiterung"); ok {
		b.Erweiterung = d.erweiterung(x)
	}
	return b
}

// EncodeSchulbescheinigung writes b as a "schueler.schulbescheinigung.0004"
// message and decodes it once more, so it never returns a message that
// DecodeSchulbescheinigung would refuse.
func EncodeSchulbescheinigung(b *sb.Schulbescheinigung) ([]byte, error) {
	if b == nil {
		return nil, apperr.Invalid("Es gibt keine Schulbescheinigung zum Schreiben.", []apperr.FieldError{{Pointer: "/", Code: CodePflichtfeldFehlt, Message: "Die Schulbescheinigung fehlt."}})
	}
	w := &writer{}
	w.b.WriteString(xml.Header[:len(xml.Header)-1])
	root := "xsc:" + NachrichtSchulbescheinigung
	loc := b.SchemaLocation
	if loc == "" {
		loc = schemaLocation
	}
	w.open(root, "xmlns:xsc", NamespaceXSchule, "xmlns:xbd", NamespaceXBildung, "xmlns:xsi", nsXSI, "xsi:schemaLocation", loc)
	w.dokument(b.Dokument)
	w.schueler(b.Schueler)
	w.open("xsc:schulbesuch")
	s := b.Schulbesuch
	w.optCode("xsc:jahrgangsstufe", s.Jahrgangsstufe, codeJahrgangsstufe)
	if j := s.Schuljahr; j != nil {
		w.open("xsc:schuljahr")
		w.teilDatum("xsc:beginn", j.Beginn)
		w.teilDatum("xsc:ende", j.Ende)
		w.close("xsc:schuljahr")
	}
	if s.Zeitraum != nil {
		w.zeitraum("xsc:zeitraum", "xsc:", *s.Zeitraum)
	}
	w.optAuswahl("xsc:voraussichtlicherAbschluss", s.VoraussichtlicherAbschluss, codeArtDesSchulabschlusses)
	w.close("xsc:schulbesuch")
	w.open("xsc:schule")
	w.schule(b.Schule.Schule)
	for _, f := range b.Schule.Schulformen {
		w.auswahl("xsc:schulform", f, codeArtDerSchule)
	}
	for _, t := range b.Schule.Schulprofile {
		w.text("xsc:schulprofil", t)
	}
	for _, t := range b.Schule.Bildungsgaenge {
		w.text("xsc:bildungsgang", t)
	}
	w.close("xsc:schule")
	w.erweiterung(b.Erweiterung)
	w.close(root)
	w.b.WriteByte('\n')
	out := w.b.Bytes()
	if _, _, err := DecodeSchulbescheinigung(out); err != nil {
		if e, ok := apperr.As(err); ok {
			return nil, &apperr.Error{Class: apperr.ClassInvalid, Detail: "Aus der Schulbescheinigung lässt sich keine gültige XSchule-Nachricht erzeugen.", Fields: e.Fields, Err: e.Err}
		}
		return nil, err
	}
	return out, nil
}

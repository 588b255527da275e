package xschule

import (
	"bytes"
	"encoding/base64"
	"encoding/xml"
	"strconv"
	"strings"

	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// writer writes indented XML with fixed prefixes. Element names are given
// with their prefix ("xsc:schueler"); unqualified names without one.
type writer struct {
	b     bytes.Buffer
	depth int
}

func (w *writer) indent() {
	w.b.WriteByte('\n')
	for i := 0; i < w.depth; i++ {
		w.b.WriteString("  ")
	}
}

func (w *writer) escape(s string) {
	_ = xml.EscapeText(&w.b, []byte(s)) // writes to a bytes.Buffer: cannot fail
}

// tag writes "<name a="v" …" without closing the start tag; attributes
// with empty values are left out.
func (w *writer) tag(name string, attrs []string) {
	w.indent()
	w.b.WriteByte('<')
	w.b.WriteString(name)
	for i := 0; i+1 < len(attrs); i += 2 {
		if attrs[i+1] == "" {
			continue
		}
		w.b.WriteString(" " + attrs[i] + `="`)
		w.escape(attrs[i+1])
		w.b.WriteByte('"')
	}
}

func (w *writer) open(name string, attrs ...string) {
	w.tag(name, attrs)
	w.b.WriteByte('>')
	w.depth++
}

func (w *writer) close(name string) {
	w.depth--
	w.indent()
	w.b.WriteString("</" + name + ">")
}

func (w *writer) leaf(name, text string, attrs ...string) {
	w.tag(name, attrs)
	w.b.WriteByte('>')
	w.escape(text)
	w.b.WriteString("</" + name + ">")
}

// opt writes a leaf only if text is not empty.
func (w *writer) opt(name, text string) {
	if text != "" {
		w.leaf(name, text)
	}
}

func (w *writer) text(name string, t sw.Text) { w.leaf(name, t.Wert, "xml:lang", t.Sprache) }

func (w *writer) optText(name string, t sw.Text) {
	if !t.IsZero() {
		w.text(name, t)
	}
}

func (w *writer) boolean(name string, b *bool) {
	if b != nil {
		w.leaf(name, strconv.FormatBool(*b))
	}
}

func (w *writer) date(name string, d sw.Datum) {
	if !d.IsZero() {
		w.leaf(name, d.String())
	}
}

// teilDatum writes an xbd:TeilbekanntesDatum at the precision of d.
func (w *writer) teilDatum(name string, d sw.Datum) {
	w.open(name)
	switch {
	case d.Vollstaendig() || d.IsZero():
		w.leaf("xbd:jahrMonatTag", d.String())
	case d.Tag == 0 && d.Monat != 0:
		w.leaf("xbd:jahrMonat", d.String())
	default:
		w.leaf("xbd:jahr", strconv.Itoa(d.Jahr))
	}
	w.close(name)
}

func (w *writer) optTeilDatum(name string, d sw.Datum) {
	if !d.IsZero() {
		w.teilDatum(name, d)
	}
}

// code writes an XÖV code; list URI and version default to the XSD's
// fixed values.
func (w *writer) code(name string, c sw.Code, spec codeSpec) {
	uri, ver := c.ListURI, c.ListVersion
	if uri == "" {
		uri = spec.uri
	}
	if ver == "" {
		ver = spec.version
	}
	w.open(name, "listURI", uri, "listVersionID", ver)
	w.leaf("code", c.Value)
	if spec.withName || c.Name != "" {
		w.leaf("name", c.Name)
	}
	w.close(name)
}

func (w *writer) optCode(name string, c sw.Code, spec codeSpec) {
	if !c.IsZero() {
		w.code(name, c, spec)
	}
}

func (w *writer) codes(name string, cs []sw.Code, spec codeSpec) {
	for _, c := range cs {
		w.code(name, c, spec)
	}
}

func (w *writer) auswahl(name string, a sw.Auswahl, spec codeSpec) {
	w.open(name)
	w.code("xsc:code", a.Code, spec)
	// Present (perhaps empty) exactly when the code is
	// ~wert_nicht_in_liste (Schematron XSC-1000-*-WNIL).
	if a.NichtGelisteterWert != "" || strings.HasSuffix(strings.TrimSpace(a.Code.Value), "wert_nicht_in_liste") {
		w.leaf("xsc:nichtGelisteterWert", a.NichtGelisteterWert)
	}
	w.close(name)
}

func (w *writer) optAuswahl(name string, a *sw.Auswahl, spec codeSpec) {
	if a != nil {
		w.auswahl(name, *a, spec)
	}
}

func encodeMessage(m *sw.Schulwechsel) []byte {
	w := &writer{}
	w.b.WriteString(xml.Header[:len(xml.Header)-1])
	root := "xsc:" + Nachricht
	w.open(root, "xmlns:xsc", NamespaceXSchule, "xmlns:xbd", NamespaceXBildung, "xmlns:xsi", nsXSI, "xsi:schemaLocation", schemaLocation)

	w.dokument(m.Dokument)

	w.schueler(m.Schueler)
	for _, s := range m.Sorgeberechtigte {
		w.sorgeberechtigter(s)
	}
	if m.Aufnahme != nil {
		w.aufnahme(*m.Aufnahme)
	}
	if m.BisherigeSchule != nil {
		w.bisherigeSchule(*m.BisherigeSchule)
	}
	for _, n := range m.Notenuebersichten {
		w.open("xsc:notenuebersichtUndZeugnis")
		for _, a := range n.LetzteZeugnisse {
			w.anlage("xsc:letztesZeugnis", a)
		}
		for _, k := range n.UnterjaehrigerWechsel {
			w.kurs("xsc:notenuebersichtUnterjaehrigerWechsel", k)
		}
		w.close("xsc:notenuebersichtUndZeugnis")
	}
	for _, f := range m.Fremdsprachen {
		w.fremdsprache("xsc:fremdsprache", f)
	}
	if s := m.Schullaufbahn; s != nil {
		w.open("xsc:schullaufbahn")
		w.teilDatum("xsc:beginnDerSchulpflicht", s.BeginnDerSchulpflicht)
		w.optAuswahl("xsc:schullaufbahnempfehlung", s.Empfehlung, codeLaufbahnempfehlung)
		for _, k := range s.Wiederholungen {
			w.open("xsc:klasseWiederholt")
			w.leaf("xsc:jahr", year(k.Jahr))
			w.code("xsc:klassenstufe", k.Klassenstufe, codeJahrgangsstufe)
			w.leaf("xsc:anzahlWiederholungen", k.AnzahlWiederholungen)
			w.close("xsc:klasseWiederholt")
		}
		for _, k := range s.Ueberspruenge {
			w.open("xsc:klasseUebersprungen")
			w.leaf("xsc:jahr", year(k.Jahr))
			w.code("xsc:klassenstufe", k.Klassenstufe, codeJahrgangsstufe)
			w.close("xsc:klasseUebersprungen")
		}
		w.close("xsc:schullaufbahn")
	}
	for _, p := range m.Praktika {
		w.open("xsc:praktikum")
		if p.Zeitraum != nil {
			w.zeitraum("xbd:zeitraum", "xbd:", *p.Zeitraum)
		}
		w.opt("xbd:namePraktikumsstelle", p.Praktikumsstelle)
		if p.Ort != nil {
			w.ort("xbd:ort", "xbd:", *p.Ort)
		}
		w.close("xsc:praktikum")
	}
	w.erweiterung(m.Erweiterung)
	w.close(root)
	w.b.WriteByte('\n')
	return w.b.Bytes()
}

// dokument writes the header of xbd:Dokument.
func (w *writer) dokument(doc sw.Dokument) {
	w.optText("xbd:titel", doc.Titel)
	for _, a := range doc.Ausstellungen {
		w.open("xbd:ausstellung")
		w.date("xbd:datum", a.Datum)
		if a.Ort != nil {
			w.ort("xbd:ort", "xbd:", *a.Ort)
		}
		w.close("xbd:ausstellung")
	}
	w.date("xbd:gueltigkeitsdatum", doc.Gueltigkeitsdatum)
	w.code("xbd:sprache", doc.Sprache, codeLanguage)
	w.opt("xbd:nonce", doc.Nonce)
}

func (w *writer) erweiterung(e *sw.Erweiterung) {
	if e == nil {
		return
	}
	w.open("xsc:erweiterung")
	for _, p := range e.Eigenschaften {
		w.open("xsc:eigenschaft", "listURI", p.ListURI, "listVersionID", p.ListVersion)
		w.leaf("xsc:schluessel", p.Schluessel)
		w.leaf("xsc:wert", p.Wert)
		w.close("xsc:eigenschaft")
	}
	w.close("xsc:erweiterung")
}

func year(y int) string {
	if y == 0 {
		return ""
	}
	s := strconv.Itoa(y)
	if len(s) < 4 {
		s = strings.Repeat("0", 4-len(s)) + s
	}
	return s
}

// ort writes an Ortsangabe; pre is the prefix of its children.
func (w *writer) ort(name, pre string, o sw.Ort) {
	w.open(name)
	w.leaf(pre+"ort", o.Ort)
	w.optCode(pre+"staat", o.Staat, codeStaat)
	w.close(name)
}

func (w *writer) zeitraum(name, pre string, z sw.Zeitraum) {
	w.open(name)
	w.date(pre+"beginn", z.Beginn)
	w.date(pre+"ende", z.Ende)
	w.opt(pre+"zusatz", z.Zusatz)
	w.close(name)
}

func (w *writer) zeitraeume(name string, zs []sw.Zeitraum) {
	for _, z := range zs {
		w.zeitraum(name, "xsc:", z)
	}
}

func (w *writer) schueler(s sw.Schueler) {
	w.open("xsc:schueler")
	w.name("xsc:nameNatuerlichePerson", s.Name)
	w.open("xsc:geburt")
	w.teilDatum("xsc:datum", s.Geburt.Datum)
	if s.Geburt.Ort != nil {
		w.ort("xsc:geburtsort", "xsc:", *s.Geburt.Ort)
	}
	w.close("xsc:geburt")
	w.codes("xsc:staatsangehoerigkeit", s.Staatsangehoerigkeiten, codeStaatsangehoerigkeit)
	w.anschriften("xsc:anschrift", s.Anschriften)
	w.optCode("xsc:geschlecht", s.Geschlecht, codeGeschlecht)
	w.identifikationen("xsc:identifikationsnummer", s.Identifikationen)
	w.kommunikationen("xsc:kommunikation", s.Kommunikation)
	for _, f := range s.Foerderbedarfe {
		w.open("xsc:sonderpaedagogischerFoerderbedarf")
		w.text("xsc:art", f.Art)
		w.codes("xsc:schwerpunkt", f.Schwerpunkte, codeFoerderschwerpunkt)
		for _, t := range f.Therapiemassnahmen {
			w.text("xsc:therapiemassnahme", t)
		}
		for _, m := range f.Foerdermassnahmen {
			w.open("xsc:teilnahmeFoerdermassnahme")
			w.text("xsc:bezeichnung", m.Bezeichnung)
			w.zeitraeume("xsc:zeitraum", m.Zeitraeume)
			w.close("xsc:teilnahmeFoerdermassnahme")
		}
		for _, a := range f.Anlagen {
			w.anlage("xsc:anlage", a)
		}
		w.close("xsc:sonderpaedagogischerFoerderbedarf")
	}
	for _, i := range s.Impfungen {
		w.open("xsc:impfung")
		w.auswahl("xsc:impfschutz", i.Impfschutz, codeImpfschutz)
		w.code("xsc:krankheit", i.Krankheit, codeKrankheit)
		w.close("xsc:impfung")
	}
	w.codes("xsc:herkunftssprache", s.Herkunftssprachen, codeLanguage)
	w.codes("xsc:verkehrssprache", s.Verkehrssprachen, codeLanguage)
	if m := s.Migrationshintergrund; m != nil {
		w.open("xsc:migrationshintergrund")
		w.code("xsc:geburtsland", m.Geburtsland, codeStaat)
		w.leaf("xsc:jahrDesZuzugs", year(m.JahrDesZuzugs))
		w.close("xsc:migrationshintergrund")
	}
	w.optCode("xsc:konfession", s.Konfession, codeKonfession)
	w.optAuswahl("xsc:schulform", s.Schulform, codeArtDerSchule)
	w.optText("xsc:schulprofil", s.Schulprofil)
	w.optText("xsc:bildungsgang", s.Bildungsgang)
	w.zeitraeume("xsc:auskunftssperreGueltigkeit", s.Auskunftssperren)
	w.close("xsc:schueler")
}

func (w *writer) name(name string, n sw.Name) {
	w.open(name)
	w.opt("xsc:titel", n.Titel)
	for _, a := range n.Anreden {
		w.leaf("xsc:anrede", a)
	}
	w.namensteil("xsc:familienname", n.Familienname, true)
	w.namensteil("xsc:geburtsname", n.Geburtsname, false)
	w.namensteil("xsc:vorname", n.Vorname, true)
	w.namensteil("xsc:rufname", n.Rufname, false)
	w.close(name)
}

func (w *writer) namensteil(name string, n sw.Namensteil, mandatory bool) {
	if n.IsZero() && !mandatory {
		return
	}
	w.open(name)
	w.opt("xsc:name", n.Name)
	w.boolean("xsc:nichtVorhanden", n.NichtVorhanden)
	w.close(name)
}

func (w *writer) anschriften(name string, as []sw.Anschrift) {
	for _, a := range as {
		w.anschrift(name, a)
	}
}

func (w *writer) anschrift(name string, a sw.Anschrift) {
	w.open(name)
	w.opt("xsc:strasse", a.Strasse)
	w.opt("xsc:hausnummer", a.Hausnummer)
	w.opt("xsc:postfach", a.Postfach)
	w.opt("xsc:postleitzahl", a.Postleitzahl)
	w.opt("xsc:ort", a.Ort)
	w.opt("xsc:ortsteil", a.Ortsteil)
	w.opt("xsc:zusatz", a.Zusatz)
	w.optCode("xsc:staat", a.Staat, codeStaat)
	if k := a.Kodierung; k != nil {
		w.open("xsc:verwaltungspolitischeKodierung")
		w.optCode("xsc:kreis", k.Kreis, codeKreis)
		w.optCode("xsc:bezirk", k.Bezirk, codeBezirk)
		w.optCode("xsc:bundesland", k.Bundesland, codeBundesland)
		w.optCode("xsc:gemeindeschluessel", k.Gemeindeschluessel, codeGemeindeschluessel)
		w.optCode("xsc:regionalschluessel", k.Regionalschluessel, codeRegionalschluessel)
		w.close("xsc:verwaltungspolitischeKodierung")
	}
	w.close(name)
}

func (w *writer) identifikation(name string, id sw.Identifikation) {
	w.open(name)
	w.leaf("xsc:id", id.ID)
	w.leaf("xsc:beschreibung", id.Beschreibung)
	if id.Gueltigkeit != nil {
		w.zeitraum("xsc:gueltigkeit", "xsc:", *id.Gueltigkeit)
	}
	w.close(name)
}

func (w *writer) identifikationen(name string, ids []sw.Identifikation) {
	for _, id := range ids {
		w.identifikation(name, id)
	}
}

func (w *writer) kommunikationen(name string, ks []sw.Kommunikation) {
	for _, k := range ks {
		w.open(name)
		w.code("xsc:kanal", k.Kanal, codeErreichbarkeit)
		w.leaf("xsc:kennung", k.Kennung)
		w.boolean("xsc:istDienstlich", k.IstDienstlich)
		w.opt("xsc:zusatz", k.Zusatz)
		w.close(name)
	}
}

func (w *writer) anlage(name string, a sw.Anlage) {
	w.open(name)
	w.leaf("xsc:dateiname", a.Dateiname)
	w.opt("xsc:bezeichnung", a.Bezeichnung)
	w.opt("xsc:mediaType", a.MediaType)
	if a.Inhalt != nil {
		w.leaf("xsc:binaerdarstellung", base64.StdEncoding.EncodeToString(a.Inhalt))
	}
	w.close(name)
}

func (w *writer) sorgeberechtigter(s sw.Sorgeberechtigter) {
	const name = "xsc:erziehungsberechtigter"
	w.open(name)
	w.code("xsc:gesetzlicherVertreterSchluessel", s.Art, codeGesetzlicherVertreter)
	w.optTeilDatum("xsc:tagDerBeendigung", s.TagDerBeendigung)
	w.zeitraeume("xsc:auskunftssperreGueltigkeit", s.Auskunftssperren)
	w.anschriften("xsc:anschrift", s.Anschriften)
	w.kommunikationen("xsc:kontakt", s.Kontakte)
	w.open("xsc:weitereDaten")
	if p := s.Person; p != nil {
		w.open("xsc:natuerlichePerson")
		w.name("xsc:name", p.Name)
		w.optTeilDatum("xsc:geburt", p.Geburtsdatum)
		w.close("xsc:natuerlichePerson")
	}
	if o := s.Organisation; o != nil {
		w.open("xsc:organisation")
		w.organisationsname("xsc:name", o.Name)
		for _, a := range o.Ansprechpartner {
			w.name("xsc:ansprechpartner", a)
		}
		w.close("xsc:organisation")
	}
	w.close("xsc:weitereDaten")
	if z := s.ZukuenftigeAnschrift; z != nil {
		w.open("xsc:zukuenftigeAnschrift")
		w.anschrift("xsc:anschrift", z.Anschrift)
		w.optText("xsc:beschreibung", z.Beschreibung)
		w.close("xsc:zukuenftigeAnschrift")
	}
	w.close(name)
}

func (w *writer) organisationsname(name string, n sw.Organisationsname) {
	w.open(name)
	w.leaf("xsc:name", n.Name)
	w.opt("xsc:kurzbezeichnung", n.Kurzbezeichnung)
	w.close(name)
}

func (w *writer) schule(s sw.Schule) {
	if s.Name != nil {
		w.organisationsname("xsc:name", *s.Name)
	}
	w.kommunikationen("xsc:kommunikation", s.Kommunikation)
	w.identifikationen("xsc:identifikation", s.Identifikationen)
	w.anschriften("xsc:anschrift", s.Anschriften)
	w.optCode("xsc:artDerTraegerschaft", s.Traegerschaft, codeArtDerTraegerschaft)
}

func (w *writer) aufnahme(a sw.Aufnahme) {
	w.open("xsc:aufnehmendeSchule")
	w.schule(a.Schule)
	if a.HatAngaben() {
		w.open("xsc:aufnahme")
		w.optTeilDatum("xsc:datum", a.Datum)
		w.optCode("xsc:jahrgang", a.Jahrgangsstufe, codeJahrgangsstufe)
		w.auswahl("xsc:artDerSchulaufnahme", a.Art, codeArtDerSchulaufnahme)
		w.boolean("xsc:versetzt", a.Versetzt)
		w.optAuswahl("xsc:versetzungsOderAusnahmetatbestandstyp", a.Versetzungstyp, codeVersetzungstyp)
		w.close("xsc:aufnahme")
	}
	w.close("xsc:aufnehmendeSchule")
}

func (w *writer) bisherigeSchule(b sw.BisherigeSchule) {
	w.open("xsc:besuchteSchule")
	w.schule(b.Schule)
	for _, f := range b.Schulformen {
		w.auswahl("xsc:schulform", f, codeArtDerSchule)
	}
	if z := b.Zusatzdaten; z != nil {
		w.open("xsc:schulformspezifischeZusatzdaten")
		if z.SchulbesuchsjahreInSchuleingangsphase != nil {
			w.leaf("xsc:schulbesuchsjahreInSchuleingangsphase", strconv.Itoa(*z.SchulbesuchsjahreInSchuleingangsphase))
		}
		w.optAuswahl("xsc:teilnahmeGemeinsamerUnterricht", z.TeilnahmeGemeinsamerUnterricht, codeTeilnahmeGemeinsamerUnterricht)
		w.close("xsc:schulformspezifischeZusatzdaten")
	}
	for _, t := range b.Schulprofile {
		w.text("xsc:schulprofil", t)
	}
	for _, t := range b.Bildungsgaenge {
		w.text("xsc:bildungsgang", t)
	}
	if b.Zeitraum != nil {
		w.zeitraum("xsc:zeitraum", "xsc:", *b.Zeitraum)
	}
	for _, j := range b.Schuljahrgaenge {
		w.schuljahrgang(j)
	}
	for _, k := range b.Wahlpflichtkurse {
		w.kurs("xsc:wahpflichtkurs", k) // sic: the XSD spells it "wahpflichtkurs"
	}
	if f := b.Fehlzeiten; f != nil {
		w.open("xsc:fehlzeiten")
		w.opt("xsc:tageGesamt", f.TageGesamt)
		w.opt("xsc:tageEntschuldigt", f.TageEntschuldigt)
		w.opt("xsc:stundenGesamt", f.StundenGesamt)
		w.opt("xsc:stundenEntschuldigt", f.StundenEntschuldigt)
		w.close("xsc:fehlzeiten")
	}
	w.close("xsc:besuchteSchule")
}

func (w *writer) schuljahrgang(j sw.Schuljahrgang) {
	w.open("xsc:schuljahrgang")
	if j.Zeitraum != nil {
		w.zeitraum("xsc:zeitraum", "xsc:", *j.Zeitraum)
	}
	w.boolean("xsc:versetzt", j.Versetzt)
	w.optAuswahl("xsc:versetzungsOderAusnahmetatbestandstyp", j.Versetzungstyp, codeVersetzungstyp)
	w.boolean("xsc:teilnahmeAmGanztagsangebot", j.TeilnahmeAmGanztagsangebot)
	w.codes("xsc:jahrgangsstufe", j.Jahrgangsstufen, codeJahrgangsstufe)
	for _, u := range j.Unterrichtsteilnahmen {
		w.open("xsc:unterrichtsteilnahme")
		w.zeitraum("xsc:zeitraum", "xsc:", u.Zeitraum)
		w.codes("xsc:fach", u.Faecher, codeFach)
		w.optText("xsc:arbeitsgemeinschaft", u.Arbeitsgemeinschaft)
		w.optAuswahl("xsc:art", u.Art, codeArtDerUnterrichtsteilnahme)
		w.boolean("xsc:nichtteilnahmeAmUnterricht", u.NichtteilnahmeAmUnterricht)
		w.boolean("xsc:nichtteilnahmeGenehmigt", u.NichtteilnahmeGenehmigt)
		w.optText("xsc:zusatz", u.Zusatz)
		w.close("xsc:unterrichtsteilnahme")
	}
	w.close("xsc:schuljahrgang")
}

func (w *writer) kurs(name string, k sw.Kurs) {
	w.open(name)
	if k.Identifikation != nil {
		w.identifikation("xsc:identifikation", *k.Identifikation)
	}
	w.optText("xsc:bezeichnung", k.Bezeichnung)
	w.codes("xsc:fach", k.Faecher, codeFach)
	w.optText("xsc:schwerpunkt", k.Schwerpunkt)
	w.optAuswahl("xsc:aufgabenfeld", k.Aufgabenfeld, codeAufgabenfeld)
	w.optText("xsc:beschreibung", k.Beschreibung)
	w.optCode("xsc:anforderungsniveau", k.Anforderungsniveau, codeAnforderungsniveau)
	w.optAuswahl("xsc:verpflichtungsgrad", k.Verpflichtungsgrad, codeVerpflichtungsgrad)
	w.codes("xsc:schluesselISCEDF2013", k.SchluesselISCEDF2013, codeISCEDF2013)
	for _, f := range k.VermittelteSprachkenntnisse {
		w.fremdsprache("xsc:vermittelteSprachkenntnis", f)
	}
	w.code("xsc:jahrgangsstufe", k.Jahrgangsstufe, codeJahrgangsstufe)
	w.code("xsc:halbjahr", k.Halbjahr, codeHalbjahr)
	w.optCode("xsc:status", k.Status, codeKursstatus)
	w.boolean("xsc:berechnungsgrundlage", k.Berechnungsgrundlage)
	w.opt("xsc:stunden", k.Stunden)
	w.close(name)
}

func (w *writer) fremdsprache(name string, f sw.Fremdsprache) {
	w.open(name)
	w.code("xsc:sprache", f.Sprache, codeLanguage)
	w.optAuswahl("xsc:abfolge", f.Abfolge, codeAbfolgeDerFremdsprachen)
	w.optCode("xsc:beginn", f.Beginn, codeJahrgangsstufe)
	w.optCode("xsc:ende", f.Ende, codeJahrgangsstufe)
	w.opt("xsc:belegteJahre", f.BelegteJahre)
	w.codes("xsc:ger", f.GER, codeCEFR)
	w.optCode("xsc:erreichterAbschluss", f.ErreichterAbschluss, codeArtWeitererSprachkenntnisse)
	w.optCode("xsc:fach", f.Fach, codeFach)
	w.boolean("xsc:herkunftssprachlicherUnterricht", f.HerkunftssprachlicherUnterricht)
	w.close(name)
}

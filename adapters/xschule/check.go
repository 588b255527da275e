package xschule

import (
	"encoding/base64"
	"fmt"
	"regexp"
	"strconv"
	"strings"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// decoder collects field errors while it maps the tree to the model.
type decoder struct {
	errs     []apperr.FieldError
	dropped  int // errors beyond MaxErrors
	hinweise []schulwechsel.Hinweis
}

func (d *decoder) add(ptr, code, msg string) {
	if len(d.errs) >= MaxErrors {
		d.dropped++
		return
	}
	d.errs = append(d.errs, apperr.FieldError{Pointer: ptr, Code: code, Message: msg})
}

// covers reports whether an error at ptr or inside it is already known,
// so a domain rule does not report the same problem twice.
func (d *decoder) covers(ptr string) bool {
	for _, e := range d.errs {
		if e.Pointer == ptr || strings.HasPrefix(e.Pointer, ptr+"/") || strings.HasPrefix(e.Pointer, ptr+"[") {
			return true
		}
	}
	return false
}

// slot is one element of an XSD sequence.
type slot struct {
	ns, name string
	min, max int  // max < 0: unbounded
	unmapped bool // allowed by the XSD, but not mapped: refused
}

const unbounded = -1

func xsc(name string, min, max int) slot {
	return slot{ns: NamespaceXSchule, name: name, min: min, max: max}
}
func xbd(name string, min, max int) slot {
	return slot{ns: NamespaceXBildung, name: name, min: min, max: max}
}
func unq(name string, min, max int) slot { return slot{name: name, min: min, max: max} }
func notMapped(s slot) slot              { s.unmapped = true; return s }

func (s slot) display() string {
	if s.ns == "" {
		return s.name
	}
	return prefixes[s.ns] + ":" + s.name
}

// elem is a child element with its XML path.
type elem struct {
	n    *node
	path string
}

// kids holds the children of one element by local name, in document order.
type kids map[string][]elem

func (k kids) one(name string) (elem, bool) {
	if len(k[name]) == 0 {
		return elem{}, false
	}
	return k[name][0], true
}

// children checks n's children against the sequence seq: order, unknown
// elements, cardinality and mandatory elements. It also refuses text in
// this element and attributes other than those named in attrs (qualified
// as "{ns}local" or plain local names).
func (d *decoder) children(e elem, seq []slot, attrs ...string) kids {
	n := e.n
	if n.hasText() {
		d.add(e.path, CodeTextUnerwartet, "Das Element enthält Text, erwartet werden nur Unterelemente.")
	}
	d.checkAttrs(e, attrs...)
	out := kids{}
	count := make([]int, len(seq))
	pos := 0
	for _, c := range n.kids {
		j := -1
		for k := pos; k < len(seq); k++ {
			if seq[k].ns == c.name.Space && seq[k].name == c.name.Local {
				j = k
				break
			}
		}
		if j < 0 {
			p := e.path + "/" + displayName(c.name)
			earlier := false
			for k := 0; k < pos; k++ {
				if seq[k].ns == c.name.Space && seq[k].name == c.name.Local {
					earlier = true
					if seq[k].max != 1 {
						p += "[" + strconv.Itoa(count[k]+1) + "]"
					}
				}
			}
			if earlier {
				d.add(p, CodeReihenfolgeFalsch, fmt.Sprintf("Das Element %s steht an der falschen Stelle.", displayName(c.name)))
			} else {
				d.add(p, CodeElementUnbekannt, fmt.Sprintf("Das Element %s ist hier nicht erlaubt.", displayName(c.name)))
			}
			continue
		}
		pos = j
		count[j]++
		s := seq[j]
		p := e.path + "/" + s.display()
		if s.max != 1 {
			p += "[" + strconv.Itoa(count[j]) + "]"
		}
		switch {
		case s.max >= 0 && count[j] > s.max:
			d.add(p, CodeElementZuOft, fmt.Sprintf("Das Element %s darf höchstens %d-mal vorkommen.", s.display(), s.max))
		case s.unmapped:
			d.add(p, CodeNichtUnterstuetzt, fmt.Sprintf("Das Element %s wird vom Gateway nicht verarbeitet; die Nachricht wird daher nicht angenommen, damit keine Angaben verloren gehen.", s.display()))
		default:
			out[s.name] = append(out[s.name], elem{n: c, path: p})
		}
	}
	for k, s := range seq {
		if count[k] < s.min {
			d.add(e.path+"/"+s.display(), CodePflichtfeldFehlt, fmt.Sprintf("Das Pflichtelement %s fehlt.", s.display()))
		}
	}
	return out
}

func (d *decoder) checkAttrs(e elem, allowed ...string) {
	for _, a := range e.n.attrs {
		ok := false
		for _, name := range allowed {
			if name == a.Name.Local && a.Name.Space == "" || name == "{"+a.Name.Space+"}"+a.Name.Local {
				ok = true
			}
		}
		if !ok {
			d.add(e.path+"/@"+displayName(a.Name), CodeAttributUnbekannt, fmt.Sprintf("Das Attribut %s ist hier nicht erlaubt.", displayName(a.Name)))
		}
	}
}

func attr(n *node, space, local string) (string, bool) {
	for _, a := range n.attrs {
		if a.Name.Space == space && a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

// leaf returns the text of a simple-content element, refusing child
// elements and attributes other than those allowed.
func (d *decoder) leaf(e elem, attrs ...string) string {
	for _, c := range e.n.kids {
		d.add(e.path+"/"+displayName(c.name), CodeElementUnbekannt, fmt.Sprintf("Das Element %s darf keine Unterelemente enthalten.", displayName(e.n.name)))
	}
	d.checkAttrs(e, attrs...)
	return e.n.text.String()
}

// str reads an optional string element as written (xs:string keeps
// whitespace).
func (d *decoder) str(k kids, name string) string {
	e, ok := k.one(name)
	if !ok {
		return ""
	}
	return d.leaf(e)
}

// mustStr reads a mandatory string element and refuses blank text.
func (d *decoder) mustStr(k kids, name string) string {
	e, ok := k.one(name)
	if !ok {
		return "" // reported by children
	}
	s := d.leaf(e)
	if strings.TrimSpace(s) == "" {
		d.add(e.path, CodePflichtfeldFehlt, "Das Pflichtelement ist leer.")
	}
	return s
}

func (d *decoder) strs(k kids, name string) []string {
	var out []string
	for _, e := range k[name] {
		out = append(out, d.leaf(e))
	}
	return out
}

var langAttr = "{" + nsXML + "}lang"

// text reads an xbd:String.Localized element.
func (d *decoder) text(e elem) schulwechsel.Text {
	v := d.leaf(e, langAttr)
	l, _ := attr(e.n, nsXML, "lang")
	return schulwechsel.Text{Wert: v, Sprache: l}
}

func (d *decoder) optText(k kids, name string) schulwechsel.Text {
	if e, ok := k.one(name); ok {
		return d.text(e)
	}
	return schulwechsel.Text{}
}

func (d *decoder) texts(k kids, name string) []schulwechsel.Text {
	var out []schulwechsel.Text
	for _, e := range k[name] {
		out = append(out, d.text(e))
	}
	return out
}

// date reads an xs:date element; only YYYY-MM-DD without time zone is
// accepted.
func (d *decoder) date(k kids, name string) schulwechsel.Datum {
	e, ok := k.one(name)
	if !ok {
		return schulwechsel.Datum{}
	}
	return d.dateOf(e, 10, "JJJJ-MM-TT")
}

func (d *decoder) dateOf(e elem, length int, form string) schulwechsel.Datum {
	s := strings.TrimSpace(d.leaf(e))
	v, err := schulwechsel.ParseDatum(s)
	if err != nil || len(s) != length {
		d.add(e.path, CodeFormatUngueltig, fmt.Sprintf("%q ist kein gültiges Datum der Form %s.", s, form))
		return schulwechsel.Datum{}
	}
	return v
}

// teilDatum reads an xbd:TeilbekanntesDatum: exactly one of jahrMonatTag,
// jahrMonat, jahr.
func (d *decoder) teilDatum(e elem) schulwechsel.Datum {
	k := d.children(e, []slot{xbd("jahrMonatTag", 0, 1), xbd("jahrMonat", 0, 1), xbd("jahr", 0, 1)})
	var got []elem
	var v schulwechsel.Datum
	if c, ok := k.one("jahrMonatTag"); ok {
		got = append(got, c)
		v = d.dateOf(c, 10, "JJJJ-MM-TT")
	}
	if c, ok := k.one("jahrMonat"); ok {
		got = append(got, c)
		v = d.dateOf(c, 7, "JJJJ-MM")
	}
	if c, ok := k.one("jahr"); ok {
		got = append(got, c)
		v = d.dateOf(c, 4, "JJJJ")
	}
	switch {
	case len(got) == 0 && len(e.n.kids) == 0:
		d.add(e.path, CodePflichtfeldFehlt, "Es fehlt eines der Elemente xbd:jahrMonatTag, xbd:jahrMonat oder xbd:jahr.")
	case len(got) > 1:
		d.add(e.path, CodeAuswahlMehrdeutig, "Nur eines der Elemente xbd:jahrMonatTag, xbd:jahrMonat oder xbd:jahr ist erlaubt.")
		return schulwechsel.Datum{}
	}
	return v
}

func (d *decoder) optTeilDatum(k kids, name string) schulwechsel.Datum {
	if e, ok := k.one(name); ok {
		return d.teilDatum(e)
	}
	return schulwechsel.Datum{}
}

func (d *decoder) boolean(k kids, name string) *bool {
	e, ok := k.one(name)
	if !ok {
		return nil
	}
	var v bool
	switch s := strings.TrimSpace(d.leaf(e)); s {
	case "true", "1":
		v = true
	case "false", "0":
		v = false
	default:
		d.add(e.path, CodeFormatUngueltig, fmt.Sprintf("%q ist kein Wahrheitswert (true oder false).", s))
		return nil
	}
	return &v
}

var (
	decimalRE = regexp.MustCompile(`^[+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)$`)
	doubleRE  = regexp.MustCompile(`^([+-]?([0-9]+(\.[0-9]*)?|\.[0-9]+)([eE][+-]?[0-9]+)?|-?INF|NaN)$`)
	integerRE = regexp.MustCompile(`^[+-]?[0-9]+$`)
	gYearRE   = regexp.MustCompile(`^[0-9]{4}$`)
)

// lexical reads a number-like element, keeping it as written (trimmed).
func (d *decoder) lexical(k kids, name string, re *regexp.Regexp, what string) string {
	e, ok := k.one(name)
	if !ok {
		return ""
	}
	s := strings.TrimSpace(d.leaf(e))
	if !re.MatchString(s) {
		d.add(e.path, CodeFormatUngueltig, fmt.Sprintf("%q ist keine gültige Angabe (%s).", s, what))
		return ""
	}
	return s
}

func (d *decoder) integer(k kids, name string) *int {
	s := d.lexical(k, name, integerRE, "ganze Zahl")
	if s == "" {
		return nil
	}
	v, err := strconv.Atoi(s)
	if err != nil {
		e, _ := k.one(name)
		d.add(e.path, CodeFormatUngueltig, fmt.Sprintf("%q ist zu groß.", s))
		return nil
	}
	return &v
}

func (d *decoder) year(k kids, name string) int {
	s := d.lexical(k, name, gYearRE, "Jahr JJJJ")
	v, _ := strconv.Atoi(s)
	return v
}

func (d *decoder) binary(k kids, name string) []byte {
	e, ok := k.one(name)
	if !ok {
		return nil
	}
	s := strings.Map(func(r rune) rune {
		if r == ' ' || r == '\n' || r == '\r' || r == '\t' {
			return -1
		}
		return r
	}, d.leaf(e))
	b, err := base64.StdEncoding.DecodeString(s)
	if err != nil {
		d.add(e.path, CodeFormatUngueltig, "Der Inhalt ist nicht gültig Base64-kodiert.")
		return nil
	}
	if b == nil {
		b = []byte{}
	}
	return b
}

// codeSpec describes one XÖV code type of the XSD.
type codeSpec struct {
	typ      string // XSD type, e.g. "xsc:Code.Jahrgangsstufe"
	uri      string // fixed listURI; "" = open list, listURI required
	version  string // fixed listVersionID; "" = listVersionID required
	withName bool   // the type has a mandatory <name> element
	format   *regexp.Regexp
	values   []string // allowed values when no genericode list is embedded
}

// code reads an XÖV code element. Absent listURI/listVersionID attributes
// are filled with the XSD's fixed values, so the model always knows the
// list. A code of an embedded list that differs from it only in the
// version (listVersionID, or the version segment of the code's URI, as
// the standard's own releases and examples vary them) is the same code:
// it is taken in the list's canonical form and a Hinweis says so.
func (d *decoder) code(e elem, spec codeSpec) schulwechsel.Code {
	seq := []slot{unq("code", 1, 1)}
	if spec.withName {
		seq = append(seq, unq("name", 1, 1))
	}
	k := d.children(e, seq, "listURI", "listVersionID")
	var c schulwechsel.Code
	uri, hasURI := attr(e.n, "", "listURI")
	ver, hasVer := attr(e.n, "", "listVersionID")
	uri, ver = strings.TrimSpace(uri), strings.TrimSpace(ver)
	uriOK := true
	switch {
	case spec.uri == "" && !hasURI:
		d.add(e.path+"/@listURI", CodePflichtfeldFehlt, "Das Attribut listURI (Kennung der Codeliste) fehlt.")
		uriOK = false
	case spec.uri != "" && hasURI && uri != spec.uri:
		d.add(e.path+"/@listURI", CodeCodelisteAbweichend, fmt.Sprintf("Erwartet wird die Codeliste %s.", spec.uri))
		uriOK = false
	case spec.uri != "" && !hasURI:
		uri = spec.uri
	}
	origVer := ver
	want := d.listVersion(spec, uri)
	if want == "" {
		want = spec.version
	}
	switch {
	case spec.version == "" && !hasVer:
		d.add(e.path+"/@listVersionID", CodePflichtfeldFehlt, "Das Attribut listVersionID (Version der Codeliste) fehlt.")
	case !hasVer:
		ver = spec.version
	case ver == want || !uriOK:
	case d.listVersion(spec, uri) != "" && versionRE.MatchString(ver):
		ver = want // another version of a list the gateway can check against
	case spec.version != "" || d.listVersion(spec, uri) != "":
		// A list the gateway holds, under a version label that is none
		// ("aktuell"), or a fixed list it cannot check another version of.
		d.add(e.path+"/@listVersionID", CodeCodelisteAbweichend, fmt.Sprintf("Erwartet wird die Version %s der Codeliste.", want))
	}
	c.ListURI, c.ListVersion = uri, ver
	var origValue string
	if ce, ok := k.one("code"); ok {
		c.Value = strings.TrimSpace(d.leaf(ce))
		origValue = c.Value
		c.Value = d.checkValue(ce.path, spec, c)
	}
	if ne, ok := k.one("name"); ok {
		c.Name = d.leaf(ne)
	}
	if hasVer && origVer != ver || origValue != c.Value {
		von := ""
		if hasVer {
			von = ", Version " + origVer
		}
		d.hinweise = append(d.hinweise, schulwechsel.Hinweis{Pointer: e.path, Code: CodeCodeNormalisiert, Message: fmt.Sprintf(
			"Der Code %q (Codeliste %s%s) ist derselbe Code wie %q der Version %s dieser Codeliste; er wurde so übernommen und wird so weitergegeben.",
			origValue, uri, von, c.Value, ver)})
	}
	return c
}

// listVersion is the version of the embedded list the code is checked
// against: the list the XSD fixes, or the list an open code names; "" if
// the gateway holds no such list (and no fixed values for it).
func (d *decoder) listVersion(spec codeSpec, uri string) string {
	if l, ok := codelisten[uri]; ok {
		return l.version
	}
	if spec.values != nil {
		return spec.version
	}
	return ""
}

// checkValue checks the code against its list and returns it in the
// list's canonical form.
func (d *decoder) checkValue(path string, spec codeSpec, c schulwechsel.Code) string {
	if c.Value == "" {
		d.add(path, CodePflichtfeldFehlt, "Der Code ist leer.")
		return c.Value
	}
	if l, ok := codelisten[c.ListURI]; ok && l.version == c.ListVersion {
		v, ok := l.canonical(c.Value)
		if !ok {
			d.add(path, CodeCodeUnbekannt, fmt.Sprintf("Der Code %q steht in keiner Version der Codeliste %s (geprüft gegen Version %s). Bitte einen Code aus der Codeliste verwenden.", c.Value, c.ListURI, c.ListVersion))
			return c.Value
		}
		return v
	}
	if spec.values != nil {
		for _, v := range spec.values {
			if v == c.Value {
				return c.Value
			}
		}
		d.add(path, CodeCodeUnbekannt, fmt.Sprintf("Der Code %q steht nicht in der Codeliste %s.", c.Value, c.ListURI))
		return c.Value
	}
	if spec.format != nil && !spec.format.MatchString(c.Value) {
		d.add(path, CodeFormatUngueltig, fmt.Sprintf("Der Code %q hat nicht die Form der Codeliste %s.", c.Value, c.ListURI))
	}
	return c.Value
}

func (d *decoder) optCode(k kids, name string, spec codeSpec) schulwechsel.Code {
	if e, ok := k.one(name); ok {
		return d.code(e, spec)
	}
	return schulwechsel.Code{}
}

func (d *decoder) codes(k kids, name string, spec codeSpec) []schulwechsel.Code {
	var out []schulwechsel.Code
	for _, e := range k[name] {
		out = append(out, d.code(e, spec))
	}
	return out
}

// auswahl reads the XSchule pattern {code, nichtGelisteterWert?}.
func (d *decoder) auswahl(e elem, spec codeSpec) schulwechsel.Auswahl {
	k := d.children(e, []slot{xsc("code", 1, 1), xsc("nichtGelisteterWert", 0, 1)})
	var a schulwechsel.Auswahl
	if c, ok := k.one("code"); ok {
		a.Code = d.code(c, spec)
	}
	a.NichtGelisteterWert = d.str(k, "nichtGelisteterWert")
	d.schematron(e)
	return a
}

func (d *decoder) optAuswahl(k kids, name string, spec codeSpec) *schulwechsel.Auswahl {
	if e, ok := k.one(name); ok {
		a := d.auswahl(e, spec)
		return &a
	}
	return nil
}

func (d *decoder) auswahlen(k kids, name string, spec codeSpec) []schulwechsel.Auswahl {
	var out []schulwechsel.Auswahl
	for _, e := range k[name] {
		out = append(out, d.auswahl(e, spec))
	}
	return out
}

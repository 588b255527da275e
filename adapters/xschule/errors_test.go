package xschule

import (
	"bytes"
	"errors"
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// edit is a change to an example: replace the n-th (1-based) occurrence of
// the regular expression old by new.
type edit struct {
	old string
	new string
	n   int
}

func applyEdits(t *testing.T, data []byte, edits []edit) []byte {
	t.Helper()
	s := string(data)
	for _, e := range edits {
		re := regexp.MustCompile(e.old)
		locs := re.FindAllStringIndex(s, -1)
		n := e.n
		if n == 0 {
			n = 1
		}
		if len(locs) < n {
			t.Fatalf("edit %q: only %d occurrences", e.old, len(locs))
		}
		l := locs[n-1]
		s = s[:l[0]] + re.ReplaceAllString(s[l[0]:l[1]], e.new) + s[l[1]:]
	}
	return []byte(s)
}

// remove deletes the n-th element that the pattern (start tag up to its
// end tag, non-greedy) matches.
func remove(pattern string, n int) edit { return edit{old: `(?s)` + pattern, new: "", n: n} }

const (
	pSchueler   = rootPath + "/xsc:schueler"
	pAufnahme   = rootPath + "/xsc:aufnehmendeSchule/xsc:aufnahme"
	pBesucht    = rootPath + "/xsc:besuchteSchule"
	jgs2        = "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_2"
	schulwechsl = "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/schulwechsel_ausserhalb_schulbezirk"
)

func TestDecodeReportsProblems(t *testing.T) {
	tests := []struct {
		name    string
		example string
		edits   []edit
		want    []apperr.FieldError
	}{
		{
			name: "Familienname fehlt", example: "XSchule_Wechsel_02.xml",
			edits: []edit{remove(`<xsc:familienname>.*?</xsc:familienname>`, 1)},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:nameNatuerlichePerson/xsc:familienname", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "Familienname leer", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `<xsc:name>Musterfrau</xsc:name>`, new: ``}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:nameNatuerlichePerson/xsc:familienname", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "Geburtsdatum fehlt", example: "XSchule_Wechsel_02.xml",
			edits: []edit{remove(`<xsc:datum>\s*<xbd:jahrMonatTag>2009-04-05</xbd:jahrMonatTag>\s*</xsc:datum>`, 1)},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:geburt/xsc:datum", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "Sprache des Dokuments fehlt", example: "XSchule_Wechsel_01.xml",
			edits: []edit{remove(`<xbd:sprache>.*?</xbd:sprache>`, 1)},
			want:  []apperr.FieldError{{Pointer: rootPath + "/xbd:sprache", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "weitereDaten des zweiten Erziehungsberechtigten fehlt", example: "XSchule_Wechsel_01.xml",
			edits: []edit{remove(`<xsc:weitereDaten>.*?</xsc:weitereDaten>`, 2)},
			want:  []apperr.FieldError{{Pointer: rootPath + "/xsc:erziehungsberechtigter[2]/xsc:weitereDaten", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "Kennung einer Kommunikation fehlt", example: "XSchule_Wechsel_01.xml",
			edits: []edit{remove(`<xsc:kennung>0049 123 456 789</xsc:kennung>`, 1)},
			want:  []apperr.FieldError{{Pointer: rootPath + "/xsc:erziehungsberechtigter[2]/xsc:kontakt[1]/xsc:kennung", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "ArtDerSchulaufnahme fehlt", example: "XSchule_Wechsel_01.xml",
			edits: []edit{remove(`<xsc:artDerSchulaufnahme>.*?</xsc:artDerSchulaufnahme>`, 1)},
			want:  []apperr.FieldError{{Pointer: pAufnahme + "/xsc:artDerSchulaufnahme", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "Aufnahmedatum fehlt (Domänenregel)", example: "XSchule_Wechsel_01.xml",
			edits: []edit{remove(`<xsc:datum>\s*<xbd:jahrMonatTag>2025-09-01</xbd:jahrMonatTag>\s*</xsc:datum>`, 1)},
			want:  []apperr.FieldError{{Pointer: pAufnahme + "/xsc:datum", Code: sw.CodePflichtfeldFehlt}},
		},
		{
			name: "Aufnahmedatum nur Jahr und Monat", example: "XSchule_Wechsel_01.xml",
			edits: []edit{{old: `<xbd:jahrMonatTag>2025-09-01</xbd:jahrMonatTag>`, new: `<xbd:jahrMonat>2025-09</xbd:jahrMonat>`}},
			want:  []apperr.FieldError{{Pointer: pAufnahme + "/xsc:datum", Code: sw.CodeDatumUnvollstaendig}},
		},
		{
			name: "Jahrgang der Aufnahme fehlt", example: "XSchule_Wechsel_02.xml",
			edits: []edit{remove(`<xsc:jahrgang>.*?</xsc:jahrgang>`, 1)},
			want:  []apperr.FieldError{{Pointer: pAufnahme + "/xsc:jahrgang", Code: sw.CodePflichtfeldFehlt}},
		},
		{
			// Without an admitting school the message is an Abgang, which
			// needs the day of leaving (example 02 gives none).
			name: "aufnehmende Schule fehlt", example: "XSchule_Wechsel_02.xml",
			edits: []edit{remove(`<xsc:aufnehmendeSchule>.*?</xsc:aufnehmendeSchule>`, 1)},
			want:  []apperr.FieldError{{Pointer: rootPath + "/xsc:besuchteSchule/xsc:zeitraum/xsc:ende", Code: sw.CodePflichtfeldFehlt}},
		},
		{
			name: "Abgang nach der Aufnahme", example: "XSchule_Wechsel_01.xml",
			edits: []edit{{old: `<xsc:ende>2025-07-01</xsc:ende>`, new: `<xsc:ende>2025-09-02</xsc:ende>`}},
			want:  []apperr.FieldError{{Pointer: pBesucht + "/xsc:zeitraum/xsc:ende", Code: sw.CodeAbgangNachAufnahme}},
		},
		{
			name: "Name des Staates fehlt", example: "XSchule_Wechsel_02.xml",
			edits: []edit{remove(`<name>Deutschland</name>`, 1)},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:geburt/xsc:geburtsort/xsc:staat/name", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "listVersionID des Staates fehlt", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `<xsc:staat listVersionID="2024-08-01">`, new: `<xsc:staat>`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:geburt/xsc:geburtsort/xsc:staat/@listVersionID", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "listURI des Förderschwerpunkts fehlt", example: "XSchule_Wechsel_Journey_Schulform.xml",
			edits: []edit{{old: `listURI="urn:xschule-digital:kmk:codeliste:foerderschwerpunkt"`, new: ``}},
			want: []apperr.FieldError{{Pointer: pSchueler + "/xsc:sonderpaedagogischerFoerderbedarf[1]/xsc:schwerpunkt[1]/@listURI",
				Code: CodePflichtfeldFehlt}},
		},
		{
			name: "Anlage des Förderbedarfs fehlt", example: "XSchule_Wechsel_Journey_Schulform.xml",
			edits: []edit{remove(`<xsc:anlage>.*?</xsc:anlage>`, 1)},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:sonderpaedagogischerFoerderbedarf[1]/xsc:anlage", Code: CodePflichtfeldFehlt}},
		},
		{
			name: "unbekannte Jahrgangsstufe", example: "XSchule_Wechsel_01.xml",
			edits: []edit{{old: jgs2, new: strings.Replace(jgs2, "_2", "_14", 1)}},
			want:  []apperr.FieldError{{Pointer: pAufnahme + "/xsc:jahrgang/code", Code: CodeCodeUnbekannt}},
		},
		{
			name: "unbekannte Art der Schulaufnahme", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: schulwechsl, new: strings.Replace(schulwechsl, "schulwechsel_ausserhalb", "umzug_innerhalb", 1)}},
			want:  []apperr.FieldError{{Pointer: pAufnahme + "/xsc:artDerSchulaufnahme/xsc:code/code", Code: CodeCodeUnbekannt}},
		},
		{
			name: "unbekanntes Geschlecht", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `<code>w</code>`, new: `<code>f</code>`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:geschlecht/code", Code: CodeCodeUnbekannt}},
		},
		{
			name: "unbekannter Förderschwerpunkt", example: "XSchule_Wechsel_Journey_Schulform.xml",
			edits: []edit{{old: `ohne_sonderpaedagogische_foerderung`, new: `gibt_es_nicht`}},
			want: []apperr.FieldError{{Pointer: pSchueler + "/xsc:sonderpaedagogischerFoerderbedarf[1]/xsc:schwerpunkt[1]/code",
				Code: CodeCodeUnbekannt}},
		},
		{
			name: "Förderschwerpunkt aus einer Landesliste wird angenommen", example: "XSchule_Wechsel_Journey_Schulform.xml",
			edits: []edit{
				{old: `urn:xschule-digital:kmk:codeliste:foerderschwerpunkt`, new: `urn:example:land:foerderschwerpunkt`},
				{old: `ohne_sonderpaedagogische_foerderung`, new: `gibt_es_nicht`},
			},
			want: nil,
		},
		{
			name: "unbekannte Schulform der besuchten Schule", example: "XSchule_Wechsel_Journey_Primarwechsel.xml",
			edits: []edit{{old: `artderschule/grundschule_1_4`, new: `artderschule/grundschule_1_5`}},
			want:  []apperr.FieldError{{Pointer: pBesucht + "/xsc:schulform[1]/xsc:code/code", Code: CodeCodeUnbekannt}},
		},
		{
			name: "Sprache nicht in der Form der Liste", example: "XSchule_Wechsel_01.xml",
			edits: []edit{{old: `language/POR`, new: `language/portugiesisch`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:verkehrssprache[1]/code", Code: CodeFormatUngueltig}},
		},
		{
			// The gateway holds no list of the DSMeld keys: another version
			// cannot be checked, so it is refused.
			name: "abweichende Version einer festen Codeliste ohne eingebettete Liste", example: "XSchule_Wechsel_01.xml",
			edits: []edit{{old: `<xsc:gesetzlicherVertreterSchluessel>`, new: `<xsc:gesetzlicherVertreterSchluessel listVersionID="4">`, n: 1}},
			want: []apperr.FieldError{{Pointer: rootPath + "/xsc:erziehungsberechtigter[1]/xsc:gesetzlicherVertreterSchluessel/@listVersionID",
				Code: CodeCodelisteAbweichend}},
		},
		{
			// Another version of an embedded list is checked against the
			// list: a code in no version of it is refused.
			name: "Code in keiner Version der Codeliste", example: "XSchule_Wechsel_01.xml",
			edits: []edit{{old: `<xsc:jahrgang>\s*<code>[^<]*</code>`, new: `<xsc:jahrgang listVersionID="2.0"><code>http://xschule.digital/def/xschule/2.0/code/jahrgangsstufe/jahrgangsstufe_14</code>`}},
			want:  []apperr.FieldError{{Pointer: pAufnahme + "/xsc:jahrgang/code", Code: CodeCodeUnbekannt}},
		},
		{
			name: "Element an falscher Stelle", example: "XSchule_Wechsel_02.xml",
			edits: []edit{
				remove(`<xsc:geschlecht>\s*<code>w</code>\s*</xsc:geschlecht>`, 1),
				{old: `<xsc:anschrift>`, new: `<xsc:geschlecht><code>w</code></xsc:geschlecht><xsc:anschrift>`},
			},
			// geschlecht now stands before anschrift: anschrift comes too late.
			want: []apperr.FieldError{{Pointer: pSchueler + "/xsc:anschrift[1]", Code: CodeReihenfolgeFalsch}},
		},
		{
			name: "unbekanntes Element", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `<xsc:geschlecht>`, new: `<xsc:lieblingsfarbe>blau</xsc:lieblingsfarbe><xsc:geschlecht>`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:lieblingsfarbe", Code: CodeElementUnbekannt}},
		},
		{
			name: "Element im falschen Namensraum", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `<xsc:geschlecht>(\s*<code>w</code>\s*)</xsc:geschlecht>`, new: `<xbd:geschlecht>$1</xbd:geschlecht>`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xbd:geschlecht", Code: CodeElementUnbekannt}},
		},
		{
			name: "nicht abgebildetes Element", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `</xsc:besuchteSchule>`, new: `</xsc:besuchteSchule><xsc:schullaufbahn><xsc:beginnDerSchulpflicht><xbd:jahr>2015</xbd:jahr></xsc:beginnDerSchulpflicht></xsc:schullaufbahn><ds:Signature/>`}},
			want:  []apperr.FieldError{{Pointer: rootPath + "/ds:Signature", Code: CodeNichtUnterstuetzt}},
		},
		{
			name: "Element zu oft", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `(<xsc:geschlecht>\s*<code>w</code>\s*</xsc:geschlecht>)`, new: `$1$1`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:geschlecht", Code: CodeElementZuOft}},
		},
		{
			name: "ungültiges Datum", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `2009-04-05`, new: `2009-02-30`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:geburt/xsc:datum/xbd:jahrMonatTag", Code: CodeFormatUngueltig}},
		},
		{
			name: "ungültiger Wahrheitswert", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `<xsc:teilnahmeAmGanztagsangebot>false`, new: `<xsc:teilnahmeAmGanztagsangebot>nein`}},
			want:  []apperr.FieldError{{Pointer: pBesucht + "/xsc:schuljahrgang[1]/xsc:teilnahmeAmGanztagsangebot", Code: CodeFormatUngueltig}},
		},
		{
			name: "Text in einem Element mit Unterelementen", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `<xsc:geburt>`, new: `<xsc:geburt>gestern`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:geburt", Code: CodeTextUnerwartet}},
		},
		{
			name: "unbekanntes Attribut", example: "XSchule_Wechsel_02.xml",
			edits: []edit{{old: `<xsc:geburt>`, new: `<xsc:geburt heimlich="ja">`}},
			want:  []apperr.FieldError{{Pointer: pSchueler + "/xsc:geburt/@heimlich", Code: CodeAttributUnbekannt}},
		},
		{
			name: "Person und Organisation zugleich", example: "XSchule_Wechsel_01.xml",
			edits: []edit{{old: `</xsc:natuerlichePerson>`, new: `</xsc:natuerlichePerson><xsc:organisation><xsc:name><xsc:name>Jugendamt</xsc:name></xsc:name></xsc:organisation>`}},
			want:  []apperr.FieldError{{Pointer: rootPath + "/xsc:erziehungsberechtigter[1]/xsc:weitereDaten", Code: CodeAuswahlMehrdeutig}},
		},
		{
			name: "mehrere Probleme auf einmal", example: "XSchule_Wechsel_01.xml",
			edits: []edit{
				remove(`<xsc:vorname>\s*<xsc:name>Maximilian</xsc:name>\s*</xsc:vorname>`, 1),
				{old: jgs2, new: strings.Replace(jgs2, "_2", "_99", 1)},
				remove(`<xsc:gesetzlicherVertreterSchluessel>.*?</xsc:gesetzlicherVertreterSchluessel>`, 2),
				{old: `<xsc:ende>2025-07-01</xsc:ende>`, new: `<xsc:ende>2025-09-02</xsc:ende>`},
				{old: `<code>03</code>`, new: `<code>03</code><name>Telefon</name>`},
			},
			want: []apperr.FieldError{
				{Pointer: pSchueler + "/xsc:nameNatuerlichePerson/xsc:vorname", Code: CodePflichtfeldFehlt},
				{Pointer: rootPath + "/xsc:erziehungsberechtigter[1]/xsc:kontakt[1]/xsc:kanal/name", Code: CodeElementUnbekannt},
				{Pointer: rootPath + "/xsc:erziehungsberechtigter[2]/xsc:gesetzlicherVertreterSchluessel", Code: CodePflichtfeldFehlt},
				{Pointer: pAufnahme + "/xsc:jahrgang/code", Code: CodeCodeUnbekannt},
				{Pointer: pBesucht + "/xsc:zeitraum/xsc:ende", Code: sw.CodeAbgangNachAufnahme},
			},
		},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			data := applyEdits(t, readExample(t, tc.example), tc.edits)
			w, err := Decode(data)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("unexpected error: %v\n%s", err, describe(err))
				}
				return
			}
			if w != nil {
				t.Error("Decode returned a model together with an error")
			}
			if !errors.Is(err, ErrInvalid) {
				t.Errorf("%v is not ErrInvalid", err)
			}
			assertFields(t, fields(t, err), tc.want)
		})
	}
}

func TestDecodeRefusesHostileInput(t *testing.T) {
	ex := readExample(t, "XSchule_Wechsel_02.xml")
	body := string(ex[bytes.Index(ex, []byte("<xsc:schueler.wechsel.0001")):])
	deep := `<xsc:schueler.wechsel.0001 xmlns:xsc="` + NamespaceXSchule + `">` +
		strings.Repeat("<a>", MaxDepth) + strings.Repeat("</a>", MaxDepth) + `</xsc:schueler.wechsel.0001>`
	tests := []struct {
		name  string
		input []byte
		cause error
		code  string
	}{
		{"DOCTYPE mit Entitäten (billion laughs)", []byte(`<?xml version="1.0"?>
<!DOCTYPE lolz [<!ENTITY lol "lol"><!ENTITY lol2 "&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;&lol;">]>
` + strings.Replace(body, "Musterfrau", "&lol2;", 1)), ErrDoctype, CodeDoctypeVerboten},
		{"externe Entität", []byte(`<?xml version="1.0"?><!DOCTYPE x [<!ENTITY xxe SYSTEM "file:///etc/passwd">]>` +
			strings.Replace(body, "Musterfrau", "&xxe;", 1)), ErrDoctype, CodeDoctypeVerboten},
		{"DOCTYPE ohne interne Teilmenge", []byte(`<!DOCTYPE xsc:schueler.wechsel.0001 SYSTEM "http://example.org/x.dtd">` + body), ErrDoctype, CodeDoctypeVerboten},
		{"nicht deklarierte Entität", []byte(strings.Replace(body, "Musterfrau", "&xxe;", 1)), ErrSyntax, CodeXMLUngueltig},
		{"abgeschnitten", ex[:len(ex)/2], ErrSyntax, CodeXMLUngueltig},
		{"abgeschnitten im Tag", ex[:bytes.Index(ex, []byte("<xsc:geburt>"))+5], ErrSyntax, CodeXMLUngueltig},
		{"leer", []byte{}, ErrSyntax, CodeXMLUngueltig},
		{"nur Text", []byte("Schulwechsel"), ErrSyntax, CodeXMLUngueltig},
		{"zwei Wurzelelemente", append(append([]byte{}, ex...), []byte(body)...), ErrSyntax, CodeXMLUngueltig},
		{"falscher Zeichensatz", []byte(`<?xml version="1.0" encoding="ISO-8859-1"?>` + body), ErrSyntax, CodeXMLUngueltig},
		{"ungültiges UTF-8", []byte(strings.Replace(body, "Musterfrau", "Muster\xfffrau", 1)), ErrSyntax, CodeXMLUngueltig},
		{"falsches Wurzelelement", []byte(`<xsc:schueler.abiturzeugnis.0002 xmlns:xsc="` + NamespaceXSchule + `"/>`), ErrWrongRoot, CodeWurzelFalsch},
		{"falscher Namensraum", []byte(strings.ReplaceAll(string(ex), NamespaceXSchule, "http://xschule.digital/def/xschule/1.1/xsd")), ErrWrongRoot, CodeWurzelFalsch},
		{"zu groß", append(append([]byte{}, ex...), bytes.Repeat([]byte(" "), MaxSize)...), ErrTooLarge, CodeZuGross},
		{"zu tief verschachtelt", []byte(deep), ErrTooDeep, CodeZuTief},
		{"zu viele Elemente", []byte(`<xsc:schueler.wechsel.0001 xmlns:xsc="` + NamespaceXSchule + `">` +
			strings.Repeat("<a/>", MaxElements) + `</xsc:schueler.wechsel.0001>`), ErrTooLarge, CodeZuGross},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w, err := Decode(tc.input)
			if w != nil {
				t.Error("got a model")
			}
			if !errors.Is(err, tc.cause) {
				t.Fatalf("error %v (%s), want cause %v", err, describe(err), tc.cause)
			}
			fs := fields(t, err)
			if len(fs) != 1 || fs[0].Code != tc.code || fs[0].Message == "" {
				t.Errorf("fields = %+v, want one with code %s", fs, tc.code)
			}
			if strings.Contains(err.Error(), "root:") || strings.Contains(fs[0].Message, "/etc/passwd") {
				t.Error("error leaks entity content")
			}
		})
	}
}

// The depth limit is exact: MaxDepth levels are parsed (and then refused
// only as unknown elements), one more is refused as too deep.
func TestDepthLimitIsExact(t *testing.T) {
	open := `<xsc:schueler.wechsel.0001 xmlns:xsc="` + NamespaceXSchule + `">`
	doc := open + strings.Repeat("<a>", MaxDepth-1) + strings.Repeat("</a>", MaxDepth-1) + `</xsc:schueler.wechsel.0001>`
	_, err := Decode([]byte(doc))
	if errors.Is(err, ErrTooDeep) || !errors.Is(err, ErrInvalid) {
		t.Errorf("depth %d: %v", MaxDepth, err)
	}
}

func TestDecodeCapsTheErrorList(t *testing.T) {
	doc := `<xsc:schueler.wechsel.0001 xmlns:xsc="` + NamespaceXSchule + `">` + strings.Repeat("<xsc:x/>", 1000) + `</xsc:schueler.wechsel.0001>`
	fs := fields(t, func() error { _, err := Decode([]byte(doc)); return err }())
	if len(fs) != MaxErrors+1 {
		t.Fatalf("%d field errors, want %d", len(fs), MaxErrors+1)
	}
	last := fs[len(fs)-1]
	if last.Code != CodeZuVieleFehler || !strings.Contains(last.Message, "weitere Fehler") {
		t.Errorf("last field error = %+v", last)
	}
}

// FuzzDecode checks that no input makes Decode panic and that whatever it
// accepts, Encode writes and Decode reads back.
func FuzzDecode(f *testing.F) {
	for _, name := range examples {
		data, err := readFile(name)
		if err != nil {
			f.Fatal(err)
		}
		f.Add(data)
	}
	f.Add([]byte(`<!DOCTYPE a [<!ENTITY a "a">]><a>&a;</a>`))
	f.Add([]byte(`<xsc:schueler.wechsel.0001 xmlns:xsc="` + NamespaceXSchule + `"><xsc:schueler/></xsc:schueler.wechsel.0001>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		w, err := Decode(data)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("error is not an *apperr.Error: %v", err)
			}
			return
		}
		out, err := Encode(w)
		if err != nil {
			t.Fatalf("accepted input cannot be encoded: %v\n%s", err, describe(err))
		}
		if _, err := Decode(out); err != nil {
			t.Fatalf("own output refused: %v", err)
		}
	})
}

// TestDecodeSurvivesDamage feeds every prefix of an example and a few
// thousand randomly damaged copies to Decode: no panic, only
// *apperr.Error, and whatever is accepted can be encoded again.
func TestDecodeSurvivesDamage(t *testing.T) {
	ex := readExample(t, "XSchule_Wechsel_02.xml")
	check := func(data []byte) {
		defer func() {
			if r := recover(); r != nil {
				t.Fatalf("panic on %q: %v", data, r)
			}
		}()
		w, err := Decode(data)
		if err != nil {
			if _, ok := apperr.As(err); !ok {
				t.Fatalf("error is not an *apperr.Error: %v", err)
			}
			return
		}
		if _, err := Encode(w); err != nil {
			t.Fatalf("accepted input cannot be encoded: %v\n%s", err, describe(err))
		}
	}
	accepted := 0
	for i := 0; i < len(ex); i++ {
		check(ex[:i])
	}
	rng := rand.New(rand.NewPCG(1, 2))
	alphabet := []byte("<>/&;\"'=: abcxz0129-\n\xff")
	for i := 0; i < 2000; i++ {
		d := append([]byte{}, ex...)
		for j := rng.IntN(3) + 1; j > 0; j-- {
			d[rng.IntN(len(d))] = alphabet[rng.IntN(len(alphabet))]
		}
		if _, err := Decode(d); err == nil {
			accepted++
		}
		check(d)
	}
	if accepted == 0 || accepted == 2000 {
		t.Errorf("%d of 2000 damaged copies accepted; expected some but not all", accepted)
	}
}

package xschule

import (
	"bytes"
	"encoding/xml"
	"errors"
	"io"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// The four official examples of XSchule 1.2 (CC BY 4.0, ]init[ AG im
// Auftrag des Landes Sachsen-Anhalt; see testdata/NOTICE.md).
var examples = []string{
	"XSchule_Wechsel_01.xml",
	"XSchule_Wechsel_02.xml",
	"XSchule_Wechsel_Journey_Primarwechsel.xml",
	"XSchule_Wechsel_Journey_Schulform.xml",
}

func readFile(name string) ([]byte, error) {
	return os.ReadFile(filepath.Join("testdata", "beispiele", name))
}

func readExample(t *testing.T, name string) []byte {
	t.Helper()
	data, err := readFile(name)
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustDecode(t *testing.T, data []byte) *sw.Schulwechsel {
	t.Helper()
	w, err := Decode(data)
	if err != nil {
		t.Fatalf("Decode: %v\n%s", err, describe(err))
	}
	return w
}

func mustEncode(t *testing.T, w *sw.Schulwechsel) []byte {
	t.Helper()
	out, err := Encode(w)
	if err != nil {
		t.Fatalf("Encode: %v\n%s", err, describe(err))
	}
	return out
}

func describe(err error) string {
	e, ok := apperr.As(err)
	if !ok {
		return ""
	}
	var b strings.Builder
	for _, f := range e.Fields {
		b.WriteString("  " + f.Code + " " + f.Pointer + ": " + f.Message + "\n")
	}
	return b.String()
}

func fields(t *testing.T, err error) []apperr.FieldError {
	t.Helper()
	if err == nil {
		t.Fatal("expected an error, got nil")
	}
	e, ok := apperr.As(err)
	if !ok {
		t.Fatalf("error %v is not an *apperr.Error", err)
	}
	if e.Class != apperr.ClassInvalid {
		t.Fatalf("class = %v, want ClassInvalid", e.Class)
	}
	if len(e.Fields) == 0 {
		t.Fatal("no field errors")
	}
	return e.Fields
}

func TestDecodeExamples(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			w := mustDecode(t, readExample(t, name))
			if w.Aufnahme == nil || !w.Aufnahme.Datum.Vollstaendig() || w.Aufnahme.Art.Code.Value == "" {
				t.Errorf("Aufnahme incomplete: %+v", w.Aufnahme)
			}
			if w.BisherigeSchule == nil || w.BisherigeSchule.Schule.Name == nil {
				t.Errorf("BisherigeSchule missing: %+v", w.BisherigeSchule)
			}
			if _, ok := w.Schueler.Masernschutz(); !ok {
				t.Error("measles vaccination not mapped")
			}
		})
	}
}

func TestDecodeExample01Details(t *testing.T) {
	w := mustDecode(t, readExample(t, "XSchule_Wechsel_01.xml"))
	if nr, ok := w.Schueler.Schuelernummer(); !ok || nr != "7568522" {
		t.Errorf("Schuelernummer = %q, %v", nr, ok)
	}
	if got := w.Schueler.Name.Rufname.Name; got != "Max" {
		t.Errorf("Rufname = %q", got)
	}
	if got := w.Schueler.Geburt.Datum; got != sw.Tagesdatum(2019, 2, 26) {
		t.Errorf("Geburtsdatum = %v", got)
	}
	if got := w.Schueler.Geburt.Ort.Staat; got != (sw.Code{ListURI: codeStaat.uri, ListVersion: "2024-08-01", Value: "000", Name: "Deutschland"}) {
		t.Errorf("Geburtsort/Staat = %+v", got)
	}
	if len(w.Sorgeberechtigte) != 2 {
		t.Fatalf("%d Sorgeberechtigte", len(w.Sorgeberechtigte))
	}
	mutter := w.Sorgeberechtigte[1]
	if mutter.Art.Value != "2" || mutter.Person == nil || mutter.Person.Name.Vorname.Name != "Sabine" ||
		mutter.Person.Geburtsdatum != sw.Tagesdatum(1980, 12, 20) || mutter.Kontakte[0].Zusatz != "Notfallkontakt zur Mutter" ||
		mutter.Kontakte[0].IstDienstlich == nil || !*mutter.Kontakte[0].IstDienstlich {
		t.Errorf("Mutter = %+v", mutter)
	}
	a := w.Aufnahme
	want := sw.Code{ListURI: "urn:xschule-digital:xschule:codeliste:artderschulaufnahme", ListVersion: "2025-02-25",
		Value: "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/schulwechsel_ausserhalb_schulbezirk"}
	if a.Art.Code != want {
		t.Errorf("ArtDerSchulaufnahme = %+v", a.Art.Code)
	}
	if a.Jahrgangsstufe.Value != "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_2" {
		t.Errorf("Jahrgangsstufe = %+v", a.Jahrgangsstufe)
	}
	if a.Schule.Anschriften[0].Kodierung.Gemeindeschluessel.Value != "09773136" {
		t.Errorf("AGS = %+v", a.Schule.Anschriften[0].Kodierung)
	}
	b := w.BisherigeSchule
	if b.Zusatzdaten == nil || *b.Zusatzdaten.SchulbesuchsjahreInSchuleingangsphase != 1 {
		t.Errorf("Zusatzdaten = %+v", b.Zusatzdaten)
	}
	if b.Zeitraum.Ende != sw.Tagesdatum(2025, 7, 1) || b.Bildungsgaenge[0].Wert != "G8" {
		t.Errorf("BisherigeSchule = %+v", b)
	}
	u := b.Schuljahrgaenge[0].Unterrichtsteilnahmen[0]
	if u.Zeitraum.Ende != sw.Tagesdatum(2024, 10, 1) || u.NichtteilnahmeGenehmigt == nil || !*u.NichtteilnahmeGenehmigt {
		t.Errorf("Unterrichtsteilnahme = %+v", u)
	}
	if w.Schullaufbahn.BeginnDerSchulpflicht != sw.Tagesdatum(2024, 9, 1) {
		t.Errorf("Schullaufbahn = %+v", w.Schullaufbahn)
	}
}

func TestDecodeJourneySchulformDetails(t *testing.T) {
	w := mustDecode(t, readExample(t, "XSchule_Wechsel_Journey_Schulform.xml"))
	f := w.Schueler.Foerderbedarfe
	if len(f) != 1 || f[0].Art.Wert != "Dyskalkulie" || f[0].Schwerpunkte[0].ListURI != "urn:xschule-digital:kmk:codeliste:foerderschwerpunkt" ||
		f[0].Anlagen[0].Dateiname != "Sonderpädagogisches Gutachten vom \n                07.02.2013" {
		t.Errorf("Foerderbedarf = %+v", f)
	}
	if got := w.Schueler.Staatsangehoerigkeiten; len(got) != 1 || got[0].Value != "124" || got[0].Name != "belgisch" {
		t.Errorf("Staatsangehoerigkeit = %+v", got)
	}
	if got := w.Schueler.Anschriften[0]; got.Postfach != "14776" || got.Kodierung.Regionalschluessel.Value != "120510000000" {
		t.Errorf("Anschrift = %+v", got)
	}
	if k := w.BisherigeSchule.Wahlpflichtkurse; len(k) != 2 || k[1].Bezeichnung.Wert != "Latein" {
		t.Errorf("Wahlpflichtkurse = %+v", k)
	}
	if fs := w.Fremdsprachen; len(fs) != 2 || fs[1].BelegteJahre != "1" || !strings.HasSuffix(fs[1].Abfolge.Code.Value, "/2_fremdsprache") {
		t.Errorf("Fremdsprachen = %+v", fs)
	}
	if w.Aufnahme.Schule.Traegerschaft.Value != "http://xbildung.de/def/xbildung/1.0/code/artdertraegerschaft/privat" {
		t.Errorf("Traegerschaft = %+v", w.Aufnahme.Schule.Traegerschaft)
	}
}

// TestDecodeExample02Complete compares the whole model of the smallest
// example with a model written by hand from the XML.
func TestDecodeExample02Complete(t *testing.T) {
	got := mustDecode(t, readExample(t, "XSchule_Wechsel_02.xml"))
	tru, fals := true, false
	staat := func(v, name string) sw.Code {
		return sw.Code{ListURI: codeStaat.uri, ListVersion: "2024-08-01", Value: v, Name: name}
	}
	lang := func(l string) sw.Code {
		return sw.Code{ListURI: codeLanguage.uri, ListVersion: codeLanguage.version, Value: "http://publications.europa.eu/resource/authority/language/" + l}
	}
	jgs := func(n int) sw.Code {
		return sw.Code{ListURI: codeJahrgangsstufe.uri, ListVersion: "1.0", Value: "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_" + strconv.Itoa(n)}
	}
	versetzung := &sw.Auswahl{Code: sw.Code{ListURI: codeVersetzungstyp.uri, ListVersion: "2025-11-13", Value: "http://xschule.digital/def/xschule/2025-11-13/code/versetzungstyp/versetzung"}}
	kommune := sw.Code{ListURI: codeArtDerTraegerschaft.uri, ListVersion: "1.0", Value: "http://xbildung.de/def/xbildung/1.0/code/artdertraegerschaft/kommune"}
	want := &sw.Schulwechsel{
		Dokument: sw.Dokument{
			Titel:             sw.Text{Wert: "Schülerakte"},
			Ausstellungen:     []sw.Ausstellung{{Datum: sw.Tagesdatum(2023, 7, 14), Ort: &sw.Ort{Ort: "Homburg"}}},
			Gueltigkeitsdatum: sw.Tagesdatum(2023, 7, 14),
			Sprache:           lang("DEU"),
		},
		Schueler: sw.Schueler{
			Name: sw.Name{Familienname: sw.Namensteil{Name: "Musterfrau"}, Vorname: sw.Namensteil{Name: "Andrea"}},
			Geburt: sw.Geburt{
				Datum: sw.Tagesdatum(2009, 4, 5),
				Ort:   &sw.Ort{Ort: "Homburg", Staat: staat("000", "Deutschland")},
			},
			Anschriften: []sw.Anschrift{{Strasse: "Schillerstraße", Hausnummer: "10", Postleitzahl: "66424", Ort: "Homburg"}},
			Geschlecht:  sw.Code{ListURI: codeGeschlecht.uri, ListVersion: "1", Value: "w"},
			Impfungen: []sw.Impfung{{
				Impfschutz: sw.Auswahl{Code: sw.Code{ListURI: codeImpfschutz.uri, ListVersion: "1.0", Value: "http://xschule.digital/def/xschule/1.0/code/impfschutz/vorhanden"}},
				Krankheit:  sw.Code{ListURI: codeKrankheit.uri, ListVersion: "1.0", Value: sw.KrankheitMasern},
			}},
			Herkunftssprachen: []sw.Code{lang("DEU")},
			Verkehrssprachen:  []sw.Code{lang("FRA")},
		},
		Aufnahme: &sw.Aufnahme{
			Schule: sw.Schule{
				Name:          &sw.Organisationsname{Name: "Pascal-Gymnasium Münster", Kurzbezeichnung: "Pascal-Gym"},
				Anschriften:   []sw.Anschrift{{Strasse: "Uppenkampstiege", Hausnummer: "17", Postleitzahl: "48147", Ort: "Münster"}},
				Traegerschaft: kommune,
			},
			Datum:          sw.Tagesdatum(2023, 9, 1),
			Jahrgangsstufe: jgs(9),
			Art: sw.Auswahl{Code: sw.Code{ListURI: codeArtDerSchulaufnahme.uri, ListVersion: "2025-02-25",
				Value: "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/schulwechsel_ausserhalb_schulbezirk"}},
			Versetzt:       &tru,
			Versetzungstyp: versetzung,
		},
		BisherigeSchule: &sw.BisherigeSchule{
			Schule: sw.Schule{
				Name:          &sw.Organisationsname{Name: "Saarpfalz-Gymnasium Homburg", Kurzbezeichnung: "SPG-Hom"},
				Anschriften:   []sw.Anschrift{{Strasse: "u. Allee", Hausnummer: "75", Postleitzahl: "66424", Ort: "Homburg"}},
				Traegerschaft: kommune,
			},
			Schuljahrgaenge: []sw.Schuljahrgang{{
				Versetzt:                   &tru,
				Versetzungstyp:             versetzung,
				TeilnahmeAmGanztagsangebot: &fals,
				Jahrgangsstufen:            []sw.Code{jgs(8)},
			}},
		},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("model differs from the example:\n got  %+v\n want %+v", got, want)
	}
}

func TestRoundTrip(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			first := mustDecode(t, readExample(t, name))
			out := mustEncode(t, first)
			second := mustDecode(t, out)
			if !reflect.DeepEqual(first, second) {
				t.Errorf("Decode(Encode(m)) != m\nfirst  %+v\nsecond %+v", first, second)
			}
			again := mustEncode(t, second)
			if !bytes.Equal(out, again) {
				t.Error("Encode is not stable: a second round gives other bytes")
			}
		})
	}
}

// leaf is one text value or attribute of a document, at its element path
// (namespace-resolved names, 1-based index among same-named siblings).
type leaf struct{ path, value string }

func leaves(t *testing.T, data []byte) []leaf {
	t.Helper()
	dec := xml.NewDecoder(bytes.NewReader(data))
	type frame struct {
		path     string
		counts   map[string]int
		text     strings.Builder
		hasChild bool
	}
	var stack []*frame
	var out []leaf
	root := &frame{counts: map[string]int{}}
	stack = append(stack, root)
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			p := stack[len(stack)-1]
			p.hasChild = true
			n := displayName(tk.Name)
			p.counts[n]++
			f := &frame{path: p.path + "/" + n + "[" + strconv.Itoa(p.counts[n]) + "]", counts: map[string]int{}}
			for _, a := range tk.Attr {
				if a.Name.Space == "xmlns" || a.Name.Local == "xmlns" {
					continue
				}
				out = append(out, leaf{f.path + "/@" + displayName(a.Name), a.Value})
			}
			stack = append(stack, f)
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !f.hasChild {
				out = append(out, leaf{f.path, f.text.String()})
			}
		case xml.CharData:
			stack[len(stack)-1].text.Write(tk)
		}
	}
	return out
}

// missingLeaves lists the leaves of orig that out does not carry with the
// same value at the same path.
func missingLeaves(t *testing.T, orig, out []byte) []string {
	t.Helper()
	have := map[string]string{}
	for _, l := range leaves(t, out) {
		have[l.path] = l.value
	}
	var missing []string
	for _, l := range leaves(t, orig) {
		if v, ok := have[l.path]; !ok || v != l.value {
			missing = append(missing, l.path+" = "+strconv.Quote(l.value))
		}
	}
	return missing
}

func TestEncodeKeepsEveryLeaf(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			orig := readExample(t, name)
			out := mustEncode(t, mustDecode(t, orig))
			if n := len(leaves(t, orig)); n < 40 {
				t.Fatalf("only %d leaves found in the example; the walker is broken", n)
			}
			for _, m := range missingLeaves(t, orig, out) {
				t.Errorf("leaf lost or changed: %s", m)
			}
		})
	}
}

// TestLeafCheckDetectsLoss makes sure the leaf comparison above can fail:
// dropping one value from the model must be noticed.
func TestLeafCheckDetectsLoss(t *testing.T) {
	orig := readExample(t, "XSchule_Wechsel_01.xml")
	w := mustDecode(t, orig)
	w.Schueler.Name.Rufname = sw.Namensteil{}
	w.BisherigeSchule.Schulprofile[0].Wert = "anderes Profil"
	missing := missingLeaves(t, orig, mustEncode(t, w))
	sort.Strings(missing)
	want := []string{
		"/xsc:schueler.wechsel.0001[1]/xsc:besuchteSchule[1]/xsc:schulprofil[1] = \"mit Schwerpunkt Musik\"",
		"/xsc:schueler.wechsel.0001[1]/xsc:schueler[1]/xsc:nameNatuerlichePerson[1]/xsc:rufname[1]/xsc:name[1] = \"Max\"",
	}
	if !reflect.DeepEqual(missing, want) {
		t.Errorf("missing = %q, want %q", missing, want)
	}
}

func TestEncodeWritesNamespacesAndListAttributes(t *testing.T) {
	out := mustEncode(t, mustDecode(t, readExample(t, "XSchule_Wechsel_Journey_Schulform.xml")))
	s := string(out)
	for _, want := range []string{
		`<?xml version="1.0" encoding="UTF-8"?>`,
		`<xsc:schueler.wechsel.0001 xmlns:xsc="http://xschule.digital/def/xschule/1.2/xsd" xmlns:xbd="http://xbildung.de/def/xbildung/1.2/xsd"`,
		`<xsc:schwerpunkt listURI="urn:xschule-digital:kmk:codeliste:foerderschwerpunkt" listVersionID="1.0">`,
		`<xsc:staatsangehoerigkeit listURI="urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit" listVersionID="2012-09-01">`,
		`<xsc:jahrgang listURI="urn:xschule-digital:xschule:codeliste:jahrgangsstufe" listVersionID="1.0">`,
		`<xbd:jahrMonatTag>2004-01-01</xbd:jahrMonatTag>`,
	} {
		if !strings.Contains(s, want) {
			t.Errorf("output lacks %s", want)
		}
	}
	// Element order of schueler as in the XSD.
	order := []string{"<xsc:nameNatuerlichePerson>", "<xsc:geburt>", "<xsc:staatsangehoerigkeit ", "<xsc:anschrift>", "<xsc:geschlecht ",
		"<xsc:identifikationsnummer>", "<xsc:sonderpaedagogischerFoerderbedarf>", "<xsc:impfung>", "<xsc:herkunftssprache ",
		"<xsc:verkehrssprache ", "<xsc:schulform>", "<xsc:erziehungsberechtigter>", "<xsc:aufnehmendeSchule>", "<xsc:besuchteSchule>",
		"<xsc:fremdsprache>", "<xsc:schullaufbahn>"}
	last := -1
	for _, o := range order {
		i := strings.Index(s, o)
		if i <= last {
			t.Errorf("%s at %d, not after the element before it (%d)", o, i, last)
		}
		last = i
	}
}

func TestEncodeBuildsMessageFromScratch(t *testing.T) {
	w := validModel()
	out := mustEncode(t, w)
	back := mustDecode(t, out)
	// Encode fills the fixed list attributes; apart from that the model is kept.
	if back.Aufnahme.Jahrgangsstufe.ListURI != codeJahrgangsstufe.uri || back.Aufnahme.Jahrgangsstufe.ListVersion != "1.0" {
		t.Errorf("Jahrgangsstufe = %+v", back.Aufnahme.Jahrgangsstufe)
	}
	back.Aufnahme.Jahrgangsstufe.ListURI, back.Aufnahme.Jahrgangsstufe.ListVersion = "", ""
	back.Aufnahme.Art.Code.ListURI, back.Aufnahme.Art.Code.ListVersion = "", ""
	back.Dokument.Sprache.ListURI, back.Dokument.Sprache.ListVersion = "", ""
	if !reflect.DeepEqual(back, w) {
		t.Errorf("got %+v\nwant %+v", back, w)
	}
}

// validModel is a small valid change of school built in Go.
func validModel() *sw.Schulwechsel {
	return &sw.Schulwechsel{
		Dokument: sw.Dokument{Sprache: sw.Code{Value: "http://publications.europa.eu/resource/authority/language/DEU"}},
		Schueler: sw.Schueler{
			Name:   sw.Name{Familienname: sw.Namensteil{Name: "Müller"}, Vorname: sw.Namensteil{Name: "Lea"}},
			Geburt: sw.Geburt{Datum: sw.Datum{Jahr: 2018, Monat: 3}},
		},
		Aufnahme: &sw.Aufnahme{
			Schule:         sw.Schule{Name: &sw.Organisationsname{Name: "Grundschule am Markt"}},
			Datum:          sw.Tagesdatum(2026, 2, 1),
			Jahrgangsstufe: sw.Code{Value: "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_2"},
			Art:            sw.Auswahl{Code: sw.Code{Value: "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/schulwechsel_ausserhalb_schulbezirk"}},
		},
	}
}

func TestEncodeRefusesInvalidModel(t *testing.T) {
	w := validModel()
	w.Schueler.Name.Familienname = sw.Namensteil{}
	w.Aufnahme.Jahrgangsstufe.Value = "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_99"
	w.Sorgeberechtigte = []sw.Sorgeberechtigter{{Art: sw.Code{Value: "1"}}}
	out, err := Encode(w)
	if out != nil {
		t.Error("Encode returned output for an invalid model")
	}
	assertFields(t, fields(t, err), []apperr.FieldError{
		{Pointer: rootPath + "/xsc:schueler/xsc:nameNatuerlichePerson/xsc:familienname", Code: CodePflichtfeldFehlt},
		{Pointer: rootPath + "/xsc:erziehungsberechtigter[1]/xsc:weitereDaten", Code: CodePflichtfeldFehlt},
		{Pointer: rootPath + "/xsc:aufnehmendeSchule/xsc:aufnahme/xsc:jahrgang/code", Code: CodeCodeUnbekannt},
	})

	if _, err := Encode(nil); err == nil {
		t.Error("Encode(nil) gave no error")
	}
}

// assertFields compares pointer and code of the field errors, ignoring
// order, and checks every message is set.
func assertFields(t *testing.T, got, want []apperr.FieldError) {
	t.Helper()
	key := func(f apperr.FieldError) string { return f.Code + " " + f.Pointer }
	var g, w []string
	for _, f := range got {
		g = append(g, key(f))
		if f.Message == "" {
			t.Errorf("field error %s has no message", key(f))
		}
	}
	for _, f := range want {
		w = append(w, key(f))
	}
	sort.Strings(g)
	sort.Strings(w)
	if !reflect.DeepEqual(g, w) {
		t.Errorf("field errors:\n got  %q\n want %q", g, w)
	}
}

func TestBezeichnung(t *testing.T) {
	w := mustDecode(t, readExample(t, "XSchule_Wechsel_01.xml"))
	got, ok := Bezeichnung(w.Aufnahme.Art.Code)
	if !ok || got != "Schulwechsel (außerhalb Schulbezirk)" {
		t.Errorf("Bezeichnung = %q, %v", got, ok)
	}
	if _, ok := Bezeichnung(w.Schueler.Geburt.Ort.Staat); ok {
		t.Error("Bezeichnung found a code of a list that is not embedded")
	}
}

func TestErrorsIs(t *testing.T) {
	_, err := Decode(readExample(t, "XSchule_Wechsel_01.xml")[:200])
	if !errors.Is(err, ErrSyntax) {
		t.Errorf("truncated input: %v is not ErrSyntax", err)
	}
}

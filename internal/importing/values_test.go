package importing

import (
	"os"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// checkInvalid asserts a problem with the code and the found value quoted
// in the message.
func checkInvalid(t *testing.T, name, in string, p *Problem, code string) {
	t.Helper()
	if p == nil {
		t.Errorf("%s(%q): want problem %s, got none", name, in, code)
		return
	}
	if p.Code != code {
		t.Errorf("%s(%q): code %q, want %q", name, in, p.Code, code)
	}
	if !strings.Contains(p.Message, "Erwartet") {
		t.Errorf("%s(%q): message %q does not say what is expected", name, in, p.Message)
	}
	if trimmed := NormalizeName(in); trimmed != "" && !strings.Contains(p.Message, "„"+trimmed+"“") {
		t.Errorf("%s(%q): message %q does not quote the value", name, in, p.Message)
	}
}

func TestParsePLZ(t *testing.T) {
	valid := map[string]string{
		"06108": "06108", "6108": "06108", "06108.0": "06108", "6108.0": "06108", "6108,0": "06108",
		" 39104 ": "39104", "D-06108": "06108", "'06108": "06108",
	}
	for in, want := range valid {
		got, p := ParsePLZ(in)
		if p != nil || got != want {
			t.Errorf("ParsePLZ(%q) = %q, %v; want %q", in, got, p, want)
		}
	}
	for _, in := range []string{"", "610", "061080", "06 108", "O6108", "00999", "06108 Halle", "6108.5"} {
		got, p := ParsePLZ(in)
		if got != "" {
			t.Errorf("ParsePLZ(%q) = %q, want empty", in, got)
		}
		checkInvalid(t, "ParsePLZ", in, p, CodePLZUngueltig)
	}
}

func TestParseGeschlecht(t *testing.T) {
	valid := map[string]Geschlecht{
		"m": "m", "M": "m", "männlich": "m", "Männlich": "m", "maennlich": "m", "männl.": "m", "male": "m", "Junge": "m",
		"w": "w", "W": "w", "weiblich": "w", "weibl.": "w", "f": "w", "F": "w", "female": "w", "Mädchen": "w",
		"d": "d", "divers": "d", "Divers": "d",
		"x": "x", "X": "x", "ohne Angabe": "x", "o. A.": "x",
	}
	for in, want := range valid {
		got, p := ParseGeschlecht(in)
		if p != nil || got != want {
			t.Errorf("ParseGeschlecht(%q) = %q, %v; want %q", in, got, p, want)
		}
	}
	for _, in := range []string{"", "1", "2", "unbekannt", "keine Angabe", "m/w", "q", "mw"} {
		got, p := ParseGeschlecht(in)
		if got != "" {
			t.Errorf("ParseGeschlecht(%q) = %q, want empty", in, got)
		}
		checkInvalid(t, "ParseGeschlecht", in, p, CodeGeschlechtUngueltig)
	}
	if GeschlechtOhneAngabe.Label() != "ohne Angabe" {
		t.Errorf("Label of x = %q", GeschlechtOhneAngabe.Label())
	}
}

func TestParseHausnummer(t *testing.T) {
	valid := []struct {
		in     string
		want   werte.Hausnummer
		String string
	}{
		{"12", werte.Hausnummer{Nummer: 12}, "12"},
		{"12a", werte.Hausnummer{Nummer: 12, Zusatz: "a"}, "12a"},
		{"12 A", werte.Hausnummer{Nummer: 12, Zusatz: "a"}, "12a"},
		{" 12  a ", werte.Hausnummer{Nummer: 12, Zusatz: "a"}, "12a"},
		{"12.0", werte.Hausnummer{Nummer: 12}, "12"},
		{"12-14", werte.Hausnummer{Nummer: 12, BisNummer: 14}, "12-14"},
		{"12 - 14", werte.Hausnummer{Nummer: 12, BisNummer: 14}, "12-14"},
		{"12–14", werte.Hausnummer{Nummer: 12, BisNummer: 14}, "12-14"},
		{"12 bis 14", werte.Hausnummer{Nummer: 12, BisNummer: 14}, "12-14"},
		{"7a-7f", werte.Hausnummer{Nummer: 7, Zusatz: "a", BisNummer: 7, BisZusatz: "f"}, "7a-7f"},
		{"7a-f", werte.Hausnummer{Nummer: 7, Zusatz: "a", BisNummer: 7, BisZusatz: "f"}, "7a-7f"},
		{"12/1", werte.Hausnummer{Nummer: 12, Zusatz: "/1"}, "12/1"},
		{"12 / 1", werte.Hausnummer{Nummer: 12, Zusatz: "/1"}, "12/1"},
		{"40a", werte.Hausnummer{Nummer: 40, Zusatz: "a"}, "40a"},
	}
	for _, tt := range valid {
		got, p := ParseHausnummer(tt.in)
		if p != nil || got != tt.want {
			t.Errorf("ParseHausnummer(%q) = %+v, %v; want %+v", tt.in, got, p, tt.want)
			continue
		}
		if got.String() != tt.String {
			t.Errorf("ParseHausnummer(%q).String() = %q, want %q", tt.in, got.String(), tt.String)
		}
		if got.IsRange() != (tt.want.BisNummer != 0) {
			t.Errorf("ParseHausnummer(%q).IsRange() = %v", tt.in, got.IsRange())
		}
	}
	for _, in := range []string{"", "0", "a12", "12ab c", "14-12", "12-12", "12b-12a", "12a/1", "12-", "zwölf", "12,5", "123456"} {
		got, p := ParseHausnummer(in)
		if got != (werte.Hausnummer{}) {
			t.Errorf("ParseHausnummer(%q) = %+v, want zero", in, got)
		}
		checkInvalid(t, "ParseHausnummer", in, p, CodeHausnummerUngueltig)
	}
}

func TestParseZusatz(t *testing.T) {
	valid := map[string]string{"a": "a", "B": "b", " c ": "c", "/1": "/1", "/ 2": "/2"}
	for in, want := range valid {
		got, p := ParseZusatz(in)
		if p != nil || got != want {
			t.Errorf("ParseZusatz(%q) = %q, %v; want %q", in, got, p, want)
		}
	}
	for _, in := range []string{"", "abc", "1", "a-b", "ä"} {
		_, p := ParseZusatz(in)
		checkInvalid(t, "ParseZusatz", in, p, CodeZusatzUngueltig)
	}
}

func TestParseJahrgangsstufe(t *testing.T) {
	valid := map[string]int{
		"1": 1, "1a": 1, "1c": 1, "05": 5, "5.0": 5, "Klasse 3b": 3, "klasse 3 b": 3, "3. Klasse": 3, "3.Klasse": 3,
		"Kl. 5": 5, "Jg. 7": 7, "Jahrgang 10": 10, "Klassenstufe 4": 4, "5/1": 5, "5-2": 5, "5.1": 5, "13": 13, "10abc": 10, "3.": 3,
	}
	for in, want := range valid {
		got, p := ParseJahrgangsstufe(in)
		if p != nil || got != want {
			t.Errorf("ParseJahrgangsstufe(%q) = %d, %v; want %d", in, got, p, want)
		}
	}
	for _, in := range []string{"", "0", "14", "Q1", "E-Phase", "a1", "Klasse", "drei", "3abcd"} {
		got, p := ParseJahrgangsstufe(in)
		if got != 0 {
			t.Errorf("ParseJahrgangsstufe(%q) = %d, want 0", in, got)
		}
		checkInvalid(t, "ParseJahrgangsstufe", in, p, CodeJahrgangsstufeUngueltig)
	}
}

func TestParseYesNo(t *testing.T) {
	valid := map[string]bool{
		"ja": true, "Ja": true, "JA": true, "j": true, "x": true, "X": true, "1": true, "wahr": true, "WAHR": true,
		"true": true, "TRUE": true, "yes": true, "gesperrt": true, "✓": true,
		"nein": false, "Nein": false, "n": false, "0": false, "falsch": false, "FALSCH": false, "false": false,
		"": false, "  ": false, "-": false, "nicht gesperrt": false,
	}
	for in, want := range valid {
		got, p := ParseYesNo(in)
		if p != nil || got != want {
			t.Errorf("ParseYesNo(%q) = %v, %v; want %v", in, got, p, want)
		}
	}
	for _, in := range []string{"vielleicht", "2", "jein", "?"} {
		_, p := ParseYesNo(in)
		checkInvalid(t, "ParseYesNo", in, p, CodeJaNeinUngueltig)
	}
}

func TestParseSchulnummer(t *testing.T) {
	valid := []struct {
		in     string
		digits int
		want   string
	}{
		{"20101", 0, "20101"},
		{"01234", 0, "01234"},
		{"1234", 0, "1234"}, // a number cell stays as it is
		{"20101.0", 0, "20101"},
		{"'01234", 0, "01234"},
		{" 20101 ", 5, "20101"},
		{"01234", 5, "01234"},
	}
	for _, tt := range valid {
		got, p := ParseSchulnummer(tt.in, tt.digits)
		if p != nil || got != tt.want {
			t.Errorf("ParseSchulnummer(%q, %d) = %q, %v; want %q", tt.in, tt.digits, got, p, tt.want)
		}
	}
	for _, in := range []string{"", "GS 12", "20 101", "2010a", "-20101"} {
		got, p := ParseSchulnummer(in, 0)
		if got != "" {
			t.Errorf("ParseSchulnummer(%q) = %q, want empty", in, got)
		}
		checkInvalid(t, "ParseSchulnummer", in, p, CodeSchulnummerUngueltig)
	}

	// A lost leading zero is reported with a suggestion, never padded.
	got, p := ParseSchulnummer("1234", 5)
	if got != "" || p == nil || p.Code != CodeSchulnummerZuKurz || p.Suggestion != "01234" {
		t.Fatalf("ParseSchulnummer(1234, 5) = %q, %+v; want schulnummer_zu_kurz with suggestion 01234", got, p)
	}
	if !strings.Contains(p.Message, "„1234“") || !strings.Contains(p.Message, "„01234“") {
		t.Errorf("message %q should name found and suggested value", p.Message)
	}
	_, p = ParseSchulnummer("201011", 5)
	if p == nil || p.Code != CodeSchulnummerUngueltig {
		t.Errorf("ParseSchulnummer(201011, 5) = %+v, want schulnummer_ungueltig", p)
	}
}

func TestParseSchulangabe(t *testing.T) {
	tests := []struct {
		in   string
		want Schulangabe
		code string
	}{
		{"20101", Schulangabe{Schulnummer: "20101"}, ""},
		{"20101.0", Schulangabe{Schulnummer: "20101"}, ""},
		{"Grundschule  Am Anger", Schulangabe{Name: "Grundschule Am Anger"}, ""},
		{"101", Schulangabe{}, CodeSchulnummerZuKurz},
		{"--", Schulangabe{}, CodeSchulnummerUngueltig},
	}
	for _, tt := range tests {
		got, p := ParseSchulangabe(tt.in, 5)
		if got != tt.want {
			t.Errorf("ParseSchulangabe(%q) = %+v, want %+v", tt.in, got, tt.want)
		}
		switch {
		case tt.code == "" && p != nil:
			t.Errorf("ParseSchulangabe(%q): unexpected %s", tt.in, p.Message)
		case tt.code != "" && (p == nil || p.Code != tt.code):
			t.Errorf("ParseSchulangabe(%q) = %+v, want code %s", tt.in, p, tt.code)
		}
	}
}

func TestParseSchulform(t *testing.T) {
	valid := map[string]Schulform{
		"Grundschule": schule.Grundschule, "GS": schule.Grundschule, "Grundschule (1 - 4)": schule.Grundschule,
		"Grundshule": schule.Grundschule, "Sekundarschule": schule.Sekundarschule, "Sek": schule.Sekundarschule,
		"Gemeinschaftsschule": schule.Gemeinschaftsschule, "IGS": schule.Gesamtschule,
		"Integrierte Gesamtschule": schule.Gesamtschule, "Gymnasium": schule.Gymnasium, "Gym.": schule.Gymnasium,
		"Förderschule": schule.Foerderschule, "FöS": schule.Foerderschule, "Foerderschule": schule.Foerderschule,
		"Berufsbildende Schulen": schule.BerufsbildendeSchule, "BbS": schule.BerufsbildendeSchule,
	}
	for in, want := range valid {
		got, p := ParseSchulform(in)
		if p != nil || got != want {
			t.Errorf("ParseSchulform(%q) = %q, %v; want %q", in, got, p, want)
		}
	}
	for _, in := range []string{"", "Hochschule", "Kita", "Realschule"} {
		_, p := ParseSchulform(in)
		checkInvalid(t, "ParseSchulform", in, p, CodeSchulformUngueltig)
	}
}

func TestParseTraegerschaft(t *testing.T) {
	valid := map[string]Traegerschaft{
		"kommunal": schule.Kommunal, "Kommunal": schule.Kommunal, "öffentlich": schule.Kommunal,
		"städtisch": schule.Kommunal, "frei": schule.Frei, "frei (Ersatzschule)": schule.Frei,
		"freier Träger": schule.Frei, "Ersatzschule": schule.Frei, "privat": schule.Frei,
	}
	for in, want := range valid {
		got, p := ParseTraegerschaft(in)
		if p != nil || got != want {
			t.Errorf("ParseTraegerschaft(%q) = %q, %v; want %q", in, got, p, want)
		}
	}
	for _, in := range []string{"", "Land", "kirchlich?"} {
		_, p := ParseTraegerschaft(in)
		checkInvalid(t, "ParseTraegerschaft", in, p, CodeTraegerschaftUngueltig)
	}
}

func TestParseParitaet(t *testing.T) {
	valid := map[string]werte.Paritaet{
		"alle": werte.ParitaetAlle, "Alle": werte.ParitaetAlle, "beide": werte.ParitaetAlle, "G/U": werte.ParitaetAlle,
		"gerade": werte.ParitaetGerade, "G": werte.ParitaetGerade, "gerade Hausnummern": werte.ParitaetGerade, "gerade Seite": werte.ParitaetGerade, "alle Hausnummern": werte.ParitaetAlle,
		"ungerade": werte.ParitaetUngerade, "U": werte.ParitaetUngerade, "Ungerade": werte.ParitaetUngerade,
	}
	for in, want := range valid {
		got, p := ParseParitaet(in)
		if p != nil || got != want {
			t.Errorf("ParseParitaet(%q) = %q, %v; want %q", in, got, p, want)
		}
	}
	for _, in := range []string{"", "links", "1"} {
		_, p := ParseParitaet(in)
		checkInvalid(t, "ParseParitaet", in, p, CodeParitaetUngueltig)
	}
}

func TestParseAnzahl(t *testing.T) {
	valid := map[string]int{"0": 0, "2": 2, "24": 24, "24.0": 24, "24,0": 24, " 450 ": 450}
	for in, want := range valid {
		got, p := ParseAnzahl(in)
		if p != nil || got != want {
			t.Errorf("ParseAnzahl(%q) = %d, %v; want %d", in, got, p, want)
		}
	}
	for _, in := range []string{"", "-1", "2,5", "zwei", "2-3", "1e3"} {
		_, p := ParseAnzahl(in)
		checkInvalid(t, "ParseAnzahl", in, p, CodeZahlUngueltig)
	}
}

// Limits are errors at their cell (issue 14, point 9): control characters
// other than tab and line break, bidi controls, and cells longer than the
// field takes, counted in characters after white space is collapsed.
func TestCheckCell(t *testing.T) {
	name := Field{Name: "familienname", Label: "Familienname", Type: TypeText}
	id := Field{Name: "ordnungsmerkmal", Label: "Ordnungsmerkmal", Type: TypeID}
	ort := fOrt
	cases := []struct {
		f    Field
		cell string
		code string
	}{
		{name, strings.Repeat("ä", 200), ""},
		{name, strings.Repeat("ä", 201), CodeZuLang},
		{name, "  Müller  \n Lüdenscheidt " + strings.Repeat("x", 180), ""}, // blanks collapse before counting
		{name, "Mül\tler", ""},
		{name, "Mül\r\nler", ""},
		{name, "Mül\x00ler", CodeZeichenUnzulaessig},
		{name, "Mül\x1bler", CodeZeichenUnzulaessig},
		{name, "Mül\x7fler", CodeZeichenUnzulaessig},
		{name, "Mül\u0085ler", CodeZeichenUnzulaessig},
		{name, "Am Anger\u202e21", CodeZeichenUnzulaessig},
		{name, "\u2066Müller\u2069", CodeZeichenUnzulaessig},
		{name, "עברית\u200fMüller", ""}, // a right-to-left mark is ordinary in such names
		{id, strings.Repeat("1", 50), ""},
		{id, strings.Repeat("1", 51), CodeZuLang},
		{ort, strings.Repeat("o", 101), CodeZuLang},
		{Field{Name: "geburtsdatum", Label: "Geburtsdatum", Type: TypeDate}, strings.Repeat("1", 101), CodeZuLang},
	}
	for _, c := range cases {
		p := checkCell(c.f, c.cell)
		got := ""
		if p != nil {
			got = p.Code
			if len(p.Value) > 70*4 || !strings.Contains(p.Message, "Bitte") {
				t.Errorf("%s %.20q: value %d bytes, message %q", c.f.Name, c.cell, len(p.Value), p.Message)
			}
		}
		if got != c.code {
			t.Errorf("%s %.30q: %q, want %q", c.f.Name, c.cell, got, c.code)
		}
	}
	if p := checkCell(name, "Mül\x00ler"); !strings.Contains(p.Message, "Stelle 4") || !strings.Contains(p.Message, "U+0000") {
		t.Errorf("the message does not say where: %q", p.Message)
	}
	if p := checkCell(name, strings.Repeat("a", 3000)); !strings.Contains(p.Message, "3000 Zeichen") || !strings.Contains(p.Message, "höchstens 200") {
		t.Errorf("the message does not say how long and how long allowed: %q", p.Message)
	}
}

// Every field's maximum is in the README as LaengenMarkdown gives it.
func TestReadmeShowsMaximumLengths(t *testing.T) {
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), LaengenMarkdown()) {
		t.Errorf("README.md does not show the maximum lengths; paste:\n%s", LaengenMarkdown())
	}
}

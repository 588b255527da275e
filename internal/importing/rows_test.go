package importing

import (
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

func mustHeader(t *testing.T, k Listenart, s Sheet) HeaderMatch {
	t.Helper()
	h, err := DetectHeader(k, s, nil)
	if err != nil {
		t.Fatalf("DetectHeader: %v", err)
	}
	return h
}

func cellsAndCodes(ps []CellProblem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Cell+" "+p.Code)
	}
	return out
}

func TestReadRowsValues(t *testing.T) {
	s := sheetOf("Auszug",
		[]string{"Melderegisterauszug Einschulung – Stand 15.01.2026"},
		nil,
		melderegisterHeader,
		[]string{"OM100000", " Jung ", "Mira  Johanna", "Mira", "44104", "w", "Dr.-Külz-Straße", "40a", "6667", "Musterstadt", ""},
		[]string{"OM100001", "KÃ¶nig", "Ali Friedrich", "Ali", "16.05.2020", "männlich", "Mühlenstraße", "9 A", "06667.0", "Musterstadt", "x"},
	)
	recs := ReadRows(ListeMelderegister, s, mustHeader(t, ListeMelderegister, s))
	if len(recs) != 2 {
		t.Fatalf("got %d records, want 2", len(recs))
	}
	r := recs[0]
	if !r.OK() || r.RowNumber != 4 || r.Sheet != "Auszug" {
		t.Fatalf("record = %+v", r)
	}
	want := map[string]any{
		"ordnungsmerkmal": "OM100000", "familienname": "Jung", "vornamen": "Mira Johanna", "rufname": "Mira",
		"geburtsdatum": time.Date(2020, 9, 30, 0, 0, 0, 0, time.UTC), "geschlecht": GeschlechtWeiblich,
		"strasse": "Dr.-Külz-Straße", "hausnummer": werte.Hausnummer{Nummer: 40, Zusatz: "a"}, "plz": "06667",
		"ort": "Musterstadt",
	}
	checkValues(t, r.Values, want)
	// An empty yes/no cell says nothing: no value, so a stored
	// Auskunftssperre is kept (issue 14).
	if v, ok := r.Values.Lookup("auskunftssperre"); ok {
		t.Errorf("empty Auskunftssperre cell read as %v, want no value", v)
	}
	if r.Raw.Get("plz") != "6667" {
		t.Errorf("Raw plz = %q", r.Raw.Get("plz"))
	}

	r = recs[1]
	checkValues(t, r.Values, map[string]any{
		"ordnungsmerkmal": "OM100001", "familienname": "König", "vornamen": "Ali Friedrich", "rufname": "Ali",
		"geburtsdatum": time.Date(2020, 5, 16, 0, 0, 0, 0, time.UTC), "geschlecht": GeschlechtMaennlich,
		"strasse": "Mühlenstraße", "hausnummer": werte.Hausnummer{Nummer: 9, Zusatz: "a"}, "plz": "06667",
		"ort": "Musterstadt", "auskunftssperre": true,
	})
}

func checkValues(t *testing.T, got *Values, want map[string]any) {
	t.Helper()
	for k, w := range want {
		g, ok := got.Lookup(k)
		if !ok {
			t.Errorf("Values[%q] missing, want %v", k, w)
			continue
		}
		if gt, isTime := g.(time.Time); isTime {
			if !gt.Equal(w.(time.Time)) {
				t.Errorf("Values[%q] = %v, want %v", k, g, w)
			}
			continue
		}
		if g != w {
			t.Errorf("Values[%q] = %#v, want %#v", k, g, w)
		}
	}
	for k, g := range got.All() {
		if _, ok := want[k]; !ok {
			t.Errorf("unexpected Values[%q] = %#v", k, g)
		}
	}
}

func TestReadRowsReportsAllProblemsOfARow(t *testing.T) {
	s := sheetOf("Auszug",
		[]string{"Einschulung 2027/28 – Stand 01.02.2026"},
		nil,
		melderegisterHeader,
		// E: impossible date, F: unknown code, H: required but empty,
		// I: not a postcode, K: not yes/no; B, C fine.
		[]string{"OM1", "Jung", "Mira", "", "31.02.2020", "q", "Am Anger", "", "6108x", "Musterstadt", "vielleicht"},
		[]string{"OM2", "", "Henry", "", "16.10.2019", "m", "Am Anger", "12", "06667", "Musterstadt", "nein"},
	)
	recs := ReadRows(ListeMelderegister, s, mustHeader(t, ListeMelderegister, s))
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	got := cellsAndCodes(recs[0].Problems)
	want := []string{"E4 datum_ungueltig", "F4 geschlecht_ungueltig", "H4 pflichtfeld_leer", "I4 plz_ungueltig", "K4 janein_ungueltig"}
	if !slices.Equal(got, want) {
		t.Errorf("problems = %q\nwant       %q", got, want)
	}
	for _, p := range recs[0].Problems {
		if p.Field == "" || p.Label == "" || p.Message == "" || p.Cell != CellRef(p.Column, 4) {
			t.Errorf("incomplete problem %+v", p)
		}
	}
	if p := recs[0].Problems[0]; p.String() != "E4 (Geburtsdatum): „31.02.2020“ ist kein gültiges Datum: Der Februar 2020 hat nur 29 Tage. Erwartet: TT.MM.JJJJ, z. B. 03.04.2020." {
		t.Errorf("String() = %q", p.String())
	}
	if p := recs[0].Problems[2]; p.Field != "hausnummer" || p.Message != "Die Zelle ist leer, aber „Hausnummer“ ist ein Pflichtfeld." {
		t.Errorf("empty required = %+v", p)
	}
	// Fields with problems carry no value; the valid ones do.
	if _, ok := recs[0].Values.Lookup("geburtsdatum"); ok {
		t.Error("a refused date must not leave a value")
	}
	if recs[0].Values.Get("familienname") != "Jung" {
		t.Errorf("familienname = %v", recs[0].Values.Get("familienname"))
	}
	if got := cellsAndCodes(recs[1].Problems); !slices.Equal(got, []string{"B5 pflichtfeld_leer"}) {
		t.Errorf("row 5 problems = %q", got)
	}
}

func TestReadRowsSkipsBlankRepeatedHeaderAndTotals(t *testing.T) {
	header := []string{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer"}
	child := func(name string) []string { return []string{name, "Kind", "01.01.2020", "Am Anger", "1"} }
	s := sheetOf("Liste",
		header,                             // 1
		child("Arnold"),                    // 2
		nil,                                // 3
		[]string{" ", "\u00a0"},            // 4 only white space
		header,                             // 5 the header again above a second block
		child("Bauer"),                     // 6
		child("Gesamt"),                    // 7 a real child named like a total row: kept
		nil,                                // 8
		[]string{"Summe", "", "", "", "2"}, // 9
		[]string{"Anzahl: 412"},            // 10
		[]string{"", "", "", "", "412"},    // 11 numbers only
		nil,                                // 12
	)
	for i := 0; i < 1000; i++ { // a sheet formatted to the last row
		s.Rows = append(s.Rows, Row{Number: 13 + i, Cells: []string{"", "", "", "", ""}})
	}
	recs := ReadRows(ListeMelderegister, s, mustHeader(t, ListeMelderegister, s))
	var got []string
	for _, r := range recs {
		got = append(got, fmt.Sprintf("%d %v", r.RowNumber, r.Values.Get("familienname")))
		if !r.OK() {
			t.Errorf("row %d problems %v", r.RowNumber, cellsAndCodes(r.Problems))
		}
	}
	want := []string{"2 Arnold", "6 Bauer", "7 Gesamt"}
	if !slices.Equal(got, want) {
		t.Errorf("records = %q, want %q", got, want)
	}
}

func TestReadRowsKeepsTotalLikeRowInTheMiddle(t *testing.T) {
	s := sheetOf("Liste",
		[]string{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer"},
		[]string{"Summe", "", "", "", ""},
		[]string{"Arnold", "Kind", "01.01.2020", "Am Anger", "1"},
	)
	recs := ReadRows(ListeMelderegister, s, mustHeader(t, ListeMelderegister, s))
	if len(recs) != 2 || len(recs[0].Problems) != 4 {
		t.Errorf("a total-like row amid the data is reported, not skipped: %+v", recs)
	}
}

func TestReadRowsHausnummerZusatz(t *testing.T) {
	s := sheetOf("Liste",
		[]string{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "Zusatz"},
		[]string{"A", "K", "01.01.2020", "Am Anger", "12", "B"},   // 2 combined
		[]string{"B", "K", "01.01.2020", "Am Anger", "12b", "b"},  // 3 same twice: fine
		[]string{"C", "K", "01.01.2020", "Am Anger", "12a", "b"},  // 4 contradiction
		[]string{"D", "K", "01.01.2020", "Am Anger", "", "a"},     // 5 Zusatz without number (and number missing)
		[]string{"E", "K", "01.01.2020", "Am Anger", "12", "abc"}, // 6 not a Zusatz
		[]string{"F", "K", "01.01.2020", "Am Anger", "12/1", ""},  // 7
	)
	recs := ReadRows(ListeMelderegister, s, mustHeader(t, ListeMelderegister, s))
	if len(recs) != 6 {
		t.Fatalf("got %d records", len(recs))
	}
	wantNumber := []string{"12b", "12b", "", "", "", "12/1"}
	wantProblems := [][]string{
		nil, nil,
		{"F4 zusatz_widerspruch"},
		{"E5 pflichtfeld_leer", "F5 zusatz_ohne_hausnummer"},
		{"F6 zusatz_ungueltig"},
		nil,
	}
	for i, r := range recs {
		hn, _ := r.Values.Get("hausnummer").(werte.Hausnummer)
		if wantNumber[i] != "" && hn.String() != wantNumber[i] {
			t.Errorf("row %d hausnummer = %q, want %q", r.RowNumber, hn, wantNumber[i])
		}
		if got := cellsAndCodes(r.Problems); !slices.Equal(got, wantProblems[i]) {
			t.Errorf("row %d problems = %q, want %q", r.RowNumber, got, wantProblems[i])
		}
		if _, left := r.Values.Lookup("zusatz"); left && r.OK() {
			t.Errorf("row %d: zusatz should be merged into hausnummer", r.RowNumber)
		}
	}
}

func TestReadRowsSchuelerFromKlasseColumn(t *testing.T) {
	s := sheetOf("20101",
		[]string{"Schul-Nr.", "SchÃ¼ler-ID", "Name", "Vorname", "Geb.-Datum", "Klasse", "StraÃŸe", "Hausnr."},
		[]string{"20101", "800000", "Jung", "Mira Johanna", "30.09.2020", "1c", "Dr.-KÃ¼lz-StraÃŸe", "40a"},
		[]string{"2101", "800001.0", "Wolf", "Henry", "16.10.19", "Q1", "Am Anger", "59"},
		[]string{"", "", "Otto", "Jördis", "24.05.2021", "", "", ""},
	)
	h := mustHeader(t, ListeSchueler, s)
	recs := Reader{ReferenceYear: 2026, SchulnummerDigits: 5}.ReadRows(ListeSchueler, s, h)
	if len(recs) != 3 {
		t.Fatalf("got %d records", len(recs))
	}
	checkValues(t, recs[0].Values, map[string]any{
		"schulnummer": "20101", "schuelernummer": "800000", "familienname": "Jung", "vornamen": "Mira Johanna",
		"geburtsdatum": time.Date(2020, 9, 30, 0, 0, 0, 0, time.UTC), "jahrgangsstufe": 1, "klasse": "1c",
		"strasse": "Dr.-Külz-Straße", "hausnummer": werte.Hausnummer{Nummer: 40, Zusatz: "a"},
	})
	got := cellsAndCodes(recs[1].Problems)
	if want := []string{"A3 schulnummer_zu_kurz", "F3 jahrgangsstufe_ungueltig"}; !slices.Equal(got, want) {
		t.Errorf("row 3 problems = %q, want %q", got, want)
	}
	if p := recs[1].Problems[0]; p.Suggestion != "02101" {
		t.Errorf("suggestion = %q", p.Suggestion)
	}
	if recs[1].Values.Get("schuelernummer") != "800001" || recs[1].Values.Get("klasse") != "Q1" {
		t.Errorf("values = %v", recs[1].Values)
	}
	if d, _ := recs[1].Values.Get("geburtsdatum").(time.Time); d.Year() != 2019 {
		t.Errorf("two-digit year: %v", d)
	}
	// the Schulnummer may be given once per upload, so an empty cell is
	// no problem here; the Jahrgangsstufe is required.
	if got := cellsAndCodes(recs[2].Problems); !slices.Equal(got, []string{"F4 pflichtfeld_leer"}) {
		t.Errorf("row 4 problems = %q", got)
	}
}

func TestReadRowsSchulbezirke(t *testing.T) {
	s := sheetOf("Verzeichnis",
		[]string{"Straßenverzeichnis Grundschulbezirke (Anlage zur Satzung)", "", "", ""},
		nil,
		[]string{"Straße", "von", "bis", "Seite", "Zusatz von", "Zusatz bis", "PLZ", "Grundschule", "gültig ab"},
		[]string{"Rosenweg", "1", "49", "ungerade", "", "", "", "20102", ""},                    // 4
		[]string{"Hauptstraße", "7", "7", "alle", "a", "f", "", "20103", ""},                    // 5
		[]string{"Kirchgasse", "", "", "alle", "", "", "", "20103", "2027/28"},                  // 6
		[]string{"Mühlenstraße", "ab 40", "-", "G", "", "", "6667", "Grundschule Am Anger", ""}, // 7
		[]string{"Am Anger", "50", "12", "", "f", "a", "", "", "2027/29"},                       // 8
		[]string{"Am Anger", "1-9", "", "", "", "", "", "20101", "01.08.2028"},                  // 9
		[]string{"Am Anger", "", "", "", "", "", "", "20101", "15.03.2028"},                     // 10
	)
	recs := Reader{ReferenceYear: 2026}.ReadRows(ListeSchulbezirke, s, mustHeader(t, ListeSchulbezirke, s))
	if len(recs) != 7 {
		t.Fatalf("got %d records", len(recs))
	}
	checkValues(t, recs[0].Values, map[string]any{
		"strasse": "Rosenweg", "hausnummer_von": werte.Hausnummer{Nummer: 1}, "hausnummer_bis": werte.Hausnummer{Nummer: 49},
		"paritaet": werte.ParitaetUngerade, "schulnummer": Schulangabe{Schulnummer: "20102"},
	})
	checkValues(t, recs[1].Values, map[string]any{
		"strasse": "Hauptstraße", "hausnummer_von": werte.Hausnummer{Nummer: 7}, "hausnummer_bis": werte.Hausnummer{Nummer: 7},
		"paritaet": werte.ParitaetAlle, "zusatz_von": "a", "zusatz_bis": "f", "schulnummer": Schulangabe{Schulnummer: "20103"},
	})
	checkValues(t, recs[2].Values, map[string]any{
		"strasse": "Kirchgasse", "paritaet": werte.ParitaetAlle, "schulnummer": Schulangabe{Schulnummer: "20103"},
		"gueltig_ab": werte.NewSchuljahr(2027),
	})
	checkValues(t, recs[3].Values, map[string]any{
		"strasse": "Mühlenstraße", "hausnummer_von": werte.Hausnummer{Nummer: 40}, "paritaet": werte.ParitaetGerade,
		"plz": "06667", "schulnummer": Schulangabe{Name: "Grundschule Am Anger"},
	})
	got := cellsAndCodes(recs[4].Problems)
	want := []string{"C8 hausnummer_bereich_ungueltig", "F8 zusatz_bereich_ungueltig", "H8 pflichtfeld_leer", "I8 schuljahr_ungueltig"}
	if !slices.Equal(got, want) {
		t.Errorf("row 8 problems = %q, want %q", got, want)
	}
	if got := cellsAndCodes(recs[5].Problems); !slices.Equal(got, []string{"B9 hausnummer_ungueltig"}) {
		t.Errorf("row 9 problems = %q", got)
	}
	if recs[5].Values.Get("gueltig_ab") != werte.NewSchuljahr(2028) {
		t.Errorf("01.08.2028 should be the school year 2028/29, got %v", recs[5].Values.Get("gueltig_ab"))
	}
	if got := cellsAndCodes(recs[6].Problems); !slices.Equal(got, []string{"I10 schuljahr_ungueltig"}) ||
		!strings.Contains(recs[6].Problems[0].Message, "1. August") {
		t.Errorf("row 10 problems = %+v", recs[6].Problems)
	}
}

func TestReadRowsSchulen(t *testing.T) {
	s := sheetOf("Schulen",
		[]string{"Schulnummer", "Name", "Schulform", "Trägerschaft", "Zügigkeit", "max. Klassenstärke"},
		[]string{"20101", "Grundschule Am Anger", "Grundschule", "kommunal", "2", "24"},
		[]string{"020301", "Gymnasium Musterstadt", "Gymnasium", "frei (Ersatzschule)", "4.0", "28"},
		[]string{"2o3o1", "", "Uni", "Land", "2,5", "viele"},
	)
	recs := ReadRows(ListeSchulen, s, mustHeader(t, ListeSchulen, s))
	if len(recs) != 3 {
		t.Fatalf("got %d records", len(recs))
	}
	checkValues(t, recs[0].Values, map[string]any{
		"schulnummer": "20101", "name": "Grundschule Am Anger", "schulform": schule.Grundschule,
		"traeger": schule.Kommunal, "zuege": 2, "klassenfrequenz": 24,
	})
	checkValues(t, recs[1].Values, map[string]any{
		"schulnummer": "020301", "name": "Gymnasium Musterstadt", "schulform": schule.Gymnasium,
		"traeger": schule.Frei, "zuege": 4, "klassenfrequenz": 28,
	})
	want := []string{"A4 schulnummer_ungueltig", "B4 pflichtfeld_leer", "C4 schulform_ungueltig", "D4 traegerschaft_ungueltig", "E4 zahl_ungueltig", "F4 zahl_ungueltig"}
	if got := cellsAndCodes(recs[2].Problems); !slices.Equal(got, want) {
		t.Errorf("problems = %q\nwant       %q", got, want)
	}
}

func TestReadRowsShortRowsAndExtraColumns(t *testing.T) {
	s := sheetOf("Liste",
		[]string{"Familienname", "Vornamen", "Bemerkung", "Geburtsdatum", "Straße", "Hausnummer"},
		[]string{"Arnold", "Kind", "zieht um"}, // the row ends early
	)
	h := mustHeader(t, ListeMelderegister, s)
	if !slices.Equal(h.Ignored, []string{"Bemerkung"}) {
		t.Errorf("Ignored = %v", h.Ignored)
	}
	recs := ReadRows(ListeMelderegister, s, h)
	want := []string{"D2 pflichtfeld_leer", "E2 pflichtfeld_leer", "F2 pflichtfeld_leer"}
	if len(recs) != 1 || !slices.Equal(cellsAndCodes(recs[0].Problems), want) {
		t.Errorf("records = %+v", recs)
	}
}

func TestReadRowsWithoutHeader(t *testing.T) {
	s := sheetOf("Liste", []string{"Arnold", "Kind"})
	if recs := ReadRows(ListeMelderegister, s, HeaderMatch{}); recs != nil {
		t.Errorf("records without a header = %+v", recs)
	}
}

func TestReadRowsSchulbezirkeNumberAndName(t *testing.T) {
	s := sheetOf("Verzeichnis",
		[]string{"Straßenname", "HNr von", "HNr bis", "Schul-Nr.", "Grundschule"},
		[]string{"Rosenweg", "2", "50", "20101", "Grundschule Am Anger"},
		[]string{"Rosenweg", "1", "49", "", "Grundschule Rosenweg"},
	)
	recs := ReadRows(ListeSchulbezirke, s, mustHeader(t, ListeSchulbezirke, s))
	if len(recs) != 2 {
		t.Fatalf("got %d records", len(recs))
	}
	checkValues(t, recs[0].Values, map[string]any{
		"strasse": "Rosenweg", "hausnummer_von": werte.Hausnummer{Nummer: 2}, "hausnummer_bis": werte.Hausnummer{Nummer: 50},
		"schulnummer": Schulangabe{Schulnummer: "20101"}, "schulname": "Grundschule Am Anger",
	})
	if got := cellsAndCodes(recs[1].Problems); !slices.Equal(got, []string{"D3 pflichtfeld_leer"}) {
		t.Errorf("problems = %q", got)
	}
}

// Plausibility with the cell named (issue 14, point 8), judged against an
// injected day: 6 December 2026.
func TestReadRowsPlausibility(t *testing.T) {
	today := time.Date(2026, 12, 6, 15, 0, 0, 0, time.UTC)
	r := Reader{Today: today}
	codes := func(k Listenart, rows ...[]string) ([]string, []Record) {
		t.Helper()
		s := sheetOf("Liste", rows...)
		recs := r.ReadRows(k, s, mustHeader(t, k, s))
		var out []string
		for _, rec := range recs {
			out = append(out, cellsAndCodes(rec.Problems)...)
		}
		return out, recs
	}
	reg := []string{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "Zuzugsdatum", "Wegzugsdatum"}
	got, recs := codes(ListeMelderegister, reg,
		[]string{"Heute", "Ida", "06.12.2026", "Rosenweg", "1", "", ""},            // born today: fine
		[]string{"Zukunft", "Tom", "01.01.2031", "Rosenweg", "2", "", ""},          // C3
		[]string{"Alt", "Kai", "1990-05-05", "Rosenweg", "3", "", ""},              // C4: ISO from a date cell
		[]string{"Grenze", "Mo", "07.12.2001", "Rosenweg", "4", "", ""},            // 25 years minus a day: fine
		[]string{"Zuzug", "Lea", "03.04.2020", "Rosenweg", "5", "01.01.2019", ""},  // F6 before birth
		[]string{"Wegzug", "Jan", "03.04.2020", "Rosenweg", "6", "", "01.01.2028"}, // G7 too far ahead
		[]string{"Bald", "Ben", "03.04.2020", "Rosenweg", "7", "", "01.06.2027"},   // announced: fine
	)
	want := []string{"C3 datum_unplausibel", "C4 datum_unplausibel", "F6 datum_unplausibel", "G7 datum_unplausibel"}
	if !slices.Equal(got, want) {
		t.Errorf("register: %v, want %v", got, want)
	}
	if m := recs[1].Problems[0].Message; !strings.Contains(m, "01.01.2031") || !strings.Contains(m, "Zukunft") || !strings.Contains(m, "06.12.2026") {
		t.Errorf("future birth date: %q", m)
	}
	if m := recs[2].Problems[0].Message; !strings.Contains(m, "05.05.1990") || strings.Contains(m, "1990-05-05") || !strings.Contains(m, "25 Jahre") {
		t.Errorf("old birth date, given as TT.MM.JJJJ: %q", m)
	}
	if _, ok := recs[1].Values.Lookup("geburtsdatum"); ok || recs[1].OK() {
		t.Error("an implausible value must make the row invalid and leave no value")
	}

	// Pupils may be older (vocational schools); admission not before birth.
	got, _ = codes(ListeSchueler, []string{"Schulnummer", "Familienname", "Vornamen", "Geburtsdatum", "Klasse", "Eintrittsdatum"},
		[]string{"20101", "Berufs", "Schüler", "01.01.1999", "11a", "01.08.2024"},
		[]string{"20101", "Zu", "Alt", "01.01.1990", "11a", "01.08.2024"},
		[]string{"20101", "Früh", "Ein", "01.01.2019", "1a", "01.08.2018"},
		[]string{"20101", "Noch", "Nicht", "01.01.2027", "1a", ""},
	)
	want = []string{"D3 datum_unplausibel", "F4 datum_unplausibel", "D5 datum_unplausibel"}
	if !slices.Equal(got, want) {
		t.Errorf("pupils: %v, want %v", got, want)
	}

	// School years: a directory looks ahead ten years, pupil counts are history.
	got, _ = codes(ListeSchulbezirke, []string{"Straße", "Grundschule", "gültig ab"},
		[]string{"Rosenweg", "20101", "2027/28"},
		[]string{"Rosenweg", "20101", "2040/41"},
		[]string{"Rosenweg", "20101", "1950/51"},
	)
	if want := []string{"C3 schuljahr_unplausibel", "C4 schuljahr_unplausibel"}; !slices.Equal(got, want) {
		t.Errorf("directory: %v, want %v", got, want)
	}
	got, _ = codes(ListeSchuelerzahlen, []string{"Schulnummer", "Schuljahr", "Jahrgangsstufe", "Anzahl"},
		[]string{"20101", "2025/26", "1", "50"},
		[]string{"20101", "2030/31", "1", "50"},
	)
	if want := []string{"B3 schuljahr_unplausibel"}; !slices.Equal(got, want) {
		t.Errorf("pupil counts: %v, want %v", got, want)
	}
}

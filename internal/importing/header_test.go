package importing

import (
	"errors"
	"slices"
	"strings"
	"testing"
)

var melderegisterHeader = []string{"Ordnungsmerkmal", "Familienname", "Vornamen", "Rufname", "Geburtsdatum",
	"Geschlecht", "Straße", "Hausnummer", "PLZ", "Ort", "Auskunftssperre"}

func TestDetectHeaderBelowTitleAndBlankRow(t *testing.T) {
	s := sheetOf("Auszug",
		[]string{"Einschulung 2027/28 – Stand 01.02.2026", "", "", ""},
		nil,
		[]string{"", ""},
		melderegisterHeader,
		[]string{"OM100000", "Jung", "Mira Johanna", "Mira", "44104", "w", "Dr.-Külz-Straße", "40a", "06667", "Musterstadt", "nein"},
	)
	h, err := DetectHeader(ListeMelderegister, s, nil)
	if err != nil {
		t.Fatalf("DetectHeader: %v", err)
	}
	if h.RowNumber != 4 || h.Sheet != "Auszug" {
		t.Errorf("RowNumber = %d, Sheet = %q; want 4, Auszug", h.RowNumber, h.Sheet)
	}
	want := map[string]int{"ordnungsmerkmal": 0, "familienname": 1, "vornamen": 2, "rufname": 3, "geburtsdatum": 4,
		"geschlecht": 5, "strasse": 6, "hausnummer": 7, "plz": 8, "ort": 9, "auskunftssperre": 10}
	if !mapsEqual(h.Columns, want) {
		t.Errorf("Columns = %v, want %v", h.Columns, want)
	}
	if len(h.Ignored) != 0 || len(h.Fuzzy) != 0 || len(h.Duplicates) != 0 {
		t.Errorf("Ignored %v, Fuzzy %v, Duplicates %v; want none", h.Ignored, h.Fuzzy, h.Duplicates)
	}
	var missing []string
	for _, f := range h.Missing {
		missing = append(missing, f.Name)
	}
	if got := strings.Join(missing, " "); got != "zusatz ortsteil zuzug wegzug sorgeberechtigte sorgeberechtigte_2" {
		t.Errorf("Missing = %q", got)
	}
}

func mapsEqual(a, b map[string]int) bool {
	if len(a) != len(b) {
		return false
	}
	for k, v := range a {
		if w, ok := b[k]; !ok || w != v {
			return false
		}
	}
	return true
}

func TestDetectHeaderForgivingHeaders(t *testing.T) {
	tests := []struct {
		name    string
		kind    Listenart
		header  []string
		want    map[string]int
		fuzzy   []string // headers recognised despite a typo
		ignored []string
	}{
		{
			name:   "abbreviations, transliterations, typos",
			kind:   ListeMelderegister,
			header: []string{"lfd. Nr.", "Famillienname", "Vorname(n)", "Geb.-Datum", "Geschlect", "Strasse", "Hausnr.", "Postleitzahl", "Wohnort", "Bemerkung"},
			want: map[string]int{"ordnungsmerkmal": 0, "familienname": 1, "vornamen": 2, "geburtsdatum": 3, "geschlecht": 4,
				"strasse": 5, "hausnummer": 6, "plz": 7, "ort": 8},
			fuzzy:   []string{"Famillienname", "Geschlect"},
			ignored: []string{"Bemerkung"},
		},
		{
			name:   "one typo in a middle-sized header",
			kind:   ListeMelderegister,
			header: []string{"Nachnahme", "Vornamn", "Gebdatum", "Strase", "Hausnumer", "Rufnme"},
			want: map[string]int{"familienname": 0, "vornamen": 1, "geburtsdatum": 2, "strasse": 3, "hausnummer": 4,
				"rufname": 5},
			fuzzy: []string{"Nachnahme", "Vornamn", "Strase", "Hausnumer", "Rufnme"},
		},
		{
			name:   "pupil list written by LibreOffice, with mis-decoded umlauts",
			kind:   ListeSchueler,
			header: []string{"Schul-Nr.", "SchÃ¼ler-ID", "Name", "Vorname", "Geb.-Datum", "Klasse", "StraÃŸe", "Hausnr."},
			want: map[string]int{"schulnummer": 0, "schuelernummer": 1, "familienname": 2, "vornamen": 3, "geburtsdatum": 4,
				"klasse": 5, "jahrgangsstufe": 5, "strasse": 6, "hausnummer": 7},
		},
		{
			name:   "separate Jahrgang column keeps Klasse to itself",
			kind:   ListeSchueler,
			header: []string{"Nachname", "Vornamen", "Geburtstag", "Jahrgang", "Klasse"},
			want:   map[string]int{"familienname": 0, "vornamen": 1, "geburtsdatum": 2, "jahrgangsstufe": 3, "klasse": 4},
		},
		{
			name:   "street directory",
			kind:   ListeSchulbezirke,
			header: []string{"Straße", "von", "bis", "Seite", "Zusatz von", "Zusatz bis", "PLZ", "Grundschule", "gültig ab"},
			want: map[string]int{"strasse": 0, "hausnummer_von": 1, "hausnummer_bis": 2, "paritaet": 3, "zusatz_von": 4,
				"zusatz_bis": 5, "plz": 6, "schulname": 7, "schulnummer": 7, "gueltig_ab": 8},
		},
		{
			name:   "street directory with number and name of the school",
			kind:   ListeSchulbezirke,
			header: []string{"Straßenname", "HNr von", "HNr bis", "Schul-Nr.", "Grundschule"},
			want:   map[string]int{"strasse": 0, "hausnummer_von": 1, "hausnummer_bis": 2, "schulnummer": 3, "schulname": 4},
		},
		{
			name:   "school master data with hints in parentheses",
			kind:   ListeSchulen,
			header: []string{"Schul-Nr.", "Schulname", "Schulart", "Trägerschaft", "Zügigkeit", "max. Klassenstärke", "Kapazität (Plätze)"},
			want:   map[string]int{"schulnummer": 0, "name": 1, "schulform": 2, "traeger": 3, "zuege": 4, "klassenfrequenz": 5, "kapazitaet": 6},
		},
		{
			name:   "date format hint and line break in headers",
			kind:   ListeMelderegister,
			header: []string{"Nachname", "Vornamen", "Geburts-\ndatum (TT.MM.JJJJ)", "STRASSE", "Haus-Nr.", "Geburtsdatun"},
			want:   map[string]int{"familienname": 0, "vornamen": 1, "geburtsdatum": 2, "strasse": 3, "hausnummer": 4},
			// a typo match loses to an exact one instead of making a duplicate
			ignored: []string{"Geburtsdatun"},
		},
		{
			name:    "a typo close to two fields is not guessed",
			kind:    ListeMelderegister,
			header:  []string{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "Sorgeberechtigte 3"},
			want:    map[string]int{"familienname": 0, "vornamen": 1, "geburtsdatum": 2, "strasse": 3, "hausnummer": 4},
			ignored: []string{"Sorgeberechtigte 3"},
		},
		{
			name:    "short headers must match exactly",
			kind:    ListeMelderegister,
			header:  []string{"Nane", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "Familienname"},
			want:    map[string]int{"familienname": 5, "vornamen": 1, "geburtsdatum": 2, "strasse": 3, "hausnummer": 4},
			ignored: []string{"Nane"},
		},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			h, err := DetectHeader(tt.kind, sheetOf("Tabelle1", tt.header), nil)
			if err != nil {
				t.Fatalf("DetectHeader: %v", err)
			}
			if !mapsEqual(h.Columns, tt.want) {
				t.Errorf("Columns = %v\nwant      %v", h.Columns, tt.want)
			}
			var fuzzy []string
			for _, f := range h.Fuzzy {
				fuzzy = append(fuzzy, f.Header)
				if h.Columns[f.Field] != f.Column || f.Distance < 1 {
					t.Errorf("Fuzzy entry %+v does not agree with Columns", f)
				}
			}
			if !slices.Equal(fuzzy, tt.fuzzy) {
				t.Errorf("Fuzzy = %v, want %v", fuzzy, tt.fuzzy)
			}
			if !slices.Equal(h.Ignored, tt.ignored) {
				t.Errorf("Ignored = %q, want %q", h.Ignored, tt.ignored)
			}
		})
	}
}

func TestDetectHeaderDuplicateColumn(t *testing.T) {
	s := sheetOf("Liste",
		[]string{"Name", "Nachname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer"},
	)
	h, err := DetectHeader(ListeMelderegister, s, nil)
	var he *HeaderError
	if !errors.As(err, &he) {
		t.Fatalf("want *HeaderError, got %v", err)
	}
	if got := problemCodes(he.Problems); !slices.Equal(got, []string{CodeSpalteDoppelt}) {
		t.Fatalf("codes = %v", got)
	}
	p := he.Problems[0]
	if p.Field != "familienname" || !slices.Equal(p.Columns, []int{0, 1}) {
		t.Errorf("problem = %+v", p)
	}
	for _, want := range []string{"A („Name“)", "B („Nachname“)", "„Familienname“"} {
		if !strings.Contains(err.Error(), want) {
			t.Errorf("message %q lacks %q", err.Error(), want)
		}
	}
	if len(h.Duplicates) != 1 || h.Columns["familienname"] != 0 {
		t.Errorf("HeaderMatch = %+v", h)
	}

	// A saved mapping resolves the conflict.
	h, err = DetectHeader(ListeMelderegister, s, Mapping{"name": ""})
	if err != nil || h.Columns["familienname"] != 1 || !slices.Equal(h.Ignored, []string{"Name"}) {
		t.Errorf("with mapping: %+v, %v", h, err)
	}
}

func TestDetectHeaderMissingRequired(t *testing.T) {
	s := sheetOf("Meldedaten",
		[]string{"Melderegisterauszug"},
		[]string{"Familienname", "Vornamen", "Straße", "PLZ", "Ort"},
	)
	h, err := DetectHeader(ListeMelderegister, s, nil)
	var he *HeaderError
	if !errors.As(err, &he) {
		t.Fatalf("want *HeaderError, got %v", err)
	}
	if he.RowNumber != 2 || h.RowNumber != 2 {
		t.Errorf("row = %d / %d, want 2", he.RowNumber, h.RowNumber)
	}
	if got := problemCodes(he.Problems); !slices.Equal(got, []string{CodePflichtspalteFehlt, CodePflichtspalteFehlt}) {
		t.Fatalf("codes = %v", got)
	}
	if he.Problems[0].Field != "geburtsdatum" || he.Problems[1].Field != "hausnummer" {
		t.Errorf("fields = %+v", he.Problems)
	}
	want := "Tabelle „Meldedaten“, Kopfzeile in Zeile 2: Es fehlen die Pflichtspalten „Geburtsdatum“ und „Hausnummer“."
	if !strings.HasPrefix(err.Error(), want) {
		t.Errorf("message = %q\nwant prefix %q", err.Error(), want)
	}
	if !strings.Contains(he.Problems[0].Message, "„Geb.-Datum“") {
		t.Errorf("a missing column's message should give example headers: %q", he.Problems[0].Message)
	}
}

func TestDetectHeaderSchuelerWithoutKlasse(t *testing.T) {
	_, err := DetectHeader(ListeSchueler, sheetOf("S", []string{"Name", "Vorname", "Geburtsdatum"}), nil)
	if err == nil || !strings.Contains(err.Error(), "„Jahrgangsstufe“") {
		t.Errorf("error = %v, want the missing Jahrgangsstufe named", err)
	}
}

func TestDetectHeaderSavedMapping(t *testing.T) {
	s := sheetOf("Liste",
		[]string{"Kind-Name", "Vornamen", "Geburtsdatum", "Anschrift", "HsNr", "Name"},
	)
	if _, err := DetectHeader(ListeMelderegister, s, nil); err == nil {
		t.Fatal("without a mapping the Anschrift column is unknown; want an error")
	}
	m := Mapping{
		NormalizeHeader("Kind-Name"): "familienname",
		"Anschrift":                  "strasse", // not yet normalised: normalised on use
		"name":                       "",        // the file's "Name" is the parent's name: ignore
	}
	h, err := DetectHeader(ListeMelderegister, s, m)
	if err != nil {
		t.Fatalf("DetectHeader: %v", err)
	}
	want := map[string]int{"familienname": 0, "vornamen": 1, "geburtsdatum": 2, "strasse": 3, "hausnummer": 4}
	if !mapsEqual(h.Columns, want) {
		t.Errorf("Columns = %v, want %v", h.Columns, want)
	}
	if !slices.Equal(h.Ignored, []string{"Name"}) {
		t.Errorf("Ignored = %v", h.Ignored)
	}
}

func TestDetectHeaderMappingToUnknownField(t *testing.T) {
	s := sheetOf("Liste", []string{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "Konfession"})
	_, err := DetectHeader(ListeMelderegister, s, Mapping{"konfession": "religion"})
	var he *HeaderError
	if !errors.As(err, &he) || !slices.Equal(problemCodes(he.Problems), []string{CodeZuordnungUngueltig}) {
		t.Fatalf("error = %v", err)
	}
	if !strings.Contains(err.Error(), "Spalte F („Konfession“)") || !strings.Contains(err.Error(), "„religion“") {
		t.Errorf("message = %q", err.Error())
	}
}

func TestDetectHeaderNotFound(t *testing.T) {
	rows := [][]string{{"Einschulung 2027/28"}}
	for i := 0; i < 25; i++ {
		rows = append(rows, []string{"Jung", "Mira", "30.09.2020"})
	}
	rows = append(rows, melderegisterHeader) // too far down
	_, err := DetectHeader(ListeMelderegister, sheetOf("Daten", rows...), nil)
	var he *HeaderError
	if !errors.As(err, &he) || !slices.Equal(problemCodes(he.Problems), []string{CodeKopfzeileNichtGefunden}) {
		t.Fatalf("error = %v", err)
	}
	if !strings.Contains(err.Error(), "„Familienname“") {
		t.Errorf("message should name expected headers: %q", err.Error())
	}

	_, err = DetectHeader(ListeMelderegister, Sheet{Name: "leer"}, nil)
	if !errors.As(err, &he) || he.Problems[0].Code != CodeKopfzeileNichtGefunden {
		t.Errorf("empty sheet: %v", err)
	}
}

func TestDetectHeaderPrefersCompleteRow(t *testing.T) {
	// A remark row that names many optional columns must not beat the real
	// header, which has every required column.
	s := sheetOf("S",
		[]string{"PLZ", "Ort", "Ortsteil", "Zusatz", "Rufname", "Geschlecht", "Auskunftssperre"},
		[]string{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer"},
	)
	h, err := DetectHeader(ListeMelderegister, s, nil)
	if err != nil || h.RowNumber != 2 {
		t.Errorf("RowNumber = %d, err = %v; want 2", h.RowNumber, err)
	}
}

func TestDetectHeaderUnknownKind(t *testing.T) {
	_, err := DetectHeader("lehrer", sheetOf("S", melderegisterHeader), nil)
	var he *HeaderError
	if !errors.As(err, &he) || he.Problems[0].Code != CodeListenartUnbekannt {
		t.Errorf("error = %v", err)
	}
	// a non-canonical spelling of a kind still works
	if _, err := DetectHeader("Melderegister", sheetOf("S", melderegisterHeader), nil); err != nil {
		t.Errorf("DetectHeader(Melderegister): %v", err)
	}
}

func TestDetectHeaderMappingBeatsBuiltinAlias(t *testing.T) {
	// In this file "Typ" holds the Trägerschaft and "Art" the Schulform.
	s := sheetOf("Schulen", []string{"Schulnummer", "Name", "Art", "Typ"})
	h, err := DetectHeader(ListeSchulen, s, Mapping{"art": "schulform", "typ": "traeger"})
	if err != nil {
		t.Fatalf("DetectHeader: %v", err)
	}
	want := map[string]int{"schulnummer": 0, "name": 1, "schulform": 2, "traeger": 3}
	if !mapsEqual(h.Columns, want) {
		t.Errorf("Columns = %v, want %v", h.Columns, want)
	}
	// without the mapping "Typ" is the Schulform and "Art" unknown
	h, err = DetectHeader(ListeSchulen, s, nil)
	if err != nil || h.Columns["schulform"] != 3 || !slices.Equal(h.Ignored, []string{"Art"}) {
		t.Errorf("without mapping: %+v, %v", h, err)
	}
}

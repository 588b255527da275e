package importing

import (
	"context"
	"testing"
)

func table(name string, rows ...[]string) Sheet {
	s := Sheet{Name: name}
	for i, r := range rows {
		s.Rows = append(s.Rows, Row{Number: i + 1, Cells: r})
	}
	return s
}

func TestGuessKindPicksTheListWhoseHeaderMatches(t *testing.T) {
	ctx := context.Background()
	cases := []struct {
		name string
		src  Tables
		want Listenart
	}{
		{"Melderegister unter einer Titelzeile", Tables{table("Auszug",
			[]string{"Auszug Melderegister Stand 01.03.2027"},
			[]string{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "PLZ"},
			[]string{"Jung", "Mira", "30.09.2020", "Mühlenstraße", "9a", "06667"})}, ListeMelderegister},
		{"Schulen", Tables{table("Schulen",
			[]string{"Schulnummer", "Name der Schule", "Schulform", "Züge"},
			[]string{"1001", "GS Am Park", "Grundschule", "2"})}, ListeSchulen},
		{"Schülerliste in der zweiten Tabelle", Tables{table("Hinweise", []string{"Bitte nicht ändern"}), table("Schüler",
			[]string{"Schulnummer", "Familienname", "Vorname", "Geburtsdatum", "Klasse"},
			[]string{"1001", "Wolf", "Henry", "16.10.2019", "3b"})}, ListeSchueler},
	}
	for _, tc := range cases {
		t.Run(tc.name, func(t *testing.T) {
			r, ok, err := GuessListenart(ctx, tc.src, "", nil)
			if err != nil || !ok {
				t.Fatalf("GuessListenart: ok=%v err=%v", ok, err)
			}
			if r.Listenart != tc.want {
				t.Fatalf("kind = %s, want %s", r.Listenart, tc.want)
			}
			if r.Problem != "" {
				t.Errorf("problem = %q, want a usable header", r.Problem)
			}
		})
	}
}

func TestGuessKindWithoutAnyKnownHeader(t *testing.T) {
	_, ok, err := GuessListenart(context.Background(), Tables{table("X", []string{"a", "b"}, []string{"1", "2"})}, "", nil)
	if err != nil || ok {
		t.Fatalf("ok=%v err=%v, want not recognised", ok, err)
	}
}

func TestRecogniseReportsColumnsAndWhatIsMissing(t *testing.T) {
	src := Tables{table("Liste",
		[]string{"Stand: März"},
		[]string{"Familienname", "Vornamen", "Geburtstdatum", "Wohnadresse", "Hausnummer", "Bemerkung"},
		[]string{"Jung", "Mira", "30.09.2020", "Mühlenstraße", "9a", ""})}
	r, err := Recognise(context.Background(), src, ListeMelderegister, "", nil)
	if err != nil {
		t.Fatal(err)
	}
	if r.Sheet != "Liste" || r.HeaderRow != 2 {
		t.Fatalf("sheet %q row %d, want Liste row 2", r.Sheet, r.HeaderRow)
	}
	got := map[string]string{}
	for _, c := range r.Columns {
		got[ColumnLetter(c.Column)+" "+c.Header] = c.Field
	}
	want := map[string]string{"A Familienname": "familienname", "B Vornamen": "vornamen", "C Geburtstdatum": "geburtsdatum",
		"D Wohnadresse": "", "E Hausnummer": "hausnummer", "F Bemerkung": ""}
	for k, v := range want {
		if f, ok := got[k]; !ok || f != v {
			t.Errorf("column %s → %q (present %v), want %q", k, f, ok, v)
		}
	}
	if r.Problem == "" {
		t.Error("no problem reported although the Straße column is missing")
	}
	missing := false
	for _, f := range r.Missing {
		missing = missing || f.Name == "strasse"
	}
	if !missing {
		t.Errorf("missing = %v, want strasse among them", r.Missing)
	}

	// Mapped once, the column is recognised and the header is usable.
	r, _ = Recognise(context.Background(), src, ListeMelderegister, "", Mapping{"Wohnadresse": "strasse"})
	if r.Problem != "" {
		t.Fatalf("with mapping: problem %q", r.Problem)
	}
}

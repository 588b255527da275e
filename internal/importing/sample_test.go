package importing

import (
	"encoding/csv"
	"os"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
)

// The first 100 children of the shared sample register list, as German
// Excel exports them (converted from Windows-1252 to UTF-8, which is the
// adapter's part), read with a title row and a total row added.
func TestSampleRegisterCSV(t *testing.T) {
	f, err := os.Open("testdata/melderegister_excel_export.csv")
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	r := csv.NewReader(f)
	r.Comma = ';'
	lines, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	s := Sheet{Name: "melderegister_excel_export"}
	s.Rows = append(s.Rows, Row{Number: 1, Cells: []string{"Melderegisterauszug Einschulung – Stand 15.01.2026"}}, Row{Number: 2})
	for i, l := range lines {
		s.Rows = append(s.Rows, Row{Number: i + 3, Cells: l})
	}
	s.Rows = append(s.Rows, Row{Number: len(lines) + 3, Cells: []string{"Anzahl: 100"}})

	h, err := DetectHeader(ListeMelderegister, s, nil)
	if err != nil {
		t.Fatalf("DetectHeader: %v", err)
	}
	if h.RowNumber != 3 || len(h.Ignored) != 0 || len(h.Columns) != len(lines[0]) {
		t.Fatalf("header = %+v", h)
	}
	recs := Reader{ReferenceYear: 2026}.ReadRows(ListeMelderegister, s, h)
	if len(recs) != 100 {
		t.Fatalf("got %d records, want 100", len(recs))
	}
	for _, rec := range recs {
		for _, p := range rec.Problems {
			t.Errorf("row %d: %s", rec.RowNumber, p)
		}
	}
	first := recs[0]
	if first.Values.Get("familienname") != "Jung" || first.Values.Get("vornamen") != "Mira Johanna" ||
		!first.Values.Get("geburtsdatum").(time.Time).Equal(time.Date(2020, 9, 30, 0, 0, 0, 0, time.UTC)) ||
		first.Values.Get("hausnummer") != (werte.Hausnummer{Nummer: 40, Zusatz: "a"}) || first.Values.Get("plz") != "06667" {
		t.Errorf("first record = %v", first.Values)
	}
	if last := recs[99]; last.RowNumber != 103 || last.Values.Get("vornamen") != "Jule" {
		t.Errorf("last record = %d %v", last.RowNumber, last.Values)
	}
}

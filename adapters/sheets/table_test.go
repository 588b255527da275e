package sheets

import (
	"bytes"
	"context"
	"encoding/csv"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// exportTable has a cell of every kind, and texts a spreadsheet program
// would take for formulas.
func exportTable() Table {
	geboren := time.Date(2021, 9, 9, 0, 0, 0, 0, time.UTC)
	return Table{
		Sheet: "Liste: 20101 Grundschule [Am Anger] mit einem sehr langen Namen",
		Columns: []Column{
			{Header: "Familienname"},
			{Header: "Geburtsdatum", Width: 14},
			{Header: "Anzahl"},
			{Header: "Quote", NumFormat: "0.00"},
			{Header: "geändert", WithTime: true},
		},
		Rows: [][]any{
			{"Lößner", geboren, 24, 0.975, time.Date(2026, 9, 15, 8, 30, 5, 0, time.UTC)},
			{"=HYPERLINK(\"http://x\")", nil, int64(-3), -3.5, nil},
			{"+49 345", geboren, nil, 1234567.125, nil},
			{"-minus", nil, nil, nil, nil},
			{"@SUM(A1)", nil, nil, nil, nil},
			{"\tTab", nil, nil, nil, nil},
			{"\rWagenrücklauf", nil, nil, nil, nil},
			{"Mit;Semikolon und \"Anführung\"", nil, nil, nil, nil},
		},
	}
}

func TestWriteXLSX(t *testing.T) {
	var buf bytes.Buffer
	second := Table{Sheet: "liste: 20101 grundschule [am anger] mit", Columns: []Column{{Header: "A"}}, Rows: [][]any{{1}}}
	if err := WriteXLSX(&buf, []Table{exportTable(), second}); err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	// Forbidden characters replaced, cut to 31; the second name (equal
	// but for case) made unique.
	sheetList := f.GetSheetList()
	if want := []string{"Liste_ 20101 Grundschule _Am An", "liste_ 20101 grundschule _a (2)"}; !slices.Equal(sheetList, want) {
		t.Fatalf("sheets %q, want %q", sheetList, want)
	}
	sheet := sheetList[0]
	rows, err := f.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Equal(rows[0], []string{"Familienname", "Geburtsdatum", "Anzahl", "Quote", "geändert"}) {
		t.Errorf("header %q", rows[0])
	}
	// Shown as German Excel shows them.
	if !slices.Equal(rows[1], []string{"Lößner", "09.09.2021", "24", "0.98", "15.09.2026 08:30:05"}) {
		t.Errorf("first row shown as %q", rows[1])
	}
	for cell, want := range map[string]string{"B2": "44448", "C2": "24", "D2": "0.975", "C3": "-3", "D4": "1234567.125"} {
		raw, _ := f.GetCellValue(sheet, cell, excelize.Options{RawCellValue: true})
		typ, _ := f.GetCellType(sheet, cell)
		if raw != want || typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
			t.Errorf("%s = %q (type %v), want the number %s", cell, raw, typ, want)
		}
	}
	// Text stays text: never a formula, not even when it looks like one.
	if v, _ := f.GetCellValue(sheet, "A3"); v != `=HYPERLINK("http://x")` {
		t.Errorf("A3 = %q", v)
	}
	if formula, _ := f.GetCellFormula(sheet, "A3"); formula != "" {
		t.Errorf("A3 became the formula %q", formula)
	}
	if panes, err := f.GetPanes(sheet); err != nil || !panes.Freeze || panes.YSplit != 1 || panes.TopLeftCell != "A2" {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}
	if styleID, _ := f.GetCellStyle(sheet, "A1"); styleID == 0 {
		t.Error("header has no style")
	} else if st, _ := f.GetStyle(styleID); st.Font == nil || !st.Font.Bold {
		t.Errorf("header not bold: %+v", st)
	}
	// Widths: given, or fit to the longest entry.
	if w, _ := f.GetColWidth(sheet, "B"); w != 14 {
		t.Errorf("width of B %v, want 14", w)
	}
	if w, _ := f.GetColWidth(sheet, "A"); w < float64(len("Mit;Semikolon und \"Anführung\"")) {
		t.Errorf("width of A %v does not fit its longest entry", w)
	}

	// The project's own reader sees dates and numbers as such.
	wb, err := Read(context.Background(), buf.Bytes(), "export.xlsx", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	r := wb.Sheets[0].Rows[1]
	for i, want := range []Cell{{Value: "Lößner", Kind: KindText}, {Value: "2021-09-09", Kind: KindDate}, {Value: "24", Kind: KindNumber},
		{Value: "0.975", Kind: KindNumber}, {Value: "2026-09-15T08:30:05", Kind: KindDate}} {
		if got := r.Cell(i); got.Value != want.Value || got.Kind != want.Kind {
			t.Errorf("read back column %d: %+v, want %+v", i, got, want)
		}
	}
}

func TestWriteXLSXChartFollowsItsTable(t *testing.T) {
	var buf bytes.Buffer
	data := Table{Sheet: "Daten", Columns: []Column{{Header: "Schule"}, {Header: "Kapazität"}, {Header: "Mindestgröße"}},
		Rows: [][]any{{"Am Anger", 80, 40}, {"Nord", 120, 40}}}
	err := WriteXLSX(&buf, []Table{{Sheet: "Übersicht"}, data, {Sheet: "Ende"}},
		Chart{Sheet: "Diagramm", Title: "Kapazität", Data: "Daten", Categories: 0, Bars: []int{1}, Lines: []int{2}})
	if err != nil {
		t.Fatal(err)
	}
	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Übersicht", "Daten", "Diagramm", "Ende"}) {
		t.Errorf("sheets %q", got)
	}
	if !bytes.Contains(unzipNamesOf(t, buf.Bytes()), []byte("xl/chartsheets/sheet")) {
		t.Error("no chart sheet written")
	}
	if err := WriteXLSX(&bytes.Buffer{}, []Table{data}, Chart{Sheet: "D", Data: "fehlt"}); err == nil {
		t.Error("a chart of an unknown table was written")
	}
}

func unzipNamesOf(t *testing.T, data []byte) []byte {
	t.Helper()
	f, err := excelize.OpenReader(bytes.NewReader(data))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	var names []byte
	f.Pkg.Range(func(k, _ any) bool {
		names = append(names, k.(string)+"\n"...)
		return true
	})
	return names
}

func TestWriteCSV(t *testing.T) {
	var buf bytes.Buffer
	if err := WriteCSV(&buf, exportTable()); err != nil {
		t.Fatal(err)
	}
	out := buf.String()
	if !strings.HasPrefix(out, "\ufeffFamilienname;Geburtsdatum;Anzahl;Quote;geändert\r\n") {
		t.Fatalf("no BOM, ';' or CRLF: %q", out[:min(len(out), 80)])
	}
	// A German Excel user's view: read with ';' as Excel does.
	r := csv.NewReader(strings.NewReader(strings.TrimPrefix(out, "\ufeff")))
	r.Comma = ';'
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	want := [][]string{
		{"Lößner", "09.09.2021", "24", "0,975", "15.09.2026 08:30:05"},
		{`'=HYPERLINK("http://x")`, "", "-3", "-3,5", ""}, // a negative number stays a number
		{"'+49 345", "09.09.2021", "", "1234567,125", ""},
		{"'-minus", "", "", "", ""},
		{"'@SUM(A1)", "", "", "", ""},
		{"'\tTab", "", "", "", ""},
		{"'Wagenrücklauf", "", "", "", ""}, // with CRLF line ends encoding/csv drops a CR inside a value
		{`Mit;Semikolon und "Anführung"`, "", "", "", ""},
	}
	for i, w := range want {
		if !slices.Equal(recs[i+1], w) {
			t.Errorf("row %d: %q, want %q", i+1, recs[i+1], w)
		}
	}
}

func TestDecimalAndGuard(t *testing.T) {
	for v, want := range map[float64]string{0.975: "0,975", 106.4: "106,4", 1.0 / 3: "0,333333", -3.5: "-3,5", 2: "2", 1e7: "10000000"} {
		if got := Decimal(v); got != want {
			t.Errorf("Decimal(%v) = %q, want %q", v, got, want)
		}
	}
	for in, want := range map[string]string{"": "", "Anna": "Anna", "=1": "'=1", "a=1": "a=1", "•": "•"} {
		if got := GuardFormula(in); got != want {
			t.Errorf("GuardFormula(%q) = %q, want %q", in, got, want)
		}
	}
}

package sheets

import (
	"bytes"
	"reflect"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
)

func TestWriteMarkedXLSX(t *testing.T) {
	header := []string{"Familienname", "Geburtsdatum", "PLZ"}
	rows := [][]string{
		{"Jung", "30.09.2020", "06667"},
		{"Wolf", "31.02.2020", "6667"},
		{"=HYPERLINK(\"http://x\")", "", "06108", "überzählig"},
	}
	marks := map[[2]int]string{
		{1, 1}:  "Kein gültiges Datum",
		{1, 2}:  "PLZ muss fünfstellig sein",
		{2, -1}: "Zeile hat mehr Spalten als die Überschrift",
	}
	var buf bytes.Buffer
	if err := WriteMarkedXLSX(&buf, "Fehler: Melde/register [2026]", header, rows, marks, "Fehler"); err != nil {
		t.Fatal(err)
	}

	wb := mustRead(t, buf.Bytes(), "fehler.xlsx", Limits{})
	s := wb.Sheets[0]
	if s.Name != "Fehler_ Melde_register _2026_" {
		t.Errorf("sheet name %q", s.Name)
	}
	var got [][]string
	for _, r := range s.Rows {
		var vals []string
		for _, c := range r.Cells {
			if c.Kind != KindText && c.Kind != KindEmpty {
				t.Errorf("row %d: %s cell %q", r.Number, c.Kind, c.Value)
			}
			vals = append(vals, c.Value)
		}
		got = append(got, vals)
	}
	want := [][]string{
		{"Familienname", "Geburtsdatum", "PLZ", "", "Fehler"},
		{"Jung", "30.09.2020", "06667"},
		{"Wolf", "31.02.2020", "6667", "", "Geburtsdatum: Kein gültiges Datum; PLZ: PLZ muss fünfstellig sein"},
		{"=HYPERLINK(\"http://x\")", "", "06108", "überzählig", "Zeile hat mehr Spalten als die Überschrift"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("rows\n%q\nwant\n%q", got, want)
	}

	f, err := excelize.OpenReader(bytes.NewReader(buf.Bytes()))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	name := f.GetSheetName(0)
	comments, err := f.GetComments(name)
	if err != nil {
		t.Fatal(err)
	}
	byCell := map[string]string{}
	for _, c := range comments {
		text := c.Text
		for _, p := range c.Paragraph {
			text += p.Text
		}
		byCell[c.Cell] = text
	}
	if len(byCell) != 2 || !strings.Contains(byCell["B3"], "Kein gültiges Datum") || !strings.Contains(byCell["C3"], "fünfstellig") {
		t.Errorf("comments %q", byCell)
	}
	fill := func(ref string) []string {
		id, err := f.GetCellStyle(name, ref)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st.Fill.Color
	}
	for _, ref := range []string{"B3", "C3", "E3", "E4"} {
		if c := fill(ref); len(c) == 0 || !strings.EqualFold(strings.TrimPrefix(c[0], "#"), "FFC7CE") {
			t.Errorf("%s fill %v, want red", ref, c)
		}
	}
	for _, ref := range []string{"A3", "B2", "C4"} {
		if c := fill(ref); len(c) != 0 {
			t.Errorf("%s fill %v, want none", ref, c)
		}
	}
	if v, _ := f.GetCellFormula(name, "A4"); v != "" {
		t.Errorf("text written as formula %q", v)
	}
}

func TestWriteMarkedXLSXErrors(t *testing.T) {
	var buf bytes.Buffer
	for _, m := range []map[[2]int]string{{{1, 0}: "x"}, {{0, 3}: "x"}, {{-1, 0}: "x"}, {{0, -2}: "x"}} {
		if err := WriteMarkedXLSX(&buf, "S", []string{"a", "b"}, [][]string{{"1", "2"}}, m, "Fehler"); err == nil {
			t.Errorf("mark %v outside the table accepted", m)
		}
	}
	// no extra column, empty input, control characters and an overlong cell
	buf.Reset()
	long := strings.Repeat("x", maxCellChars+10)
	if err := WriteMarkedXLSX(&buf, "", nil, [][]string{{"a\x01b", long}}, nil, ""); err != nil {
		t.Fatal(err)
	}
	wb := mustRead(t, buf.Bytes(), "", Limits{})
	if wb.Sheets[0].Name != "Tabelle1" {
		t.Errorf("sheet %q", wb.Sheets[0].Name)
	}
	r := wb.Sheets[0].Rows[0]
	if r.Number != 2 || r.Cell(0).Value != "ab" || len(r.Cell(1).Value) != maxCellChars {
		t.Errorf("row %d %q, %d chars", r.Number, r.Cell(0).Value, len(r.Cell(1).Value))
	}
}

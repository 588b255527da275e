package sheets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"reflect"
	"runtime"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

func TestXLSXCellKinds(t *testing.T) {
	sst := []string{
		"Name",                    // 0
		"06108",                   // 1
		"Zeile 1_x000D_\nZeile 2", // 2: OOXML escape for CR
		`<r><t>Müller-</t></r><r><rPr><b/></rPr><t>Lüdenscheidt</t></r><rPh sb="0" eb="1"><t>ミュラー</t></rPh>`, // 3: rich text with phonetic run
		"31.03.2020", // 4
	}
	rows := `
<row r="1"><c r="A1" t="s"><v>0</v></c><c r="B1" t="s"><v>3</v></c></row>
<row r="2">
 <c r="A2" s="2"><v>43921</v></c>
 <c r="B2" s="1"><v>43921</v></c>
 <c r="C2" s="3"><v>43921</v></c>
 <c r="D2" s="6"><v>43921.34375</v></c>
 <c r="E2" s="5"><v>0.34375</v></c>
 <c r="F2" s="4"><v>1234.5</v></c>
 <c r="G2"><v>6108</v></c>
 <c r="H2" t="s"><v>1</v></c>
 <c r="I2"><v>0.30000000000000004</v></c>
 <c r="J2"><v>-0</v></c>
 <c r="K2"><v>1.5E-3</v></c>
</row>
<row r="3">
 <c r="A3" t="b"><v>1</v></c>
 <c r="B3" t="b"><v>0</v></c>
 <c r="C3" t="e"><v>#DIV/0!</v></c>
 <c r="D3" t="str"><f>A1&amp;"x"</f><v>Namex</v></c>
 <c r="E3"><f>1+1</f><v>2</v></c>
 <c r="F3" s="2"><f>TODAY()</f><v>45658</v></c>
 <c r="G3" t="inlineStr"><is><t>inline</t></is></c>
 <c r="H3" t="d"><v>2021-02-03T00:00:00</v></c>
 <c r="I3" t="s"><v>2</v></c>
 <c r="J3" s="7" t="s"><v>4</v></c>
 <c r="K3"><f>NA()</f></c>
</row>
<row r="5" hidden="1"><c r="A5" t="inlineStr"><is><t>versteckt</t></is></c></row>
`
	data := buildXLSX(t, sst, xsheet{name: "Liste", xml: worksheet(`<cols><col min="2" max="3" width="0" hidden="1"/></cols>`, rows)})
	wb := mustRead(t, data, "kinds.xlsx", Limits{})
	s := wb.Sheets[0]
	want := map[string]Cell{
		"A1": {Value: "Name", Kind: KindText},
		"B1": {Value: "Müller-Lüdenscheidt", Kind: KindText, Hidden: true},
		"A2": {Value: "2020-03-31", Kind: KindDate},
		"B2": {Value: "2020-03-31", Kind: KindDate, Hidden: true},
		"C2": {Value: "2020-03-31", Kind: KindDate, Hidden: true},
		"D2": {Value: "2020-03-31T08:15:00", Kind: KindDate},
		"E2": {Value: "08:15:00", Kind: KindDate},
		"F2": {Value: "1234.5", Kind: KindNumber},
		"G2": {Value: "6108", Kind: KindNumber},
		"H2": {Value: "06108", Kind: KindText},
		"I2": {Value: "0.3", Kind: KindNumber},
		"J2": {Value: "0", Kind: KindNumber},
		"K2": {Value: "0.0015", Kind: KindNumber},
		"A3": {Value: "TRUE", Kind: KindBool},
		"B3": {Value: "FALSE", Kind: KindBool, Hidden: true},
		"C3": {Value: "#DIV/0!", Kind: KindError, Hidden: true},
		"D3": {Value: "Namex", Kind: KindText},
		"E3": {Value: "2", Kind: KindNumber},
		"F3": {Value: "2025-01-01", Kind: KindDate},
		"G3": {Value: "inline", Kind: KindText},
		"H3": {Value: "2021-02-03", Kind: KindDate},
		"I3": {Value: "Zeile 1\r\nZeile 2", Kind: KindText},
		"J3": {Value: "31.03.2020", Kind: KindText},
		"K3": {Kind: KindEmpty}, // formula without cached value
		"A5": {Value: "versteckt", Kind: KindText},
	}
	for ref, w := range want {
		if got := cellAt(s, ref); got != w {
			t.Errorf("%s = %+v, want %+v", ref, got, w)
		}
	}
	if got := rowNumbers(s); !reflect.DeepEqual(got, []int{1, 2, 3, 5}) {
		t.Errorf("rows %v", got)
	}
	if s.Rows[3].Hidden != true || s.Rows[0].Hidden {
		t.Errorf("hidden rows: %v %v", s.Rows[0].Hidden, s.Rows[3].Hidden)
	}
}

func TestXLSXSheetsAndVisibility(t *testing.T) {
	row := func(v string) string {
		return `<row r="2"><c r="B2" t="inlineStr"><is><t>` + v + `</t></is></c></row>`
	}
	data := buildXLSX(t, nil,
		xsheet{name: "Schule A", xml: worksheet("", row("a"))},
		xsheet{name: "Alt", state: "hidden", xml: worksheet("", row("b"))},
		xsheet{name: "Leer", xml: worksheet("", "")},
		xsheet{name: "Geheim", state: "veryHidden", xml: worksheet("", row("d"))},
	)
	wb := mustRead(t, data, "", Limits{})
	if got := sheetNames(wb); !reflect.DeepEqual(got, []string{"Schule A", "Alt", "Leer", "Geheim"}) {
		t.Fatalf("sheets %q", got)
	}
	hidden := []bool{false, true, false, true}
	for i, s := range wb.Sheets {
		if s.Hidden != hidden[i] {
			t.Errorf("%s hidden=%v", s.Name, s.Hidden)
		}
	}
	if len(wb.Sheets[2].Rows) != 0 || wb.Sheets[2].Rows == nil {
		t.Errorf("empty sheet rows %#v", wb.Sheets[2].Rows)
	}
	if got := cellAt(wb.Sheets[1], "B2"); got.Value != "b" {
		t.Errorf("B2 = %+v", got)
	}
}

// A workbook written by excelize, the library the gateway itself writes with.
func TestXLSXWrittenByExcelize(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	must := func(err error) {
		t.Helper()
		if err != nil {
			t.Fatal(err)
		}
	}
	must(f.SetSheetName("Sheet1", "Klasse 1a"))
	must(f.SetCellValue("Klasse 1a", "A1", "Einschulung 2027/28 – Stand 01.02.2026"))
	must(f.MergeCell("Klasse 1a", "A1", "D1"))
	must(f.SetSheetRow("Klasse 1a", "A3", &[]any{"Name", "Geburtsdatum", "PLZ", "Note"}))
	must(f.SetSheetRow("Klasse 1a", "A4", &[]any{"Jürgens", time.Date(2020, 3, 31, 0, 0, 0, 0, time.UTC), 6108, 2.5}))
	style, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	must(err)
	must(f.SetCellStyle("Klasse 1a", "B4", "B4", style))
	custom := "dd.mm.yyyy"
	style2, err := f.NewStyle(&excelize.Style{CustomNumFmt: &custom})
	must(err)
	must(f.SetCellValue("Klasse 1a", "B5", 43921))
	must(f.SetCellStyle("Klasse 1a", "B5", "B5", style2))
	must(f.SetCellValue("Klasse 1a", "A5", "Özdemir"))
	must(f.SetCellFormula("Klasse 1a", "D6", "SUM(D4:D5)"))
	must(f.SetColVisible("Klasse 1a", "C", false))
	_, err = f.NewSheet("Zweite")
	must(err)
	must(f.SetCellValue("Zweite", "C7", true))
	var buf bytes.Buffer
	must(f.Write(&buf))

	wb := mustRead(t, buf.Bytes(), "excelize.xlsx", Limits{})
	if got := sheetNames(wb); !reflect.DeepEqual(got, []string{"Klasse 1a", "Zweite"}) {
		t.Fatalf("sheets %q", got)
	}
	s := wb.Sheets[0]
	for ref, w := range map[string]Cell{
		"A1": {Value: "Einschulung 2027/28 – Stand 01.02.2026", Kind: KindText},
		"B3": {Value: "Geburtsdatum", Kind: KindText},
		"A4": {Value: "Jürgens", Kind: KindText},
		"B4": {Value: "2020-03-31", Kind: KindDate},
		"C4": {Value: "6108", Kind: KindNumber, Hidden: true},
		"D4": {Value: "2.5", Kind: KindNumber},
		"B5": {Value: "2020-03-31", Kind: KindDate},
		"A5": {Value: "Özdemir", Kind: KindText},
	} {
		if got := cellAt(s, ref); got != w {
			t.Errorf("%s = %+v, want %+v", ref, got, w)
		}
	}
	if got := rowNumbers(s); !reflect.DeepEqual(got, []int{1, 3, 4, 5}) {
		t.Errorf("rows %v (a formula without cached value is an empty cell)", got)
	}
	if got := cellAt(wb.Sheets[1], "C7"); got != (Cell{Value: "TRUE", Kind: KindBool}) {
		t.Errorf("Zweite!C7 = %+v", got)
	}
}

// formattedToLastRow builds a sheet with real rows 1–5 and every row up to
// 1,048,576 written as an empty formatted row, as Excel does after a whole
// sheet was formatted.
func formattedToLastRow(t testing.TB) []byte {
	lastRowOnce.Do(func() { lastRowData = buildFormattedToLastRow(t) })
	return lastRowData
}

var (
	lastRowOnce sync.Once
	lastRowData []byte
)

func buildFormattedToLastRow(t testing.TB) []byte {
	var b strings.Builder
	b.WriteString(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>
<worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:x14ac="http://schemas.microsoft.com/office/spreadsheetml/2009/9/ac"><dimension ref="A1:K1048576"/><sheetData>`)
	for r := 1; r <= 5; r++ {
		fmt.Fprintf(&b, `<row r="%d" spans="1:11" s="1" customFormat="1"><c r="A%d" t="inlineStr"><is><t>Kind %d</t></is></c><c r="B%d" s="1"/><c r="C%d" s="2"><v>%d</v></c><c r="D%d" s="1"/></row>`, r, r, r, r, r, 43900+r, r)
	}
	for r := 6; r <= 1048576; r++ {
		fmt.Fprintf(&b, `<row r="%d" spans="1:11" s="1" customFormat="1" x14ac:dyDescent="0.25"/>`, r)
	}
	b.WriteString(`</sheetData></worksheet>`)
	return buildXLSX(t, nil, xsheet{name: "Liste", xml: b.String()})
}

func TestXLSXFormattedToLastRow(t *testing.T) {
	data := formattedToLastRow(t)
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	wb := mustRead(t, data, "voll.xlsx", Limits{})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	s := wb.Sheets[0]
	if got := rowNumbers(s); !reflect.DeepEqual(got, []int{1, 2, 3, 4, 5}) {
		t.Fatalf("rows %v", got)
	}
	if got := cellAt(s, "C5"); got != (Cell{Value: "2020-03-15", Kind: KindDate}) { // 43905
		t.Errorf("C5 = %+v", got)
	}
	if got := len(s.Rows[0].Cells); got != 3 {
		t.Errorf("row 1 has %d cells, want 3 (trailing empty cells dropped)", got)
	}
	// Decoding the 80 MB of XML with encoding/xml allocates over 200 MB and
	// takes seconds; the scanner of xlsxstream.go allocates nothing for an
	// empty row.
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("%d MB sheet XML read in %v, %d KB allocated", 80, elapsed, alloc>>10)
	if alloc > 4<<20 {
		t.Errorf("allocated %d MB for 5 rows", alloc>>20)
	}
	if elapsed > 30*time.Second { // a hang, not a slow machine
		t.Errorf("took %v", elapsed)
	}
}

// The byte filter of the reference reader (xlsx_ref_test.go).
func TestEmptyElemFilter(t *testing.T) {
	in := `<sheetData><row r="1" spans="1:2"><c r="A1" s="3"/><c r="B1"><v>1</v></c><c s="2"/></row>` +
		`<row r="2" x:y='a>"b'/><x:row r="3"/><row/><col min="1" max="2"/><c r = "C4" t="s" />` +
		`<rows r="5"/><cell r="6"/><row hidden="1"/><!-- <c r="A1"/> --></sheetData>`
	want := `<sheetData><row r="1" spans="1:2"><c r="B1"><v>1</v></c><c s="2"/></row>` +
		`<row/><col min="1" max="2"/>` +
		`<rows r="5"/><cell r="6"/><row hidden="1"/><!--  --></sheetData>`
	var out bytes.Buffer
	if _, err := out.ReadFrom(newEmptyElemFilter(strings.NewReader(in))); err != nil {
		t.Fatal(err)
	}
	if out.String() != want {
		t.Errorf("filtered\n%s\nwant\n%s", out.String(), want)
	}
	// a tag longer than the peek window passes through unchanged
	long := `<row r="1" a="` + strings.Repeat("x", 20000) + `"/>`
	out.Reset()
	if _, err := out.ReadFrom(newEmptyElemFilter(strings.NewReader(long))); err != nil {
		t.Fatal(err)
	}
	if out.String() != long {
		t.Errorf("long tag changed (%d bytes)", out.Len())
	}
}

func TestXLSXLimits(t *testing.T) {
	var rows strings.Builder
	for r := 1; r <= 50; r++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, r, r, r)
	}
	data := buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", rows.String())})
	if _, err := Read(context.Background(), data, "rows.xlsx", Limits{MaxRows: 49}); err != nil {
		expectErr(t, err, ErrTooLarge)
		if !strings.Contains(err.Error(), "mehr als 49 Zeilen") || !strings.Contains(err.Error(), "rows.xlsx") {
			t.Errorf("message %q", err)
		}
	} else {
		t.Error("50 rows with MaxRows 49: no error")
	}
	mustRead(t, data, "", Limits{MaxRows: 50})

	wide := buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", `<row r="3"><c r="ALM3"><v>1</v></c></row>`)})
	_, err := Read(context.Background(), wide, "", Limits{})
	expectErr(t, err, ErrTooLarge)
	if !strings.Contains(err.Error(), "ALM3") {
		t.Errorf("message %q does not name the cell", err)
	}
	// a formatted but empty cell far right costs nothing
	mustRead(t, buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", `<row r="3"><c r="A3"><v>1</v></c><c r="XFD3" s="1"/></row>`)}), "", Limits{})

	_, err = Read(context.Background(), data, "", Limits{MaxCells: 10})
	expectErr(t, err, ErrTooLarge)
	_, err = Read(context.Background(), data, "", Limits{MaxBytes: int64(len(data) - 1)})
	expectErr(t, err, ErrTooLarge)
}

func TestXLSXBrokenStructure(t *testing.T) {
	ws := worksheet("", `<row r="1"><c r="A1" t="s"><v>7</v></c></row>`)
	_, err := Read(context.Background(), buildXLSX(t, []string{"a"}, xsheet{name: "S", xml: ws}), "", Limits{})
	expectErr(t, err, ErrCorrupt) // shared string index out of range

	_, err = Read(context.Background(), buildXLSX(t, nil, xsheet{name: "S", xml: `<worksheet><sheetData><row r="1"><c r="A1">`}), "", Limits{})
	expectErr(t, err, ErrCorrupt) // XML ends in the middle

	// workbook names a sheet whose part is missing
	good := buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", "")})
	parts := unzipAll(t, good)
	delete(parts, "xl/worksheets/sheet1.xml")
	_, err = Read(context.Background(), rezip(t, parts), "", Limits{})
	expectErr(t, err, ErrCorrupt)

	// a zip that is no spreadsheet
	_, err = Read(context.Background(), zipParts(t, [2]string{"word/document.xml", "<w/>"}), "brief.docx", Limits{})
	expectErr(t, err, ErrUnsupportedFormat)
	_, err = Read(context.Background(), zipParts(t,
		[2]string{"_rels/.rels", `<Relationships><Relationship Id="r" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.bin"/></Relationships>`},
		[2]string{"xl/workbook.bin", "x"}), "a.xlsb", Limits{})
	expectErr(t, err, ErrUnsupportedFormat)
	if !strings.Contains(err.Error(), ".xlsb") {
		t.Errorf("message %q", err)
	}
}

func TestContextCancelled(t *testing.T) {
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, f := range []string{"melderegister.xlsx", "melderegister_legacy.xls", "melderegister_libreoffice.ods", "melderegister_excel_export.csv"} {
		if _, err := Read(ctx, readTestdata(t, f), f, Limits{}); !errors.Is(err, context.Canceled) {
			t.Errorf("%s: %v", f, err)
		}
	}
	// cancelled while reading the million empty rows, which give no row to
	// check the context for: the unzip reader checks it too
	ctx2 := &countdownCtx{Context: context.Background(), left: 100}
	_, err := Read(ctx2, formattedToLastRow(t), "", Limits{})
	if !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
}

// countdownCtx reports cancellation after its Err method was asked left times.
type countdownCtx struct {
	context.Context
	left int
}

func (c *countdownCtx) Err() error {
	if c.left--; c.left < 0 {
		return context.Canceled
	}
	return nil
}

func TestXLSXDate1904AndRowOrder(t *testing.T) {
	rows := `<row r="4"><c r="B4" s="2"><v>42459</v></c></row>` +
		`<row r="2"><c r="A2" t="inlineStr"><is><t>zwei</t></is></c></row>` +
		`<row r="4"><c r="A4" t="inlineStr"><is><t>vier</t></is></c></row>` +
		`<row><c><v>1</v></c><c><v>2</v></c><c r="E5"><v>5</v></c><c><v>6</v></c></row>`
	parts := unzipAll(t, buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", rows)}))
	parts["xl/workbook.xml"] = strings.Replace(parts["xl/workbook.xml"], "<sheets>", `<workbookPr date1904="1"/><sheets>`, 1)
	s := mustRead(t, rezip(t, parts), "", Limits{}).Sheets[0]
	if got := rowNumbers(s); !reflect.DeepEqual(got, []int{2, 4, 5}) {
		t.Fatalf("rows %v", got)
	}
	for ref, want := range map[string]Cell{
		"A2": {Value: "zwei", Kind: KindText},
		"A4": {Value: "vier", Kind: KindText},
		"B4": {Value: "2020-03-31", Kind: KindDate}, // 42459 in the 1904 system
		"A5": {Value: "1", Kind: KindNumber},        // cells without r follow each other
		"B5": {Value: "2", Kind: KindNumber},
		"E5": {Value: "5", Kind: KindNumber},
		"F5": {Value: "6", Kind: KindNumber},
	} {
		if got := cellAt(s, ref); got != want {
			t.Errorf("%s = %+v, want %+v", ref, got, want)
		}
	}
}

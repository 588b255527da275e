package sheets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// bigList is an xlsx file with a small cover sheet "Deckblatt" and the list
// "Liste": a title in row 1, the header in row 2 and n children from row 3
// on, child i (from 0) with the family name bigListName(i) (a shared
// string), a birth date (a date cell), the PLZ 6100+i%50 (a number) and
// the id K%07d (an inline string).
func bigList(t testing.TB, n int) []byte {
	t.Helper()
	rows := make([]byte, 0, 200+n*200)
	rows = append(rows, `<row r="1"><c r="A1" t="s"><v>0</v></c></row>`+
		`<row r="2"><c r="A2" t="s"><v>1</v></c><c r="B2" t="s"><v>2</v></c><c r="C2" t="s"><v>3</v></c><c r="D2" t="s"><v>4</v></c></row>`...)
	for i := range n {
		r := strconv.Itoa(i + 3)
		rows = fmt.Appendf(rows, `<row r="%s"><c r="A%s" t="s"><v>%d</v></c><c r="B%s" s="%d"><v>%d</v></c><c r="C%s"><v>%d</v></c><c r="D%s" t="inlineStr"><is><t>K%07d</t></is></c></row>`,
			r, r, 5+i%3, r, sDDMMYYYY, 44013+i%366, r, 6100+i%50, r, i)
	}
	sst := append([]string{"Melderegister – Stand 01.02.2026", "Familienname", "Geburtsdatum", "PLZ", "Kennung"}, bigListNames[:]...)
	return buildXLSX(t, sst,
		xsheet{name: "Deckblatt", xml: worksheet("", `<row r="1"><c r="A1" t="s"><v>0</v></c></row>`)},
		xsheet{name: "Liste", xml: worksheet("", string(rows))})
}

var bigListNames = [3]string{"Krause", "Lehmann", "Wolf"}

// TestMarkedWorkbookLargeList marks a list longer than Read allows (200,000
// rows): the faulty cells near its start, middle and end are red, each
// row's problems stand in its "Fehler" cell, the other values of those
// rows are as uploaded (dates as dates, TT.MM.JJJJ), and the rows without
// problems are left out. With -race or -short the list is shorter.
func TestMarkedWorkbookLargeList(t *testing.T) {
	t.Parallel()
	n := 200_500
	if testing.Short() || raceEnabled {
		n = 5_000
	}
	first, mid, last := 3, n/2+3, n+2 // rows of child 0, n/2 and n-1
	data := bigList(t, n)
	imp := importing.Import{Filename: "liste.xlsx", SheetUsed: "Liste", HeaderRow: 2}
	problems := []importing.StoredProblem{
		{Sheet: "Liste", Row: first, Column: 1, Message: "Das Geburtsdatum liegt in der Zukunft."},
		{Sheet: "Liste", Row: first, Column: -1, Message: "Die Zeile ist doppelt."},
		{Sheet: "Liste", Row: mid, Column: 2, Message: "Die PLZ ist unbekannt."},
		{Sheet: "Liste", Row: last, Column: 0, Message: "Der Familienname fehlt."},
		{Sheet: "Liste", Row: last + 5, Column: -1, Message: "Eine Zeile ohne Zellen."},
		{Row: 0, Column: -1, Message: "Die Datei hat 3 leere Spalten."},
		{Sheet: "Deckblatt", Row: 1, Column: 0, Message: "Auf dem Deckblatt steht ein Fehler."},
	}
	out, err := os.Create(filepath.Join(t.TempDir(), "liste_Fehler.xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	defer out.Close()
	if err := (Uploads{}).MarkedWorkbook(context.Background(), imp, bytes.NewReader(data), problems, out); err != nil {
		t.Fatalf("MarkedWorkbook: %v", err)
	}
	if _, err := out.Seek(0, io.SeekStart); err != nil {
		t.Fatal(err)
	}
	marked, err := io.ReadAll(out)
	if err != nil {
		t.Fatal(err)
	}
	// Opening 200,000 rows with excelize takes seconds; the rows looked at
	// are cut out of the sheet as written and opened on their own.
	keep := map[int]bool{1: true, 2: true, first: true, first + 1: true, mid - 1: true, mid: true, mid + 1: true, last: true, last + 5: true}
	parts := unzipAll(t, marked)
	sheetXML := parts["xl/worksheets/sheet1.xml"]
	if got, want := strings.Count(sheetXML, "<row "), 6; got != want {
		t.Errorf("%d rows written, want %d (title, header, the three rows with problems and the row with a problem but no cells)", got, want)
	}
	parts["xl/worksheets/sheet1.xml"] = keepRows(t, sheetXML, keep)
	f, err := excelize.OpenReader(bytes.NewReader(rezip(t, parts)))
	if err != nil {
		t.Fatalf("the marked workbook does not open: %v", err)
	}
	defer f.Close()
	if got := f.GetSheetList(); len(got) != 2 || got[0] != "Liste" || got[1] != "Hinweise" {
		t.Fatalf("sheets = %q, want [Liste Hinweise]", got)
	}
	if w, err := f.GetColWidth("Liste", "E"); err != nil || w != 80 {
		t.Errorf("the Fehler column is %v wide (%v), want 80", w, err)
	}
	get := func(sheet, cell string) string {
		t.Helper()
		v, err := f.GetCellValue(sheet, cell)
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	style := func(cell string) *excelize.Style {
		t.Helper()
		id, err := f.GetCellStyle("Liste", cell)
		if err != nil {
			t.Fatal(err)
		}
		st, err := f.GetStyle(id)
		if err != nil {
			t.Fatal(err)
		}
		return st
	}
	ref := func(col string, row int) string { return col + strconv.Itoa(row) }
	for _, c := range []string{ref("B", first), ref("C", mid), ref("A", last)} {
		if st := style(c); len(st.Fill.Color) != 1 || st.Fill.Color[0] != "FFC7CE" {
			t.Errorf("faulty cell %s: fill %v, want red (FFC7CE)", c, st.Fill.Color)
		}
	}
	for _, c := range []string{ref("A", first), ref("C", first), ref("B", mid), ref("C", mid+1), ref("C", mid-1), ref("B", last), "A2"} {
		if st := style(c); len(st.Fill.Color) != 0 {
			t.Errorf("cell %s without a problem is filled %v", c, st.Fill.Color)
		}
	}
	if st := style("B2"); st.Font == nil || !st.Font.Bold {
		t.Error("the header row is not bold")
	}
	wantErr := map[string]string{
		"E2":              "Fehler",
		ref("E", first):   ref("B", first) + ": Das Geburtsdatum liegt in der Zukunft.\nDie Zeile ist doppelt.",
		ref("E", first+1): "",
		ref("E", mid):     ref("C", mid) + ": Die PLZ ist unbekannt.",
		ref("E", mid+1):   "",
		ref("E", last):    ref("A", last) + ": Der Familienname fehlt.",
		ref("E", last+5):  "Eine Zeile ohne Zellen.",
	}
	for cell, want := range wantErr {
		if got := get("Liste", cell); got != want {
			t.Errorf("Fehler %s = %q, want %q", cell, got, want)
		}
	}
	wantValue := map[string]string{"A1": "Melderegister – Stand 01.02.2026", "D2": "Kennung", "B3": "01.07.2020"}
	for _, i := range []int{0, n / 2, n - 1} {
		wantValue[ref("A", i+3)] = bigListNames[i%3]
		wantValue[ref("C", i+3)] = strconv.Itoa(6100 + i%50)
		wantValue[ref("D", i+3)] = fmt.Sprintf("K%07d", i)
	}
	for _, i := range []int{1, n/2 - 1, n/2 + 1} { // rows without problems
		wantValue[ref("A", i+3)] = ""
		wantValue[ref("D", i+3)] = ""
	}
	for cell, want := range wantValue {
		if got := get("Liste", cell); got != want {
			t.Errorf("%s = %q, want %q", cell, got, want)
		}
	}
	if got := get("Hinweise", "A1") + "|" + get("Hinweise", "A2"); got != "Die Datei hat 3 leere Spalten.|Auf dem Deckblatt steht ein Fehler." {
		t.Errorf("Hinweise = %q", got)
	}
}

// keepRows is a worksheet part with only the given rows in its sheetData.
func keepRows(t testing.TB, xml string, keep map[int]bool) string {
	t.Helper()
	start, end := strings.Index(xml, "<sheetData>"), strings.Index(xml, "</sheetData>")
	if start < 0 || end < start {
		t.Fatalf("no sheetData in the worksheet")
	}
	var b strings.Builder
	b.WriteString(xml[:start+len("<sheetData>")])
	for rest := xml[start+len("<sheetData>") : end]; rest != ""; {
		i := strings.Index(rest, "</row>")
		if i < 0 {
			t.Fatalf("unterminated row: %.80s", rest)
		}
		row := rest[:i+len("</row>")]
		rest = rest[i+len("</row>"):]
		var n int
		if _, err := fmt.Sscanf(row, `<row r="%d"`, &n); err != nil {
			t.Fatalf("row without number: %.80s", row)
		}
		if keep[n] {
			b.WriteString(row)
		}
	}
	b.WriteString(xml[end:])
	return b.String()
}

// TestMarkedWorkbookStreamedAsRead holds the streamed xlsx against the
// workbook read whole, as MarkedWorkbook read every file before: the
// marked workbooks are the same, part for part, for every sheet of the
// samples.
func TestMarkedWorkbookStreamedAsRead(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"melderegister.xlsx", "openpyxl_features.xlsx", "schueler_20101_libreoffice.xlsx",
		"schulbezirke.xlsx", "schulen.xlsx", "xlsxwriter_1904.xlsx", "xlsxwriter_features.xlsx"} {
		data := readTestdata(t, name)
		wb := mustRead(t, data, name, Limits{})
		for _, sheet := range append(sheetNames(wb), "", "gibt es nicht") {
			imp := importing.Import{Filename: name, SheetUsed: sheet, HeaderRow: 2}
			problems := []importing.StoredProblem{
				{Sheet: sheet, Row: 1, Column: 0, Message: "Zelle A1."},
				{Sheet: sheet, Row: 3, Column: 2, Message: "Zelle C3."},
				{Sheet: sheet, Row: 3, Column: -1, Message: "Die ganze Zeile 3."},
				{Sheet: sheet, Row: 7, Column: 40, Message: "Weit rechts."},
				{Sheet: sheet, Row: 5000, Column: 1, Message: "Weit unten."},
				{Sheet: "anderes Blatt", Row: 2, Column: 1, Message: "Auf einem anderen Blatt."},
				{Row: 0, Column: -1, Message: "Die ganze Datei."},
			}
			var streamed, whole bytes.Buffer
			if err := (Uploads{}).MarkedWorkbook(context.Background(), imp, bytes.NewReader(data), problems, &streamed); err != nil {
				t.Fatalf("%s, sheet %q: %v", name, sheet, err)
			}
			if err := writeMarked(&whole, imp, workbookMarkedSheet(wb, sheet), problems); err != nil {
				t.Fatal(err)
			}
			got, want := unzipAll(t, streamed.Bytes()), unzipAll(t, whole.Bytes())
			if len(got) != len(want) {
				t.Errorf("%s, sheet %q: %d parts, read whole %d", name, sheet, len(got), len(want))
			}
			for part, w := range want {
				if got[part] != w {
					t.Errorf("%s, sheet %q: %s differs from the workbook read whole:\n%.400s\nwant\n%.400s", name, sheet, part, got[part], w)
				}
			}
		}
	}
}

// TestMarkedWorkbookCSVStreamedAsRead holds CSV files, now streamed,
// against the workbook the reference reader read whole, as MarkedWorkbook
// read them before: the marked workbooks are the same, part for part.
func TestMarkedWorkbookCSVStreamedAsRead(t *testing.T) {
	files := map[string][]byte{"melderegister_excel_export.csv": readTestdata(t, "melderegister_excel_export.csv")}
	for name, text := range tricky {
		files[name+".csv"] = []byte(text)
	}
	for name, data := range files {
		wb, err := refReadText(context.Background(), data, name, Uploads{}.whole())
		if err != nil {
			continue
		}
		imp := importing.Import{Filename: name, SheetUsed: wb.Sheets[0].Name, HeaderRow: 1}
		problems := []importing.StoredProblem{
			{Sheet: imp.SheetUsed, Row: 1, Column: 0, Message: "Zelle A1."},
			{Sheet: imp.SheetUsed, Row: 2, Column: 2, Message: "Zelle C2."},
			{Sheet: imp.SheetUsed, Row: 3, Column: -1, Message: "Die ganze Zeile 3."},
			{Sheet: imp.SheetUsed, Row: 5000, Column: 1, Message: "Weit unten."},
			{Row: 0, Column: -1, Message: "Die ganze Datei."},
		}
		withReadSize(7, func() {
			var streamed, whole bytes.Buffer
			if err := (Uploads{}).MarkedWorkbook(context.Background(), imp, bytes.NewReader(data), problems, &streamed); err != nil {
				t.Fatalf("%s: %v", name, err)
			}
			if err := writeMarked(&whole, imp, workbookMarkedSheet(wb, imp.SheetUsed), problems); err != nil {
				t.Fatal(err)
			}
			got, want := unzipAll(t, streamed.Bytes()), unzipAll(t, whole.Bytes())
			if len(got) != len(want) {
				t.Errorf("%s: %d parts, read whole %d", name, len(got), len(want))
			}
			for part, w := range want {
				if got[part] != w {
					t.Errorf("%s: %s differs from the workbook read whole:\n%.400s\nwant\n%.400s", name, part, got[part], w)
				}
			}
		})
	}
}

// TestMarkedWorkbookOtherFormats marks csv (streamed), xls and ods files
// (read whole).
func TestMarkedWorkbookOtherFormats(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"melderegister_excel_export.csv", "melderegister_legacy.xls", "melderegister_libreoffice.ods"} {
		data := readTestdata(t, name)
		wb := mustRead(t, data, name, Limits{})
		s := wb.Sheets[0]
		width := 0
		for _, r := range s.Rows {
			width = max(width, len(r.Cells))
		}
		imp := importing.Import{Filename: name, SheetUsed: s.Name, HeaderRow: s.Rows[0].Number}
		row := s.Rows[2].Number
		var buf bytes.Buffer
		if err := (Uploads{}).MarkedWorkbook(context.Background(), imp, bytes.NewReader(data), []importing.StoredProblem{
			{Sheet: s.Name, Row: row, Column: 1, Message: "Der Vorname fehlt."}}, &buf); err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		f, err := excelize.OpenReader(&buf)
		if err != nil {
			t.Fatalf("%s: the marked workbook does not open: %v", name, err)
		}
		sheet := f.GetSheetName(0)
		errRef := importing.CellRef(width, row)
		if got, _ := f.GetCellValue(sheet, errRef); got != importing.CellRef(1, row)+": Der Vorname fehlt." {
			t.Errorf("%s: Fehler %s = %q", name, errRef, got)
		}
		if got, _ := f.GetCellValue(sheet, importing.CellRef(0, row)); got != cellAt(s, importing.CellRef(0, row)).Value {
			t.Errorf("%s: %s = %q, want %q", name, importing.CellRef(0, row), got, cellAt(s, importing.CellRef(0, row)).Value)
		}
		id, _ := f.GetCellStyle(sheet, importing.CellRef(1, row))
		if st, err := f.GetStyle(id); err != nil || len(st.Fill.Color) != 1 || st.Fill.Color[0] != "FFC7CE" {
			t.Errorf("%s: the faulty cell %s is not red", name, importing.CellRef(1, row))
		}
		f.Close()
	}
}

// hugeFile is a file of size bytes of 'a' that holds nothing in memory.
type hugeFile int64

func (h hugeFile) Size() int64 { return int64(h) }

func (h hugeFile) ReadAt(p []byte, off int64) (int, error) {
	if off >= int64(h) {
		return 0, io.EOF
	}
	n := int(min(int64(len(p)), int64(h)-off))
	for i := range p[:n] {
		p[i] = 'a'
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

// headedFile is a hugeFile that starts with head.
type headedFile struct {
	head []byte
	hugeFile
}

func (h headedFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := h.hugeFile.ReadAt(p, off)
	if off < int64(len(h.head)) {
		copy(p[:n], h.head[off:])
	}
	return n, err
}

// failingFile fails to read past its first n bytes.
type failingFile struct {
	*bytes.Reader
	n   int64
	err error
}

func (f failingFile) ReadAt(p []byte, off int64) (int, error) {
	if off+int64(len(p)) > f.n {
		return 0, f.err
	}
	return f.Reader.ReadAt(p, off)
}

// TestMarkedWorkbookDamaged: a file that cannot be read (again) gives a
// conflict with a German message, never a panic or another error.
func TestMarkedWorkbookDamaged(t *testing.T) {
	t.Parallel()
	good := bigList(t, 50)
	parts := unzipAll(t, good)
	sheet := parts["xl/worksheets/sheet2.xml"]
	with := func(xml string) []byte {
		m := map[string]string{}
		for k, v := range parts {
			m[k] = v
		}
		m["xl/worksheets/sheet2.xml"] = xml
		return rezip(t, m)
	}
	cut := strings.Index(sheet, `<row r="30"`)
	imp := importing.Import{Filename: "liste.xlsx", SheetUsed: "Liste", HeaderRow: 2}
	for _, tc := range []struct {
		name, want string
		file       importing.File
	}{
		{"empty", "nicht lesbar", bytes.NewReader(nil)},
		{"truncated", "nicht lesbar", bytes.NewReader(good[:len(good)/2])},
		{"sheet cut off in its rows", "nicht lesbar", bytes.NewReader(with(sheet[:cut+40]))},
		{"rows out of order", "Reihenfolge", bytes.NewReader(with(strings.Replace(sheet, `<row r="30"`, `<row r="10"`, 1)))},
		{"xls larger than read whole", "zu groß", headedFile{magicOLE2, hugeFile(DefaultLimits.MaxBytes + 1)}},
		{"csv wider than allowed", "zu groß", bytes.NewReader([]byte("a;b\n1" + strings.Repeat(";x", DefaultLimits.MaxColumns)))},
		{"larger than any upload", "zu groß", hugeFile(Uploads{}.stream().MaxBytes + 1)},
	} {
		err := Uploads{}.MarkedWorkbook(context.Background(), imp, tc.file, []importing.StoredProblem{{Sheet: "Liste", Row: 3, Column: 1, Message: "x"}}, io.Discard)
		var ae *apperr.Error
		if !errors.As(err, &ae) || ae.Class != apperr.ClassConflict || !strings.Contains(ae.Detail, "markierte Fassung") || !strings.Contains(ae.Detail, tc.want) {
			t.Errorf("%s: %v, want a conflict saying %q", tc.name, err, tc.want)
		}
	}
	// A CSV row may hold as much text as the operator lets a file unpack.
	err := Uploads{MaxUnpacked: 1 << 20}.MarkedWorkbook(context.Background(), imp, headedFile{[]byte("a;\""), hugeFile(3 << 20)}, nil, io.Discard)
	var ae *apperr.Error
	if !errors.As(err, &ae) || ae.Class != apperr.ClassConflict || !strings.Contains(ae.Detail, "zu groß für eine markierte Fassung") || !strings.Contains(ae.Detail, "Anführungszeichen") {
		t.Errorf("unclosed quote: %v, want a conflict about the quote", err)
	}
	// A file that cannot be read (the database gone) is no damaged file.
	lost := errors.New("connection lost")
	if err := (Uploads{}).MarkedWorkbook(context.Background(), imp, failingFile{bytes.NewReader(good), 3000, lost}, nil, io.Discard); !errors.Is(err, lost) {
		t.Errorf("file not readable: %v, want the read error", err)
	}
	// A cancelled request stops without a conflict.
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if err := (Uploads{}).MarkedWorkbook(ctx, imp, bytes.NewReader(good), nil, io.Discard); !errors.Is(err, context.Canceled) {
		t.Errorf("cancelled: %v, want context.Canceled", err)
	}
}

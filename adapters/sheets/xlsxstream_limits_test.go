package sheets

import (
	"archive/zip"
	"bytes"
	"compress/flate"
	"context"
	"errors"
	"fmt"
	"io"
	"runtime"
	"runtime/metrics"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// streamErr opens data and reads sheet 0, returning the first error.
func streamErr(t *testing.T, data []byte, lim Limits) error {
	t.Helper()
	f, err := OpenXLSX(context.Background(), data, "liste.xlsx", lim)
	if err != nil {
		return err
	}
	return f.Rows(context.Background(), 0, func(*Row) error { return nil })
}

func TestStreamRowOrder(t *testing.T) {
	rows := `<row r="4"><c r="A4" t="inlineStr"><is><t>vier</t></is></c></row><row r="2"><c r="A2"><v>2</v></c></row>`
	data := buildXLSX(t, nil, xsheet{name: "Liste", xml: worksheet("", rows)})
	err := streamErr(t, data, Limits{})
	expectErr(t, err, ErrCorrupt)
	if !strings.Contains(err.Error(), "Zeile 2 nach Zeile 4") || !strings.Contains(err.Error(), "liste.xlsx") {
		t.Errorf("message %q", err)
	}
	// Read sorts, as it always has
	if got := rowNumbers(mustRead(t, data, "", Limits{}).Sheets[0]); fmt.Sprint(got) != "[2 4]" {
		t.Errorf("Read rows %v", got)
	}
	src, err := Uploads{}.Open(context.Background(), bytes.NewReader(data), "liste.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	var fe *importing.FileError
	err = src.Rows(context.Background(), 0, func(importing.Row) error { return nil })
	if !errors.As(err, &fe) || fe.Code != "datei_unlesbar" || !strings.Contains(fe.Message, "aufsteigender Reihenfolge") {
		t.Errorf("Source: %#v", err)
	}
}

func TestStreamLimits(t *testing.T) {
	var rows strings.Builder
	for r := 1; r <= 50; r++ {
		fmt.Fprintf(&rows, `<row r="%d"><c r="A%d"><v>%d</v></c></row>`, r, r, r)
	}
	data := buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", rows.String())})
	err := streamErr(t, data, Limits{MaxRows: 49})
	expectErr(t, err, ErrTooLarge)
	if !strings.Contains(err.Error(), "mehr als 49 Zeilen") {
		t.Errorf("message %q", err)
	}
	if err := streamErr(t, data, Limits{MaxRows: 50, MaxCells: 10}); err != nil {
		t.Errorf("MaxCells limits what Read holds, not a stream: %v", err)
	}

	wide := buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", `<row r="3"><c r="ALM3"><v>1</v></c></row>`)})
	err = streamErr(t, wide, Limits{})
	expectErr(t, err, ErrTooLarge)
	if !strings.Contains(err.Error(), "ALM3") {
		t.Errorf("message %q does not name the cell", err)
	}
	src, err := Uploads{}.Open(context.Background(), bytes.NewReader(wide), "breit.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	var fe *importing.FileError
	if err := src.Rows(context.Background(), 0, func(importing.Row) error { return nil }); !errors.As(err, &fe) || fe.Code != "datei_zu_gross" {
		t.Errorf("Source: %#v", err)
	}
	// an empty formatted cell far right costs nothing
	if err := streamErr(t, buildXLSX(t, nil, xsheet{name: "S", xml: worksheet("", `<row r="3"><c r="A3"><v>1</v></c><c r="XFD3" s="1"/></row>`)}), Limits{}); err != nil {
		t.Error(err)
	}
	_, err = OpenXLSX(context.Background(), data, "", Limits{MaxBytes: int64(len(data) - 1)})
	expectErr(t, err, ErrTooLarge)
	_, err = OpenXLSX(context.Background(), nil, "", Limits{})
	expectErr(t, err, ErrCorrupt)
	_, err = OpenXLSX(context.Background(), readTestdata(t, "melderegister_libreoffice.ods"), "", Limits{})
	expectErr(t, err, ErrUnsupportedFormat)
	_, err = OpenXLSX(context.Background(), []byte("a;b\n"), "", Limits{})
	expectErr(t, err, ErrUnsupportedFormat)
	f, err := OpenXLSX(context.Background(), data, "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	if err := f.Rows(context.Background(), 1, func(*Row) error { return nil }); err == nil {
		t.Error("sheet 1 of 1: no error")
	}
}

// A zip bomb costs the stream its budget of time, never memory: nothing
// inflated is held.
func TestStreamZipBomb(t *testing.T) {
	data := bomb(t, 64<<20)
	lim := Limits{MaxUncompressed: 16 << 20}
	err := streamErr(t, data, lim)
	expectErr(t, err, ErrTooLarge) // refused by its declared size
	if !strings.Contains(err.Error(), "entpackt zu groß") {
		t.Errorf("message %q", err)
	}
	for _, declared := range []uint32{1000, 15 << 20} {
		lying := setDeclaredSize(t, data, "xl/worksheets/sheet1.xml", declared)
		var before, after runtime.MemStats
		runtime.GC()
		runtime.ReadMemStats(&before)
		err := streamErr(t, lying, lim)
		runtime.ReadMemStats(&after)
		if !errors.Is(err, ErrTooLarge) && !errors.Is(err, ErrCorrupt) {
			t.Fatalf("declared %d: err %v", declared, err)
		}
		if alloc := after.TotalAlloc - before.TotalAlloc; alloc > 4<<20 {
			t.Errorf("declared %d: allocated %d MB", declared, alloc>>20)
		}
	}
	// within the budget the sheet is read (it has no rows)
	if err := streamErr(t, data, Limits{MaxUncompressed: 80 << 20}); err != nil {
		t.Error(err)
	}
	// Open's budget for a sheet is 100 times the file, at least MaxUncompressed
	f, err := OpenXLSX(context.Background(), data, "", lim)
	if err != nil {
		t.Fatal(err)
	}
	if want := max(int64(16<<20), 100*int64(len(data))); f.budget != want {
		t.Errorf("budget %d, want %d", f.budget, want)
	}
}

func TestStreamFormattedToLastRow(t *testing.T) {
	data := formattedToLastRow(t)
	f, err := OpenXLSX(context.Background(), data, "voll.xlsx", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	runtime.GC()
	var before, after runtime.MemStats
	runtime.ReadMemStats(&before)
	start := time.Now()
	var numbers []int
	err = f.Rows(context.Background(), 0, func(r *Row) error {
		numbers = append(numbers, r.Number)
		if r.Number == 5 && r.Cells[2] != (Cell{Value: "2020-03-15", Kind: KindDate}) {
			t.Errorf("C5 = %+v", r.Cells[2])
		}
		return nil
	})
	elapsed := time.Since(start)
	runtime.ReadMemStats(&after)
	if err != nil || fmt.Sprint(numbers) != "[1 2 3 4 5]" {
		t.Fatalf("rows %v, err %v", numbers, err)
	}
	alloc := after.TotalAlloc - before.TotalAlloc
	t.Logf("80 MB of sheet XML (1,048,571 empty rows) streamed in %v, %d KB allocated", elapsed, alloc>>10)
	if alloc > 2<<20 {
		t.Errorf("allocated %d KB for 5 rows", alloc>>10)
	}
}

func TestStreamTruncatedAndMutated(t *testing.T) {
	testRepanic = true
	defer func() { testRepanic = false }()
	parts := unzipAll(t, readTestdata(t, "melderegister.xlsx"))
	sheet := parts["xl/worksheets/sheet1.xml"]
	end := strings.Index(sheet, "</sheetData>") // nothing after it is read
	for _, n := range []int{end + 11, end - 1, end - 20, end / 2, 1000, 10} {
		m := map[string]string{}
		for k, v := range parts {
			m[k] = v
		}
		m["xl/worksheets/sheet1.xml"] = sheet[:n]
		expectErr(t, streamErr(t, rezip(t, m), Limits{}), ErrCorrupt)
	}
	// flipped bytes inside the XML: a value or a typed error, never a panic
	seed := uint32(7)
	rnd := func(n int) int { seed = seed*1664525 + 1013904223; return int(seed>>8) % n }
	rounds := 200
	if testing.Short() || raceEnabled {
		rounds = 30
	}
	for round := 0; round < rounds; round++ {
		b := []byte(sheet)
		for k := 0; k < 1+rnd(8); k++ {
			b[rnd(len(b))] = "<>/\"'=0123456789x &;:#rcvt"[rnd(26)]
		}
		m := map[string]string{}
		for k, v := range parts {
			m[k] = v
		}
		m["xl/worksheets/sheet1.xml"] = string(b)
		err := streamErr(t, rezip(t, m), Limits{})
		if err != nil && !errors.Is(err, ErrCorrupt) && !errors.Is(err, ErrTooLarge) {
			t.Fatalf("round %d: untyped error %v", round, err)
		}
	}
}

func TestStreamCancelAndStop(t *testing.T) {
	data := melderegisterXLSX(t, 3000)
	f, err := OpenXLSX(context.Background(), data, "", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	// the importer's probe stops after a few rows with its own error
	stop := errors.New("probe done")
	for round := 0; round < 2; round++ {
		n := 0
		err := f.Rows(context.Background(), 0, func(r *Row) error {
			if n++; n == 40 {
				return stop
			}
			return nil
		})
		if err != stop || n != 40 {
			t.Fatalf("round %d: %v after %d rows", round, err, n)
		}
	}
	src, err := Uploads{}.Open(context.Background(), bytes.NewReader(data), "")
	if err != nil {
		t.Fatal(err)
	}
	if err := src.Rows(context.Background(), 0, func(importing.Row) error { return stop }); err != stop {
		t.Errorf("Source: %v", err)
	}
	// cancelled while reading: the unzip reader checks the context
	ctx := &countdownCtx{Context: context.Background(), left: 5}
	if err := f.Rows(ctx, 0, func(*Row) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("err %v", err)
	}
	if err := src.Rows(&countdownCtx{Context: context.Background(), left: 5}, 0, func(importing.Row) error { return nil }); !errors.Is(err, context.Canceled) {
		t.Errorf("Source err %v", err)
	}
	cancelled, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := OpenXLSX(cancelled, data, "", Limits{}); !errors.Is(err, context.Canceled) {
		t.Errorf("OpenXLSX err %v", err)
	}
	// a full read after all that
	if rows := rowsOf(t, f, 0); len(rows) != 3002 {
		t.Errorf("%d rows", len(rows))
	}
}

func TestStreamPanicBecomesError(t *testing.T) {
	f, err := OpenXLSX(context.Background(), readTestdata(t, "schulen.xlsx"), "schulen.xlsx", Limits{})
	if err != nil {
		t.Fatal(err)
	}
	testHook = func() { panic("boom") }
	defer func() { testHook = nil }()
	err = f.Rows(context.Background(), 0, func(*Row) error { return nil })
	expectErr(t, err, ErrCorrupt)
	var e *Error
	if errors.As(err, &e); e.Cause == nil || !strings.Contains(e.Cause.Error(), "boom") || e.Filename != "schulen.xlsx" {
		t.Errorf("error %+v", e)
	}
	_, err = OpenXLSX(context.Background(), readTestdata(t, "schulen.xlsx"), "schulen.xlsx", Limits{})
	expectErr(t, err, ErrCorrupt)
	_, err = Uploads{}.Open(context.Background(), bytes.NewReader(readTestdata(t, "schulen.xlsx")), "schulen.xlsx")
	var fe *importing.FileError
	if !errors.As(err, &fe) || fe.Code != "datei_unlesbar" {
		t.Errorf("Open: %#v", err)
	}
}

func TestScannerRefusals(t *testing.T) {
	for name, xml := range map[string]string{
		"utf16 declared":  `<?xml version="1.0" encoding="UTF-16"?><worksheet><sheetData/></worksheet>`,
		"unknown entity":  `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&nbsp;</t></is></c></row></sheetData></worksheet>`,
		"entity no semi":  `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>a &amp b</t></is></c></row></sheetData></worksheet>`,
		"char ref 0":      `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>&#0;</t></is></c></row></sheetData></worksheet>`,
		"control char":    "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a\x01b</t></is></c></row></sheetData></worksheet>",
		"invalid utf8":    "<worksheet><sheetData><row r=\"1\"><c r=\"A1\" t=\"inlineStr\"><is><t>a\xffb</t></is></c></row></sheetData></worksheet>",
		"unquoted attr":   `<worksheet><sheetData><row r=1><c r="A1"><v>1</v></c></row></sheetData></worksheet>`,
		"lt in tag":       `<worksheet><sheetData><row r="1" <c r="A1"><v>1</v></c></row></sheetData></worksheet>`,
		"no name":         `<worksheet><sheetData>< row r="1"></row></sheetData></worksheet>`,
		"eof in tag":      `<worksheet><sheetData><row r="1"><c r="A1`,
		"eof in data":     `<worksheet><sheetData><row r="1"><c r="A1"><v>1</v></c></row>`,
		"eof in cdata":    `<worksheet><sheetData><row r="1"><c r="A1" t="str"><v><![CDATA[abc`,
		"sst index":       `<worksheet><sheetData><row r="1"><c r="A1" t="s"><v>3</v></c></row></sheetData></worksheet>`,
		"huge text":       `<worksheet><sheetData><row r="1"><c r="A1" t="inlineStr"><is><t>` + strings.Repeat("x", 9<<20),
		"huge tag":        `<worksheet><sheetData><row r="1" x="` + strings.Repeat("x", 9<<20),
		"huge attr value": `<worksheet><sheetData><row r="1"><c r="A1" t="` + strings.Repeat("s", 9<<20) + `"><v>1</v></c></row></sheetData></worksheet>`,
	} {
		err := streamErr(t, buildXLSX(t, []string{"a"}, xsheet{name: "S", xml: xml}), Limits{})
		if err == nil {
			t.Errorf("%s: no error", name)
			continue
		}
		var e *Error
		if !errors.As(err, &e) {
			t.Errorf("%s: %T %v", name, err, err)
		}
	}
}

// syntheticRegister writes an xlsx of n register rows as Excel saves it
// (shared strings, dates as numbers with date styles), straight to a zip
// with the fastest compression: excelize needs far too long for a million
// rows. The Ordnungsmerkmal of every row is a unique shared string, so the
// table holds a million strings.
func syntheticRegister(t testing.TB, n int) []byte {
	t.Helper()
	fixed := []string{"Ordnungsmerkmal", "Familienname", "Vornamen", "Rufname", "Geburtsdatum", "Geburtsdatum (Text)", "Geschlecht",
		"Staatsangehörigkeit", "Straße", "Hausnummer", "Zusatz", "PLZ", "Ort", "Zuzug", "Einschulung", "Auskunftssperre",
		"Müller", "Özdemir", "Krause-Hübner", "Mira Johanna", "Ben", "Mira", "w", "m", "deutsch", "türkisch", "Dr.-Külz-Straße",
		"Am Mühlenberg", "a", "Musterstadt", "nein", "ja"}
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	zw.RegisterCompressor(zip.Deflate, func(w io.Writer) (io.WriteCloser, error) { return flate.NewWriter(w, flate.BestSpeed) })
	put := func(name string, write func(w io.Writer)) {
		w, err := zw.Create(name)
		if err != nil {
			t.Fatal(err)
		}
		write(w)
	}
	text := func(s string) func(io.Writer) { return func(w io.Writer) { io.WriteString(w, s) } }
	put("[Content_Types].xml", text(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>`))
	put("_rels/.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`))
	put("xl/workbook.xml", text(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets><sheet name="Auszug" sheetId="1" r:id="rId1"/></sheets></workbook>`))
	put("xl/_rels/workbook.xml.rels", text(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet1.xml"/><Relationship Id="rId2" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rId3" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="styles.xml"/></Relationships>`))
	put("xl/styles.xml", text(defaultStyles))
	put("xl/sharedStrings.xml", func(w io.Writer) {
		bw := bytes.NewBuffer(nil)
		fmt.Fprintf(bw, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, n*12, len(fixed)+n)
		for _, s := range fixed {
			fmt.Fprintf(bw, "<si><t>%s</t></si>", s)
		}
		for i := 0; i < n; i++ {
			bw.WriteString("<si><t>OM")
			bw.Write(strconv.AppendInt(nil, int64(1_000_000+i), 10))
			bw.WriteString("</t></si>")
			if bw.Len() > 1<<20 {
				w.Write(bw.Bytes())
				bw.Reset()
			}
		}
		bw.WriteString("</sst>")
		w.Write(bw.Bytes())
	})
	idx := map[string]int{}
	for i, s := range fixed {
		idx[s] = i
	}
	put("xl/worksheets/sheet1.xml", func(w io.Writer) {
		b := make([]byte, 0, 1<<20)
		b = append(b, `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main"><dimension ref="A1:P`...)
		b = strconv.AppendInt(b, int64(n+1), 10)
		b = append(b, `"/><sheetData><row r="1" spans="1:16">`...)
		for c := 0; c < 16; c++ {
			b = append(b, `<c r="`...)
			b = append(b, importing.ColumnLetter(c)...)
			b = append(b, `1" t="s"><v>`...)
			b = strconv.AppendInt(b, int64(c), 10)
			b = append(b, `</v></c>`...)
		}
		b = append(b, `</row>`...)
		for i := 0; i < n; i++ {
			r := strconv.AppendInt(nil, int64(i+2), 10)
			cell := func(col int, typ string, style int, v int64) {
				b = append(b, `<c r="`...)
				b = append(b, 'A'+byte(col))
				b = append(b, r...)
				b = append(b, '"')
				if style > 0 {
					b = append(b, ` s="`...)
					b = strconv.AppendInt(b, int64(style), 10)
					b = append(b, '"')
				}
				b = append(b, typ...)
				b = append(b, `><v>`...)
				b = strconv.AppendInt(b, v, 10)
				b = append(b, `</v></c>`...)
			}
			str := func(col int, s string) { cell(col, ` t="s"`, 0, int64(idx[s])) }
			b = append(b, `<row r="`...)
			b = append(b, r...)
			b = append(b, `" spans="1:16">`...)
			cell(0, ` t="s"`, 0, int64(len(fixed)+i))
			str(1, fixed[16+i%3])
			str(2, fixed[19+i%2])
			str(3, []string{"Mira", "Ben"}[i%2])
			cell(4, "", sDDMMYYYY, int64(43831+i%366))
			str(6, fixed[22+i%2])
			str(7, fixed[24+i%2])
			str(8, fixed[26+i%2])
			cell(9, "", 0, int64(i%120+1))
			if i%4 == 0 {
				str(10, "a")
			}
			cell(11, "", 0, int64(6667+i%40))
			str(12, "Musterstadt")
			cell(14, "", sBuiltin, int64(46613+i%3))
			str(15, fixed[30+i%2])
			b = append(b, `</row>`...)
			if len(b) > 1<<20-4096 {
				w.Write(b)
				b = b[:0]
			}
		}
		b = append(b, `</sheetData></worksheet>`...)
		w.Write(b)
	})
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

// TestStreamMillionRows streams a register of 1,000,000 rows through
// Open, as the importer does, and checks that the heap does not grow with
// the rows: it holds the shared strings (a million of them here) and the
// buffers, nothing per row read.
func TestStreamMillionRows(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a million rows take too long in -short mode or with -race")
	}
	const n = 1_000_000
	start := time.Now()
	data := syntheticRegister(t, n)
	t.Logf("generated %d rows: %.1f MB in %v", n, float64(len(data))/(1<<20), time.Since(start))

	runtime.GC()
	base := heapObjects()
	start = time.Now()
	src, err := Uploads{}.Open(context.Background(), bytes.NewReader(data), "melderegister_1m.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	openPeak := heapObjects()
	runtime.GC()
	opened := heapObjects()
	var peak uint64
	count := 0
	err = src.Rows(context.Background(), 0, func(r importing.Row) error {
		count++
		if count%10_000 == 0 {
			peak = max(peak, heapObjects())
		}
		switch r.Number {
		case 2, 500_001, n + 1:
			i := r.Number - 2
			want := []string{fmt.Sprintf("OM%d", 1_000_000+i), []string{"Müller", "Özdemir", "Krause-Hübner"}[i%3]}
			if r.Cells[0] != want[0] || r.Cells[1] != want[1] || r.Cells[4] == "" || r.Cells[11] != strconv.Itoa(6667+i%40) {
				t.Errorf("row %d: %q", r.Number, r.Cells)
			}
		}
		return nil
	})
	elapsed := time.Since(start)
	if err != nil {
		t.Fatal(err)
	}
	if count != n+1 {
		t.Fatalf("%d rows", count)
	}
	sst := opened - base
	growth := int64(peak) - int64(opened)
	t.Logf("%d rows streamed in %v; shared strings %.1f MB (%.1f MB with garbage while reading them), heap while reading rows at most %.1f MB above that",
		count, elapsed, float64(sst)/(1<<20), float64(openPeak-base)/(1<<20), float64(growth)/(1<<20))
	// The GC lets garbage (a string per row) pile up to about the live heap
	// before it runs; what matters is that it is not 1,000,000 rows' worth.
	if growth > 48<<20 {
		t.Errorf("heap grew by %d MB while reading", growth>>20)
	}
}

func heapObjects() uint64 {
	s := []metrics.Sample{{Name: "/memory/classes/heap/objects:bytes"}}
	metrics.Read(s)
	return s[0].Value.Uint64()
}

package sheets

import (
	"bufio"
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"os"
	"path/filepath"
	"runtime"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"golang.org/x/text/encoding/charmap"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// csvResult is what a reader made of a text file: its sheet's name and
// rows (number and cell texts), or the message of its error.
type csvResult struct {
	sheet string
	rows  []importing.Row
	err   string
}

func (r csvResult) String() string {
	if r.err != "" {
		return "error: " + r.err
	}
	var b strings.Builder
	fmt.Fprintf(&b, "sheet %q, %d rows:", r.sheet, len(r.rows))
	for i, row := range r.rows {
		if i == 8 {
			b.WriteString(" …")
			break
		}
		fmt.Fprintf(&b, " #%d%q", row.Number, row.Cells)
	}
	return b.String()
}

// refResult reads data with the reference (whole-file) CSV reader, as
// Uploads.Open did for text files: within DefaultLimits, with lim.
func refResult(data []byte, filename string, lim Limits) csvResult {
	wb, err := refReadText(context.Background(), data, filename, lim)
	if err != nil {
		return csvResult{err: messageOf(err)}
	}
	return workbookResult(wb)
}

func workbookResult(wb *Workbook) csvResult {
	s := wb.Sheets[0]
	out := csvResult{sheet: s.Name, rows: []importing.Row{}}
	for _, r := range s.Rows {
		cells := make([]string, len(r.Cells))
		for i, c := range r.Cells {
			cells[i] = c.Value
		}
		out.rows = append(out.rows, importing.Row{Number: r.Number, Cells: cells})
	}
	return out
}

// messageOf is the user's message of a reader's error.
func messageOf(err error) string {
	var e *Error
	var fe *importing.FileError
	switch {
	case errors.As(err, &e):
		return e.Message
	case errors.As(err, &fe):
		return fe.Message
	}
	return err.Error()
}

// streamResult reads data through Uploads.Open and Rows.
func streamResult(t testing.TB, u Uploads, data []byte, filename string) csvResult {
	t.Helper()
	src, err := u.Open(context.Background(), bytes.NewReader(data), filename)
	if err != nil {
		return csvResult{err: messageOf(err)}
	}
	if _, ok := src.(csvSource); !ok {
		t.Fatalf("%s: Open gave a %T, want the CSV stream", filename, src)
	}
	names := src.SheetNames()
	if len(names) != 1 {
		t.Fatalf("sheets %q", names)
	}
	out := csvResult{sheet: names[0], rows: []importing.Row{}}
	err = src.Rows(context.Background(), 0, func(r importing.Row) error {
		out.rows = append(out.rows, importing.Row{Number: r.Number, Cells: slices.Clone(r.Cells)})
		return nil
	})
	if err != nil {
		return csvResult{err: messageOf(err)}
	}
	return out
}

func equalResults(a, b csvResult) bool {
	return a.sheet == b.sheet && a.err == b.err && slices.EqualFunc(a.rows, b.rows, func(x, y importing.Row) bool {
		return x.Number == y.Number && slices.Equal(x.Cells, y.Cells)
	})
}

// withReadSize runs fn with CSV files read n bytes at a time.
func withReadSize(n int, fn func()) {
	old := csvReadSize
	csvReadSize = n
	defer func() { csvReadSize = old }()
	fn()
}

// readSizes cut the text into pieces that split every rune, CRLF, doubled
// quote and BOM somewhere, and the default.
var readSizes = []int{1, 2, 3, 5, 7, 64, 64 << 10}

// checkSameAsWhole checks that streaming data, and Read, give what the
// reference whole-file reader gives.
func checkSameAsWhole(t *testing.T, name string, data []byte, filename string) {
	t.Helper()
	want := refResult(data, filename, Uploads{}.whole())
	for _, n := range readSizes {
		if n < 64 && len(data) > 200<<10 {
			continue
		}
		withReadSize(n, func() {
			if got := streamResult(t, Uploads{}, data, filename); !equalResults(got, want) {
				t.Errorf("%s, read %d bytes at a time: stream gives\n%v\nthe whole-file reader\n%v", name, n, got, want)
			}
			wb, err := Read(context.Background(), data, filename, Uploads{}.whole())
			var got csvResult
			if err != nil {
				got = csvResult{err: messageOf(err)}
			} else {
				got = workbookResult(wb)
			}
			if !equalResults(got, want) {
				t.Errorf("%s, read %d bytes at a time: Read gives\n%v\nthe whole-file reader\n%v", name, n, got, want)
			}
		})
	}
}

// csvTestFiles are the CSV and text samples of testdata and shared/samples.
func csvTestFiles(t *testing.T) map[string][]byte {
	files := map[string][]byte{}
	for _, dir := range []string{"testdata", filepath.Join("..", "..", "..", "shared", "samples")} {
		for _, pattern := range []string{"*.csv", "*.CSV", "*.txt", "*.tsv"} {
			names, _ := filepath.Glob(filepath.Join(dir, pattern))
			for _, name := range names {
				data, err := os.ReadFile(name)
				if err != nil {
					t.Fatal(err)
				}
				files[name] = data
			}
		}
	}
	if len(files) == 0 {
		t.Fatal("no CSV sample found")
	}
	return files
}

// tricky are hand-made texts for the corners of CSV as Excel reads it.
var tricky = map[string]string{
	"quoted line breaks":             "Name;Bemerkung;Ort\n\"Weber\";\"Zeile 1\r\nZeile 2\nZeile 3\";Halle\nKrause;\"\";Halle\n",
	"doubled quotes":                 "\"Sagt \"\"hallo\"\"\";\"a;b\"\n\"\"\"\";\"\"\"\"\"\"\n",
	"quote inside unquoted field":    "12\" Zoll;x\"y\"\n",
	"text after closing quote":       "\"abc\"def;\"x\"\"y\"z\n",
	"unterminated quote":             "a;\"b\nc;d\r\ne",
	"unterminated quote, then empty": "a;\"",
	"quote then end":                 "a;\"b\"",
	"blank lines keep numbering":     "Titel\n\n;;\nA;B\n1;2",
	"trailing delimiters":            "a;;c;;\n;\n;;;\nx;",
	"trailing delimiter at the end":  "a;b;",
	"sep line":                       "sep=,\na;b,c\n",
	"sep line upper case, CRLF":      "SEP=|\r\na;b|c\r\n",
	"sep line with CRs":              "sep=;\r\r\r\na;b\n",
	"sep line alone":                 "sep=;",
	"sep line alone with CR":         "sep=;\r",
	"sep line alone with two CRs":    "sep=;\r\r",
	"sep line too long":              "sep=;;\na;b\n",
	"sep without delimiter":          "sep=\na;b\n",
	"sep quote":                      "sep=\"\na\"b\"\"c\n",
	"sep in the second line":         "a,b\nsep=;\n",
	"CR only":                        "a;b\rc;d\r\re;f",
	"CRLF":                           "a;b\r\nc;d\r\n\r\ne;f\r\n",
	"LF CR":                          "a;b\n\rc;d\n\r",
	"Windows-1252 umlauts":           "Stra\xdfe;K\xfchn;\x80;\x84Zitat\x93;\x81\x8d\x8f\x90\x9d\n\xc4rger;\xd6l;\xdcbel\n",
	"UTF-8 umlauts":                  "Straße;Kühn;€\nÄrger;Öl;Übel\n",
	"UTF-8 BOM":                      "\xEF\xBB\xBFStraße;Nr\nÖrtel;1\n",
	"UTF-8 BOM, invalid bytes":       "\xEF\xBB\xBFa\xff\xfeb;\xc3;\xe2\x82;\xef\xbf\xbd\xff;\xf0\x9f\x98\n",
	"UTF-8 BOM only":                 "\xEF\xBB\xBF",
	"UTF-16LE with BOM":              "\xFF\xFEN\x00r\x00\t\x00\xD6\x00\n\x001\x00\t\x002\x00\n\x00",
	"UTF-16BE with BOM":              "\xFE\xFF\x00N\x00r\x00;\x00\xD6\x00\n\x001\x00;\x002",
	"UTF-16 odd byte at the end":     "\xFF\xFEa\x00;\x00b\x00x",
	"UTF-16 lone surrogate":          "\xFF\xFEa\x00;\x00\x00\xd8b\x00",
	"UTF-16 with NUL":                "\xFF\xFEa\x00\x00\x00b\x00",
	"UTF-16 BOM only":                "\xFF\xFE",
	"tab and comma":                  "a\tb;c\td\n1\t2;3\t4\n",
	"comma":                          "a,b,c\n1,2,3\n",
	"pipe after title":               "Titel\n\na|b|c\n1|2|3\n",
	"unbalanced quote in detection":  "\"a;b\n" + strings.Repeat("x,y,z\n", 60),
	"delimiter decided late":         strings.Repeat("\n", 70) + strings.Repeat("a,b;c\n", 30) + strings.Repeat("a,b,c\n", 40),
	"only line breaks":               "\n\r\n\r\r\n",
	"one byte":                       "x",
	"empty":                          "",
	"binary":                         "a;b\x00c\n",
	"html":                           "<html><table><tr><td>1</td></tr></table></html>",
	"single column":                  "Name\nA\nB\n",
	"quoted delimiters in detection": "\"x;y\",b,c\n\"1;2;3\",4,5\n\"a\nb;c;d\",e,f\n",
}

// TestStreamCSVSameAsWhole: for the samples and the hand-made texts, the
// stream gives exactly the rows (or the error) the whole-file reader gave,
// read in pieces of any size.
func TestStreamCSVSameAsWhole(t *testing.T) {
	for name, data := range csvTestFiles(t) {
		checkSameAsWhole(t, name, data, filepath.Base(name))
	}
	for name, text := range tricky {
		checkSameAsWhole(t, name, []byte(text), "liste.csv")
	}
}

// TestStreamCSVEncodingNeedsWholeFile: one byte that is not UTF-8 at the
// very end of a large file makes all of it Windows-1252, as when it was
// read whole; and a rune split where the file is read in pieces is one
// rune.
func TestStreamCSVEncodingNeedsWholeFile(t *testing.T) {
	var b bytes.Buffer
	b.WriteString("Name;Vorname;Ort\n")
	for i := 0; b.Len() < 600<<10; i++ {
		fmt.Fprintf(&b, "Müller-Lüdenscheidt %d;Jörg;Gößnitz\n", i)
	}
	utf8Text := b.Bytes()
	last := func(res csvResult) []string { return res.rows[len(res.rows)-1].Cells }

	// valid UTF-8 all through
	got := streamResult(t, Uploads{}, utf8Text, "liste.csv")
	if got.err != "" || got.rows[1].Cells[0] != "Müller-Lüdenscheidt 0" {
		t.Fatalf("UTF-8: %v", got)
	}
	checkSameAsWhole(t, "UTF-8", utf8Text, "liste.csv")

	// the same with a byte 0xE4 (ä in Windows-1252) at the very end
	latin := append(slices.Clone(utf8Text), "Schr\xe4der;Anna;Halle"...)
	got = streamResult(t, Uploads{}, latin, "liste.csv")
	if got.err != "" || got.rows[1].Cells[0] != "MÃ¼ller-LÃ¼denscheidt 0" || !slices.Equal(last(got), []string{"Schräder", "Anna", "Halle"}) {
		t.Fatalf("Windows-1252: %.300v", got)
	}
	checkSameAsWhole(t, "Windows-1252 at the end", latin, "liste.csv")

	// a rune split by the default read size, in the encoding pass and in
	// the parser
	for _, r := range []string{"ü", "€", "😀"} {
		for shift := 1; shift < len(r); shift++ {
			pad := strings.Repeat("x", csvReadSize-shift)
			data := []byte("a;b\n" + pad[4:] + r + ";c\n")
			got := streamResult(t, Uploads{}, data, "liste.csv")
			if got.err != "" || len(got.rows) != 2 || got.rows[1].Cells[0] != pad[4:]+r {
				t.Errorf("%q split after %d bytes: %.200v", r, shift, got)
			}
			checkSameAsWhole(t, r+" split", data, "liste.csv")
			bom := append(slices.Clone(bomUTF8), data[:len(data)-len(bomUTF8)]...)
			checkSameAsWhole(t, r+" split after a BOM", bom, "liste.csv")
		}
	}
}

// registerCSV writes a register of n children × 16 columns as German Excel
// exports it (semicolons, CRLF, Windows-1252 unless utf8), with a header
// row, some quoted fields (one with the delimiter, one with a line break
// every 1000 rows) and empty cells, to w.
func registerCSV(t testing.TB, w io.Writer, n int, utf8 bool) {
	t.Helper()
	enc := func(s string) string {
		if utf8 {
			return s
		}
		out, err := charmap.Windows1252.NewEncoder().String(s)
		if err != nil {
			t.Fatal(err)
		}
		return out
	}
	header := enc("Ordnungsmerkmal;Familienname;Vornamen;Rufname;Geburtsdatum;Geburtsdatum (Text);Geschlecht;" +
		"Staatsangehörigkeit;Straße;Hausnummer;Zusatz;PLZ;Ort;Zuzug;Einschulung;Auskunftssperre\r\n")
	surnames := []string{enc("Müller"), enc("Özdemir"), enc("Krause-Hübner")}
	firstnames := []string{"\"Mira Johanna\"", "Ben"}
	nationality := []string{"deutsch", enc("türkisch")}
	streets := []string{enc("Dr.-Külz-Straße"), enc("Am Mühlenberg")}
	b := make([]byte, 0, 1<<20)
	b = append(b, header...)
	for i := 0; i < n; i++ {
		b = append(b, "OM"...)
		b = strconv.AppendInt(b, int64(1_000_000+i), 10)
		b = append(b, ';')
		b = append(b, surnames[i%3]...)
		b = append(b, ';')
		b = append(b, firstnames[i%2]...)
		b = append(b, ';')
		b = append(b, []string{"Mira", "Ben"}[i%2]...)
		b = append(b, ';')
		b = fmt.Appendf(b, "%02d.%02d.2020;;", i%28+1, i%12+1)
		b = append(b, "wm"[i%2])
		b = append(b, ';')
		b = append(b, nationality[i%2]...)
		b = append(b, ';')
		b = append(b, streets[i%2]...)
		b = append(b, ';')
		b = strconv.AppendInt(b, int64(i%120+1), 10)
		b = append(b, ';')
		switch {
		case i%1000 == 999:
			b = append(b, "\"Hinterhaus\r\n2. OG\""...)
		case i%10 == 0:
			b = append(b, "\"Hinterhaus; 2. OG\""...)
		case i%4 == 0:
			b = append(b, 'a')
		}
		b = append(b, ';')
		b = strconv.AppendInt(b, int64(6667+i%40), 10)
		b = append(b, ";Musterstadt;;01.08.2027;"...)
		b = append(b, []string{"nein", "ja"}[i%2]...)
		b = append(b, "\r\n"...)
		if len(b) > 1<<20-4096 {
			if _, err := w.Write(b); err != nil {
				t.Fatal(err)
			}
			b = b[:0]
		}
	}
	if _, err := w.Write(b); err != nil {
		t.Fatal(err)
	}
}

// registerRowOK checks a row of registerCSV.
func registerRowOK(r importing.Row) bool {
	i := r.Number - 2
	return len(r.Cells) == 16 && r.Cells[0] == fmt.Sprintf("OM%d", 1_000_000+i) &&
		r.Cells[1] == []string{"Müller", "Özdemir", "Krause-Hübner"}[i%3] &&
		r.Cells[2] == []string{"Mira Johanna", "Ben"}[i%2] && r.Cells[5] == "" &&
		r.Cells[8] == []string{"Dr.-Külz-Straße", "Am Mühlenberg"}[i%2] &&
		r.Cells[11] == strconv.Itoa(6667+i%40) && r.Cells[15] == []string{"nein", "ja"}[i%2]
}

// TestStreamCSVMillionRows streams a register of 1,000,000 rows saved by
// Excel as CSV (about 110 MB, far over what was read whole) from a file,
// through Open, as the importer does, and checks that the heap does not
// grow with the rows; Check, at upload, takes it too. In UTF-8 opening
// reads all of the file to know it is.
func TestStreamCSVMillionRows(t *testing.T) {
	if testing.Short() || raceEnabled {
		t.Skip("a million rows take too long in -short mode or with -race")
	}
	for _, utf8 := range []bool{false, true} {
		name := map[bool]string{false: "windows-1252", true: "utf-8"}[utf8]
		t.Run(name, func(t *testing.T) { streamMillionRows(t, utf8) })
	}
}

func streamMillionRows(t *testing.T, utf8 bool) {
	const n = 1_000_000
	start := time.Now()
	path := filepath.Join(t.TempDir(), "melderegister_1m.csv")
	out, err := os.Create(path)
	if err != nil {
		t.Fatal(err)
	}
	bw := bufio.NewWriterSize(out, 1<<20)
	registerCSV(t, bw, n, utf8)
	if err := bw.Flush(); err != nil {
		t.Fatal(err)
	}
	out.Close()
	file, err := os.Open(path)
	if err != nil {
		t.Fatal(err)
	}
	defer file.Close()
	st, _ := file.Stat()
	upload := io.NewSectionReader(file, 0, st.Size())
	t.Logf("generated %d rows: %.1f MB in %v", n, float64(st.Size())/(1<<20), time.Since(start))

	start = time.Now()
	if err := (Uploads{}).Check(context.Background(), upload, "melderegister_1m.csv"); err != nil {
		t.Fatalf("Check: %v", err)
	}
	t.Logf("checked at upload in %v", time.Since(start))

	runtime.GC()
	base, baseLive := heapObjects(), heapLive()
	start = time.Now()
	src, err := Uploads{}.Open(context.Background(), upload, "melderegister_1m.csv")
	if err != nil {
		t.Fatal(err)
	}
	opened := time.Since(start)
	var peak, peakLive uint64
	count := 0
	err = src.Rows(context.Background(), 0, func(r importing.Row) error {
		count++
		if count%10_000 == 0 {
			peak, peakLive = max(peak, heapObjects()), max(peakLive, heapLive())
		}
		switch r.Number {
		case 2, 500_001, n + 1:
			if !registerRowOK(r) {
				t.Errorf("row %d: %q", r.Number, r.Cells)
			}
		case 1001: // its Zusatz holds a line break; the rows after it still count records
			if r.Cells[10] != "Hinterhaus\r\n2. OG" || !registerRowOK(r) {
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
	growth := int64(peak) - int64(base)
	t.Logf("%d rows streamed in %v (opening %v, %.0f rows/s); heap at most %.1f MB above the start (garbage included), live heap %.1f MB above",
		count, elapsed, opened, float64(count)/elapsed.Seconds(), float64(growth)/(1<<20), (float64(peakLive)-float64(baseLive))/(1<<20))
	// Garbage (a string per row) piles up until the collector runs; what
	// matters is that it is not 1,000,000 rows' worth (some 100 MB).
	if growth > 24<<20 {
		t.Errorf("heap grew by %d MB while reading", growth>>20)
	}
}

// TestStreamCSVLimits: the stream holds rows, columns and a row's text to
// their bounds with a German message, whatever the file's size.
func TestStreamCSVLimits(t *testing.T) {
	rowsErr := func(u Uploads, data []byte) error {
		t.Helper()
		src, err := u.Open(context.Background(), bytes.NewReader(data), "liste.csv")
		if err != nil {
			return err
		}
		return src.Rows(context.Background(), 0, func(importing.Row) error { return nil })
	}
	wantFileError := func(name string, err error, code, says string) {
		t.Helper()
		var fe *importing.FileError
		if !errors.As(err, &fe) || fe.Code != code || !strings.Contains(fe.Message, says) {
			t.Errorf("%s: %v, want %s saying %q", name, err, code, says)
		}
	}
	// columns
	u := Uploads{MaxColumns: 20}
	wantFileError("too wide", rowsErr(u, []byte("a;b\n"+strings.Repeat("x;", 20)+"x\n")), "datei_zu_gross", "Spalte U (Zelle U2)")
	if err := rowsErr(u, []byte("x"+strings.Repeat(";", 5000)+"\n")); err != nil {
		t.Errorf("empty fields beyond the limit: %v", err)
	}
	// rows: as many as Excel has, counting those with a value
	max := Uploads{}.stream().MaxRows
	if !raceEnabled {
		if err := rowsErr(Uploads{}, []byte(strings.Repeat("x\n", max)+"\n\n;;\n")); err != nil {
			t.Errorf("%d rows: %v", max, err)
		}
		wantFileError("too many rows", rowsErr(Uploads{}, []byte(strings.Repeat("x\n", max+1))), "datei_zu_gross", "mehr als 1048576 Zeilen")
	}
	// a row's text: as much as the operator lets a file unpack
	u = Uploads{MaxUnpacked: 1 << 20}
	if err := rowsErr(u, []byte("a;"+strings.Repeat("x", 1<<20-1)+"\n")); err != nil {
		t.Errorf("a row of 1 MB: %v", err)
	}
	wantFileError("long row", rowsErr(u, []byte("a;"+strings.Repeat("x", 1<<20)+"\n")), "datei_zu_gross", "Die Zeile 1 der Tabelle „liste“ enthält zu viel Text (mehr als 1.0 MB).")
	err := rowsErr(u, []byte("a\nb;\""+strings.Repeat("x\n", 1<<20)))
	wantFileError("unclosed quote", err, "datei_zu_gross", "Die Zeile 2 der Tabelle „liste“ enthält zu viel Text (mehr als 1.0 MB). Vermutlich fehlt dort ein schließendes Anführungszeichen")
	if csvRowText(Uploads{}.stream()) != maxCSVRowText || maxCSVRowText != 3*DefaultLimits.MaxBytes {
		t.Errorf("a row's text is bounded by %d", csvRowText(Uploads{}.stream()))
	}
	// the file: up to what an upload may be
	_, err = Uploads{}.Open(context.Background(), hugeFile(Uploads{}.stream().MaxBytes+1), "liste.csv")
	wantFileError("too large", err, "datei_zu_gross", "zu groß")
}

// TestStreamCSVStops: a cancelled context, an error reading the file and
// an error of the importer stop Rows and come back as they are, not as a
// damaged file.
func TestStreamCSVStops(t *testing.T) {
	var buf bytes.Buffer
	registerCSV(t, &buf, 20_000, true)
	data := buf.Bytes()
	src, err := Uploads{}.Open(context.Background(), bytes.NewReader(data), "liste.csv")
	if err != nil {
		t.Fatal(err)
	}
	ctx, cancel := context.WithCancel(context.Background())
	n := 0
	err = src.Rows(ctx, 0, func(importing.Row) error {
		if n++; n == 100 {
			cancel()
		}
		return nil
	})
	if !errors.Is(err, context.Canceled) || n > 100+csvReadSize/100 {
		t.Errorf("cancelled: %v after %d rows", err, n)
	}
	if _, err := (Uploads{}).Open(ctx, bytes.NewReader(data), "liste.csv"); !errors.Is(err, context.Canceled) {
		t.Errorf("Open cancelled: %v", err)
	}

	stop := errors.New("genug")
	n = 0
	err = src.Rows(context.Background(), 0, func(importing.Row) error {
		if n++; n == 10 {
			return stop
		}
		return nil
	})
	if err != stop {
		t.Errorf("importer's error: %v", err)
	}

	lost := errors.New("connection lost")
	src, err = Uploads{}.Open(context.Background(), bytes.NewReader(data), "liste.csv")
	if err != nil {
		t.Fatal(err)
	}
	var fe *importing.FileError
	err = src.Rows(context.Background(), 0, func(importing.Row) error { return nil })
	if err != nil {
		t.Fatal(err)
	}
	file := failingFile{bytes.NewReader(data), int64(len(data) / 2), lost}
	if _, err := (Uploads{}).Open(context.Background(), file, "liste.csv"); !errors.Is(err, lost) || errors.As(err, &fe) {
		t.Errorf("Open, file not readable: %v, want the read error", err)
	}
	for _, enc := range []textEncoding{encUTF8, encUTF8BOM, encUTF16, encWindows1252} {
		f := &csvFile{r: file, size: int64(len(data)), enc: enc, delim: ';', maxRows: 1 << 20, maxCols: 1 << 20, maxText: 1 << 30}
		n := 0
		err := csvSource{f}.Rows(context.Background(), 0, func(importing.Row) error { n++; return nil })
		if !errors.Is(err, lost) || errors.As(err, &fe) {
			t.Errorf("encoding %d, file not readable: %v after %d rows, want the read error", enc, err, n)
		}
	}

	if err := src.Rows(context.Background(), 1, func(importing.Row) error { return nil }); err == nil {
		t.Error("sheet 1 of a CSV file")
	}
}

// TestStreamCSVPanicBecomesError: a panic while streaming is a damaged
// file, not a crash.
func TestStreamCSVPanicBecomesError(t *testing.T) {
	src, err := Uploads{}.Open(context.Background(), bytes.NewReader([]byte("a;b\n")), "x.csv")
	if err != nil {
		t.Fatal(err)
	}
	testHook = func() { panic("boom") }
	defer func() { testHook = nil }()
	err = src.Rows(context.Background(), 0, func(importing.Row) error { return nil })
	var fe *importing.FileError
	if !errors.As(err, &fe) || fe.Code != "datei_unlesbar" {
		t.Errorf("Rows: %#v", err)
	}
}

package sheets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"

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

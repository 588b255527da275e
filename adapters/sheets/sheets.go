// Package sheets reads uploaded spreadsheet files (xlsx, xls, ods, csv) into a
// neutral table of cells with exact positions, and writes marked-up xlsx files
// back for the user.
//
// Read holds the whole workbook in memory. OpenXLSX reads an xlsx file one
// row at a time instead, in memory that does not grow with the rows; Open,
// the importer's entry point, uses it for xlsx files, and streams CSV files
// likewise with the parser Read uses for them (csv.go).
//
// The package does not interpret the table: recognising header rows and
// fields is the job of the importer. It only guarantees that every value sits
// at the row number and column the spreadsheet program shows, that values are
// normalised (numbers without formatting artefacts, dates as ISO 8601), and
// that hostile input ends in an error instead of a panic or unbounded memory.
package sheets

import (
	"bytes"
	"context"
	"fmt"
	"io"
	"path/filepath"
	"strings"
)

// Format is the detected file format.
type Format string

// The formats Read understands.
const (
	FormatXLSX Format = "xlsx"
	FormatXLS  Format = "xls"
	FormatODS  Format = "ods"
	FormatCSV  Format = "csv"
)

// CellKind says how the spreadsheet program stored a value.
type CellKind uint8

// Cell kinds.
const (
	KindEmpty  CellKind = iota // no value
	KindText                   // text, also numbers and dates stored as text, and every CSV value
	KindNumber                 // a number; Value is e.g. "6108", "12.5", "-0.25"
	KindDate                   // a date or time; Value is "2006-01-02", "2006-01-02T15:04:05" or "15:04:05"
	KindBool                   // a boolean; Value is "TRUE" or "FALSE"
	KindError                  // a formula error such as "#DIV/0!"; Value is the error text
)

func (k CellKind) String() string {
	switch k {
	case KindEmpty:
		return "empty"
	case KindText:
		return "text"
	case KindNumber:
		return "number"
	case KindDate:
		return "date"
	case KindBool:
		return "bool"
	case KindError:
		return "error"
	}
	return fmt.Sprintf("CellKind(%d)", uint8(k))
}

// Cell is one cell of a row.
//
// Value is the text as stored, for formula cells the cached result. Numbers
// are written without grouping or formatting and rounded to the 15 significant
// digits a spreadsheet program shows ("6108", "12.5"); dates are ISO 8601
// ("2020-03-31"; with time "2020-03-31T08:15:00"; a time alone "08:15:00").
type Cell struct {
	Value  string
	Kind   CellKind
	Hidden bool // the cell's column is hidden
}

// Row is one non-empty row of a sheet.
type Row struct {
	Number int    // 1-based row number as the spreadsheet program shows it
	Cells  []Cell // index 0 is column A; ends with the last non-empty cell
	Hidden bool   // the row is hidden (or filtered out)
}

// Cell returns the cell in column col (0 = A), or an empty cell.
func (r Row) Cell(col int) Cell {
	if col < 0 || col >= len(r.Cells) {
		return Cell{}
	}
	return r.Cells[col]
}

// Sheet is one worksheet.
type Sheet struct {
	Name   string
	Rows   []Row // only non-empty rows, in ascending order of Number
	Hidden bool  // the sheet is hidden in the workbook
}

// Workbook is the content of one file.
type Workbook struct {
	Format Format
	Sheets []Sheet
}

// Limits bound the work and memory that one file may cause. A zero field takes
// its default (see DefaultLimits).
type Limits struct {
	MaxBytes        int64 // size of the uploaded file
	MaxRows         int   // non-empty rows per sheet
	MaxColumns      int   // columns per row (a value in column MaxColumns+1 is too wide)
	MaxUncompressed int64 // bytes unpacked from an xlsx/ods archive, and bytes of cell text in total
	MaxCells        int   // cell slots held in memory over the whole workbook
}

// DefaultLimits are used for every zero field of Limits.
var DefaultLimits = Limits{
	MaxBytes:        32 << 20,
	MaxRows:         200_000,
	MaxColumns:      1_000,
	MaxUncompressed: 256 << 20,
	MaxCells:        4_000_000,
}

func (l Limits) withDefaults() Limits {
	if l.MaxBytes <= 0 {
		l.MaxBytes = DefaultLimits.MaxBytes
	}
	if l.MaxRows <= 0 {
		l.MaxRows = DefaultLimits.MaxRows
	}
	if l.MaxColumns <= 0 {
		l.MaxColumns = DefaultLimits.MaxColumns
	}
	if l.MaxUncompressed <= 0 {
		l.MaxUncompressed = DefaultLimits.MaxUncompressed
	}
	if l.MaxCells <= 0 {
		l.MaxCells = DefaultLimits.MaxCells
	}
	return l
}

var (
	magicZip      = []byte("PK\x03\x04")
	magicZipEmpty = []byte("PK\x05\x06")
	magicOLE2     = []byte{0xD0, 0xCF, 0x11, 0xE0, 0xA1, 0xB1, 0x1A, 0xE1}
)

// Test hooks: testRepanic lets tests see panics that Read would turn into
// ErrCorrupt; testHook runs before the format's reader, in XLSXFile.Rows
// before each row, and when a CSV file's rows are read.
var (
	testRepanic bool
	testHook    func()
)

// Read detects the format of data from its content (the file name is only used
// in error messages and as the sheet name of a CSV file) and reads every
// worksheet. Errors wrap ErrUnsupportedFormat, ErrTooLarge or ErrCorrupt and
// carry a German message for the user (see Error); a cancelled ctx returns
// ctx.Err().
func Read(ctx context.Context, data []byte, filename string, lim Limits) (wb *Workbook, err error) {
	lim = lim.withDefaults()
	defer func() {
		if r := recover(); r != nil {
			if testRepanic {
				panic(r)
			}
			wb = nil
			err = newError(ErrCorrupt, fmt.Errorf("panic: %v", r),
				"Die Datei ist beschädigt oder kein unterstütztes Tabellenformat (xlsx, xls, ods, csv).")
		}
		if e, ok := err.(*Error); ok && e.Filename == "" {
			e.Filename = filename
		}
	}()
	if err := checkSize(int64(len(data)), lim); err != nil {
		return nil, err
	}
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	if testHook != nil {
		testHook()
	}
	b := newBuilder(ctx, lim)
	switch {
	case bytes.HasPrefix(data, magicZip), bytes.HasPrefix(data, magicZipEmpty):
		return readZip(b, data)
	case bytes.HasPrefix(data, magicOLE2):
		return readOLE2(b, data)
	}
	return readCSV(b, data, filename)
}

// checkSize refuses an empty file and one larger than lim.MaxBytes.
func checkSize(size int64, lim Limits) error {
	if size == 0 {
		return newError(ErrCorrupt, nil, "Die Datei ist leer.")
	}
	if size > lim.MaxBytes {
		return newError(ErrTooLarge, fmt.Errorf("%d bytes > %d", size, lim.MaxBytes),
			fmt.Sprintf("Die Datei ist zu groß (%s, erlaubt sind %s).", humanBytes(size), humanBytes(lim.MaxBytes)))
	}
	return nil
}

func csvSheetName(filename string) string {
	base := filepath.Base(strings.ReplaceAll(filename, `\`, "/"))
	base = strings.TrimSuffix(base, filepath.Ext(base))
	if base == "" || base == "." || base == "/" {
		return "Tabelle1"
	}
	return base
}

// columnIndex parses the letters of a cell reference such as "AB12" and
// returns the 0-based column, or -1.
func columnIndex[T ~string | ~[]byte](ref T) int {
	col := 0
	n := 0
	for n < len(ref) {
		c := ref[n]
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		if c < 'A' || c > 'Z' {
			break
		}
		col = col*26 + int(c-'A'+1)
		if col > 1<<24 {
			return -1
		}
		n++
	}
	if n == 0 {
		return -1
	}
	return col - 1
}

// rowIndex parses the digits of a cell reference such as "AB12" and returns
// 12, or 0.
func rowIndex(ref string) int {
	i := 0
	for i < len(ref) && (ref[i] < '0' || ref[i] > '9') {
		i++
	}
	n := 0
	for ; i < len(ref); i++ {
		c := ref[i]
		if c < '0' || c > '9' {
			return 0
		}
		n = n*10 + int(c-'0')
		if n > 1<<30 {
			return 0
		}
	}
	return n
}

func humanBytes(n int64) string {
	switch {
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%.0f KB", float64(n)/(1<<10))
	}
	return fmt.Sprintf("%d Bytes", n)
}

// fileHead returns up to n bytes from the start of r (fewer when the file
// is shorter or cannot be read).
func fileHead(r io.ReaderAt, size int64, n int) []byte {
	buf := make([]byte, min(int64(n), max(size, 0)))
	k, _ := r.ReadAt(buf, 0)
	return buf[:k]
}

// Sniff is the quick check at upload: is data one of the formats Read
// understands, judged from its first bytes (and, for text, its
// characters)? It reads nothing else; damage inside a workbook shows when
// the file is read. The error's text is German and fit for the uploader.
func Sniff(data []byte) error {
	if bytes.HasPrefix(data, magicZip) || bytes.HasPrefix(data, magicZipEmpty) || bytes.HasPrefix(data, magicOLE2) {
		return nil
	}
	return checkText(data)
}

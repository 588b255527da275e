package sheets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// Open reads an uploaded file as a row source for the importer. A file it
// cannot read gives an *importing.FileError with a German message, when
// opening it or from Rows.
//
// An xlsx file is streamed (see XLSXFile) from where it lies: memory grows
// neither with the number of rows nor with the file's size (the shared
// strings excepted, held compactly), and a sheet may have as many rows as
// Excel allows. A CSV or other text file is streamed too: opening it reads
// it through once for its encoding (UTF-8 only if all of it is) and its
// first records for the delimiter, and Rows parses it as it reads, holding
// one row (its text at most min(MaxUnpacked, 96 MB)); it gives the rows
// Read gives. xls and ods files are read whole with Read and the default
// Limits (at most DefaultLimits.MaxBytes).
func (u Uploads) Open(ctx context.Context, file importing.File, filename string) (importing.Source, error) {
	o, err := u.open(ctx, file, filename)
	switch {
	case err != nil:
		return nil, fileError(err)
	case o.xlsx != nil:
		return xlsxSource{o.xlsx}, nil
	case o.csv != nil:
		return csvSource{o.csv}, nil
	}
	return workbookSource{o.wb}, nil
}

// opened is an upload as Open and MarkedWorkbook read it: streamed (xlsx,
// csv) or read whole (xls, ods). Exactly one field is set.
type opened struct {
	xlsx *XLSXFile
	csv  *csvFile
	wb   *Workbook
}

// open tells the format from the content and opens the file for it. Its
// errors are *Error (or from reading the file, or ctx); callers give them
// their own German framing.
func (u Uploads) open(ctx context.Context, file importing.File, filename string) (opened, error) {
	f, isXLSX, err := openXLSX(ctx, file, file.Size(), filename, u.stream())
	switch {
	case err != nil:
		return opened{}, err
	case isXLSX:
		return opened{xlsx: f}, nil
	case isText(fileHead(file, file.Size(), len(magicOLE2))):
		c, err := openCSV(ctx, file, file.Size(), filename, u.stream(), csvRowText(u.stream()))
		return opened{csv: c}, err
	}
	// xls and ods are read whole, so their size is bounded first.
	if err := checkSize(file.Size(), DefaultLimits); err != nil {
		setFilename(err, filename)
		return opened{}, err
	}
	data, err := readWhole(file)
	if err != nil {
		return opened{}, err
	}
	wb, err := Read(ctx, data, filename, u.whole())
	return opened{wb: wb}, err
}

// isText reports whether a file starting with head is read as text (CSV):
// it is neither a zip archive (xlsx, ods) nor an OLE2 file (xls).
func isText(head []byte) bool {
	return !bytes.HasPrefix(head, magicZip) && !bytes.HasPrefix(head, magicZipEmpty) && !bytes.HasPrefix(head, magicOLE2)
}

// Uploads reads uploaded files (Open, Check, MarkedWorkbook) within limits
// the operator may set; the zero value uses DefaultLimits. MaxUnpacked
// bounds what opening a file may unpack (a zip bomb) and the text of one
// CSV row (96 MB at most), MaxColumns the width of a sheet. The rest is
// fixed: an xlsx or CSV sheet may have as many rows as Excel allows
// (1,048,576 with a value), nothing being held per row, and the file up to
// 1 GB; xls and ods files are read whole and may be at most
// DefaultLimits.MaxBytes; the upload's own size is bounded by the importer
// (IMPORT_MAX_BYTES) before the file gets here.
type Uploads struct {
	MaxUnpacked int64
	MaxColumns  int
}

// stream are the limits for xlsx and CSV files, which are streamed.
func (u Uploads) stream() Limits {
	return Limits{MaxBytes: 1 << 30, MaxRows: 1_048_576, MaxColumns: u.MaxColumns, MaxUncompressed: u.MaxUnpacked}
}

// whole are the limits for files read whole.
func (u Uploads) whole() Limits {
	return Limits{MaxColumns: u.MaxColumns, MaxUncompressed: u.MaxUnpacked}
}

// fileError turns an *Error into the importer's *importing.FileError and
// passes other errors (a cancelled context) through.
func fileError(err error) error {
	var e *Error
	if !errors.As(err, &e) {
		return err
	}
	code := "datei_unlesbar"
	switch {
	case errors.Is(err, ErrTooLarge):
		code = "datei_zu_gross"
	case errors.Is(err, ErrUnsupportedFormat):
		code = "format_nicht_unterstuetzt"
	}
	return &importing.FileError{Code: code, Message: e.Message}
}

// readWhole reads all of file into memory.
func readWhole(file importing.File) ([]byte, error) {
	data := make([]byte, file.Size())
	if _, err := file.ReadAt(data, 0); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read upload: %w", err)
	}
	return data, nil
}

type xlsxSource struct{ f *XLSXFile }

func (s xlsxSource) SheetNames() []string {
	names := make([]string, len(s.f.sheets))
	for i, sh := range s.f.sheets {
		names[i] = sh.Name
	}
	return names
}

// Rows hands the importer each row as it is read; one []string holds the
// cells of every row in turn.
func (s xlsxSource) Rows(ctx context.Context, sheet int, fn func(importing.Row) error) error {
	var cells []string
	var fnErr error
	err := s.f.Rows(ctx, sheet, func(r *Row) error {
		cells = cells[:0]
		for _, c := range r.Cells {
			cells = append(cells, c.Value)
		}
		fnErr = fn(importing.Row{Number: r.Number, Cells: cells})
		return fnErr
	})
	if err != nil && err == fnErr {
		return err // the importer's own error (it stops a probe with one)
	}
	return fileError(err)
}

type csvSource struct{ f *csvFile }

func (s csvSource) SheetNames() []string { return []string{s.f.sheet} }

// Rows hands the importer each row as it is parsed; one []string holds the
// cells of every row in turn.
func (s csvSource) Rows(ctx context.Context, sheet int, fn func(importing.Row) error) error {
	if sheet != 0 {
		return fmt.Errorf("sheets: no sheet %d of 1", sheet)
	}
	var fnErr error
	err := s.f.rows(ctx, func(number int, cells []string) error {
		fnErr = fn(importing.Row{Number: number, Cells: cells})
		return fnErr
	})
	if err != nil && err == fnErr {
		return err // the importer's own error (it stops a probe with one)
	}
	return fileError(err)
}

type workbookSource struct{ wb *Workbook }

func (s workbookSource) SheetNames() []string {
	names := make([]string, len(s.wb.Sheets))
	for i, sh := range s.wb.Sheets {
		names[i] = sh.Name
	}
	return names
}

func (s workbookSource) Rows(ctx context.Context, sheet int, fn func(importing.Row) error) error {
	var cells []string
	for _, r := range s.wb.Sheets[sheet].Rows {
		cells = cells[:0]
		for _, c := range r.Cells {
			cells = append(cells, c.Value)
		}
		if err := fn(importing.Row{Number: r.Number, Cells: cells}); err != nil {
			return err
		}
	}
	return ctx.Err()
}

// checkRows is how many rows of each sheet Check reads.
const checkRows = 1000

var errCheckedEnough = errors.New("checked enough")

// Check is the test at upload: the file is a spreadsheet (else an error
// with code format_nicht_unterstuetzt), its archive and first rows can be
// read (else datei_unlesbar; datei_zu_gross for a zip bomb or a sheet wider
// than allowed). It opens the file as the import will and reads the first
// rows of every sheet, so a damaged or hostile file is refused before it
// is stored; damage further down shows when the import runs. The error is
// an *importing.FileError with a German message.
func (u Uploads) Check(ctx context.Context, file importing.File, filename string) error {
	if err := Sniff(fileHead(file, file.Size(), 64<<10)); err != nil {
		return &importing.FileError{Code: "format_nicht_unterstuetzt", Message: err.Error()}
	}
	src, err := u.Open(ctx, file, filename)
	if err != nil {
		return err
	}
	for i := range src.SheetNames() {
		n := 0
		err := src.Rows(ctx, i, func(importing.Row) error {
			if n++; n >= checkRows {
				return errCheckedEnough
			}
			return nil
		})
		if err != nil && !errors.Is(err, errCheckedEnough) {
			return fileError(err)
		}
	}
	return nil
}

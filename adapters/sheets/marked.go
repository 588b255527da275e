package sheets

import (
	"archive/zip"
	"context"
	"errors"
	"fmt"
	"io"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// MarkedWorkbook writes to w the rows of the sheet an import read that
// have problems, and the header rows above them, as xlsx, each row at the
// row number it had, with an added column "Fehler" that lists the row's
// problems and each faulty cell filled red: staff find the rows and cells
// to correct in their file. Rows without problems are left out: the
// download gives what is needed to fix the file, not the whole register.
// Cells hidden says a reader may not see (an address under an
// Auskunftssperre) are left empty. Date cells are dates shown TT.MM.JJJJ.
// Problems of the file as a whole are listed on a second sheet "Hinweise".
//
// An xlsx file is streamed twice (the widest row first, as the "Fehler"
// column goes after it, then the rows) and each row written as it is read,
// so a list of a million rows costs about the same memory as one of a
// hundred: the stream writer's buffer of 16 MB (beyond it, rows go to a
// temporary file), the shared strings and problems. A CSV file is streamed
// the same way (see Open); xls and ods files are read whole with Read (at
// most DefaultLimits.MaxBytes).
//
// A damaged file gives an apperr.Conflict with a German message; an error
// reading file (the database) is returned wrapped, not taken for damage.
// w may have been written to when an error is returned.
func (u Uploads) MarkedWorkbook(ctx context.Context, imp importing.Import, file importing.File, problems []importing.StoredProblem, w io.Writer, hidden ...importing.HiddenCells) error {
	rf := &readErrFile{File: file}
	sheet, err := u.markedSheet(ctx, imp, rf)
	if err == nil {
		err = writeMarked(w, imp, sheet, problems, hidden...)
	}
	if err != nil && rf.err != nil {
		return fmt.Errorf("read upload: %w", rf.err)
	}
	return err
}

// readErrFile keeps the first error reading the file gave (the database
// gone, the request's time up): the readers take a file that cannot be
// read for a damaged one, which it is not.
type readErrFile struct {
	importing.File
	err error
}

func (f *readErrFile) ReadAt(p []byte, off int64) (int, error) {
	n, err := f.File.ReadAt(p, off)
	if err != nil && err != io.EOF && f.err == nil {
		f.err = err
	}
	return n, err
}

// markedInput is the sheet MarkedWorkbook writes back: its name, the cells
// of its widest row and its rows in ascending order.
type markedInput struct {
	name  string
	width int
	// rows calls fn with each row; an error from fn is returned as is.
	rows func(fn func(number int, cells []Cell) error) error
}

// markedSheet opens the sheet the import read (imp.SheetUsed; the first if
// there is none of that name). It is nil if the file has no sheet.
func (u Uploads) markedSheet(ctx context.Context, imp importing.Import, file importing.File) (*markedInput, error) {
	o, err := u.open(ctx, file, imp.Filename)
	switch {
	case err != nil:
		return nil, unreadable(err)
	case o.xlsx != nil:
		return xlsxMarkedSheet(ctx, o.xlsx, imp.SheetUsed)
	case o.csv != nil:
		return csvMarkedSheet(ctx, o.csv)
	}
	return workbookMarkedSheet(o.wb, imp.SheetUsed), nil
}

// workbookMarkedSheet is the named sheet of a workbook read whole (the
// first if none has the name).
func workbookMarkedSheet(wb *Workbook, name string) *markedInput {
	var sheet *Sheet
	for i := range wb.Sheets {
		if wb.Sheets[i].Name == name || (name == "" && i == 0) {
			sheet = &wb.Sheets[i]
			break
		}
	}
	if sheet == nil && len(wb.Sheets) > 0 {
		sheet = &wb.Sheets[0]
	}
	if sheet == nil {
		return nil
	}
	in := &markedInput{name: sheet.Name, rows: func(fn func(int, []Cell) error) error {
		for _, r := range sheet.Rows {
			if err := fn(r.Number, r.Cells); err != nil {
				return err
			}
		}
		return nil
	}}
	for _, r := range sheet.Rows {
		in.width = max(in.width, len(r.Cells))
	}
	return in
}

// xlsxMarkedSheet streams the named sheet of an xlsx file (the first if
// none has the name): once here for its width, once when it is written.
func xlsxMarkedSheet(ctx context.Context, f *XLSXFile, name string) (*markedInput, error) {
	sheets := f.Sheets()
	if len(sheets) == 0 {
		return nil, nil
	}
	idx := 0
	for i, s := range sheets {
		if name != "" && s.Name == name {
			idx = i
			break
		}
	}
	return streamedMarkedSheet(sheets[idx].Name, func(fn func(int, []Cell) error) error {
		return f.Rows(ctx, idx, func(r *Row) error { return fn(r.Number, r.Cells) })
	})
}

// csvMarkedSheet streams the one sheet of a CSV file: once here for its
// width, once when it is written.
func csvMarkedSheet(ctx context.Context, f *csvFile) (*markedInput, error) {
	var cells []Cell
	return streamedMarkedSheet(f.sheet, func(fn func(int, []Cell) error) error {
		return f.rows(ctx, func(number int, values []string) error {
			cells = cells[:0]
			for _, v := range values {
				c := Cell{Value: v}
				if v != "" {
					c.Kind = KindText
				}
				cells = append(cells, c)
			}
			return fn(number, cells)
		})
	})
}

// streamedMarkedSheet is a sheet that read streams (read returns fn's
// error as is): read once here for its width, once when it is written.
// A read error becomes the German conflict of unreadable.
func streamedMarkedSheet(name string, read func(fn func(int, []Cell) error) error) (*markedInput, error) {
	in := &markedInput{name: name}
	in.rows = func(fn func(int, []Cell) error) error {
		var fnErr error
		err := read(func(number int, cells []Cell) error {
			fnErr = fn(number, cells)
			return fnErr
		})
		if err != nil && err == fnErr {
			return err // the writer's own error
		}
		return unreadable(err)
	}
	if err := in.rows(func(_ int, cells []Cell) error {
		in.width = max(in.width, len(cells))
		return nil
	}); err != nil {
		return nil, err
	}
	return in, nil
}

// unreadable turns an *Error into a conflict with a German message and
// passes other errors (a cancelled context) and nil through.
func unreadable(err error) error {
	var e *Error
	switch {
	case !errors.As(err, &e):
		return err
	case errors.Is(err, ErrTooLarge):
		return apperr.Conflict("Die hochgeladene Datei ist zu groß für eine markierte Fassung: " + e.Message)
	}
	return apperr.Conflict("Die hochgeladene Datei ist nicht lesbar, daher gibt es keine markierte Fassung: " + e.Message)
}

// writeMarked writes the marked workbook of sheet (nil: an empty sheet and
// the problems on "Hinweise") to w, each row as it comes.
func writeMarked(w io.Writer, imp importing.Import, sheet *markedInput, problems []importing.StoredProblem, hidden ...importing.HiddenCells) error {
	hide := func(row, col int) bool {
		for _, h := range hidden {
			if h(row, col) {
				return true
			}
		}
		return false
	}
	byRow := map[int][]importing.StoredProblem{}
	var general []importing.StoredProblem
	for _, p := range problems {
		if p.Row <= 0 || (sheet != nil && p.Sheet != "" && p.Sheet != sheet.name) {
			general = append(general, p)
			continue
		}
		byRow[p.Row] = append(byRow[p.Row], p)
	}

	f := excelize.NewFile()
	defer f.Close()
	name := "Tabelle1"
	if sheet != nil && sheet.name != "" {
		name = safeSheetName(sheet.name)
	}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return err
	}
	red, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
		Font: &excelize.Font{Color: "9C0006"}})
	if err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	errText, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "9C0006"}, Alignment: &excelize.Alignment{WrapText: true}})
	if err != nil {
		return err
	}
	dayFmt, timeFmt := "dd.mm.yyyy", "dd.mm.yyyy hh:mm:ss"
	day, err := f.NewStyle(&excelize.Style{CustomNumFmt: &dayFmt})
	if err != nil {
		return err
	}
	dayTime, err := f.NewStyle(&excelize.Style{CustomNumFmt: &timeFmt})
	if err != nil {
		return err
	}
	redDay, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
		Font: &excelize.Font{Color: "9C0006"}, CustomNumFmt: &dayFmt})
	if err != nil {
		return err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	width := 0
	if sheet != nil {
		width = sheet.width
	}
	errCol := max(width, 1) // 0-based index of the "Fehler" column
	if err := sw.SetColWidth(errCol+1, errCol+1, 80); err != nil {
		return err
	}
	if sheet != nil {
		rowsWithProblems := make([]int, 0, len(byRow))
		for r := range byRow {
			rowsWithProblems = append(rowsWithProblems, r)
		}
		sort.Ints(rowsWithProblems)
		next := 0 // index into rowsWithProblems: rows the file has no cells for still get their message
		values := make([]any, errCol+1)
		marked := make([]bool, errCol)
		var msgs []string
		write := func(number int, cells []Cell) error {
			clear(values)
			clear(marked)
			msgs = msgs[:0]
			for _, p := range byRow[number] {
				if p.Column >= 0 {
					if p.Column < errCol {
						marked[p.Column] = true
					}
					msgs = append(msgs, importing.CellRef(p.Column, number)+": "+p.Message)
				} else {
					msgs = append(msgs, p.Message)
				}
			}
			for i := range values[:errCol] {
				var v any
				if i < len(cells) && !hide(number, i) {
					v = cellValue(cells[i])
				}
				t, isDate := v.(time.Time)
				switch {
				case marked[i] && isDate:
					values[i] = excelize.Cell{StyleID: redDay, Value: t}
				case marked[i]:
					values[i] = excelize.Cell{StyleID: red, Value: v}
				case number == imp.HeaderRow && v != nil:
					values[i] = excelize.Cell{StyleID: bold, Value: v}
				case isDate && (t.Hour() != 0 || t.Minute() != 0 || t.Second() != 0):
					values[i] = excelize.Cell{StyleID: dayTime, Value: t}
				case isDate:
					values[i] = excelize.Cell{StyleID: day, Value: t}
				default:
					values[i] = v
				}
			}
			switch {
			case number == imp.HeaderRow:
				values[errCol] = excelize.Cell{StyleID: bold, Value: "Fehler"}
			case len(msgs) > 0:
				values[errCol] = excelize.Cell{StyleID: errText, Value: strings.Join(msgs, "\n")}
			}
			return sw.SetRow("A"+strconv.Itoa(number), values)
		}
		err := sheet.rows(func(number int, cells []Cell) error {
			for next < len(rowsWithProblems) && rowsWithProblems[next] < number {
				if err := write(rowsWithProblems[next], nil); err != nil {
					return err
				}
				next++
			}
			if next < len(rowsWithProblems) && rowsWithProblems[next] == number {
				next++
				return write(number, cells)
			}
			if number <= imp.HeaderRow {
				return write(number, cells) // the header and the title rows above it
			}
			return nil
		})
		if err != nil {
			return err
		}
		for ; next < len(rowsWithProblems); next++ {
			if err := write(rowsWithProblems[next], nil); err != nil {
				return err
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return err
	}
	if len(general) > 0 {
		if _, err := f.NewSheet("Hinweise"); err != nil {
			return err
		}
		for i, p := range general {
			if err := f.SetCellValue("Hinweise", "A"+strconv.Itoa(i+1), p.Message); err != nil {
				return err
			}
		}
	}
	// Write assembles the archive in a bytes.Buffer; with this zip writer
	// it goes to w instead (the buffer stays empty), the rows copied from
	// the stream writer's temporary file.
	f.SetZipWriter(func(io.Writer) excelize.ZipWriter { return zip.NewWriter(w) })
	if err := f.Write(io.Discard); err != nil {
		return fmt.Errorf("write marked workbook: %w", err)
	}
	return nil
}

// cellValue keeps numbers as numbers so Excel shows no "number stored as
// text" warnings, and dates as dates (a time.Time, shown TT.MM.JJJJ, not
// the ISO text they are read as); everything else is written as the text
// that was read.
func cellValue(c Cell) any {
	switch c.Kind {
	case KindEmpty:
		return nil
	case KindNumber:
		if f, err := strconv.ParseFloat(c.Value, 64); err == nil {
			return f
		}
	case KindDate:
		for _, layout := range []string{time.DateOnly, "2006-01-02T15:04:05"} {
			if t, err := time.Parse(layout, c.Value); err == nil {
				return t
			}
		}
	}
	return cleanCellText(c.Value)
}

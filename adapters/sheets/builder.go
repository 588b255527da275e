package sheets

import (
	"context"
	"fmt"
	"github.com/schulgateway/schulgateway/internal/importing"
	"sort"
)

// builder collects the sheets of one workbook and enforces the limits that
// bound memory: cells held, bytes of cell text, rows per sheet, columns per
// row. Every reader goes through it.
type builder struct {
	ctx    context.Context
	lim    Limits
	cells  int   // cell slots held
	text   int64 // bytes of cell text held (repeated cells counted each time)
	ticks  int
	sheets []Sheet
}

func newBuilder(ctx context.Context, lim Limits) *builder {
	return &builder{ctx: ctx, lim: lim}
}

// tick checks the context every few thousand calls; readers call it per
// element or record so that a cancelled upload stops soon.
func (b *builder) tick() error {
	b.ticks++
	if b.ticks&0xfff == 0 {
		return b.ctx.Err()
	}
	return nil
}

func (b *builder) workbook(f Format) *Workbook {
	if b.sheets == nil {
		b.sheets = []Sheet{}
	}
	return &Workbook{Format: f, Sheets: b.sheets}
}

// colRange is a range of 0-based columns [from, to].
type colRange struct{ from, to int }

// sheetBuilder collects the rows of one sheet.
type sheetBuilder struct {
	b          *builder
	sheet      Sheet
	hiddenCols []colRange
	unsorted   bool

	// the row being read
	cells []Cell
	last  int // index after the last non-empty cell of the row
}

func (b *builder) newSheet(name string, hidden bool) *sheetBuilder {
	return &sheetBuilder{b: b, sheet: Sheet{Name: name, Hidden: hidden, Rows: []Row{}}}
}

func (s *sheetBuilder) hideColumns(from, to int) {
	if from < 0 {
		from = 0
	}
	if to < from {
		return
	}
	s.hiddenCols = append(s.hiddenCols, colRange{from, to})
}

// set puts a non-empty value into column col of the current row. rowNumber
// is only used for the error message.
func (s *sheetBuilder) set(col, rowNumber int, value string, kind CellKind) error {
	if kind == KindEmpty || col < 0 {
		return nil
	}
	if col >= s.b.lim.MaxColumns {
		return tooWide(s.sheet.Name, col, rowNumber, s.b.lim.MaxColumns)
	}
	if col >= len(s.cells) {
		if col < cap(s.cells) {
			s.cells = s.cells[:col+1]
		} else {
			n := make([]Cell, col+1, max(2*cap(s.cells), col+1, 16))
			copy(n, s.cells)
			s.cells = n
		}
	}
	s.cells[col] = Cell{Value: value, Kind: kind}
	if col+1 > s.last {
		s.last = col + 1
	}
	return nil
}

// resetRow forgets the current row.
func (s *sheetBuilder) resetRow() {
	clear(s.cells)
	s.cells = s.cells[:0]
	s.last = 0
}

// commitRow stores the current row as row number (1-based), repeated times
// (for ODS repeated rows), and resets it. An empty row is dropped at no cost.
func (s *sheetBuilder) commitRow(number int, hidden bool, repeated int) error {
	defer s.resetRow()
	return s.addRow(number, hidden, repeated, s.cells[:s.last])
}

// addRow stores a copy of cells (which end with a non-empty cell, or are
// empty) as row number, repeated times.
func (s *sheetBuilder) addRow(number int, hidden bool, repeated int, cells []Cell) error {
	if len(cells) == 0 {
		return nil
	}
	if repeated < 1 {
		repeated = 1
	}
	var textBytes int64
	for _, c := range cells {
		textBytes += int64(len(c.Value))
	}
	for i := 0; i < repeated; i++ {
		if len(s.sheet.Rows) >= s.b.lim.MaxRows {
			return tooManyRows(s.sheet.Name, s.b.lim.MaxRows)
		}
		s.b.cells += len(cells)
		if s.b.cells > s.b.lim.MaxCells {
			return newError(ErrTooLarge, fmt.Errorf("more than %d cells", s.b.lim.MaxCells),
				fmt.Sprintf("Die Datei enthält zu viele Zellen (mehr als %d).", s.b.lim.MaxCells))
		}
		s.b.text += textBytes
		if s.b.text > s.b.lim.MaxUncompressed {
			return newError(ErrTooLarge, fmt.Errorf("more than %d bytes of cell text", s.b.lim.MaxUncompressed),
				fmt.Sprintf("Die Datei enthält zu viel Text (mehr als %s).", humanBytes(s.b.lim.MaxUncompressed)))
		}
		row := Row{Number: number + i, Hidden: hidden, Cells: make([]Cell, len(cells))}
		copy(row.Cells, cells)
		if n := len(s.sheet.Rows); n > 0 && s.sheet.Rows[n-1].Number >= row.Number {
			s.unsorted = true
		}
		s.sheet.Rows = append(s.sheet.Rows, row)
		if err := s.b.tick(); err != nil {
			return err
		}
	}
	return nil
}

// tooWide is the error for a value in column col (0-based) >= maxCols.
func tooWide(sheet string, col, rowNumber, maxCols int) *Error {
	return newError(ErrTooLarge, fmt.Errorf("column %d >= %d", col, maxCols),
		fmt.Sprintf("In der Tabelle „%s“ steht ein Wert in Spalte %s (Zelle %s); erlaubt sind höchstens %d Spalten.",
			sheet, importing.ColumnLetter(col), importing.CellRef(col, rowNumber), maxCols))
}

// tooManyRows is the error for a sheet with more than maxRows non-empty rows.
func tooManyRows(sheet string, maxRows int) *Error {
	return newError(ErrTooLarge, fmt.Errorf("more than %d rows in sheet %q", maxRows, sheet),
		fmt.Sprintf("Die Tabelle „%s“ hat mehr als %d Zeilen mit Inhalt. Bitte teilen Sie die Liste auf.",
			sheet, maxRows))
}

// finish sorts and merges rows if needed, flags hidden columns and adds the
// sheet to the workbook.
func (s *sheetBuilder) finish() {
	rows := s.sheet.Rows
	if s.unsorted {
		sort.SliceStable(rows, func(i, j int) bool { return rows[i].Number < rows[j].Number })
		out := rows[:0]
		for _, r := range rows {
			if n := len(out); n > 0 && out[n-1].Number == r.Number {
				out[n-1] = mergeRows(out[n-1], r)
				continue
			}
			out = append(out, r)
		}
		rows = out
	}
	if len(s.hiddenCols) > 0 {
		for i := range rows {
			for _, h := range s.hiddenCols {
				for c := h.from; c <= h.to && c < len(rows[i].Cells); c++ {
					rows[i].Cells[c].Hidden = true
				}
			}
		}
	}
	s.sheet.Rows = rows
	s.b.sheets = append(s.b.sheets, s.sheet)
}

// mergeRows merges two rows with the same number; later values win.
func mergeRows(a, b Row) Row {
	if len(b.Cells) > len(a.Cells) {
		n := make([]Cell, len(b.Cells))
		copy(n, a.Cells)
		a.Cells = n
	}
	for i, c := range b.Cells {
		if c.Kind != KindEmpty {
			a.Cells[i] = c
		}
	}
	a.Hidden = a.Hidden || b.Hidden
	return a
}

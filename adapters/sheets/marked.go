package sheets

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"sort"
	"strconv"
	"strings"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// MarkedWorkbook writes the sheet an import read back as xlsx, every row at
// the row number it had, with an added column "Fehler" that lists the
// row's problems and each faulty cell filled red: staff correct the cells
// in Excel and upload the file again. Problems of the file as a whole are
// listed on a second sheet "Hinweise".
func MarkedWorkbook(ctx context.Context, imp importing.Import, file importing.File, problems []importing.StoredProblem) ([]byte, error) {
	if err := checkSize(file.Size(), DefaultLimits); err != nil {
		return nil, apperr.Conflict("Die hochgeladene Datei ist zu groß für eine markierte Fassung: " + err.(*Error).Message)
	}
	data, err := readWhole(file)
	if err != nil {
		return nil, err
	}
	wb, err := Read(ctx, data, imp.Filename, Limits{})
	if err != nil {
		var e *Error
		if errors.As(err, &e) {
			return nil, apperr.Conflict("Die hochgeladene Datei ist nicht lesbar, daher gibt es keine markierte Fassung: " + e.Message)
		}
		return nil, err
	}
	var sheet *Sheet
	for i := range wb.Sheets {
		if wb.Sheets[i].Name == imp.SheetUsed || (imp.SheetUsed == "" && i == 0) {
			sheet = &wb.Sheets[i]
			break
		}
	}
	if sheet == nil && len(wb.Sheets) > 0 {
		sheet = &wb.Sheets[0]
	}

	byRow := map[int][]importing.StoredProblem{}
	var general []importing.StoredProblem
	for _, p := range problems {
		if p.Row <= 0 || (sheet != nil && p.Sheet != "" && p.Sheet != sheet.Name) {
			general = append(general, p)
			continue
		}
		byRow[p.Row] = append(byRow[p.Row], p)
	}

	f := excelize.NewFile()
	defer f.Close()
	name := "Tabelle1"
	if sheet != nil && sheet.Name != "" {
		name = safeSheetName(sheet.Name)
	}
	if err := f.SetSheetName("Sheet1", name); err != nil {
		return nil, err
	}
	red, err := f.NewStyle(&excelize.Style{Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
		Font: &excelize.Font{Color: "9C0006"}})
	if err != nil {
		return nil, err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return nil, err
	}
	errText, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Color: "9C0006"}, Alignment: &excelize.Alignment{WrapText: true}})
	if err != nil {
		return nil, err
	}
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return nil, err
	}
	width := 0
	if sheet != nil {
		for _, r := range sheet.Rows {
			width = max(width, len(r.Cells))
		}
	}
	errCol := max(width, 1) // 0-based index of the "Fehler" column
	if err := sw.SetColWidth(errCol+1, errCol+1, 80); err != nil {
		return nil, err
	}
	if sheet != nil {
		rowsWithProblems := make([]int, 0, len(byRow))
		for r := range byRow {
			rowsWithProblems = append(rowsWithProblems, r)
		}
		sort.Ints(rowsWithProblems)
		next := 0 // index into rowsWithProblems: rows the file has no cells for still get their message
		write := func(number int, cells []Cell) error {
			values := make([]any, errCol+1)
			marked := map[int]bool{}
			var msgs []string
			for _, p := range byRow[number] {
				if p.Column >= 0 {
					marked[p.Column] = true
					msgs = append(msgs, importing.CellRef(p.Column, number)+": "+p.Message)
				} else {
					msgs = append(msgs, p.Message)
				}
			}
			for i := range values[:errCol] {
				var v any
				if i < len(cells) {
					v = cellValue(cells[i])
				}
				switch {
				case marked[i]:
					values[i] = excelize.Cell{StyleID: red, Value: v}
				case number == imp.HeaderRow && v != nil:
					values[i] = excelize.Cell{StyleID: bold, Value: v}
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
		for _, r := range sheet.Rows {
			for next < len(rowsWithProblems) && rowsWithProblems[next] < r.Number {
				if err := write(rowsWithProblems[next], nil); err != nil {
					return nil, err
				}
				next++
			}
			if next < len(rowsWithProblems) && rowsWithProblems[next] == r.Number {
				next++
			}
			if err := write(r.Number, r.Cells); err != nil {
				return nil, err
			}
		}
		for ; next < len(rowsWithProblems); next++ {
			if err := write(rowsWithProblems[next], nil); err != nil {
				return nil, err
			}
		}
	}
	if err := sw.Flush(); err != nil {
		return nil, err
	}
	if len(general) > 0 {
		if _, err := f.NewSheet("Hinweise"); err != nil {
			return nil, err
		}
		for i, p := range general {
			if err := f.SetCellValue("Hinweise", "A"+strconv.Itoa(i+1), p.Message); err != nil {
				return nil, err
			}
		}
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return nil, fmt.Errorf("write marked workbook: %w", err)
	}
	return buf.Bytes(), nil
}

// cellValue keeps numbers as numbers so Excel shows no "number stored as
// text" warnings; everything else is written as the text that was read.
func cellValue(c Cell) any {
	switch c.Kind {
	case KindEmpty:
		return nil
	case KindNumber:
		if f, err := strconv.ParseFloat(c.Value, 64); err == nil {
			return f
		}
	}
	return cleanCellText(c.Value)
}

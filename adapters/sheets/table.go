package sheets

import (
	"bufio"
	"encoding/csv"
	"fmt"
	"io"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// Table is one table of an export, described once and written as xlsx
// (WriteXLSX) or CSV (WriteCSV) as German office programs read them.
//
// A row holds one value per column: nil (empty), string (text), int,
// int64 or float64 (a number), or time.Time (a date; with the time of
// day when the column says so). Other types are written as text.
type Table struct {
	Sheet   string // the worksheet's name; made valid and unique by WriteXLSX
	Columns []Column
	Rows    [][]any
}

// Column is a column of a Table.
type Column struct {
	Header    string  // German, shown in the frozen bold first row
	Width     float64 // in characters; 0 fits the header and the values (at most 60)
	NumFormat string  // xlsx number format of its numbers, e.g. "0.00"; "" shows them as they are
	WithTime  bool    // dates show the time of day (TT.MM.JJJJ hh:mm:ss)
}

// Chart is a chart sheet drawn from a Table of the same workbook: bars
// for some columns and lines for others, one category per row.
type Chart struct {
	Sheet      string // the chart sheet's name
	Title      string
	Data       string // Sheet of the Table with the data
	Categories int    // column (0-based) of the category labels
	Bars       []int  // columns drawn as bars
	Lines      []int  // columns drawn as lines (over the bars)
}

// Formats of dates in xlsx and CSV.
const (
	xlsxDate     = "dd.mm.yyyy"
	xlsxDateTime = "dd.mm.yyyy hh:mm:ss"
	csvDate      = "02.01.2006"
	csvDateTime  = "02.01.2006 15:04:05"
	maxAutoWidth = 60
)

// MIME types of the two formats.
const (
	XLSXType = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
	CSVType  = "text/csv; charset=utf-8"
)

// WriteXLSX writes the tables as worksheets of one workbook, in order,
// then the chart sheets: bold header row, frozen below it, column widths,
// numbers as numbers, dates as dates (TT.MM.JJJJ). Text stays text, never
// a formula. Rows are streamed to the sheet.
func WriteXLSX(w io.Writer, tables []Table, charts ...Chart) error {
	f := excelize.NewFile()
	defer f.Close()
	if len(tables) == 0 {
		tables = []Table{{}}
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	styles := map[string]int{}
	style := func(numFmt string) (int, error) {
		if id, ok := styles[numFmt]; ok {
			return id, nil
		}
		id, err := f.NewStyle(&excelize.Style{CustomNumFmt: &numFmt})
		styles[numFmt] = id
		return id, err
	}
	names := sheetNamer{}
	first := f.GetSheetName(0)
	drawn := 0
	for i, t := range tables {
		name := names.add(t.Sheet)
		if i == 0 {
			err = f.SetSheetName(first, name)
		} else {
			_, err = f.NewSheet(name)
		}
		if err != nil {
			return err
		}
		if err := writeSheet(f, name, t, bold, style); err != nil {
			return err
		}
		// A table's charts follow it.
		for _, c := range charts {
			if c.Data != t.Sheet {
				continue
			}
			drawn++
			if len(t.Rows) == 0 {
				continue
			}
			if err := addChart(f, names.add(c.Sheet), name, c, len(t.Rows)); err != nil {
				return err
			}
		}
	}
	if drawn != len(charts) {
		return fmt.Errorf("sheets: %d of %d charts draw from no table", len(charts)-drawn, len(charts))
	}
	f.SetActiveSheet(0)
	return f.Write(w)
}

func writeSheet(f *excelize.File, name string, t Table, bold int, style func(string) (int, error)) error {
	sw, err := f.NewStreamWriter(name)
	if err != nil {
		return err
	}
	for i, w := range columnWidths(t) {
		if err := sw.SetColWidth(i+1, i+1, w); err != nil {
			return err
		}
	}
	if err := sw.SetPanes(&excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"}); err != nil {
		return err
	}
	header := make([]any, len(t.Columns))
	for i, c := range t.Columns {
		header[i] = excelize.Cell{StyleID: bold, Value: cleanCellText(c.Header)}
	}
	if err := sw.SetRow("A1", header); err != nil {
		return err
	}
	// One style per column for its dates and numbers.
	dateStyle := make([]int, len(t.Columns))
	numStyle := make([]int, len(t.Columns))
	for i, c := range t.Columns {
		format := xlsxDate
		if c.WithTime {
			format = xlsxDateTime
		}
		if dateStyle[i], err = style(format); err != nil {
			return err
		}
		if c.NumFormat != "" {
			if numStyle[i], err = style(c.NumFormat); err != nil {
				return err
			}
		}
	}
	row := make([]any, len(t.Columns))
	for r, values := range t.Rows {
		clear(row)
		for i, v := range values {
			if i >= len(row) {
				break
			}
			switch x := v.(type) {
			case nil:
			case string:
				row[i] = cleanCellText(x)
			case int, int64, float64:
				row[i] = excelize.Cell{StyleID: numStyle[i], Value: x}
			case time.Time:
				row[i] = excelize.Cell{StyleID: dateStyle[i], Value: x}
			default:
				row[i] = cleanCellText(fmt.Sprint(x))
			}
		}
		cell, _ := excelize.CoordinatesToCellName(1, r+2)
		if err := sw.SetRow(cell, row); err != nil {
			return err
		}
	}
	return sw.Flush()
}

// columnWidths are the columns' widths; a column without one fits its
// header and its values, a few characters more, at most maxAutoWidth.
func columnWidths(t Table) []float64 {
	out := make([]float64, len(t.Columns))
	for i, c := range t.Columns {
		if c.Width > 0 {
			out[i] = c.Width
			continue
		}
		n := utf8.RuneCountInString(c.Header)
		for _, row := range t.Rows {
			if i < len(row) {
				n = max(n, utf8.RuneCountInString(csvValue(row[i], c)))
			}
		}
		out[i] = float64(min(n, maxAutoWidth) + 3)
	}
	return out
}

func addChart(f *excelize.File, sheet, data string, c Chart, rows int) error {
	n := rows + 1
	series := func(col int) excelize.ChartSeries {
		name, _ := excelize.ColumnNumberToName(col + 1)
		cat, _ := excelize.ColumnNumberToName(c.Categories + 1)
		return excelize.ChartSeries{Name: fmt.Sprintf("'%s'!$%s$1", data, name),
			Categories: fmt.Sprintf("'%s'!$%s$2:$%s$%d", data, cat, cat, n),
			Values:     fmt.Sprintf("'%s'!$%s$2:$%s$%d", data, name, name, n)}
	}
	var bars, lines []excelize.ChartSeries
	for _, col := range c.Bars {
		bars = append(bars, series(col))
	}
	for _, col := range c.Lines {
		lines = append(lines, series(col))
	}
	chart := &excelize.Chart{Type: excelize.Col, Series: bars,
		Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: c.Title}}},
		Legend: excelize.ChartLegend{Position: "bottom"}}
	if len(lines) == 0 {
		return f.AddChartSheet(sheet, chart)
	}
	return f.AddChartSheet(sheet, chart, &excelize.Chart{Type: excelize.Line, Series: lines})
}

// sheetNamer hands out valid sheet names (safeSheetName), unique without
// regard to case as Excel wants them: a second "Liste" becomes "Liste (2)".
type sheetNamer map[string]bool

func (s sheetNamer) add(name string) string {
	name = safeSheetName(name)
	out := name
	for i := 2; s[strings.ToLower(out)]; i++ {
		suffix := fmt.Sprintf(" (%d)", i)
		out = string([]rune(name)[:min(utf8.RuneCountInString(name), 31-len(suffix))]) + suffix
	}
	s[strings.ToLower(out)] = true
	return out
}

// WriteCSV writes the table as German Excel opens CSV: UTF-8 with byte
// order mark, semicolons, CRLF, dates as TT.MM.JJJJ, decimal commas. A
// text that a spreadsheet program would take for a formula (it begins
// with = + - @, a tab or a carriage return) gets an apostrophe before it.
func WriteCSV(w io.Writer, t Table) error {
	bw := bufio.NewWriter(w)
	bw.WriteString("\ufeff") //nolint:errcheck // errors surface at Flush
	cw := csv.NewWriter(bw)
	cw.Comma, cw.UseCRLF = ';', true
	record := make([]string, len(t.Columns))
	for i, c := range t.Columns {
		record[i] = GuardFormula(c.Header)
	}
	cw.Write(record) //nolint:errcheck // errors surface at Flush
	for _, row := range t.Rows {
		clear(record)
		for i, v := range row {
			if i < len(record) {
				record[i] = csvValue(v, t.Columns[i])
				if _, text := v.(string); text {
					record[i] = GuardFormula(record[i])
				}
			}
		}
		cw.Write(record) //nolint:errcheck
	}
	cw.Flush()
	if err := cw.Error(); err != nil {
		return err
	}
	return bw.Flush()
}

// csvValue is a value as CSV (and the width of a column) shows it.
func csvValue(v any, c Column) string {
	switch x := v.(type) {
	case nil:
		return ""
	case string:
		return x
	case int:
		return strconv.Itoa(x)
	case int64:
		return strconv.FormatInt(x, 10)
	case float64:
		return Decimal(x)
	case time.Time:
		if c.WithTime {
			return x.Format(csvDateTime)
		}
		return x.Format(csvDate)
	}
	return fmt.Sprint(v)
}

// Decimal writes a number as German Excel reads it: a decimal comma, no
// thousands separator, at most six decimals.
func Decimal(v float64) string {
	r, _ := strconv.ParseFloat(strconv.FormatFloat(v, 'f', 6, 64), 64)
	return strings.Replace(strconv.FormatFloat(r, 'f', -1, 64), ".", ",", 1)
}

// GuardFormula keeps a spreadsheet program from reading a text as a
// formula (CSV injection): a leading =, +, -, @, tab or carriage return
// gets an apostrophe before it.
func GuardFormula(s string) string {
	if s != "" && strings.ContainsRune("=+-@\t\r", rune(s[0])) {
		return "'" + s
	}
	return s
}

package sheets

import (
	"fmt"
	"io"
	"sort"
	"strings"
	"unicode/utf8"

	"github.com/xuri/excelize/v2"
)

// maxCellChars is the most characters Excel keeps in one cell.
const maxCellChars = 32767

// WriteMarkedXLSX writes a list back for the user, e.g. the rows an import
// rejected: one sheet with header in row 1, rows below it, and extraColumn
// (e.g. "Fehler") added after the last column. marks maps (rowIdx, colIdx)
// to a message; rowIdx counts rows (0 = the first row below the header),
// colIdx columns (0 = A). A marked cell is filled red and gets the message as
// a comment; the extra column of its row lists the messages as
// "Header: message". colIdx -1 marks the row only, with the message in the
// extra column. An empty extraColumn leaves the column out. Every value is
// written as text, so leading zeros and formulas-looking text stay as they
// are.
func WriteMarkedXLSX(w io.Writer, sheet string, header []string, rows [][]string, marks map[[2]int]string, extraColumn string) error {
	width := len(header)
	for _, r := range rows {
		width = max(width, len(r))
	}
	type mark struct {
		col int
		msg string
	}
	byRow := map[int][]mark{}
	for k, msg := range marks {
		r, c := k[0], k[1]
		if r < 0 || r >= len(rows) || c < -1 || c >= width {
			return fmt.Errorf("sheets: mark (%d,%d) outside the %d×%d table", r, c, len(rows), width)
		}
		byRow[r] = append(byRow[r], mark{c, msg})
	}

	f := excelize.NewFile()
	defer f.Close()
	name := safeSheetName(sheet)
	if err := f.SetSheetName(f.GetSheetName(0), name); err != nil {
		return err
	}
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	red, err := f.NewStyle(&excelize.Style{
		Fill: excelize.Fill{Type: "pattern", Pattern: 1, Color: []string{"FFC7CE"}},
		Font: &excelize.Font{Color: "9C0006"},
	})
	if err != nil {
		return err
	}

	put := func(col, row int, v string) error {
		if v == "" {
			return nil
		}
		return f.SetCellStr(name, CellRef(col, row), cleanCellText(v))
	}
	for c, h := range header {
		if err := put(c, 1, h); err != nil {
			return err
		}
	}
	extra := -1
	if extraColumn != "" {
		extra = width
		if err := put(extra, 1, extraColumn); err != nil {
			return err
		}
	}
	if last := max(width-1, extra); last >= 0 {
		if err := f.SetCellStyle(name, "A1", CellRef(last, 1), bold); err != nil {
			return err
		}
	}
	for i, r := range rows {
		rowNum := i + 2
		for c, v := range r {
			if err := put(c, rowNum, v); err != nil {
				return err
			}
		}
		ms := byRow[i]
		if len(ms) == 0 {
			continue
		}
		sort.Slice(ms, func(a, b int) bool { return ms[a].col < ms[b].col })
		var msgs []string
		for _, m := range ms {
			if m.col < 0 {
				msgs = append(msgs, m.msg)
				continue
			}
			ref := CellRef(m.col, rowNum)
			if err := f.SetCellStyle(name, ref, ref, red); err != nil {
				return err
			}
			if err := f.AddComment(name, excelize.Comment{Cell: ref, Author: "Schulgateway", Text: cleanCellText(m.msg)}); err != nil {
				return err
			}
			if m.col < len(header) && header[m.col] != "" {
				msgs = append(msgs, header[m.col]+": "+m.msg)
			} else {
				msgs = append(msgs, ColumnLetter(m.col)+": "+m.msg)
			}
		}
		if extra >= 0 {
			if err := put(extra, rowNum, strings.Join(msgs, "; ")); err != nil {
				return err
			}
			if err := f.SetCellStyle(name, CellRef(extra, rowNum), CellRef(extra, rowNum), red); err != nil {
				return err
			}
		}
	}
	if extra >= 0 {
		col := ColumnLetter(extra)
		if err := f.SetColWidth(name, col, col, 50); err != nil {
			return err
		}
	}
	return f.Write(w)
}

// safeSheetName makes a valid sheet name: at most 31 characters, none of
// : \ / ? * [ ], not empty.
func safeSheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			return '_'
		}
		if r < 0x20 {
			return -1
		}
		return r
	}, s)
	s = strings.Trim(s, "'")
	if utf8.RuneCountInString(s) > 31 {
		s = string([]rune(s)[:31])
	}
	if strings.TrimSpace(s) == "" {
		return "Tabelle1"
	}
	return s
}

// cleanCellText drops characters XML 1.0 cannot carry and cuts the text to
// the length Excel keeps.
func cleanCellText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(s) > maxCellChars {
		s = string([]rune(s)[:maxCellChars])
	}
	return s
}

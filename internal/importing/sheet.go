package importing

import "strconv"

// Row is one row of a sheet as an adapter read it.
type Row struct {
	// Number is the 1-based row number the user sees in the spreadsheet.
	Number int
	// Cells holds the cell texts by 0-based column index. Number cells are
	// given as the text of their value ("6108", "43921").
	Cells []string
}

// Sheet is one table of an uploaded file.
type Sheet struct {
	Name string
	Rows []Row
}

// cell returns the text of column col, or "" when the row is shorter.
func (r Row) cell(col int) string {
	if col < 0 || col >= len(r.Cells) {
		return ""
	}
	return r.Cells[col]
}

// ColumnLetter turns a 0-based column index into the spreadsheet's column
// name: 0 → "A", 25 → "Z", 26 → "AA", 701 → "ZZ", 702 → "AAA".
// A negative index gives "".
func ColumnLetter(i int) string {
	if i < 0 {
		return ""
	}
	var buf [8]byte
	pos := len(buf)
	for n := i + 1; n > 0; n = (n - 1) / 26 {
		pos--
		buf[pos] = byte('A' + (n-1)%26)
	}
	return string(buf[pos:])
}

// CellRef names a cell the way a spreadsheet does: CellRef(2, 10) is "C10".
func CellRef(col, row int) string {
	return ColumnLetter(col) + strconv.Itoa(row)
}

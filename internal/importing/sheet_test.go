package importing

import "testing"

func TestColumnLetter(t *testing.T) {
	tests := []struct {
		in   int
		want string
	}{
		{0, "A"}, {1, "B"}, {25, "Z"}, {26, "AA"}, {27, "AB"}, {51, "AZ"}, {52, "BA"},
		{701, "ZZ"}, {702, "AAA"}, {16383, "XFD"}, {-1, ""},
	}
	for _, tt := range tests {
		if got := ColumnLetter(tt.in); got != tt.want {
			t.Errorf("ColumnLetter(%d) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestCellRef(t *testing.T) {
	tests := []struct {
		col, row int
		want     string
	}{
		{2, 10, "C10"}, {0, 1, "A1"}, {26, 1048576, "AA1048576"},
	}
	for _, tt := range tests {
		if got := CellRef(tt.col, tt.row); got != tt.want {
			t.Errorf("CellRef(%d, %d) = %q, want %q", tt.col, tt.row, got, tt.want)
		}
	}
}

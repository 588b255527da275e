package importing

// sheetOf builds a sheet whose rows are numbered from 1; nil is a blank row.
func sheetOf(name string, rows ...[]string) Sheet {
	s := Sheet{Name: name}
	for i, cells := range rows {
		s.Rows = append(s.Rows, Row{Number: i + 1, Cells: cells})
	}
	return s
}

func problemCodes(ps []HeaderProblem) []string {
	var out []string
	for _, p := range ps {
		out = append(out, p.Code)
	}
	return out
}

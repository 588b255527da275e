package importing

import (
	"context"
	"errors"
	"slices"
	"strings"
)

// Recognition is what the gateway recognised in a file for a kind: the
// sheet, the header row and which column feeds which field. It is filled
// as far as possible also when the header is incomplete, so that staff
// can see what is missing and map a column.
type Recognition struct {
	Listenart Listenart
	Sheet     string
	HeaderRow int
	Columns   []ColumnMatch
	// Missing lists the fields without a column.
	Missing []Field
	// Problem is the German reason the header cannot be used; "" when it can.
	Problem string
}

// ColumnMatch is one column of the header row and the field it feeds
// ("" when the column is ignored).
type ColumnMatch struct {
	Column int
	Header string
	Field  string
	Label  string
	// Fuzzy marks a header recognised despite a typo.
	Fuzzy bool
}

// Recognise probes the first rows of each sheet (or of the one asked
// for) the way an import does and reports the best header for kind k.
// Only a file without any sheet, or a sheet name that does not exist,
// is an error (*FileError).
func Recognise(ctx context.Context, src Source, k Listenart, sheet string, m Mapping) (Recognition, error) {
	probes, err := probeSheets(ctx, src, sheet)
	if err != nil {
		return Recognition{Listenart: k}, err
	}
	r, _ := bestRecognition(k, probes, m)
	return r, nil
}

// GuessListenart returns the kind whose header the file matches best (a
// usable header first, then the most recognised columns), with what was
// recognised. mappings holds each kind's saved header mappings. ok is
// false when no kind's header was found at all.
func GuessListenart(ctx context.Context, src Source, sheet string, mappings map[Listenart]Mapping) (r Recognition, ok bool, err error) {
	probes, err := probeSheets(ctx, src, sheet)
	if err != nil {
		return Recognition{}, false, err
	}
	bestScore := -1
	for _, k := range Listenarten() {
		rec, score := bestRecognition(k, probes, mappings[k])
		if score > bestScore {
			r, bestScore = rec, score
		}
	}
	return r, bestScore > 0, nil
}

// probeSheets reads the first rows of every sheet, or of the one named.
func probeSheets(ctx context.Context, src Source, sheet string) ([]Sheet, error) {
	names := src.SheetNames()
	if len(names) == 0 {
		return nil, &FileError{Code: "keine_tabelle", Message: "Die Datei enthält keine Tabelle."}
	}
	var probes []Sheet
	for i, n := range names {
		if sheet != "" && !sameSheet(n, sheet) {
			continue
		}
		probe := Sheet{Name: n}
		err := src.Rows(ctx, i, func(row Row) error {
			probe.Rows = append(probe.Rows, Row{Number: row.Number, Cells: append([]string(nil), row.Cells...)})
			if len(probe.Rows) >= headerProbeRows {
				return errProbeDone
			}
			return nil
		})
		if err != nil && !errors.Is(err, errProbeDone) {
			return nil, err
		}
		probes = append(probes, probe)
	}
	if len(probes) == 0 {
		_, _, _, err := chooseSheet(ctx, src, Options{Sheet: sheet})
		return nil, err
	}
	return probes, nil
}

// bestRecognition scores each probed sheet for k: a usable header counts
// more than any number of columns, so a complete header always wins.
func bestRecognition(k Listenart, probes []Sheet, m Mapping) (Recognition, int) {
	best, bestScore := Recognition{Listenart: k}, -1
	for _, p := range probes {
		h, err := DetectHeader(k, p, m)
		score := len(h.Columns)
		if err == nil {
			score += 1000
		}
		if score > bestScore {
			best, bestScore = recognitionOf(k, p, h, err), score
		}
	}
	return best, bestScore
}

func recognitionOf(k Listenart, p Sheet, h HeaderMatch, err error) Recognition {
	r := Recognition{Listenart: k, Sheet: p.Name, HeaderRow: h.RowNumber, Missing: h.Missing}
	if err != nil {
		r.Problem = err.Error()
	}
	var header []string
	for _, row := range p.Rows {
		if row.Number == h.RowNumber {
			header = row.Cells
		}
	}
	fuzzy := map[int]bool{}
	for _, f := range h.Fuzzy {
		fuzzy[f.Column] = true
	}
	labels := map[string]string{}
	for _, f := range Fields(k) {
		labels[f.Name] = f.Label
	}
	// A column may serve several fields ("Klasse" → klasse and
	// jahrgangsstufe); it is listed once, with the field it was named for.
	byCol := map[int][]string{}
	for field, col := range h.Columns {
		byCol[col] = append(byCol[col], field)
	}
	for col, text := range header {
		text = cleanCell(text)
		if text == "" {
			continue
		}
		cm := ColumnMatch{Column: col, Header: text, Fuzzy: fuzzy[col]}
		if fields := byCol[col]; len(fields) > 0 {
			slices.Sort(fields)
			cm.Field = fields[0]
			for _, f := range Fields(k) { // the kind's order: the primary field first
				if slices.Contains(fields, f.Name) {
					cm.Field = f.Name
					break
				}
			}
			cm.Label = labels[cm.Field]
		}
		r.Columns = append(r.Columns, cm)
	}
	return r
}

func sameSheet(a, b string) bool {
	return strings.EqualFold(strings.TrimSpace(a), strings.TrimSpace(b))
}

// KeptHeader is a Recognition as it is kept with an import once the run
// has read the file: the sheet, the header row, each column with the
// field it fed ("" for a column the list does not know) and the fields
// without a column, by name. Labels and the kind's field list are the
// kind's own and are added when it is read back (Recognition).
type KeptHeader struct {
	Sheet     string       `json:"sheet"`
	HeaderRow int          `json:"header_row"`
	Columns   []KeptColumn `json:"columns"`
	Missing   []string     `json:"missing"`
	Problem   string       `json:"problem,omitempty"`
}

// KeptColumn is one column of a KeptHeader (Column counts from 0).
type KeptColumn struct {
	Column int    `json:"column"`
	Header string `json:"header"`
	Field  string `json:"field,omitempty"`
	Fuzzy  bool   `json:"fuzzy,omitempty"`
}

// Keep returns r as it is kept with an import.
func (r Recognition) Keep() KeptHeader {
	h := KeptHeader{Sheet: r.Sheet, HeaderRow: r.HeaderRow, Problem: r.Problem, Columns: []KeptColumn{}, Missing: []string{}}
	for _, c := range r.Columns {
		h.Columns = append(h.Columns, KeptColumn{Column: c.Column, Header: c.Header, Field: c.Field, Fuzzy: c.Fuzzy})
	}
	for _, f := range r.Missing {
		h.Missing = append(h.Missing, f.Name)
	}
	return h
}

// Recognition is the kept header of an import of kind k again, with the
// kind's labels. A field the kind no longer has keeps its column but
// loses its label; a missing field it no longer has is left out.
func (h KeptHeader) Recognition(k Listenart) Recognition {
	fields := map[string]Field{}
	for _, f := range Fields(k) {
		fields[f.Name] = f
	}
	r := Recognition{Listenart: k, Sheet: h.Sheet, HeaderRow: h.HeaderRow, Problem: h.Problem}
	for _, c := range h.Columns {
		r.Columns = append(r.Columns, ColumnMatch{Column: c.Column, Header: c.Header, Field: c.Field, Label: fields[c.Field].Label, Fuzzy: c.Fuzzy})
	}
	for _, name := range h.Missing {
		if f, ok := fields[name]; ok {
			r.Missing = append(r.Missing, f)
		}
	}
	return r
}

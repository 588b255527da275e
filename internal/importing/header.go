package importing

import (
	"fmt"
	"slices"
	"strings"
	"sync"
)

// maxHeaderRows is how many non-empty rows from the top are searched for
// the header: title, date and remark rows come first in real files.
const maxHeaderRows = 20

// Mapping holds what users saved for headers the gateway does not know:
// normalised header (NormalizeHeader) → canonical field name. An empty
// field name means "ignore this column". A Mapping is applied before the
// built-in aliases. Keys that are not yet normalised are normalised on use.
type Mapping map[string]string

// HeaderMatch says where the header is and which column holds which field.
type HeaderMatch struct {
	Sheet string
	// RowNumber is the 1-based number of the header row.
	RowNumber int
	// Headers are the header row's cells as written (cleaned).
	Headers []string
	// Columns maps a field name to its 0-based column index. A field may
	// share a column with another: a "Klasse" column holding "3b" serves
	// klasse and jahrgangsstufe when there is no Jahrgangsstufe column.
	Columns map[string]int
	// Ignored lists the headers of columns that map to no field, as written.
	Ignored []string
	// Missing lists every field without a column, required or not, in the
	// order of Fields. DetectHeader fails when a required one is among them.
	Missing []Field
	// Fuzzy lists the columns recognised despite a typo, so that a person
	// can confirm them.
	Fuzzy []FuzzyMatch
	// Duplicates lists fields that more than one column claims.
	Duplicates []Duplicate
}

// FuzzyMatch is a header recognised with a small typo.
type FuzzyMatch struct {
	Column   int
	Header   string
	Field    string
	Distance int
}

// Duplicate is a field claimed by several columns.
type Duplicate struct {
	Field   string
	Columns []int
	Headers []string
}

// HeaderError explains why a sheet's header cannot be used. Its Error text
// is German and meant for the person who uploaded the file.
type HeaderError struct {
	Sheet     string
	RowNumber int // the header row that was judged, 0 when none was found
	Problems  []HeaderProblem
}

// HeaderProblem is one reason of a HeaderError.
type HeaderProblem struct {
	Code    string // kopfzeile_nicht_gefunden, pflichtspalte_fehlt, spalte_doppelt, zuordnung_ungueltig, listenart_unbekannt
	Field   string
	Label   string // the field's German name, "" when Field is not a field of the kind
	Columns []int
	Message string
}

func (e *HeaderError) Error() string {
	var b strings.Builder
	if e.Sheet != "" {
		fmt.Fprintf(&b, "Tabelle „%s“", e.Sheet)
	} else {
		b.WriteString("Tabelle")
	}
	if e.RowNumber > 0 {
		fmt.Fprintf(&b, ", Kopfzeile in Zeile %d", e.RowNumber)
	}
	b.WriteString(":")
	var missing []string
	for _, p := range e.Problems {
		if p.Code == CodePflichtspalteFehlt {
			missing = append(missing, "„"+p.Label+"“")
		}
	}
	switch len(missing) {
	case 0:
	case 1:
		fmt.Fprintf(&b, " Es fehlt die Pflichtspalte %s.", missing[0])
	default:
		fmt.Fprintf(&b, " Es fehlen die Pflichtspalten %s und %s.",
			strings.Join(missing[:len(missing)-1], ", "), missing[len(missing)-1])
	}
	for _, p := range e.Problems {
		if p.Code != CodePflichtspalteFehlt {
			b.WriteString(" " + p.Message)
		}
	}
	if len(missing) > 0 {
		b.WriteString(" Bitte ergänzen Sie die Spalte in der Datei oder ordnen Sie eine vorhandene Überschrift zu.")
	}
	return b.String()
}

// DetectHeader finds the header row among the first 20 non-empty rows of
// s – the row that matches the most fields of kind k, preferring rows that
// have every required field – and maps its columns to fields.
//
// Each header is compared first with m, then exactly with the fields'
// names and aliases after NormalizeHeader (also without a part in
// parentheses: "Geburtsdatum (TT.MM.JJJJ)"), then with a small typo:
// a Damerau-Levenshtein distance of at most 1 for aliases of 5–8 letters
// and 2 for longer ones; shorter aliases must match exactly. A typo match
// must point to a single field.
//
// The returned error is a *HeaderError when required columns are missing,
// two columns claim one field, m names an unknown field, or no header is
// found. The HeaderMatch is filled as far as possible even then, so that
// the caller can show what was recognised.
func DetectHeader(k Listenart, s Sheet, m Mapping) (HeaderMatch, error) {
	ix := indexFor(k)
	if ix == nil {
		parsed, err := ParseListenart(string(k))
		if err != nil {
			return HeaderMatch{Sheet: s.Name}, &HeaderError{Sheet: s.Name,
				Problems: []HeaderProblem{{Code: CodeListenartUnbekannt, Message: err.Error()}}}
		}
		ix = indexFor(parsed)
	}
	mapping := normalizeMapping(m)

	var best *headerCandidate
	seen := 0
	for _, row := range s.Rows {
		if seen == maxHeaderRows {
			break
		}
		if rowIsEmpty(row) {
			continue
		}
		seen++
		c := ix.matchRow(row, mapping)
		if best == nil || c.betterThan(best) {
			best = c
		}
	}
	if best == nil || best.score == 0 {
		var labels []string
		for _, f := range ix.fields {
			if f.Required {
				labels = append(labels, "„"+f.Label+"“")
			}
		}
		return HeaderMatch{Sheet: s.Name, Columns: map[string]int{}, Missing: Fields(ix.kind)},
			&HeaderError{Sheet: s.Name, Problems: []HeaderProblem{{
				Code: CodeKopfzeileNichtGefunden,
				Message: fmt.Sprintf("In den ersten %d ausgefüllten Zeilen wurde keine Kopfzeile gefunden. Erwartet wird eine Zeile mit Spaltenüberschriften wie %s.",
					maxHeaderRows, joinGerman(labels)),
			}}}
	}

	h := best.match
	h.Sheet = s.Name
	for i, f := range h.Missing {
		h.Missing[i].Aliases = slices.Clone(f.Aliases) // the index's slices stay private
	}
	problems := slices.Clone(best.mappingProblems)
	for _, d := range h.Duplicates {
		f, _ := ix.field(d.Field)
		cols := make([]string, len(d.Columns))
		for i, c := range d.Columns {
			cols[i] = fmt.Sprintf("%s („%s“)", ColumnLetter(c), d.Headers[i])
		}
		problems = append(problems, HeaderProblem{Code: CodeSpalteDoppelt, Field: d.Field, Label: f.Label, Columns: d.Columns,
			Message: fmt.Sprintf("Die Spalten %s passen %s zu „%s“. Bitte legen Sie fest, welche Spalte gilt, und lassen Sie die anderen ignorieren.",
				joinGerman(cols), map[bool]string{true: "beide", false: "alle"}[len(cols) == 2], f.Label)})
	}
	for _, f := range h.Missing {
		if f.Required {
			problems = append(problems, HeaderProblem{Code: CodePflichtspalteFehlt, Field: f.Name, Label: f.Label,
				Message: fmt.Sprintf("Die Pflichtspalte „%s“ fehlt (erkannt werden z. B. %s).", f.Label, exampleHeaders(f))})
		}
	}
	if len(problems) > 0 {
		return h, &HeaderError{Sheet: s.Name, RowNumber: h.RowNumber, Problems: problems}
	}
	return h, nil
}

func exampleHeaders(f Field) string {
	ex := f.Aliases[:min(3, len(f.Aliases))]
	q := make([]string, len(ex))
	for i, a := range ex {
		q[i] = "„" + a + "“"
	}
	return joinGerman(q)
}

// joinGerman joins "a", "b", "c" as "a, b und c".
func joinGerman(items []string) string {
	switch len(items) {
	case 0:
		return ""
	case 1:
		return items[0]
	}
	return strings.Join(items[:len(items)-1], ", ") + " und " + items[len(items)-1]
}

func rowIsEmpty(r Row) bool {
	for _, c := range r.Cells {
		if cleanCell(c) != "" {
			return false
		}
	}
	return true
}

func normalizeMapping(m Mapping) map[string]string {
	out := make(map[string]string, len(m))
	for k, v := range m {
		out[NormalizeHeader(k)] = strings.ToLower(strings.TrimSpace(v))
	}
	return out
}

// ---- the alias index of a kind ----

type aliasEntry struct {
	field  string
	key    string // NormalizeHeader form
	folded string // letters and digits only, abbreviations spelled as written
}

type fieldIndex struct {
	kind    Listenart
	fields  []Field
	exact   map[string]string // NormalizeHeader(alias) → field
	aliases []aliasEntry
}

var (
	indexOnce sync.Once
	indexes   map[Listenart]*fieldIndex
)

func indexFor(k Listenart) *fieldIndex {
	indexOnce.Do(func() {
		indexes = map[Listenart]*fieldIndex{}
		for _, kind := range Listenarten() {
			indexes[kind] = buildIndex(kind)
		}
	})
	return indexes[k]
}

func buildIndex(k Listenart) *fieldIndex {
	ix := &fieldIndex{kind: k, fields: Fields(k), exact: map[string]string{}}
	for _, f := range ix.fields {
		names := append([]string{f.Name, f.Label}, f.Aliases...)
		for _, n := range names {
			for _, variant := range []string{n, withoutParentheses(n)} {
				key := NormalizeHeader(variant)
				if key == "" {
					continue
				}
				if _, dup := ix.exact[key]; !dup {
					ix.exact[key] = f.Name
				}
				ix.aliases = append(ix.aliases, aliasEntry{field: f.Name, key: key, folded: foldLetters(variant)})
			}
		}
	}
	return ix
}

func (ix *fieldIndex) field(name string) (Field, bool) {
	for _, f := range ix.fields {
		if f.Name == name {
			return f, true
		}
	}
	return Field{}, false
}

const (
	qualityFuzzy = 1
	qualityExact = 2 // an alias or a saved mapping
)

type columnMatch struct {
	col      int
	header   string
	field    string
	quality  int
	distance int
}

// matchColumn recognises one header. ignore is true when a saved mapping
// says to ignore the column; bad is set when a mapping names an unknown
// field.
func (ix *fieldIndex) matchColumn(header string, mapping map[string]string) (cm columnMatch, ok, ignore bool, bad string) {
	key := NormalizeHeader(header)
	if v, found := mapping[key]; found {
		switch {
		case v == "":
			return cm, false, true, ""
		default:
			if _, known := ix.field(v); !known {
				return cm, false, false, v
			}
			return columnMatch{field: v, quality: qualityExact}, true, false, ""
		}
	}
	keys := []string{key, NormalizeHeader(withoutParentheses(header))}
	for _, k := range keys {
		if f, found := ix.exact[k]; found {
			return columnMatch{field: f, quality: qualityExact}, true, false, ""
		}
	}
	folded := []string{foldLetters(header), foldLetters(withoutParentheses(header))}
	bestDist, bestField, tie := -1, "", false
	for _, a := range ix.aliases {
		tol := typoTolerance(len(a.folded))
		if tol == 0 {
			continue
		}
		d := tol + 1
		for i := range keys {
			if keys[i] == "" {
				continue
			}
			d = min(d, boundedDistance(folded[i], a.folded, tol), boundedDistance(keys[i], a.key, tol))
		}
		if d > tol {
			continue
		}
		switch {
		case bestDist < 0 || d < bestDist:
			bestDist, bestField, tie = d, a.field, false
		case d == bestDist && a.field != bestField:
			tie = true
		}
	}
	if bestDist < 0 || tie {
		return cm, false, false, ""
	}
	return columnMatch{field: bestField, quality: qualityFuzzy, distance: bestDist}, true, false, ""
}

// boundedDistance is editDistance, cut short when the lengths alone
// already differ by more than limit.
func boundedDistance(a, b string, limit int) int {
	if d := len(a) - len(b); d > limit || -d > limit {
		return limit + 1
	}
	return editDistance(a, b)
}

type headerCandidate struct {
	index           int
	match           HeaderMatch
	score           int // fields with a column of their own
	complete        bool
	fuzzy           int
	mappingProblems []HeaderProblem
}

func (c *headerCandidate) betterThan(o *headerCandidate) bool {
	switch {
	case c.complete != o.complete:
		return c.complete
	case c.score != o.score:
		return c.score > o.score
	case c.fuzzy != o.fuzzy:
		return c.fuzzy < o.fuzzy
	}
	return false // the earlier row wins
}

func (ix *fieldIndex) matchRow(row Row, mapping map[string]string) *headerCandidate {
	c := &headerCandidate{}
	h := HeaderMatch{RowNumber: row.Number, Columns: map[string]int{}}
	h.Headers = make([]string, len(row.Cells))
	byField := map[string][]columnMatch{}
	var unmatched []int
	for col, raw := range row.Cells {
		header := cleanCell(raw)
		h.Headers[col] = header
		if header == "" {
			continue
		}
		cm, ok, ignore, bad := ix.matchColumn(header, mapping)
		switch {
		case bad != "":
			c.mappingProblems = append(c.mappingProblems, HeaderProblem{Code: CodeZuordnungUngueltig, Field: bad, Columns: []int{col},
				Message: fmt.Sprintf("Die gespeicherte Zuordnung für Spalte %s („%s“) nennt das Feld „%s“, das es in der Liste „%s“ nicht gibt.",
					ColumnLetter(col), header, bad, ix.kind.Label())})
			unmatched = append(unmatched, col)
		case ignore || !ok:
			unmatched = append(unmatched, col)
		default:
			cm.col, cm.header = col, header
			byField[cm.field] = append(byField[cm.field], cm)
		}
	}
	for _, f := range ix.fields {
		cands := byField[f.Name]
		if len(cands) == 0 {
			continue
		}
		top := 0
		for _, cm := range cands {
			top = max(top, cm.quality)
		}
		var winners []columnMatch
		for _, cm := range cands {
			if cm.quality == top {
				winners = append(winners, cm)
			} else {
				unmatched = append(unmatched, cm.col) // a typo match loses to an exact one
			}
		}
		h.Columns[f.Name] = winners[0].col
		c.score++
		if top == qualityFuzzy {
			c.fuzzy++
			h.Fuzzy = append(h.Fuzzy, FuzzyMatch{Column: winners[0].col, Header: winners[0].header, Field: f.Name, Distance: winners[0].distance})
		}
		if len(winners) > 1 {
			d := Duplicate{Field: f.Name}
			for _, w := range winners {
				d.Columns = append(d.Columns, w.col)
				d.Headers = append(d.Headers, w.header)
			}
			h.Duplicates = append(h.Duplicates, d)
		}
	}
	for _, f := range ix.fields {
		if _, has := h.Columns[f.Name]; has || f.orFrom == "" {
			continue
		}
		if col, has := h.Columns[f.orFrom]; has {
			h.Columns[f.Name] = col
		}
	}
	c.complete = true
	for _, f := range ix.fields {
		if _, has := h.Columns[f.Name]; !has {
			h.Missing = append(h.Missing, f)
			if f.Required {
				c.complete = false
			}
		}
	}
	slices.SortFunc(h.Fuzzy, func(a, b FuzzyMatch) int { return a.Column - b.Column })
	slices.Sort(unmatched)
	for _, col := range unmatched {
		h.Ignored = append(h.Ignored, h.Headers[col])
	}
	c.match = h
	return c
}

package importing

import (
	"fmt"
	"regexp"
	"slices"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
)

// Record is one data row read into canonical values.
type Record struct {
	Sheet     string
	RowNumber int
	// Values holds the typed value of each field whose cell is filled and
	// valid; the Go type follows Field.Type. An empty optional cell has no
	// entry, also for yes/no fields: an empty cell says neither yes nor no
	// (an Auskunftssperre is kept, never lifted by an empty cell).
	Values *Values
	// Raw holds each mapped field's cell text as found (cleaned), for
	// showing and correcting a row.
	Raw *Texts
	// Problems lists every problem of the row, ordered by column.
	Problems []CellProblem
}

// OK reports whether the row has no problem.
func (r Record) OK() bool { return len(r.Problems) == 0 }

// Reader holds the settings for reading rows. The zero value is usable.
type Reader struct {
	// ReferenceYear places two-digit years ("31.3.20"); 0 means the
	// current year. See the package documentation for the rule.
	ReferenceYear int
	// SchulnummerDigits is the length of a Schulnummer where it is known
	// (a state's numbers all have the same length); 0 means unchecked.
	// Shorter numbers are reported, never padded.
	SchulnummerDigits int
	// Today is the day plausibility is judged against (no birth date in
	// the future); the zero value means the current day.
	Today time.Time
	// kind is the kind of the rows a Stream reads.
	kind Listenart
}

// ReadRows reads the data rows below the header with the zero Reader.
func ReadRows(k Listenart, s Sheet, h HeaderMatch) []Record { return Reader{}.ReadRows(k, s, h) }

// ReadRows reads every data row below the header row h.RowNumber. It skips
// fully empty rows, repetitions of the header row (lists made of several
// blocks) and total rows at the end ("Summe", "Gesamt", "Anzahl: 412").
// Every problem of a row is reported, not only the first.
func (r Reader) ReadRows(k Listenart, s Sheet, h HeaderMatch) []Record {
	st := r.Stream(k, s.Name, h)
	var out []Record
	for _, row := range s.Rows {
		for _, rec := range st.Push(row) {
			rec.Values, rec.Raw = rec.Values.Clone(), rec.Raw.Clone() // Push reuses them
			out = append(out, rec)
		}
	}
	return out
}

// Stream reads the rows of one sheet one at a time, so that a list of a
// million rows never has to be held in memory. Push each row in order;
// rows that may be a trailing total line are held back until a later row
// shows they were not the end. What is held back at the end is dropped.
type Stream struct {
	r      Reader
	sheet  string
	h      HeaderMatch
	mapped []Field
	// cols are the mapped fields' columns (h.Columns, looked up once),
	// slots their slots in the record's values.
	cols  []int
	slots []int
	names []string // the kind's field names (FieldValues)
	ref   int
	held  []Row
	// values and raw are the record of each pushed row, cleared and filled
	// anew: new ones per row were most of an import's allocations.
	values *Values
	raw    *Texts
	out    []Record
}

// Stream starts reading the data rows of sheet below the header h.
func (r Reader) Stream(k Listenart, sheet string, h HeaderMatch) *Stream {
	fields := Fields(k)
	if fields == nil {
		if parsed, err := ParseListenart(string(k)); err == nil {
			fields = Fields(parsed)
		}
	}
	if r.Today.IsZero() {
		r.Today = time.Now()
	}
	r.Today = time.Date(r.Today.Year(), r.Today.Month(), r.Today.Day(), 0, 0, 0, 0, time.UTC)
	r.kind = k
	ref := r.ReferenceYear
	if ref == 0 {
		ref = r.Today.Year()
	}
	names := namesOf(k) // the names of fields, in their order
	st := &Stream{r: r, sheet: sheet, h: h, ref: ref, names: names,
		values: newFieldValues[any](names), raw: newFieldValues[string](names)}
	for i, f := range fields {
		if c, ok := h.Columns[f.Name]; ok {
			st.mapped, st.cols, st.slots = append(st.mapped, f), append(st.cols, c), append(st.slots, i)
		}
	}
	return st
}

// Push takes the next row and returns the records it completes (none, the
// row itself, or rows held back before it). The row's cells may be reused
// by the caller after Push returns: Push copies a row it holds back. The
// returned slice and the record of the pushed row itself are valid until
// the next Push, which reuses them and the record's Values and Raw.
func (st *Stream) Push(row Row) []Record {
	if len(st.mapped) == 0 || row.Number <= st.h.RowNumber || rowIsEmpty(row) || repeatsHeader(row, st.h) {
		return nil
	}
	if isTotalRow(row, st.mapped, st.cols) {
		st.held = append(st.held, Row{Number: row.Number, Cells: slices.Clone(row.Cells)})
		return nil
	}
	out := st.out[:0]
	for _, h := range st.held {
		out = append(out, st.r.readRow(st.sheet, h, st, newFieldValues[any](st.names), newFieldValues[string](st.names)))
	}
	st.held = st.held[:0]
	st.values.reset()
	st.raw.reset()
	st.out = append(out, st.r.readRow(st.sheet, row, st, st.values, st.raw))
	return st.out
}

// readRow reads row into a record with the given (empty) values.
func (r Reader) readRow(sheet string, row Row, st *Stream, values *Values, raw *Texts) Record {
	mapped, cols, h, ref := st.mapped, st.cols, st.h, st.ref
	rec := Record{Sheet: sheet, RowNumber: row.Number, Values: values, Raw: raw}
	report := func(f Field, col int, p *Problem) {
		p.Field = f.Name
		cp := CellProblem{Problem: *p, Column: col, Label: f.Label}
		if col >= 0 {
			cp.Cell = CellRef(col, row.Number)
		}
		rec.Problems = append(rec.Problems, cp)
	}
	for i, f := range mapped {
		col := cols[i]
		cell := row.cell(col)
		slot := st.slots[i]
		if p := checkCell(f, cell); p != nil {
			rec.Raw.SetAt(slot, p.Value)
			report(f, col, p)
			continue
		}
		raw := cleanCell(cell)
		rec.Raw.SetAt(slot, raw)
		if raw == "" || (isOpenBound(f.Name) && isOpenMarker(raw)) {
			if f.Required {
				report(f, col, &Problem{Code: CodePflichtfeldLeer,
					Message: fmt.Sprintf("Die Zelle ist leer, aber „%s“ ist ein Pflichtfeld.", f.Label)})
			}
			continue
		}
		v, p := r.parseValue(f, raw, ref)
		if p != nil {
			report(f, col, p)
			continue
		}
		rec.Values.SetAt(slot, v)
	}
	r.combine(&rec, mapped, h, report)
	r.plausible(&rec, mapped, cols, st.slots, report)
	slices.SortStableFunc(rec.Problems, func(a, b CellProblem) int { return a.Column - b.Column })
	return rec
}

func (r Reader) parseValue(f Field, raw string, ref int) (any, *Problem) {
	switch f.Type {
	case TypeID:
		return parseID(raw), nil
	case TypeSchulnummer:
		return nilIfProblem(ParseSchulnummer(raw, r.SchulnummerDigits))
	case TypeSchulangabe:
		return nilIfProblem(ParseSchulangabe(raw, r.SchulnummerDigits))
	case TypeDate:
		return nilIfProblem(ParseDate(raw, ref))
	case TypePLZ:
		return nilIfProblem(ParsePLZ(raw))
	case TypeGeschlecht:
		return nilIfProblem(ParseGeschlecht(raw))
	case TypeHausnummer:
		if isOpenBound(f.Name) {
			return parseBound(raw)
		}
		return nilIfProblem(ParseHausnummer(raw))
	case TypeZusatz:
		return nilIfProblem(ParseZusatz(raw))
	case TypeJahrgangsstufe:
		return nilIfProblem(ParseJahrgangsstufe(raw))
	case TypeJaNein:
		return nilIfProblem(ParseYesNo(raw))
	case TypeSchuljahr:
		return parseGueltigAb(raw, ref)
	case TypeAnzahl:
		return nilIfProblem(ParseAnzahl(raw))
	case TypeSchulform:
		return nilIfProblem(ParseSchulform(raw))
	case TypeTraegerschaft:
		return nilIfProblem(ParseTraegerschaft(raw))
	case TypeParitaet:
		return nilIfProblem(ParseParitaet(raw))
	default:
		return raw, nil // cleanCell's NormalizeName already (idempotent, FuzzNormalize)
	}
}

// nilIfProblem turns a parser's result into (any, *Problem) so that a
// failed parse leaves no zero value behind.
func nilIfProblem[T any](v T, p *Problem) (any, *Problem) {
	if p != nil {
		return nil, p
	}
	return v, nil
}

// isOpenBound tells the ends of a street directory's house-number range.
func isOpenBound(field string) bool { return field == "hausnummer_von" || field == "hausnummer_bis" }

// isOpenMarker: directories write an open end as a dash or a word.
func isOpenMarker(s string) bool {
	switch strings.ToLower(dashReplacer.Replace(s)) {
	case "-", "--", "*", "ende", "offen", "open", "∞":
		return true
	}
	return false
}

var reBoundWord = regexp.MustCompile(`^(?i:ab|von|bis)\.?\s*`)

// parseBound reads one end of a directory range: a single house number,
// also written "ab 40" or "bis 98".
func parseBound(raw string) (any, *Problem) {
	h, p := ParseHausnummer(reBoundWord.ReplaceAllString(raw, ""))
	if p != nil {
		return nil, hausnummerProblem(raw, "")
	}
	if h.IsRange() {
		return nil, &Problem{Code: CodeHausnummerUngueltig, Value: raw,
			Message: fmt.Sprintf("„%s“ ist ein Bereich, hier steht aber ein Ende des Bereichs. Erwartet: eine einzelne Hausnummer; den Bereich bitte auf „von“ und „bis“ verteilen.", raw)}
	}
	return h, nil
}

// parseGueltigAb reads a school year; a date on 1 August is accepted as
// the school year starting that day. Other dates are refused: directories
// change with the school year, and a date within a year would be read
// differently by different people.
func parseGueltigAb(raw string, ref int) (any, *Problem) {
	sj, p := ParseSchuljahr(raw)
	if p == nil {
		return sj, nil
	}
	if t, dp := ParseDate(raw, ref); dp == nil {
		if t.Month() == time.August && t.Day() == 1 {
			return werte.NewSchuljahr(t.Year()), nil
		}
		p.Message = fmt.Sprintf("„%s“ ist kein Schuljahresbeginn: ein Schuljahr beginnt am 1. August. Erwartet: ein Schuljahr wie 2027/28 oder den 01.08. eines Jahres.", raw)
	}
	return nil, p
}

// combine checks and merges values that depend on each other.
func (r Reader) combine(rec *Record, mapped []Field, h HeaderMatch, report func(Field, int, *Problem)) {
	col := func(name string) int {
		if c, ok := h.Columns[name]; ok {
			return c
		}
		return -1
	}
	label := func(name string) Field {
		for _, f := range mapped {
			if f.Name == name {
				return f
			}
		}
		return Field{Name: name, Label: name}
	}

	// A street directory's "Grundschule" column that stands in for the
	// Schulnummer is read once, as the Schulangabe.
	for _, f := range []string{"schulname", "bezirk"} {
		if c, ok := h.Columns[f]; ok && c == col("schulnummer") {
			rec.Values.Delete(f)
		}
	}

	// A separate Zusatz column completes the house number.
	if z, ok := rec.Values.Get("zusatz").(string); ok {
		hn, hasNumber := rec.Values.Get("hausnummer").(werte.Hausnummer)
		switch {
		case !hasNumber && rec.Raw.Get("hausnummer") == "":
			report(label("zusatz"), col("zusatz"), &Problem{Code: CodeZusatzOhneHausnummer, Value: z,
				Message: fmt.Sprintf("Der Zusatz „%s“ steht ohne Hausnummer. Erwartet: eine Hausnummer in der Spalte Hausnummer.", z)})
		case !hasNumber:
			// the house number itself is already reported
		case hn.IsRange():
			report(label("zusatz"), col("zusatz"), &Problem{Code: CodeZusatzWiderspruch, Value: z,
				Message: fmt.Sprintf("Der Zusatz „%s“ passt nicht zum Hausnummernbereich „%s“.", z, hn)})
		case hn.Zusatz != "" && hn.Zusatz != z:
			report(label("zusatz"), col("zusatz"), &Problem{Code: CodeZusatzWiderspruch, Value: z,
				Message: fmt.Sprintf("Die Hausnummer „%s“ hat schon den Zusatz „%s“, die Spalte Zusatz sagt „%s“. Bitte eine Angabe korrigieren.", hn, hn.Zusatz, z)})
		default:
			hn.Zusatz = z
			rec.Values.Set("hausnummer", hn)
			rec.Values.Delete("zusatz")
		}
	}

	// A street directory's range must not run backwards.
	von, okVon := rec.Values.Get("hausnummer_von").(werte.Hausnummer)
	bis, okBis := rec.Values.Get("hausnummer_bis").(werte.Hausnummer)
	if okVon && okBis && bis.Compare(von) < 0 {
		report(label("hausnummer_bis"), col("hausnummer_bis"), &Problem{Code: CodeHausnummerBereich, Value: rec.Raw.Get("hausnummer_bis"),
			Message: fmt.Sprintf("Der Bereich endet mit %s vor seinem Anfang %s. Erwartet: „bis“ ist größer oder gleich „von“.", bis, von)})
	}
	zv, okZv := rec.Values.Get("zusatz_von").(string)
	zb, okZb := rec.Values.Get("zusatz_bis").(string)
	if okZv && okZb && zb < zv {
		report(label("zusatz_bis"), col("zusatz_bis"), &Problem{Code: CodeZusatzBereich, Value: zb,
			Message: fmt.Sprintf("Der Zusatzbereich endet mit „%s“ vor seinem Anfang „%s“. Erwartet: z. B. von a bis f.", zb, zv)})
	}
}

// repeatsHeader recognises a header row repeated above a later block.
func repeatsHeader(row Row, h HeaderMatch) bool {
	if len(h.Columns) == 0 {
		return false
	}
	// Data rows differ from the header in their first cells already; the
	// normalised comparison below is for rows that might repeat it.
	for _, col := range h.Columns {
		if col < len(h.Headers) && row.cell(col) != "" && h.Headers[col] != "" && row.cell(col)[0]|0x20 != h.Headers[col][0]|0x20 {
			return false
		}
	}
	for _, col := range h.Columns {
		if col >= len(h.Headers) || NormalizeHeader(row.cell(col)) != NormalizeHeader(h.Headers[col]) {
			return false
		}
	}
	return true
}

var reTotalWord = regexp.MustCompile(`^(?:summe|gesamt|insgesamt|gesamtzahl|gesamtsumme|anzahl|total|ergebnis|zusammen)(?:[^a-z]|$)`)

// isTotalRow recognises a total line: it starts with a word such as
// "Summe" or "Anzahl", or holds nothing but numbers – and it lacks a
// required value, so that a real record is never taken for one.
func isTotalRow(row Row, mapped []Field, cols []int) bool {
	complete := true
	for i, f := range mapped {
		if f.Required && blankCell(row.cell(cols[i])) {
			complete = false
			break
		}
	}
	if complete {
		return false
	}
	var first string
	onlyNumbers := true
	for _, c := range row.Cells {
		c = cleanCell(c)
		if c == "" {
			continue
		}
		if first == "" {
			first = c
		}
		if !reNumber.MatchString(c) {
			onlyNumbers = false
		}
	}
	return onlyNumbers || reTotalWord.MatchString(strings.ToLower(first))
}

// blankCell reports whether cleanCell(c) is empty: a visible ASCII
// character always stays (the common case, told without cleaning).
func blankCell(c string) bool {
	for i := 0; i < len(c); i++ {
		if c[i] > ' ' && c[i] < 0x7f {
			return false
		}
	}
	return cleanCell(c) == ""
}

var reNumber = regexp.MustCompile(`^-?\d+(?:[.,]\d+)?$`)

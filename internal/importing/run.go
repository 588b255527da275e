package importing

import (
	"context"
	"errors"
	"fmt"
	"io"
	"time"
)

// File is an uploaded file read where it lies (the upload's temporary
// file, the database) instead of held in memory: a list of a million rows
// costs the reader a few buffers, not the file's size. *bytes.Reader and
// *io.SectionReader are Files.
type File interface {
	io.ReaderAt
	Size() int64
}

// Source is an uploaded file as a row stream: an adapter reads the file
// format, this package reads the rows.
type Source interface {
	SheetNames() []string
	// Rows calls fn with each non-empty row of sheet i, in order. The Row
	// may be reused after fn returns. An error from fn stops reading and is
	// returned.
	Rows(ctx context.Context, sheet int, fn func(Row) error) error
}

// Options steer one run.
type Options struct {
	Listenart Listenart
	// Sheet names the sheet to read; "" picks the best-matching one.
	Sheet   string
	Mapping Mapping
	// Schulnummer is the upload-wide school of a pupil list without a
	// Schulnummer column.
	Schulnummer string
	Reader      Reader
	// Check adds a kind's own rules that need stored data (does the named
	// school exist?). It may change rec.Values and add rec.Problems.
	Check func(rec *Record)
	// Faulty, if set, is called with each invalid row after its problems
	// are counted (the storage keeps the records such rows name).
	Faulty func(rec Record) error
	// Progress is called now and then with the number of rows read.
	Progress func(rows int)
	// MaxProblems caps the problems kept in the Outcome (default
	// DefaultMaxProblems);
	// all are counted.
	MaxProblems int
}

// DefaultMaxProblems is how many problems of one list are kept for the
// uploader (all are counted): enough to fix a file, bounded for a list of
// a million faulty rows.
const DefaultMaxProblems = 10_000

// Outcome summarises what was read.
type Outcome struct {
	Sheet     string
	HeaderRow int
	Header    HeaderMatch
	Rows      int // data rows read
	Valid     int
	Invalid   int
	Problems  []StoredProblem
	// ProblemsDropped counts problems beyond MaxProblems.
	ProblemsDropped int
	// Recognition is what the header said, as GET /v1/imports/{id}
	// shows it; also when the file is refused for its header (nil only
	// when no sheet could be read at all).
	Recognition *Recognition
	// KeysDistinct is set by a Runner's staging when no two valid rows
	// have the same key as read (RowIdentity; before storage matches
	// identities): storage need not look for repeated records then.
	KeysDistinct bool
}

// FileError is a problem with the file as a whole (no usable sheet or
// header). Its message is German and meant for the uploader.
type FileError struct {
	Code    string
	Message string
	Header  *HeaderError
}

func (e *FileError) Error() string { return e.Message }

// headerProbeRows is how many rows of each sheet are read to find the
// header; DetectHeader looks at the first maxHeaderRows non-empty ones.
const headerProbeRows = 40

var errProbeDone = errors.New("probe done")

// Run reads the rows of the chosen sheet, validates each and hands every
// valid record to sink, in order. Invalid rows are collected with all
// their problems. It returns a *FileError when no sheet can be read.
func Run(ctx context.Context, src Source, opt Options, sink func(Record) error) (Outcome, error) {
	if opt.MaxProblems == 0 {
		opt.MaxProblems = DefaultMaxProblems
	}
	idx, h, probes, err := chooseSheet(ctx, src, opt)
	var rec *Recognition
	if len(probes) > 0 {
		r, _ := bestRecognition(opt.Listenart, probes, opt.Mapping)
		rec = &r
	}
	if err != nil {
		return Outcome{Recognition: rec}, err
	}
	if opt.Listenart == ListeSchueler && opt.Schulnummer == "" {
		if _, ok := h.Columns["schulnummer"]; !ok {
			return Outcome{Recognition: rec}, &FileError{Code: CodePflichtspalteFehlt,
				Message: "Die Liste hat keine Spalte „Schulnummer“. Bitte die Spalte ergänzen oder die Schulnummer beim Hochladen angeben (schulnummer=…)."}
		}
	}
	out := Outcome{Sheet: h.Sheet, HeaderRow: h.RowNumber, Header: h, Recognition: rec}
	st := opt.Reader.Stream(opt.Listenart, h.Sheet, h)
	last := time.Now()
	handle := func(rec Record) error {
		out.Rows++
		if opt.Listenart == ListeSchueler {
			fillSchulnummer(&rec, opt.Schulnummer, h)
		}
		if opt.Check != nil && rec.OK() {
			opt.Check(&rec)
		}
		if !rec.OK() {
			out.Invalid++
			ohneSperre := rec.Raw.Get("auskunftssperre") != "" && rec.Values.Get("auskunftssperre") == false
			for _, p := range rec.Problems {
				if len(out.Problems) < opt.MaxProblems {
					out.Problems = append(out.Problems, StoredProblem{Sheet: rec.Sheet, Row: rec.RowNumber, Column: p.Column,
						Field: p.Field, Code: p.Code, Message: p.Message, OhneSperre: ohneSperre})
				} else {
					out.ProblemsDropped++
				}
			}
			if opt.Faulty != nil {
				return opt.Faulty(rec)
			}
			return nil
		}
		out.Valid++
		return sink(rec)
	}
	err = src.Rows(ctx, idx, func(row Row) error {
		for _, rec := range st.Push(row) {
			if err := handle(rec); err != nil {
				return err
			}
		}
		if opt.Progress != nil && time.Since(last) > 200*time.Millisecond {
			last = time.Now()
			opt.Progress(out.Rows)
		}
		return ctx.Err()
	})
	if opt.Progress != nil {
		opt.Progress(out.Rows)
	}
	return out, err
}

// fillSchulnummer gives a pupil row the upload-wide school when its own
// cell is empty; a row with neither is invalid. A row naming another
// school than the upload's is invalid at its cell: a list uploaded for one
// school changes only that school.
func fillSchulnummer(rec *Record, uploadWide string, h HeaderMatch) {
	if own, ok := rec.Values.Get("schulnummer").(string); ok {
		if uploadWide != "" && own != uploadWide {
			col := h.Columns["schulnummer"]
			rec.Problems = append(rec.Problems, CellProblem{
				Problem: Problem{Field: "schulnummer", Code: CodeSchuleFremd, Value: own,
					Message: fmt.Sprintf("Diese Zeile gehört zur Schule %s, die Liste wurde aber für die Schule %s hochgeladen. Bitte die Zeile aus der Liste nehmen (sie wird nicht übernommen) oder die Liste der Schule %s getrennt hochladen.", own, uploadWide, own)},
				Column: col, Cell: CellRef(col, rec.RowNumber), Label: "Schulnummer",
			})
		}
		return
	}
	if uploadWide != "" {
		rec.Values.Set("schulnummer", uploadWide)
		return
	}
	rec.Problems = append(rec.Problems, CellProblem{
		Problem: Problem{Field: "schulnummer", Code: CodePflichtfeldLeer, Message: "Die Zelle ist leer, aber „Schulnummer“ ist ein Pflichtfeld."},
		Column:  -1, Label: "Schulnummer",
	})
}

// chooseSheet probes the first rows of each sheet (or the one asked for)
// and picks the sheet whose header matches best. It returns the probes
// too (what Recognise would read).
func chooseSheet(ctx context.Context, src Source, opt Options) (int, HeaderMatch, []Sheet, error) {
	names := src.SheetNames()
	if len(names) == 0 {
		return 0, HeaderMatch{}, nil, &FileError{Code: "keine_tabelle", Message: "Die Datei enthält keine Tabelle."}
	}
	candidates := make([]int, 0, len(names))
	if opt.Sheet != "" {
		for i, n := range names {
			if sameSheet(n, opt.Sheet) {
				candidates = append(candidates, i)
			}
		}
		if len(candidates) == 0 {
			return 0, HeaderMatch{}, nil, &FileError{Code: "tabelle_unbekannt",
				Message: fmt.Sprintf("Die Datei hat keine Tabelle „%s“. Vorhanden: %s.", opt.Sheet, joinGerman(quoted(names)))}
		}
	} else {
		for i := range names {
			candidates = append(candidates, i)
		}
	}
	var (
		bestIdx   = -1
		best      HeaderMatch
		bestScore = -1
		firstErr  *HeaderError
		probes    = make([]Sheet, 0, len(candidates))
	)
	for _, i := range candidates {
		probe := Sheet{Name: names[i]}
		err := src.Rows(ctx, i, func(row Row) error {
			probe.Rows = append(probe.Rows, Row{Number: row.Number, Cells: append([]string(nil), row.Cells...)})
			if len(probe.Rows) >= headerProbeRows {
				return errProbeDone
			}
			return nil
		})
		if err != nil && !errors.Is(err, errProbeDone) {
			return 0, HeaderMatch{}, nil, err
		}
		probes = append(probes, probe)
		h, herr := DetectHeader(opt.Listenart, probe, opt.Mapping)
		if herr != nil {
			var he *HeaderError
			if errors.As(herr, &he) && (firstErr == nil || len(h.Columns) > 0) {
				firstErr = he
			}
			continue
		}
		if score := len(h.Columns); score > bestScore {
			bestIdx, best, bestScore = i, h, score
		}
	}
	if bestIdx < 0 {
		msg := "In der Datei wurde keine passende Kopfzeile gefunden."
		if firstErr != nil {
			msg = firstErr.Error()
		}
		return 0, HeaderMatch{}, probes, &FileError{Code: CodeKopfzeileNichtGefunden, Message: msg, Header: firstErr}
	}
	return bestIdx, best, probes, nil
}

func quoted(names []string) []string {
	out := make([]string, len(names))
	for i, n := range names {
		out[i] = "„" + n + "“"
	}
	return out
}

// Tables is a Source over sheets already in memory (small files, tests).
type Tables []Sheet

func (t Tables) SheetNames() []string {
	names := make([]string, len(t))
	for i, s := range t {
		names[i] = s.Name
	}
	return names
}

func (t Tables) Rows(ctx context.Context, sheet int, fn func(Row) error) error {
	for _, r := range t[sheet].Rows {
		if err := fn(r); err != nil {
			return err
		}
	}
	return ctx.Err()
}

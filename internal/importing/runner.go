package importing

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/schulgateway/schulgateway/internal/audit"
)

// Opener reads an uploaded file as a row source (an adapter knows the
// file formats).
type Opener func(ctx context.Context, file File, filename string) (Source, error)

// Staging is the storage an import run works in, as the run needs it:
// the kind's saved mappings, the known schools, progress,
// the end of a run that could not read its file, and one transaction in
// which the rows are staged, compared, applied and the import ended. The
// comparing and writing is storage's (set-based, in the database); what
// becomes of a list is decided here.
type Staging interface {
	Mapping(ctx context.Context, kind Listenart) (Mapping, error)
	// Schulen returns the schools the gateway knows (for SchulPruefung).
	Schulen(ctx context.Context) ([]BekannteSchule, error)
	// Progress records the rows read so far.
	Progress(ctx context.Context, importID string, rows int)
	// Fail ends an import that could not be processed, with a problem of
	// the file as a whole and the header it recognised (each may be nil).
	Fail(ctx context.Context, importID, detail string, problem *StoredProblem, recognised *Recognition) error
	// InRun runs fn in the import's run: one transaction, one import of a
	// kind at a time. An error from fn undoes everything it did.
	InRun(ctx context.Context, imp Import, fn func(Lauf) error) error
}

// Lauf is one run's staging area.
type Lauf interface {
	// Snapshot is true when the list is the whole state of its scope:
	// stored records it does not name are removed, so its faulty rows are
	// staged too (they name records that must not be taken for missing).
	Snapshot() bool
	// AppendRow appends a read row in storage's own form to dst (called
	// while the file is read, apart from Stage). ok is false for a faulty
	// row that is staged only for its identity. A row storage has no use
	// for is not appended (dst is returned as it was) and not staged.
	AppendRow(dst []any, rec Record, id Identity, ok bool) []any
	// Stage writes the batches of rows until the channel is closed (or
	// ctx ends); reading and writing overlap.
	Stage(ctx context.Context, batches <-chan [][]any) error
	// Compare compares the staged rows with the stored records: the plan
	// (its Import and MaxRemovalShare are the Runner's) and the rows'
	// problems: the Outcome's, then those comparing found (repeated
	// records, ambiguous rows, conflicting rules).
	Compare(ctx context.Context, out Outcome, unidentified int) (Plan, []StoredProblem, error)
	// Apply writes what Compare found.
	Apply(ctx context.Context, c Counts) error
	// Finish ends the import with its result.
	Finish(ctx context.Context, a Abschluss) error
}

// Abschluss is what an import run ends with.
type Abschluss struct {
	Decision Decision
	Counts   Counts
	Outcome  Outcome
	// Problems are the rows' problems (Decision.Problems come first).
	Problems []StoredProblem
}

// Runner runs an import: read the file, validate its rows, stage them,
// compare, decide (Decide), apply unless a dry run or a refused list,
// report – with storage behind Staging.
type Runner struct {
	Staging Staging
	Open    Opener
	// MaxRemovalShare: a snapshot removing more than this share of the
	// records in its scope needs the number confirmed (see Decide).
	MaxRemovalShare float64
}

// stageBatch is how many rows are handed to storage at a time. Up to four
// wait in the channel while storage is busy (a direct load writes the
// feed entries of each chunk between its COPYs): 2,000 rows keep what
// waits at ≈ 8 MB for a register (5,000: 20 MB more live heap, peak RSS
// 145 instead of 120 MB for a million rows; docs/performance.md, session 8).
const stageBatch = 2000

// Run runs imp (claimed by the caller) over its file to its end; progress,
// if not nil, is told the rows read so far. The run is audited in ctx's
// pending entry (audit.Ende). An error is returned only when the import
// could not be ended (it is then ended as failed where possible).
func (r *Runner) Run(ctx context.Context, imp Import, file File, progress func(rows int)) error {
	src, err := r.Open(ctx, file, imp.Filename)
	if err != nil {
		fe := &FileError{Code: "datei_unlesbar", Message: "Die Datei konnte nicht gelesen werden."}
		errors.As(err, &fe)
		return r.fail(ctx, imp, fe.Message, &StoredProblem{Row: 0, Column: -1, Code: fe.Code, Message: fe.Message}, nil)
	}
	mapping, err := r.Staging.Mapping(ctx, imp.Listenart)
	if err != nil {
		return err
	}
	var check func(*Record)
	if NenntSchulen(imp.Listenart) {
		schulen, err := r.Staging.Schulen(ctx)
		if err != nil {
			return err
		}
		check = SchulPruefung(imp.Listenart, schulen)
	}
	var last int
	report := func(rows int) {
		if progress != nil {
			progress(rows)
		}
		if rows != last {
			last = rows
			r.Staging.Progress(ctx, imp.ID, rows)
		}
	}
	opt := Options{Listenart: imp.Listenart, Sheet: imp.Sheet, Mapping: mapping, Schulnummer: imp.Schulnummer, Check: check, Progress: report}

	var recognised *Recognition // what the header said, once read
	run := func(l Lauf) error {
		out, unidentified, err := stage(ctx, l, imp, src, opt)
		recognised = out.Recognition
		if err != nil {
			return err
		}
		plan, problems, err := l.Compare(ctx, out, unidentified)
		if err != nil {
			return err
		}
		plan.Import, plan.MaxRemovalShare = imp, &r.MaxRemovalShare
		d := Decide(plan)
		if d.Apply {
			if err := l.Apply(ctx, plan.Counts); err != nil {
				return err
			}
		}
		c := plan.Counts
		audit.Count(ctx, c.Rows)
		switch {
		case d.Status == StatusRejected:
			audit.Ende(ctx, audit.Abgewiesen, "abgewiesen, nichts geschrieben")
		case imp.DryRun:
			audit.Ende(ctx, audit.Erledigt, "Probelauf, nichts geschrieben")
		default:
			audit.Ende(ctx, audit.Erledigt, fmt.Sprintf("neu %d, geändert %d, entfernt %d", c.Created, c.Updated, c.Removed))
		}
		return l.Finish(ctx, Abschluss{Decision: d, Counts: c, Outcome: out, Problems: problems})
	}
	err = r.Staging.InRun(ctx, imp, run)
	if errors.Is(err, ErrGeneralWay) {
		// Storage's shortcut could not be sure of the result; its run was
		// rolled back before it decided anything. Once more, the general
		// way (a Source streams its rows again: Run probes and then streams).
		ctx = generalWay(ctx)
		err = r.Staging.InRun(ctx, imp, run)
	}
	var fe *FileError
	if errors.As(err, &fe) {
		return r.fail(ctx, imp, fe.Message, &StoredProblem{Row: 0, Column: -1, Code: fe.Code, Message: fe.Message}, recognised)
	}
	if err != nil {
		if ctx.Err() != nil {
			// Shutting down, or the import was taken over: it is not this
			// run's to end.
			return err
		}
		_ = r.fail(context.WithoutCancel(ctx), imp, "Bei der Verarbeitung ist ein Fehler aufgetreten. Bitte erneut hochladen oder die Import-Kennung an den IT-Betrieb melden.", nil, recognised)
		return fmt.Errorf("import %s: %w", imp.ID, err)
	}
	return nil
}

// ErrGeneralWay is returned from a run (by Lauf.Compare, before anything
// is decided) that took a shortcut of storage's and cannot vouch for its
// result (as two different keys of the same hash): the run is rolled back
// and the Runner runs the import again the general way (GeneralWay).
var ErrGeneralWay = errors.New("import: run again the general way")

type generalWayKey struct{}

func generalWay(ctx context.Context) context.Context {
	return context.WithValue(ctx, generalWayKey{}, true)
}

// GeneralWay tells storage that this run must not take its shortcuts: an
// earlier run of the same import returned ErrGeneralWay.
func GeneralWay(ctx context.Context) bool { return ctx.Value(generalWayKey{}) != nil }

func (r *Runner) fail(ctx context.Context, imp Import, detail string, problem *StoredProblem, recognised *Recognition) error {
	audit.Ende(ctx, audit.Gescheitert, "gescheitert")
	return r.Staging.Fail(ctx, imp.ID, detail, problem, recognised)
}

// stage reads and validates the rows (Run) while storage writes them:
// a goroutine hands batches to one Stage. It returns what was read and
// the number of faulty rows of a snapshot whose record cannot be told.
func stage(ctx context.Context, l Lauf, imp Import, src Source, opt Options) (Outcome, int, error) {
	rctx, stopReading := context.WithCancel(ctx)
	defer stopReading()
	batches := make(chan [][]any, 4)
	var (
		out          Outcome
		runErr       error
		unidentified int
	)
	read := make(chan struct{})
	go func() {
		defer close(read)
		// The rows of a batch share one backing array of values.
		batch, cells := make([][]any, 0, stageBatch), []any(nil)
		// A hash of each valid row's key (8 bytes a row): if no two are
		// equal, storage skips its search for repeated records.
		seed, hashes := maphash.MakeSeed(), []uint64(nil)
		send := func() error {
			select {
			case batches <- batch:
				batch, cells = make([][]any, 0, stageBatch), make([]any, 0, cap(cells))
				return nil
			case <-rctx.Done():
				return rctx.Err()
			}
		}
		add := func(rec Record, ok bool) error {
			id := RowIdentity(imp.Listenart, rec.Values, rec.Raw)
			if !ok && !id.Known {
				unidentified++
				return nil
			}
			if ok {
				hashes = append(hashes, maphash.String(seed, id.Key))
			}
			start := len(cells)
			cells = l.AppendRow(cells, rec, id, ok)
			if len(cells) == start {
				return nil // storage has no use for the row
			}
			if start == 0 && cap(cells) < stageBatch*len(cells) {
				// The first row tells the width: room for a whole batch.
				cells = append(make([]any, 0, stageBatch*len(cells)), cells...)
			}
			batch = append(batch, cells[start:len(cells):len(cells)])
			if len(batch) == stageBatch {
				return send()
			}
			return nil
		}
		if l.Snapshot() {
			opt.Faulty = func(rec Record) error { return add(rec, false) }
		}
		out, runErr = Run(rctx, src, opt, func(rec Record) error { return add(rec, true) })
		if runErr == nil && len(batch) > 0 {
			runErr = send()
		}
		// Storage writes its last rows while the keys' hashes are sorted
		// (a million: ≈ 0.1 s).
		close(batches)
		if n := len(hashes); runErr == nil && n == out.Valid {
			slices.Sort(hashes)
			out.KeysDistinct = len(slices.Compact(hashes)) == n
		}
	}()
	stageErr := l.Stage(ctx, batches)
	stopReading()
	for range batches { // let the reader end if staging ended first
	}
	<-read
	var fileErr *FileError
	switch {
	case errors.As(runErr, &fileErr):
		return out, 0, fileErr
	case stageErr != nil && (runErr == nil || errors.Is(runErr, context.Canceled)):
		return out, 0, stageErr // staging failed first and the reader was stopped
	case runErr != nil:
		return out, 0, runErr
	}
	return out, unidentified, nil
}

package postgres

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"hash/maphash"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// ImportStore implements importing.Store.
type ImportStore struct {
	pool  *pgxpool.Pool
	queue jobQueue
	// pseudonym turns a child's register key into the id the BMS sees in
	// the change feed; nil keeps children's changes out of the feed.
	pseudonym func(schluessel string) string
}

// NewImportStore returns the store; pseudonym may be nil (tests of other
// kinds), then children's changes are not fed.
func NewImportStore(pool *pgxpool.Pool, pseudonym func(string) string) *ImportStore {
	return &ImportStore{pool: pool, pseudonym: pseudonym, queue: jobQueue{pool: pool, table: "imports",
		gaveUp: "Die Verarbeitung wurde mehrfach unterbrochen und daher abgebrochen. Bitte die Datei prüfen und erneut hochladen."}}
}

// Create stores the import and its file (in parts, read from file as they
// are written) in one transaction.
func (s *ImportStore) Create(ctx context.Context, imp importing.Import, file importing.File) (importing.Import, error) {
	var id string
	// An import created as running belongs to its creator (the CLI runs it
	// in-process); the lease keeps workers of running gateways off it.
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			INSERT INTO imports (kind, status, dry_run, on_error, sheet, schulnummer, filename, file_size, created_by, lease_until, started_at, confirm_removals)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9,
				CASE WHEN $2 = 'running' THEN now() + $10::interval END, CASE WHEN $2 = 'running' THEN now() END, $11)
			RETURNING id`,
			imp.Listenart, imp.Status, imp.DryRun, imp.OnError, imp.Sheet, imp.Schulnummer, imp.Filename, file.Size(), imp.CreatedBy, leaseTime.String(),
			imp.ConfirmRemovals).Scan(&id); err != nil {
			return err
		}
		return writeFileParts(ctx, tx, id, file, file.Size())
	})
	if err != nil {
		return importing.Import{}, storeErr("create import", err)
	}
	return s.Get(ctx, id)
}

const importColumns = `id, kind, status, dry_run, on_error, sheet, schulnummer, filename, file_size, created_by, created_at,
	started_at, finished_at, rows_read, sheet_used, header_row, counts, detail, undone_at, confirm_removals, nicht_geliefert, schulen, zu_bestaetigen, kopfzeile`

func scanImport(row pgx.Row) (importing.Import, error) {
	var imp importing.Import
	var counts, kopfzeile []byte
	err := row.Scan(&imp.ID, &imp.Listenart, &imp.Status, &imp.DryRun, &imp.OnError, &imp.Sheet, &imp.Schulnummer, &imp.Filename, &imp.Size,
		&imp.CreatedBy, &imp.CreatedAt, &imp.StartedAt, &imp.FinishedAt, &imp.RowsRead, &imp.SheetUsed, &imp.HeaderRow, &counts, &imp.Detail, &imp.UndoneAt,
		&imp.ConfirmRemovals, &imp.NotDelivered, &imp.Schulen, &imp.RemovalsToConfirm, &kopfzeile)
	if err == nil {
		err = json.Unmarshal(counts, &imp.Counts)
	}
	if err == nil && kopfzeile != nil {
		var h importing.KeptHeader
		if err = json.Unmarshal(kopfzeile, &h); err == nil {
			r := h.Recognition(imp.Listenart)
			imp.Recognised = &r
		}
	}
	return imp, err
}

func notFoundImport(id string) error {
	return apperr.NotFound(fmt.Sprintf("Einen Import mit der Kennung „%s“ gibt es nicht.", id))
}

func (s *ImportStore) Get(ctx context.Context, id string) (importing.Import, error) {
	if !werte.IstUUID(id) {
		return importing.Import{}, notFoundImport(id)
	}
	imp, err := scanImport(s.pool.QueryRow(ctx, "SELECT "+importColumns+" FROM imports WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return importing.Import{}, notFoundImport(id)
	}
	return imp, storeErr("get import", err)
}

// List pages through imports newest first (keyset on created_at, id).
func (s *ImportStore) List(ctx context.Context, limit int, after string) ([]importing.Import, error) {
	q := "SELECT " + importColumns + " FROM imports"
	args := []any{limit}
	if after != "" {
		if !werte.IstUUID(after) {
			return nil, apperr.Invalid("Die Anfrage kann so nicht beantwortet werden.", []apperr.FieldError{{Pointer: "/after", Code: "wert_ungueltig",
				Message: "after muss die Kennung eines Imports sein (aus „next“ der vorigen Seite)."}})
		}
		q += " WHERE (created_at, id) < (SELECT created_at, id FROM imports WHERE id = $2)"
		args = append(args, after)
	}
	rows, err := s.pool.Query(ctx, q+" ORDER BY created_at DESC, id DESC LIMIT $1", args...)
	if err != nil {
		return nil, storeErr("list imports", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (importing.Import, error) { return scanImport(r) })
	return list, storeErr("list imports", err)
}

func (s *ImportStore) Problems(ctx context.Context, id string) ([]importing.StoredProblem, error) {
	rows, err := s.pool.Query(ctx, `SELECT sheet, row, col, field, code, message, ohne_sperre FROM import_errors WHERE import_id = $1 ORDER BY seq`, id)
	if err != nil {
		return nil, storeErr("import problems", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (importing.StoredProblem, error) {
		var p importing.StoredProblem
		err := r.Scan(&p.Sheet, &p.Row, &p.Column, &p.Field, &p.Code, &p.Message, &p.OhneSperre)
		return p, err
	})
	return list, storeErr("import problems", err)
}

// File returns the uploaded file of an import, read from the database as
// it is needed, with ctx.
func (s *ImportStore) File(ctx context.Context, id string) (importing.File, error) {
	if !werte.IstUUID(id) {
		return nil, notFoundImport(id)
	}
	var (
		size      int64
		bereinigt bool
	)
	err := s.pool.QueryRow(ctx, "SELECT file_size, bereinigt_am IS NOT NULL FROM imports WHERE id = $1", id).Scan(&size, &bereinigt)
	if errors.Is(err, pgx.ErrNoRows) {
		return nil, notFoundImport(id)
	}
	if err != nil {
		return nil, storeErr("import file", err)
	}
	if bereinigt {
		return nil, apperr.NotFound("Die hochgeladene Datei dieses Imports wurde nach Ablauf der Aufbewahrungsfrist gelöscht.")
	}
	return &storedFile{ctx: ctx, pool: s.pool, id: id, size: size}, nil
}

// Mapping returns the saved header mappings of a kind.
func (s *ImportStore) Mapping(ctx context.Context, kind importing.Listenart) (importing.Mapping, error) {
	rows, err := s.pool.Query(ctx, "SELECT header, field FROM header_mappings WHERE kind = $1", kind)
	if err != nil {
		return nil, storeErr("header mappings", err)
	}
	m := importing.Mapping{}
	var h, f string
	_, err = pgx.ForEachRow(rows, []any{&h, &f}, func() error { m[h] = f; return nil })
	return m, storeErr("header mappings", err)
}

// SaveMapping stores normalised header mappings; a header mapped before
// is mapped anew. pruefe, if not nil, sees the kind's stored mappings
// first (writers of a kind take turns) and may refuse.
func (s *ImportStore) SaveMapping(ctx context.Context, kind importing.Listenart, m importing.Mapping, by string, pruefe func(importing.Mapping) error) error {
	return storeErr("save header mapping", inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if pruefe != nil {
			if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('schulgateway-header-mappings-' || $1))", kind); err != nil {
				return err
			}
			rows, err := tx.Query(ctx, "SELECT header, field FROM header_mappings WHERE kind = $1", kind)
			if err != nil {
				return err
			}
			alt := importing.Mapping{}
			var h, f string
			if _, err := pgx.ForEachRow(rows, []any{&h, &f}, func() error { alt[h] = f; return nil }); err != nil {
				return err
			}
			if err := pruefe(alt); err != nil {
				return err
			}
		}
		for h, f := range m {
			if _, err := tx.Exec(ctx, `INSERT INTO header_mappings (kind, header, field, created_by) VALUES ($1, $2, $3, $4)
				ON CONFLICT (kind, header) DO UPDATE SET field = EXCLUDED.field, created_by = EXCLUDED.created_by, created_at = now()`,
				kind, h, f, by); err != nil {
				return err
			}
		}
		return nil
	}))
}

// ---- the job queue ----

// Claim takes the oldest queued import, or a running one whose worker
// stopped renewing its lease (a process that died), and leases it.
func (s *ImportStore) Claim(ctx context.Context, maxAttempts int) (string, bool, error) {
	l, ok, err := s.queue.claim(ctx, maxAttempts)
	return l.id, ok, err
}

// fail ends an import that could not be processed, with the header it
// recognised (nil: none).
func (s *ImportStore) fail(ctx context.Context, id, detail string, problem *importing.StoredProblem, rec *importing.Recognition) error {
	return inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := fence(ctx, tx, "imports", id); err != nil {
			return err
		}
		if problem != nil {
			if _, err := tx.Exec(ctx, `DELETE FROM import_errors WHERE import_id = $1`, id); err != nil {
				return err
			}
			if _, err := tx.Exec(ctx, `INSERT INTO import_errors (import_id, seq, sheet, row, col, field, code, message) VALUES ($1, 1, $2, $3, $4, $5, $6, $7)`,
				id, problem.Sheet, problem.Row, problem.Column, problem.Field, problem.Code, problem.Message); err != nil {
				return err
			}
		}
		_, err := tx.Exec(ctx, `UPDATE imports SET status = 'failed', detail = $2, kopfzeile = $3, finished_at = now(), lease_until = NULL WHERE id = $1`,
			id, detail, keptHeader(rec))
		return err
	})
}

// keptHeader is the jsonb a recognised header is kept as (nil: NULL).
func keptHeader(r *importing.Recognition) []byte {
	if r == nil {
		return nil
	}
	b, _ := json.Marshal(r.Keep())
	return b
}

// Opener reads an uploaded file as a row source.
type Opener = importing.Opener

// Processor runs imports (importing.Runner) with its staging in
// PostgreSQL: each import in one transaction, rows staged by COPY,
// compared and written set-based.
type Processor struct {
	store *ImportStore
	open  Opener
	// MaxAttempts bounds how often a crashed import is taken up again.
	MaxAttempts int
	// MaxRemovalShare: a snapshot removing more than this share of the
	// records in its scope needs the number confirmed
	// (IMPORT_MAX_REMOVAL_SHARE; see importing.Decide).
	MaxRemovalShare float64
	// NoBulkLoad keeps the indexes in place when a list is loaded into an
	// empty table (bulkLoad; for tests holding it against the general way).
	NoBulkLoad bool
	// NoDirectLoad loads an empty table through stg_in (bulkLoad) instead
	// of straight by the COPY (directLoad; for tests holding one against
	// the other).
	NoDirectLoad bool
	// keyHash, if not nil, stands in for maphash.String in a direct load's
	// search for repeated keys (tests: keys of one hash).
	keyHash func(maphash.Seed, string) uint64
	// directChunk, if not 0, stands in for directChunk (tests: lists of
	// a few hundred rows in many COPYs).
	directChunk int
	// directLoads counts the lists loaded directly (tests).
	directLoads atomic.Int64
}

func NewProcessor(store *ImportStore, open Opener) *Processor {
	return &Processor{store: store, open: open, MaxAttempts: 3, MaxRemovalShare: importing.DefaultMaxRemovalShare}
}

// Process runs the claimed import id to its end. progress, if not nil, is
// told the rows read so far.
func (p *Processor) Process(ctx context.Context, id string, progress func(rows int)) (err error) {
	// Keep the lease while working so no other instance takes this import;
	// ctx now carries the claim, and ends if another worker took it over.
	ctx, release := p.store.queue.holdLease(ctx, id)
	defer release()
	defer func() {
		if err != nil && !errors.Is(err, errLeaseLost) && errors.Is(context.Cause(ctx), errLeaseLost) {
			err = fmt.Errorf("import %s: %w", id, errLeaseLost)
		}
	}()
	imp, err := p.store.Get(ctx, id)
	if err != nil {
		return err
	}
	// The import's work is audited in the transaction that ends it, in the
	// name of whoever uploaded the list.
	ctx, _ = audit.Begin(ctx, audit.Entry{Subject: imp.CreatedBy, Client: "worker", Operation: "import.verarbeiten",
		Resource: "id=" + id + "&kind=" + string(imp.Listenart)})
	file, err := p.store.File(ctx, id)
	if err != nil {
		return err
	}
	if imp.Listenart == importing.ListeUebergang {
		// Applications are no table of their own key: each row is matched
		// by the Übergang's rules (importuebergang.go).
		return p.processUebergangRun(ctx, imp, file, progress)
	}
	if _, ok := kindSpecs[imp.Listenart]; !ok {
		audit.Ende(ctx, audit.Gescheitert, "gescheitert")
		return p.store.fail(ctx, id, "Unbekannte Listenart.", nil, nil)
	}
	r := importing.Runner{Staging: staging{p}, Open: p.open, MaxRemovalShare: p.MaxRemovalShare}
	return r.Run(ctx, imp, file, progress)
}

// staging is importing.Staging in PostgreSQL.
type staging struct{ p *Processor }

func (s staging) Mapping(ctx context.Context, kind importing.Listenart) (importing.Mapping, error) {
	return s.p.store.Mapping(ctx, kind)
}

func (s staging) Schulen(ctx context.Context) ([]importing.BekannteSchule, error) {
	return s.p.schulen(ctx)
}

// Progress is best effort: only the worker that still owns the import
// writes it.
func (s staging) Progress(ctx context.Context, id string, rows int) {
	s.p.store.progress(ctx, id, rows)
}

// progress records the rows an import has read so far, if the worker still
// owns it. The reader calls it every 200 ms and waits for it, so its commit
// does not wait for the WAL to be flushed (synchronous_commit off for this
// transaction alone): a flush there wrote and synced everything the
// import's own transaction had logged since the last one – a million-row
// import ~19 MB each time, ~0.15 s of the reader's time per import, and the
// import's backend waited for the WAL lock meanwhile (docs/performance.md,
// session 18). A count lost in a crash is as good as a late one: the import
// starts over.
func (s *ImportStore) progress(ctx context.Context, id string, rows int) {
	_, _ = s.pool.Exec(ctx, `UPDATE imports SET rows_read = $2
		FROM (SELECT set_config('synchronous_commit', 'off', true)) AS asynchron
		WHERE id = $1 AND attempts = $3`, id, rows, leaseAttempt(ctx, "imports", id))
}

func (s staging) Fail(ctx context.Context, id, detail string, problem *importing.StoredProblem, rec *importing.Recognition) error {
	return s.p.store.fail(ctx, id, detail, problem, rec)
}

// InRun opens the import's transaction: one import of a kind at a time
// (each compares against what the one before it wrote), and the staging
// table stg_in.
func (s staging) InRun(ctx context.Context, imp importing.Import, fn func(importing.Lauf) error) error {
	spec := kindSpecs[imp.Listenart]
	return inTx(ctx, s.p.store.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('schulgateway-import-' || $1))", imp.Listenart); err != nil {
			return err
		}
		// feed_id is the record's id in the change feed (a child's
		// pseudonym), computed while reading so that writing the feed is
		// one INSERT … SELECT. ok is false for a faulty row staged only so
		// that its record is not taken for missing; personkey is the
		// folded name and birth date a person is found by.
		if _, err := tx.Exec(ctx, fmt.Sprintf(
			`CREATE TEMP TABLE stg_in ON COMMIT DROP AS SELECT ''::text AS sheet, 0::integer AS row, %s::text AS schluessel, ''::text AS feed_id,
				true AS ok, ''::text AS personkey, %s FROM %s WITH NO DATA`,
			spec.keyCol, strings.Join(spec.cols, ", "), spec.table)); err != nil {
			return err
		}
		l := &lauf{p: s.p, tx: tx, imp: imp, spec: spec, feedID: s.p.store.feedID(spec)}
		var err error
		if l.direct, err = s.p.startDirect(ctx, tx, imp, spec); err != nil {
			return err
		}
		if err := fn(l); err != nil {
			return err
		}
		if l.direct != nil {
			if err := l.direct.finish(ctx); err != nil {
				return err
			}
			s.p.directLoads.Add(1)
		}
		if l.stgView { // a temporary view lasts the session, not the transaction
			_, err := tx.Exec(ctx, "DROP VIEW stg")
			return err
		}
		return nil
	})
}

// lauf is one import's run in its transaction.
type lauf struct {
	p      *Processor
	tx     pgx.Tx
	imp    importing.Import
	spec   kindSpec
	feedID func(string) string
	// Known after Compare: the delivered columns and the pupil list's schools.
	delivered []bool
	schulen   []string
	// stgView: stg is a view of stg_in (nothing stored to compare with).
	stgView bool
	// direct: the list is loaded straight into the empty table (nil: the
	// general way, through stg_in).
	direct *directLoad
}

func (l *lauf) Snapshot() bool { return l.spec.removal != "" }

func (l *lauf) AppendRow(dst []any, rec importing.Record, id importing.Identity, ok bool) []any {
	if l.direct != nil {
		return l.direct.appendRow(dst, l.spec, rec, id, ok)
	}
	var fid any = ""
	if ok {
		fid = lazyFeedID{key: id.Key, name: l.feedID}
	}
	dst = append(dst, rec.Sheet, rec.RowNumber, id.Key, fid, ok, nilIfEmpty(id.Person))
	return l.spec.values(dst, rec.Values)
}

// lazyFeedID is a row's change-feed id (a child's pseudonym: an HMAC),
// computed when pgx encodes the row for the COPY, in its goroutine: off
// the reader's, which is the import's busiest.
type lazyFeedID struct {
	key  string
	name func(string) string
}

func (f lazyFeedID) TextValue() (pgtype.Text, error) {
	return pgtype.Text{String: f.name(f.key), Valid: true}, nil
}

// Stage streams the batches into stg_in with one COPY.
func (l *lauf) Stage(ctx context.Context, batches <-chan [][]any) error {
	if l.direct != nil {
		return l.direct.stage(ctx, l.spec, batches)
	}
	cols := append([]string{"sheet", "row", "schluessel", "feed_id", "ok", "personkey"}, l.spec.cols...)
	_, err := l.tx.CopyFrom(ctx, pgx.Identifier{"stg_in"}, cols, &batchSource{batches: batches})
	return err
}

// batchSource feeds pgx's CopyFrom from batches of rows as they arrive.
type batchSource struct {
	batches <-chan [][]any
	cur     [][]any
	i       int
}

func (b *batchSource) Next() bool {
	b.i++
	for b.i >= len(b.cur) {
		next, ok := <-b.batches
		if !ok {
			return false
		}
		b.cur, b.i = next, 0
	}
	return true
}

func (b *batchSource) Values() ([]any, error) { return b.cur[b.i], nil }
func (b *batchSource) Err() error             { return nil }

// problemListe collects a run's problems, at most
// importing.DefaultMaxProblems, and counts those it drops.
type problemListe struct {
	problems []importing.StoredProblem
	dropped  int
}

func (pl *problemListe) add(pr importing.StoredProblem) {
	if len(pl.problems) >= importing.DefaultMaxProblems {
		pl.dropped++
		return
	}
	pl.problems = append(pl.problems, pr)
}

// Compare compares the staged rows with the stored records and records
// what each row does. Everything is set-based: the work is PostgreSQL's
// hash joins, not a loop over rows, and Go's memory does not grow with
// the list.
func (l *lauf) Compare(ctx context.Context, out importing.Outcome, unidentified int) (importing.Plan, []importing.StoredProblem, error) {
	if l.direct != nil {
		return l.compareDirect(ctx, out, unidentified)
	}
	p, tx, imp, spec := l.p, l.tx, l.imp, l.spec
	pl := problemListe{problems: out.Problems, dropped: out.ProblemsDropped}
	addProblem := pl.add
	counts := importing.Counts{Rows: out.Rows, Valid: out.Valid, Invalid: out.Invalid}

	// Records a removal must spare although no valid row names them.
	if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stg_keep (schluessel text) ON COMMIT DROP`); err != nil {
		return importing.Plan{}, nil, err
	}
	// Is there any stored record to compare with (the first import into
	// an empty register has none: no identity to match, nothing to
	// update)?
	var stored bool
	if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT EXISTS (SELECT 1 FROM %s)`, spec.table)).Scan(&stored); err != nil {
		return importing.Plan{}, nil, err
	}
	// Who is who: each row takes the key of the stored record it means.
	keysAsRead := true
	if spec.identity != nil && stored {
		if err := p.backfillPersons(ctx, tx, spec); err != nil {
			return importing.Plan{}, nil, err
		}
		ambiguous, rekeyed, err := p.resolve(ctx, tx, imp, spec, addProblem)
		if err != nil {
			return importing.Plan{}, nil, err
		}
		counts.Valid, counts.Invalid = counts.Valid-ambiguous, counts.Invalid+ambiguous
		keysAsRead = rekeyed == 0
	}

	// The same record twice in one list: the first row counts, later
	// ones are errors (staff must decide which is right). Not looked for
	// when the reader saw no key twice and no valid row took another key.
	dups, err := l.duplicates(ctx, out.KeysDistinct && keysAsRead, addProblem)
	if err != nil {
		return importing.Plan{}, nil, err
	}
	counts.Valid, counts.Invalid = counts.Valid-dups, counts.Invalid+dups

	// Each valid row with what it does to the stored records. Only the
	// columns the list has are compared: a field it does not deliver keeps
	// its stored value, and an empty yes/no cell keeps it too.
	delivered := spec.delivered(imp.Listenart, out.Header, imp.Schulnummer)
	var cmpS, cmpT []string
	for i, c := range spec.cols {
		if !delivered[i] {
			continue
		}
		if _, keep := spec.keepIfNull[c]; keep {
			cmpS = append(cmpS, fmt.Sprintf("coalesce(s.%[1]s, t.%[1]s)", c))
		} else {
			cmpS = append(cmpS, "s."+c)
		}
		cmpT = append(cmpT, "t."+c)
	}
	changed := "false"
	if len(cmpS) > 0 {
		changed = fmt.Sprintf("(%s) IS DISTINCT FROM (%s)", strings.Join(cmpS, ", "), strings.Join(cmpT, ", "))
	}
	// With no stored record of the kind at all (the first import into an
	// empty register) every valid row creates one: stg is then a view of
	// stg_in instead of a copy of it, so the list is not written again
	// (InRun drops the view before the commit; staged rows do not change
	// after this point).
	classify := fmt.Sprintf(`
		CREATE TEMP TABLE stg ON COMMIT DROP AS
		SELECT s.*, CASE WHEN t.%[1]s IS NULL THEN 'create'
		                 WHEN %[2]s THEN 'update'
		                 ELSE 'unchanged' END AS action
		FROM stg_in s
		LEFT JOIN %[3]s t ON t.%[1]s = s.schluessel
		WHERE s.ok;
		ANALYZE stg`,
		spec.keyCol, changed, spec.table)
	if !stored {
		classify = `CREATE TEMP VIEW stg AS SELECT s.*, 'create'::text AS action FROM stg_in s WHERE s.ok`
		l.stgView = true
	}
	if _, err := tx.Exec(ctx, classify); err != nil {
		return importing.Plan{}, nil, err
	}
	// A street directory that gives one address to two schools is refused
	// as a whole, whatever on_error says.
	var overlapRows int
	if imp.Listenart == importing.ListeSchulbezirke {
		var overlaps []importing.StoredProblem
		if overlaps, overlapRows, err = BezirksregelUeberschneidungen(ctx, tx); err != nil {
			return importing.Plan{}, nil, err
		}
		pl.problems = append(pl.problems, overlaps...)
		counts.Valid, counts.Invalid = counts.Valid-overlapRows, counts.Invalid+overlapRows
	}
	// Unchanged rows are only counted. Created records carry their import
	// (created_by_import); a dry run keeps the would-be creations here.
	kept := "'update'"
	if imp.DryRun {
		kept = "'update', 'create'"
	}
	if _, err := tx.Exec(ctx, `INSERT INTO import_actions (import_id, sheet, row, action, schluessel)
		SELECT $1, sheet, row, action, schluessel FROM stg WHERE action IN (`+kept+`)`, imp.ID); err != nil {
		return importing.Plan{}, nil, err
	}
	var (
		scopes  []importing.RemovalScope
		schulen []string
	)
	if spec.removal != "" {
		if imp.Listenart == importing.ListeSchueler {
			if schulen, err = pupilScope(ctx, tx, imp); err != nil {
				return importing.Plan{}, nil, err
			}
		}
		if scopes, err = p.removals(ctx, tx, imp, spec); err != nil {
			return importing.Plan{}, nil, err
		}
	}
	_, sperre := spec.keepIfNull["auskunftssperre"]
	if !stored {
		// Nothing stored: every valid row creates a record, none lifts an
		// Auskunftssperre; one pass over the staged rows counts it all.
		neu := "0"
		if sperre {
			neu = "count(*) FILTER (WHERE auskunftssperre)"
		}
		if err := tx.QueryRow(ctx, `SELECT count(*), `+neu+`,
				(SELECT count(*) FROM import_actions WHERE import_id = $1 AND action = 'remove') FROM stg_in WHERE ok`, imp.ID).Scan(
			&counts.Created, &counts.AuskunftssperreNeu, &counts.Removed); err != nil {
			return importing.Plan{}, nil, err
		}
		sperre = false
	} else if err := l.countActions(ctx, &counts); err != nil {
		return importing.Plan{}, nil, err
	}
	if sperre {
		// Lifted only by an explicit "nein" (an empty cell is NULL here).
		if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT
				count(*) FILTER (WHERE t.auskunftssperre AND s.auskunftssperre = false),
				count(*) FILTER (WHERE s.auskunftssperre AND t.auskunftssperre IS NOT TRUE)
			FROM stg s LEFT JOIN %s t ON t.%s = s.schluessel`, spec.table, spec.keyCol)).Scan(
			&counts.AuskunftssperreAufgehoben, &counts.AuskunftssperreNeu); err != nil {
			return importing.Plan{}, nil, err
		}
	}

	l.delivered, l.schulen = delivered, schulen
	return importing.Plan{
		Counts: counts, Scopes: scopes, Unidentified: unidentified, Refused: overlapRows,
		NotDelivered: spec.notDelivered(imp.Listenart, delivered), Schulen: schulen, ProblemsDropped: pl.dropped,
	}, pl.problems, nil
}

// countActions counts what the classified rows do and the removals.
func (l *lauf) countActions(ctx context.Context, counts *importing.Counts) error {
	rows, err := l.tx.Query(ctx, `SELECT action, count(*) FROM stg GROUP BY action
		UNION ALL SELECT 'remove', count(*) FROM import_actions WHERE import_id = $1 AND action = 'remove'`, l.imp.ID)
	if err != nil {
		return err
	}
	var action string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&action, &n}, func() error {
		switch action {
		case "create":
			counts.Created = n
		case "update":
			counts.Updated = n
		case "unchanged":
			counts.Unchanged = n
		case "remove":
			counts.Removed = n
		}
		return nil
	})
	return err
}

// duplicates marks the later rows of a record the list names twice as
// faulty (the first row counts) and returns how many; distinct: the keys
// are known to differ, nothing to look for.
func (l *lauf) duplicates(ctx context.Context, distinct bool, addProblem func(importing.StoredProblem)) (int, error) {
	if distinct {
		return 0, nil
	}
	tx := l.tx
	dupRows, err := tx.Query(ctx, `
		WITH d AS (SELECT schluessel FROM stg_in WHERE ok GROUP BY schluessel HAVING count(*) > 1)
		SELECT sheet, row, first_row FROM (
			SELECT s.sheet, s.row, min(s.row) OVER (PARTITION BY s.schluessel) AS first_row
			FROM stg_in s JOIN d USING (schluessel) WHERE s.ok) x
		WHERE row <> first_row ORDER BY row`)
	if err != nil {
		return 0, err
	}
	dups := 0
	var sheet string
	var row, first int
	if _, err := pgx.ForEachRow(dupRows, []any{&sheet, &row, &first}, func() error {
		dups++
		addProblem(importing.ProblemDoppelt(sheet, row, first))
		return nil
	}); err != nil {
		return 0, err
	}
	if dups > 0 {
		if _, err := tx.Exec(ctx, `UPDATE stg_in s SET ok = false WHERE s.ok
			AND EXISTS (SELECT 1 FROM stg_in f WHERE f.ok AND f.schluessel = s.schluessel AND f.row < s.row)`); err != nil {
			return 0, err
		}
	}
	return dups, nil
}

// Apply writes the staged rows that create or change a record and marks
// the records the list no longer has; lifted Auskunftssperren are audited.
func (l *lauf) Apply(ctx context.Context, c importing.Counts) error {
	if l.direct != nil {
		return l.applyDirect(ctx)
	}
	if c.AuskunftssperreAufgehoben > 0 {
		if err := auditLifts(ctx, l.tx, l.imp, l.spec); err != nil {
			return err
		}
	}
	return l.p.apply(ctx, l.tx, l.imp.ID, l.spec, l.delivered, l.stgView)
}

// Finish keeps the problems and ends the import, if this worker still
// owns it; one that lost its lease meanwhile rolls back everything it
// wrote.
func (l *lauf) Finish(ctx context.Context, a importing.Abschluss) error {
	tx, imp, d, out := l.tx, l.imp, a.Decision, a.Outcome
	if l.direct != nil {
		// Before anything else: a list not applied leaves the table as it was.
		if err := l.direct.finish(ctx); err != nil {
			return err
		}
	}
	if err := storeProblems(ctx, tx, imp.ID, append(d.Problems, a.Problems...)); err != nil {
		return err
	}
	countsJSON, _ := json.Marshal(a.Counts)
	if err := fence(ctx, tx, "imports", imp.ID); err != nil {
		return err
	}
	notDelivered := l.spec.notDeliveredFields(imp.Listenart, l.delivered)
	schulen := l.schulen
	if schulen == nil {
		schulen = []string{}
	}
	// clock_timestamp(), not now(): now() is when this transaction began,
	// before the list was read.
	_, err := tx.Exec(ctx, `UPDATE imports SET status = $2, counts = $3, detail = $4, sheet_used = $5, header_row = $6, rows_read = $7,
		nicht_geliefert = $8, schulen = $9, zu_bestaetigen = $10, kopfzeile = $11, finished_at = clock_timestamp(), lease_until = NULL WHERE id = $1`,
		imp.ID, d.Status, countsJSON, d.Summary, out.Sheet, out.HeaderRow, out.Rows, notDelivered, schulen, d.RemovalsToConfirm, keptHeader(out.Recognition))
	return err
}

// pupilScope fixes the schools a pupil list is for: the upload's school
// when given (rows of others are errors already), else the schools its
// rows name, faulty ones included.
func pupilScope(ctx context.Context, tx pgx.Tx, imp importing.Import) ([]string, error) {
	q := `CREATE TEMP TABLE stg_scope ON COMMIT DROP AS SELECT DISTINCT schulnummer FROM stg_in WHERE coalesce(schulnummer, '') <> ''`
	args := []any{}
	if imp.Schulnummer != "" {
		q = `CREATE TEMP TABLE stg_scope ON COMMIT DROP AS SELECT $1::text AS schulnummer`
		args = append(args, imp.Schulnummer)
	}
	if _, err := tx.Exec(ctx, q, args...); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, `SELECT schulnummer FROM stg_scope ORDER BY 1`)
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, pgx.RowTo[string])
}

// removals records the stored records of the list's scope that it no
// longer has (rows in the list, faulty or not, and records an ambiguous
// row might mean are spared) and counts them per scope for the guard.
func (p *Processor) removals(ctx context.Context, tx pgx.Tx, imp importing.Import, spec kindSpec) ([]importing.RemovalScope, error) {
	in := []string{"true"}
	if spec.active != "" {
		in = append(in, spec.active)
	}
	if spec.scope != "" {
		in = append(in, spec.scope)
	}
	group := "''"
	if spec.scopeGroup != "" {
		group = spec.scopeGroup
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(`
		CREATE TEMP TABLE stg_remove ON COMMIT DROP AS
		SELECT t.%[1]s AS schluessel, %[3]s AS grp FROM %[2]s t
		WHERE %[4]s
		  AND NOT EXISTS (SELECT 1 FROM stg_in s WHERE s.schluessel = t.%[1]s)
		  AND NOT EXISTS (SELECT 1 FROM stg_keep k WHERE k.schluessel = t.%[1]s)`,
		spec.keyCol, spec.table, group, strings.Join(in, " AND "))); err != nil {
		return nil, err
	}
	if _, err := tx.Exec(ctx, `INSERT INTO import_actions (import_id, sheet, row, action, schluessel)
		SELECT $1, '', 0, 'remove', schluessel FROM stg_remove`, imp.ID); err != nil {
		return nil, err
	}
	rows, err := tx.Query(ctx, fmt.Sprintf(`
		SELECT a.grp, a.total, coalesce(r.removed, 0) FROM
			(SELECT %[2]s AS grp, count(*) AS total FROM %[1]s t WHERE %[3]s GROUP BY 1) a
			LEFT JOIN (SELECT grp, count(*) AS removed FROM stg_remove GROUP BY grp) r USING (grp)
		ORDER BY 1`, spec.table, group, strings.Join(in, " AND ")))
	if err != nil {
		return nil, err
	}
	return pgx.CollectRows(rows, func(r pgx.CollectableRow) (importing.RemovalScope, error) {
		var s importing.RemovalScope
		err := r.Scan(&s.Schulnummer, &s.Total, &s.Removed)
		return s, err
	})
}

// backfillPersons gives stored records without a personenschluessel
// (stored before it existed, or written by other means) theirs, so that a
// list without ids finds them. The folding is Go's (importing).
func (p *Processor) backfillPersons(ctx context.Context, tx pgx.Tx, spec kindSpec) error {
	where := "personenschluessel IS NULL"
	if spec.identity.skip != "" {
		where += " AND NOT (" + spec.identity.skip + ")"
	}
	rows, err := tx.Query(ctx, fmt.Sprintf(`SELECT %s, familienname, vornamen, geburtsdatum FROM %s WHERE %s`, spec.keyCol, spec.table, where))
	if err != nil {
		return err
	}
	var keys, persons []string
	var key, fam, vor string
	var geb time.Time
	if _, err := pgx.ForEachRow(rows, []any{&key, &fam, &vor, &geb}, func() error {
		keys = append(keys, key)
		persons = append(persons, importing.Personenschluessel(fam, vor, geb))
		return nil
	}); err != nil || len(keys) == 0 {
		return err
	}
	_, err = tx.Exec(ctx, fmt.Sprintf(`UPDATE %[1]s t SET personenschluessel = u.p FROM unnest($1::text[], $2::text[]) AS u(k, p)
		WHERE t.%[2]s = u.k`, spec.table, spec.keyCol), keys, persons)
	return err
}

// resolve gives each staged row the key of the stored record it means:
// by the id (Ordnungsmerkmal, Schülernummer) where both the row and the
// record have one, else by folded name and birth date, within the same
// school for pupils. The stored key stays, and with it the record's id,
// pseudonym and everything attached to it. A row that fits several
// records (none or more than one of them active) is an error at the row,
// and the records it might mean are spared from removal. It returns the
// number of valid rows that became faulty and of those that took the key
// of a stored record other than their own.
func (p *Processor) resolve(ctx context.Context, tx pgx.Tx, imp importing.Import, spec kindSpec, add func(importing.StoredProblem)) (ambiguous, rekeyed int, err error) {
	idc := spec.identity.idCol
	within := func(alias string) string {
		if spec.identity.within == "" {
			return "true"
		}
		return fmt.Sprintf("%[1]s.%[2]s = s.%[2]s", alias, spec.identity.within)
	}
	active := "true"
	if spec.active != "" {
		active = spec.active
	}
	// Candidates by id, and by name and birth date where the row or the
	// record has no id; a row with a candidate by id takes only those.
	// Records whose key is made of their id (created from a row with it)
	// are found by the key itself: only records that got their id later
	// ("odd") are joined by id, so a list whose rows and records all have
	// ids costs no join here at all – the classification joins by key.
	if _, err := tx.Exec(ctx, fmt.Sprintf(`
		CREATE TEMP TABLE stg_match ON COMMIT DROP AS
		WITH odd AS (SELECT * FROM %[2]s t WHERE t.%[3]s IS NOT NULL AND t.%[1]s <> %[6]s),
		a2 AS (SELECT s.row, t.%[1]s AS stored, %[4]s AS active FROM stg_in s JOIN odd t ON t.%[3]s = s.%[3]s AND %[5]s),
		a1 AS (SELECT s.row, t.%[1]s AS stored, %[4]s AS active FROM stg_in s JOIN %[2]s t ON t.%[1]s = s.schluessel
			WHERE s.%[3]s IS NOT NULL AND s.row IN (SELECT a2.row FROM a2))
		SELECT a2.row, a2.stored, a2.active, true AS by_id FROM a2
		UNION ALL
		SELECT a1.row, a1.stored, a1.active, true FROM a1
		UNION ALL
		SELECT s.row, t.%[1]s, %[4]s, false
			FROM (SELECT * FROM stg_in WHERE %[3]s IS NULL) s JOIN %[2]s t ON t.personenschluessel = s.personkey AND %[5]s
		UNION ALL
		SELECT s.row, t.%[1]s, %[4]s, false
			FROM (SELECT * FROM stg_in WHERE %[3]s IS NOT NULL) s
			JOIN (SELECT * FROM %[2]s WHERE %[3]s IS NULL AND personenschluessel IS NOT NULL) t ON t.personenschluessel = s.personkey AND %[5]s
			WHERE NOT EXISTS (SELECT 1 FROM %[2]s k WHERE k.%[1]s = s.schluessel);
		CREATE TEMP TABLE stg_pick ON COMMIT DROP AS
		WITH m AS (SELECT *, bool_or(by_id) OVER (PARTITION BY row) AS has_id FROM stg_match)
		SELECT row, CASE WHEN count(DISTINCT stored) FILTER (WHERE active) = 1 THEN min(stored) FILTER (WHERE active)
		                 WHEN count(DISTINCT stored) FILTER (WHERE active) = 0 AND count(DISTINCT stored) = 1 THEN min(stored) END AS stored,
		       count(DISTINCT stored) AS candidates
		FROM m WHERE by_id OR NOT has_id
		GROUP BY row`,
		spec.keyCol, spec.table, idc, active, within("t"), spec.identity.ownKey)); err != nil {
		return 0, 0, err
	}
	// Rows that fit several records: an error at the row, never a guess.
	rows, err := tx.Query(ctx, `SELECT s.sheet, s.row, k.candidates, s.ok FROM stg_in s JOIN stg_pick k USING (row)
		WHERE k.stored IS NULL ORDER BY s.row`)
	if err != nil {
		return 0, 0, err
	}
	var sheet string
	var row, candidates int
	var wasOK bool
	if _, err := pgx.ForEachRow(rows, []any{&sheet, &row, &candidates, &wasOK}, func() error {
		if wasOK {
			ambiguous++
		}
		add(importing.ProblemMehrdeutig(imp.Listenart, sheet, row, candidates, idc))
		return nil
	}); err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE stg_in s SET ok = false FROM stg_pick k WHERE k.row = s.row AND k.stored IS NULL`); err != nil {
		return 0, 0, err
	}
	// Every record such a row might mean is spared.
	if _, err := tx.Exec(ctx, `INSERT INTO stg_keep SELECT m.stored FROM stg_match m JOIN stg_pick k USING (row) WHERE k.stored IS NULL`); err != nil {
		return 0, 0, err
	}
	// Every other row takes its record's key; its change-feed id follows.
	rows, err = tx.Query(ctx, `UPDATE stg_in s SET schluessel = k.stored FROM stg_pick k
		WHERE k.row = s.row AND k.stored IS NOT NULL AND s.schluessel <> k.stored AND s.ok
		RETURNING s.schluessel`)
	if err != nil {
		return 0, 0, err
	}
	keys, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return 0, 0, err
	}
	if _, err := tx.Exec(ctx, `UPDATE stg_in s SET schluessel = k.stored FROM stg_pick k
		WHERE k.row = s.row AND k.stored IS NOT NULL AND NOT s.ok`); err != nil {
		return 0, 0, err
	}
	if p.store.fed(spec) && len(keys) > 0 {
		name := p.store.feedID(spec)
		ids := make([]string, len(keys))
		for i, k := range keys {
			ids[i] = name(k)
		}
		if _, err := tx.Exec(ctx, `UPDATE stg_in s SET feed_id = u.f FROM unnest($1::text[], $2::text[]) AS u(k, f)
			WHERE s.schluessel = u.k AND s.ok`, keys, ids); err != nil {
			return 0, 0, err
		}
	}
	return ambiguous, len(keys), nil
}

// auditLifts writes an audit entry for each Auskunftssperre the import
// lifts (by an explicit "nein" in the list), naming the child by its
// pseudonym (or its number) only, in the import's transaction.
func auditLifts(ctx context.Context, tx pgx.Tx, imp importing.Import, spec kindSpec) error {
	_, err := tx.Exec(ctx, fmt.Sprintf(`INSERT INTO audit_log (subject, client, operation, ressource, anzahl, ergebnis, detail)
		SELECT $1, 'worker', 'import.auskunftssperre_aufgehoben',
			'import=' || $2 || '&kind=' || CASE WHEN s.feed_id <> '' THEN s.feed_id ELSE 'nr:' || t.id END, 1, 200,
			'Auskunftssperre durch ausdrückliches „nein“ im Melderegister-Auszug aufgehoben'
		FROM stg s JOIN %s t ON t.%s = s.schluessel
		WHERE t.auskunftssperre AND s.auskunftssperre = false`, spec.table, spec.keyCol), imp.CreatedBy, imp.ID)
	return err
}

// apply writes the staged rows that create or change a record and marks
// the records the list no longer has. Before-images of changed and
// removed records are kept for undo; created ones are known from
// import_actions. Only delivered columns are written to stored records.
// empty: the kind's table held no record when the list was compared
// (every valid row creates one).
func (p *Processor) apply(ctx context.Context, tx pgx.Tx, importID string, spec kindSpec, delivered []bool, empty bool) error {
	if _, err := tx.Exec(ctx, fmt.Sprintf(`
		INSERT INTO import_changes (import_id, tbl, schluessel, before)
		SELECT $1, $2, t.%[2]s, to_jsonb(t) FROM %[1]s t JOIN stg s ON s.schluessel = t.%[2]s AND s.action = 'update'
		UNION ALL
		SELECT $1, $2, t.%[2]s, to_jsonb(t) FROM %[1]s t JOIN import_actions a ON a.import_id = $1 AND a.action = 'remove' AND a.schluessel = t.%[2]s`,
		spec.table, spec.keyCol), importID, spec.table); err != nil {
		return err
	}
	// The feed entries of created and changed records first: they are
	// read from the staged rows alone, and a bulk load below locks the
	// table until the commit, so it is locked for less time.
	if p.store.fed(spec) {
		if _, err := tx.Exec(ctx, `INSERT INTO change_feed (entity, entity_id, operation)
			SELECT $1, feed_id, 'upsert' FROM stg WHERE action IN ('create', 'update')`, spec.feedEntity); err != nil {
			return err
		}
	}
	// New records by a plain INSERT (15 % faster than INSERT … ON CONFLICT
	// for 100,000 children; imports of a kind run one at a time, so the
	// keys classified as new are new), changed ones by UPDATE.
	cols := append([]string{}, spec.cols...)
	vals := make([]string, 0, len(cols)+1)
	for _, c := range spec.cols {
		if def, keep := spec.keepIfNull[c]; keep {
			vals = append(vals, fmt.Sprintf("coalesce(s.%s, %s)", c, def))
		} else {
			vals = append(vals, "s."+c)
		}
	}
	if spec.identity != nil {
		cols, vals = append(cols, "personenschluessel"), append(vals, "s.personkey")
	}
	if spec.pseudonymCol != "" && spec.pseudonymous && p.store.fed(spec) {
		// The created record's pseudonym is its feed id (the same HMAC of
		// the same key), so nothing is left for the pages to fill in.
		cols, vals = append(cols, spec.pseudonymCol), append(vals, "nullif(s.feed_id, '')")
	}
	var indexes []string
	if empty && spec.bulk && !p.NoBulkLoad {
		var err error
		if indexes, _, err = p.bulkLoad(ctx, tx, spec); err != nil {
			return err
		}
	}
	if _, err := tx.Exec(ctx, fmt.Sprintf(`
		INSERT INTO %[1]s (%[2]s, %[3]s, import_id, import_row, created_by_import)
		SELECT s.schluessel, %[4]s, $1::uuid, s.row, $1::uuid FROM stg s WHERE s.action = 'create'`,
		spec.table, spec.keyCol, strings.Join(cols, ", "), strings.Join(vals, ", ")), importID); err != nil {
		return err
	}
	for _, def := range indexes {
		if _, err := tx.Exec(ctx, def); err != nil {
			return err
		}
	}
	set := make([]string, 0, len(spec.cols)+5)
	for i, c := range spec.cols {
		switch _, keep := spec.keepIfNull[c]; {
		case !delivered[i]:
		case keep:
			set = append(set, fmt.Sprintf("%[1]s = coalesce(s.%[1]s, t.%[1]s)", c))
		default:
			set = append(set, c+" = s."+c)
		}
	}
	if spec.identity != nil {
		set = append(set, "personenschluessel = coalesce(s.personkey, t.personenschluessel)")
	}
	set = append(set, "import_id = $1::uuid", "import_row = s.row", "updated_at = now()")
	if _, err := tx.Exec(ctx, fmt.Sprintf(`
		UPDATE %[1]s t SET %[3]s FROM stg s WHERE s.action = 'update' AND t.%[2]s = s.schluessel`,
		spec.table, spec.keyCol, strings.Join(set, ", ")), importID); err != nil {
		return err
	}
	if err := p.store.feed(ctx, tx, spec, `SELECT schluessel, 'delete' FROM import_actions WHERE import_id = $1 AND action = 'remove'`, importID); err != nil {
		return err
	}
	switch spec.removal {
	case "":
	case "DELETE":
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %[1]s t USING import_actions a
			WHERE a.import_id = $1 AND a.action = 'remove' AND a.schluessel = t.%[2]s`, spec.table, spec.keyCol), importID); err != nil {
			return err
		}
	default:
		if _, err := tx.Exec(ctx, fmt.Sprintf(`UPDATE %[1]s t SET %[3]s, import_id = $1, import_row = NULL, updated_at = now()
			FROM import_actions a WHERE a.import_id = $1 AND a.action = 'remove' AND a.schluessel = t.%[2]s`,
			spec.table, spec.keyCol, spec.removal), importID); err != nil {
			return err
		}
	}
	return nil
}

func storeProblems(ctx context.Context, tx pgx.Tx, importID string, problems []importing.StoredProblem) error {
	if _, err := tx.Exec(ctx, "DELETE FROM import_errors WHERE import_id = $1", importID); err != nil {
		return err
	}
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_errors"}, []string{"import_id", "seq", "sheet", "row", "col", "field", "code", "message", "ohne_sperre"},
		pgx.CopyFromSlice(len(problems), func(i int) ([]any, error) {
			p := problems[i]
			return []any{importID, i + 1, p.Sheet, p.Row, p.Column, p.Field, p.Code, p.Message, p.OhneSperre}, nil
		}))
	return err
}

func prefixed(prefix string, cols []string) string {
	out := make([]string, len(cols))
	for i, c := range cols {
		out[i] = prefix + c
	}
	return strings.Join(out, ", ")
}

// schulen returns the schools the gateway knows, for the rules of lists
// that name schools (importing.SchulPruefung).
func (p *Processor) schulen(ctx context.Context) ([]importing.BekannteSchule, error) {
	rows, err := p.store.pool.Query(ctx, "SELECT schulnummer, name, schulform FROM schulen")
	if err != nil {
		return nil, storeErr("load schools", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (importing.BekannteSchule, error) {
		var s importing.BekannteSchule
		err := r.Scan(&s.Schulnummer, &s.Name, &s.Schulform)
		return s, err
	})
	return list, storeErr("load schools", err)
}

// feed records the changes the rows of query (key, operation) describe in
// the change feed, in the writer's transaction; pseudonymous kinds are
// named by their pseudonym and tombstones carry it as their key.
// fed tells whether the records of a kind enter the change feed.
func (s *ImportStore) fed(spec kindSpec) bool {
	return spec.feedEntity != "" && (!spec.pseudonymous || s.pseudonym != nil)
}

// feedID returns how the change feed names a record of the kind by its
// key: by its pseudonym, or by the key itself ("" when not fed).
func (s *ImportStore) feedID(spec kindSpec) func(key string) string {
	switch {
	case !s.fed(spec):
		return func(string) string { return "" }
	case spec.pseudonymous:
		return s.pseudonym
	}
	return func(key string) string { return key }
}

func (s *ImportStore) feed(ctx context.Context, tx pgx.Tx, spec kindSpec, query string, args ...any) error {
	if !s.fed(spec) {
		return nil
	}
	// A list may change a million records: read them through a cursor in
	// batches and COPY each batch, so memory stays flat.
	if _, err := tx.Exec(ctx, "DECLARE feed_rows NO SCROLL CURSOR FOR "+query, args...); err != nil {
		return err
	}
	defer tx.Exec(ctx, "CLOSE feed_rows") //nolint:errcheck // closed with the transaction anyway
	name := s.feedID(spec)
	for {
		rows, err := tx.Query(ctx, "FETCH 10000 FROM feed_rows")
		if err != nil {
			return err
		}
		var changes []changefeed.Change
		var key, op string
		if _, err := pgx.ForEachRow(rows, []any{&key, &op}, func() error {
			id := name(key)
			c := changefeed.Change{Entity: spec.feedEntity, ID: id, Operation: changefeed.Operation(op)}
			if c.Operation == changefeed.Delete {
				c.Key = map[string]string{"id": id}
			}
			changes = append(changes, c)
			return nil
		}); err != nil {
			return err
		}
		if len(changes) == 0 {
			return nil
		}
		if err := RecordChanges(ctx, tx, changes...); err != nil {
			return err
		}
	}
}

// ---- undo ----

// Undo restores every record an import changed to its state before the
// import, if nothing later built on it: no later import of the same kind
// that is still in force, and no record changed since by other means.
func (s *ImportStore) Undo(ctx context.Context, id string) error {
	imp, err := s.Get(ctx, id)
	if err != nil {
		return err
	}
	switch {
	case imp.UndoneAt != nil:
		return apperr.Conflict("Dieser Import wurde bereits rückgängig gemacht.")
	case imp.DryRun:
		return apperr.Conflict("Ein Probelauf hat nichts geschrieben; es gibt nichts rückgängig zu machen.")
	case imp.Status != importing.StatusSucceeded:
		return apperr.Conflict("Nur ein erfolgreich abgeschlossener Import kann rückgängig gemacht werden.")
	case imp.Listenart == importing.ListeUebergang:
		return apperr.Conflict("Eine Anmeldeliste zum Schuljahrgang 5 kann nicht rückgängig gemacht werden (eine Verteilung kann sie schon verwendet haben). Bitte die Liste korrigieren und erneut hochladen; Anmeldungen, die sie nicht mehr nennt, bleiben bestehen.")
	}
	spec := kindSpecs[imp.Listenart]
	return storeErr("undo import", inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock(hashtext('schulgateway-import-' || $1))", imp.Listenart); err != nil {
			return err
		}
		var later int
		if err := tx.QueryRow(ctx, `SELECT count(*) FROM imports WHERE kind = $1 AND id <> $2 AND created_at > $3
			AND status = 'succeeded' AND NOT dry_run AND undone_at IS NULL`, imp.Listenart, id, imp.CreatedAt).Scan(&later); err != nil {
			return err
		}
		if later > 0 {
			return apperr.Conflict("Ein späterer Import derselben Listenart baut auf diesem auf. Bitte zuerst den späteren rückgängig machen.")
		}
		var bereinigt bool
		if err := tx.QueryRow(ctx, "SELECT bereinigt_am IS NOT NULL FROM imports WHERE id = $1", id).Scan(&bereinigt); err != nil {
			return err
		}
		if bereinigt {
			return apperr.Conflict("Die Aufbewahrungsfrist dieses Imports ist abgelaufen; die für das Rückgängigmachen nötigen Altstände sind gelöscht.")
		}
		if reason, err := undoBlockers(ctx, tx, imp); err != nil || reason != "" {
			if err == nil {
				err = apperr.Conflict(reason)
			}
			return err
		}
		var touched int
		if err := tx.QueryRow(ctx, fmt.Sprintf(`SELECT
			(SELECT count(*) FROM import_actions a JOIN %[1]s t ON t.%[2]s = a.schluessel
				WHERE a.import_id = $1 AND t.import_id IS DISTINCT FROM $1::uuid)
			+ (SELECT count(*) FROM %[1]s t WHERE t.created_by_import = $1 AND t.import_id IS DISTINCT FROM $1::uuid)`,
			spec.table, spec.keyCol), id).Scan(&touched); err != nil {
			return err
		}
		if touched > 0 {
			if imp.Listenart == importing.ListeSchueler { // only a Schulwechsel writes pupils besides imports
				return apperr.Conflict(fmt.Sprintf("%s dieses Imports %s seitdem durch einen Schulwechsel geändert. Der Import kann nicht mehr rückgängig gemacht werden.",
					anzahl(touched, "Ein Schüler", "Schüler"), map[bool]string{true: "wurde", false: "wurden"}[touched == 1]))
			}
			return apperr.Conflict(fmt.Sprintf("%d Datensätze dieses Imports wurden seitdem anders geändert. Der Import kann nicht mehr rückgängig gemacht werden.", touched))
		}
		// Records the undo deletes leave a tombstone; restored ones an upsert.
		if err := s.feed(ctx, tx, spec, fmt.Sprintf(`SELECT %[2]s, 'delete' FROM %[1]s WHERE created_by_import = $1
			UNION ALL SELECT schluessel, 'upsert' FROM import_changes WHERE import_id = $1 AND tbl = $2`, spec.table, spec.keyCol), id, spec.table); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, fmt.Sprintf(`DELETE FROM %s WHERE created_by_import = $1`, spec.table), id); err != nil {
			return err
		}
		all := allColumns(spec)
		set := make([]string, 0, len(all))
		for _, c := range all {
			set = append(set, c+" = EXCLUDED."+c)
		}
		// Rows the import deleted come back with their old identity.
		if _, err := tx.Exec(ctx, fmt.Sprintf(`
			INSERT INTO %[1]s OVERRIDING SYSTEM VALUE SELECT (jsonb_populate_record(NULL::%[1]s, c.before)).* FROM import_changes c
			WHERE c.import_id = $1 AND c.tbl = $2
			ON CONFLICT (%[3]s) DO UPDATE SET %[4]s`, spec.table, spec.table, spec.keyCol, strings.Join(set, ", ")), id, spec.table); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, "UPDATE imports SET undone_at = now() WHERE id = $1", id)
		return err
	}))
}

// undoDependent is a kind of record elsewhere that refers to the records
// of an import: counted by query, which may use the CTE recs (id,
// schluessel, since) of the records the import created (since -infinity:
// whatever refers to them would be orphaned) and changed or removed (since
// the import finished: what was made after it rests on its state).
type undoDependent struct {
	one, many string // German: "1 Schulpflicht-Fall", "3 Schulpflicht-Fälle"
	query     string
}

// undoDependents lists, per kind, what refers to its records. Street
// directories and the planners' figures are referred to by nothing but
// later imports of the kind (checked in Undo); an Anmeldung names its
// school, not a rule.
var undoDependents = map[importing.Listenart]struct {
	noun string // the records, in "… beziehen sich auf Kinder dieses Imports"
	deps []undoDependent
}{
	importing.ListeMelderegister: {noun: "Kinder", deps: []undoDependent{
		{"Schulpflicht-Fall", "Schulpflicht-Fälle", `SELECT count(*) FROM faelle f JOIN recs r ON f.kind_id = r.id WHERE f.updated_at > r.since`},
		{"Schulpflicht-Abgleich", "Schulpflicht-Abgleiche", `SELECT count(DISTINCT x.abgleich_id) FROM (
			SELECT z.abgleich_id, r.since FROM abgleich_zuordnungen z JOIN recs r ON z.kind_id = r.id
			UNION ALL SELECT z.abgleich_id, r.since FROM abgleich_zuordnungen z JOIN recs r ON z.quelle = 'aufnahme' AND z.pupil_ref = r.id
		) x JOIN abgleiche a ON a.id = x.abgleich_id WHERE a.created_at > x.since`},
		{"Urteil zum Schulpflicht-Abgleich", "Urteile zum Schulpflicht-Abgleich", `SELECT count(*) FROM schulpflicht_urteile u
			WHERE EXISTS (SELECT 1 FROM recs r WHERE r.id = u.kind_id AND u.created_at > r.since)
			   OR u.quelle = 'aufnahme' AND EXISTS (SELECT 1 FROM recs r WHERE r.id = u.pupil_ref AND u.created_at > r.since)`},
		{"Meldung zur Einschulung (Anmeldung, Entscheidung)", "Meldungen zur Einschulung (Anmeldungen, Entscheidungen)",
			`SELECT count(*) FROM einschulung_meldungen m JOIN recs r ON m.kind = r.schluessel WHERE m.geaendert_am > r.since`},
	}},
	importing.ListeSchueler: {noun: "Schüler", deps: []undoDependent{
		{"Schulpflicht-Abgleich", "Schulpflicht-Abgleiche", `SELECT count(DISTINCT z.abgleich_id) FROM abgleich_zuordnungen z
			JOIN recs r ON z.quelle = 'schueler' AND z.pupil_ref = r.id JOIN abgleiche a ON a.id = z.abgleich_id WHERE a.created_at > r.since`},
		{"Urteil zum Schulpflicht-Abgleich", "Urteile zum Schulpflicht-Abgleich", `SELECT count(*) FROM schulpflicht_urteile u
			JOIN recs r ON u.quelle = 'schueler' AND u.pupil_ref = r.id WHERE u.created_at > r.since`},
	}},
	importing.ListeBestaetigungen: {noun: "Schulbesuchsbestätigungen", deps: []undoDependent{
		{"Schulpflicht-Abgleich", "Schulpflicht-Abgleiche", `SELECT count(DISTINCT z.abgleich_id) FROM abgleich_zuordnungen z
			JOIN recs r ON z.quelle = 'bestaetigung' AND z.pupil_ref = r.id JOIN abgleiche a ON a.id = z.abgleich_id WHERE a.created_at > r.since`},
		{"Urteil zum Schulpflicht-Abgleich", "Urteile zum Schulpflicht-Abgleich", `SELECT count(*) FROM schulpflicht_urteile u
			JOIN recs r ON u.quelle = 'bestaetigung' AND u.pupil_ref = r.id WHERE u.created_at > r.since`},
	}},
	// A school the import created and the undo would delete: whatever
	// names it. A changed school only gets its old data back.
	importing.ListeSchulen: {noun: "Schulen", deps: []undoDependent{
		{"Regel des Straßenverzeichnisses", "Regeln des Straßenverzeichnisses",
			`SELECT count(*) FROM bezirksregeln b JOIN recs r ON b.schulnummer = r.schluessel AND r.since = '-infinity'`},
		{"Schüler", "Schüler", `SELECT count(*) FROM schueler s JOIN recs r ON s.schulnummer = r.schluessel AND r.since = '-infinity'`},
		{"Meldung zur Einschulung", "Meldungen zur Einschulung",
			`SELECT count(*) FROM einschulung_meldungen m JOIN recs r ON m.schulnummer = r.schluessel AND r.since = '-infinity'`},
		{"offener Abgang", "offene Abgänge", `SELECT count(*) FROM offene_abgaenge o JOIN recs r ON o.schule = r.schluessel AND r.since = '-infinity'`},
		{"Zahl der Schulentwicklungsplanung", "Zahlen der Schulentwicklungsplanung", `SELECT
			(SELECT count(*) FROM planung_schuelerzahlen p JOIN recs r ON p.schulnummer = r.schluessel AND r.since = '-infinity')
			+ (SELECT count(*) FROM planung_kohorten p JOIN recs r ON p.schulnummer = r.schluessel AND r.since = '-infinity')`},
	}},
}

// undoBlockers returns why the import cannot be undone because records
// elsewhere refer to its records ("" if none do), naming what they are:
// "3 Schulpflicht-Fälle und 12 Meldungen zur Einschulung beziehen sich
// auf Kinder dieses Imports …".
func undoBlockers(ctx context.Context, tx pgx.Tx, imp importing.Import) (string, error) {
	d, ok := undoDependents[imp.Listenart]
	if !ok || imp.FinishedAt == nil {
		return "", nil
	}
	spec := kindSpecs[imp.Listenart]
	id := "t.id"
	if imp.Listenart == importing.ListeSchulen {
		id = "NULL::bigint"
	}
	recs := fmt.Sprintf(`WITH recs AS MATERIALIZED (
		SELECT %[3]s AS id, t.%[2]s AS schluessel, '-infinity'::timestamptz AS since FROM %[1]s t WHERE t.created_by_import = $1
		UNION ALL
		SELECT %[3]s, t.%[2]s, $2::timestamptz FROM %[1]s t
			JOIN import_changes c ON c.import_id = $1 AND c.tbl = '%[1]s' AND c.schluessel = t.%[2]s
			WHERE t.created_by_import IS DISTINCT FROM $1)
		SELECT `, spec.table, spec.keyCol, id)
	cols := make([]string, len(d.deps))
	for i, dep := range d.deps {
		cols[i] = "(" + dep.query + ")"
	}
	counts := make([]int, len(d.deps))
	dest := make([]any, len(d.deps))
	for i := range counts {
		dest[i] = &counts[i]
	}
	if err := tx.QueryRow(ctx, recs+strings.Join(cols, ", "), imp.ID, *imp.FinishedAt).Scan(dest...); err != nil {
		return "", err
	}
	var parts []string
	total := 0
	for i, dep := range d.deps {
		if counts[i] > 0 {
			parts = append(parts, anzahl(counts[i], "1 "+dep.one, dep.many))
			total += counts[i]
		}
	}
	if len(parts) == 0 {
		return "", nil
	}
	verb, rest := "beziehen", "beruhen"
	if total == 1 {
		verb, rest = "bezieht", "beruht"
	}
	return fmt.Sprintf("Der Import kann nicht rückgängig gemacht werden: %s %s sich auf %s dieses Imports und %s auf dem Stand, den er geschrieben hat.",
		joinUnd(parts), verb, d.noun, rest), nil
}

// anzahl writes n with the singular or plural form: one is used as it is
// for n == 1, many after the number otherwise.
func anzahl(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return fmt.Sprintf("%d %s", n, many)
}

// joinUnd joins "a", "b", "c" as "a, b und c".
func joinUnd(parts []string) string {
	if len(parts) == 1 {
		return parts[0]
	}
	return strings.Join(parts[:len(parts)-1], ", ") + " und " + parts[len(parts)-1]
}

// allColumns are the columns an undo restores.
func allColumns(spec kindSpec) []string {
	cols := append([]string{}, spec.cols...)
	if spec.identity != nil {
		cols = append(cols, "personenschluessel")
	}
	return append(cols, "import_id", "import_row", "created_by_import", "updated_at")
}

// firstOfEach is the staged list without repeated records: all of it when
// there are none (the common case, no sort), else the first row of each.
func firstOfEach(dups int) string {
	if dups == 0 {
		return "stg_in"
	}
	return "(SELECT DISTINCT ON (schluessel) * FROM stg_in ORDER BY schluessel, row)"
}

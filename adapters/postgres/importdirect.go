package postgres

import (
	"context"
	"fmt"
	"hash/maphash"
	"slices"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"

	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// directLoad is a list loaded by COPY straight into its kind's empty
// table, instead of into stg_in and from there by INSERT … SELECT:
// PostgreSQL writes the records while the gateway reads the file, where
// it waited for the rows before (docs/performance.md, session 7), and
// their feed entries chunk by chunk between the COPYs (stage; session 8). It is
// taken for a list that may create records (no dry run) when the table
// is empty and its lock had (bulkLoad, whose dropped indexes are built
// after the load, as are the keys dropKeyConstraints drops), in a
// savepoint that a list that is not applied rolls back: the table is then
// empty as before, with its indexes and constraints, unlocked.
//
// What the general way finds in SQL is found while reading: faulty rows
// are not loaded (with nothing stored there is nothing they could spare
// from removal); the first row of a key is loaded, a later one is held
// back (the key's unique constraint, built after the load, would fail)
// and reported as a repeated record; the records get their ids in the
// order of the rows, from the table's sequence as the general way's INSERT
// would give them, and the sequence is moved on only when the list is
// applied (a list rolled back leaves it where it was, as the general way
// does).
type directLoad struct {
	sp      pgx.Tx   // the savepoint before the lock
	indexes []string // the dropped indexes' definitions and key constraints
	seq     string   // the id column's sequence
	nextID  int64
	cols    []string     // COPY's columns
	enc     *copyEncoder // encodes the COPY's rows
	feedEnc *copyEncoder // encodes the feed entries (fed)
	uuid    any          // the import's id (a pgtype.UUID, boxed once for all rows)
	// defaults: columns whose empty cell keeps a stored value get the
	// value a new record gets instead (kindSpec.keepIfNull).
	defaults []columnDefault
	sperre   int // the auskunftssperre column (-1: none)
	fed      bool
	feedID   func(string) string
	feedCol  int // the column of a row's feed id (in cols)
	chunk    int // rows per COPY (directChunk)

	// Written by the reader (AppendRow), read after it ended.
	hash     func(maphash.Seed, string) uint64
	seed     maphash.Seed
	seen     keySet
	held     []heldRow // rows whose key's hash was seen before
	loaded   int
	sperren  int
	applied  bool
	finished bool
}

// columnDefault is the value a column (its index in kindSpec.cols) of a
// new record gets for an empty cell.
type columnDefault struct {
	col   int
	value any
}

// heldRow is a valid row held back from the load as a likely repetition.
type heldRow struct {
	sheet string
	row   int
	key   string
}

// directDefault is the Go value of a keepIfNull default a direct load can
// write ("" : none it knows, the list then goes the general way).
func directDefault(sql string) (any, bool) {
	switch sql {
	case "NULL":
		return nil, true
	case "false":
		return false, true
	case "true":
		return true, true
	}
	return nil, false
}

// startDirect tries to begin a direct load of imp into spec's table; nil
// when the list goes the general way (not a kind loaded in bulk, a dry
// run, a table not empty or not had in time, a sequence it cannot move).
func (p *Processor) startDirect(ctx context.Context, tx pgx.Tx, imp importing.Import, spec kindSpec) (*directLoad, error) {
	if !spec.bulk || p.NoBulkLoad || p.NoDirectLoad || imp.DryRun || importing.GeneralWay(ctx) ||
		imp.ConfirmRemovals != nil && *imp.ConfirmRemovals != 0 { // an empty table has nothing to remove: refused anyway
		return nil, nil
	}
	d := &directLoad{sperre: -1, hash: p.keyHash,
		fed: p.store.fed(spec), feedID: p.store.feedID(spec), chunk: directChunk}
	if p.directChunk > 0 {
		d.chunk = p.directChunk
	}
	if d.hash == nil {
		d.hash = maphash.String
	}
	d.seed = maphash.MakeSeed()
	d.seen.reserve(int(min(imp.Size/directBytesPerRow, directReserveMax)))
	for i, c := range spec.cols {
		if def, keep := spec.keepIfNull[c]; keep {
			v, ok := directDefault(def)
			if !ok {
				return nil, nil
			}
			d.defaults = append(d.defaults, columnDefault{col: i, value: v})
		}
		if c == "auskunftssperre" {
			d.sperre = i
		}
	}
	var uuid pgtype.UUID
	if err := uuid.Scan(imp.ID); err != nil {
		return nil, err
	}
	d.uuid = uuid
	sp, err := tx.Begin(ctx)
	if err != nil {
		return nil, err
	}
	indexes, ok, err := p.bulkLoad(ctx, sp, spec)
	if err != nil || !ok {
		return nil, rollBack(ctx, sp, err)
	}
	keys, err := dropKeyConstraints(ctx, sp, spec)
	if err != nil {
		return nil, rollBack(ctx, sp, err)
	}
	indexes = append(indexes, keys...)
	// The ids the general way's INSERT would give: the sequence's next
	// values (it moves by one; only the import writes the table now).
	var usable, called bool
	var last int64
	if err := sp.QueryRow(ctx, `SELECT coalesce(pg_get_serial_sequence($1, 'id'), ''),
		coalesce((SELECT s.seqincrement = 1 AND has_sequence_privilege(s.seqrelid, 'SELECT') AND has_sequence_privilege(s.seqrelid, 'UPDATE')
			FROM pg_sequence s WHERE s.seqrelid = pg_get_serial_sequence($1, 'id')::regclass), false)`, spec.table).Scan(&d.seq, &usable); err != nil {
		return nil, rollBack(ctx, sp, err)
	}
	if !usable {
		return nil, rollBack(ctx, sp, nil)
	}
	if err := sp.QueryRow(ctx, `SELECT last_value, is_called FROM `+d.seq).Scan(&last, &called); err != nil {
		return nil, rollBack(ctx, sp, err)
	}
	d.nextID = last
	if called {
		d.nextID++
	}
	d.sp, d.indexes = sp, indexes
	d.cols = append([]string{"id", spec.keyCol}, spec.cols...)
	if spec.identity != nil {
		d.cols = append(d.cols, "personenschluessel")
	}
	if spec.pseudonymCol != "" && spec.pseudonymous && d.fed {
		d.cols = append(d.cols, spec.pseudonymCol)
	}
	d.cols = append(d.cols, "import_id", "import_row", "created_by_import")
	if d.enc, err = newCopyEncoder(ctx, sp, spec.table, d.cols); err != nil {
		return nil, rollBack(ctx, sp, err)
	}
	if d.fed {
		feedCol := spec.keyCol
		if spec.pseudonymous {
			feedCol = spec.pseudonymCol
		}
		if d.feedCol = slices.Index(d.cols, feedCol); d.feedCol < 0 {
			return nil, rollBack(ctx, sp, nil)
		}
		if d.feedEnc, err = newCopyEncoder(ctx, sp, "change_feed", feedColumns); err != nil {
			return nil, rollBack(ctx, sp, err)
		}
	}
	return d, nil
}

// rollBack gives up a savepoint and returns err.
func rollBack(ctx context.Context, sp pgx.Tx, err error) error {
	if rbErr := sp.Rollback(ctx); err == nil {
		err = rbErr
	}
	return err
}

// appendRow is AppendRow for a direct load: the record as the general
// way's INSERT writes it, or nothing for a row not to be loaded.
func (d *directLoad) appendRow(dst []any, spec kindSpec, rec importing.Record, id importing.Identity, ok bool) []any {
	if !ok {
		return dst
	}
	h := d.hash(d.seed, id.Key)
	if !d.seen.add(h) {
		d.held = append(d.held, heldRow{sheet: rec.Sheet, row: rec.RowNumber, key: id.Key})
		return dst
	}
	start := len(dst)
	dst = append(dst, d.nextID, id.Key)
	dst = spec.values(dst, rec.Values)
	vals := dst[start+2:]
	for _, def := range d.defaults {
		if vals[def.col] == nil {
			vals[def.col] = def.value
		}
	}
	if d.sperre >= 0 && vals[d.sperre] == true {
		d.sperren++
	}
	if spec.identity != nil {
		dst = append(dst, nilIfEmpty(id.Person))
	}
	if spec.pseudonymCol != "" && spec.pseudonymous && d.fed {
		dst = append(dst, lazyFeedID{key: id.Key, name: d.feedID})
	}
	d.nextID++
	d.loaded++
	return append(dst, d.uuid, rec.RowNumber, d.uuid)
}

// duplicates tells the held-back rows' fate once the load is done: each
// must repeat a loaded record whose row has a lower number (the general
// way keeps the row of the lowest number), and is then reported as a
// repeated record, in the order of the rows, as the general way reports
// them. A row whose key was not loaded (two keys of one hash) or whose
// number is lower than the loaded row's makes the run ErrGeneralWay.
func (d *directLoad) duplicates(ctx context.Context, spec kindSpec, addProblem func(importing.StoredProblem)) (int, error) {
	if len(d.held) == 0 {
		return 0, nil
	}
	keys := make([]string, len(d.held))
	for i, h := range d.held {
		keys[i] = h.key
	}
	slices.Sort(keys)
	keys = slices.Compact(keys)
	rows, err := d.sp.Query(ctx, fmt.Sprintf(`SELECT %[2]s, import_row FROM %[1]s WHERE %[2]s = ANY($1::text[]) AND import_id = $2`,
		spec.table, spec.keyCol), keys, d.uuid)
	if err != nil {
		return 0, err
	}
	first := make(map[string]int, len(keys))
	var key string
	var row int
	if _, err := pgx.ForEachRow(rows, []any{&key, &row}, func() error { first[key] = row; return nil }); err != nil {
		return 0, err
	}
	for _, h := range d.held {
		f, ok := first[h.key]
		if !ok || f >= h.row {
			return 0, importing.ErrGeneralWay
		}
	}
	slices.SortStableFunc(d.held, func(a, b heldRow) int { return a.row - b.row })
	for _, h := range d.held {
		addProblem(importing.ProblemDoppelt(h.sheet, h.row, first[h.key]))
	}
	return len(d.held), nil
}

// compareDirect is Compare for a direct load: what the general way's
// Compare finds for an empty table, from what the load kept.
func (l *lauf) compareDirect(ctx context.Context, out importing.Outcome, unidentified int) (importing.Plan, []importing.StoredProblem, error) {
	d, spec, imp := l.direct, l.spec, l.imp
	pl := problemListe{problems: out.Problems, dropped: out.ProblemsDropped}
	addProblem := pl.add
	counts := importing.Counts{Rows: out.Rows, Valid: out.Valid, Invalid: out.Invalid}
	dups, err := d.duplicates(ctx, spec, addProblem)
	if err != nil {
		return importing.Plan{}, nil, err
	}
	counts.Valid, counts.Invalid = counts.Valid-dups, counts.Invalid+dups
	counts.Created = d.loaded
	if _, sperre := spec.keepIfNull["auskunftssperre"]; sperre {
		counts.AuskunftssperreNeu = d.sperren
	}
	l.delivered = spec.delivered(imp.Listenart, out.Header, imp.Schulnummer)
	return importing.Plan{
		Counts: counts, Unidentified: unidentified, NotDelivered: spec.notDelivered(imp.Listenart, l.delivered), ProblemsDropped: pl.dropped,
	}, pl.problems, nil
}

// A direct load makes room for one key per directBytesPerRow bytes of
// the upload before the first row (keySet.reserve): a register's CSV
// row has 60–120 bytes (the benchmarks' 89), so its keys fit without
// growing the set; an xlsx, compressed, has more rows than that and
// grows it once. A file of long rows gets more room than it needs, at
// most for directReserveMax keys (32 MB of slots); a list with more
// grows its set as it goes.
const (
	directBytesPerRow = 64
	directReserveMax  = 2 << 20
)

// directChunk is how many rows a direct load sends in one COPY before
// it writes their feed entries: PostgreSQL writes a chunk's entries while
// the reader goes on with the next rows (into the batches' buffer), where
// it wrote all of them after the last row, the gateway idle
// (docs/performance.md, session 8). The entries of 10,000 rows take
// PostgreSQL about as long as the reader needs to fill the buffer (four
// batches of stageBatch); with 25,000 the reader stood still for a part
// of every chunk's entries (session 9).
const directChunk = 10_000

// stage is Stage for a direct load: the rows in COPYs of at most
// directChunk rows (Processor.directChunk in tests), each followed by the
// feed entries of its records (checked and made into rows by
// changeSource, as RecordChanges does), in the order of their ids (the
// general way's order: the chunks follow each other in the order of the
// ids, and each chunk's entries are in it). The entries come from the rows
// as they were sent, not from the table: its primary key is built after
// the load (dropKeyConstraints), and reading a chunk back cost PostgreSQL
// more than taking the entries by COPY (docs/performance.md, session 9).
// All in the load's savepoint: a list that is not applied takes its
// entries with it when it is rolled back (the feed's identity keeps the
// ids it gave, as for any rollback). The COPYs go through one copyPipe:
// PostgreSQL begins the next as soon as it ends one, and the first error
// it gives is the load's.
func (d *directLoad) stage(ctx context.Context, spec kindSpec, batches <-chan [][]any) error {
	src := &chunkSource{batchSource: batchSource{batches: batches}, limit: d.chunk, feedCol: -1}
	if !d.fed {
		src.limit = 0 // one COPY: no entries to write between
	} else {
		src.feedCol = d.feedCol
	}
	pipe := startCopyPipe(ctx, d.sp.Conn().PgConn())
	var changes []changefeed.Change
	err := func() error {
		for src.more() {
			src.n, src.ids = 0, src.ids[:0]
			if err := pipe.copy(pgx.Identifier{spec.table}, d.cols, d.enc, src); err != nil {
				return err
			}
			if !d.fed {
				continue
			}
			changes = changes[:0]
			for _, id := range src.ids {
				changes = append(changes, changefeed.Change{Entity: spec.feedEntity, ID: id, Operation: changefeed.Upsert})
			}
			entries, err := newChangeSource(changes)
			if err == nil && entries != nil {
				err = pipe.copy(pgx.Identifier{"change_feed"}, feedColumns, d.feedEnc, entries)
			}
			if err != nil {
				return err
			}
		}
		return nil
	}()
	// PostgreSQL's error, if it gave one, says what went wrong first.
	if _, perr := pipe.close(); perr != nil {
		return perr
	}
	return err
}

// chunkSource is a batchSource that ends a COPY after limit rows (0: no
// limit) and goes on where it ended in the next one; ids are the feed ids
// of the current COPY's rows (feedCol: their column, -1: none kept). A
// row's lazyFeedID is computed here, in the COPY's goroutine, and sent as
// the string it gives.
type chunkSource struct {
	batchSource
	limit, n int
	feedCol  int
	ids      []string
}

// more tells whether a row is left for another COPY, waiting for the
// next batch if need be.
func (c *chunkSource) more() bool {
	for c.i+1 >= len(c.cur) {
		next, ok := <-c.batches
		if !ok {
			return false
		}
		c.cur, c.i = next, -1
	}
	return true
}

func (c *chunkSource) Next() bool {
	if c.limit > 0 && c.n >= c.limit || !c.batchSource.Next() {
		return false
	}
	c.n++
	if c.feedCol >= 0 {
		row := c.cur[c.i]
		switch v := row[c.feedCol].(type) {
		case lazyFeedID:
			id := v.name(v.key)
			row[c.feedCol] = id
			c.ids = append(c.ids, id)
		case string:
			c.ids = append(c.ids, v)
		}
	}
	return true
}

// applyDirect is Apply for a direct load (the feed entries are written
// with the rows, by stage): the dropped indexes built, the sequence moved
// past the ids given.
func (l *lauf) applyDirect(ctx context.Context) error {
	d := l.direct
	for _, def := range d.indexes {
		if _, err := d.sp.Exec(ctx, def); err != nil {
			return err
		}
	}
	if d.loaded > 0 {
		if _, err := d.sp.Exec(ctx, `SELECT setval($1::regclass, $2)`, d.seq, d.nextID-1); err != nil {
			return err
		}
	}
	d.applied = true
	return nil
}

// finish keeps what an applied load wrote and rolls back one that
// is not applied (a refused list): the table is empty again, with its
// indexes, and no longer locked.
func (d *directLoad) finish(ctx context.Context) error {
	if d.finished {
		return nil
	}
	d.finished = true
	if d.applied {
		return d.sp.Commit(ctx)
	}
	return d.sp.Rollback(ctx)
}

// keySet is a set of 64-bit hashes (open addressing, linear probing, at
// most three quarters full): a million keys take 16 MB, a
// map[uint64]struct{} 36 MB.
type keySet struct {
	slots []uint64 // 0: free
	n     int
	zero  bool // 0 is in the set
}

// reserve makes room for n hashes before the first is added, so that a
// set of that size is not grown (and rehashed) on the way: a million
// hashes moved twice cost the reader as much as adding them once
// (docs/performance.md, session 16).
func (s *keySet) reserve(n int) {
	if s.n > 0 || n <= 0 {
		return
	}
	size := 1024
	for 3*size < 4*n {
		size *= 2
	}
	if size > len(s.slots) {
		s.slots = make([]uint64, size)
	}
}

// add adds h and tells whether it was not in the set yet.
func (s *keySet) add(h uint64) bool {
	if h == 0 {
		added := !s.zero
		s.zero = true
		return added
	}
	if 4*(s.n+1) > 3*len(s.slots) {
		old := s.slots
		s.slots, s.n = make([]uint64, max(1024, 2*len(old))), 0
		for _, o := range old {
			if o != 0 {
				s.add(o)
			}
		}
	}
	mask := uint64(len(s.slots) - 1)
	for i := h & mask; ; i = (i + 1) & mask {
		switch s.slots[i] {
		case 0:
			s.slots[i] = h
			s.n++
			return true
		case h:
			return false
		}
	}
}

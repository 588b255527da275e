package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgtype"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/fresh"
	"github.com/schulgateway/schulgateway/internal/page"
)

// feedAssignBatch is how many rows of change_feed one sequencer step
// numbers at most (a row holds one entry or more, migration 0125). A step
// is one short transaction; a backlog (a bulk import) is numbered in
// several, so no step holds the sequencer lock for long.
const feedAssignBatch = 5000

// RecordChange records one change in the change feed. Call it inside the
// transaction that makes the change, after the statement that makes it:
// the entry then exists exactly when the change is committed, and changes
// of one record by different writers are ordered by the record's row lock.
// The entry gets its feed position only after the commit (see package
// changefeed). It costs one INSERT and one round trip.
func RecordChange(ctx context.Context, tx pgx.Tx, entity, id string, op changefeed.Operation, key map[string]string) error {
	c := changefeed.Change{Entity: entity, ID: id, Operation: op, Key: key}
	if err := c.Validate(); err != nil {
		return err
	}
	var natural any // NULL without a key
	if len(c.Key) > 0 {
		natural = c.Key
	}
	_, err := tx.Exec(ctx, `INSERT INTO change_feed (entity, entity_id, operation, natural_key) VALUES ($1, $2, $3, $4)`,
		c.Entity, c.ID, string(c.Operation), natural)
	return storeErr("record change", err)
}

// FeedCopier is what bulk-records changes: a pgx.Tx (the writer's
// transaction, as imports use it) or, for a transaction of its own, a
// *pgxpool.Pool (tests and tools).
type FeedCopier interface {
	CopyFrom(ctx context.Context, table pgx.Identifier, columns []string, src pgx.CopyFromSource) (int64, error)
}

// RecordChanges records many changes with one COPY, in this order; every
// change is checked first, so a bad one records none. Upserts of one
// entity that follow each other share a row (changeSource). The COPY's
// rows are made one at a time in one slice (a first register sends a
// change per child: a million slices and boxed operations otherwise).
func RecordChanges(ctx context.Context, db FeedCopier, changes ...changefeed.Change) error {
	src, err := newChangeSource(changes)
	if err != nil || src == nil {
		return err
	}
	_, err = db.CopyFrom(ctx, pgx.Identifier{"change_feed"}, feedColumns, src)
	return storeErr("record changes", err)
}

// feedColumns are the columns a COPY of entries fills (changeSource's).
var feedColumns = []string{"entity", "entity_id", "operation", "natural_key", "weitere", "anzahl"}

// feedGroup is how many entries one row of change_feed holds at most
// (migration 0125): upserts of one entity that follow each other share a
// row. A million entries are 2,000 rows, not a million, and a page read
// from the middle of a row reads its ids (about 22 KB), not more.
const feedGroup = 500

// changeSource gives changes as the rows of a COPY into change_feed
// (feedColumns): RecordChanges's, and the entries a direct load sends in
// its pipeline of COPYs (copyPipe). Upserts of one entity that follow each
// other go into one row, up to feedGroup; a delete keeps a row of its own.
type changeSource struct {
	changes []changefeed.Change
	row     []any
	weitere []string // the ids after a row's first (reused: the row is encoded before the next)
	i       int
}

// newChangeSource checks every change (a bad one: an error, and nothing
// to record) and returns their source; nil for none.
func newChangeSource(changes []changefeed.Change) (*changeSource, error) {
	for _, c := range changes {
		if err := c.Validate(); err != nil {
			return nil, err
		}
	}
	if len(changes) == 0 {
		return nil, nil
	}
	return &changeSource{changes: changes, row: make([]any, len(feedColumns))}, nil
}

func (s *changeSource) Next() bool {
	if s.i == len(s.changes) {
		return false
	}
	c, row := s.changes[s.i], s.row
	if s.i == 0 || c.Entity != s.changes[s.i-1].Entity { // most lists' changes are of one entity: boxed once
		row[0] = c.Entity
	}
	row[1], row[2], row[3], row[4] = c.ID, string(changefeed.Upsert), nil, nil
	s.i++
	s.weitere = s.weitere[:0]
	if grouped(c) {
		for s.i < len(s.changes) && len(s.weitere) < feedGroup-1 {
			n := s.changes[s.i]
			if n.Entity != c.Entity || !grouped(n) {
				break
			}
			s.weitere = append(s.weitere, n.ID)
			s.i++
		}
		if len(s.weitere) > 0 {
			row[4] = s.weitere
		}
	} else {
		if c.Operation == changefeed.Delete {
			row[2] = string(changefeed.Delete)
		}
		if len(c.Key) > 0 {
			row[3] = c.Key
		}
	}
	row[5] = int32(1 + len(s.weitere))
	return true
}

// grouped tells whether a change may share a row with others: an upsert
// without a natural key (what the table's check allows in a group).
func grouped(c changefeed.Change) bool {
	return c.Operation == changefeed.Upsert && len(c.Key) == 0
}

func (s *changeSource) Values() ([]any, error) { return s.row, nil }
func (s *changeSource) Err() error             { return nil }

// FeedStore implements changefeed.Store on PostgreSQL. Instances hold no
// state of their own: any number may read one database.
type FeedStore struct {
	pool      *pgxpool.Pool
	retention time.Duration
	cache     *feedCache                     // nil: every read from the database
	changes   *Changes                       // the listener the cache depends on
	share     fresh.Group[feedKey, feedRead] // concurrent reads of one page share a database read
	audit     audit.ConditionalRecorder      // nil: a read at the head asks the database first
	kopf      atomic.Uint64                  // the last position a read found (a hint: see Read)
	// render, if set, is made of every entry the cache keeps
	// (WithRendering).
	render func(*changefeed.Entry) any
}

var _ changefeed.Store = (*FeedStore)(nil)

// NewFeedStore returns a store whose Prune keeps entries for retention
// (0 or less: Prune keeps everything).
func NewFeedStore(pool *pgxpool.Pool, retention time.Duration) *FeedStore {
	return &FeedStore{pool: pool, retention: retention}
}

// WithCache keeps the entries reads return in memory and answers a full
// page of them without the database, while the change listener is
// connected (see feedCache for why that page is the database's).
func (s *FeedStore) WithCache(changes *Changes) *FeedStore {
	s.cache, s.changes = &feedCache{}, changes
	return s
}

// WithRendering has f render each entry (Entry.Rendered) when the cache keeps
// it (after WithCache): an adapter's form of the entry, made once for all
// the reads the cache answers with it instead of once per read. f must
// depend on the entry alone; an entry with a position never changes.
// Entries read from the database are returned without one.
func (s *FeedStore) WithRendering(f func(*changefeed.Entry) any) *FeedStore {
	s.render = f
	return s
}

// WithAudit answers a read at the feed's head (after the last position
// this instance saw) with one round trip: the request's audit entry,
// written only if the position is still the head (audit.FeedHead), in
// which case the page is empty. A client polling an unchanged feed then
// waits for its entry alone, not for a read and then its entry.
func (s *FeedStore) WithAudit(a audit.ConditionalRecorder) *FeedStore {
	s.audit = a
	return s
}

// feedKopf is the condition audit.FeedHead as an SQL expression of the
// position (an expression of type text): it is the head's last position,
// nothing up to it has been pruned, and no entry waits to be numbered (no
// committed writer's range is queued, migration 0122) –
// so that Read, with its sequencer step, would number nothing and find
// nothing after it (an empty page, not ErrPositionExpired).
func feedKopf(pos string) string {
	p := "(" + pos + ")::bigint"
	return `((SELECT last_position = ` + p + ` AND pruned_through <= ` + p + ` FROM change_feed_head)
		AND NOT EXISTS (SELECT 1 FROM change_feed_offen))`
}

// Read returns up to limit entries after the position after ("" is the
// beginning), in position order. It first numbers the entries of writers
// that committed before it started (waiting for a step another reader is
// running), so a client reads its own writes.
//
// The sequencer step and the read go to PostgreSQL as one pipeline (a pgx
// batch: one round trip, one implicit transaction ended by its Sync):
// change_feed_assign runs first, as the transaction's first statement, and
// the read, a statement of its own under READ COMMITTED, takes its snapshot
// after the step and sees the positions it gave. The step's advisory lock
// is held until the commit at the Sync, so the read runs under it when the
// step numbered something (a read with nothing to number takes no lock).
// The page is returned only once that commit succeeded: no client ever
// holds a position that was not committed.
//
// One step numbers at most feedAssignBatch (≥ page.MaxLimit) rows, each of
// one entry or more. If more were waiting, the page is still full: the
// step's entries all come after any position a client can hold (it was
// committed before the step began), and there are at least limit of them;
// so the page either holds a writer's entry or ends before it. The next
// read numbers the rest.
//
// Two things spare the database without changing an answer: a full page
// of entries read before comes from memory (WithCache, feedCache), and
// concurrent reads of the same page share one database read that began
// after each of them arrived (package fresh).
func (s *FeedStore) Read(ctx context.Context, after string, limit int) (page.Page[changefeed.Entry], error) {
	if err := page.CheckLimit(limit); err != nil {
		return page.Page[changefeed.Entry]{}, err
	}
	n, err := changefeed.DecodePosition(after)
	if err != nil {
		return page.Page[changefeed.Entry]{}, err
	}
	if n != 0 && n == s.kopf.Load() && s.audit != nil {
		// At the head as this instance last saw it: most likely still
		// empty. If the entry is written, the page is the database's.
		ok, err := audit.WriteIf(ctx, s.audit, 0, audit.Condition{Kind: audit.FeedHead, Value: strconv.FormatUint(n, 10)})
		if err != nil {
			return page.Page[changefeed.Entry]{}, err
		}
		if ok {
			return page.Page[changefeed.Entry]{Next: after}, nil
		}
	}
	conn, cached := s.changes.Connections()
	cached = cached && s.cache != nil
	if cached {
		var oldest time.Time
		if s.retention > 0 {
			// A margin inside the window for the clocks of gateway and
			// database: a minute, or less for a short test retention.
			oldest = time.Now().Add(-s.retention + min(s.retention/100, time.Minute))
		}
		if p, ok := s.cache.page(n, limit, conn, oldest); ok {
			return p, nil
		}
	}
	r, err := s.share.Do(ctx, feedKey{n, limit}, func() feedRead {
		ctx, cancel := context.WithTimeout(context.Background(), feedReadTime)
		defer cancel()
		out, err := s.readDB(ctx, after, n, limit)
		if err == nil && cached {
			s.cache.put(out.Items, conn, s.render)
		}
		return feedRead{out, err}
	})
	if err != nil {
		return page.Page[changefeed.Entry]{}, err
	}
	return r.p, r.err
}

// feedKey is a page of the feed: the reads of one page are shared.
type feedKey struct {
	after uint64
	limit int
}

type feedRead struct {
	p   page.Page[changefeed.Entry]
	err error
}

// feedReadTime bounds a shared read: no request's context ends it.
const feedReadTime = 30 * time.Second

// readDB is Read's read from the database.
func (s *FeedStore) readDB(ctx context.Context, after string, n uint64, limit int) (page.Page[changefeed.Entry], error) {
	b := &pgx.Batch{}
	b.Queue("SELECT change_feed_assign($1)", feedAssignBatch)
	// One statement, one snapshot: the bounds and the entries agree even
	// while Prune or another sequencer step commits.
	b.Queue(feedPageSQL, int64(n), limit)
	br := s.pool.SendBatch(ctx, b)
	out, last, pruned, err := readFeedBatch(br, after, n, limit)
	if cerr := br.Close(); err == nil && cerr != nil { // the commit of the step
		err = storeErr("read change feed", cerr)
	}
	if err != nil {
		return page.Page[changefeed.Entry]{}, err
	}
	if n != 0 && (int64(n) < pruned || int64(n) > last) {
		return page.Page[changefeed.Entry]{}, changefeed.ErrPositionExpired
	}
	s.kopf.Store(uint64(last))
	return out, nil
}

// feedPageSQL reads the rows that hold the page of limit ($2) entries
// after position $1, in position order, with the head's last and pruned
// positions. A row holds the entries position .. position + anzahl - 1
// (migration 0125), and the positions are 1..N without a hole (package
// changefeed; retention drops a prefix): so the page's entries are in the
// row that holds position $1 + 1, if it began at or before $1, and in the
// rows that begin in $1 + 1 .. $1 + $2 – one range of the position index.
// The ids of a row that ended at $1 are not sent; readFeedBatch takes the
// entries of the page out of the rows.
const feedPageSQL = `
	SELECT h.last_position, h.pruned_through,
	       f.position, f.recorded_at, f.entity, f.entity_id, f.operation, f.natural_key, f.weitere
	FROM (SELECT last_position, pruned_through FROM change_feed_head LIMIT 1) h
	LEFT JOIN LATERAL (
		SELECT position, recorded_at, entity, entity_id, operation, natural_key,
		       CASE WHEN position + anzahl - 1 > $1 THEN weitere END AS weitere
		FROM change_feed
		WHERE position BETWEEN coalesce((SELECT position FROM change_feed WHERE position <= $1::bigint ORDER BY position DESC LIMIT 1), $1 + 1)
		                   AND $1 + $2::bigint
		ORDER BY position
	) f ON true
	ORDER BY f.position`

// feedAssignBatch must not be smaller than a page: see Read.
var _ = [feedAssignBatch - page.MaxLimit]struct{}{}

// readFeedBatch reads the answers of Read's batch: the step's count and
// the page with the head's last and pruned positions. The rows hold the
// page's entries, the first may begin before it (feedPageSQL): an entry
// is taken if its position is after from (`after` decoded) and within
// the limit.
func readFeedBatch(br pgx.BatchResults, after string, from uint64, limit int) (out page.Page[changefeed.Entry], last, pruned int64, err error) {
	var numbered int
	if err := br.QueryRow().Scan(&numbered); err != nil {
		return out, 0, 0, storeErr("sequence change feed", err)
	}
	rows, err := br.Query()
	if err != nil {
		return out, 0, 0, storeErr("read change feed", err)
	}
	defer rows.Close()
	out.Next = after
	// Scanned into values, not pointers, and the texts that repeat through
	// driver bytes: a page of 100 cost about 1,700 allocations scanned into
	// pointers (the GC ran every ~100 ms under load), now about 2 per entry.
	var (
		pos            pgtype.Int8
		at             pgtype.Timestamptz
		entity, id, op pgtype.DriverBytes
		key            pgtype.DriverBytes
		weitere        []string
	)
	dest := []any{&last, &pruned, &pos, &at, &entity, &id, &op, &key, &weitere}
	for rows.Next() {
		if err := rows.Scan(dest...); err != nil {
			return out, 0, 0, storeErr("read change feed", err)
		}
		if !pos.Valid {
			continue // nothing after `after`
		}
		e := changefeed.Entry{Time: at.Time, Entity: feedEntity(entity), Operation: feedOperation(op)}
		if key != nil {
			var k map[string]string // not &e.Key: e would escape, an allocation per entry
			if err := json.Unmarshal(key, &k); err != nil {
				return out, 0, 0, fmt.Errorf("read change feed: natural key of entry %d: %w", pos.Int64, err)
			}
			e.Key = k
		}
		for i := -1; i < len(weitere) && len(out.Items) < limit; i++ {
			p := uint64(pos.Int64) + uint64(i+1)
			if p <= from {
				continue
			}
			if i < 0 {
				e.ID = string(id)
			} else {
				e.ID = weitere[i]
			}
			e.Position = changefeed.EncodePosition(p)
			out.Items = append(out.Items, e)
			out.Next = e.Position
		}
	}
	if err := rows.Err(); err != nil {
		return out, 0, 0, storeErr("read change feed", err)
	}
	return out, last, pruned, nil
}

// feedEntity returns the entity's name without allocating for the common ones.
func feedEntity(b []byte) string {
	switch string(b) { // compiled without a conversion
	case changefeed.EntityKind:
		return changefeed.EntityKind
	case changefeed.EntitySchule:
		return changefeed.EntitySchule
	case changefeed.EntitySchulwechsel:
		return changefeed.EntitySchulwechsel
	}
	return string(b)
}

// feedOperation returns the operation (the table's CHECK allows these two).
func feedOperation(b []byte) changefeed.Operation {
	switch string(b) {
	case string(changefeed.Upsert):
		return changefeed.Upsert
	case string(changefeed.Delete):
		return changefeed.Delete
	}
	return changefeed.Operation(b)
}

// Sequence runs sequencer steps until every entry committed before it
// began has a position. Read runs one step itself; a background job (or a
// tool after a bulk write) may call this to number a long backlog.
func (s *FeedStore) Sequence(ctx context.Context) error {
	for {
		var n int
		// Alone in an implicit transaction: the positions are committed
		// when the answer arrives.
		if err := s.pool.QueryRow(ctx, "SELECT change_feed_assign($1)", feedAssignBatch).Scan(&n); err != nil {
			return storeErr("sequence change feed", err)
		}
		if n < feedAssignBatch {
			return nil
		}
	}
}

// Prune drops the oldest entries, as long as they were recorded more than
// the retention ago, and returns how many. It always drops a prefix of the
// feed (stopping at the first newer entry) and remembers where it stopped:
// a position before that yields changefeed.ErrPositionExpired, so a client
// behind the retention window is told to resynchronise, never silently
// skipped ahead. Entries without a position yet are never dropped.
func (s *FeedStore) Prune(ctx context.Context) (int64, error) {
	if s.retention <= 0 {
		return 0, nil
	}
	if s.cache != nil {
		defer s.cache.clear()
	}
	var n int64
	err := s.pool.QueryRow(ctx, `
		WITH cut AS (
			SELECT coalesce(
				(SELECT position - 1 FROM change_feed
				 WHERE position IS NOT NULL AND recorded_at >= now() - $1 * interval '1 microsecond'
				 ORDER BY position LIMIT 1),
				(SELECT position + anzahl - 1 FROM change_feed WHERE position IS NOT NULL ORDER BY position DESC LIMIT 1)) AS p
		), del AS (
			DELETE FROM change_feed WHERE position <= (SELECT p FROM cut) RETURNING position + anzahl - 1 AS bis, anzahl
		), head AS (
			UPDATE change_feed_head SET pruned_through = greatest(pruned_through, (SELECT max(bis) FROM del))
			WHERE EXISTS (SELECT 1 FROM del)
		)
		SELECT coalesce(sum(anzahl), 0) FROM del`, s.retention.Microseconds()).Scan(&n)
	return n, storeErr("prune change feed", err)
}

package postgres

import (
	"context"
	"encoding/json"
	"fmt"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/changefeed"
)

// feedAssignBatch is how many entries one sequencer step numbers at most.
// A step is one short transaction; a backlog (a bulk import) is numbered in
// several, so no step holds the sequencer lock for long.
const feedAssignBatch = 5000

// FeedExecer is what records changes: a pgx.Tx (the writer's transaction)
// or, for a change of its own, a *pgxpool.Pool or *pgx.Conn.
type FeedExecer interface {
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
}

// RecordChange records one change in the change feed. Call it inside the
// transaction that makes the change, after the statement that makes it:
// the entry then exists exactly when the change is committed, and changes
// of one record by different writers are ordered by the record's row lock.
// The entry gets its feed position only after the commit (see package
// changefeed). It costs one INSERT and one round trip (see QueueChange).
func RecordChange(ctx context.Context, tx pgx.Tx, entity, id string, op changefeed.Operation, key map[string]string) error {
	return recordChange(ctx, tx, changefeed.Change{Entity: entity, ID: id, Operation: op, Key: key})
}

const feedInsert = `INSERT INTO change_feed (entity, entity_id, operation, natural_key) VALUES ($1, $2, $3, $4)`

func feedInsertArgs(c changefeed.Change) []any {
	var key any // NULL without a key
	if len(c.Key) > 0 {
		key = c.Key
	}
	return []any{c.Entity, c.ID, string(c.Operation), key}
}

func recordChange(ctx context.Context, db FeedExecer, c changefeed.Change) error {
	if err := c.Validate(); err != nil {
		return err
	}
	_, err := db.Exec(ctx, feedInsert, feedInsertArgs(c)...)
	return storeErr("record change", err)
}

// QueueChange is RecordChange for a writer that sends its statements as a
// pgx.Batch inside its transaction: the entry travels with the data
// statement, saving the extra round trip that is most of RecordChange's
// cost. Queue it after the statement that makes the change.
func QueueChange(b *pgx.Batch, c changefeed.Change) error {
	if err := c.Validate(); err != nil {
		return err
	}
	b.Queue(feedInsert, feedInsertArgs(c)...)
	return nil
}

// RecordChanges records several changes with one statement, in this order.
// With a pgx.Tx it joins the writer's transaction (for bulk writers such as
// imports); with a pool it is a transaction of its own, which makes it the
// trigger-free way for tests and tools to put entries into the feed.
func RecordChanges(ctx context.Context, db FeedExecer, changes ...changefeed.Change) error {
	switch len(changes) {
	case 0:
		return nil
	case 1:
		return recordChange(ctx, db, changes[0])
	}
	entities := make([]string, len(changes))
	ids := make([]string, len(changes))
	ops := make([]string, len(changes))
	keys := make([]*string, len(changes))
	for i, c := range changes {
		if err := c.Validate(); err != nil {
			return err
		}
		entities[i], ids[i], ops[i] = c.Entity, c.ID, string(c.Operation)
		if len(c.Key) > 0 {
			b, err := json.Marshal(c.Key)
			if err != nil {
				return err
			}
			s := string(b)
			keys[i] = &s
		}
	}
	_, err := db.Exec(ctx, `
		INSERT INTO change_feed (entity, entity_id, operation, natural_key)
		SELECT e, i, o, k::jsonb
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) WITH ORDINALITY AS c(e, i, o, k, n)
		ORDER BY n`, entities, ids, ops, keys)
	return storeErr("record changes", err)
}

// FeedStore implements changefeed.Store on PostgreSQL. Instances hold no
// state of their own: any number may read one database.
type FeedStore struct {
	pool      *pgxpool.Pool
	retention time.Duration
}

var _ changefeed.Store = (*FeedStore)(nil)

// NewFeedStore returns a store whose Prune keeps entries for retention
// (0 or less: Prune keeps everything).
func NewFeedStore(pool *pgxpool.Pool, retention time.Duration) *FeedStore {
	return &FeedStore{pool: pool, retention: retention}
}

// Read returns up to limit entries after the position after ("" is the
// beginning), in position order. It first numbers the entries of every
// writer that committed before it started (waiting for a step another
// reader is running), so a client reads its own writes.
func (s *FeedStore) Read(ctx context.Context, after string, limit int) (changefeed.Page, error) {
	if limit < 1 || limit > changefeed.MaxLimit {
		_, err := changefeed.ParseLimit(strconv.Itoa(limit))
		return changefeed.Page{}, err
	}
	n, err := changefeed.DecodePosition(after)
	if err != nil {
		return changefeed.Page{}, err
	}
	if err := s.Sequence(ctx); err != nil {
		return changefeed.Page{}, err
	}
	// One statement, one snapshot: the bounds and the entries agree even
	// while Prune or a sequencer step commits.
	rows, err := s.pool.Query(ctx, `
		SELECT h.last_position, h.pruned_through,
		       f.position, f.recorded_at, f.entity, f.entity_id, f.operation, f.natural_key
		FROM (SELECT last_position, pruned_through FROM change_feed_head LIMIT 1) h
		LEFT JOIN LATERAL (
			SELECT position, recorded_at, entity, entity_id, operation, natural_key
			FROM change_feed
			WHERE position > $1
			ORDER BY position
			LIMIT $2
		) f ON true
		ORDER BY f.position`, int64(n), limit)
	if err != nil {
		return changefeed.Page{}, storeErr("read change feed", err)
	}
	defer rows.Close()
	page := changefeed.Page{Next: after}
	var last, pruned int64
	for rows.Next() {
		var (
			pos            *int64
			at             *time.Time
			entity, id, op *string
			key            []byte
		)
		if err := rows.Scan(&last, &pruned, &pos, &at, &entity, &id, &op, &key); err != nil {
			return changefeed.Page{}, storeErr("read change feed", err)
		}
		if pos == nil {
			continue // nothing after `after`
		}
		e := changefeed.Entry{
			Position: changefeed.EncodePosition(uint64(*pos)), Time: *at,
			Entity: *entity, ID: *id, Operation: changefeed.Operation(*op),
		}
		if key != nil {
			if err := json.Unmarshal(key, &e.Key); err != nil {
				return changefeed.Page{}, fmt.Errorf("read change feed: natural key of entry %d: %w", *pos, err)
			}
		}
		page.Items = append(page.Items, e)
		page.Next = e.Position
	}
	if err := rows.Err(); err != nil {
		return changefeed.Page{}, storeErr("read change feed", err)
	}
	if n != 0 && (int64(n) < pruned || int64(n) > last) {
		return changefeed.Page{}, changefeed.ErrPositionExpired
	}
	return page, nil
}

// Sequence runs sequencer steps until every entry committed before it
// began has a position. Read calls it; a background job may too.
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
	var n int64
	err := s.pool.QueryRow(ctx, `
		WITH cut AS (
			SELECT coalesce(
				(SELECT position - 1 FROM change_feed
				 WHERE position IS NOT NULL AND recorded_at >= now() - $1 * interval '1 microsecond'
				 ORDER BY position LIMIT 1),
				(SELECT max(position) FROM change_feed WHERE position IS NOT NULL)) AS p
		), del AS (
			DELETE FROM change_feed WHERE position <= (SELECT p FROM cut) RETURNING position
		), head AS (
			UPDATE change_feed_head SET pruned_through = greatest(pruned_through, (SELECT max(position) FROM del))
			WHERE EXISTS (SELECT 1 FROM del)
		)
		SELECT count(*) FROM del`, s.retention.Microseconds()).Scan(&n)
	return n, storeErr("prune change feed", err)
}

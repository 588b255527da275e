package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/schulgateway/schulgateway/internal/audit"
)

// insertAudit writes an entry without a place in the chain (inside the
// transaction of the work it records); AuditStore.Chain gives it one once
// that transaction has committed. The same statement as a batch's.
func insertAudit(ctx context.Context, db querier, e audit.Entry) error {
	var b auditColumns
	b.add(e, audit.Condition{})
	_, err := b.write(ctx, db)
	return err
}

// AuditStore keeps the audit trail.
type AuditStore struct {
	pool   *pgxpool.Pool
	queue  chan auditWrite // nil until Start batches
	writer *pgxpool.Pool   // Start's writer's connection
	// commits is how long the batch writer's commits took, from sending
	// a batch until PostgreSQL reported it durable (Commits); the first
	// also holds the writer's connecting (its pool connects on first use).
	commits prometheus.Histogram
}

type auditWrite struct {
	e    audit.Entry
	c    audit.Condition // zero: none
	done chan auditDone
}

type auditDone struct {
	written bool
	err     error
}

func NewAuditStore(pool *pgxpool.Pool) *AuditStore {
	return &AuditStore{pool: pool, commits: prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "schulgateway_audit_commit_seconds",
		Help: "Time the audit batch writer took to commit a batch of entries, from sending it until PostgreSQL reported it durable. " +
			"Every audited answer waits for one such commit at least.",
		Buckets: []float64{.00025, .0005, .001, .002, .005, .01, .02, .05, .1, .25, 1},
	})}
}

// Commits is the histogram of the batch writer's commit times, for
// /metrics: an audited read's answer waits for its entry's commit, so a
// slow disk or a starved PostgreSQL shows here before it shows in the
// reads' latency (docs/performance.md, session 20).
func (s *AuditStore) Commits() prometheus.Histogram { return s.commits }

var _ audit.ConditionalRecorder = (*AuditStore)(nil)

// Record writes an entry in a transaction of its own (for work that
// committed nothing: a read, a refusal, a failed login) and returns once
// it is committed. While Start's writer runs, entries of concurrent
// requests share one statement and one commit.
func (s *AuditStore) Record(ctx context.Context, e audit.Entry) error {
	_, err := s.RecordIf(ctx, e, audit.Condition{})
	return err
}

// RecordIf writes e as Record does if c holds in the snapshot of the
// statement that writes it (a zero Condition always holds), and reports
// whether it did. The statement begins after the call, so a change
// committed before the call is never missed. The conditions are the
// stores' own checks (kohorteUnveraendert, feedKopf), evaluated per entry.
func (s *AuditStore) RecordIf(ctx context.Context, e audit.Entry, c audit.Condition) (bool, error) {
	if s.queue == nil {
		var b auditColumns
		b.add(e, c)
		ausgelassen, err := b.write(ctx, s.pool)
		return err == nil && len(ausgelassen) == 0, err
	}
	w := auditWrite{e: e, c: c, done: make(chan auditDone, 1)}
	select {
	case s.queue <- w:
	case <-ctx.Done():
		return false, ctx.Err()
	}
	select {
	case d := <-w.done:
		return d.written, d.err
	case <-ctx.Done():
		return false, ctx.Err()
	}
}

// auditBatch is the most entries one commit takes.
const auditBatch = 512

// Start begins batching Record's writes until ctx ends: whatever requests
// are waiting when the writer is free go together into its next commit
// (no timer, so a lone request waits for nobody). One writer: two or three
// committing at once made the audited reads slower on the 2-core machine,
// more commits for the same entries (docs/performance.md). Call it once,
// before the store is used.
//
// The writer has a connection of its own, on which PostgreSQL plans its
// statements once (plan_cache_mode force_generic_plan): left to choose, it
// planned the conditional statement anew for every batch, since its
// estimate for a generic plan (ten conditions where a batch has one or
// two) came out dearer than the custom plan – 0.2 ms of a batch's 1.0 ms
// (docs/performance.md, session 10). The statements are the same for
// every batch, only the arrays' contents differ, so one plan serves all.
func (s *AuditStore) Start(ctx context.Context) {
	s.queue = make(chan auditWrite, auditBatch)
	cfg := s.pool.Config() // a copy
	cfg.MinConns, cfg.MaxConns = 0, 1
	// SET after connecting, not a parameter of the startup message: a
	// connection pooler in front of PostgreSQL (PgBouncer) refuses startup
	// parameters it does not know.
	then := cfg.AfterConnect
	cfg.AfterConnect = func(ctx context.Context, c *pgx.Conn) error {
		if then != nil {
			if err := then(ctx, c); err != nil {
				return err
			}
		}
		_, err := c.Exec(ctx, "SET plan_cache_mode = force_generic_plan")
		return err
	}
	writer, err := pgxpool.NewWithConfig(ctx, cfg)
	if err != nil { // cannot happen: the pool's own, valid configuration
		writer = s.pool
	}
	s.writer = writer
	go func() {
		s.writeBatches(ctx)
		if writer != s.pool {
			writer.Close()
		}
	}()
}

// auditInsert writes a batch in one statement and one round trip (the
// statement is prepared once per connection); COPY took three.
const auditInsert = `INSERT INTO audit_log (subject, rollen, client, operation, ressource, anzahl, request_id, ergebnis, detail)
	SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::integer[], $9::text[])`

// auditInsertIf writes the entries of a batch whose condition holds, in
// their order, and returns the numbers (from 1) of the conditions that did not. A batch
// sends each of its conditions once ($10, $11: the entries of one page
// share theirs) and each entry the number of its own ($12); every
// condition is evaluated once, in the statement's one snapshot. CASE
// evaluates only the branch of the kind, an unknown kind never holds, and
// NULL (no row to check against) does not either. The entries' arrays
// are scanned once, as auditInsert's: an earlier form joined the entries
// with their conditions, sorted them, and read them twice, 0.2 ms more
// PostgreSQL per batch of 32 than an unconditional one (a quarter).
var auditInsertIf = `WITH b AS MATERIALIZED (` + auditBedingungen(10) + `
	), ins AS (
		INSERT INTO audit_log (subject, rollen, client, operation, ressource, anzahl, request_id, ergebnis, detail)
		SELECT subject, rollen, client, operation, ressource, anzahl, request_id, ergebnis, detail
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::integer[], $9::text[], $12::bigint[])
			AS u(subject, rollen, client, operation, ressource, anzahl, request_id, ergebnis, detail, bedingung)
		WHERE (SELECT gilt FROM b WHERE b.nr = u.bedingung)
	)
	SELECT nr FROM b WHERE gilt IS NOT TRUE`

// auditBedingungen evaluates a batch's distinct conditions, its kinds and
// values given as the parameters $n and $n+1: nr (from 1) and gilt.
func auditBedingungen(n int) string {
	return fmt.Sprintf(`
		SELECT nr, CASE art
			WHEN '' THEN true
			WHEN '`+audit.CohortUnchanged+`' THEN `+kohorteUnveraendert("wert")+`
			WHEN '`+audit.FeedHead+`' THEN `+feedKopf("wert")+`
			ELSE false END AS gilt
		FROM unnest($%d::text[], $%d::text[]) WITH ORDINALITY AS c(art, wert, nr)`, n, n+1)
}

// auditInsertChained writes a batch's entries with their places in the
// chain and moves the head, if the head is still the one the writer
// hashed after ($14, $15) and every condition of the batch holds ($16,
// $17: kinds and values). It returns whether it wrote, the head as it
// found it and the numbers (from 1) of the conditions that did not hold.
// It runs after the chainer's lock is taken in the same transaction (the
// statement before it in the pipeline), so the head it checks is the one
// it moves. The entries' ids are taken in their order, so that they ascend
// with their places.
var auditInsertChained = `WITH b AS MATERIALIZED (` + auditBedingungen(16) + `
	), h AS MATERIALIZED (
		SELECT last_seq, last_hash FROM audit_head
	), ok AS MATERIALIZED (
		SELECT h.last_seq = $14 AND h.last_hash = $15 AND NOT EXISTS (SELECT 1 FROM b WHERE gilt IS NOT TRUE) AS ok FROM h
	), u AS MATERIALIZED (
		SELECT nextval('audit_log_id_seq') AS id, u.*
		FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[], $6::integer[], $7::text[], $8::integer[], $9::text[],
			$10::bigint[], $11::bytea[], $12::bytea[]) WITH ORDINALITY
			AS u(subject, rollen, client, operation, ressource, anzahl, request_id, ergebnis, detail, seq, prev_hash, hash, nr)
		WHERE (SELECT ok FROM ok)
		ORDER BY nr
	), a AS (
		INSERT INTO audit_log (id, zeit, subject, rollen, client, operation, ressource, anzahl, request_id, ergebnis, detail)
		OVERRIDING SYSTEM VALUE
		SELECT id, $13, subject, rollen, client, operation, ressource, anzahl, request_id, ergebnis, detail FROM u
	), k AS (
		INSERT INTO audit_kette (seq, id, prev_hash, hash) SELECT seq, id, prev_hash, hash FROM u
	), kopf AS (
		UPDATE audit_head SET last_seq = $10[cardinality($10)], last_hash = $12[cardinality($12)] WHERE (SELECT ok FROM ok)
	)
	SELECT ok.ok, h.last_seq, h.last_hash, ARRAY(SELECT nr FROM b WHERE gilt IS NOT TRUE ORDER BY nr) FROM ok, h`

// auditKopf is the head of the chain as the batch writer last wrote or
// found it: the place and hash its next batch follows on (at first the
// empty chain's; a wrong guess costs one try); and the arrays of its
// tries, reused from batch to batch.
type auditKopf struct {
	seq  int64
	hash []byte

	k             auditColumns
	seqs          []int64
	prevs, hashes [][]byte
}

// auditColumns is a batch of entries as the statements' arrays.
type auditColumns struct {
	subject, rollen, client, operation, ressource, reqID, detail []string
	anzahl                                                       []*int
	ergebnis                                                     []int32
	// art and wert are the batch's distinct conditions (the zero one
	// too, once an entry has it), bedingung each entry's number among
	// them, from 1.
	art, wert []string
	bedingung []int64
	bedingt   bool // an entry has a condition
}

func (b *auditColumns) reset() {
	b.subject, b.rollen, b.client, b.operation, b.ressource = b.subject[:0], b.rollen[:0], b.client[:0], b.operation[:0], b.ressource[:0]
	b.reqID, b.detail, b.anzahl, b.ergebnis = b.reqID[:0], b.detail[:0], b.anzahl[:0], b.ergebnis[:0]
	b.art, b.wert, b.bedingung = b.art[:0], b.wert[:0], b.bedingung[:0]
	b.bedingt = false
}

func (b *auditColumns) add(e audit.Entry, c audit.Condition) {
	b.subject, b.rollen, b.client = append(b.subject, e.Subject), append(b.rollen, e.Roles), append(b.client, e.Client)
	b.operation, b.ressource = append(b.operation, e.Operation), append(b.ressource, e.Resource)
	b.anzahl, b.reqID = append(b.anzahl, e.Count), append(b.reqID, e.RequestID)
	b.ergebnis, b.detail = append(b.ergebnis, int32(e.Result)), append(b.detail, e.Detail)
	nr := 0
	for i := range b.art { // a batch has few distinct conditions
		if b.art[i] == c.Kind && b.wert[i] == c.Value {
			nr = i + 1
			break
		}
	}
	if nr == 0 {
		b.art, b.wert = append(b.art, c.Kind), append(b.wert, c.Value)
		nr = len(b.art)
	}
	b.bedingung = append(b.bedingung, int64(nr))
	b.bedingt = b.bedingt || c != (audit.Condition{})
}

// write writes the batch in one statement and returns the places (from
// 1) of the entries left out because their condition did not hold.
func (b *auditColumns) write(ctx context.Context, db querier) ([]int64, error) {
	if !b.bedingt {
		_, err := db.Exec(ctx, auditInsert, b.subject, b.rollen, b.client, b.operation, b.ressource, b.anzahl, b.reqID, b.ergebnis, b.detail)
		return nil, storeErr("record audit entries", err)
	}
	rows, err := db.Query(ctx, auditInsertIf, b.subject, b.rollen, b.client, b.operation, b.ressource, b.anzahl, b.reqID, b.ergebnis, b.detail,
		b.art, b.wert, b.bedingung)
	if err != nil {
		return nil, storeErr("record audit entries", err)
	}
	gescheitert, err := pgx.CollectRows(rows, pgx.RowTo[int64])
	if err != nil || len(gescheitert) == 0 {
		return nil, storeErr("record audit entries", err)
	}
	var ausgelassen []int64
	for i, nr := range b.bedingung {
		if slices.Contains(gescheitert, nr) {
			ausgelassen = append(ausgelassen, int64(i+1))
		}
	}
	return ausgelassen, nil
}

// writeChained writes the batch's entries whose condition holds, and
// chains them in the same transaction: under the chainer's lock, saying
// so (their statement queues nothing for the chainer), after whatever was
// chained before. It hashes after the head it last wrote and sends the
// lock and the statement in one pipeline, one round trip. When someone
// else moved the head meanwhile (the chainer, another gateway's writer)
// or a condition no longer holds, the statement writes nothing and says
// so; the writer then takes the lock for a transaction of its own and
// tries again in it, after the head the statement found and without the
// entries whose condition failed, until it writes: the head cannot move
// under the lock, and every failed try leaves out a condition. The
// entries' time is the writer's clock when it hashes, to the microsecond
// as PostgreSQL keeps it.
func (s *AuditStore) writeChained(ctx context.Context, batch []auditWrite, kopf *auditKopf) ([]int64, error) {
	ausgelassen, gescheitert, ok, err := s.tryChained(ctx, s.writer, true, batch, kopf, nil)
	if err != nil || ok {
		return ausgelassen, storeErr("record audit entries", err)
	}
	err = pgx.BeginFunc(ctx, s.writer, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, auditChainLock, auditLockID); err != nil {
			return err
		}
		for range len(batch) + 2 {
			if ausgelassen, gescheitert, ok, err = s.tryChained(ctx, tx, false, batch, kopf, gescheitert); err != nil || ok {
				return err
			}
		}
		return errors.New("audit entries not chained under the lock") // cannot happen: see above
	})
	return ausgelassen, storeErr("record audit entries", err)
}

// auditChainLock takes the chainer's lock for the transaction and says
// that the transaction chains what it writes.
const auditChainLock = `SELECT pg_advisory_xact_lock($1), set_config('schulgateway.audit_chain', 'on', true)`

// tryChained hashes the batch's entries, leaving out those whose
// condition is among gescheitert, after kopf, and sends auditInsertChained
// (with the lock before it, in one pipeline, if lock). It returns the
// entries left out (their places in the batch, from 1), the conditions
// known to have failed, and whether it wrote. Written, kopf is the new
// head; not written, the head the statement found.
func (s *AuditStore) tryChained(ctx context.Context, db interface {
	SendBatch(context.Context, *pgx.Batch) pgx.BatchResults
}, lock bool, batch []auditWrite, kopf *auditKopf, gescheitert []audit.Condition) (ausgelassen []int64, _ []audit.Condition, ok bool, err error) {
	k := &kopf.k
	k.reset()
	seqs, prevs, hashes := kopf.seqs[:0], kopf.prevs[:0], kopf.hashes[:0]
	defer func() { kopf.seqs, kopf.prevs, kopf.hashes = seqs, prevs, hashes }()
	zeit := time.Now().UTC().Truncate(time.Microsecond)
	seq, prev := kopf.seq, kopf.hash
	for i, w := range batch {
		if slices.Contains(gescheitert, w.c) {
			ausgelassen = append(ausgelassen, int64(i+1))
			continue
		}
		e := w.e
		seq++
		e.Seq, e.Time = seq, zeit
		h := audit.Hash(prev, e)
		k.add(e, w.c)
		seqs, prevs, hashes = append(seqs, seq), append(prevs, prev), append(hashes, h)
		prev = h
	}
	if len(seqs) == 0 {
		return ausgelassen, gescheitert, true, nil
	}
	var (
		q        pgx.Batch
		nichtNrs []int64
	)
	if lock {
		q.Queue(auditChainLock, auditLockID)
	}
	q.Queue(auditInsertChained, k.subject, k.rollen, k.client, k.operation, k.ressource, k.anzahl, k.reqID, k.ergebnis, k.detail,
		seqs, prevs, hashes, zeit, kopf.seq, kopf.hash, k.art, k.wert).QueryRow(func(row pgx.Row) error {
		return row.Scan(&ok, &kopf.seq, &kopf.hash, &nichtNrs)
	})
	if err := db.SendBatch(ctx, &q).Close(); err != nil {
		return nil, gescheitert, false, err
	}
	if ok {
		kopf.seq, kopf.hash = seq, prev
		return ausgelassen, gescheitert, true, nil
	}
	for _, nr := range nichtNrs { // nothing written; these conditions failed
		gescheitert = append(gescheitert, audit.Condition{Kind: k.art[nr-1], Value: k.wert[nr-1]})
	}
	return ausgelassen, gescheitert, false, nil
}

func (s *AuditStore) writeBatches(ctx context.Context) {
	var (
		batch []auditWrite
		kopf  = auditKopf{hash: []byte{}} // the empty chain's head, until a try finds the real one
	)
	for {
		batch = batch[:0]
		select {
		case <-ctx.Done():
			return
		case w := <-s.queue:
			batch = append(batch, w)
		}
	more:
		for len(batch) < auditBatch {
			select {
			case w := <-s.queue:
				batch = append(batch, w)
			default:
				break more
			}
		}
		start := time.Now()
		ausgelassen, err := s.writeChained(context.WithoutCancel(ctx), batch, &kopf)
		s.commits.Observe(time.Since(start).Seconds())
		for i, w := range batch {
			w.done <- auditDone{written: err == nil && !slices.Contains(ausgelassen, int64(i+1)), err: err}
		}
	}
}

// auditLockID serialises chaining: 0x7367617564697421 = "sgaudit!".
const auditLockID int64 = 0x7367617564697421

const auditChainBatch = 1000

// Chain gives every committed entry waiting in audit_offen its place in
// audit_kette (seq and hash), statement by statement in the order of their
// first ids, and returns how many it chained. One chainer at a time
// (advisory lock); each step reads with a snapshot taken after the lock,
// so entries committed meanwhile are chained by the next step, never
// skipped. No entry is updated: audit_log is insert-only (migration 0118).
func (s *AuditStore) Chain(ctx context.Context) (int, error) {
	return s.ChainPaced(ctx, 0)
}

// ChainPaced chains as Chain does, but after each full step waits as long
// as the step took, while the whole run has taken less than within: the
// background chainer's work, spread over its interval, takes at most about
// half of the machine's time from the requests instead of all of it in a
// burst. Past within it chains without pauses, so it never falls behind.
func (s *AuditStore) ChainPaced(ctx context.Context, within time.Duration) (int, error) {
	start, total := time.Now(), 0
	for {
		t := time.Now()
		n, err := s.chainStep(ctx)
		total += n
		if err != nil {
			return total, storeErr("chain audit entries", err)
		}
		if n < auditChainBatch {
			return total, nil
		}
		if took := time.Since(t); time.Since(start)+took < within {
			select {
			case <-ctx.Done():
				return total, ctx.Err()
			case <-time.After(took):
			}
		}
	}
}

// auditTake takes the oldest waiting statements' entries off the queue,
// in the order of their first ids, until at least $1 entries (or the
// queue is empty), and returns the entries in id order. The queue's rows
// leave only here (the guard asks for schulgateway.audit_chain).
const auditTake = `WITH w AS (
		SELECT erste FROM (
			SELECT erste, sum(cardinality(ids)) OVER (ORDER BY erste ROWS UNBOUNDED PRECEDING) - cardinality(ids) AS vorher
			FROM (SELECT erste, ids FROM audit_offen ORDER BY erste LIMIT $1) o) s
		WHERE vorher < $1
	), d AS (
		DELETE FROM audit_offen o USING w WHERE o.erste = w.erste RETURNING o.ids
	)
	SELECT a.id, a.zeit, a.subject, a.rollen, a.client, a.operation, a.ressource, a.anzahl, a.request_id, a.ergebnis, a.detail
	FROM audit_log a WHERE a.id IN (SELECT unnest(ids) FROM d) ORDER BY a.id`

// chainStep chains the next entries waiting in audit_offen: appends their
// places to audit_kette (no entry is updated) and moves the head.
func (s *AuditStore) chainStep(ctx context.Context) (int, error) {
	n := 0
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.ReadCommitted}, func(tx pgx.Tx) error {
		var (
			seq  int64
			prev []byte
		)
		if err := tx.QueryRow(ctx, auditChainLock, auditLockID).Scan(nil, nil); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, "SELECT last_seq, last_hash FROM audit_head").Scan(&seq, &prev); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, auditTake, auditChainBatch)
		if err != nil {
			return err
		}
		var (
			ids    []int64
			seqs   []int64
			prevs  [][]byte
			hashes [][]byte
		)
		for rows.Next() {
			var (
				id int64
				e  audit.Entry
			)
			if err := rows.Scan(&id, &e.Time, &e.Subject, &e.Roles, &e.Client, &e.Operation, &e.Resource, &e.Count,
				&e.RequestID, &e.Result, &e.Detail); err != nil {
				rows.Close()
				return err
			}
			seq++
			e.Seq = seq
			h := audit.Hash(prev, e)
			ids, seqs, prevs, hashes = append(ids, id), append(seqs, seq), append(prevs, prev), append(hashes, h)
			prev = h
		}
		if err := rows.Err(); err != nil {
			return err
		}
		if len(ids) == 0 {
			return nil
		}
		if _, err := tx.Exec(ctx, `WITH k AS (
				INSERT INTO audit_kette (seq, id, prev_hash, hash)
				SELECT * FROM unnest($1::bigint[], $2::bigint[], $3::bytea[], $4::bytea[]))
			UPDATE audit_head SET last_seq = $5, last_hash = $6`, seqs, ids, prevs, hashes, seq, prev); err != nil {
			return err
		}
		n = len(ids)
		return nil
	})
	return n, err
}

// List returns chained entries in chain order (after chaining what is
// pending, so that a reader sees everything committed before the call).
func (s *AuditStore) List(ctx context.Context, f audit.Filter) ([]audit.Entry, error) {
	if _, err := s.Chain(ctx); err != nil {
		return nil, err
	}
	where := []string{"k.seq > $1"}
	args := []any{f.After}
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if !f.Von.IsZero() {
		add("zeit >= $%d", f.Von)
	}
	if !f.Bis.IsZero() {
		add("zeit < $%d", f.Bis)
	}
	if f.Subject != "" {
		add("subject = $%d", f.Subject)
	}
	if f.Operation != "" {
		add("starts_with(operation, $%d)", f.Operation)
	}
	if f.Ergebnis != 0 {
		add("ergebnis = $%d", f.Ergebnis)
	}
	args = append(args, f.Limit)
	rows, err := s.pool.Query(ctx, `SELECT `+auditChained+` WHERE `+strings.Join(where, " AND ")+fmt.Sprintf(" ORDER BY k.seq LIMIT $%d", len(args)), args...)
	if err != nil {
		return nil, storeErr("list audit entries", err)
	}
	out, err := pgx.CollectRows(rows, scanAudit)
	return out, storeErr("list audit entries", err)
}

// auditChained selects the chained entries with their places (the columns
// scanAudit reads).
const auditChained = `k.seq, a.zeit, a.subject, a.rollen, a.client, a.operation, a.ressource, a.anzahl, a.request_id, a.ergebnis, a.detail, k.prev_hash, k.hash
	FROM audit_kette k JOIN audit_log a USING (id)`

func scanAudit(row pgx.CollectableRow) (audit.Entry, error) {
	var e audit.Entry
	err := row.Scan(&e.Seq, &e.Time, &e.Subject, &e.Roles, &e.Client, &e.Operation, &e.Resource, &e.Count,
		&e.RequestID, &e.Result, &e.Detail, &e.PrevHash, &e.Hash)
	return e, err
}

// Verify chains what is pending, then checks the whole chain from the
// retention anchor to the recorded head. It returns the number of entries
// checked and the first break, or nil when the chain holds.
func (s *AuditStore) Verify(ctx context.Context) (int, *audit.Bruch, error) {
	if _, err := s.Chain(ctx); err != nil {
		return 0, nil, err
	}
	tx, err := s.pool.BeginTx(ctx, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly})
	if err != nil {
		return 0, nil, storeErr("verify audit chain", err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck // read-only
	var (
		headSeq, prunedSeq   int64
		headHash, prunedHash []byte
	)
	if err := tx.QueryRow(ctx, "SELECT last_seq, last_hash, pruned_seq, pruned_hash FROM audit_head").Scan(&headSeq, &headHash, &prunedSeq, &prunedHash); err != nil {
		return 0, nil, storeErr("verify audit chain", err)
	}
	v := audit.NewVerifier(prunedSeq, prunedHash)
	rows, err := tx.Query(ctx, `SELECT `+auditChained+` ORDER BY k.seq`)
	if err != nil {
		return 0, nil, storeErr("verify audit chain", err)
	}
	defer rows.Close()
	for rows.Next() {
		e, err := scanAudit(rows)
		if err != nil {
			return v.Geprueft, nil, storeErr("verify audit chain", err)
		}
		if b := v.Next(e); b != nil {
			return v.Geprueft, b, nil
		}
	}
	if err := rows.Err(); err != nil {
		return v.Geprueft, nil, storeErr("verify audit chain", err)
	}
	if b := v.End(headSeq, headHash); b != nil {
		return v.Geprueft, b, nil
	}
	// Everything committed is chained now or waits in the queue (in this
	// snapshot, which both share): an entry that is neither was taken off
	// the queue by someone else than the chainer, to keep it out of the
	// chain.
	var (
		ohne  int
		erste *int64
	)
	if err := tx.QueryRow(ctx, `SELECT count(*), min(a.id) FROM audit_log a
		WHERE NOT EXISTS (SELECT 1 FROM audit_kette k WHERE k.id = a.id)
		  AND NOT EXISTS (SELECT 1 FROM (SELECT unnest(ids) AS id FROM audit_offen) o WHERE o.id = a.id)`).Scan(&ohne, &erste); err != nil {
		return v.Geprueft, nil, storeErr("verify audit chain", err)
	}
	if ohne > 0 {
		return v.Geprueft, &audit.Bruch{Seq: headSeq + 1, Grund: fmt.Sprintf(
			"%d Einträge (der erste mit der Nummer %d) stehen weder in der Kette noch in ihrer Warteschlange: sie wurden der Kette entzogen.", ohne, *erste)}, nil
	}
	return v.Geprueft, nil, nil
}

// PruneAudit deletes chained entries recorded before cutoff, oldest first,
// and keeps the hash of the last one deleted as the chain's new anchor.
func (s *AuditStore) PruneAudit(ctx context.Context, cutoff time.Time) (int64, error) {
	var n int64
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", auditLockID); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, "SET LOCAL schulgateway.audit_retention = 'on'"); err != nil {
			return err
		}
		// A prefix of the chain: up to the last entry before the first one
		// that is still to be kept.
		var last int64
		var lastHash []byte
		err := tx.QueryRow(ctx, `SELECT k.seq, k.hash FROM audit_kette k WHERE k.seq < coalesce(
				(SELECT min(k.seq) FROM audit_kette k JOIN audit_log a USING (id) WHERE a.zeit >= $1), 9223372036854775807)
			ORDER BY k.seq DESC LIMIT 1`, cutoff).Scan(&last, &lastHash)
		if err == pgx.ErrNoRows {
			return nil
		}
		if err != nil {
			return err
		}
		tag, err := tx.Exec(ctx, `WITH k AS (DELETE FROM audit_kette WHERE seq <= $1 RETURNING id)
			DELETE FROM audit_log a USING k WHERE a.id = k.id`, last)
		if err != nil {
			return err
		}
		n = tag.RowsAffected()
		_, err = tx.Exec(ctx, "UPDATE audit_head SET pruned_seq = $1, pruned_hash = $2", last, lastHash)
		return err
	})
	return n, storeErr("prune audit entries", err)
}

package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	dto "github.com/prometheus/client_model/go"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/changefeed"
)

func TestAuditChainDetectsTampering(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	for _, tc := range []struct {
		name, sql string
		wantSeq   int64
	}{
		{"altered", "UPDATE audit_log SET subject = 'jemand-anderes' WHERE id = (SELECT id FROM audit_kette WHERE seq = 4)", 4},
		{"removed", "DELETE FROM audit_log WHERE id = (SELECT id FROM audit_kette WHERE seq = 6)", 6},
		{"place removed", "DELETE FROM audit_kette WHERE seq = 6", 6},
		{"place changed", "UPDATE audit_kette SET id = (SELECT id FROM audit_kette WHERE seq = 3) WHERE seq = 5", 5},
		{"newest removed", "DELETE FROM audit_kette WHERE seq >= 9", 9},
		{"count changed", "UPDATE audit_log SET anzahl = 1 WHERE id = (SELECT id FROM audit_kette WHERE seq = 2)", 2},
		// An entry not chained yet, taken off the chainer's queue: it
		// would never get a place.
		{"hidden from the chain", "DELETE FROM audit_offen", 11},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			pool := pgtest.Pool(t)
			store := postgres.NewAuditStore(pool)
			for range 10 {
				if err := store.Record(ctx, audit.Entry{Subject: "s", Operation: "GET /v1/x", Result: 200, Count: new(int)}); err != nil {
					t.Fatal(err)
				}
			}
			if n, b, err := store.Verify(ctx); err != nil || b != nil || n != 10 {
				t.Fatalf("before: %d %+v %v", n, b, err)
			}
			if err := store.Record(ctx, audit.Entry{Subject: "s", Operation: "GET /v1/x", Result: 200, Count: new(int)}); err != nil {
				t.Fatal(err) // the eleventh, waiting to be chained
			}
			// The table refuses changes; someone with the rights to switch the
			// guard off still cannot hide it.
			if _, err := pool.Exec(ctx, tc.sql); err == nil {
				t.Fatal("the trail accepted a change")
			}
			conn, err := pool.Acquire(ctx)
			if err != nil {
				t.Fatal(err)
			}
			defer conn.Release()
			if _, err := conn.Exec(ctx, "SET session_replication_role = replica"); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, tc.sql); err != nil {
				t.Fatal(err)
			}
			if _, err := conn.Exec(ctx, "SET session_replication_role = origin"); err != nil {
				t.Fatal(err)
			}
			_, b, err := store.Verify(ctx)
			if err != nil || b == nil || b.Seq != tc.wantSeq {
				t.Errorf("after: %+v %v, want a break at %d", b, err, tc.wantSeq)
			}
		})
	}
}

// Entries committed by many writers in any order are each chained exactly
// once while chainers run alongside, and the chain holds.
// chainContinuously runs Chain in a loop until the returned function is
// called, which returns the first error of a step.
func chainContinuously(ctx context.Context, store *postgres.AuditStore) (stop func() error) {
	halt, done := make(chan struct{}), make(chan error, 1)
	go func() {
		for {
			select {
			case <-halt:
				done <- nil
				return
			default:
			}
			if _, err := store.Chain(ctx); err != nil {
				done <- err
				return
			}
		}
	}()
	return func() error { close(halt); return <-done }
}

func TestAuditChainUnderConcurrentWriters(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	store := postgres.NewAuditStore(pool)
	const writers, each = 12, 40
	var wg sync.WaitGroup
	stopChainer := chainContinuously(ctx, store)
	for w := range writers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range each {
				tx, err := pool.Begin(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				if _, err := tx.Exec(ctx, "INSERT INTO audit_log (operation, ergebnis, anzahl) VALUES ('w', 200, $1)", w*1000+i); err != nil {
					t.Error(err)
				}
				if _, err := tx.Exec(ctx, "SELECT pg_sleep(random() / 200)"); err != nil {
					t.Error(err)
				}
				if err := tx.Commit(ctx); err != nil {
					t.Error(err)
				}
			}
		}()
	}
	wg.Wait()
	if err := stopChainer(); err != nil {
		t.Fatal(err)
	}
	n, b, err := store.Verify(ctx)
	if err != nil || b != nil || n != writers*each {
		t.Fatalf("verify: %d of %d entries, %+v, %v", n, writers*each, b, err)
	}
	var distinct int
	if err := pool.QueryRow(ctx, "SELECT count(DISTINCT anzahl) FROM audit_log JOIN audit_kette USING (id)").Scan(&distinct); err != nil || distinct != writers*each {
		t.Errorf("%d distinct entries chained: %v", distinct, err)
	}
}

// The batch writer chains its entries in the transaction that writes
// them: once Record returns, the entry has its place, nothing of it waits
// in the queue, and an entry whose condition does not hold has none. Its
// places and the chainer's, taken at the same time by entries of other
// writers, make one chain, each entry in it once.
func TestAuditWriterChainsItsEntries(t *testing.T) {
	t.Parallel()
	ctx, pool, store := batchingAudit(t)
	queued := postgres.NewAuditStore(pool) // one statement per entry, queued, as an import's
	counts := func() (log, kette, distinct, offen int) {
		t.Helper()
		if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_log), (SELECT count(*) FROM audit_kette),
			(SELECT count(DISTINCT id) FROM audit_kette), (SELECT count(*) FROM audit_offen)`).Scan(&log, &kette, &distinct, &offen); err != nil {
			t.Fatal(err)
		}
		return
	}
	n := 3
	if err := store.Record(ctx, audit.Entry{Subject: "bms", Operation: "GET /v1/changes", Count: &n, Result: 200, Detail: "ä"}); err != nil {
		t.Fatal(err)
	}
	if log, kette, _, offen := counts(); log != 1 || kette != 1 || offen != 0 {
		t.Fatalf("after one Record: %d entries, %d chained, %d queue rows; want 1, 1, 0", log, kette, offen)
	}
	var seq, head int64
	if err := pool.QueryRow(ctx, "SELECT k.seq, h.last_seq FROM audit_kette k, audit_head h").Scan(&seq, &head); err != nil || seq != 1 || head != 1 {
		t.Fatalf("place %d, head %d: %v", seq, head, err)
	}
	// An entry under a condition that does not hold (the feed's head is
	// not 99) is neither written nor given a place.
	if ok, err := store.RecordIf(ctx, audit.Entry{Operation: "GET /v1/changes", Result: 200}, audit.Condition{Kind: audit.FeedHead, Value: "99"}); err != nil || ok {
		t.Fatalf("written %v: %v", ok, err)
	}
	if log, kette, _, offen := counts(); log != 1 || kette != 1 || offen != 0 {
		t.Fatalf("after a condition that failed: %d entries, %d chained, %d queue rows; want 1, 1, 0", log, kette, offen)
	}

	// The chainer moves the head between two batches: the next batch
	// follows on after the entries it chained.
	for i := range 3 {
		if err := queued.Record(ctx, audit.Entry{Operation: "import.commit", Result: 200, Count: &i}); err != nil {
			t.Fatal(err)
		}
		if n, err := store.Chain(ctx); err != nil || n != 1 {
			t.Fatalf("chained %d: %v", n, err)
		}
		if err := store.Record(ctx, audit.Entry{Operation: "GET /v1/x", Result: 200, Count: &i}); err != nil {
			t.Fatal(err)
		}
	}
	if nv, b, err := store.Verify(ctx); err != nil || b != nil || nv != 7 {
		t.Fatalf("verify: %d of 7 entries, %+v, %v", nv, b, err)
	}

	// Batched, queued and the chainer, all at once.
	const batched, viaQueue = 600, 200
	var wg sync.WaitGroup
	stopChainer := chainContinuously(ctx, store)
	for i := range batched + viaQueue {
		wg.Add(1)
		go func() {
			defer wg.Done()
			e := audit.Entry{Operation: "GET /v1/x", Result: 200, Count: &i}
			var err error
			switch {
			case i >= batched:
				err = queued.Record(ctx, e)
			case i%2 == 0: // a condition that holds
				var ok bool
				ok, err = store.RecordIf(ctx, e, audit.Condition{Kind: audit.FeedHead, Value: "0"})
				if err == nil && !ok {
					err = fmt.Errorf("entry %d not written", i)
				}
			default:
				err = store.Record(ctx, e)
			}
			if err != nil {
				t.Error(err)
			}
		}()
	}
	wg.Wait()
	if err := stopChainer(); err != nil {
		t.Fatal(err)
	}
	want := 7 + batched + viaQueue
	if nv, b, err := store.Verify(ctx); err != nil || b != nil || nv != want {
		t.Fatalf("verify: %d of %d entries, %+v, %v", nv, want, b, err)
	}
	if log, kette, distinct, offen := counts(); log != want || kette != want || distinct != want || offen != 0 {
		t.Fatalf("%d entries, %d places for %d distinct entries, %d queue rows; want %d, each once, none", log, kette, distinct, offen, want)
	}
}

// Two gateways' batch writers on one database (each its own store and
// connection) keep moving the head under each other's feet: every entry
// of both is written and chained once, none waits in the queue, and the
// chain verifies. A writer whose head moved tries again under the lock,
// so neither starves the other.
func TestAuditTwoWritersShareTheChain(t *testing.T) {
	t.Parallel()
	ctx, pool, erster := batchingAudit(t)
	zweiter := postgres.NewAuditStore(pool)
	zweiter.Start(ctx)
	const je = 400
	var wg sync.WaitGroup
	for i := range 2 * je {
		wg.Go(func() {
			store := erster
			if i%2 == 1 {
				store = zweiter
			}
			if err := store.Record(ctx, audit.Entry{Operation: "GET /v1/x", Result: 200, Count: &i}); err != nil {
				t.Error(err)
			}
		})
	}
	wg.Wait()
	if n, b, err := erster.Verify(ctx); err != nil || b != nil || n != 2*je {
		t.Fatalf("verify: %d of %d entries, %+v, %v", n, 2*je, b, err)
	}
	var kette, distinct, offen int
	if err := pool.QueryRow(ctx, `SELECT (SELECT count(*) FROM audit_kette), (SELECT count(DISTINCT anzahl) FROM audit_kette JOIN audit_log USING (id)),
		(SELECT count(*) FROM audit_offen)`).Scan(&kette, &distinct, &offen); err != nil || kette != 2*je || distinct != 2*je || offen != 0 {
		t.Fatalf("%d places for %d distinct entries, %d queue rows (%v); want %d, %d, none", kette, distinct, offen, err, 2*je, 2*je)
	}
}

// Retention removes the oldest entries and leaves a chain that still
// verifies from its new anchor.
func TestAuditPruneKeepsTheChainVerifiable(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	store := postgres.NewAuditStore(pool)
	for i := range 8 {
		if _, err := pool.Exec(ctx, "INSERT INTO audit_log (operation, ergebnis, zeit) VALUES ('alt', 200, now() - $1 * interval '1 day')", 40-i); err != nil {
			t.Fatal(err)
		}
	}
	for range 3 {
		if err := store.Record(ctx, audit.Entry{Operation: "neu", Result: 200}); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := store.Chain(ctx); err != nil {
		t.Fatal(err)
	}
	n, err := store.PruneAudit(ctx, time.Now().Add(-34*24*time.Hour-12*time.Hour))
	if err != nil || n != 6 { // 40..35 days old go; 34 and 33 days old stay
		t.Fatalf("pruned %d: %v", n, err)
	}
	checked, b, err := store.Verify(ctx)
	if err != nil || b != nil || checked != 5 {
		t.Errorf("verify after prune: %d %+v %v", checked, b, err)
	}
}

// batchingAudit is a store on a fresh database whose writer batches until
// the test ends.
func batchingAudit(t *testing.T) (context.Context, *pgxpool.Pool, *postgres.AuditStore) {
	ctx, stop := context.WithCancel(context.Background())
	t.Cleanup(stop)
	pool := pgtest.Pool(t)
	store := postgres.NewAuditStore(pool)
	store.Start(ctx)
	return ctx, pool, store
}

// Batched: concurrent requests' entries share commits, and each Record
// returns only once its entry is stored, or with the error that kept it out.
func TestAuditRecordBatched(t *testing.T) {
	t.Parallel()
	start := time.Now()
	ctx, pool, store := batchingAudit(t)
	record := func(n int) []error {
		errs := make([]error, n)
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				errs[i] = store.Record(ctx, audit.Entry{Operation: "GET /v1/x", Result: 200, Count: &i})
			}()
		}
		wg.Wait()
		return errs
	}
	for i, err := range record(300) {
		if err != nil {
			t.Fatalf("entry %d: %v", i, err)
		}
	}
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(DISTINCT anzahl) FROM audit_log").Scan(&n); err != nil || n != 300 {
		t.Fatalf("%d entries stored: %v", n, err)
	}
	// Each commit's time is in the histogram /metrics exports: as many
	// as the statements that wrote the entries, none longer than the test.
	var m dto.Metric
	if err := store.Commits().Write(&m); err != nil {
		t.Fatal(err)
	}
	var statements int64
	if err := pool.QueryRow(ctx, `SELECT count(DISTINCT xmin::text) FROM audit_log`).Scan(&statements); err != nil {
		t.Fatal(err)
	}
	if h := m.GetHistogram(); int64(h.GetSampleCount()) != statements || h.GetSampleSum() <= 0 || h.GetSampleSum() > time.Since(start).Seconds() {
		t.Fatalf("commit histogram: %d commits in %.6f s, the table holds the entries of %d transactions (test ran %v)",
			h.GetSampleCount(), h.GetSampleSum(), statements, time.Since(start))
	}
	if _, err := pool.Exec(ctx, "ALTER TABLE audit_log ADD CONSTRAINT kaputt CHECK (ergebnis < 0) NOT VALID"); err != nil {
		t.Fatal(err)
	}
	for i, err := range record(20) {
		if err == nil {
			t.Fatalf("entry %d reported stored while the table refuses it", i)
		}
	}
}

// Batched entries keep every field: with and without a count, with German
// text and an empty subject (a refused token), in insertion order.
func TestAuditRecordBatchedFields(t *testing.T) {
	t.Parallel()
	ctx, _, store := batchingAudit(t)
	n := 7
	want := []audit.Entry{
		{Subject: "bms-halle", Roles: "bms,planung", Client: "10.0.0.7", Operation: "GET /v1/einschulung/:schuljahr/kinder",
			Resource: "schuljahr=2027-28", Count: &n, RequestID: "r-1", Result: 200},
		{Client: "203.0.113.9", Operation: "GET /v1/changes", RequestID: "r-2", Result: 401, Detail: "Token abgelaufen – erneut anmelden"},
	}
	for _, e := range want {
		if err := store.Record(ctx, e); err != nil {
			t.Fatal(err)
		}
	}
	got, err := store.List(ctx, audit.Filter{Limit: 10})
	if err != nil || len(got) != len(want) {
		t.Fatalf("%d entries: %v", len(got), err)
	}
	for i, g := range got {
		w := want[i]
		if g.Subject != w.Subject || g.Roles != w.Roles || g.Client != w.Client || g.Operation != w.Operation ||
			g.Resource != w.Resource || g.RequestID != w.RequestID || g.Result != w.Result || g.Detail != w.Detail ||
			(g.Count == nil) != (w.Count == nil) || g.Count != nil && *g.Count != *w.Count {
			t.Errorf("entry %d: got %+v, want %+v", i, g, w)
		}
	}
}

// The batch writer plans its statements once, also the conditional one,
// whose generic plan PostgreSQL left to itself would not choose (without
// statistics it costs ten conditions per batch): a plan for every batch
// was a fifth of the batch's time (docs/performance.md, session 10).
func TestAuditWriterPlansOnce(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	store := postgres.NewAuditStore(pool)
	wctx, stop := context.WithCancel(ctx)
	t.Cleanup(stop)
	store.Start(wctx)
	kopf := audit.Condition{Kind: audit.FeedHead, Value: "0"} // the empty feed's head
	for i := range 12 {                                       // one at a time: each a batch of its own
		c := kopf
		if i%3 == 0 {
			c = audit.Condition{}
		}
		if ok, err := store.RecordIf(ctx, audit.Entry{Operation: "GET /v1/changes", RequestID: fmt.Sprint("p-", i), Result: 200}, c); err != nil || !ok {
			t.Fatalf("entry %d: written %v, %v", i, ok, err)
		}
	}
	mode, generic, custom, err := postgres.AuditWriterPlans(ctx, store)
	if err != nil {
		t.Fatal(err)
	}
	// generic counts the question's own statement too.
	if mode != "force_generic_plan" || custom != 0 || generic < 12 {
		t.Fatalf("writer's connection: plan_cache_mode %s, %d generic and %d custom plans for 12 batches; want force_generic_plan, at least 12, none", mode, generic, custom)
	}
}

// An entry under a condition is written exactly when the condition holds
// in the database as it is written, alone or in a batch with others: the
// cohort's stand until a change of what a cohort is computed from commits,
// the feed's head until an entry is recorded after it; an unknown kind
// never. Entries without a condition in the same batch are all written.
func TestAuditRecordIf(t *testing.T) {
	t.Parallel()
	for _, batched := range []bool{false, true} {
		t.Run(fmt.Sprint("batched=", batched), func(t *testing.T) {
			t.Parallel()
			ctx := context.Background()
			pool := pgtest.Pool(t)
			store := postgres.NewAuditStore(pool)
			if batched {
				wctx, stop := context.WithCancel(ctx)
				t.Cleanup(stop)
				store.Start(wctx)
			}
			nr := 0
			// recordIf writes one entry per condition, all at once (so that
			// a batching store may take them together), and returns which
			// were written, checked against the table.
			recordIf := func(cs ...audit.Condition) []bool {
				t.Helper()
				got := make([]bool, len(cs))
				ids := make([]string, len(cs))
				var wg sync.WaitGroup
				for i, c := range cs {
					nr++
					ids[i] = fmt.Sprint("r-", nr)
					wg.Add(1)
					go func() {
						defer wg.Done()
						ok, err := store.RecordIf(ctx, audit.Entry{Operation: "GET /v1/x", RequestID: ids[i], Result: 200}, c)
						if err != nil {
							t.Error(err)
						}
						got[i] = ok
					}()
				}
				wg.Wait()
				for i, id := range ids {
					var n int
					if err := pool.QueryRow(ctx, "SELECT count(*) FROM audit_log WHERE request_id = $1", id).Scan(&n); err != nil {
						t.Fatal(err)
					}
					if n != map[bool]int{true: 1, false: 0}[got[i]] {
						t.Fatalf("%+v: reported written %v, %d entries stored", cs[i], got[i], n)
					}
				}
				return got
			}
			want := func(what string, got []bool, want ...bool) {
				t.Helper()
				if !slices.Equal(got, want) {
					t.Fatalf("%s: written %v, want %v", what, got, want)
				}
			}
			einschulung := postgres.NewEinschulungStore(pool)
			stand := func() string {
				b, err := einschulung.Bestand(ctx, time.Time{}, time.Time{}, nil)
				if err != nil {
					t.Fatal(err)
				}
				return b.Stand
			}
			kohorte := func(s string) audit.Condition { return audit.Condition{Kind: audit.CohortUnchanged, Value: s} }
			vorher := stand()
			want("cohort unchanged", recordIf(kohorte(vorher), audit.Condition{}, kohorte(vorher)), true, true, true)
			if _, err := pool.Exec(ctx, `INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer)
				VALUES ('om:1', 'Neu', 'Kind', '2021-03-01', 'Am Anger', '3')`); err != nil {
				t.Fatal(err)
			}
			nachher := stand()
			want("cohort changed", recordIf(kohorte(vorher), audit.Condition{}, kohorte(nachher), kohorte(vorher)), false, true, true, false)

			feed := postgres.NewFeedStore(pool, 0)
			kopf := func(p uint64) audit.Condition { return audit.Condition{Kind: audit.FeedHead, Value: fmt.Sprint(p)} }
			record := func(id string) {
				t.Helper()
				if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: changefeed.EntityKind, ID: id, Operation: changefeed.Upsert}); err != nil {
					t.Fatal(err)
				}
			}
			record("a")
			record("b")
			if err := feed.Sequence(ctx); err != nil {
				t.Fatal(err)
			}
			want("feed at head 2", recordIf(kopf(2), kopf(1), kopf(3), audit.Condition{}), true, false, false, true)
			record("c") // committed, waiting to be numbered
			want("entry waiting", recordIf(kopf(2), kopf(3)), false, false)
			if err := feed.Sequence(ctx); err != nil {
				t.Fatal(err)
			}
			want("feed at head 3", recordIf(kopf(2), kopf(3)), false, true)
			if _, err := pool.Exec(ctx, `UPDATE change_feed_head SET pruned_through = 4`); err != nil {
				t.Fatal(err)
			}
			want("head expired", recordIf(kopf(3)), false)

			want("unknown kind", recordIf(audit.Condition{Kind: "immer", Value: "1"}, audit.Condition{}), false, true)
		})
	}
}

// The paced chainer chains everything Chain would, in order, with pauses
// (within its time) and without (past it), and the chain stays verifiable.
func TestAuditChainPaced(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	// Entries written one statement each, as imports and the CLI write
	// them: queued for the chainer (the batch writer chains its own).
	store := postgres.NewAuditStore(pgtest.Pool(t))
	record := func(n int) {
		t.Helper()
		var wg sync.WaitGroup
		for i := range n {
			wg.Add(1)
			go func() {
				defer wg.Done()
				if err := store.Record(ctx, audit.Entry{Operation: "GET /v1/x", Result: 200, Count: &i}); err != nil {
					t.Error(err)
				}
			}()
		}
		wg.Wait()
	}
	record(2500) // two full steps and a part
	if n, err := store.ChainPaced(ctx, time.Hour); err != nil || n != 2500 {
		t.Fatalf("paced: chained %d: %v", n, err)
	}
	record(2500)
	if n, err := store.ChainPaced(ctx, 0); err != nil || n != 2500 { // past its time: no pauses
		t.Fatalf("past its time: chained %d: %v", n, err)
	}
	if n, b, err := store.Verify(ctx); err != nil || b != nil || n != 5000 {
		t.Fatalf("verify: %d %+v %v", n, b, err)
	}
}

package bench

import (
	"context"
	"fmt"
	"path/filepath"
	"sync"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/openapi"
)

// BenchmarkAuditedRead: what the audit trail costs a read of personal
// data. GET /v1/schulwechsel (one audit entry per request, written before
// the answer leaves) on the same database, with and without the trail, and
// with the rate limiter on, in the same run; then the chainer numbers and
// hashes what the load wrote.
func BenchmarkAuditedRead(b *testing.B) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	signer, err := jwtauth.LoadOrCreateDevKey(filepath.Join(b.TempDir(), "key.json"))
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := jwtauth.NewFromSet(signer.PublicSet(), "https://idp.bench", "schulgateway", 0)
	if err != nil {
		b.Fatal(err)
	}
	token, err := signer.Sign("https://idp.bench", "schulgateway", "bench", []auth.Role{auth.RoleSchulamt}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	store := postgres.NewAuditStore(pool)
	bctx, stop := context.WithCancel(ctx)
	b.Cleanup(stop)
	batched := postgres.NewAuditStore(pool)
	batched.Start(bctx)
	app := func(audit httpapi.AuditStore, limits httpapi.RateLimits) string {
		return serve(b, httpapi.New(httpapi.Deps{
			Schulwechsel: httpapi.SchulwechselDeps{Service: schulwechsel.NewService(postgres.NewSchulwechselStore(pool), 0),
				Idempotency: postgres.NewIdempotencyStore(pool)},
			Verifier: verifier, Spec: openapi.Spec, Audit: audit, Limits: limits,
		}))
	}
	for _, tc := range []struct {
		name   string
		audit  httpapi.AuditStore
		limits httpapi.RateLimits
	}{
		{"without-audit", nil, httpapi.RateLimits{}},
		{"with-audit", store, httpapi.RateLimits{}},
		{"with-audit-batched", batched, httpapi.RateLimits{}},
		{"with-audit-batched-and-rate-limit", batched, httpapi.RateLimits{PerSubject: 1e6, Burst: 1e6, FailedLoginsPerMinute: 30}},
	} {
		addr := app(tc.audit, tc.limits)
		b.Run(tc.name, func(b *testing.B) {
			report(b, load(b, addr, "/v1/schulwechsel?limit=10", token, max(b.N, 2000)))
		})
	}
	start := time.Now()
	n, err := store.Chain(ctx)
	if err != nil {
		b.Fatal(err)
	}
	b.Logf("chained %d entries in %v (%.0f entries/s)", n, time.Since(start), float64(n)/time.Since(start).Seconds())
}

// BenchmarkAuditChain: what the trail's writes cost PostgreSQL per entry:
// recording through the batch writer (32 writers, as requests do), which
// chains its entries as it writes them, without a condition and under one
// (a poll at the feed's head, whose entry is written only while the head
// holds: pg-µs-record-if); and chaining what other writers queue (entries
// written 32 to a statement, as batches of imports' and the CLI's
// entries would be; AuditStore.Chain, which serve runs every few seconds).
// Reports entries/s of each and the backends' CPU per entry.
func BenchmarkAuditChain(b *testing.B) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, pgtest.URL(b))
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	store := postgres.NewAuditStore(pool)
	bctx, stop := context.WithCancel(ctx)
	b.Cleanup(stop)
	store.Start(bctx)
	const writers, each = 32, 3000
	kopf := audit.Condition{Kind: audit.FeedHead, Value: "0"} // the empty feed's head
	record := func(c audit.Condition) (secs, cpu float64) {
		_, pg0 := cpuSeconds(b, pool)
		d := recordParallel(b, store, writers, each, c)
		_, pg1 := cpuSeconds(b, pool)
		return d.Seconds(), pg1 - pg0
	}
	var recordSecs, recordCPU, ifSecs, ifCPU, chainSecs, chainCPU float64
	for range b.N {
		s, c := record(audit.Condition{})
		recordSecs, recordCPU = recordSecs+s, recordCPU+c
		s, c = record(kopf)
		ifSecs, ifCPU = ifSecs+s, ifCPU+c
		if n, err := store.Chain(ctx); err != nil || n != 0 {
			b.Fatalf("%d entries of the batch writer left to the chainer: %v", n, err)
		}
		if _, err := pool.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN FOR i IN 1..%d LOOP
			INSERT INTO audit_log (subject, operation, ressource, anzahl, ergebnis) SELECT 'bench', 'import.commit', 'limit=100', g, 200 FROM generate_series(1, %d) g;
			END LOOP; END $$`, each, writers)); err != nil {
			b.Fatal(err)
		}
		_, pg1 := cpuSeconds(b, pool)
		start := time.Now()
		n, err := store.Chain(ctx)
		if err != nil || n != writers*each {
			b.Fatalf("chained %d of %d: %v", n, writers*each, err)
		}
		_, pg2 := cpuSeconds(b, pool)
		chainSecs += time.Since(start).Seconds()
		chainCPU += pg2 - pg1
	}
	entries := float64(b.N * writers * each)
	// What the writes leave for vacuum (dead rows, their index entries),
	// which autovacuum would do later: the database's VACUUM.
	_, pg0 := cpuSeconds(b, pool)
	start := time.Now()
	if _, err := pool.Exec(ctx, "VACUUM"); err != nil {
		b.Fatal(err)
	}
	_, pg1 := cpuSeconds(b, pool)
	b.ReportMetric(float64(time.Since(start).Milliseconds()), "vacuum-ms")
	b.ReportMetric(1e6*(pg1-pg0)/(3*entries), "pg-µs-vacuum/entry")
	b.ReportMetric(entries/recordSecs, "recorded/s")
	b.ReportMetric(entries/ifSecs, "recorded-if/s")
	b.ReportMetric(entries/chainSecs, "chained/s")
	b.ReportMetric(1e6*recordCPU/entries, "pg-µs-record/entry")
	b.ReportMetric(1e6*ifCPU/entries, "pg-µs-record-if/entry")
	b.ReportMetric(1e6*chainCPU/entries, "pg-µs-chain/entry")
}

// recordParallel writes writers*each entries through store from writers
// goroutines at once, each waiting for its entry before the next, as the
// requests of as many connections do, all under c; it fails b if one is
// not written, and returns how long it took.
func recordParallel(b *testing.B, store *postgres.AuditStore, writers, each int, c audit.Condition) time.Duration {
	ctx := context.Background()
	start := time.Now()
	var wg sync.WaitGroup
	for w := range writers {
		wg.Go(func() {
			for i := range each {
				n := w*each + i
				ok, err := store.RecordIf(ctx, audit.Entry{Subject: "bench", Roles: "bms", Client: "127.0.0.1",
					Operation: "GET /v1/changes", Resource: "limit=100", Count: &n, RequestID: "r", Result: 200}, c)
				if err != nil || !ok {
					b.Error(ok, err)
					return
				}
			}
		})
	}
	wg.Wait()
	return time.Since(start)
}

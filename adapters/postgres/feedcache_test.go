package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/changefeed"
)

// cachedFeed opens a fresh database and returns a feed store on it with
// its cache and a listener that is up, and a pool of another instance.
func cachedFeed(t *testing.T, ctx context.Context, retention time.Duration) (*postgres.FeedStore, *postgres.Changes, *pgxpool.Pool) {
	t.Helper()
	url := pgtest.URL(t)
	pools := make([]*pgxpool.Pool, 2)
	for i := range pools {
		p, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		pools[i] = p
	}
	changes := postgres.ListenChanges(ctx, url, slog.New(slog.DiscardHandler))
	waitFor(t, "listener up", func() bool { _, ok := changes.Connections(); return ok })
	return postgres.NewFeedStore(pools[0], retention).WithCache(changes), changes, pools[1]
}

// The cache answers every read exactly as the database does: random pages
// from random positions (a quarter of them the page read just before),
// between writes of committed, rolled-back and long transactions that
// commit later, compared with a store without one.
func TestFeedCacheAnswersAsTheDatabase(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cached, _, pool := cachedFeed(t, ctx, 0)
	// Each entry the cache keeps carries what this made of that entry
	// (as serve's carries its JSON), and only that.
	render := func(e *changefeed.Entry) any {
		return fmt.Sprint(e.Position, e.Time.UnixMicro(), e.Entity, e.ID, e.Operation, e.Key)
	}
	cached.WithRendering(render)
	plain := postgres.NewFeedStore(pool, 0)

	rng := rand.New(rand.NewPCG(18, 6))
	positions := []string{""}
	n := 0
	write := func(k int) {
		var cs []changefeed.Change
		for range k {
			n++
			op, key := changefeed.Upsert, map[string]string(nil)
			if n%3 == 0 {
				op, key = changefeed.Delete, map[string]string{"melde_id": fmt.Sprint(n)}
			}
			cs = append(cs, changefeed.Change{Entity: changefeed.EntityKind, ID: fmt.Sprint(n), Operation: op, Key: key})
		}
		if err := postgres.RecordChanges(ctx, pool, cs...); err != nil {
			t.Fatal(err)
		}
	}
	long, err := pool.Begin(ctx) // commits in the middle of the run
	if err != nil {
		t.Fatal(err)
	}
	defer long.Rollback(ctx) //nolint:errcheck // after a failure: give the connection back
	if err := postgres.RecordChange(ctx, long, changefeed.EntitySchule, "lang", changefeed.Upsert, nil); err != nil {
		t.Fatal(err)
	}
	write(30)
	hits, gerendert := 0, 0
	var lastAfter string
	var lastLimit int
	for i := range 400 {
		switch r := rng.IntN(10); {
		case r == 0:
			write(1 + rng.IntN(20))
		case r == 1: // a writer that gives up
			tx, err := pool.Begin(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if err := postgres.RecordChange(ctx, tx, changefeed.EntityKind, "nie", changefeed.Upsert, nil); err != nil {
				t.Fatal(err)
			}
			tx.Rollback(ctx) //nolint:errcheck
		}
		if i == 200 {
			if err := long.Commit(ctx); err != nil {
				t.Fatal(err)
			}
		}
		after, limit := positions[rng.IntN(len(positions))], 1+rng.IntN(25)
		if i > 0 && rng.IntN(4) == 0 { // the page read last again: the cache's last page
			after, limit = lastAfter, lastLimit
		}
		lastAfter, lastLimit = after, limit
		// The cached store reads first: were it to run no sequencer step
		// where it must, the plain one would number and see more.
		got, gerr := cached.Read(ctx, after, limit)
		want, werr := plain.Read(ctx, after, limit)
		if !errors.Is(gerr, werr) && (gerr == nil || werr == nil || gerr.Error() != werr.Error()) {
			t.Fatalf("read %d (after %q, limit %d): error %v, database %v", i, after, limit, gerr, werr)
		}
		got.Items = slices.Clone(got.Items) // shared with later reads: not changed
		for j := range got.Items {
			e := &got.Items[j]
			if e.Rendered != nil {
				d := e.Rendered
				e.Rendered = nil
				if want := render(e); d != want {
					t.Fatalf("read %d: entry %s carries %v, made of it: %v", i, e.Position, d, want)
				}
				gerendert++
			}
		}
		if !reflect.DeepEqual(got, want) {
			t.Fatalf("read %d (after %q, limit %d):\ncache    %+v\ndatabase %+v", i, after, limit, got, want)
		}
		for _, e := range got.Items {
			if e.ID == "nie" {
				t.Fatalf("a rolled-back change was read: %+v", e)
			}
		}
		if len(got.Items) == limit {
			hits++
		}
		positions = append(positions, got.Next)
	}
	if hits < 100 || gerendert == 0 {
		t.Fatalf("only %d full pages in 400 reads, %d entries with their rendering: the test did not exercise the cache", hits, gerendert)
	}
}

// Reads of the page read last share its items (a page of 100 entries is
// 9.6 KB, made once, not for every read), and a page not held is not
// served from them.
func TestFeedCacheSharesTheLastPage(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	cached, _, pool := cachedFeed(t, ctx, 0)
	var cs []changefeed.Change
	for i := range 300 {
		cs = append(cs, changefeed.Change{Entity: changefeed.EntityKind, ID: fmt.Sprint(i), Operation: changefeed.Upsert})
	}
	if err := postgres.RecordChanges(ctx, pool, cs...); err != nil {
		t.Fatal(err)
	}
	read := func(after string, limit int) []changefeed.Entry {
		t.Helper()
		p, err := cached.Read(ctx, after, limit)
		if err != nil || len(p.Items) != limit {
			t.Fatalf("read after %q: %d items, %v", after, len(p.Items), err)
		}
		return p.Items
	}
	first := read("", 100)  // from the database, now held
	second := read("", 100) // made from the slots
	third := read("", 100)  // the same page again
	other := read("", 99)   // another page
	fourth := read("", 100) // made anew
	if !reflect.DeepEqual(first, second) || !reflect.DeepEqual(second, third) || !reflect.DeepEqual(third, fourth) {
		t.Fatal("the page read again differs")
	}
	if &second[0] != &third[0] {
		t.Error("the page read again was copied once more")
	}
	if &third[0] == &other[0] || &other[0] == &fourth[0] {
		t.Error("another page was served from the last one's items")
	}
}

// Another instance prunes: a full page of entries this instance holds is
// not served once they have left the retention window, so a position
// before the pruned ones is refused as expired, as the database says.
func TestFeedCacheAndPruneOfAnotherInstance(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	const retention = 2 * time.Second
	a, _, pool := cachedFeed(t, ctx, retention)
	b := postgres.NewFeedStore(pool, retention)
	var cs []changefeed.Change
	for i := range 6 {
		cs = append(cs, changefeed.Change{Entity: changefeed.EntityKind, ID: fmt.Sprint(i), Operation: changefeed.Upsert})
	}
	if err := postgres.RecordChanges(ctx, pool, cs...); err != nil {
		t.Fatal(err)
	}
	all, err := a.Read(ctx, "", 6) // now held by a
	if err != nil || len(all.Items) != 6 {
		t.Fatalf("%+v %v", all, err)
	}
	time.Sleep(retention + 200*time.Millisecond)
	if n, err := b.Prune(ctx); err != nil || n != 6 {
		t.Fatalf("b pruned %d: %v", n, err)
	}
	if p, err := a.Read(ctx, all.Items[1].Position, 3); !errors.Is(err, changefeed.ErrPositionExpired) {
		t.Fatalf("a read after a pruned position: %+v, %v; want ErrPositionExpired", p, err)
	}
}

// A new connection of the listener may be to another database (a restore
// from a backup that forgot entries): the cache forgets what it held.
func TestFeedCacheForgetsOnReconnect(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	a, changes, pool := cachedFeed(t, ctx, 0)
	record := func(prefix string, n int) {
		var cs []changefeed.Change
		for i := range n {
			cs = append(cs, changefeed.Change{Entity: changefeed.EntityKind, ID: fmt.Sprint(prefix, i), Operation: changefeed.Upsert})
		}
		if err := postgres.RecordChanges(ctx, pool, cs...); err != nil {
			t.Fatal(err)
		}
	}
	record("alt", 5)
	if p, err := a.Read(ctx, "", 5); err != nil || len(p.Items) != 5 {
		t.Fatalf("%+v %v", p, err)
	}
	// The "restore": an older state of the database, whose positions 1–3
	// are other entries.
	if _, err := pool.Exec(ctx, "TRUNCATE change_feed; UPDATE change_feed_head SET last_position = 0, pruned_through = 0"); err != nil {
		t.Fatal(err)
	}
	record("neu", 3)
	before, _ := changes.Connections()
	if _, err := pool.Exec(ctx, "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = current_database() AND query LIKE 'LISTEN%'"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "listener back", func() bool { n, ok := changes.Connections(); return ok && n > before })
	p, err := a.Read(ctx, "", 3)
	if err != nil || len(p.Items) != 3 || p.Items[0].ID != "neu0" || p.Items[2].ID != "neu2" {
		t.Fatalf("after the reconnect: %+v, %v; want neu0–neu2", p, err)
	}
}

// Clients polling the head share reads, yet a writer that reads right
// after its commit always finds its entry: it never gets the answer of a
// read that began before it did.
func TestFeedSharedReadsSeeOwnWrites(t *testing.T) {
	t.Parallel()
	for _, audited := range []bool{false, true} {
		t.Run(fmt.Sprint("audited=", audited), func(t *testing.T) {
			t.Parallel()
			feedReadsSeeOwnWrites(t, audited)
		})
	}
}

// feedReadsSeeOwnWrites: audited, every read carries its request's audit
// entry, and the store writes it under the condition that the read is at
// the head (WithAudit) – which the reads after a commit no longer are.
func feedReadsSeeOwnWrites(t *testing.T, audited bool) {
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	st, _, pool := cachedFeed(t, ctx, 0)
	request := func(ctx context.Context) context.Context { return ctx }
	if audited {
		a := postgres.NewAuditStore(pool)
		a.Start(ctx)
		st.WithAudit(a)
		request = func(ctx context.Context) context.Context {
			ctx, _ = audit.Begin(ctx, audit.Entry{Operation: "GET /v1/changes"})
			return ctx
		}
	}
	var head atomic.Value
	head.Store("")
	var polling sync.WaitGroup
	pollCtx, stopPolling := context.WithCancel(ctx)
	for range 12 {
		polling.Add(1)
		go func() {
			defer polling.Done()
			for pollCtx.Err() == nil {
				if _, err := st.Read(request(pollCtx), head.Load().(string), 100); err != nil && pollCtx.Err() == nil {
					t.Error(err)
					return
				}
			}
		}()
	}
	for i := range 150 {
		before := head.Load().(string)
		id := fmt.Sprint("eigen-", i)
		if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: changefeed.EntityKind, ID: id, Operation: changefeed.Upsert}); err != nil {
			t.Fatal(err)
		}
		p, err := st.Read(request(ctx), before, 100)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) != 1 || p.Items[0].ID != id {
			t.Fatalf("write %d: read after its commit got %+v, want its entry", i, p.Items)
		}
		head.Store(p.Next)
	}
	stopPolling()
	polling.Wait()
	var n int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM audit_log").Scan(&n); err != nil {
		t.Fatal(err)
	}
	if audited && n == 0 {
		t.Error("no read at the head was answered with its entry under the condition")
	}
}

// The entity check of migration 0117 accepts exactly the names the old
// regular expression did: edge cases and random strings over an alphabet
// with the characters that matter, each tried as an insert.
func TestFeedEntityCheckAsRegexp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	old := regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	names := []string{"", "a", "z", "kind", "schule", "uebergang_zuteilung", "a1", "a_", "_a", "1a", "A", "aB", "ä", "kä", "a-b", "a b",
		"kind\n", "\nkind", "a$", strings.Repeat("a", 63), strings.Repeat("a", 64), strings.Repeat("ä", 20), "k\u00ad"}
	rng := rand.New(rand.NewPCG(117, 1))
	alphabet := []rune("az09_AZ-ä \n.{`")
	for range 400 {
		r := make([]rune, rng.IntN(70))
		for i := range r {
			r[i] = alphabet[rng.IntN(len(alphabet))]
			if rng.IntN(3) > 0 { // mostly plausible names
				r[i] = rune('a' + rng.IntN(26))
			}
		}
		names = append(names, string(r))
	}
	for _, n := range names {
		_, err := pool.Exec(ctx, `INSERT INTO change_feed (entity, entity_id, operation) VALUES ($1, 'x', 'upsert')`, n)
		if accepted := err == nil; accepted != old.MatchString(n) {
			t.Errorf("entity %q: accepted %v, the regular expression says %v (%v)", n, accepted, old.MatchString(n), err)
		}
	}
}

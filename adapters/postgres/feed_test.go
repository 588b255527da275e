package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/page"
)

// feedPools opens n pools on one fresh database: n gateway instances.
func feedPools(t testing.TB, n, maxConns int) []*pgxpool.Pool {
	t.Helper()
	url := feedURLWith(pgtest.URL(t), fmt.Sprintf("pool_max_conns=%d", maxConns))
	pools := make([]*pgxpool.Pool, n)
	for i := range pools {
		p, err := postgres.Open(context.Background(), url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(p.Close)
		pools[i] = p
	}
	return pools
}

func feedURLWith(url, param string) string {
	if strings.Contains(url, "?") {
		return url + "&" + param
	}
	return url + "?" + param
}

func feedPos(t testing.TB, s string) uint64 {
	t.Helper()
	n, err := changefeed.DecodePosition(s)
	if err != nil {
		t.Fatalf("position %q: %v", s, err)
	}
	return n
}

// feedReadAll reads from after until an empty page, checking that the
// positions rise; it returns the entries and the last Next.
func feedReadAll(t *testing.T, st changefeed.Store, after string, limit int) ([]changefeed.Entry, string) {
	t.Helper()
	var all []changefeed.Entry
	for {
		page, err := st.Read(context.Background(), after, limit)
		if err != nil {
			t.Fatal(err)
		}
		if len(page.Items) > limit {
			t.Fatalf("page of %d entries, limit %d", len(page.Items), limit)
		}
		if len(page.Items) == 0 {
			if page.Next != after {
				t.Fatalf("empty page moved next from %q to %q", after, page.Next)
			}
			return all, page.Next
		}
		prev := feedPos(t, after)
		for _, e := range page.Items {
			p := feedPos(t, e.Position)
			if p <= prev {
				t.Fatalf("position %d after %d", p, prev)
			}
			prev = p
		}
		if page.Next != page.Items[len(page.Items)-1].Position {
			t.Fatalf("next %q is not the last item's position", page.Next)
		}
		all = append(all, page.Items...)
		after = page.Next
	}
}

func TestFeedReadPagesAndTombstones(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 0)

	page, err := st.Read(ctx, "", 10)
	if err != nil || len(page.Items) != 0 || page.Next != "" {
		t.Fatalf("empty feed: %+v, %v", page, err)
	}

	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "INSERT INTO schulen (schulnummer, name, schulform) VALUES ('1001', 'GS Nord', 'grundschule')"); err != nil {
		t.Fatal(err)
	}
	if err := postgres.RecordChange(ctx, tx, changefeed.EntitySchule, "1001", changefeed.Upsert, nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	tx, err = pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, "DELETE FROM schulen WHERE schulnummer = '1001'"); err != nil {
		t.Fatal(err)
	}
	if err := postgres.RecordChange(ctx, tx, changefeed.EntitySchule, "1001", changefeed.Delete, map[string]string{"schulnummer": "1001"}); err != nil {
		t.Fatal(err)
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if err := postgres.RecordChanges(ctx, pool,
		changefeed.Change{Entity: changefeed.EntityKind, ID: "k-1", Operation: changefeed.Upsert},
		changefeed.Change{Entity: changefeed.EntityKind, ID: "k-2", Operation: changefeed.Upsert, Key: map[string]string{"melde_id": "M2"}},
		changefeed.Change{Entity: changefeed.EntityKind, ID: "k-1", Operation: changefeed.Delete, Key: map[string]string{"melde_id": "M1", "geburtsdatum": "2021-03-04"}},
		changefeed.Change{Entity: changefeed.EntitySchulwechsel, ID: "sw-9", Operation: changefeed.Upsert},
	); err != nil {
		t.Fatal(err)
	}

	before := time.Now()
	all, next := feedReadAll(t, st, "", 2)
	want := []string{"schule/1001/upsert", "schule/1001/delete", "kind/k-1/upsert", "kind/k-2/upsert", "kind/k-1/delete", "schulwechsel/sw-9/upsert"}
	if len(all) != len(want) {
		t.Fatalf("got %d entries, want %d: %+v", len(all), len(want), all)
	}
	for i, e := range all {
		if got := e.Entity + "/" + e.ID + "/" + string(e.Operation); got != want[i] {
			t.Errorf("entry %d = %s, want %s", i, got, want[i])
		}
		if e.Time.IsZero() || e.Time.After(before.Add(time.Minute)) {
			t.Errorf("entry %d time %v", i, e.Time)
		}
	}
	if k := all[1].Key; len(k) != 1 || k["schulnummer"] != "1001" {
		t.Errorf("queued tombstone key = %v", k)
	}
	if k := all[4].Key; len(k) != 2 || k["melde_id"] != "M1" || k["geburtsdatum"] != "2021-03-04" {
		t.Errorf("tombstone key = %v", k)
	}
	if all[0].Key != nil || all[5].Key != nil { // the last after two with keys, of another entity
		t.Errorf("upserts without key have keys %v, %v", all[0].Key, all[5].Key)
	}
	if k := all[3].Key; len(k) != 1 || k["melde_id"] != "M2" {
		t.Errorf("upsert's key = %v", k)
	}
	if next != all[len(all)-1].Position {
		t.Errorf("next = %q, want the last position", next)
	}
	// Polling with next returns nothing and the same next.
	page, err = st.Read(ctx, next, 100)
	if err != nil || len(page.Items) != 0 || page.Next != next {
		t.Errorf("poll at the end: %+v, %v", page, err)
	}
	page, err = st.Read(ctx, all[1].Position, 100)
	if err != nil || len(page.Items) != 4 || page.Items[0].ID != "k-1" {
		t.Errorf("read after the second entry: %+v, %v", page, err)
	}
}

func TestFeedRejectsBadInput(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, time.Hour)

	_, err := st.Read(ctx, "kaputt", 10)
	if e, ok := apperr.As(err); !ok || e.Class != apperr.ClassInvalid {
		t.Errorf("malformed position: %v, want apperr.Invalid", err)
	}
	for _, limit := range []int{0, -1, page.MaxLimit + 1} {
		_, err := st.Read(ctx, "", limit)
		if e, ok := apperr.As(err); !ok || e.Class != apperr.ClassInvalid {
			t.Errorf("limit %d: %v, want apperr.Invalid", limit, err)
		}
	}
	// A well-formed position this database never gave out (say, the
	// database was restored from a backup): resynchronise.
	if _, err := st.Read(ctx, changefeed.EncodePosition(5), 10); !errors.Is(err, changefeed.ErrPositionExpired) {
		t.Errorf("position from the future: %v, want ErrPositionExpired", err)
	}
	if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "schule", ID: "1", Operation: changefeed.Delete}); err == nil {
		t.Error("a delete without natural key was recorded")
	}
	if err := postgres.RecordChanges(ctx, pool,
		changefeed.Change{Entity: "schule", ID: "1", Operation: changefeed.Upsert},
		changefeed.Change{Entity: "schule", ID: "", Operation: changefeed.Upsert}); err == nil {
		t.Error("a change without id was recorded")
	}
	if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "schule", ID: "1", Operation: "merge"}); err == nil {
		t.Error("an unknown operation was recorded")
	}
	if _, err := pool.Exec(ctx, "INSERT INTO change_feed (entity, entity_id, operation) VALUES ('schule', '1', 'delete')"); err == nil {
		t.Error("the table accepts a tombstone without key")
	}
	page, err := st.Read(ctx, "", 10)
	if err != nil || len(page.Items) != 0 {
		t.Errorf("refused changes reached the feed: %+v, %v", page, err)
	}
}

func TestFeedRolledBackChangesNeverAppear(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 0)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if err := postgres.RecordChange(ctx, tx, "kind", "weg", changefeed.Upsert, nil); err != nil {
		t.Fatal(err)
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "kind", ID: "da", Operation: changefeed.Upsert}); err != nil {
		t.Fatal(err)
	}
	all, _ := feedReadAll(t, st, "", 10)
	if len(all) != 1 || all[0].ID != "da" {
		t.Fatalf("got %+v, want only the committed change", all)
	}
	if feedPos(t, all[0].Position) != 1 {
		t.Errorf("position %d: the rolled-back entry left a hole", feedPos(t, all[0].Position))
	}
}

// The case a plain sequence column gets wrong: a writer that started (and
// took the lower number) first commits last.
func TestFeedLongTransactionIsNotSkipped(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 0)

	slow, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer slow.Rollback(ctx) //nolint:errcheck
	if err := postgres.RecordChange(ctx, slow, "kind", "langsam", changefeed.Upsert, nil); err != nil {
		t.Fatal(err)
	}
	if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "kind", ID: "schnell", Operation: changefeed.Upsert}); err != nil {
		t.Fatal(err)
	}
	var slowID, fastID int64
	if err := pool.QueryRow(ctx, "SELECT max(id) FROM change_feed").Scan(&fastID); err != nil {
		t.Fatal(err)
	}
	if err := slow.QueryRow(ctx, "SELECT id FROM change_feed WHERE entity_id = 'langsam'").Scan(&slowID); err != nil {
		t.Fatal(err)
	}
	if slowID >= fastID {
		t.Fatalf("setup: the slow writer's insert number %d should be below the fast one's %d", slowID, fastID)
	}

	page, err := st.Read(ctx, "", 10)
	if err != nil || len(page.Items) != 1 || page.Items[0].ID != "schnell" {
		t.Fatalf("while the slow writer runs: %+v, %v", page, err)
	}
	if err := slow.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	page2, err := st.Read(ctx, page.Next, 10)
	if err != nil || len(page2.Items) != 1 || page2.Items[0].ID != "langsam" {
		t.Fatalf("after the slow writer committed: %+v, %v", page2, err)
	}
	if feedPos(t, page2.Items[0].Position) <= feedPos(t, page.Next) {
		t.Errorf("the late entry got position %s, not after %s", page2.Items[0].Position, page.Next)
	}
}

// Many writers commit out of order, in transactions from microseconds to
// half a second long, some rolled back, while clients poll two gateway
// instances with small pages. Every committed entry must reach each client
// exactly once, in rising position order, and nothing rolled back may.
func TestFeedConcurrentWritersNeverMissAnEntry(t *testing.T) {
	t.Parallel()
	const (
		writers     = 24
		txPerWriter = 30
	)
	ctx := context.Background()
	pools := feedPools(t, 2, writers+8)
	instances := []*postgres.FeedStore{postgres.NewFeedStore(pools[0], 0), postgres.NewFeedStore(pools[1], 0)}

	var (
		mu         sync.Mutex
		committed  = map[string]bool{}
		rolledBack = map[string]bool{}
		writing    sync.WaitGroup
		done       atomic.Bool
		start      = time.Now()
	)
	for w := range writers {
		writing.Add(1)
		go func() {
			defer writing.Done()
			rng := rand.New(rand.NewPCG(uint64(w), 42))
			pool := pools[w%2]
			for i := range txPerWriter {
				tx, err := pool.Begin(ctx)
				if err != nil {
					t.Error(err)
					return
				}
				var ids []string
				long := rng.IntN(10) == 0
				for j := range 1 + rng.IntN(5) {
					id := fmt.Sprintf("w%02d-t%02d-e%d", w, i, j)
					op, key := changefeed.Upsert, map[string]string(nil)
					if rng.IntN(4) == 0 {
						op, key = changefeed.Delete, map[string]string{"melde_id": id}
					}
					if err := postgres.RecordChange(ctx, tx, changefeed.EntityKind, id, op, key); err != nil {
						t.Error(err)
						tx.Rollback(ctx) //nolint:errcheck
						return
					}
					ids = append(ids, id)
					if rng.IntN(4) == 0 { // upserts recorded together: rows of up to 500 (migration 0125)
						n := 2 + rng.IntN(30)
						if rng.IntN(8) == 0 {
							n = 495 + rng.IntN(10)
						}
						batch := make([]changefeed.Change, n)
						for g := range batch {
							batch[g] = changefeed.Change{Entity: changefeed.EntityKind, ID: fmt.Sprintf("%s-g%03d", id, g), Operation: changefeed.Upsert}
							ids = append(ids, batch[g].ID)
						}
						if err := postgres.RecordChanges(ctx, tx, batch...); err != nil {
							t.Error(err)
							tx.Rollback(ctx) //nolint:errcheck
							return
						}
					}
					switch {
					case long:
						time.Sleep(time.Duration(50+rng.IntN(150)) * time.Millisecond)
					case rng.IntN(2) == 0:
						time.Sleep(time.Duration(rng.IntN(3000)) * time.Microsecond)
					}
				}
				rollback := rng.IntN(8) == 0
				if rollback {
					err = tx.Rollback(ctx)
				} else {
					err = tx.Commit(ctx)
				}
				if err != nil {
					t.Error(err)
					return
				}
				mu.Lock()
				for _, id := range ids {
					if rollback {
						rolledBack[id] = true
					} else {
						committed[id] = true
					}
				}
				mu.Unlock()
			}
		}()
	}
	go func() { writing.Wait(); done.Store(true) }()

	// A client: polls with the last next it got, switching instance on
	// every call, until the writers are done and a read comes back empty.
	type client struct {
		name  string
		limit int
		seen  map[string]int
		polls int
		err   error
	}
	poll := func(c *client, switchInstance bool) {
		after := ""
		prev := uint64(0)
		for k := 0; ; k++ {
			finished := done.Load() // before the read: an empty read after this proves the end
			st := instances[0]
			if switchInstance {
				st = instances[k%2]
			}
			page, err := st.Read(ctx, after, c.limit)
			c.polls++
			if err != nil {
				c.err = err
				return
			}
			if len(page.Items) == 0 {
				if page.Next != after {
					c.err = fmt.Errorf("empty page moved next")
					return
				}
				if finished {
					return
				}
				time.Sleep(time.Millisecond)
				continue
			}
			for _, e := range page.Items {
				p, err := changefeed.DecodePosition(e.Position)
				if err != nil || p <= prev {
					c.err = fmt.Errorf("position %d after %d (%v)", p, prev, err)
					return
				}
				prev = p
				c.seen[e.ID]++
			}
			after = page.Next
		}
	}
	clients := []*client{
		{name: "limit 7, alternating instances", limit: 7, seen: map[string]int{}},
		{name: "limit 50, one instance", limit: 50, seen: map[string]int{}},
	}
	var reading sync.WaitGroup
	for i, c := range clients {
		reading.Add(1)
		go func() { defer reading.Done(); poll(c, i == 0) }()
	}

	// The naive cursor a plain sequence gives: entries by insert number.
	// It is here only to show that the writers really commit out of order.
	naiveMissed := 0
	func() {
		var cursor int64
		seen := map[int64]bool{}
		for !done.Load() {
			rows, err := pools[1].Query(ctx, "SELECT id FROM change_feed WHERE id > $1 ORDER BY id LIMIT 7", cursor)
			if err != nil {
				t.Error(err)
				return
			}
			ids, err := pgx.CollectRows(rows, pgx.RowTo[int64])
			if err != nil {
				t.Error(err)
				return
			}
			for _, id := range ids {
				seen[id] = true
				cursor = id
			}
			time.Sleep(time.Millisecond)
		}
		rows, err := pools[1].Query(ctx, "SELECT id FROM change_feed WHERE id <= $1", cursor)
		if err != nil {
			t.Error(err)
			return
		}
		all, err := pgx.CollectRows(rows, pgx.RowTo[int64])
		if err != nil {
			t.Error(err)
			return
		}
		for _, id := range all {
			if !seen[id] {
				naiveMissed++
			}
		}
	}()
	reading.Wait()
	elapsed := time.Since(start)

	if len(committed) == 0 || len(rolledBack) == 0 {
		t.Fatalf("setup: %d committed, %d rolled back", len(committed), len(rolledBack))
	}
	for _, c := range clients {
		if c.err != nil {
			t.Errorf("%s: %v", c.name, c.err)
			continue
		}
		missing, twice, phantom := 0, 0, 0
		for id := range committed {
			switch c.seen[id] {
			case 0:
				missing++
			case 1:
			default:
				twice++
			}
		}
		for id := range c.seen {
			if !committed[id] {
				phantom++
			}
		}
		if missing+twice+phantom > 0 {
			t.Errorf("%s: %d committed entries missing, %d seen more than once, %d never committed (of %d)",
				c.name, missing, twice, phantom, len(committed))
		}
		t.Logf("%s: saw %d entries exactly once in %d polls", c.name, len(c.seen), c.polls)
	}
	t.Logf("%d writers, %d transactions, %d entries committed, %d rolled back, %v; a plain id cursor would have missed %d",
		writers, writers*txPerWriter, len(committed), len(rolledBack), elapsed.Round(time.Millisecond), naiveMissed)
}

func TestFeedPruneAndExpiredPositions(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 24*time.Hour)

	for i := range 10 { // a row each: each entry has its own time
		if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "kind", ID: fmt.Sprint(i), Operation: changefeed.Upsert}); err != nil {
			t.Fatal(err)
		}
	}
	all, _ := feedReadAll(t, st, "", 100)
	if len(all) != 10 {
		t.Fatalf("got %d entries", len(all))
	}
	// Entries 1–4 and 6 are old; 5 is fresh, so only 1–4 may go (a prefix).
	if _, err := pool.Exec(ctx, "UPDATE change_feed SET recorded_at = now() - interval '3 days' WHERE position IN (1, 2, 3, 4, 6)"); err != nil {
		t.Fatal(err)
	}
	// A change not yet numbered is kept, however old.
	if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "kind", ID: "spaet", Operation: changefeed.Upsert}); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE change_feed SET recorded_at = now() - interval '3 days' WHERE position IS NULL"); err != nil {
		t.Fatal(err)
	}
	n, err := st.Prune(ctx)
	if err != nil || n != 4 {
		t.Fatalf("Prune = %d, %v; want 4", n, err)
	}
	for _, expired := range []string{all[0].Position, all[2].Position} {
		if _, err := st.Read(ctx, expired, 10); !errors.Is(err, changefeed.ErrPositionExpired) {
			t.Errorf("read after pruned position %s: %v, want ErrPositionExpired", expired, err)
		}
	}
	// At the last pruned entry a client has missed nothing.
	rest, _ := feedReadAll(t, st, all[3].Position, 3)
	if len(rest) != 7 || rest[0].ID != "4" || rest[6].ID != "spaet" {
		t.Errorf("after the last pruned entry: %+v", rest)
	}
	// From the beginning means from the oldest kept entry.
	if fromStart, _ := feedReadAll(t, st, "", 100); len(fromStart) != 7 {
		t.Errorf("from the beginning: %d entries, want 7", len(fromStart))
	}
	if n, err := st.Prune(ctx); err != nil || n != 0 {
		t.Errorf("second Prune = %d, %v; want 0", n, err)
	}
	// Everything old: the whole feed goes, and the last position stays valid.
	if _, err := pool.Exec(ctx, "UPDATE change_feed SET recorded_at = now() - interval '3 days'"); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Prune(ctx); err != nil || n != 7 {
		t.Fatalf("third Prune = %d, %v; want 7", n, err)
	}
	last := rest[6].Position
	if p, err := st.Read(ctx, last, 10); err != nil || len(p.Items) != 0 || p.Next != last {
		t.Errorf("read at the newest position after pruning all: %+v, %v", p, err)
	}
	if _, err := st.Read(ctx, rest[5].Position, 10); !errors.Is(err, changefeed.ErrPositionExpired) {
		t.Errorf("read before the newest position after pruning all: %v", err)
	}
	if n, err := postgres.NewFeedStore(pool, 0).Prune(ctx); err != nil || n != 0 {
		t.Errorf("Prune without retention = %d, %v", n, err)
	}
}

// A backlog longer than one sequencer step (a bulk import's entries): each
// read numbers one step and still returns full pages, so a client at the
// head whose own write committed after the backlog gets either its entry
// or a page that ends before it, never a Next past it; paging on, it reads
// every entry once, in commit order, positions without a hole.
func TestFeedBacklogLongerThanAStep(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 0)
	if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "kind", ID: "vorher", Operation: changefeed.Upsert}); err != nil {
		t.Fatal(err)
	}
	_, head := feedReadAll(t, st, "", page.MaxLimit)

	const backlog = 12_000 // more than two steps
	bulk := make([]changefeed.Change, backlog)
	for i := range bulk {
		bulk[i] = changefeed.Change{Entity: "kind", ID: fmt.Sprintf("import-%05d", i), Operation: changefeed.Upsert}
	}
	if err := postgres.RecordChanges(ctx, pool, bulk...); err != nil {
		t.Fatal(err)
	}
	if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "kind", ID: "meins", Operation: changefeed.Upsert}); err != nil {
		t.Fatal(err)
	}
	after, got := head, []string{}
	for {
		p, err := st.Read(ctx, after, page.MaxLimit)
		if err != nil {
			t.Fatal(err)
		}
		if len(p.Items) == 0 {
			break
		}
		if len(p.Items) < page.MaxLimit && !slices.ContainsFunc(p.Items, func(e changefeed.Entry) bool { return e.ID == "meins" }) {
			t.Fatalf("page %d of %d entries ends before the own write without being full", len(got)/page.MaxLimit, len(p.Items))
		}
		for _, e := range p.Items {
			if want := feedPos(t, head) + uint64(len(got)) + 1; feedPos(t, e.Position) != want {
				t.Fatalf("entry %q at position %d, want %d", e.ID, feedPos(t, e.Position), want)
			}
			got = append(got, e.ID)
		}
		after = p.Next
	}
	if len(got) != backlog+1 || got[0] != "import-00000" || got[backlog-1] != fmt.Sprintf("import-%05d", backlog-1) || got[backlog] != "meins" {
		t.Fatalf("read %d entries (first %q, last %q), want the %d of the import, then the own write", len(got), got[0], got[len(got)-1], backlog)
	}
}

// feedQueued is the number of ranges queued for the sequencer (migration
// 0122) that the caller can see.
func feedQueued(t *testing.T, pool *pgxpool.Pool) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), "SELECT count(*) FROM change_feed_offen").Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// A statement's queued range (migration 0122) may hold another writer's
// entry. Whichever commits first, every entry is read exactly once, and
// the queue is empty after the reads. The ids are given by hand (past any
// the sequence gives in this test) so that the ranges overlap for sure.
func TestFeedRangesThatOverlap(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 0)
	// One statement for all ids: one range from the lowest to the highest.
	insert := func(tx pgx.Tx, ids ...int) {
		t.Helper()
		q := `INSERT INTO change_feed (id, entity, entity_id, operation) OVERRIDING SYSTEM VALUE
			SELECT i, 'kind', 'e' || i, 'upsert' FROM unnest($1::bigint[]) AS i`
		if _, err := tx.Exec(ctx, q, ids); err != nil {
			t.Fatal(err)
		}
	}
	// One sequencer step, then how many committed ranges are still queued:
	// a step leaves none it numbered to the end.
	stepQueued := func() int {
		t.Helper()
		if _, err := pool.Exec(ctx, "SELECT change_feed_assign(5000)"); err != nil {
			t.Fatal(err)
		}
		return feedQueued(t, pool)
	}
	var read []string
	after := ""
	readAll := func() {
		t.Helper()
		items, next := feedReadAll(t, st, after, 2)
		for _, e := range items {
			read = append(read, e.ID)
		}
		after = next
	}

	for _, tc := range []struct {
		name       string
		outer      []int // a writer whose range holds the inner one's
		inner      []int
		outerFirst bool // the outer writer commits first
		want       []string
	}{
		{"inner commits first", []int{1000, 1002}, []int{1001}, false, []string{"e1001", "e1000", "e1002"}},
		{"outer commits first", []int{2000, 2002}, []int{2001}, true, []string{"e2000", "e2002", "e2001"}},
		{"both before a read", []int{3000, 3003}, []int{3001, 3002}, true, []string{"e3000", "e3001", "e3002", "e3003"}},
	} {
		read = read[:0]
		outer, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		inner, err := pool.Begin(ctx)
		if err != nil {
			t.Fatal(err)
		}
		insert(outer, tc.outer...)
		insert(inner, tc.inner...)
		first, second := inner, outer
		if tc.outerFirst {
			first, second = outer, inner
		}
		if err := first.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if tc.name != "both before a read" {
			if n := stepQueued(); n != 0 {
				t.Errorf("%s: %d ranges queued after a step with one writer committed", tc.name, n)
			}
			readAll()
		}
		if err := second.Commit(ctx); err != nil {
			t.Fatal(err)
		}
		if n := stepQueued(); n != 0 {
			t.Errorf("%s: %d ranges queued after a step with both committed", tc.name, n)
		}
		readAll()
		if !slices.Equal(read, tc.want) {
			t.Errorf("%s: read %v, want %v", tc.name, read, tc.want)
		}
	}
}

// Many writing statements queue many ranges; each step numbers a batch of
// them, drops exactly the ranges it emptied and leaves the others queued,
// and the reads return every entry once, in the order written.
func TestFeedManySmallRanges(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 0)
	const n, batch = 12_000, 5_000
	if _, err := pool.Exec(ctx, fmt.Sprintf(`DO $$ BEGIN
		FOR i IN 1..%d LOOP
			INSERT INTO change_feed (entity, entity_id, operation) VALUES ('kind', 'k' || lpad(i::text, 5, '0'), 'upsert');
		END LOOP; END $$`, n)); err != nil {
		t.Fatal(err)
	}
	if q := feedQueued(t, pool); q != n {
		t.Fatalf("%d ranges queued for %d statements", q, n)
	}
	for _, step := range []struct{ numbered, queued int }{{batch, n - batch}, {batch, n - 2*batch}, {n - 2*batch, 0}} {
		var numbered int
		if err := pool.QueryRow(ctx, "SELECT change_feed_assign($1)", batch).Scan(&numbered); err != nil {
			t.Fatal(err)
		}
		if q := feedQueued(t, pool); numbered != step.numbered || q != step.queued {
			t.Fatalf("a step numbered %d and left %d ranges queued, want %d and %d", numbered, q, step.numbered, step.queued)
		}
	}
	items, _ := feedReadAll(t, st, "", page.MaxLimit)
	if len(items) != n {
		t.Fatalf("read %d entries, want %d", len(items), n)
	}
	for i, e := range items {
		if want := fmt.Sprintf("k%05d", i+1); e.ID != want || feedPos(t, e.Position) != uint64(i+1) {
			t.Fatalf("entry %d: %s at position %d, want %s at %d", i, e.ID, feedPos(t, e.Position), want, i+1)
		}
	}
}

// A feed with entries numbered and entries waiting when migration 0122
// replaces the pending index by the queue: the waiting ones are queued
// and read after the numbered ones, each once, and nothing stays queued.
func TestFeedMigrationQueuesWaitingEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	migrateBelow(t, pool, 122)
	record := func(ids ...string) { // as a writer before 0125 (RecordChanges fills its columns)
		t.Helper()
		for _, id := range ids {
			if _, err := pool.Exec(ctx, "INSERT INTO change_feed (entity, entity_id, operation) VALUES ('kind', $1, 'upsert')", id); err != nil {
				t.Fatal(err)
			}
		}
	}
	record("a", "b")
	if _, err := pool.Exec(ctx, "SELECT change_feed_assign(5000)"); err != nil { // the old step numbers a and b
		t.Fatal(err)
	}
	record("c", "d", "e")
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	items, _ := feedReadAll(t, postgres.NewFeedStore(pool, 0), "", 2)
	var got []string
	for i, e := range items {
		got = append(got, e.ID)
		if feedPos(t, e.Position) != uint64(i+1) {
			t.Errorf("%s at position %d, want %d", e.ID, feedPos(t, e.Position), i+1)
		}
	}
	if want := []string{"a", "b", "c", "d", "e"}; !slices.Equal(got, want) {
		t.Errorf("read %v, want %v", got, want)
	}
	if q := feedQueued(t, pool); q != 0 {
		t.Errorf("%d ranges queued after the reads", q)
	}
}

// The sequencer relies on READ COMMITTED; under another default it must
// fail loudly rather than number entries from a stale snapshot.
func TestFeedRefusesOtherIsolationLevels(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool, err := postgres.Open(ctx, feedURLWith(pgtest.URL(t), "default_transaction_isolation=repeatable%20read"))
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: "kind", ID: "1", Operation: changefeed.Upsert}); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.NewFeedStore(pool, 0).Read(ctx, "", 10); err == nil {
		t.Error("Read under REPEATABLE READ succeeded")
	}
}

// BenchmarkFeedRead: how fast a client can page through the feed.
// "numbered" reads entries that already have positions; "fresh" reads
// entries just written, so each page also pays for numbering them.
func BenchmarkFeedRead(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.Pool(b)
	st := postgres.NewFeedStore(pool, 0)
	const total = 100_000
	batch := make([]changefeed.Change, 1000)
	for i := range batch {
		batch[i] = changefeed.Change{Entity: changefeed.EntityKind, ID: fmt.Sprintf("kind-%06d", i), Operation: changefeed.Upsert}
	}
	for range total / len(batch) {
		if err := postgres.RecordChanges(ctx, pool, batch...); err != nil {
			b.Fatal(err)
		}
	}
	if err := st.Sequence(ctx); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "VACUUM ANALYZE change_feed"); err != nil {
		b.Fatal(err)
	}
	for _, limit := range []int{100, 1000} {
		b.Run(fmt.Sprintf("numbered/limit=%d", limit), func(b *testing.B) {
			after, entries := "", 0
			for b.Loop() {
				page, err := st.Read(ctx, after, limit)
				if err != nil {
					b.Fatal(err)
				}
				if len(page.Items) < limit {
					after = "" // wrap around
				} else {
					after = page.Next
				}
				entries += len(page.Items)
			}
			b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
		})
	}
	b.Run("fresh/limit=1000", func(b *testing.B) {
		after := ""
		p, err := st.Read(ctx, "", page.MaxLimit)
		for err == nil && len(p.Items) > 0 {
			after = p.Next
			p, err = st.Read(ctx, after, page.MaxLimit)
		}
		if err != nil {
			b.Fatal(err)
		}
		entries := 0
		for b.Loop() {
			b.StopTimer()
			if err := postgres.RecordChanges(ctx, pool, batch...); err != nil {
				b.Fatal(err)
			}
			b.StartTimer()
			page, err := st.Read(ctx, after, 1000)
			if err != nil {
				b.Fatal(err)
			}
			if len(page.Items) != len(batch) {
				b.Fatalf("read %d fresh entries, want %d", len(page.Items), len(batch))
			}
			after = page.Next
			entries += len(page.Items)
		}
		b.ReportMetric(float64(entries)/b.Elapsed().Seconds(), "entries/s")
	})
}

// BenchmarkFeedWriteOverhead: a writer's transaction (upsert a school)
// without and with recording the change, alternating in each iteration so
// that drift in the machine's load hits all alike. It reports the median
// of the plain write and what RecordChange adds to it. Numbering happens
// later, on the reader's side. ns/op is for both.
func BenchmarkFeedWriteOverhead(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.Pool(b)
	const upsert = `INSERT INTO schulen (schulnummer, name, schulform) VALUES ($1, $2, 'grundschule')
		ON CONFLICT (schulnummer) DO UPDATE SET name = EXCLUDED.name, updated_at = now()`
	const (
		plain = iota
		recorded
	)
	write := func(i, how int) time.Duration {
		start := time.Now()
		nr := fmt.Sprintf("%06d", i%500)
		tx, err := pool.Begin(ctx)
		if err != nil {
			b.Fatal(err)
		}
		defer tx.Rollback(ctx) //nolint:errcheck
		if _, err := tx.Exec(ctx, upsert, nr, fmt.Sprintf("Schule %d", i)); err != nil {
			b.Fatal(err)
		}
		if how == recorded {
			if err := postgres.RecordChange(ctx, tx, changefeed.EntitySchule, nr, changefeed.Upsert, nil); err != nil {
				b.Fatal(err)
			}
		}
		if err := tx.Commit(ctx); err != nil {
			b.Fatal(err)
		}
		return time.Since(start)
	}
	write(0, recorded) // prepare the statements
	times := make([][]time.Duration, 2)
	i := 0
	for b.Loop() {
		i++
		for how := range times {
			times[how] = append(times[how], write(i, how))
		}
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Nanoseconds()) / 1e3
	}
	p, r := median(times[plain]), median(times[recorded])
	b.ReportMetric(p, "µs/write")
	b.ReportMetric(r-p, "µs_added")
}

// BenchmarkFeedReadRoundTrips: a page of 100 numbered entries read as Read
// does it (the sequencer step and the read in one round trip) and as it was
// read before (the step, its answer awaited, then the read), alternating
// in each iteration so that the machine's load hits both alike. It reports
// the median of each in µs.
func BenchmarkFeedReadRoundTrips(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.Pool(b)
	st := postgres.NewFeedStore(pool, 0)
	// Entries of a row each (as RecordChange writes them): a page is 100 rows.
	if _, err := pool.Exec(ctx, `INSERT INTO change_feed (entity, entity_id, operation)
		SELECT 'kind', 'kind-' || lpad(i::text, 6, '0'), 'upsert' FROM generate_series(0, 9999) i`); err != nil {
		b.Fatal(err)
	}
	if err := st.Sequence(ctx); err != nil {
		b.Fatal(err)
	}
	twoRoundTrips := func(after int64) int {
		if err := st.Sequence(ctx); err != nil {
			b.Fatal(err)
		}
		rows, err := pool.Query(ctx, postgres.FeedPageSQL, after, 100)
		if err != nil {
			b.Fatal(err)
		}
		n := 0
		for rows.Next() {
			var (
				last, pruned   int64
				pos            *int64
				at             *time.Time
				entity, id, op *string
				key            []byte
				weitere        []string
			)
			if err := rows.Scan(&last, &pruned, &pos, &at, &entity, &id, &op, &key, &weitere); err != nil {
				b.Fatal(err)
			}
			if *pos > after { // the row before the page comes too (feedPageSQL)
				n++
			}
		}
		if rows.Err() != nil {
			b.Fatal(rows.Err())
		}
		return n
	}
	var one, two []time.Duration
	i := 0
	for b.Loop() {
		after := int64(i%90) * 100
		i++
		for k := range 2 { // each first in every other iteration
			t0 := time.Now()
			if (i+k)%2 == 0 {
				p, err := st.Read(ctx, changefeed.EncodePosition(uint64(after)), 100)
				if err != nil || len(p.Items) != 100 {
					b.Fatalf("%d entries, %v", len(p.Items), err)
				}
				one = append(one, time.Since(t0))
			} else {
				if twoRoundTrips(after) != 100 {
					b.Fatal("short page")
				}
				two = append(two, time.Since(t0))
			}
		}
	}
	median := func(d []time.Duration) float64 {
		slices.Sort(d)
		return float64(d[len(d)/2].Nanoseconds()) / 1e3
	}
	b.ReportMetric(median(one), "µs/read")
	b.ReportMetric(median(two), "µs/read_before")
}

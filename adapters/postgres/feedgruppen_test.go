package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/changefeed"
)

// gruppenFeed records a feed whose upserts share rows (migration 0125):
// 1,234 children (rows of 500, 500 and 234), a tombstone, three schools
// (one row), an upsert with a natural key and one child alone; it returns
// the entries a client must read, in their order.
func gruppenFeed(t *testing.T, ctx context.Context, db postgres.FeedCopier) []changefeed.Change {
	t.Helper()
	var want []changefeed.Change
	for i := range 1234 {
		want = append(want, changefeed.Change{Entity: changefeed.EntityKind, ID: fmt.Sprintf("k%04d", i), Operation: changefeed.Upsert})
	}
	want = append(want,
		changefeed.Change{Entity: changefeed.EntityKind, ID: "k0007", Operation: changefeed.Delete, Key: map[string]string{"id": "k0007"}},
		changefeed.Change{Entity: changefeed.EntitySchule, ID: "20101", Operation: changefeed.Upsert},
		changefeed.Change{Entity: changefeed.EntitySchule, ID: "20102", Operation: changefeed.Upsert},
		changefeed.Change{Entity: changefeed.EntitySchule, ID: "20103", Operation: changefeed.Upsert},
		changefeed.Change{Entity: "uebergang_zuteilung", ID: "a-1", Operation: changefeed.Upsert, Key: map[string]string{"kind_id": "k0001"}},
		changefeed.Change{Entity: changefeed.EntityKind, ID: "k9999", Operation: changefeed.Upsert},
	)
	if err := postgres.RecordChanges(ctx, db, want[:len(want)-1]...); err != nil {
		t.Fatal(err)
	}
	if err := postgres.RecordChanges(ctx, db, want[len(want)-1]); err != nil {
		t.Fatal(err)
	}
	return want
}

// Entries that share rows are read one by one, each at its own position,
// from whatever position a client starts and with whatever limit: pages
// that begin or end inside a row, at its edge, and across several rows.
// The rows are numbered by steps of two rows, so a step's positions
// continue the last step's.
func TestFeedGroupsReadAsEntries(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 0)
	want := gruppenFeed(t, ctx, pool)

	var rows int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM change_feed").Scan(&rows); err != nil {
		t.Fatal(err)
	}
	if rows != 7 { // 500 + 500 + 234, the tombstone, the schools, the keyed upsert, k9999
		t.Errorf("%d rows hold the %d entries, want 7", rows, len(want))
	}
	for {
		var n int
		if err := pool.QueryRow(ctx, "SELECT change_feed_assign(2)").Scan(&n); err != nil {
			t.Fatal(err)
		}
		if n == 0 {
			break
		}
	}
	same := func(got []changefeed.Entry, from int) {
		t.Helper()
		for i, e := range got {
			w := want[from+i]
			if feedPos(t, e.Position) != uint64(from+i+1) || e.Entity != w.Entity || e.ID != w.ID || e.Operation != w.Operation ||
				fmt.Sprint(e.Key) != fmt.Sprint(w.Key) || e.Time.IsZero() {
				t.Fatalf("entry %d: %+v, want %+v at position %d", from+i, e, w, from+i+1)
			}
		}
	}
	for _, limit := range []int{1, 7, 100, 499, 500, 501, 1000} {
		got, next := feedReadAll(t, st, "", limit)
		if len(got) != len(want) || feedPos(t, next) != uint64(len(want)) {
			t.Fatalf("limit %d: %d entries, next %s; want %d", limit, len(got), next, len(want))
		}
		same(got, 0)
	}
	for after := 0; after <= len(want); after++ {
		for _, limit := range []int{3, 100} {
			p, err := st.Read(ctx, changefeed.EncodePosition(uint64(after)), limit)
			if err != nil {
				t.Fatal(err)
			}
			if n := min(limit, len(want)-after); len(p.Items) != n {
				t.Fatalf("after %d, limit %d: %d entries, want %d", after, limit, len(p.Items), n)
			}
			same(p.Items, after)
		}
	}
}

// Retention drops whole rows: the entries of a row share its time. A
// client behind the dropped row is told so; one at its last entry reads on.
func TestFeedGroupsPruned(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	st := postgres.NewFeedStore(pool, 24*time.Hour)
	want := gruppenFeed(t, ctx, pool)
	if err := st.Sequence(ctx); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "UPDATE change_feed SET recorded_at = now() - interval '3 days' WHERE position IN (1, 1235)"); err != nil {
		t.Fatal(err)
	}
	if n, err := st.Prune(ctx); err != nil || n != 500 {
		t.Fatalf("Prune = %d, %v; want the first row's 500 entries", n, err)
	}
	for _, after := range []uint64{1, 499} {
		if _, err := st.Read(ctx, changefeed.EncodePosition(after), 10); !errors.Is(err, changefeed.ErrPositionExpired) {
			t.Errorf("read after pruned position %d: %v, want ErrPositionExpired", after, err)
		}
	}
	rest, _ := feedReadAll(t, st, changefeed.EncodePosition(500), 64)
	if len(rest) != len(want)-500 || rest[0].ID != "k0500" || feedPos(t, rest[0].Position) != 501 {
		t.Fatalf("after the pruned row: %d entries, first %+v", len(rest), rest[0])
	}
	if from, _ := feedReadAll(t, st, "", 1000); len(from) != len(want)-500 || from[0].ID != "k0500" {
		t.Errorf("from the beginning: %d entries", len(from))
	}
}

// The table keeps a row's entries what the BMS may be told of them: ids,
// an upsert without a natural key, and a count that is the ids'.
func TestFeedGroupsChecked(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	for _, q := range []string{
		`INSERT INTO change_feed (entity, entity_id, operation, natural_key, weitere, anzahl) VALUES ('kind', 'a', 'delete', '{"id": "a"}', '{b}', 2)`,
		`INSERT INTO change_feed (entity, entity_id, operation, natural_key, weitere, anzahl) VALUES ('kind', 'a', 'upsert', '{"id": "a"}', '{b}', 2)`,
		`INSERT INTO change_feed (entity, entity_id, operation, weitere, anzahl) VALUES ('kind', 'a', 'upsert', '{b, ""}', 3)`,
		`INSERT INTO change_feed (entity, entity_id, operation, weitere, anzahl) VALUES ('kind', 'a', 'upsert', '{b, NULL}', 3)`,
		`INSERT INTO change_feed (entity, entity_id, operation, weitere, anzahl) VALUES ('kind', 'a', 'upsert', '{b, c}', 2)`,
		`INSERT INTO change_feed (entity, entity_id, operation, weitere, anzahl) VALUES ('kind', 'a', 'upsert', '{{b}, {c}}', 3)`,
		`INSERT INTO change_feed (entity, entity_id, operation, anzahl) VALUES ('kind', 'a', 'upsert', 2)`,
	} {
		if _, err := pool.Exec(ctx, q); err == nil {
			t.Errorf("accepted: %s", q)
		}
	}
	if _, err := pool.Exec(ctx, `INSERT INTO change_feed (entity, entity_id, operation, weitere, anzahl) VALUES ('kind', 'a', 'upsert', '{b, c}', 3)`); err != nil {
		t.Errorf("a row of three entries refused: %v", err)
	}
}

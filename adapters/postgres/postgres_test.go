package postgres_test

import (
	"context"
	"io/fs"
	"log/slog"
	"sync"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/schule"
)

func TestMigrateIsIdempotent(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t) // already migrated from the template
	done, err := postgres.Migrate(context.Background(), pool)
	if err != nil {
		t.Fatal(err)
	}
	if len(done) != 0 {
		t.Errorf("second migration applied %v, want nothing", done)
	}
}

// Two instances starting together must not race: with the advisory lock one
// applies every migration and the other applies none.
func TestConcurrentMigrateOnEmptyDatabase(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, "DROP SCHEMA public CASCADE; CREATE SCHEMA public"); err != nil {
		t.Fatal(err)
	}
	var wg sync.WaitGroup
	results := make([][]string, 4)
	errs := make([]error, 4)
	for i := range 4 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			results[i], errs[i] = postgres.Migrate(ctx, pool)
		}()
	}
	wg.Wait()
	total := 0
	for i := range 4 {
		if errs[i] != nil {
			t.Fatalf("instance %d: %v", i, errs[i])
		}
		total += len(results[i])
	}
	entries, err := fs.ReadDir(postgres.MigrationFS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	ms := len(entries)
	if total != ms {
		t.Errorf("migrations applied %d times in all, want exactly %d", total, ms)
	}
}

func TestSchulenStore(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	st := postgres.NewSchulenStore(pgtest.Pool(t), nil)
	two := 2
	in := schule.Schule{Schulnummer: "01234", Name: "Grundschule Am Park", Schulform: schule.Grundschule, Traeger: schule.Kommunal, PLZ: "06108", Zuege: &two}

	got, created, err := st.Put(ctx, in)
	if err != nil || !created {
		t.Fatalf("first Put = created %v, %v; want created", created, err)
	}
	if got.Schulnummer != "01234" || *got.Zuege != 2 || got.PLZ != "06108" {
		t.Errorf("stored %+v", got)
	}
	again, created, err := st.Put(ctx, in)
	if err != nil || created {
		t.Fatalf("second Put = created %v, %v; want update", created, err)
	}
	if !again.UpdatedAt.Equal(got.UpdatedAt) {
		t.Error("an identical Put must not move updated_at")
	}
	in.Name = "Grundschule Am Stadtpark"
	changed, _, err := st.Put(ctx, in)
	if err != nil || changed.Name != in.Name || !changed.UpdatedAt.After(got.UpdatedAt) {
		t.Errorf("changing Put = %+v, %v", changed, err)
	}

	if _, err := st.Get(ctx, "99999"); err == nil {
		t.Fatal("Get of a missing school succeeded")
	} else if e, ok := apperr.As(err); !ok || e.Class != apperr.ClassNotFound {
		t.Errorf("Get missing = %v, want ClassNotFound", err)
	}
	list, err := st.List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != in.Name {
		t.Errorf("List = %+v, %v", list, err)
	}
}

// Two instances on one database: each caches the list, and a change made
// through either is seen by both (the other within the notification delay).
func TestSchulenCacheFollowsChangesOfOtherInstances(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := pgtest.URL(t)
	open := func() *postgres.SchulenStore {
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		changes := postgres.ListenChanges(ctx, url, slog.New(slog.DiscardHandler))
		waitFor(t, "listener up", func() bool { _, ok := changes.Generation(); return ok })
		return postgres.NewSchulenStore(pool, changes)
	}
	a, b := open(), open()
	put := func(st *postgres.SchulenStore, name string) {
		if _, _, err := st.Put(ctx, schule.Schule{Schulnummer: "20101", Name: name, Schulform: schule.Grundschule, Traeger: schule.Kommunal}); err != nil {
			t.Fatal(err)
		}
	}
	name := func(st *postgres.SchulenStore) string {
		list, err := st.List(ctx)
		if err != nil || len(list) != 1 {
			t.Fatalf("List = %v, %v", list, err)
		}
		return list[0].Name
	}
	put(a, "Erster Name")
	if got := name(a); got != "Erster Name" {
		t.Fatalf("a reads %q right after its own write", got)
	}
	_ = name(b) // b caches too
	put(b, "Zweiter Name")
	if got := name(b); got != "Zweiter Name" {
		t.Fatalf("b reads %q right after its own write", got)
	}
	waitFor(t, "a sees b's change", func() bool { return name(a) == "Zweiter Name" })
	// A change made straight in SQL (a migration, an import) counts too.
	if _, err := a.Pool().Exec(ctx, "UPDATE schulen SET name = 'Dritter Name'"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both see a SQL change", func() bool { return name(a) == "Dritter Name" && name(b) == "Dritter Name" })
}

func waitFor(t *testing.T, what string, cond func() bool) {
	t.Helper()
	deadline := time.Now().Add(5 * time.Second)
	for !cond() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out waiting: %s", what)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

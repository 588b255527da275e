package postgres_test

import (
	"context"
	"io/fs"
	"sync"
	"testing"

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
	if _, err := pool.Exec(ctx, "DROP TABLE schulen; DROP TABLE schema_migrations"); err != nil {
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
	st := postgres.NewSchulenStore(pgtest.Pool(t))
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
	} else if e, ok := apperr.As(err); !ok || e.Kind != apperr.KindNotFound {
		t.Errorf("Get missing = %v, want KindNotFound", err)
	}
	list, err := st.List(ctx)
	if err != nil || len(list) != 1 || list[0].Name != in.Name {
		t.Errorf("List = %+v, %v", list, err)
	}
}

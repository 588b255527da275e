package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"net/url"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// limitedImporter is an importer whose gateway connects as a role of its
// own, made by setup (as the superuser, on the test's database) from
// the privileges a city's DBA might give: every table's rows, every
// sequence, but not the ownership of the tables.
func limitedImporter(t *testing.T, setup string) (limited, admin *importer) {
	t.Helper()
	ctx := context.Background()
	admin = newImporter(t)
	role := fmt.Sprintf("sg_rolle_%x", rand.Uint64())
	if _, err := admin.pool.Exec(ctx, fmt.Sprintf(`CREATE ROLE %[1]s LOGIN;
		GRANT ALL ON ALL TABLES IN SCHEMA public TO %[1]s;
		GRANT ALL ON ALL SEQUENCES IN SCHEMA public TO %[1]s;
		GRANT USAGE, CREATE ON SCHEMA public TO %[1]s;`+setup, role)); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { // after the limited pool is closed (cleanups run last first)
		ctx := context.Background()
		if _, err := admin.pool.Exec(ctx, fmt.Sprintf("DROP OWNED BY %[1]s; DROP ROLE %[1]s", role)); err != nil {
			t.Logf("drop role %s: %v", role, err)
		}
	})
	var dbURL string
	if err := admin.pool.QueryRow(ctx, "SELECT current_database()").Scan(&dbURL); err != nil {
		t.Fatal(err)
	}
	u, err := url.Parse(pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	u.User, u.Path = url.User(role), "/"+dbURL
	pool, err := postgres.Open(ctx, u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	store := postgres.NewImportStore(pool, pseudonym)
	return &importer{t: t, pool: pool, store: store, svc: importing.NewService(store, importing.Limits{MaxBytes: 1 << 20})}, admin
}

// A gateway whose role may not do what the fast ways of loading the first
// register need loads it the general way, with the same result: without
// the ownership of kinder it may not drop the indexes (the bulk load
// gives up), and without the right to move kinder's id sequence the
// direct load cannot give the ids (it gives up after the lock).
func TestFirstRegisterWithoutPrivileges(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct{ name, setup string }{
		{"not the owner of kinder", ""},
		{"owner, sequence not to be moved", `ALTER TABLE kinder OWNER TO %[1]s;
			REVOKE UPDATE ON SEQUENCE kinder_id_seq FROM %[1]s;`},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			limited, _ := limitedImporter(t, tc.setup)
			general := newImporter(t)
			general.noBulk = true
			list := withRepeats(300)
			l := limited.run("melderegister", "skip", false, list)
			g := general.run("melderegister", "skip", false, list)
			if l.Status != importing.StatusSucceeded || l.Counts.Created < 200 {
				t.Fatalf("limited role: %s %+v %s", l.Status, l.Counts, l.Detail)
			}
			if limited.directLoads != 0 {
				t.Errorf("%d direct loads without the privileges", limited.directLoads)
			}
			sameResult(t, tc.name, limited, general, l, g)
		})
	}
}

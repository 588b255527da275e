package postgres_test

import (
	"bytes"
	"context"
	"io/fs"
	"strconv"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/audit"
)

// migrateBelow gives pool's database the schema of the migrations before
// version only, as a database had it before that one was written (the
// rest are applied by postgres.Migrate).
func migrateBelow(t *testing.T, pool *pgxpool.Pool, version int) {
	t.Helper()
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `DROP SCHEMA public CASCADE; CREATE SCHEMA public;
		CREATE TABLE schema_migrations (version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`); err != nil {
		t.Fatal(err)
	}
	entries, err := fs.ReadDir(postgres.MigrationFS(), ".")
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range entries {
		num, _, _ := strings.Cut(e.Name(), "_")
		v, _ := strconv.Atoi(num)
		if v >= version {
			continue
		}
		sql, err := fs.ReadFile(postgres.MigrationFS(), e.Name())
		if err != nil {
			t.Fatal(err)
		}
		if _, err := pool.Exec(ctx, string(sql)); err != nil {
			t.Fatalf("%s: %v", e.Name(), err)
		}
		if _, err := pool.Exec(ctx, "INSERT INTO schema_migrations (version, name) VALUES ($1, $2)", v, e.Name()); err != nil {
			t.Fatal(err)
		}
	}
}

// A trail written before the chain had a table of its own (migration
// 0118) keeps every entry: the chained ones keep their places and hashes,
// the ones waiting are chained after them, and the whole chain verifies.
// The old chaining is done here by hand, as the old chainer did it.
func TestAuditMigrationKeepsTheChain(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	migrateBelow(t, pool, 118)
	// Five entries chained the old way, then three waiting (two written
	// by one statement).
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (subject, operation, anzahl, ergebnis) SELECT 'alt', 'GET /v1/x', g, 200 FROM generate_series(1, 5) g`); err != nil {
		t.Fatal(err)
	}
	rows, err := pool.Query(ctx, "SELECT id, zeit, subject, rollen, client, operation, ressource, anzahl, request_id, ergebnis, detail FROM audit_log ORDER BY id")
	if err != nil {
		t.Fatal(err)
	}
	var (
		ids    []int64
		old    []audit.Entry
		prev   []byte
		hashes [][]byte
	)
	for rows.Next() {
		var id int64
		var e audit.Entry
		if err := rows.Scan(&id, &e.Time, &e.Subject, &e.Roles, &e.Client, &e.Operation, &e.Resource, &e.Count, &e.RequestID, &e.Result, &e.Detail); err != nil {
			t.Fatal(err)
		}
		e.Seq = int64(len(old) + 1)
		h := audit.Hash(prev, e)
		ids, old, hashes, prev = append(ids, id), append(old, e), append(hashes, h), h
	}
	if rows.Err() != nil || len(old) != 5 {
		t.Fatalf("%d entries: %v", len(old), rows.Err())
	}
	for i, id := range ids {
		p := []byte{} // the head's hash before the first entry, as the old chainer read it
		if i > 0 {
			p = hashes[i-1]
		}
		if _, err := pool.Exec(ctx, "UPDATE audit_log SET seq = $1, prev_hash = $2, hash = $3 WHERE id = $4", i+1, p, hashes[i], id); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := pool.Exec(ctx, "UPDATE audit_head SET last_seq = 5, last_hash = $1", prev); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (subject, operation, anzahl, ergebnis) VALUES ('wartend', 'GET /v1/y', 6, 200), ('wartend', 'GET /v1/y', 7, 200)`); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.Exec(ctx, `INSERT INTO audit_log (subject, operation, anzahl, ergebnis) VALUES ('wartend', 'GET /v1/z', 8, 200)`); err != nil {
		t.Fatal(err)
	}

	done, err := postgres.Migrate(ctx, pool)
	if err != nil || len(done) == 0 || !strings.HasPrefix(done[0], "0118_") {
		t.Fatalf("migrated %v: %v", done, err)
	}
	store := postgres.NewAuditStore(pool)
	if n, b, err := store.Verify(ctx); err != nil || b != nil || n != 8 {
		t.Fatalf("verify after the migration: %d entries, %+v, %v", n, b, err)
	}
	list, err := store.List(ctx, audit.Filter{Limit: 100})
	if err != nil || len(list) != 8 {
		t.Fatalf("list: %d, %v", len(list), err)
	}
	for i, e := range list {
		if e.Seq != int64(i+1) || *e.Count != i+1 {
			t.Errorf("place %d: seq %d, count %d", i+1, e.Seq, *e.Count)
		}
		if i < 5 && !bytes.Equal(e.Hash, hashes[i]) {
			t.Errorf("entry %d chained before the migration has a new hash", i+1)
		}
	}
	// The trail stays append-only.
	for _, q := range []string{"UPDATE audit_log SET subject = 'x'", "DELETE FROM audit_kette", "UPDATE audit_kette SET hash = ''", "INSERT INTO audit_log (operation, ergebnis) VALUES ('w', 200); DELETE FROM audit_offen", "TRUNCATE audit_kette"} {
		if _, err := pool.Exec(ctx, q); err == nil {
			t.Errorf("%s: accepted", q)
		}
	}
}

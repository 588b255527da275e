package postgres_test

import (
	"context"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
)

// The direct load's COPY leaves what pgx's CopyFrom leaves, for the types
// of a register and for columns of a domain type (described by their
// base type, as COPY's binary format wants them); a value a column cannot
// take fails the COPY, and the transaction can still be rolled back.
func TestCopyRowsAsPgx(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	for _, q := range []string{
		`CREATE DOMAIN copy_plz AS text CHECK (VALUE ~ '^[0-9]{5}$')`,
		`CREATE DOMAIN copy_tag AS date`,
		`CREATE TABLE copy_a (id bigint, name text, plz copy_plz, tag copy_tag, ja boolean, n integer, u uuid)`,
		`CREATE TABLE copy_b (LIKE copy_a)`,
	} {
		if _, err := tx.Exec(ctx, q); err != nil {
			t.Fatal(err)
		}
	}
	cols := []string{"id", "name", "plz", "tag", "ja", "n", "u"}
	tag := time.Date(2019, 7, 2, 0, 0, 0, 0, time.UTC)
	rows := [][]any{
		{int64(1), "Müller", "06108", tag, true, 7, "0b6c1d2e-3f40-4a5b-8c7d-9e0f1a2b3c4d"},
		{int64(2), nil, nil, nil, nil, nil, nil},
		{int64(3), "", "06110", "2020-02-29", false, int64(9), nil},
	}
	if n, err := postgres.CopyRows(ctx, tx, "copy_a", cols, rows); err != nil || n != 3 {
		t.Fatalf("CopyRows = %d, %v", n, err)
	}
	if _, err := tx.CopyFrom(ctx, pgx.Identifier{"copy_b"}, cols, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	var a, b string
	if err := tx.QueryRow(ctx, `SELECT (SELECT jsonb_agg(to_jsonb(x) ORDER BY id)::text FROM copy_a x),
		(SELECT jsonb_agg(to_jsonb(x) ORDER BY id)::text FROM copy_b x)`).Scan(&a, &b); err != nil {
		t.Fatal(err)
	}
	if a != b {
		t.Errorf("the direct load's COPY left\n%s\npgx's\n%s", a, b)
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT bad"); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.CopyRows(ctx, tx, "copy_a", cols, [][]any{{int64(4), "x", "6108", nil, nil, nil, nil}}); err == nil {
		t.Error("a PLZ of four digits was copied into the domain")
	}
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT bad"); err != nil {
		t.Fatalf("after the failed COPY: %v", err)
	}
}

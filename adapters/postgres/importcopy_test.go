package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"

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
	if n, err := postgres.CopyRows(ctx, tx, "copy_a", cols, pgx.CopyFromRows(rows)); err != nil || n != 3 {
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
	if _, err := postgres.CopyRows(ctx, tx, "copy_a", cols, pgx.CopyFromRows([][]any{{int64(4), "x", "6108", nil, nil, nil, nil}})); err == nil {
		t.Error("a PLZ of four digits was copied into the domain")
	}
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT bad"); err != nil {
		t.Fatalf("after the failed COPY: %v", err)
	}
}

// countingRows gives n rows {i} and calls at(i) before row i.
type countingRows struct {
	i, n int
	at   func(int)
}

func (c *countingRows) Next() bool {
	if c.i == c.n {
		return false
	}
	c.i++
	if c.at != nil {
		c.at(c.i)
	}
	return true
}
func (c *countingRows) Values() ([]any, error) { return []any{int64(c.i)}, nil }
func (c *countingRows) Err() error             { return nil }

// The direct load sends its COPYs one after the other without waiting for
// each to end. Three COPYs of which the second fails: the first error is
// PostgreSQL's for the second (the third is refused after it, its rows
// ignored), and after a rollback to the savepoint the connection works
// and holds what the first wrote before it. Cancelled in the middle of a
// COPY, the pipe returns the cancellation, without waiting for rows
// nobody reads, and closes the connection, whose answers are out of step:
// the pool gives a working connection again.
func TestCopyPipe(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	if _, err := pool.Exec(ctx, `CREATE TABLE pipe_a (n bigint CHECK (n <> 150000))`); err != nil {
		t.Fatal(err)
	}
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback(ctx) //nolint:errcheck
	if n, err := postgres.CopyRows(ctx, tx, "pipe_a", []string{"n"}, &countingRows{n: 1000}); n != 1000 || err != nil {
		t.Fatalf("one COPY: %d rows, %v", n, err)
	}
	if _, err := tx.Exec(ctx, "SAVEPOINT drei"); err != nil {
		t.Fatal(err)
	}
	_, err = postgres.CopyRows(ctx, tx, "pipe_a", []string{"n"}, &countingRows{n: 100}, &countingRows{n: 200_000}, &countingRows{n: 100})
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName != "pipe_a_n_check" {
		t.Fatalf("three COPYs, the second failing: %v", err)
	}
	if _, err := tx.Exec(ctx, "ROLLBACK TO SAVEPOINT drei"); err != nil {
		t.Fatalf("after the failed COPY: %v", err)
	}
	var n int
	if err := tx.QueryRow(ctx, `SELECT count(*) FROM pipe_a`).Scan(&n); err != nil || n != 1000 {
		t.Fatalf("after the rollback: %d rows, %v; want the first COPY's 1000", n, err)
	}

	cctx, cancel := context.WithCancel(ctx)
	defer cancel()
	conn, err := pool.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Release()
	tx2, err := conn.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	ended := make(chan error, 1)
	go func() {
		// Rows without end but for the cancellation at row 50,000.
		_, err := postgres.CopyRows(cctx, tx2, "pipe_a", []string{"n"}, &countingRows{n: 1 << 40, at: func(i int) {
			if i == 50_000 {
				cancel()
			}
		}})
		ended <- err
	}()
	select {
	case err := <-ended:
		if !errors.Is(err, context.Canceled) {
			t.Errorf("cancelled: %v", err)
		}
	case <-time.After(30 * time.Second):
		t.Fatal("the cancelled pipe did not end")
	}
	if !conn.Conn().PgConn().IsClosed() {
		// A write to the closed connection is what tells pgconn.
		if err := conn.Ping(ctx); err == nil {
			t.Error("the connection whose answers are out of step still answers")
		}
	}
	var one int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM pipe_a`).Scan(&one); err != nil || one != 0 {
		t.Errorf("a connection of the pool afterwards: %d rows, %v", one, err)
	}
}

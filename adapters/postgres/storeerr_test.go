package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/apperr"
)

// withURL returns dbURL with its database and user replaced where given.
func withURL(t *testing.T, dbURL, database, user string) string {
	t.Helper()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	if database != "" {
		u.Path = "/" + database
	}
	if user != "" {
		u.User = url.User(user)
	}
	return u.String()
}

func adminExec(t *testing.T, sql string) {
	t.Helper()
	ctx := context.Background()
	c, err := pgx.Connect(ctx, pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer c.Close(ctx)
	if _, err := c.Exec(ctx, sql); err != nil {
		t.Fatalf("%s: %v", sql, err)
	}
}

// A server that is up but does not admit the gateway — its database or
// role does not exist, the role may open no connection, nothing listens —
// is unavailable (503 with Retry-After), not an internal error.
func TestStoreErrRefusedAtConnectIsUnavailable(t *testing.T) {
	t.Parallel()
	base := pgtest.URL(t)
	suffix := fmt.Sprintf("%d", time.Now().UnixNano())
	limited := "sgtest_nolimit_" + suffix
	adminExec(t, fmt.Sprintf("CREATE ROLE %s LOGIN CONNECTION LIMIT 0", limited))
	t.Cleanup(func() { adminExec(t, "DROP ROLE IF EXISTS "+limited) })
	u, _ := url.Parse(base)
	noServer := *u
	noServer.Host = "127.0.0.1:1" // nothing listens there
	for name, dbURL := range map[string]string{
		"database does not exist": withURL(t, base, "sgtest_gibt_es_nicht_"+suffix, ""),
		"role does not exist":     withURL(t, base, "", "sgtest_niemand_"+suffix),
		"too many connections":    withURL(t, base, "", limited),
		"connection refused":      noServer.String(),
	} {
		t.Run(name, func(t *testing.T) {
			pool, err := postgres.Open(context.Background(), dbURL)
			if err != nil {
				t.Fatal(err)
			}
			defer pool.Close()
			_, err = postgres.NewSchulenStore(pool, nil).List(context.Background())
			if c := apperr.ClassOf(err); c != apperr.ClassUnavailable {
				t.Errorf("List = %v (class %v), want unavailable", err, c)
			}
		})
	}
}

// A value PostgreSQL cannot store is the client's (422), found with the
// database's own words; an error in the gateway's SQL or any error not
// from the database stays internal (no class: 500), never 503.
func TestStoreErrClassifiesServerErrors(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `CREATE TABLE probe (kurz varchar(5), lang text, CONSTRAINT probe_lang UNIQUE (lang))`); err != nil {
		t.Fatal(err)
	}
	// 2,800 characters that do not compress: too large for a btree entry.
	var noise strings.Builder
	for i := 0; noise.Len() < 2800; i++ {
		fmt.Fprintf(&noise, "%x", uint32(i)*2654435761)
	}
	for _, tc := range []struct {
		name string
		sql  string
		args []any
		want apperr.Class
	}{
		{"NUL byte", `INSERT INTO probe (lang) VALUES ($1)`, []any{"Mül\x00ler"}, apperr.ClassInvalid},
		{"NUL escape in jsonb", `SELECT $1::jsonb`, []any{`{"name":"a\u0000b"}`}, apperr.ClassInvalid},
		{"value too long for its column", `INSERT INTO probe (kurz) VALUES ($1)`, []any{"sechs!"}, apperr.ClassInvalid},
		{"value too long for its index", `INSERT INTO probe (lang) VALUES ($1)`, []any{noise.String()}, apperr.ClassInvalid},
		{"an error in the gateway's SQL", `SELECT * FROM gibt_es_nicht`, nil, 0},
		{"a constraint the gateway did not catch", `SELECT 1/0`, nil, 0},
	} {
		_, err := pool.Exec(ctx, tc.sql, tc.args...)
		if err == nil {
			t.Fatalf("%s: no error", tc.name)
		}
		got := postgres.StoreErr("probe", err)
		if c := apperr.ClassOf(got); c != tc.want {
			t.Errorf("%s: %v is class %v, want %v", tc.name, err, c, tc.want)
		}
		if e, ok := apperr.As(got); ok && strings.Contains(e.Detail, "probe") {
			t.Errorf("%s: detail %q shows internal text", tc.name, e.Detail)
		}
		if !errors.Is(got, err) {
			t.Errorf("%s: the cause is lost", tc.name)
		}
	}
	for _, err := range []error{errors.New("render: template missing"), pgx.ErrNoRows, context.Canceled} {
		if c := apperr.ClassOf(postgres.StoreErr("probe", err)); c != 0 {
			t.Errorf("%v is class %v, want none (500)", err, c)
		}
	}
	// Every connection taken: the wait for one ends with the request's time.
	one := mustParse(t, pgtest.URL(t))
	q := one.Query()
	q.Set("pool_max_conns", "1")
	one.RawQuery = q.Encode()
	full, err := postgres.Open(ctx, one.String())
	if err != nil {
		t.Fatal(err)
	}
	defer full.Close()
	held, err := full.Acquire(ctx)
	if err != nil {
		t.Fatal(err)
	}
	short, cancel := context.WithTimeout(ctx, 200*time.Millisecond)
	_, err = postgres.NewSchulenStore(full, nil).List(short)
	cancel()
	held.Release()
	if c := apperr.ClassOf(err); c != apperr.ClassUnavailable {
		t.Errorf("no connection free within the request's time: %v is class %v, want unavailable", err, c)
	}
	// A connection cut while a result is read ends in the socket's bare EOF.
	if c := apperr.ClassOf(postgres.StoreErr("probe", io.ErrUnexpectedEOF)); c != apperr.ClassUnavailable {
		t.Errorf("a cut connection is class %v, want unavailable", c)
	}
	pool.Close()
	if _, err := pool.Exec(ctx, `SELECT 1`); apperr.ClassOf(postgres.StoreErr("probe", err)) != apperr.ClassUnavailable {
		t.Errorf("closed pool: %v, want unavailable", err)
	}
}

// Backends terminated under running work (pg_terminate_backend: 57P01,
// or a connection found dead) are unavailable or succeed on a fresh
// connection; never an internal error.
func TestStoreErrTerminatedBackends(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	pool, err := postgres.Open(context.Background(), dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	admin, err := pgxpool.New(context.Background(), pgtest.AdminURL())
	if err != nil {
		t.Fatal(err)
	}
	defer admin.Close()
	database := strings.TrimPrefix(mustParse(t, dbURL).Path, "/")

	// One query is cut while it runs.
	ctx := context.Background()
	errc := make(chan error, 1)
	go func() {
		_, err := pool.Exec(ctx, `SELECT pg_sleep(5)`)
		errc <- err
	}()
	killed := 0
	for deadline := time.Now().Add(3 * time.Second); killed == 0 && time.Now().Before(deadline); {
		time.Sleep(20 * time.Millisecond)
		if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity
			WHERE datname = $1 AND query LIKE 'SELECT pg_sleep%'`, database).Scan(&killed); err != nil {
			t.Fatal(err)
		}
	}
	if killed == 0 {
		t.Fatal("the running query was never seen")
	}
	err = <-errc
	if c := apperr.ClassOf(postgres.StoreErr("sleep", err)); c != apperr.ClassUnavailable {
		t.Errorf("terminated query: %v is class %v, want unavailable", err, c)
	}

	// Many reads while every backend of the database is terminated again
	// and again.
	store := postgres.NewSchulenStore(pool, nil)
	stop := make(chan struct{})
	var mu sync.Mutex
	counts := map[string]int{}
	var wg sync.WaitGroup
	for range 4 {
		wg.Go(func() {
			for {
				select {
				case <-stop:
					return
				default:
				}
				_, err := store.List(ctx)
				outcome := "ok"
				if err != nil {
					outcome = apperr.ClassOf(err).String()
					if apperr.ClassOf(err) != apperr.ClassUnavailable {
						t.Errorf("List while backends are terminated: %v", err)
					}
				}
				mu.Lock()
				counts[outcome]++
				mu.Unlock()
			}
		})
	}
	terminated := 0
	for range 30 {
		time.Sleep(15 * time.Millisecond)
		var n int
		if err := admin.QueryRow(ctx, `SELECT count(pg_terminate_backend(pid)) FROM pg_stat_activity WHERE datname = $1`, database).Scan(&n); err != nil {
			t.Fatal(err)
		}
		terminated += n
	}
	close(stop)
	wg.Wait()
	if terminated == 0 || counts["ok"] == 0 {
		t.Fatalf("terminated %d backends, outcomes %v: the test did not exercise anything", terminated, counts)
	}
	// An idle pooled connection killed in the last round is noticed only
	// when it is used: that read answers unavailable (503), and the pool
	// recovers with the next connection. Recovery must come within seconds.
	deadline := time.Now().Add(5 * time.Second)
	for {
		_, err := store.List(ctx)
		if err == nil {
			break
		}
		if apperr.ClassOf(err) != apperr.ClassUnavailable || time.Now().After(deadline) {
			t.Fatalf("after the terminations: %v", err)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Logf("terminated %d backends; outcomes %v", terminated, counts)
}

func mustParse(t *testing.T, s string) *url.URL {
	t.Helper()
	u, err := url.Parse(s)
	if err != nil {
		t.Fatal(err)
	}
	return u
}

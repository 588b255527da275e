// Package postgres is the gateway's storage: a pgx pool, migrations
// embedded in the binary, and one store per capability.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// DefaultURL is used when DATABASE_URL is not set.
const DefaultURL = "postgres://postgres@127.0.0.1:5432/schulgateway?sslmode=disable"

// Open creates a pool. It does not wait for the database: the gateway must
// start (and answer /readyz with 503) while PostgreSQL is still away.
func Open(ctx context.Context, url string) (*pgxpool.Pool, error) {
	cfg, err := pgxpool.ParseConfig(url)
	if err != nil {
		return nil, fmt.Errorf("DATABASE_URL ist ungültig: %w", err)
	}
	if cfg.ConnConfig.ConnectTimeout == 0 || cfg.ConnConfig.ConnectTimeout > 3*time.Second {
		// A request must fail fast with 503 when the database is gone,
		// not hang for the OS's TCP timeout.
		cfg.ConnConfig.ConnectTimeout = 3 * time.Second
	}
	cfg.HealthCheckPeriod = 5 * time.Second
	if !strings.Contains(url, "pool_max_conns") {
		cfg.MaxConns = 16
	}
	return pgxpool.NewWithConfig(ctx, cfg)
}

// Ping reports whether the database answers within a second.
func Ping(ctx context.Context, pool *pgxpool.Pool) error {
	ctx, cancel := context.WithTimeout(ctx, time.Second)
	defer cancel()
	return pool.Ping(ctx)
}

// storeErr maps a storage error to the domain's typed errors: a failure to
// reach the server becomes KindUnavailable (503); a server-side error stays
// an internal error (500) whose text is logged, never shown.
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err // already a domain error (e.g. a conflict found inside a transaction)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		if pgErr.Code[:2] == "57" || pgErr.Code[:2] == "08" { // operator intervention, connection exception
			return apperr.Unavailable(fmt.Errorf("%s: %w", op, err))
		}
		return fmt.Errorf("%s: %w", op, err)
	}
	if errors.Is(err, pgx.ErrNoRows) || errors.Is(err, context.Canceled) || errors.Is(err, errLeaseLost) {
		return fmt.Errorf("%s: %w", op, err)
	}
	return apperr.Unavailable(fmt.Errorf("%s: %w", op, err))
}

func connect(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, cfg)
}

// Package postgres is the gateway's storage: a pgx pool, migrations
// embedded in the binary, and one store per capability.
package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"net"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/jackc/puddle/v2"

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

// storeErr maps a storage error to the domain's typed errors:
//   - the database cannot be reached or does not admit the gateway (refused
//     connection, FATAL at connect: no such database or role, too many
//     connections, starting up; a backend terminated or shut down, a lost
//     connection, a closed pool, no answer in time) → apperr.ClassUnavailable
//     (503 with Retry-After);
//   - a value PostgreSQL cannot store (a NUL byte, an invalid byte sequence,
//     a value too long for its column or index) → apperr.ClassInvalid (422).
//     The HTTP layer refuses such values before they get here, naming the
//     field; this is the safety net for a path it does not know;
//   - anything else stays an internal error (500): its text is logged,
//     never shown.
func storeErr(op string, err error) error {
	if err == nil {
		return nil
	}
	if _, ok := apperr.As(err); ok {
		return err // already a domain error (e.g. a conflict found inside a transaction)
	}
	err = fmt.Errorf("%s: %w", op, err)
	switch {
	case unavailable(err):
		return apperr.Unavailable(err)
	case unstorable(err):
		return apperr.Wrap(apperr.ClassInvalid, "Ein Wert enthält ein unzulässiges Zeichen (z. B. ein Nullbyte) "+
			"oder ist zu lang. Bitte die Eingaben prüfen.", err)
	}
	return err
}

// unavailable reports whether err means the database could not be used
// now, as opposed to refusing what the gateway asked of it.
func unavailable(err error) bool {
	if errors.Is(err, context.Canceled) {
		return false // the client went away; nobody reads the answer
	}
	var connectErr *pgconn.ConnectError
	if errors.As(err, &connectErr) {
		return true // refused, unreachable, or FATAL during startup (3D000, 28000, 28P01, 53300, 57P03)
	}
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) {
		switch pgErr.Code[:2] {
		case "08", // connection exception
			"53", // insufficient resources: too many connections, disk full, out of memory
			"57": // operator intervention: 57P01 admin shutdown, 57P02 crash shutdown, 57P03 cannot connect now
			return true
		}
		sev := pgErr.SeverityUnlocalized
		if sev == "" {
			sev = pgErr.Severity
		}
		return sev == "FATAL" || sev == "PANIC" // the server ended the session
	}
	// The connection broke: pgconn's errors of reading and writing it, or,
	// from a result being read, the bare EOF of the socket (pgproto3 turns
	// every EOF into io.ErrUnexpectedEOF).
	var netErr net.Error
	var transport interface{ SafeToRetry() bool }
	return errors.Is(err, puddle.ErrClosedPool) || errors.Is(err, pgconn.ErrConnClosed) ||
		errors.Is(err, context.DeadlineExceeded) || errors.Is(err, io.ErrUnexpectedEOF) ||
		errors.As(err, &netErr) || errors.As(err, &transport)
}

// unstorable reports whether PostgreSQL refused a value itself: bytes
// that are no text in the database's encoding (22021, e.g. a NUL byte;
// 22P05 in jsonb), a value too long for its column (22001) or for an index
// entry (54000).
func unstorable(err error) bool {
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) {
		return false
	}
	switch pgErr.Code {
	case "22021", "22P05", "22001", "54000":
		return true
	}
	return false
}

func connect(ctx context.Context, cfg *pgx.ConnConfig) (*pgx.Conn, error) {
	return pgx.ConnectConfig(ctx, cfg)
}

package postgres

import (
	"bytes"
	"context"
	"fmt"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
)

// Answer is the response kept for an Idempotency-Key. It is an alias of an
// unnamed struct so that a consumer (adapters/httpapi) can declare the same
// type, and an interface IdempotencyStore satisfies, without importing
// this package.
type Answer = struct {
	Status   int
	Location string
	Body     []byte
}

// IdempotencyStore keeps the first answer to each (caller, Idempotency-Key)
// in PostgreSQL, so that any number of gateway instances answer a retry
// alike.
type IdempotencyStore struct{ pool *pgxpool.Pool }

func NewIdempotencyStore(pool *pgxpool.Pool) *IdempotencyStore { return &IdempotencyStore{pool: pool} }

// Do returns the answer stored for (subject, key) when requestHash matches
// the request that stored it, and apperr.Invalid when it does not. For a
// new key it runs write and stores its answer in one transaction: write's
// context carries that transaction, and stores that write through
// inTx join it, so the key is claimed exactly when the write commits. A
// concurrent request with the same key waits on the key's row until then
// and gets the stored answer; if write fails, nothing is stored and the key
// stays free for a retry.
func (s *IdempotencyStore) Do(ctx context.Context, subject, key string, requestHash []byte, write func(context.Context) (Answer, error)) (Answer, error) {
	var (
		out      Answer
		writeErr error
	)
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		tag, err := tx.Exec(ctx, `INSERT INTO idempotency_keys (subject, key, request_hash) VALUES ($1, $2, $3)
			ON CONFLICT (subject, key) DO NOTHING`, subject, key, requestHash)
		if err != nil {
			return err
		}
		if tag.RowsAffected() == 0 {
			var hash []byte
			if err := tx.QueryRow(ctx, `SELECT request_hash, status, location, body FROM idempotency_keys
				WHERE subject = $1 AND key = $2`, subject, key).Scan(&hash, &out.Status, &out.Location, &out.Body); err != nil {
				return err
			}
			if !bytes.Equal(hash, requestHash) {
				return &apperr.Error{Class: apperr.ClassInvalid,
					Detail: "Dieser Idempotency-Key wurde schon für eine andere Anfrage verwendet. Für eine neue Anfrage bitte einen neuen Schlüssel wählen."}
			}
			audit.Result(ctx, out.Status, "") // the replay answers the stored status
			return nil
		}
		if out, writeErr = write(context.WithValue(ctx, txKey{}, tx)); writeErr != nil {
			return writeErr
		}
		audit.Result(ctx, out.Status, "") // the entry written with this transaction records the answer's status
		_, err = tx.Exec(ctx, `UPDATE idempotency_keys SET status = $3, location = $4, body = $5 WHERE subject = $1 AND key = $2`,
			subject, key, out.Status, out.Location, out.Body)
		return err
	})
	if writeErr != nil {
		return Answer{}, writeErr // already mapped by the store that wrote
	}
	if err != nil {
		return Answer{}, storeErr("idempotency key", err)
	}
	return out, nil
}

type txKey struct{}

// querier is what the stores query: a pool or a transaction.
type querier interface {
	Begin(ctx context.Context) (pgx.Tx, error)
	Exec(ctx context.Context, sql string, args ...any) (pgconn.CommandTag, error)
	Query(ctx context.Context, sql string, args ...any) (pgx.Rows, error)
	QueryRow(ctx context.Context, sql string, args ...any) pgx.Row
}

// dbFor returns the transaction ctx carries (see IdempotencyStore.Do), else
// the pool.
func dbFor(ctx context.Context, pool *pgxpool.Pool) querier {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return tx
	}
	return pool
}

// inTx runs fn in a transaction of its own, or inside the one ctx carries
// (as a savepoint). A transaction of its own also writes the request's
// pending audit entry (audit.FromContext) before it commits, so that the
// work and its record stand or fall together. Every store writes through
// inTx: one way to open a transaction.
func inTx(ctx context.Context, pool *pgxpool.Pool, fn func(pgx.Tx) error) error {
	if tx, ok := ctx.Value(txKey{}).(pgx.Tx); ok {
		return pgx.BeginFunc(ctx, tx, fn)
	}
	p := audit.FromContext(ctx)
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := fn(tx); err != nil {
			return err
		}
		if e, ok := p.Unwritten(http.StatusOK); ok {
			if err := insertAudit(ctx, tx, e); err != nil {
				// Without its record the work does not happen.
				return apperr.Unavailable(fmt.Errorf("write audit entry: %w", err))
			}
		}
		return nil
	})
	if err == nil {
		p.MarkWritten()
	}
	return err
}

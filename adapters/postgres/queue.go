package postgres

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
)

// leaseTime is how long a worker may hold a job without renewing.
const leaseTime = 2 * time.Minute

// jobQueue is a table used as a job queue, one row a job, with the columns
// status ('queued', 'running', then an end state), lease_until, attempts,
// created_at, started_at, finished_at and detail. Any instance's worker may
// take any job (FOR UPDATE SKIP LOCKED); the lease shows who works on it
// and is renewed while it works; a job whose process died is taken up again
// when its lease runs out, at most maxAttempts times. Imports and
// Schulpflicht reconciliations are queued this way: the job's row is also
// what its client polls, so queue and status are one.
type jobQueue struct {
	pool   *pgxpool.Pool
	table  string // a constant of this package, never input
	gaveUp string // German detail of a job given up after maxAttempts
}

// claim takes the oldest queued job, or a running one whose worker stopped
// renewing its lease, and leases it.
func (q jobQueue) claim(ctx context.Context, maxAttempts int) (string, bool, error) {
	// A job that crashed its worker maxAttempts times is given up, so one
	// poisonous job cannot keep every instance busy.
	if _, err := q.pool.Exec(ctx, fmt.Sprintf(`UPDATE %s SET status = 'failed', finished_at = now(), lease_until = NULL, detail = $2
		WHERE status = 'running' AND lease_until < now() AND attempts >= $1`, q.table), maxAttempts, q.gaveUp); err != nil {
		return "", false, storeErr("give up "+q.table, err)
	}
	var id string
	err := q.pool.QueryRow(ctx, fmt.Sprintf(`
		UPDATE %[1]s SET status = 'running', started_at = coalesce(started_at, now()),
			lease_until = now() + $1::interval, attempts = attempts + 1
		WHERE id = (
			SELECT id FROM %[1]s
			WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
			ORDER BY created_at
			FOR UPDATE SKIP LOCKED
			LIMIT 1)
		RETURNING id`, q.table), leaseTime.String()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", false, nil
	}
	if err != nil {
		return "", false, storeErr("claim from "+q.table, err)
	}
	return id, true, nil
}

// holdLease renews id's lease every quarter lease until release is called,
// so that no other instance takes the job while this one works on it. A
// failed renewal shows as a lost lease later.
func (q jobQueue) holdLease(ctx context.Context, id string) (release func()) {
	hctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(leaseTime / 4)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				_, _ = q.pool.Exec(hctx, fmt.Sprintf("UPDATE %s SET lease_until = now() + $2::interval WHERE id = $1 AND status = 'running'", q.table),
					id, leaseTime.String())
			}
		}
	}()
	return func() { stop(); <-done }
}

// runQueue looks for work every poll (and at once when woken) until ctx
// ends, and hands each claimed job to work, one after the other.
func runQueue(ctx context.Context, poll time.Duration, wake <-chan struct{}, log *slog.Logger, what string,
	claim func(context.Context) (string, bool, error), work func(context.Context, string)) {
	t := time.NewTimer(0)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		case <-wake:
		}
		for ctx.Err() == nil {
			id, ok, err := claim(ctx)
			if err != nil {
				log.Warn(what+" queue unavailable", "err", err)
				break
			}
			if !ok {
				break
			}
			work(ctx, id)
		}
		t.Reset(poll)
	}
}

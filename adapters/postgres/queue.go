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

// leaseTime is how long a worker may hold a job without renewing: a job
// whose process died is taken up by another instance within leaseTime plus
// one poll (issue 15: within 30 s). The heartbeat renews every
// leaseTime/3, so two renewals may fail (a slow database, a pause) before
// the lease runs out.
const leaseTime = 15 * time.Second

// heartbeat is how often a worker renews its lease.
const heartbeat = leaseTime / 3

// errLeaseLost: another worker took the job over (this one stalled past
// its lease); this worker's result must not be written.
var errLeaseLost = errors.New("lease lost: another worker owns the job now")

// jobQueue is a table used as a job queue, one row a job, with the columns
// status ('queued', 'running', then an end state), lease_until, attempts,
// created_at, started_at, finished_at and detail. Any instance's worker may
// take any job (FOR UPDATE SKIP LOCKED); the lease shows who works on it
// and is renewed by a heartbeat while it works; a job whose process died is
// taken up again when its lease runs out, at most maxAttempts times.
// Imports and Schulpflicht reconciliations are queued this way: the job's
// row is also what its client polls, so queue and status are one.
//
// attempts is the lease's fencing token: every claim increments it, and a
// worker renews and writes its result only while attempts is still the
// number its claim returned (fence). A worker that stalled past its lease
// and then wakes up finds the number moved on and writes nothing.
type jobQueue struct {
	pool   *pgxpool.Pool
	table  string // a constant of this package, never input
	gaveUp string // German detail of a job given up after maxAttempts
}

// jobLease is one claim of a job: the job and the attempt number the claim
// set (the fencing token).
type jobLease struct {
	table, id string
	attempt   int
}

type leaseKey struct{}

// withLease tells the code below ctx which claim it works under.
func withLease(ctx context.Context, l jobLease) context.Context {
	return context.WithValue(ctx, leaseKey{}, l)
}

func leaseFrom(ctx context.Context, table, id string) (jobLease, bool) {
	l, ok := ctx.Value(leaseKey{}).(jobLease)
	return l, ok && l.table == table && l.id == id
}

// claim takes the oldest queued job, or a running one whose worker stopped
// renewing its lease, and leases it.
func (q jobQueue) claim(ctx context.Context, maxAttempts int) (jobLease, bool, error) {
	// A job that crashed its worker maxAttempts times is given up, so one
	// poisonous job cannot keep every instance busy.
	if _, err := q.pool.Exec(ctx, fmt.Sprintf(`UPDATE %s SET status = 'failed', finished_at = now(), lease_until = NULL, detail = $2
		WHERE status = 'running' AND lease_until < now() AND attempts >= $1`, q.table), maxAttempts, q.gaveUp); err != nil {
		return jobLease{}, false, storeErr("give up "+q.table, err)
	}
	l := jobLease{table: q.table}
	err := q.pool.QueryRow(ctx, fmt.Sprintf(`
		UPDATE %[1]s SET status = 'running', started_at = coalesce(started_at, now()),
			lease_until = now() + $1::interval, attempts = attempts + 1
		WHERE id = (
			SELECT id FROM %[1]s
			WHERE status = 'queued' OR (status = 'running' AND lease_until < now())
			ORDER BY created_at
			FOR UPDATE SKIP LOCKED
			LIMIT 1)
		RETURNING id, attempts`, q.table), leaseTime.String()).Scan(&l.id, &l.attempt)
	if errors.Is(err, pgx.ErrNoRows) {
		return jobLease{}, false, nil
	}
	if err != nil {
		return jobLease{}, false, storeErr("claim from "+q.table, err)
	}
	return l, true, nil
}

// holdLease renews id's lease every heartbeat until release is called, so
// that no other instance takes the job while this one works on it. The
// returned context carries the claim (for fence) and ends when the lease
// is found lost, so the work stops early; a renewal that fails for another
// reason (database away) is tried again, and fence still protects the
// result. Without a claim in ctx (the CLI, which created the job running)
// the job's current attempt is taken as the claim.
func (q jobQueue) holdLease(ctx context.Context, id string) (context.Context, func()) {
	l, ok := leaseFrom(ctx, q.table, id)
	if !ok {
		l = jobLease{table: q.table, id: id}
		_ = q.pool.QueryRow(ctx, fmt.Sprintf("SELECT attempts FROM %s WHERE id = $1", q.table), id).Scan(&l.attempt)
		ctx = withLease(ctx, l)
	}
	hctx, stop := context.WithCancelCause(ctx)
	done := make(chan struct{})
	go func() {
		defer close(done)
		t := time.NewTicker(heartbeat)
		defer t.Stop()
		for {
			select {
			case <-hctx.Done():
				return
			case <-t.C:
				tag, err := q.pool.Exec(hctx, fmt.Sprintf(`UPDATE %s SET lease_until = now() + $2::interval
					WHERE id = $1 AND status = 'running' AND attempts = $3`, q.table), id, leaseTime.String(), l.attempt)
				if err == nil && tag.RowsAffected() == 0 {
					stop(errLeaseLost)
					return
				}
			}
		}
	}()
	return hctx, func() { stop(nil); <-done }
}

// fence locks the job's row in tx and checks that the claim ctx works
// under still owns it; the caller writes its result in tx only then, so
// the check and the write are one. Without a claim in ctx it checks
// nothing (a test that processes directly).
func fence(ctx context.Context, tx pgx.Tx, table, id string) error {
	l, ok := leaseFrom(ctx, table, id)
	if !ok {
		return nil
	}
	var owned bool
	err := tx.QueryRow(ctx, fmt.Sprintf("SELECT status = 'running' AND attempts = $2 FROM %s WHERE id = $1 FOR UPDATE", table), id, l.attempt).Scan(&owned)
	if errors.Is(err, pgx.ErrNoRows) || err == nil && !owned {
		return errLeaseLost
	}
	return err
}

// runQueue looks for work every poll (and at once when woken) until ctx
// ends, and hands each claimed job to work, one after the other.
func runQueue(ctx context.Context, poll time.Duration, wake <-chan struct{}, log *slog.Logger, what string,
	claim func(context.Context) (jobLease, bool, error), work func(context.Context, string)) {
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
			l, ok, err := claim(ctx)
			if err != nil {
				log.Warn(what+" queue unavailable", "err", err)
				break
			}
			if !ok {
				break
			}
			work(withLease(ctx, l), l.id)
		}
		t.Reset(poll)
	}
}

// leaseAttempt is the attempt number of the claim ctx works under (-1:
// none, so a fenced statement matches no row).
func leaseAttempt(ctx context.Context, table, id string) int {
	if l, ok := leaseFrom(ctx, table, id); ok {
		return l.attempt
	}
	return -1
}

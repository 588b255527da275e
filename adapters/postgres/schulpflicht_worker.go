package postgres

import (
	"context"
	"errors"
	"log/slog"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/audit"
)

// AbgleichWorker runs queued reconciliations in the background, the way
// Worker runs imports: the table abgleiche is the queue, any instance may
// take a job, a lease shows who works on it, and a job whose process died
// is taken up again when its lease runs out (at most MaxAttempts times).
type AbgleichWorker struct {
	pool *pgxpool.Pool
	run  func(ctx context.Context, id string) error
	log  *slog.Logger
	poll time.Duration
	wake chan struct{}
	// MaxAttempts bounds how often a job whose worker died is taken again.
	MaxAttempts int
	queue       jobQueue
}

// NewAbgleichWorker runs each claimed reconciliation with run (the
// service's Fuehre). One job at a time per instance: a run holds every
// resident and pupil in memory.
func NewAbgleichWorker(store *SchulpflichtStore, run func(ctx context.Context, id string) error, log *slog.Logger) *AbgleichWorker {
	return &AbgleichWorker{pool: store.pool, run: run, log: log, poll: time.Second, wake: make(chan struct{}, 1), MaxAttempts: 3,
		queue: jobQueue{pool: store.pool, table: "abgleiche",
			gaveUp: "Der Abgleich wurde mehrfach unterbrochen und daher abgebrochen. Bitte erneut starten."}}
}

// Wake asks the worker to look for work now rather than at the next poll.
func (w *AbgleichWorker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx ends. A job cut off by shutdown rolls back; its
// lease runs out and some instance takes it up again.
func (w *AbgleichWorker) Run(ctx context.Context) {
	runQueue(ctx, w.poll, w.wake, w.log, "abgleich",
		func(ctx context.Context) (jobLease, bool, error) { return w.queue.claim(ctx, w.MaxAttempts) }, w.process)
}

func (w *AbgleichWorker) process(ctx context.Context, id string) {
	ctx, release := w.queue.holdLease(ctx, id)
	defer release()
	// The run is audited in the transaction that stores its results, in the
	// name of whoever started it.
	var by string
	_ = w.pool.QueryRow(ctx, "SELECT created_by FROM abgleiche WHERE id = $1", id).Scan(&by)
	actx, _ := audit.Begin(ctx, audit.Entry{Subject: by, Client: "worker", Operation: "schulpflicht.abgleich", Resource: "id=" + id})
	start := time.Now()
	err := w.run(actx, id)
	switch {
	case err == nil:
		w.log.Info("abgleich done", "abgleich_id", id, "duration_ms", time.Since(start).Milliseconds())
	case ctx.Err() != nil || errors.Is(err, errLeaseLost):
		// Shutting down (the lease runs out and a worker takes it up again)
		// or taken over by another worker: the job is not this one's.
	default:
		w.log.Error("abgleich failed", "abgleich_id", id, "err", err)
		if _, err := w.pool.Exec(context.WithoutCancel(ctx), `UPDATE abgleiche SET status = 'failed', finished_at = now(), lease_until = NULL,
			detail = 'Beim Abgleich ist ein Fehler aufgetreten. Bitte erneut starten oder die Kennung an den IT-Betrieb melden.'
			WHERE id = $1 AND status = 'running' AND attempts = $2`, id, leaseAttempt(ctx, "abgleiche", id)); err != nil {
			// The lease runs out and the job is taken up again.
			w.log.Error("abgleich not marked failed", "abgleich_id", id, "err", err)
		}
	}
}

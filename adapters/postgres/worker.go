package postgres

import (
	"context"
	"errors"
	"log/slog"
	"sync"
	"time"
)

// Worker runs queued imports in the background. The queue is the imports
// table itself: any instance's worker may take any import, a lease shows
// which one is working on it, and an import whose worker died is taken up
// again when its lease runs out. The number of workers caps how many
// imports one instance runs at once.
type Worker struct {
	store *ImportStore
	proc  *Processor
	n     int
	poll  time.Duration
	log   *slog.Logger
	wake  chan struct{}
}

func NewWorker(proc *Processor, workers int, log *slog.Logger) *Worker {
	return &Worker{store: proc.store, proc: proc, n: max(1, workers), poll: time.Second, log: log, wake: make(chan struct{}, 1)}
}

// Wake asks the worker to look for work now (after a local upload) rather
// than at the next poll.
func (w *Worker) Wake() {
	select {
	case w.wake <- struct{}{}:
	default:
	}
}

// Run works until ctx ends. An import cut off by shutdown rolls back; its
// lease runs out and some instance takes it up again.
func (w *Worker) Run(ctx context.Context) {
	var wg sync.WaitGroup
	for range w.n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			w.loop(ctx)
		}()
	}
	wg.Wait()
}

func (w *Worker) loop(ctx context.Context) {
	runQueue(ctx, w.poll, w.wake, w.log, "import",
		func(ctx context.Context) (jobLease, bool, error) { return w.store.queue.claim(ctx, w.proc.MaxAttempts) },
		func(ctx context.Context, id string) {
			start := time.Now()
			if err := w.proc.Process(ctx, id, nil); errors.Is(err, errLeaseLost) {
				w.log.Warn("import failed: lease lost, another worker owns it now", "import_id", id)
			} else if err != nil {
				w.log.Error("import failed", "import_id", id, "err", err)
			} else {
				w.log.Info("import processed", "import_id", id, "duration_ms", time.Since(start).Milliseconds())
			}
		})
}

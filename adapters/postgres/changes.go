package postgres

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
)

const changeChannel = "schulgateway_changes"

// Changes tells in-process caches when the data behind them may have
// changed, in this instance or any other on the same database. It holds a
// LISTEN connection; every notification, every reconnect and every local
// write moves the generation on. While the listener is down, Generation
// reports not ok and caches must read from the database: a cache that
// might miss an invalidation is never used.
type Changes struct {
	gen         atomic.Uint64
	healthy     atomic.Bool
	connections atomic.Uint64 // LISTEN connections made so far
}

// ListenChanges starts the listener; it stops when ctx ends.
func ListenChanges(ctx context.Context, url string, log *slog.Logger) *Changes {
	c := &Changes{}
	go c.run(ctx, url, log)
	return c
}

// Generation returns the current generation and whether it can be trusted.
func (c *Changes) Generation() (uint64, bool) {
	if c == nil {
		return 0, false
	}
	healthy := c.healthy.Load()
	return c.gen.Load(), healthy
}

// Connections returns how many times the listener has connected, and
// whether it is connected now. A cache of data that never changes once
// written (the feed's numbered entries) keeps it for as long as the
// number stays the same: the database behind a new connection may be
// another one (a restore from a backup).
func (c *Changes) Connections() (uint64, bool) {
	if c == nil {
		return 0, false
	}
	healthy := c.healthy.Load()
	return c.connections.Load(), healthy
}

// Bump invalidates caches after a local write, so this instance reads its
// own writes even before the notification comes back.
func (c *Changes) Bump() {
	if c != nil {
		c.gen.Add(1)
	}
}

func (c *Changes) run(ctx context.Context, url string, log *slog.Logger) {
	backoff := 100 * time.Millisecond
	for ctx.Err() == nil {
		err := c.listen(ctx, url)
		c.healthy.Store(false)
		c.gen.Add(1)
		if ctx.Err() != nil {
			return
		}
		log.Warn("change listener disconnected; caches bypassed until it is back", "err", err)
		select {
		case <-ctx.Done():
			return
		case <-time.After(backoff):
		}
		backoff = min(2*backoff, 5*time.Second)
	}
}

func (c *Changes) listen(ctx context.Context, url string) error {
	cfg, err := pgx.ParseConfig(url)
	if err != nil {
		return err
	}
	cfg.ConnectTimeout = 3 * time.Second
	conn, err := pgx.ConnectConfig(ctx, cfg)
	if err != nil {
		return err
	}
	defer conn.Close(context.WithoutCancel(ctx))
	if _, err := conn.Exec(ctx, "LISTEN "+changeChannel); err != nil {
		return err
	}
	// Anything may have changed while we were not listening.
	c.gen.Add(1)
	c.connections.Add(1)
	c.healthy.Store(true)
	for {
		// A bounded wait lets a silently dead connection be noticed by the
		// ping below rather than block forever.
		wctx, cancel := context.WithTimeout(ctx, 10*time.Second)
		_, err := conn.WaitForNotification(wctx)
		cancel()
		switch {
		case err == nil:
			c.gen.Add(1)
		case ctx.Err() != nil:
			return ctx.Err()
		case wctx.Err() != nil:
			pctx, cancel := context.WithTimeout(ctx, 3*time.Second)
			err := conn.Ping(pctx)
			cancel()
			if err != nil {
				return err
			}
		default:
			return err
		}
	}
}

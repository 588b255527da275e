// Package fresh lets concurrent requests share a read of the database, but
// only a read that began after each of them arrived. A request therefore
// gets an answer at least as new as a read of its own would have been:
// whatever committed before it came is in the shared read's snapshot, so a
// client still reads its own writes. A request that comes while a read of
// its key runs waits for the next one, which starts when that ends; at
// most one read per key runs at a time.
//
// Used by the change feed's reads of one page (adapters/postgres) and the
// check of a cached cohort (internal/einschulung).
package fresh

import (
	"context"
	"sync"
)

// Group shares the reads of each key. The zero value is ready to use.
type Group[K comparable, V any] struct {
	mu    sync.Mutex
	lines map[K]*line[V]
}

type line[V any] struct {
	running bool
	next    *call[V] // the call that starts when the running one ends
}

type call[V any] struct {
	read func() V // the read of the first caller who waits for it
	done chan struct{}
	v    V
}

// Do returns the result of a call of read that began after Do was called.
// read runs in a goroutine of its own and must bound its own time: no
// request's context ends it. If ctx ends first, Do returns ctx.Err().
func (g *Group[K, V]) Do(ctx context.Context, k K, read func() V) (V, error) {
	g.mu.Lock()
	if g.lines == nil {
		g.lines = map[K]*line[V]{}
	}
	l := g.lines[k]
	if l == nil {
		l = &line[V]{}
		g.lines[k] = l
	}
	c := l.next
	if c == nil {
		c = &call[V]{read: read, done: make(chan struct{})}
		l.next = c
	}
	if !l.running {
		g.start(k, l)
	}
	g.mu.Unlock()
	select {
	case <-c.done:
		return c.v, nil
	case <-ctx.Done():
		var zero V
		return zero, ctx.Err()
	}
}

// start runs the line's next call; g.mu is held.
func (g *Group[K, V]) start(k K, l *line[V]) {
	c := l.next
	l.next, l.running = nil, true
	go func() {
		c.v = c.read()
		close(c.done)
		g.mu.Lock()
		defer g.mu.Unlock()
		if l.next != nil {
			g.start(k, l)
			return
		}
		l.running = false
		delete(g.lines, k)
	}()
}

package postgres

import (
	"context"
	"sync"
	"time"

	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/page"
)

// feedShare lets concurrent reads of the same page (the same after and
// limit: clients polling the head of the feed) share one database read,
// but only a read that began after each of them arrived. So every request
// still gets a page at least as new as a read of its own would have been:
// a writer that committed before the request began is in the shared
// read's snapshot, and its entry is in the page or after its Next (a
// client reads its own writes). A request that arrives while a read of its
// page is running waits for the next one, which starts when that ends; at
// most one read per page runs at a time.
type feedShare struct {
	mu    sync.Mutex
	lines map[feedKey]*feedLine
}

type feedKey struct {
	after uint64
	limit int
}

type feedLine struct {
	running bool
	next    *feedRead // the read that starts when the running one ends
}

type feedRead struct {
	done chan struct{}
	p    page.Page[changefeed.Entry]
	err  error
}

// feedReadTime bounds a shared read: no request's context ends it.
const feedReadTime = 30 * time.Second

// read returns the page after/limit from a call of do that began after
// this call did.
func (s *feedShare) read(ctx context.Context, after uint64, limit int, do func(context.Context) (page.Page[changefeed.Entry], error)) (page.Page[changefeed.Entry], error) {
	k := feedKey{after, limit}
	s.mu.Lock()
	if s.lines == nil {
		s.lines = map[feedKey]*feedLine{}
	}
	l := s.lines[k]
	if l == nil {
		l = &feedLine{}
		s.lines[k] = l
	}
	r := l.next
	if r == nil {
		r = &feedRead{done: make(chan struct{})}
		l.next = r
	}
	if !l.running {
		s.start(k, l, do)
	}
	s.mu.Unlock()
	select {
	case <-r.done:
		return r.p, r.err
	case <-ctx.Done():
		return page.Page[changefeed.Entry]{}, ctx.Err()
	}
}

// start runs the line's next read; s.mu is held.
func (s *feedShare) start(k feedKey, l *feedLine, do func(context.Context) (page.Page[changefeed.Entry], error)) {
	r := l.next
	l.next, l.running = nil, true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), feedReadTime)
		r.p, r.err = do(ctx)
		cancel()
		close(r.done)
		s.mu.Lock()
		defer s.mu.Unlock()
		if l.next != nil {
			s.start(k, l, do)
			return
		}
		l.running = false
		delete(s.lines, k)
	}()
}

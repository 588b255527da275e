package postgres

import (
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/page"
)

// feedCacheSlots is how many numbered entries a FeedStore keeps in memory
// (a power of two; about 2 MB, and up to 4 MB more for the entries'
// renderings, FeedStore.WithRendering).
const feedCacheSlots = 1 << 14

// feedCache keeps entries of the feed that a read has returned, by
// position, so that a full page of them is answered without PostgreSQL.
//
// Why a full page from memory is the page the database would give: an
// entry that has a position never changes (the sequencer writes it once;
// nothing else updates the table), and every position given later is
// greater than any a read has returned (package changefeed). So when the
// limit entries after `after` are all here, no writer, committed or not,
// can add one among them: its entry will come after them, and a client
// still reads its own writes on a later page. A page that is not full
// (the head of the feed, where a polling client waits) always goes to the
// database, whose sequencer step numbers what has committed.
//
// Deleted entries: only retention deletes (Prune, a prefix of entries
// recorded before the window). A page is answered from memory only if
// every entry in it was recorded within the window, so nothing retention
// may have deleted is served; this instance's Prune empties the cache.
// A database restored from a backup may have forgotten positions: the
// cache is used only while the change listener is connected, and emptied
// when it connects again (Changes.Connections), which a restore forces.
type feedCache struct {
	mu          sync.RWMutex
	connections uint64 // the listener's connection the entries were read under
	slots       [feedCacheSlots]feedSlot
	// last is the page that page made last, shared by the reads of the
	// same page that follow while its entries are held: a page of 100 entries
	// is 9.6 KB, and copying it for every read was three quarters of what
	// the full feed page's route allocated (38 collections in 5 s against
	// 11 for the children page; docs/performance.md, session 18). The
	// items are never changed after they are made, as the database's
	// pages shared by fresh.Group are not.
	last atomic.Pointer[feedPage]
}

// feedPage is a page made from the slots: after, limit and the listener's
// connection it was read under, and its items.
type feedPage struct {
	after       uint64
	limit       int
	connections uint64
	items       []changefeed.Entry
}

type feedSlot struct {
	pos uint64 // 0: empty
	e   changefeed.Entry
}

// page returns the limit entries after position after, if they are all
// held, were read under connection conn, and were recorded after oldest.
func (c *feedCache) page(after uint64, limit int, conn uint64, oldest time.Time) (page.Page[changefeed.Entry], bool) {
	c.mu.RLock()
	defer c.mu.RUnlock()
	if c.connections != conn || limit > feedCacheSlots {
		return page.Page[changefeed.Entry]{}, false
	}
	for p := after + 1; p <= after+uint64(limit); p++ {
		s := &c.slots[p%feedCacheSlots]
		if s.pos != p || s.e.Time.Before(oldest) {
			return page.Page[changefeed.Entry]{}, false
		}
	}
	// The entries are held (as checked above) and an entry at a position
	// never changes: the last page made, if it is this one, is what a copy
	// would give.
	if l := c.last.Load(); l != nil && l.after == after && l.limit == limit && l.connections == conn {
		return page.Page[changefeed.Entry]{Items: l.items, Next: l.items[limit-1].Position}, true
	}
	items := make([]changefeed.Entry, limit)
	for i := range items {
		items[i] = c.slots[(after+1+uint64(i))%feedCacheSlots].e
	}
	c.last.Store(&feedPage{after: after, limit: limit, connections: conn, items: items})
	return page.Page[changefeed.Entry]{Items: items, Next: items[limit-1].Position}, true
}

// put keeps the entries of a page read from the database under
// connection conn, each with what render (if not nil) makes of it;
// entries of an earlier connection are dropped first. items are shared
// with the reads that waited for them and are not changed.
func (c *feedCache) put(items []changefeed.Entry, conn uint64, render func(*changefeed.Entry) any) {
	if len(items) == 0 {
		return
	}
	if render != nil { // before the lock: the readers of the cache do not wait for it
		items = slices.Clone(items)
		for i := range items {
			items[i].Rendered = render(&items[i])
		}
	}
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.connections != conn {
		c.slots = [feedCacheSlots]feedSlot{}
		c.last.Store(nil)
		c.connections = conn
	}
	for _, e := range items {
		p, err := changefeed.DecodePosition(e.Position)
		if err != nil || p == 0 {
			continue // cannot happen for an entry read from the table
		}
		c.slots[p%feedCacheSlots] = feedSlot{pos: p, e: e}
	}
}

// clear forgets every entry (after Prune).
func (c *feedCache) clear() {
	c.mu.Lock()
	defer c.mu.Unlock()
	c.slots = [feedCacheSlots]feedSlot{}
	c.last.Store(nil)
}

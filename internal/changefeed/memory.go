package changefeed

import (
	"context"
	"maps"
	"sync"
	"time"
)

// Memory is a Store in memory, for tests of callers (the HTTP layer) that
// want a feed without a database. It has the same contract as the
// PostgreSQL store: positions from EncodePosition, Next == after when
// nothing is new, ErrPositionExpired before the oldest kept entry or past
// the newest given out. Record gives positions at once, so it has none of
// the commit-order concerns the PostgreSQL store solves.
type Memory struct {
	mu      sync.Mutex
	entries []Entry // in position order
	nums    []uint64
	last    uint64
	pruned  uint64 // every position up to here is gone
	Now     func() time.Time
}

// NewMemory returns an empty feed.
func NewMemory() *Memory { return &Memory{Now: time.Now} }

// Record appends changes; it returns the position of the last one.
func (m *Memory) Record(changes ...Change) (string, error) {
	for _, c := range changes {
		if err := c.Validate(); err != nil {
			return "", err
		}
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	now := m.Now()
	for _, c := range changes {
		m.last++
		m.nums = append(m.nums, m.last)
		m.entries = append(m.entries, Entry{
			Position: EncodePosition(m.last), Time: now, Entity: c.Entity, ID: c.ID,
			Operation: c.Operation, Key: maps.Clone(c.Key),
		})
	}
	return EncodePosition(m.last), nil
}

// Read implements Store.
func (m *Memory) Read(ctx context.Context, after string, limit int) (Page, error) {
	n, err := DecodePosition(after)
	if err != nil {
		return Page{}, err
	}
	m.mu.Lock()
	defer m.mu.Unlock()
	if n != 0 && (n < m.pruned || n > m.last) {
		return Page{}, ErrPositionExpired
	}
	page := Page{Next: after}
	for i, num := range m.nums {
		if num <= n {
			continue
		}
		if len(page.Items) == limit {
			break
		}
		e := m.entries[i]
		e.Key = maps.Clone(e.Key)
		page.Items = append(page.Items, e)
		page.Next = e.Position
	}
	return page, nil
}

// Prune drops entries recorded before cutoff, oldest first, stopping at
// the first newer one; it returns how many it dropped.
func (m *Memory) Prune(cutoff time.Time) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	k := 0
	for k < len(m.entries) && m.entries[k].Time.Before(cutoff) {
		k++
	}
	if k == 0 {
		return 0
	}
	m.pruned = m.nums[k-1]
	m.entries = m.entries[k:]
	m.nums = m.nums[k:]
	return k
}

// Package gcmode sets how often Go's collector runs in the gateway: a
// quarter as often as Go's default while it only answers requests, as
// often as the default while it receives or imports a list.
//
// A request leaves a few kilobytes of short-lived garbage, and with the
// default (GOGC=100) the small heap of a serving gateway is collected
// several times a second under load; each collection takes cores from
// the requests, which on a small machine shows in their p99. With
// GOGC=400 the audited reads answered 9–20 % more requests and their p99
// fell by 0.6–4.5 ms in every one of three alternating pairs
// (docs/performance.md, session 14). A list's import keeps tens of
// megabytes live while it streams; at 400 its peak doubled (1M CSV 125 →
// 234–274 MB) without being faster, so while a list is received,
// checked, marked or imported the default holds.
//
// An operator's GOGC wins: with it set, the mode changes nothing.
package gcmode

import (
	"runtime/debug"
	"sync"
)

const (
	// Serving is the collector's GOGC while the gateway only answers requests.
	Serving = 400
	// Lists is its GOGC while a list is received, checked, marked or
	// imported: Go's default.
	Lists = 100
)

// Mode switches between Serving and Lists. The nil *Mode does nothing
// (tests and tools that build parts of the gateway without it).
type Mode struct {
	mu    sync.Mutex
	lists int // lists being worked on
}

// New returns the process's mode, set to Serving, or nil when getenv
// names a GOGC (the operator's choice stays as it is).
func New(getenv func(string) string) *Mode {
	if getenv("GOGC") != "" {
		return nil
	}
	debug.SetGCPercent(Serving)
	return &Mode{}
}

// List marks work on a list until done is called: the collector runs at
// Lists until the last list's work is done. done may be called more than
// once.
func (m *Mode) List() (done func()) {
	if m == nil {
		return func() {}
	}
	m.mu.Lock()
	if m.lists++; m.lists == 1 {
		debug.SetGCPercent(Lists)
	}
	m.mu.Unlock()
	var once sync.Once
	return func() {
		once.Do(func() {
			m.mu.Lock()
			if m.lists--; m.lists == 0 {
				debug.SetGCPercent(Serving)
			}
			m.mu.Unlock()
		})
	}
}

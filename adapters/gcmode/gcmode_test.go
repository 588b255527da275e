package gcmode

import (
	"runtime/debug"
	"sync"
	"testing"
)

// readMu keeps two readers from seeing each other's -1. (The mode's own
// writes cannot come between: they happen only when no list is worked
// on, and every read below happens while one is, or with one goroutine.)
var readMu sync.Mutex

// gcPercent reads the collector's GOGC without changing it.
func gcPercent() int {
	readMu.Lock()
	defer readMu.Unlock()
	p := debug.SetGCPercent(-1)
	debug.SetGCPercent(p)
	return p
}

func env(m map[string]string) func(string) string { return func(k string) string { return m[k] } }

// The collector runs at Serving, at Lists while any list is worked on,
// and at Serving again once the last list is done; overlapping lists (two
// import workers, an upload during an import) keep Lists until the last.
func TestModeSwitchesWhileListsAreWorkedOn(t *testing.T) {
	defer debug.SetGCPercent(gcPercent())
	m := New(env(nil))
	if m == nil || gcPercent() != Serving {
		t.Fatalf("New without GOGC: mode %v, GOGC %d; want a mode and %d", m, gcPercent(), Serving)
	}
	a := m.List()
	if gcPercent() != Lists {
		t.Fatalf("during a list: GOGC %d, want %d", gcPercent(), Lists)
	}
	b := m.List()
	a()
	a() // a second call of the same done changes nothing
	if gcPercent() != Lists {
		t.Fatalf("one of two lists done: GOGC %d, want %d", gcPercent(), Lists)
	}
	b()
	if gcPercent() != Serving {
		t.Fatalf("all lists done: GOGC %d, want %d", gcPercent(), Serving)
	}

	var wg sync.WaitGroup // many at once end as they began
	for range 50 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			done := m.List()
			if p := gcPercent(); p != Lists {
				t.Errorf("during concurrent lists: GOGC %d", p)
			}
			done()
		}()
	}
	wg.Wait()
	if gcPercent() != Serving {
		t.Fatalf("after concurrent lists: GOGC %d, want %d", gcPercent(), Serving)
	}
}

// An operator's GOGC is left alone, and the nil mode does nothing.
func TestModeKeepsTheOperatorsGOGC(t *testing.T) {
	defer debug.SetGCPercent(debug.SetGCPercent(250))
	m := New(env(map[string]string{"GOGC": "250"}))
	if m != nil {
		t.Fatalf("New with GOGC set returned a mode")
	}
	done := m.List()
	done()
	if gcPercent() != 250 {
		t.Fatalf("GOGC %d, want the operator's 250", gcPercent())
	}
}

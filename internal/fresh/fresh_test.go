package fresh

import (
	"context"
	"sync"
	"sync/atomic"
	"testing"
	"time"
)

// Every caller gets the result of a read that began after it called, and
// callers that wait together share one: the reads here return a counter
// taken when they begin, which must not be below the counter a caller saw
// when it called.
func TestDoAnswersFromAReadThatBeganLater(t *testing.T) {
	var g Group[string, int64]
	var version, reads atomic.Int64
	read := func() int64 {
		reads.Add(1)
		v := version.Load()
		time.Sleep(time.Millisecond)
		return v
	}
	var wg sync.WaitGroup
	for range 16 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for range 50 {
				seen := version.Add(1)
				got, err := g.Do(context.Background(), "k", read)
				if err != nil || got < seen {
					t.Errorf("answer %d (%v) from a read older than the call (version %d)", got, err, seen)
					return
				}
			}
		}()
	}
	wg.Wait()
	if n := reads.Load(); n >= 16*50 {
		t.Errorf("%d reads for %d calls: none shared", n, 16*50)
	}
	// The last read's goroutine forgets the key once it has answered.
	for deadline := time.Now().Add(5 * time.Second); ; time.Sleep(time.Millisecond) {
		g.mu.Lock()
		n := len(g.lines)
		g.mu.Unlock()
		if n == 0 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("%d keys left behind", n)
		}
	}
}

// A caller whose context ends stops waiting; the read goes on for others.
func TestDoGivesUpWithItsContext(t *testing.T) {
	var g Group[int, string]
	release := make(chan struct{})
	ctx, cancel := context.WithCancel(context.Background())
	cancel()
	if _, err := g.Do(ctx, 1, func() string { <-release; return "spät" }); err != context.Canceled {
		t.Fatalf("err %v, want context.Canceled", err)
	}
	close(release)
	if v, err := g.Do(context.Background(), 1, func() string { return "neu" }); err != nil || v != "neu" {
		t.Fatalf("%q %v", v, err)
	}
}

package logwriter_test

import (
	"bufio"
	"bytes"
	"encoding/json"
	"fmt"
	"log/slog"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/logwriter"
)

// out is an output that can be stalled, like a pipe whose reader sleeps.
type out struct {
	mu    sync.Mutex
	buf   bytes.Buffer
	gate  chan struct{} // while open, Write waits
	stuck chan struct{} // receives when a Write starts waiting
}

func (o *out) Write(p []byte) (int, error) {
	if g := o.gate; g != nil {
		select {
		case o.stuck <- struct{}{}:
		default:
		}
		<-g
	}
	o.mu.Lock()
	defer o.mu.Unlock()
	return o.buf.Write(p)
}

func (o *out) lines(t *testing.T) []map[string]any {
	t.Helper()
	o.mu.Lock()
	defer o.mu.Unlock()
	var ls []map[string]any
	sc := bufio.NewScanner(bytes.NewReader(o.buf.Bytes()))
	for sc.Scan() {
		var m map[string]any
		if err := json.Unmarshal(sc.Bytes(), &m); err != nil {
			t.Fatalf("not a JSON line: %q", sc.Text())
		}
		ls = append(ls, m)
	}
	return ls
}

// Lines from many goroutines arrive whole, each once, in each goroutine's
// order, in the format of slog's JSON handler.
func TestLinesArriveWhole(t *testing.T) {
	o := &out{}
	w := logwriter.New(o, 0)
	log := slog.New(slog.NewJSONHandler(w, nil))
	var wg sync.WaitGroup
	for g := range 4 {
		wg.Go(func() {
			for i := range 500 {
				log.Info("request", "g", g, "i", i, "route", "/v1/schulen")
			}
		})
	}
	wg.Wait()
	w.Close(5 * time.Second)
	next := map[float64]float64{}
	ls := o.lines(t)
	for _, l := range ls {
		g, i := l["g"].(float64), l["i"].(float64)
		if i != next[g] || l["msg"] != "request" || l["level"] != "INFO" {
			t.Fatalf("line %v, want i=%v of goroutine %v", l, next[g], g)
		}
		next[g]++
	}
	if len(ls) != 2000 || w.Dropped() != 0 {
		t.Fatalf("%d lines, %d dropped; want 2000, 0", len(ls), w.Dropped())
	}
}

// A stalled output does not stall the logger: writes return at once, the
// lines the queue cannot hold are dropped and counted, and when the output
// moves again the count is written into the log.
func TestStalledOutputDropsAndReports(t *testing.T) {
	o := &out{gate: make(chan struct{}), stuck: make(chan struct{}, 1)}
	const queue = 16
	w := logwriter.New(o, queue)
	log := slog.New(slog.NewJSONHandler(w, nil))
	log.Info("request", "i", 0)
	<-o.stuck // the writing goroutine now hangs in the output with line 0
	start := time.Now()
	for i := range 200 {
		log.Info("request", "i", i+1)
	}
	if d := time.Since(start); d > 2*time.Second {
		t.Fatalf("200 lines took %v with the output stalled", d)
	}
	if d := w.Dropped(); d != 200-queue {
		t.Fatalf("dropped %d of 200 with a queue of %d, want %d", d, queue, 200-queue)
	}
	close(o.gate)
	w.Close(5 * time.Second)
	ls := o.lines(t)
	kept := 0
	var report map[string]any
	for _, l := range ls {
		if l["msg"] == "request" {
			kept++
		} else if strings.HasPrefix(fmt.Sprint(l["msg"]), "Logzeilen verworfen") {
			report = l
		}
	}
	if kept+int(w.Dropped()) != 201 {
		t.Fatalf("%d lines written + %d dropped ≠ 201", kept, w.Dropped())
	}
	if report == nil || report["dropped_total"] != float64(w.Dropped()) || report["level"] != "WARN" {
		t.Fatalf("no report of %d dropped lines among %v", w.Dropped(), ls[len(ls)-1])
	}
}

// Close returns within its time even when the output is stuck and the
// queue full.
func TestCloseWithAStuckOutput(t *testing.T) {
	o := &out{gate: make(chan struct{}), stuck: make(chan struct{}, 1)}
	defer close(o.gate)
	w := logwriter.New(o, 4)
	w.Write([]byte("{}\n")) //nolint:errcheck
	<-o.stuck
	for range 10 {
		w.Write([]byte("{}\n")) //nolint:errcheck
	}
	start := time.Now()
	w.Close(100 * time.Millisecond)
	if d := time.Since(start); d > 5*time.Second {
		t.Fatalf("Close took %v", d)
	}
}

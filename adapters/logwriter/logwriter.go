// Package logwriter puts a queue between the gateway's log and its output
// (stdout, read by journald or a container runtime), so that no request
// waits for the output.
//
// slog's JSON handler holds one mutex while it writes a line. Written
// straight to a pipe, the write(2) happens under that mutex: when the
// pipe's reader is slow, every request that logs (the access log: all of
// them) queues behind the one writing. Measured with the log going through
// a pipe to another process under 32 connections, goroutines waited 26 s
// in 5 s on that mutex (docs/performance.md, issue 18).
//
// A Writer copies each line into a bounded queue and returns; one goroutine
// writes what is queued, several lines per write(2). When the queue is full
// (the output has not taken anything for the queue's length in lines), the
// line is dropped and counted rather than blocking the request: the log is
// operational, the audit trail is elsewhere (PostgreSQL) and waits for
// nobody's log. When the output takes lines again, the Writer reports the
// count in a log line of its own ("Logzeilen verworfen"), and Dropped gives
// the total (the metric schulgateway_log_lines_dropped_total).
package logwriter

import (
	"context"
	"io"
	"log/slog"
	"sync"
	"sync/atomic"
	"time"
)

// DefaultLines is the queue's length in lines.
const DefaultLines = 8192

// flushBytes is about how much one write(2) carries at most.
const flushBytes = 64 << 10

// Writer is an io.Writer for a slog handler; see the package doc. Each
// Write must be one whole line, as slog's handlers write them.
type Writer struct {
	out     io.Writer
	lines   chan *[]byte
	free    sync.Pool
	dropped atomic.Uint64
	done    chan struct{}
	closing sync.Once
	report  *slog.Logger // writes the drop reports to out, from the writing goroutine only
}

// New starts a Writer onto out with a queue of lines lines (≤ 0: DefaultLines).
func New(out io.Writer, lines int) *Writer {
	if lines <= 0 {
		lines = DefaultLines
	}
	w := &Writer{out: out, lines: make(chan *[]byte, lines), done: make(chan struct{})}
	w.free.New = func() any { b := make([]byte, 0, 256); return &b }
	w.report = slog.New(slog.NewJSONHandler(out, nil))
	go w.run()
	return w
}

// Write queues a copy of p and returns at once; it never fails. A full
// queue drops p and counts it.
func (w *Writer) Write(p []byte) (int, error) {
	b := w.free.Get().(*[]byte)
	*b = append((*b)[:0], p...)
	select {
	case w.lines <- b:
	default:
		w.dropped.Add(1)
		w.free.Put(b)
	}
	return len(p), nil
}

// Dropped is how many lines were dropped so far.
func (w *Writer) Dropped() uint64 { return w.dropped.Load() }

// Close writes what is queued and stops, waiting at most timeout for the
// output. Lines written after Close are dropped.
func (w *Writer) Close(timeout time.Duration) {
	ctx, cancel := context.WithTimeout(context.Background(), timeout)
	defer cancel()
	w.closing.Do(func() {
		select {
		case w.lines <- nil: // a marker behind the queued lines
		case <-ctx.Done(): // the queue is full and the output stuck
		}
	})
	select {
	case <-w.done:
	case <-ctx.Done():
	}
}

func (w *Writer) run() {
	defer close(w.done)
	buf := make([]byte, 0, flushBytes)
	var reported uint64
	for {
		b := <-w.lines
		if b == nil {
			return
		}
		buf = w.take(buf[:0], b)
		stop := false
	more: // whatever else is queued goes into the same write, up to flushBytes
		for len(buf) < flushBytes {
			select {
			case b := <-w.lines:
				if b == nil {
					stop = true
					break more
				}
				buf = w.take(buf, b)
			default:
				break more
			}
		}
		w.out.Write(buf) //nolint:errcheck // nowhere to report a broken stdout
		if d := w.dropped.Load(); d != reported {
			w.report.Warn("Logzeilen verworfen: die Ausgabe hat sie nicht schnell genug abgenommen",
				"dropped", d-reported, "dropped_total", d)
			reported = d
		}
		if stop {
			return
		}
	}
}

func (w *Writer) take(buf []byte, b *[]byte) []byte {
	buf = append(buf, *b...)
	if cap(*b) <= 4<<10 { // keep the pool's buffers small
		w.free.Put(b)
	}
	return buf
}

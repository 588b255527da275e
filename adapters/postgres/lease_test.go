package postgres_test

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// The lease tests run a worker in a separate process (this test binary,
// re-executed with leaseHelperEnv set) so that it can really be killed
// with SIGKILL or stopped with SIGSTOP.
const leaseHelperEnv = "SCHULGATEWAY_LEASE_HELPER"

func TestMain(m *testing.M) {
	if mode := os.Getenv(leaseHelperEnv); mode != "" {
		leaseHelper(mode)
		return
	}
	os.Exit(m.Run())
}

// schoolList is a list of one school whose name tells which worker read it.
func schoolList(name string) importing.Tables {
	return importing.Tables{{Name: "Schulen", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Schulnummer", "Name", "Schulform"}},
		{Number: 2, Cells: []string{"20101", name, "grundschule"}},
	}}}
}

// leaseHelper is the separate worker process: it runs the import worker
// and the reconciliation worker of the gateway against the database in
// SCHULGATEWAY_TEST_DB; each job it claims is announced on stdout
// ("claimed import <id>") and then waits - until the file named by
// SCHULGATEWAY_RESUME exists (then the import goes on with the list
// "Name aus Prozess A"), or for ever. The worker's log is JSON on stdout.
func leaseHelper(mode string) {
	ctx := context.Background()
	pool, err := postgres.Open(ctx, os.Getenv("SCHULGATEWAY_TEST_DB"))
	if err != nil {
		fmt.Println("helper: open:", err)
		os.Exit(2)
	}
	var mu sync.Mutex
	say := func(format string, args ...any) {
		mu.Lock()
		defer mu.Unlock()
		fmt.Printf(format+"\n", args...)
	}
	log := slog.New(slog.NewJSONHandler(os.Stdout, nil))
	resume := os.Getenv("SCHULGATEWAY_RESUME")
	store := postgres.NewImportStore(pool, pseudonym)
	proc := postgres.NewProcessor(store, func(ctx context.Context, f importing.File, _ string) (importing.Source, error) {
		say("claimed import")
		for {
			if _, err := os.Stat(resume); resume != "" && err == nil {
				return schoolList("Name aus Prozess A"), nil
			}
			select {
			case <-ctx.Done():
				return nil, ctx.Err()
			case <-time.After(20 * time.Millisecond):
			}
		}
	})
	go postgres.NewWorker(proc, 1, log).Run(ctx)
	if mode == "both" {
		aw := postgres.NewAbgleichWorker(postgres.NewSchulpflichtStore(pool), func(ctx context.Context, id string) error {
			say("claimed abgleich")
			<-ctx.Done()
			return ctx.Err()
		}, log)
		go aw.Run(ctx)
	}
	select {}
}

// helperProcess starts the worker process and returns it with a channel
// of its stdout lines.
func helperProcess(t *testing.T, mode, dbURL, resume string) (*exec.Cmd, <-chan string) {
	t.Helper()
	cmd := exec.Command(os.Args[0], "-test.run=^$")
	cmd.Env = append(os.Environ(), leaseHelperEnv+"="+mode, "SCHULGATEWAY_TEST_DB="+dbURL, "SCHULGATEWAY_RESUME="+resume)
	out, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = os.Stderr
	if err := cmd.Start(); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() {
		_ = cmd.Process.Signal(syscall.SIGCONT)
		_ = cmd.Process.Kill()
		_ = cmd.Wait()
	})
	lines := make(chan string, 100)
	go func() {
		defer close(lines)
		sc := bufio.NewScanner(out)
		for sc.Scan() {
			lines <- sc.Text()
		}
		_, _ = io.Copy(io.Discard, out)
	}()
	return cmd, lines
}

// await waits for lines containing each of want (in any order).
func await(t *testing.T, lines <-chan string, timeout time.Duration, want ...string) []string {
	t.Helper()
	deadline := time.After(timeout)
	var seen []string
	missing := map[string]bool{}
	for _, w := range want {
		missing[w] = true
	}
	for len(missing) > 0 {
		select {
		case l, ok := <-lines:
			if !ok {
				t.Fatalf("worker process ended before %v; said %q", want, seen)
			}
			seen = append(seen, l)
			for w := range missing {
				if strings.Contains(l, w) {
					delete(missing, w)
				}
			}
		case <-deadline:
			t.Fatalf("worker process did not say %v within %s; said %q", want, timeout, seen)
		}
	}
	return seen
}

// TestKilledWorkerIsTakenOverWithin30s kills a worker process with
// SIGKILL while it holds an import and a reconciliation, then measures
// how long until a worker in this process takes each over.
func TestKilledWorkerIsTakenOverWithin30s(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	ctx := context.Background()
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewImportStore(pool, pseudonym)
	svc := importing.NewService(store, importing.Limits{MaxBytes: 1 << 20})
	imp, err := svc.Submit(ctx, importing.Request{Kind: "schulen", Filename: "schulen.xlsx", CreatedBy: "test"}, bytes.NewReader([]byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	spStore := postgres.NewSchulpflichtStore(pool)
	ab, err := spStore.CreateAbgleich(ctx, time.Date(2026, 8, 1, 0, 0, 0, 0, time.UTC), "test")
	if err != nil {
		t.Fatal(err)
	}

	cmd, lines := helperProcess(t, "both", dbURL, "")
	await(t, lines, 30*time.Second, "claimed import", "claimed abgleich")
	if err := cmd.Process.Signal(syscall.SIGKILL); err != nil {
		t.Fatal(err)
	}
	_ = cmd.Wait()
	killed := time.Now()

	wctx, stop := context.WithCancel(ctx)
	defer stop()
	importTaken, abgleichTaken := make(chan time.Duration, 1), make(chan time.Duration, 1)
	proc := postgres.NewProcessor(store, func(context.Context, importing.File, string) (importing.Source, error) {
		select {
		case importTaken <- time.Since(killed):
		default:
		}
		return schoolList("Grundschule Am Anger"), nil
	})
	go postgres.NewWorker(proc, 1, slog.New(slog.DiscardHandler)).Run(wctx)
	aw := postgres.NewAbgleichWorker(spStore, func(ctx context.Context, id string) error {
		select {
		case abgleichTaken <- time.Since(killed):
		default:
		}
		_, err := spStore.SaveErgebnis(ctx, id, nil)
		return err
	}, slog.New(slog.DiscardHandler))
	go aw.Run(wctx)

	for what, ch := range map[string]chan time.Duration{"import": importTaken, "abgleich": abgleichTaken} {
		select {
		case d := <-ch:
			t.Logf("%s taken over %.1f s after kill -9", what, d.Seconds())
			if d > 30*time.Second {
				t.Errorf("%s taken over after %s, want at most 30 s", what, d)
			}
		case <-time.After(45 * time.Second):
			t.Fatalf("%s not taken over within 45 s of kill -9", what)
		}
	}
	// Both jobs end as the new owner ran them.
	deadline := time.Now().Add(10 * time.Second)
	for {
		var si, sa string
		if err := pool.QueryRow(ctx, `SELECT (SELECT status FROM imports WHERE id = $1), (SELECT status FROM abgleiche WHERE id = $2)`, imp.ID, ab.ID).Scan(&si, &sa); err != nil {
			t.Fatal(err)
		}
		if si == "succeeded" && sa == "succeeded" {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("after takeover: import %s, abgleich %s; want both succeeded", si, sa)
		}
		time.Sleep(50 * time.Millisecond)
	}
}

// TestStalledWorkerCannotOverwriteNewOwner stops a worker process
// (SIGSTOP) while it holds an import, lets a worker here take the import
// over and finish it, then lets the stopped process go on: it must not
// write its list over the new owner's result.
func TestStalledWorkerCannotOverwriteNewOwner(t *testing.T) {
	t.Parallel()
	dbURL := pgtest.URL(t)
	ctx := context.Background()
	pool, err := postgres.Open(ctx, dbURL)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	store := postgres.NewImportStore(pool, pseudonym)
	svc := importing.NewService(store, importing.Limits{MaxBytes: 1 << 20})
	imp, err := svc.Submit(ctx, importing.Request{Kind: "schulen", Filename: "schulen.xlsx", CreatedBy: "test"}, bytes.NewReader([]byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	resume := t.TempDir() + "/weiter"
	cmd, lines := helperProcess(t, "import", dbURL, resume)
	await(t, lines, 30*time.Second, "claimed import")
	if err := cmd.Process.Signal(syscall.SIGSTOP); err != nil {
		t.Fatal(err)
	}

	// The new owner takes the import over once the stopped one's lease
	// has run out, and finishes it.
	wctx, stop := context.WithCancel(ctx)
	proc := postgres.NewProcessor(store, func(context.Context, importing.File, string) (importing.Source, error) {
		return schoolList("Name aus Prozess B"), nil
	})
	done := make(chan struct{})
	go func() { defer close(done); postgres.NewWorker(proc, 1, slog.New(slog.DiscardHandler)).Run(wctx) }()
	deadline := time.Now().Add(45 * time.Second)
	for {
		got, err := store.Get(ctx, imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		if got.Status == importing.StatusSucceeded {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("import not taken over from the stopped worker: status %s", got.Status)
		}
		time.Sleep(100 * time.Millisecond)
	}
	stop()
	<-done
	var attempts int
	if err := pool.QueryRow(ctx, "SELECT attempts FROM imports WHERE id = $1", imp.ID).Scan(&attempts); err != nil {
		t.Fatal(err)
	}
	if attempts != 2 {
		t.Fatalf("attempts = %d, want 2 (the stopped worker's claim, then the new owner's)", attempts)
	}
	before, err := store.Get(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}

	// The stopped worker wakes up and goes on with its (older) list.
	if err := os.WriteFile(resume, nil, 0o600); err != nil {
		t.Fatal(err)
	}
	if err := cmd.Process.Signal(syscall.SIGCONT); err != nil {
		t.Fatal(err)
	}
	said := await(t, lines, 30*time.Second, "import failed")
	if !strings.Contains(strings.Join(said, "\n"), "lease lost") {
		t.Errorf("the stalled worker did not report its lost lease: %q", said)
	}
	var name string
	if err := pool.QueryRow(ctx, "SELECT name FROM schulen WHERE schulnummer = '20101'").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if name != "Name aus Prozess B" {
		t.Errorf("school name %q: the stalled worker overwrote the new owner's result", name)
	}
	after, err := store.Get(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if after.Status != importing.StatusSucceeded || after.Counts != before.Counts || !after.FinishedAt.Equal(*before.FinishedAt) {
		t.Errorf("import changed after the stalled worker woke: %s %+v, was %s %+v", after.Status, after.Counts, before.Status, before.Counts)
	}
	var feed int
	if err := pool.QueryRow(ctx, "SELECT count(*) FROM change_feed_eintraege WHERE entity_id = '20101'").Scan(&feed); err != nil {
		t.Fatal(err)
	}
	if feed != 1 {
		t.Errorf("%d change feed entries for the school, want 1 (the new owner's creation)", feed)
	}
}

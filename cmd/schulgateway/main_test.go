package main

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
)

// syncBuffer collects a command's output while it runs.
type syncBuffer struct {
	mu sync.Mutex
	b  bytes.Buffer
}

func (s *syncBuffer) Write(p []byte) (int, error) {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.Write(p)
}

func (s *syncBuffer) String() string {
	s.mu.Lock()
	defer s.mu.Unlock()
	return s.b.String()
}

func freeAddr(t *testing.T) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer ln.Close()
	return ln.Addr().String()
}

// The way a newcomer uses the binary: seed the demo city, mint a dev token,
// serve, call the API with the token, stop with a signal (context).
func TestServeEndToEnd(t *testing.T) {
	addr := freeAddr(t)
	vars := map[string]string{
		"DATABASE_URL":     pgtest.URL(t),
		"LISTEN_ADDR":      addr,
		"SCHULGATEWAY_DEV": "true",
		"DEV_KEY_FILE":     filepath.Join(t.TempDir(), "dev-key.json"),
	}
	getenv := func(k string) string { return vars[k] }
	ctx := context.Background()

	var out, errOut syncBuffer
	if err := run(ctx, []string{"seed-demo"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("seed-demo: %v (%s)", err, errOut.String())
	}
	if err := run(ctx, []string{"seed-demo"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("second seed-demo: %v", err)
	}
	var tok syncBuffer
	if err := run(ctx, []string{"token", "--role", "bms"}, getenv, &tok, &errOut); err != nil {
		t.Fatalf("token: %v", err)
	}

	sctx, stop := context.WithCancel(ctx)
	done := make(chan error, 1)
	var logs syncBuffer
	go func() { done <- run(sctx, []string{"serve"}, getenv, &logs, &errOut) }()
	waitReady(t, "http://"+addr+"/readyz", done)

	req, _ := http.NewRequest("GET", "http://"+addr+"/v1/schulen", nil)
	req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.String()))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	var got struct {
		Items []struct{ Schulnummer, Schulform string }
	}
	if resp.StatusCode != 200 || json.Unmarshal(body, &got) != nil {
		t.Fatalf("GET /v1/schulen = %d %s", resp.StatusCode, body)
	}
	if len(got.Items) != 10 {
		t.Errorf("demo city after two seeds has %d schools, want 10", len(got.Items))
	}

	// The BMS reads the change feed: every answer's audit entry is chained
	// as it is written, the demo's imports' entries by the chainer; after
	// the server stops, `audit verify` finds every entry in one chain.
	// Every read of the first page says the same, whether it came from
	// the database or from the cache, whose entries carry their JSON.
	var (
		wg     sync.WaitGroup
		mu     sync.Mutex
		seiten = map[string]int{}
	)
	for range 8 {
		wg.Go(func() {
			for range 5 {
				req, _ := http.NewRequest("GET", "http://"+addr+"/v1/changes?limit=5", nil)
				req.Header.Set("Authorization", "Bearer "+strings.TrimSpace(tok.String()))
				resp, err := http.DefaultClient.Do(req)
				if err != nil {
					t.Error(err)
					return
				}
				body, _ := io.ReadAll(resp.Body)
				resp.Body.Close()
				if resp.StatusCode != 200 {
					t.Errorf("GET /v1/changes = %d", resp.StatusCode)
				}
				mu.Lock()
				seiten[string(body)]++
				mu.Unlock()
			}
		})
	}
	wg.Wait()
	if len(seiten) != 1 {
		t.Errorf("the first page of the feed read 40 times gave %d different answers: %v", len(seiten), seiten)
	}
	for seite := range seiten {
		var p struct {
			Items []struct{ Position, Entity, ID string }
		}
		if err := json.Unmarshal([]byte(seite), &p); err != nil || len(p.Items) != 5 || p.Items[4].Position == "" {
			t.Errorf("first page of the feed: %v %s", err, seite)
		}
	}
	// The batch writer's commits of those entries are on /metrics: at
	// least one, at most one per read.
	resp, err = http.Get("http://" + addr + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	body, _ = io.ReadAll(resp.Body)
	resp.Body.Close()
	_, count, _ := strings.Cut(string(body), "\nschulgateway_audit_commit_seconds_count ")
	count, _, _ = strings.Cut(count, "\n")
	if n, err := strconv.Atoi(count); err != nil || n < 1 || n > 40 {
		t.Errorf("audit commits on /metrics: %q after 40 audited reads (%v)", count, err)
	}

	// A keep-alive connection the server has not yet marked idle when
	// shutdown starts is only closed when it times out (fasthttp); a client
	// going away first, as ours does here, is the usual case.
	http.DefaultClient.CloseIdleConnections()
	stop()
	select {
	case err := <-done:
		if err != nil {
			t.Fatalf("serve returned %v after shutdown", err)
		}
	case <-time.After(10 * time.Second):
		t.Fatal("serve did not stop within 10s")
	}
	if !strings.Contains(logs.String(), `"route":"/v1/schulen"`) {
		t.Errorf("access log lacks the request: %s", logs.String())
	}
	pool, err := postgres.Open(ctx, vars["DATABASE_URL"])
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	var entries, reads int
	if err := pool.QueryRow(ctx, `SELECT count(*), count(*) FILTER (WHERE operation = 'GET /v1/changes') FROM audit_log`).Scan(&entries, &reads); err != nil || reads != 40 {
		t.Fatalf("%d entries of reads of the feed, want 40: %v", reads, err)
	}
	var verified syncBuffer
	if err := run(ctx, []string{"audit", "verify"}, getenv, &verified, &errOut); err != nil ||
		!strings.Contains(verified.String(), fmt.Sprintf("unversehrt: %d Einträge", entries)) {
		t.Fatalf("audit verify after serving: %v %q, want all %d entries intact", err, verified.String(), entries)
	}
}

func waitReady(t *testing.T, url string, done chan error) {
	t.Helper()
	deadline := time.Now().Add(15 * time.Second)
	for time.Now().Before(deadline) {
		select {
		case err := <-done:
			t.Fatalf("serve ended early: %v", err)
		default:
		}
		if resp, err := http.Get(url); err == nil {
			resp.Body.Close()
			if resp.StatusCode == 200 {
				return
			}
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("gateway not ready within 15s")
}

func TestServeRefusesToStartWithoutKeySource(t *testing.T) {
	var out, errOut syncBuffer
	err := run(context.Background(), []string{"serve"}, func(string) string { return "" }, &out, &errOut)
	if err == nil || !strings.Contains(err.Error(), "JWT_ISSUER") {
		t.Fatalf("serve without configuration = %v, want refusal naming JWT_ISSUER", err)
	}
}

func TestUsage(t *testing.T) {
	var out, errOut syncBuffer
	if err := run(context.Background(), []string{"frobnicate"}, func(string) string { return "" }, &out, &errOut); exitCode(err) != 2 {
		t.Errorf("unknown command: exit %d, want 2", exitCode(err))
	}
	for _, cmd := range []string{"serve", "migrate", "seed-demo", "token"} {
		errOut = syncBuffer{}
		err := run(context.Background(), []string{cmd, "--help"}, func(string) string { return "" }, &out, &errOut)
		if exitCode(err) != 0 || !strings.Contains(errOut.String(), "Aufruf: schulgateway "+cmd) {
			t.Errorf("%s --help: exit %d, output %q", cmd, exitCode(err), errOut.String())
		}
	}
}

package httpapi

import (
	"context"
	"io"
	"net"
	"net/url"
	"sync"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// proxy stands between the gateway and PostgreSQL so a test can take the
// database away (refuse and cut every connection) and bring it back.
type proxy struct {
	target string
	ln     net.Listener
	addr   string
	mu     sync.Mutex
	conns  []net.Conn
}

func startProxy(t *testing.T, target string) *proxy {
	p := &proxy{target: target}
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	p.addr = ln.Addr().String()
	p.serve(ln)
	t.Cleanup(p.down)
	return p
}

func (p *proxy) serve(ln net.Listener) {
	p.ln = ln
	go func() {
		for {
			c, err := ln.Accept()
			if err != nil {
				return
			}
			up, err := net.Dial("tcp", p.target)
			if err != nil {
				c.Close()
				continue
			}
			p.mu.Lock()
			p.conns = append(p.conns, c, up)
			p.mu.Unlock()
			go func() { io.Copy(up, c); up.Close() }() //nolint:errcheck
			go func() { io.Copy(c, up); c.Close() }()  //nolint:errcheck
		}
	}()
}

func (p *proxy) down() {
	p.ln.Close()
	p.mu.Lock()
	for _, c := range p.conns {
		c.Close()
	}
	p.conns = nil
	p.mu.Unlock()
}

func (p *proxy) up(t *testing.T) {
	ln, err := net.Listen("tcp", p.addr)
	if err != nil {
		t.Fatalf("proxy cannot listen again on %s: %v", p.addr, err)
	}
	p.serve(ln)
}

// When PostgreSQL goes away, /readyz and data requests answer 503
// problem+json with Retry-After; when it comes back, the same gateway
// serves again.
func TestDatabaseOutageAndRecovery(t *testing.T) {
	dbURL := pgtest.URL(t)
	u, _ := url.Parse(dbURL)
	p := startProxy(t, u.Host)
	u.Host = p.addr
	pool, err := postgres.Open(context.Background(), u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	e := newEnv(t, pool)
	tok := e.token(auth.RoleSchulamt)

	expect := func(phase string, path string, status int) {
		t.Helper()
		resp, body := e.do(call{method: "GET", path: path, token: tok})
		if resp.StatusCode != status {
			t.Fatalf("%s: GET %s = %d, want %d: %s", phase, path, resp.StatusCode, status, body)
		}
		if status == 503 && resp.Header.Get("Content-Type") != "application/problem+json" {
			t.Errorf("%s: 503 is not problem+json", phase)
		}
		if status == 503 && resp.Header.Get("Retry-After") == "" {
			t.Errorf("%s: 503 without Retry-After", phase)
		}
	}
	expect("before", "/readyz", 200)
	expect("before", "/v1/schulen", 200)

	p.down()
	expect("during outage", "/readyz", 503)
	expect("during outage", "/v1/schulen", 503)
	expect("during outage", "/healthz", 200)

	p.up(t)
	deadline := time.Now().Add(10 * time.Second)
	for {
		resp, _ := e.do(call{method: "GET", path: "/v1/schulen", token: tok})
		if resp.StatusCode == 200 {
			break
		}
		if time.Now().After(deadline) {
			t.Fatalf("gateway did not recover within 10s after the database came back (last status %d)", resp.StatusCode)
		}
		time.Sleep(100 * time.Millisecond)
	}
	expect("after", "/readyz", 200)
}

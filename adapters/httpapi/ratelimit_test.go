package httpapi

import (
	"net/http/httptest"
	"strconv"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

func TestLimiterRefillsAtItsRate(t *testing.T) {
	l := newLimiter(2, 3) // 2 per second, 3 at once
	t0 := time.Unix(1_800_000_000, 0)
	for i := range 3 {
		if ok, _ := l.take("a", 1, t0); !ok {
			t.Fatalf("request %d of the burst refused", i+1)
		}
	}
	ok, wait := l.take("a", 1, t0)
	if ok || wait != 500*time.Millisecond {
		t.Errorf("4th at once: %v, wait %v (want 500ms)", ok, wait)
	}
	if ok, _ := l.take("b", 1, t0); !ok {
		t.Error("another key shares the bucket")
	}
	if ok, _ := l.take("a", 1, t0.Add(500*time.Millisecond)); !ok {
		t.Error("not refilled after 500ms")
	}
	// Looking (n = 0) spends nothing.
	for range 5 {
		l.take("c", 0, t0)
	}
	if ok, _ := l.take("c", 3, t0); !ok {
		t.Error("looking spent tokens")
	}
	if newLimiter(0, 10) != nil {
		t.Error("a zero rate is not off")
	}
}

func TestRateLimitsPerSubjectAndFailedLogins(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	// The test's requests come from 0.0.0.0: trust it as a proxy, so that
	// X-Forwarded-For names the client.
	e.srv = newServer(Deps{TrustedProxies: []string{"0.0.0.0"}, Schulen: e.srv.Schulen, Schulwechsel: e.srv.Schulwechsel,
		Verifier: e.srv.Verifier, Audit: e.srv.Audit, Spec: e.srv.Spec})
	e.srv.subjectLimiter = newLimiter(1, 5)
	e.srv.failedLogins = newLimiter(3.0/60, 3)
	bms := e.token(auth.RoleBMS)
	for i := range 5 {
		if resp, body := e.do(call{method: "GET", path: "/v1/schulen", token: bms}); resp.StatusCode != 200 {
			t.Fatalf("request %d: %d %s", i+1, resp.StatusCode, body)
		}
	}
	resp, body := e.do(call{method: "GET", path: "/v1/schulen", token: bms})
	if resp.StatusCode != 429 {
		t.Fatalf("6th request: %d %s", resp.StatusCode, body)
	}
	if s, err := strconv.Atoi(resp.Header.Get("Retry-After")); err != nil || s < 1 {
		t.Errorf("Retry-After %q", resp.Header.Get("Retry-After"))
	}
	// Another subject is not affected.
	other, err := e.signer.Sign(testIssuer, testAudience, "anderer-client", []auth.Role{auth.RoleBMS}, time.Minute)
	if err != nil {
		t.Fatal(err)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/schulen", token: other}); resp.StatusCode != 200 {
		t.Errorf("other subject: %d", resp.StatusCode)
	}

	// Three forged tokens from one address, then that address is refused
	// before its token is even looked at; a good token from there too.
	for i := range 3 {
		if resp, _ := e.do(call{method: "GET", path: "/v1/schulwechsel", token: "forged." + strconv.Itoa(i)}); resp.StatusCode != 401 {
			t.Fatalf("forged %d: %d", i, resp.StatusCode)
		}
	}
	fresh, _ := e.signer.Sign(testIssuer, testAudience, "dritter-client", []auth.Role{auth.RoleAdmin}, time.Minute)
	resp, body = e.do(call{method: "GET", path: "/v1/schulwechsel", token: fresh})
	if resp.StatusCode != 429 {
		t.Errorf("after 3 failures: %d %s", resp.StatusCode, body)
	}
	// Another address is still served.
	req := httptest.NewRequest("GET", "/v1/schulwechsel", nil)
	req.Header.Set("Authorization", "Bearer "+fresh)
	req.Header.Set("X-Forwarded-For", "192.0.2.7")
	if r, err := e.srv.app.Test(req); err != nil || r.StatusCode != 200 {
		t.Errorf("other address: %v %v", r.StatusCode, err)
	}
	// Refusals by the limiter are not in the audit trail; the failures are.
	if n := count(t, pool, "SELECT count(*) FROM audit_log WHERE ergebnis = 429"); n != 0 {
		t.Errorf("%d 429 answers audited", n)
	}
	if n := count(t, pool, "SELECT count(*) FROM audit_log WHERE ergebnis = 401"); n != 3 {
		t.Errorf("%d failed logins audited, want 3", n)
	}
}

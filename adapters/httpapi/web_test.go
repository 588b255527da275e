package httpapi

import (
	"encoding/json"
	"strings"
	"testing"
	"testing/fstest"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

func TestWebPagesAndSignInConfig(t *testing.T) {
	e := newEnv(t, pgtest.Pool(t))
	e.srv.Web = WebDeps{
		Files:      fstest.MapFS{"index.html": {Data: []byte("<!DOCTYPE html><title>x</title>")}, "app.js": {Data: []byte("export {}")}, "notes.txt": {Data: []byte("x")}},
		OIDCIssuer: "https://login.stadt.example/realms/schule", OIDCClientID: "schulgateway-web",
	}
	resp, body := e.do(call{method: "GET", path: "/app/index.html"})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/html") {
		t.Fatalf("index.html: %d %s", resp.StatusCode, resp.Header.Get("Content-Type"))
	}
	csp := resp.Header.Get("Content-Security-Policy")
	for _, want := range []string{"script-src 'self';", "connect-src 'self' https://login.stadt.example;", "frame-ancestors 'none'"} {
		if !strings.Contains(csp, want) {
			t.Errorf("CSP %q lacks %q", csp, want)
		}
	}
	if strings.Contains(csp, "unsafe-inline") {
		t.Errorf("CSP allows inline code: %q", csp)
	}
	if resp, _ := e.do(call{method: "GET", path: "/app/app.js"}); resp.Header.Get("Content-Type") != "text/javascript; charset=utf-8" {
		t.Errorf("app.js served as %q", resp.Header.Get("Content-Type"))
	}
	for _, path := range []string{"/app/missing.html", "/app/notes.txt", "/app/..%2Fopenapi.yaml"} {
		if resp, body := e.do(call{method: "GET", path: path}); resp.StatusCode != 404 {
			t.Errorf("%s: %d %s, want 404", path, resp.StatusCode, body)
		}
	}
	if resp, _ := e.do(call{method: "GET", path: "/app"}); resp.StatusCode != 302 || resp.Header.Get("Location") != "/app/index.html" {
		t.Errorf("/app: %d → %q", resp.StatusCode, resp.Header.Get("Location"))
	}
	// A person who opens the gateway's address lands on the pages.
	if resp, _ := e.do(call{method: "GET", path: "/"}); resp.StatusCode != 302 || resp.Header.Get("Location") != "/app/" {
		t.Errorf("/: %d → %q, want 302 → /app/", resp.StatusCode, resp.Header.Get("Location"))
	}
	// Pages show personal data once signed in: nothing may stay in the
	// browser's caches after sign-out (back-forward cache included).
	for _, path := range []string{"/app/index.html", "/app/app.js", "/app/config.json"} {
		if resp, _ := e.do(call{method: "GET", path: path}); resp.Header.Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q, want no-store", path, resp.Header.Get("Cache-Control"))
		}
	}

	resp, body = e.do(call{method: "GET", path: "/app/config.json"})
	var cfg struct {
		Dev  bool
		OIDC *struct{ Issuer, ClientID string } `json:"oidc"`
	}
	mustJSON(t, body, &cfg)
	if resp.StatusCode != 200 || cfg.Dev || cfg.OIDC == nil || cfg.OIDC.Issuer != "https://login.stadt.example/realms/schule" {
		t.Fatalf("config.json: %d %s", resp.StatusCode, body)
	}
}

func TestDevTokenOnlyInDevMode(t *testing.T) {
	e := newEnv(t, pgtest.Pool(t))
	post := func(body string) (int, []byte) {
		resp, b := e.do(call{method: "POST", path: "/app/dev-token", body: body, header: map[string]string{"Content-Type": "application/json"}})
		return resp.StatusCode, b
	}
	if status, body := post(`{"role":"admin"}`); status != 404 {
		t.Fatalf("outside dev mode: %d %s, want 404", status, body)
	}
	e.srv.Web.DevToken = func(role auth.Role, sub string, ttl time.Duration) (string, error) {
		return e.signer.Sign(testIssuer, testAudience, sub, []auth.Role{role}, ttl)
	}
	status, body := post(`{"role":"planung"}`)
	var tok struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.Unmarshal(body, &tok); status != 200 || err != nil {
		t.Fatalf("dev mode: %d %s", status, body)
	}
	// The token is accepted, with the chosen role only.
	if resp, _ := e.do(call{method: "GET", path: "/v1/schulen", token: tok.AccessToken}); resp.StatusCode != 200 {
		t.Errorf("planung token on the schools: %d", resp.StatusCode)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/imports", token: tok.AccessToken}); resp.StatusCode != 403 {
		t.Errorf("planung token on the imports: %d, want 403", resp.StatusCode)
	}
	if status, body := post(`{"role":"root"}`); status != 422 {
		t.Errorf("unknown role: %d %s", status, body)
	}
}

package web_test

import (
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"net/http"
	"net/http/httptest"
	"net/url"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// provider is a tiny OpenID Connect provider: discovery, an authorize
// endpoint that signs the user in at once, a token endpoint that checks
// PKCE and issues an RS256 access token, and its JWKS.
type provider struct {
	*httptest.Server
	t        *testing.T
	clientID string
	signer   *jwtauth.DevSigner
	mu       sync.Mutex
	codes    map[string]authRequest
	issued   int
}

type authRequest struct{ challenge, redirectURI string }

func newProvider(t *testing.T, clientID string) *provider {
	signer, err := jwtauth.LoadOrCreateDevKey(filepath.Join(t.TempDir(), "idp-key.json"))
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{t: t, clientID: clientID, signer: signer, codes: map[string]authRequest{}}
	mux := http.NewServeMux()
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		json.NewEncoder(w).Encode(map[string]any{ //nolint:errcheck // test server
			"issuer": p.URL, "authorization_endpoint": p.URL + "/authorize", "token_endpoint": p.URL + "/token",
			"jwks_uri": p.URL + "/jwks", "code_challenge_methods_supported": []string{"S256"},
		})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		json.NewEncoder(w).Encode(p.signer.PublicSet()) //nolint:errcheck // test server
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("response_type") != "code" || q.Get("client_id") != clientID || q.Get("code_challenge_method") != "S256" ||
			len(q.Get("code_challenge")) != 43 || q.Get("state") == "" || !strings.Contains(q.Get("scope"), "openid") {
			t.Errorf("authorize request: %v", q)
			http.Error(w, "bad request", 400)
			return
		}
		p.mu.Lock()
		code := "code-" + q.Get("state")
		p.codes[code] = authRequest{q.Get("code_challenge"), q.Get("redirect_uri")}
		p.mu.Unlock()
		back := q.Get("redirect_uri") + "?" + url.Values{"code": {code}, "state": {q.Get("state")}}.Encode()
		http.Redirect(w, r, back, http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Access-Control-Allow-Origin", "*")
		r.ParseForm() //nolint:errcheck // checked through the values
		p.mu.Lock()
		req, ok := p.codes[r.PostForm.Get("code")]
		delete(p.codes, r.PostForm.Get("code")) // a code works once
		p.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		switch {
		case !ok, r.PostForm.Get("grant_type") != "authorization_code", r.PostForm.Get("client_id") != clientID,
			r.PostForm.Get("redirect_uri") != req.redirectURI:
			w.WriteHeader(400)
			w.Write([]byte(`{"error":"invalid_grant"}`))
			return
		case base64.RawURLEncoding.EncodeToString(sum[:]) != req.challenge:
			w.WriteHeader(400)
			w.Write([]byte(`{"error":"invalid_grant","error_description":"PKCE"}`))
			return
		}
		tok, err := p.signer.Sign(p.URL, "schulgateway", "sachbearbeiterin-1", []auth.Role{auth.RoleSchulamt}, 5*time.Minute)
		if err != nil {
			t.Error(err)
		}
		p.mu.Lock()
		p.issued++
		p.mu.Unlock()
		w.Header().Set("Content-Type", "application/json")
		json.NewEncoder(w).Encode(map[string]any{"access_token": tok, "token_type": "Bearer", "expires_in": 300}) //nolint:errcheck // test server
	})
	// Unstarted first, so the handlers see p.Server set (race detector).
	p.Server = httptest.NewUnstartedServer(mux)
	p.Start()
	t.Cleanup(p.Close)
	return p
}

func (p *provider) tokens() int {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.issued
}

// TestOIDCSignIn: outside dev mode the pages sign in with the city's
// OpenID Connect provider (code flow with PKCE) and the gateway accepts
// the provider's token through its JWKS; there is no dev sign-in.
func TestOIDCSignIn(t *testing.T) {
	idp := newProvider(t, "schulgateway-web")
	verifier, err := jwtauth.New(t.Context(), jwtauth.Config{JWKSURL: idp.URL + "/jwks", Issuer: idp.URL, Audience: "schulgateway"})
	if err != nil {
		t.Fatal(err)
	}
	gw := startGateway(t, verifier, httpapi.WebDeps{OIDCIssuer: idp.URL, OIDCClientID: "schulgateway-web"})
	resp, err := http.Post(gw.url+"/app/dev-token", "application/json", strings.NewReader(`{"role":"admin"}`))
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != 404 {
		t.Fatalf("dev-token outside dev mode: %d, want 404", resp.StatusCode)
	}

	ctx := startBrowser(t)
	do(t, ctx, "Anmeldeseite", chromedp.Navigate(gw.url+"/app/"), chromedp.WaitVisible("#oidc-start"))
	if devShown := eval[bool](t, ctx, `!document.getElementById('dev').hidden`); devShown {
		t.Error("die Dev-Anmeldung wird ohne Dev-Modus angeboten")
	}
	do(t, ctx, "mit dem Konto der Stadt anmelden", chromedp.Click("#oidc-start"))
	waitFor(t, ctx, "Importseite nach der Anmeldung", `location.pathname === '/app/imports.html' && document.querySelector('#verlauf tbody tr') !== null`)
	if who := eval[string](t, ctx, `document.querySelector('#nav .wer').textContent`); !strings.Contains(who, "sachbearbeiterin-1") {
		t.Errorf("angemeldet als %q", who)
	}
	// The code is gone from the address bar and the history; the token
	// lives in sessionStorage only.
	if u := eval[string](t, ctx, `location.href`); strings.Contains(u, "code=") {
		t.Errorf("Adresse nach der Anmeldung: %s", u)
	}
	if n := eval[int](t, ctx, `localStorage.length`); n != 0 {
		t.Errorf("localStorage hält %d Einträge", n)
	}
	if n := idp.tokens(); n != 1 {
		t.Errorf("%d Tokens ausgestellt, erwartet 1", n)
	}

	// An answer that belongs to no sign-in from this window is refused.
	do(t, ctx, "fremde Antwort", chromedp.Navigate(gw.url+"/app/index.html?code=code-x&state=fremd"))
	waitFor(t, ctx, "Ablehnung", `document.getElementById('status').textContent.includes('gehört zu keiner Anmeldung')`)
	if idp.tokens() != 1 {
		t.Errorf("für eine fremde Antwort wurde ein Token geholt")
	}
}

package web_test

import (
	"bufio"
	"encoding/base64"
	"encoding/json"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strconv"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/jwtauth"
)

// realProvider is panva's oidc-provider (OpenID Certified, from the npm
// registry) run by node with the configuration in
// testdata/oidc-provider/provider.mjs: a Keycloak-like realm for the
// pages. Its log lines tell what the pages asked for.
type realProvider struct {
	issuer string
	mu     sync.Mutex
	lines  []string
}

const oidcAudience = "urn:schulgateway"

var installProvider sync.Once

func startRealProvider(t *testing.T, redirectURI string, accessTTL time.Duration) *realProvider {
	t.Helper()
	root, _ := filepath.Abs("../..")
	installProvider.Do(func() {
		out, err := exec.Command("bash", filepath.Join(root, "scripts/ensure-oidc-provider.sh")).CombinedOutput()
		if err != nil {
			t.Fatalf("Anmeldedienst für den Test nicht installierbar: %v\n%s", err, out)
		}
	})
	dir := filepath.Join(root, "var/oidc-provider")
	script, err := os.ReadFile("testdata/oidc-provider/provider.mjs")
	if err != nil {
		t.Fatal(err)
	}
	// Beside its node_modules, so that node resolves oidc-provider.
	name := filepath.Join(dir, "provider-"+strconv.Itoa(os.Getpid())+"-"+strconv.FormatInt(time.Now().UnixNano(), 36)+".mjs")
	if err := os.WriteFile(name, script, 0o644); err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { os.Remove(name) })
	cmd := exec.Command("node", name)
	cmd.Env = append(os.Environ(), "PORT=0", "CLIENT_ID=schulgateway-web", "REDIRECT_URI="+redirectURI,
		"AUDIENCE="+oidcAudience, "ACCESS_TOKEN_TTL="+strconv.Itoa(int(accessTTL.Seconds())))
	stdout, err := cmd.StdoutPipe()
	if err != nil {
		t.Fatal(err)
	}
	cmd.Stderr = io.Discard
	if err := cmd.Start(); err != nil {
		t.Fatalf("node startet nicht: %v", err)
	}
	t.Cleanup(func() { _ = cmd.Process.Kill(); _ = cmd.Wait() })
	p := &realProvider{}
	ready := make(chan string, 1)
	go func() {
		sc := bufio.NewScanner(stdout)
		for sc.Scan() {
			line := sc.Text()
			if iss, ok := strings.CutPrefix(line, "ready "); ok {
				ready <- iss
				continue
			}
			p.mu.Lock()
			p.lines = append(p.lines, line)
			p.mu.Unlock()
		}
	}()
	select {
	case p.issuer = <-ready:
	case <-time.After(60 * time.Second):
		t.Fatal("der Anmeldedienst meldet sich nicht bereit")
	}
	return p
}

// logged returns the provider's log lines that start with prefix.
func (p *realProvider) logged(prefix string) []string {
	p.mu.Lock()
	defer p.mu.Unlock()
	var out []string
	for _, l := range p.lines {
		if strings.HasPrefix(l, prefix) {
			out = append(out, strings.TrimPrefix(l, prefix))
		}
	}
	return out
}

// tokenExp reads the exp claim of a JWT without verifying it.
func tokenExp(t *testing.T, tok string) time.Time {
	t.Helper()
	parts := strings.Split(tok, ".")
	if len(parts) != 3 {
		t.Fatalf("kein JWT: %d Teile", len(parts))
	}
	raw, err := base64.RawURLEncoding.DecodeString(parts[1])
	if err != nil {
		t.Fatal(err)
	}
	var c struct {
		Exp int64 `json:"exp"`
	}
	if err := json.Unmarshal(raw, &c); err != nil {
		t.Fatal(err)
	}
	return time.Unix(c.Exp, 0)
}

// TestOIDCWithRealProvider: outside dev mode the pages sign in with the
// city's provider (code flow with PKCE, state and nonce), the gateway
// accepts the provider's JWT access tokens with their roles through
// JWT_JWKS_URL, the page keeps working across the expiry of the first
// access token (renewed in the background), sign-out ends the session at
// the provider, and Back shows nothing of the pages.
func TestOIDCWithRealProvider(t *testing.T) {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	gwURL := "http://" + ln.Addr().String()
	const ttl = 40 * time.Second // renewed 30 s before it runs out
	idp := startRealProvider(t, gwURL+"/app/index.html", ttl)
	verifier, err := jwtauth.New(t.Context(), jwtauth.Config{JWKSURL: idp.issuer + "/jwks", Issuer: idp.issuer, Audience: oidcAudience})
	if err != nil {
		t.Fatal(err)
	}
	gw := startGatewayOn(t, ln, verifier, httpapi.WebDeps{OIDCIssuer: idp.issuer, OIDCClientID: "schulgateway-web"})
	seedDemo(t, gw.pool)
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
	waitFor(t, ctx, "Anmeldeformular des Anmeldedienstes", `location.href.startsWith('`+idp.issuer+`') && document.querySelector('input[name=login]') !== null`)
	do(t, ctx, "Name und Passwort", chromedp.SetValue(`input[name=login]`, "sachbearbeiterin-1"), chromedp.SetValue(`input[name=password]`, "geheim"),
		chromedp.Click(`button[type=submit]`))
	waitFor(t, ctx, "Importseite nach der Anmeldung", `location.pathname === '/app/imports.html' && document.querySelector('#verlauf') !== null && document.getElementById('nav').children.length > 0`)
	if who := eval[string](t, ctx, `document.querySelector('#nav .wer').textContent`); !strings.Contains(who, "sachbearbeiterin-1") || !strings.Contains(who, "schulamt") {
		t.Errorf("angemeldet als %q", who)
	}
	// What the pages asked the provider for.
	auths := idp.logged("authorize ")
	if len(auths) != 1 || !strings.Contains(auths[0], `"state":true`) || !strings.Contains(auths[0], `"nonce":true`) ||
		!strings.Contains(auths[0], `"code_challenge_method":"S256"`) || !strings.Contains(auths[0], `"response_type":"code"`) {
		t.Errorf("Anfragen an den Anmeldedienst: %v", auths)
	}
	// The code is gone from the address bar; nothing in localStorage.
	if u := eval[string](t, ctx, `location.href`); strings.Contains(u, "code=") {
		t.Errorf("Adresse nach der Anmeldung: %s", u)
	}
	if n := eval[int](t, ctx, `localStorage.length`); n != 0 {
		t.Errorf("localStorage hält %d Einträge", n)
	}

	// Work across the expiry of the first access token without being sent
	// back to the sign-in page.
	first := eval[string](t, ctx, `sessionStorage.getItem('schulgateway.token')`)
	firstExp := tokenExp(t, first)
	time.Sleep(time.Until(firstExp.Add(2 * time.Second)))
	do(t, ctx, "Einschulung nach Ablauf des ersten Tokens", chromedp.Navigate(gw.url+"/app/einschulung.html?schuljahr=2027-28"))
	waitFor(t, ctx, "Übersicht mit erneuertem Token", `document.querySelectorAll('#schulen tbody tr').length > 0`)
	now := eval[string](t, ctx, `sessionStorage.getItem('schulgateway.token')`)
	if now == first || !tokenExp(t, now).After(time.Now()) {
		t.Errorf("das Token wurde nicht erneuert (gleich: %v, läuft ab: %v)", now == first, tokenExp(t, now))
	}
	if path := eval[string](t, ctx, `location.pathname`); path != "/app/einschulung.html" {
		t.Errorf("nach Ablauf des ersten Tokens auf %s statt weiterzuarbeiten", path)
	}

	// Sign out: at the provider too, then Back shows nothing.
	do(t, ctx, "abmelden", chromedp.Click(`#nav button.leise`))
	waitFor(t, ctx, "Abmeldeseite des Anmeldedienstes", `location.href.startsWith('`+idp.issuer+`') && document.querySelector('button[name=logout], button[type=submit]') !== null`)
	do(t, ctx, "beim Anmeldedienst abmelden", chromedp.Click(`button[autofocus], button[type=submit]`))
	waitFor(t, ctx, "zurück auf der Anmeldeseite", `location.href.startsWith('`+gw.url+`/app/index.html') && document.readyState === 'complete'`)
	if n := eval[int](t, ctx, `Object.keys(sessionStorage).filter(k => k.startsWith('schulgateway') || k.startsWith('oidc.user')).length`); n != 0 {
		t.Errorf("nach dem Abmelden liegen noch %d Anmeldedaten in der Sitzung", n)
	}
	for i := 0; i < 3; i++ {
		_, _ = chromedp.Run(ctx, chromedp.Evaluate[chromedp.Void](`history.back()`))
		time.Sleep(1500 * time.Millisecond)
		onGateway := eval[bool](t, ctx, `location.href.startsWith('`+gw.url+`')`)
		rows := eval[int](t, ctx, `document.querySelectorAll('#schulen tbody tr, #verlauf tbody tr').length`)
		if onGateway && rows > 0 {
			t.Fatalf("Zurück nach dem Abmelden zeigt %s mit %d Zeilen", eval[string](t, ctx, `location.pathname`), rows)
		}
	}
	// A new sign-in needs the password again: the provider's session ended.
	do(t, ctx, "Anmeldeseite", chromedp.Navigate(gw.url+"/app/"), chromedp.WaitVisible("#oidc-start"))
	do(t, ctx, "erneut anmelden", chromedp.Click("#oidc-start"))
	waitFor(t, ctx, "Anmeldeformular", `location.href.startsWith('`+idp.issuer+`') && document.querySelector('input[name=login]') !== null`)

	// An answer that belongs to no sign-in from this window is refused.
	tokensBefore := len(idp.logged("token "))
	do(t, ctx, "fremde Antwort", chromedp.Navigate(gw.url+"/app/index.html?code=code-x&state=fremd"))
	waitFor(t, ctx, "Ablehnung", `document.getElementById('status').textContent.includes('gehört zu keiner Anmeldung')`)
	if n := len(idp.logged("token ")); n != tokensBefore {
		t.Errorf("für eine fremde Antwort wurde ein Token geholt")
	}
}

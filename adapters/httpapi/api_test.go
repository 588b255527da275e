package httpapi

import (
	"bufio"
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"io"
	"log/slog"
	"net"
	"net/http"
	"net/http/httptest"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/getkin/kin-openapi/routers"
	"github.com/getkin/kin-openapi/routers/gorillamux"
	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/demo"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/planung"
	"github.com/schulgateway/schulgateway/internal/schulbescheinigung"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/schulpflicht"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/untersuchung"
	"github.com/schulgateway/schulgateway/openapi"
)

const (
	testIssuer   = "https://idp.test"
	testAudience = "schulgateway-test"
)

// env is one gateway on a database of its own, with a key made for the test.
type env struct {
	t      *testing.T
	srv    *server
	signer *jwtauth.DevSigner
	router routers.Router
}

func loadSpec(t testing.TB) *openapi3.T {
	t.Helper()
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatalf("openapi.yaml does not load: %v", err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is not valid OpenAPI: %v", err)
	}
	doc.Servers = nil // match paths on any host
	return doc
}

func init() {
	// kin-openapi decodes JSON and YAML bodies itself; an HTML page is
	// checked as an opaque string.
	// So are the pages' scripts and styles, and CSV files: the contract
	// gives them as a string, and kin-openapi's own CSV decoder reads
	// comma-separated fields, so a quoted field of the gateway's
	// semicolon-separated files ("A; B") failed it.
	for _, ct := range []string{"text/html", "text/javascript", "text/css", "text/csv"} {
		openapi3filter.RegisterBodyDecoder(ct, func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
			b, err := io.ReadAll(r)
			return string(b), err
		})
	}
}

func newEnv(t *testing.T, pool *pgxpool.Pool) *env {
	t.Helper()
	signer, err := jwtauth.LoadOrCreateDevKey(filepath.Join(t.TempDir(), "key.json"))
	if err != nil {
		t.Fatal(err)
	}
	verifier, err := jwtauth.NewFromSet(signer.PublicSet(), testIssuer, testAudience, 0)
	if err != nil {
		t.Fatal(err)
	}
	router, err := gorillamux.NewRouter(loadSpec(t))
	if err != nil {
		t.Fatal(err)
	}
	importStore := postgres.NewImportStore(pool, nil)
	worker := postgres.NewWorker(postgres.NewProcessor(importStore, sheets.Uploads{}.Open), 2, slog.New(slog.DiscardHandler))
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { worker.Run(ctx); close(done) }()
	t.Cleanup(func() { stop(); <-done })
	ps, err := einschulung.NewPseudonymizer([]byte("http test key of at least 32 bytes"))
	if err != nil {
		t.Fatal(err)
	}
	schulen := schule.NewService(postgres.NewSchulenStore(pool, nil))
	bezirke := postgres.NewSchulbezirkStore(pool, nil)
	spStore := postgres.NewSchulpflichtStore(pool)
	spService := schulpflicht.NewService(spStore, schulpflicht.GesetzlicheSpanne(), schulpflicht.StandardKonfiguration(), nil)
	spWorker := postgres.NewAbgleichWorker(spStore, spService.Run, slog.New(slog.DiscardHandler))
	spService.SetQueued(spWorker.Wake)
	spDone := make(chan struct{})
	go func() { spWorker.Run(ctx); close(spDone) }()
	t.Cleanup(func() { stop(); <-spDone })
	// Every route wired as serve wires it, each store on this test's database.
	auditStore := postgres.NewAuditStore(pool)
	srv := newServer(Deps{
		Untersuchung: UntersuchungDeps{Service: untersuchung.NewService(postgres.NewUntersuchungStore(pool))},
		Schulbescheinigung: SchulbescheinigungDeps{
			Service:     schulbescheinigung.NewService(postgres.NewSchulbescheinigungStore(pool)),
			Idempotency: postgres.NewIdempotencyStore(pool),
		},
		Schulwechsel: SchulwechselDeps{
			Service:     schulwechsel.NewService(postgres.NewSchulwechselStore(pool), 0),
			Idempotency: postgres.NewIdempotencyStore(pool),
		},
		Einschulung: EinschulungDeps{
			Schulbezirke: schulbezirk.NewService(bezirke),
			Einschulung:  einschulung.NewService(postgres.NewEinschulungStore(pool), bezirke, schulen, einschulung.GesetzlicheRegel(), ps).WithRendering(RenderEinschulungKind).WithAudit(auditStore),
		},
		Planung:      PlanungDeps{Service: planung.NewService(postgres.NewPlanungStore(pool), bezirke, einschulung.GesetzlicheRegel())},
		Schulpflicht: SchulpflichtDeps{Service: spService},
		Uebergang:    UebergangDeps{Service: uebergang.NewService(postgres.NewUebergangStore(pool).WithPseudonym(ps.ID).WithAufnahmen(xschule.Encode), schulen, 0)},
		Imports: ImportDeps{
			Service:        importing.NewService(importStore, importing.Limits{MaxBytes: 8 << 20}),
			Queued:         worker.Wake,
			MarkedWorkbook: sheets.Uploads{}.MarkedWorkbook,
			CheckFile:      sheets.Uploads{}.Check,
			Open:           sheets.Uploads{}.Open,
			MaxBytes:       8 << 20,
		},
		Audit:    auditStore,
		Schulen:  schulen,
		Changes:  postgres.NewFeedStore(pool, 24*time.Hour).WithAudit(auditStore),
		Verifier: verifier,
		Ready:    func(ctx context.Context) error { return postgres.Ping(ctx, pool) },
		Spec:     openapi.Spec,
		Docs:     []byte("<!DOCTYPE html><title>docs</title>"),
	})
	return &env{t: t, srv: srv, signer: signer, router: router}
}

func seeded(t *testing.T) *env {
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	svc := schule.NewService(postgres.NewSchulenStore(pool, nil))
	for _, s := range demo.Schulen() {
		if _, _, err := svc.Put(context.Background(), s.Schulnummer, s); err != nil {
			t.Fatal(err)
		}
	}
	return e
}

func (e *env) token(roles ...auth.Role) string {
	tok, err := e.signer.Sign(testIssuer, testAudience, "test-user", roles, time.Minute)
	if err != nil {
		e.t.Fatal(err)
	}
	return tok
}

type call struct {
	method, path, token, body string
	header                    map[string]string
}

// do sends the request through the app and checks the answer against the
// OpenAPI contract: an undocumented status, header or body fails the test.
func (e *env) do(c call) (*http.Response, []byte) {
	e.t.Helper()
	req := httptest.NewRequest(c.method, c.path, strings.NewReader(c.body))
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if c.body != "" {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.header {
		req.Header.Set(k, v)
	}
	resp, err := e.srv.app.Test(req, 10_000)
	if err != nil {
		e.t.Fatalf("%s %s: %v", c.method, c.path, err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	e.checkContract(req, resp, body)
	return resp, body
}

func (e *env) checkContract(req *http.Request, resp *http.Response, body []byte) {
	e.t.Helper()
	route, params, err := e.router.FindRoute(req)
	if err != nil {
		// Unknown paths are not in the spec by definition; they must still
		// be problem+json.
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			e.t.Errorf("%s %s: no route in spec, and answer is %q, not problem+json", req.Method, req.URL.Path, ct)
		}
		return
	}
	in := &openapi3filter.ResponseValidationInput{
		RequestValidationInput: &openapi3filter.RequestValidationInput{Request: req, PathParams: params, Route: route,
			Options: &openapi3filter.Options{AuthenticationFunc: openapi3filter.NoopAuthenticationFunc}},
		Status:  resp.StatusCode,
		Header:  resp.Header,
		Options: &openapi3filter.Options{IncludeResponseStatus: true},
	}
	in.SetBodyBytes(body)
	if err := openapi3filter.ValidateResponse(context.Background(), in); err != nil {
		e.t.Errorf("%s %s → %d does not match openapi.yaml: %v\nbody: %s", req.Method, req.URL.Path, resp.StatusCode, err, body)
	}
}

func TestAPI(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	all := []auth.Role{auth.RoleBMS, auth.RoleSchulamt, auth.RolePlanung, auth.RoleAdmin}
	valid := `{"name":"Grundschule Am Anger","schulform":"grundschule","plz":"06108","zuege":2}`
	tests := []struct {
		name   string
		call   call
		roles  []auth.Role // token with these roles; nil: no token
		status int
		check  func(t *testing.T, resp *http.Response, body []byte)
	}{
		{name: "list as bms", call: call{method: "GET", path: "/v1/schulen"}, roles: []auth.Role{auth.RoleBMS}, status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				var got struct{ Items []schuleJSON }
				mustJSON(t, body, &got)
				if len(got.Items) != len(demo.Schulen()) || got.Items[0].Schulnummer != "20101" {
					t.Errorf("got %d schools, first %+v", len(got.Items), got.Items[0])
				}
			}},
		{name: "list as planung", call: call{method: "GET", path: "/v1/schulen"}, roles: []auth.Role{auth.RolePlanung}, status: 200},
		{name: "list without token", call: call{method: "GET", path: "/v1/schulen"}, status: 401,
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				if !strings.HasPrefix(resp.Header.Get("WWW-Authenticate"), "Bearer") {
					t.Errorf("401 without WWW-Authenticate: %v", resp.Header)
				}
			}},
		{name: "list with garbage token", call: call{method: "GET", path: "/v1/schulen", token: "not.a.jwt"}, status: 401,
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				if !strings.Contains(resp.Header.Get("WWW-Authenticate"), `error="invalid_token"`) {
					t.Errorf("WWW-Authenticate = %q", resp.Header.Get("WWW-Authenticate"))
				}
			}},
		{name: "list with token without roles", call: call{method: "GET", path: "/v1/schulen"}, roles: []auth.Role{}, status: 403},
		{name: "get one", call: call{method: "GET", path: "/v1/schulen/20301"}, roles: all, status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				var s schuleJSON
				mustJSON(t, body, &s)
				if s.Schulform != "gymnasium" || !strings.HasSuffix(s.ArtDerSchule, "/artderschule/gymnasium") {
					t.Errorf("got %+v", s)
				}
			}},
		{name: "get missing", call: call{method: "GET", path: "/v1/schulen/99999"}, roles: all, status: 404},
		{name: "get malformed number", call: call{method: "GET", path: "/v1/schulen/abc"}, roles: all, status: 404},
		{name: "put as bms is forbidden", call: call{method: "PUT", path: "/v1/schulen/20101", body: valid}, roles: []auth.Role{auth.RoleBMS}, status: 403},
		{name: "put as planung is forbidden", call: call{method: "PUT", path: "/v1/schulen/20101", body: valid}, roles: []auth.Role{auth.RolePlanung}, status: 403},
		{name: "put as schulamt updates", call: call{method: "PUT", path: "/v1/schulen/20101", body: valid}, roles: []auth.Role{auth.RoleSchulamt}, status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				var s schuleJSON
				mustJSON(t, body, &s)
				if s.Kapazitaet != nil || *s.Zuege != 2 || s.Traeger != "kommunal" {
					t.Errorf("PUT replaces the whole record with defaults: got %+v", s)
				}
			}},
		{name: "put as admin creates", call: call{method: "PUT", path: "/v1/schulen/30001", body: `{"name":"Neue Grundschule","schulform":"grundschule"}`}, roles: []auth.Role{auth.RoleAdmin}, status: 201,
			check: func(t *testing.T, resp *http.Response, _ []byte) {
				if resp.Header.Get("Location") != "/v1/schulen/30001" {
					t.Errorf("Location = %q", resp.Header.Get("Location"))
				}
			}},
		{name: "put reports every field at once", call: call{method: "PUT", path: "/v1/schulen/20101",
			body: `{"name":"","schulform":"waldschule","plz":"6108","zuege":"zwei","klassenfrequenz":99,"farbe":"blau"}`}, roles: all, status: 422,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				p := problemOf(t, body)
				want := map[string]string{"/name": "pflichtfeld_leer", "/schulform": "schulform_unbekannt", "/plz": "plz_ungueltig",
					"/zuege": "typ_falsch", "/klassenfrequenz": "ausserhalb_bereich", "/farbe": "feld_unbekannt"}
				got := map[string]string{}
				for _, f := range p.Errors {
					got[f.Pointer] = f.Code
				}
				if len(got) != len(want) {
					t.Errorf("errors = %v, want %v", got, want)
				}
				for k, v := range want {
					if got[k] != v {
						t.Errorf("%s: %q, want %q", k, got[k], v)
					}
				}
				if p.Type != "urn:schulgateway:problem:validation" || p.RequestID == "" {
					t.Errorf("problem = %+v", p)
				}
			}},
		{name: "put with other number in body", call: call{method: "PUT", path: "/v1/schulen/20101", body: `{"schulnummer":"20102","name":"X","schulform":"grundschule"}`}, roles: all, status: 422},
		{name: "put invalid JSON", call: call{method: "PUT", path: "/v1/schulen/20101", body: `{"name":`}, roles: all, status: 400},
		{name: "put JSON array", call: call{method: "PUT", path: "/v1/schulen/20101", body: `[1,2]`}, roles: all, status: 400},
		{name: "put wrong media type", call: call{method: "PUT", path: "/v1/schulen/20101", body: valid, header: map[string]string{"Content-Type": "text/plain"}}, roles: all, status: 415},
		{name: "put compressed body", call: call{method: "PUT", path: "/v1/schulen/20101", body: valid, header: map[string]string{"Content-Encoding": "gzip"}}, roles: all, status: 415},
		{name: "unknown route", call: call{method: "GET", path: "/v1/nichts"}, roles: all, status: 404},
		{name: "healthz needs no token", call: call{method: "GET", path: "/healthz"}, status: 200},
		{name: "readyz", call: call{method: "GET", path: "/readyz"}, status: 200},
		{name: "openapi.yaml", call: call{method: "GET", path: "/openapi.yaml"}, status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				if !bytes.Equal(body, openapi.Spec) {
					t.Error("served spec differs from the embedded one")
				}
			}},
		{name: "docs", call: call{method: "GET", path: "/docs"}, status: 200},
		{name: "metrics", call: call{method: "GET", path: "/metrics"}, status: 200,
			check: func(t *testing.T, _ *http.Response, body []byte) {
				if !bytes.Contains(body, []byte("schulgateway_http_requests_total")) {
					t.Error("request counter missing from /metrics")
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.call
			if tt.roles != nil {
				c.token = e.token(tt.roles...)
			}
			resp, body := e.do(c)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d; body %s", resp.StatusCode, tt.status, body)
			}
			if resp.StatusCode >= 400 {
				p := problemOf(t, body)
				if p.Status != resp.StatusCode || p.Title == "" || p.Detail == "" || p.RequestID != resp.Header.Get("X-Request-ID") {
					t.Errorf("incomplete problem: %+v", p)
				}
			}
			if resp.Header.Get("X-Content-Type-Options") != "nosniff" || (strings.HasPrefix(c.path, "/v1/") && resp.Header.Get("Cache-Control") != "no-store") {
				t.Errorf("security headers missing: %v", resp.Header)
			}
			if tt.check != nil {
				tt.check(t, resp, body)
			}
		})
	}
}

func mustJSON(t *testing.T, body []byte, v any) {
	t.Helper()
	if err := json.Unmarshal(body, v); err != nil {
		t.Fatalf("body is not JSON: %v: %s", err, body)
	}
}

func problemOf(t *testing.T, body []byte) Problem {
	t.Helper()
	var p Problem
	mustJSON(t, body, &p)
	return p
}

// The route table and the spec must list the same operations with the same
// roles: a route missing from either side fails here.
func TestRoutesMatchSpec(t *testing.T) {
	doc := loadSpec(t)
	srv := newServer(Deps{Ready: func(context.Context) error { return nil }})
	param := regexp.MustCompile(`:([a-z_]+)`)
	inCode := map[string][]string{}
	for _, r := range srv.routes() {
		var roles []string
		for _, role := range r.roles {
			roles = append(roles, string(role))
		}
		inCode[r.method+" "+param.ReplaceAllString(r.path, "{$1}")] = roles
	}
	inSpec := map[string][]string{}
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			var roles []string
			if raw, ok := op.Extensions["x-roles"]; ok {
				for _, r := range raw.([]any) {
					roles = append(roles, r.(string))
				}
			}
			public := op.Security != nil && len(*op.Security) == 0
			if !public && len(roles) == 0 {
				t.Errorf("%s %s needs a token but names no x-roles", method, path)
			}
			// Every authenticated operation can be refused: token, role, rate limit.
			for _, status := range []int{401, 403, 429} {
				if !public && op.Responses.Status(status) == nil {
					t.Errorf("%s %s does not document %d", method, path, status)
				}
			}
			inSpec[method+" "+path] = roles
		}
	}
	for k, roles := range inCode {
		specRoles, ok := inSpec[k]
		if !ok {
			t.Errorf("route %s is served but not in openapi.yaml", k)
			continue
		}
		slices.Sort(roles)
		slices.Sort(specRoles)
		if !slices.Equal(roles, specRoles) {
			t.Errorf("%s: code allows %v, spec says x-roles %v", k, roles, specRoles)
		}
	}
	for k := range inSpec {
		if _, ok := inCode[k]; !ok {
			t.Errorf("openapi.yaml describes %s, but no route serves it", k)
		}
	}
}

func TestRequestIDIsValidatedAndEchoed(t *testing.T) {
	srv := newServer(Deps{Ready: func(context.Context) error { return nil }})
	for _, tc := range []struct{ sent, want string }{
		{"abc-123", "abc-123"},
		{"evil\nX-Injected: 1", ""},
		{strings.Repeat("a", 65), ""},
	} {
		req := httptest.NewRequest("GET", "/healthz", nil)
		req.Header["X-Request-Id"] = []string{tc.sent}
		resp, err := srv.app.Test(req)
		if err != nil {
			t.Fatal(err)
		}
		got := resp.Header.Get("X-Request-ID")
		if tc.want != "" && got != tc.want {
			t.Errorf("sent %q, got %q", tc.sent, got)
		}
		if tc.want == "" && (got == tc.sent || !regexp.MustCompile(`^[0-9a-f]{24}$`).MatchString(got)) {
			t.Errorf("sent %q, got %q: an invalid id must be replaced by a fresh one", tc.sent, got)
		}
	}
}

func TestPanicBecomesProblemAndServerLives(t *testing.T) {
	srv := newServer(Deps{Ready: func(context.Context) error { return nil }})
	srv.app.Get("/boom", func(*fiber.Ctx) error { panic("kaputt") })
	resp, err := srv.app.Test(httptest.NewRequest("GET", "/boom", nil))
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	if resp.StatusCode != 500 || resp.Header.Get("Content-Type") != "application/problem+json" || bytes.Contains(body, []byte("kaputt")) {
		t.Errorf("panic answered %d %q %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	resp, err = srv.app.Test(httptest.NewRequest("GET", "/healthz", nil))
	if err != nil || resp.StatusCode != 200 {
		t.Errorf("after a panic /healthz = %v, %v", resp, err)
	}
}

// An oversized body is refused by its announced size, over a real socket
// (fiber's in-memory Test cannot carry it): the client sends the start of
// the body (the server reads the first 8 KB before it decides) and waits
// for the answer; the rest is never read.
func TestBodyLimit(t *testing.T) {
	e := seeded(t)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.app.Listener(ln) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { e.srv.app.Shutdown() })
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	fmt.Fprintf(conn, "PUT /v1/schulen/20101 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer %s\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n",
		e.token(auth.RoleAdmin), BodyLimit+1)
	conn.Write(bytes.Repeat([]byte(" "), 16<<10)) //nolint:errcheck // the answer tells
	req := httptest.NewRequest("PUT", "/v1/schulen/20101", nil)
	resp, err := http.ReadResponse(bufio.NewReader(conn), req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 413 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("oversized body answered %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	e.checkContract(req, resp, body)

	// A JSON body within the upload limit but over the JSON limit.
	big := `{"name":"` + strings.Repeat("x", BodyLimit) + `","schulform":"grundschule"}`
	r2, _ := e.do(call{method: "PUT", path: "/v1/schulen/20101", body: big, token: e.token(auth.RoleAdmin)})
	if r2.StatusCode != 413 {
		t.Errorf("JSON body over %d bytes answered %d, want 413", BodyLimit, r2.StatusCode)
	}
}

package httpapi

import (
	"bufio"
	"io"
	"net"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// A token is taken from the Authorization header only: one in the URL
// would end up in proxy logs and browser histories.
func TestTokenInQueryStringIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pgtest.Pool(t))
	tok := e.token(auth.RoleAdmin)
	for _, q := range []string{"access_token", "token", "jwt", "authorization"} {
		resp, body := e.do(call{method: "GET", path: "/v1/schulwechsel?" + q + "=" + tok})
		if resp.StatusCode != 401 || !strings.Contains(string(body), "Authorization: Bearer") {
			t.Errorf("?%s=<token>: %d %s", q, resp.StatusCode, body)
		}
	}
}

// An oversized header is answered 431 as problem+json, and the server goes
// on serving.
func TestOversizedHeaderIsRefused(t *testing.T) {
	t.Parallel()
	e := newEnv(t, pgtest.Pool(t))
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	go e.srv.app.Listener(ln) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() { _ = e.srv.app.Shutdown() })
	base := "http://" + ln.Addr().String()

	// The server answers once its read buffer is full and closes the
	// connection while the client may still be writing the rest: an HTTP
	// client then sees its write fail (broken pipe) and reports that
	// instead of the answer. So the request is written on a connection of
	// its own, by a goroutine whose write may fail, while the answer is
	// read: what a client reading as it writes gets.
	conn, err := net.Dial("tcp", ln.Addr().String())
	if err != nil {
		t.Fatal(err)
	}
	defer conn.Close()
	conn.SetDeadline(time.Now().Add(10 * time.Second)) //nolint:errcheck
	go func() {
		conn.Write([]byte("GET /v1/schulen HTTP/1.1\r\nHost: gateway\r\nAuthorization: Bearer " + //nolint:errcheck // may be cut off
			strings.Repeat("A", 64<<10) + "\r\n\r\n"))
	}()
	resp, err := http.ReadResponse(bufio.NewReader(conn), nil)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 431 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("64 KiB header: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	req, _ := http.NewRequest("GET", base+"/v1/schulen", nil)
	req.Header.Set("Authorization", "Bearer "+e.token(auth.RoleBMS))
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the oversized header: %v %v", resp, err)
	}
	resp.Body.Close()
}

// Hostile JSON and XML bodies: each a clear 4xx problem+json, nothing
// written, the server serving on.
func TestHostileBodiesAreRefused(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	bms, amt := e.token(auth.RoleBMS), e.token(auth.RoleSchulamt)
	deepJSON := strings.Repeat(`{"a":`, 100_000) + "1" + strings.Repeat("}", 100_000)
	deepArray := `{"schueler": ` + strings.Repeat("[", 200_000) + strings.Repeat("]", 200_000) + `}`
	deepXML := `<?xml version="1.0"?>` + strings.Repeat("<a>", 100_000) + strings.Repeat("</a>", 100_000)
	billionLaughs := `<?xml version="1.0"?><!DOCTYPE l [<!ENTITY a "lol"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]><l>&c;&c;&c;</l>`
	for _, tc := range []struct {
		name, method, path, token, contentType, body string
		status                                       []int
	}{
		{"deeply nested JSON object", "POST", "/v1/schulwechsel", bms, "application/json", deepJSON, []int{400, 413, 422}},
		{"deeply nested JSON array", "POST", "/v1/schulwechsel", bms, "application/json", deepArray, []int{400, 413, 422}},
		{"huge number", "PUT", "/v1/schulen/20101", amt, "application/json",
			`{"schulnummer":"20101","name":"X","schulform":"grundschule","traeger":"stadt","zuege":1e999999}`, []int{400, 422}},
		{"number out of int range", "PUT", "/v1/schulen/20101", amt, "application/json",
			`{"schulnummer":"20101","name":"X","schulform":"grundschule","traeger":"stadt","zuege":99999999999999999999}`, []int{400, 422}},
		{"invalid UTF-8", "PUT", "/v1/schulen/20101", amt, "application/json", "{\"name\":\"\xff\xfe\"}", []int{400, 422}},
		{"two bodies", "PUT", "/v1/schulen/20101", amt, "application/json", `{"name":"A"}{"name":"B"}`, []int{400, 422}},
		{"deeply nested XML", "POST", "/v1/schulwechsel", bms, "application/xml", deepXML, []int{400, 413, 422}},
		{"entity expansion (billion laughs)", "POST", "/v1/schulwechsel", bms, "application/xml", billionLaughs, []int{400, 422}},
		{"wrong content type", "POST", "/v1/schulwechsel", bms, "application/x-www-form-urlencoded", "a=b", []int{415}},
		{"body over 1 MiB", "POST", "/v1/schulwechsel", bms, "application/json", `{"x":"` + strings.Repeat("a", 2<<20) + `"}`, []int{413}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.do(call{method: tc.method, path: tc.path, token: tc.token, body: tc.body,
				header: map[string]string{"Content-Type": tc.contentType}})
			if !slices.Contains(tc.status, resp.StatusCode) || resp.Header.Get("Content-Type") != "application/problem+json" {
				t.Errorf("%d %s %.200s, want one of %v as problem+json", resp.StatusCode, resp.Header.Get("Content-Type"), body, tc.status)
			}
			t.Logf("%d %.160s", resp.StatusCode, body)
		})
	}
	if n := count(t, pool, "SELECT (SELECT count(*) FROM schulwechsel) + (SELECT count(*) FROM schulen)"); n != 0 {
		t.Errorf("%d records written by hostile bodies", n)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/schulen", token: bms}); resp.StatusCode != 200 {
		t.Errorf("after the hostile bodies: %d", resp.StatusCode)
	}
}

package httpapi

import (
	"io"
	"net"
	"net/http"
	"strings"
	"testing"

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

	req, _ := http.NewRequest("GET", base+"/v1/schulen", nil)
	req.Header.Set("Authorization", "Bearer "+strings.Repeat("A", 64<<10))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	body, _ := io.ReadAll(resp.Body)
	resp.Body.Close()
	if resp.StatusCode != 431 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Errorf("64 KiB header: %d %s %.200s", resp.StatusCode, resp.Header.Get("Content-Type"), body)
	}
	req, _ = http.NewRequest("GET", base+"/v1/schulen", nil)
	req.Header.Set("Authorization", "Bearer "+e.token(auth.RoleBMS))
	resp, err = http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 200 {
		t.Fatalf("after the oversized header: %v %v", resp, err)
	}
	resp.Body.Close()
}

package httpapi

import (
	"context"
	"log/slog"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/schule"
)

// GET /v1/schulen is served from an encoded copy per store version: a
// change through this gateway shows at once, one made elsewhere (another
// instance, straight SQL) as soon as its notification arrives.
func TestSchulenListFollowsChanges(t *testing.T) {
	t.Parallel()
	url := pgtest.URL(t)
	ctx, cancel := context.WithCancel(context.Background())
	t.Cleanup(cancel)
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(pool.Close)
	changes := postgres.ListenChanges(ctx, url, slog.New(slog.DiscardHandler))
	e := newEnv(t, pool)
	e.srv.Schulen = schule.NewService(postgres.NewSchulenStore(pool, changes))
	deadline := time.Now().Add(5 * time.Second)
	for _, ok := changes.Generation(); !ok; _, ok = changes.Generation() {
		if time.Now().After(deadline) {
			t.Fatal("change listener not up")
		}
		time.Sleep(10 * time.Millisecond)
	}
	tok := e.token(auth.RoleSchulamt)
	list := func() string {
		_, body := e.do(call{method: "GET", path: "/v1/schulen", token: tok})
		return string(body)
	}
	put := func(name string) {
		if resp, body := e.do(call{method: "PUT", path: "/v1/schulen/20101", token: tok,
			body: `{"name":"` + name + `","schulform":"grundschule"}`}); resp.StatusCode >= 300 {
			t.Fatalf("PUT: %d %s", resp.StatusCode, body)
		}
	}
	put("Erster Name")
	if !strings.Contains(list(), "Erster Name") || !strings.Contains(list(), "Erster Name") {
		t.Fatal("list lacks the school just written")
	}
	put("Zweiter Name")
	if got := list(); !strings.Contains(got, "Zweiter Name") {
		t.Fatalf("list after a change through this gateway: %s", got)
	}
	if _, err := pool.Exec(ctx, "UPDATE schulen SET name = 'Dritter Name'"); err != nil {
		t.Fatal(err)
	}
	for !strings.Contains(list(), "Dritter Name") {
		if time.Now().After(deadline.Add(5 * time.Second)) {
			t.Fatal("list never showed a change made outside this gateway")
		}
		time.Sleep(10 * time.Millisecond)
	}
}

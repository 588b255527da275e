// Package bench measures the gateway on loopback under concurrent load:
// authenticated GET /v1/schulen (50 schools, RS256 verified on every
// request) against a bare fiber handler that returns the same JSON from
// memory, in the same run. Run with `make bench`.
package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"net"
	"path/filepath"
	"slices"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/valyala/fasthttp"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/openapi"
)

const connections = 32

type result struct {
	rps      float64
	p50, p99 time.Duration
}

// load sends n GET requests over `connections` concurrent connections and
// returns throughput and latency percentiles. Any non-200 fails.
func load(b *testing.B, addr, path, token string, n int) result {
	client := &fasthttp.HostClient{Addr: addr, MaxConns: connections}
	var next atomic.Int64
	lat := make([][]time.Duration, connections)
	var failed atomic.Int64
	var wg sync.WaitGroup
	start := time.Now()
	for w := range connections {
		wg.Add(1)
		go func() {
			defer wg.Done()
			req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
			defer fasthttp.ReleaseRequest(req)
			defer fasthttp.ReleaseResponse(resp)
			req.SetRequestURI("http://" + addr + path)
			if token != "" {
				req.Header.Set("Authorization", "Bearer "+token)
			}
			for next.Add(1) <= int64(n) {
				t0 := time.Now()
				if err := client.Do(req, resp); err != nil || resp.StatusCode() != 200 {
					failed.Add(1)
					continue
				}
				lat[w] = append(lat[w], time.Since(t0))
			}
		}()
	}
	wg.Wait()
	elapsed := time.Since(start)
	if f := failed.Load(); f > 0 {
		b.Fatalf("%d of %d requests failed", f, n)
	}
	all := slices.Concat(lat...)
	slices.Sort(all)
	return result{
		rps: float64(n) / elapsed.Seconds(),
		p50: all[len(all)*50/100],
		p99: all[len(all)*99/100],
	}
}

func serve(b *testing.B, app *fiber.App) string {
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		b.Fatal(err)
	}
	go app.Listener(ln) //nolint:errcheck // ends with Shutdown
	b.Cleanup(func() { app.Shutdown() })
	return ln.Addr().String()
}

func report(b *testing.B, r result) {
	b.ReportMetric(r.rps, "req/s")
	b.ReportMetric(float64(r.p50.Microseconds())/1000, "p50-ms")
	b.ReportMetric(float64(r.p99.Microseconds())/1000, "p99-ms")
	b.ReportMetric(0, "ns/op") // per-op time is meaningless for a concurrent load
}

func BenchmarkListSchulen(b *testing.B) {
	ctx := context.Background()
	url := pgtest.URL(b)
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	lctx, stop := context.WithCancel(ctx)
	b.Cleanup(stop)
	svc := schule.NewService(postgres.NewSchulenStore(pool, postgres.ListenChanges(lctx, url, slog.New(slog.DiscardHandler))))
	for i := range 50 {
		z := 2
		s := schule.Schule{Schulnummer: fmt.Sprintf("%05d", 20100+i), Name: fmt.Sprintf("Grundschule Nr. %d", i+1),
			Schulform: schule.Grundschule, Strasse: "Lindenplatz", Hausnummer: fmt.Sprint(i + 1), PLZ: "06108", Ort: "Musterstadt", Zuege: &z}
		if _, _, err := svc.Put(ctx, s.Schulnummer, s); err != nil {
			b.Fatal(err)
		}
	}
	signer, err := jwtauth.LoadOrCreateDevKey(filepath.Join(b.TempDir(), "key.json"))
	if err != nil {
		b.Fatal(err)
	}
	verifier, err := jwtauth.NewFromSet(signer.PublicSet(), "https://idp.bench", "schulgateway", 0)
	if err != nil {
		b.Fatal(err)
	}
	token, err := signer.Sign("https://idp.bench", "schulgateway", "bench", []auth.Role{auth.RoleBMS}, time.Hour)
	if err != nil {
		b.Fatal(err)
	}
	gateway := serve(b, httpapi.New(httpapi.Deps{
		Schulen: svc, Verifier: verifier, Spec: openapi.Spec,
		Ready: func(ctx context.Context) error { return postgres.Ping(ctx, pool) },
		// Log every request as in production, into io.Discard.
		Log: slog.New(slog.NewJSONHandler(io.Discard, nil)), AccessLog: true,
	}))

	// The baseline: the same JSON body, from memory, no auth, no database.
	client := &fasthttp.HostClient{Addr: gateway}
	req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
	req.SetRequestURI("http://" + gateway + "/v1/schulen")
	req.Header.Set("Authorization", "Bearer "+token)
	if err := client.Do(req, resp); err != nil || resp.StatusCode() != 200 {
		b.Fatalf("warm-up: %v %d %s", err, resp.StatusCode(), resp.Body())
	}
	body := slices.Clone(resp.Body())
	bareApp := fiber.New(fiber.Config{DisableStartupMessage: true})
	bareApp.Get("/v1/schulen", func(c *fiber.Ctx) error {
		c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
		return c.Send(body)
	})
	bare := serve(b, bareApp)

	var r map[string]result = map[string]result{}
	for _, tc := range []struct{ name, addr, token string }{{"bare-fiber", bare, ""}, {"gateway", gateway, token}} {
		b.Run(tc.name, func(b *testing.B) {
			res := load(b, tc.addr, "/v1/schulen", tc.token, max(b.N, 2000))
			r[tc.name] = res
			report(b, res)
		})
	}
	if g, bf := r["gateway"], r["bare-fiber"]; g.rps > 0 && bf.rps > 0 {
		b.Logf("gateway %.0f req/s (p99 %.2f ms) = %.1f%% of bare fiber %.0f req/s (p99 %.2f ms); response %d bytes, %d connections",
			g.rps, ms(g.p99), 100*g.rps/bf.rps, bf.rps, ms(bf.p99), len(body), connections)
	}
}

func ms(d time.Duration) float64 { return float64(d.Microseconds()) / 1000 }

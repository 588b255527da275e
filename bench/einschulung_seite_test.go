package bench

import (
	"context"
	"fmt"
	"log/slog"
	"runtime"
	"slices"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

type seitenFn func(ctx context.Context, sj werte.Schuljahr, after string, limit int) (page.Page[einschulung.Eintrag], error)

// BenchmarkKinderSeite measures GET …/kinder as the service computes it
// (PostgreSQL, directory lookups, ids; directory and schools cached as
// `serve` keeps them): served from the cohort kept in memory (`cache`, the
// check against the database included) and computed from its candidates
// (`seite`, main before session 5), in the same run: a page of 100 at
// positions spread over cohorts of 2,000 and 50,000 regular children
// (seedCity: plus a tenth deferred last year, the register three times the
// cohort), and the whole 50,000 cohort pulled in pages of 1,000. Issue 18
// asks for the 50,000 page within 2× the 2,000 page and the pull ≤ 1 s.
// It logs the time to compute the cohort into the cache and the heap it
// holds, and reports the heap per child with the cached pages.
//
// A cached page takes ~0.1–0.3 ms, most of it the check's round trip to
// PostgreSQL: the two cohorts' pages are measured alternately, round by
// round, and compared by their medians (until session 21 each cohort's 20
// pages were timed once, one after the other, and a single pause of the
// machine decided the ratio: 0.14–0.61 ms for the same 50,000 page in
// three runs).
func BenchmarkKinderSeite(b *testing.B) {
	ctx := context.Background()
	sj := werte.NewSchuljahr(2027)
	ps, err := einschulung.NewPseudonymizer([]byte("bench key, at least thirty-two bytes"))
	if err != nil {
		b.Fatal(err)
	}
	type kohorte struct {
		n         int
		mit, ohne seitenFn // from the cohort in memory; from its candidates
		cursors   []string // spread over the cohort
		kinder    int
		heap      float64 // bytes per child the cohort in the cache holds
	}
	var kohorten []kohorte
	for _, cohort := range []int{2000, 50000} {
		url := pgtest.URL(b)
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			b.Fatal(err)
		}
		b.Cleanup(pool.Close)
		seedCity(b, pool, cohort)
		// As `serve` runs it: directory and schools cached until they change.
		lctx, stop := context.WithCancel(ctx)
		b.Cleanup(stop)
		changes := postgres.ListenChanges(lctx, url, slog.New(slog.DiscardHandler))
		svc := einschulung.NewService(postgres.NewEinschulungStore(pool), postgres.NewSchulbezirkStore(pool, changes),
			schule.NewService(postgres.NewSchulenStore(pool, changes)), einschulung.GesetzlicheRegel(), ps).
			WithRendering(httpapi.RenderEinschulungKind) // as serve makes it: the heap below includes the children's JSON
		// The first page gives the register's children their stored ids.
		t0 := time.Now()
		if _, err := svc.OhneKohortenCache().Kinder(ctx, sj, einschulung.Auswahl{}, "", 1); err != nil {
			b.Fatal(err)
		}
		b.Logf("cohort %d: ids of %d children stored in %v", cohort, 3*cohort, time.Since(t0).Round(time.Millisecond))
		// The cohort into the cache: its time, and the heap it holds.
		runtime.GC()
		var vor, nach runtime.MemStats
		runtime.ReadMemStats(&vor)
		t0 = time.Now()
		if _, err := svc.Vorbereiten(ctx, sj); err != nil {
			b.Fatal(err)
		}
		dauer := time.Since(t0)
		runtime.GC()
		runtime.ReadMemStats(&nach)
		k, err := svc.Kohorte(ctx, sj)
		if err != nil {
			b.Fatal(err)
		}
		b.Logf("cohort %d (%d children): computed into the cache in %v, heap %.1f MB (%.0f bytes per child)", cohort, len(k.Eintraege),
			dauer.Round(time.Millisecond), float64(nach.HeapAlloc-vor.HeapAlloc)/1e6, float64(nach.HeapAlloc-vor.HeapAlloc)/float64(len(k.Eintraege)))
		ohne := svc.OhneKohortenCache()
		kh := kohorte{n: cohort, kinder: len(k.Eintraege), heap: float64(nach.HeapAlloc-vor.HeapAlloc) / float64(len(k.Eintraege)),
			mit: func(ctx context.Context, sj werte.Schuljahr, after string, limit int) (page.Page[einschulung.Eintrag], error) {
				return svc.Kinder(ctx, sj, einschulung.Auswahl{}, after, limit)
			},
			ohne: func(ctx context.Context, sj werte.Schuljahr, after string, limit int) (page.Page[einschulung.Eintrag], error) {
				return ohne.Kinder(ctx, sj, einschulung.Auswahl{}, after, limit)
			}}
		for i := range 20 {
			kh.cursors = append(kh.cursors, k.Eintraege[i*(len(k.Eintraege)-200)/20].ID)
		}
		kohorten = append(kohorten, kh)
	}
	seiten := func(b *testing.B, f seitenFn, cursors []string) {
		for _, c := range cursors {
			p, err := f(ctx, sj, c, 100)
			if err != nil || len(p.Items) != 100 {
				b.Fatalf("%d items, %v", len(p.Items), err)
			}
		}
	}
	for _, kh := range kohorten {
		// One op: a page of 100 after each of the 20 cursors, computed
		// from the candidates (7–140 ms a page: a pause does not decide).
		b.Run(fmt.Sprintf("kohorte=%d/limit=100/seite", kh.n), func(b *testing.B) {
			for b.Loop() {
				seiten(b, kh.ohne, kh.cursors)
			}
			b.ReportMetric(float64(b.Elapsed().Microseconds())/1000/float64(b.N*len(kh.cursors)), "ms/page")
		})
	}
	// From memory: per round each cohort's 20 pages, the order turned
	// round by round; per cohort the median of its rounds' time per page.
	b.Run("limit=100/cache", func(b *testing.B) {
		const runden = 100
		for b.Loop() {
			proSeite := make([][]time.Duration, len(kohorten))
			for r := range runden {
				for j := range kohorten {
					i := (j + r) % len(kohorten)
					t0 := time.Now()
					seiten(b, kohorten[i].mit, kohorten[i].cursors)
					proSeite[i] = append(proSeite[i], time.Since(t0)/time.Duration(len(kohorten[i].cursors)))
				}
			}
			var median []float64
			for i, d := range proSeite {
				slices.Sort(d)
				median = append(median, float64(d[len(d)/2].Microseconds())/1000)
				b.ReportMetric(median[i], fmt.Sprintf("ms/page-%d", kohorten[i].n))
				// What the speed costs in memory (the children's JSON included
				// since session 22), in every make bench.
				b.ReportMetric(kohorten[i].heap, fmt.Sprintf("B-heap/child-%d", kohorten[i].n))
				b.Logf("cohort %d, cached page of 100: median %.3f ms, quartiles %.3f–%.3f ms, slowest round %.3f ms a page (%d rounds of %d pages)",
					kohorten[i].n, median[i], float64(d[len(d)/4].Microseconds())/1000, float64(d[len(d)*3/4].Microseconds())/1000,
					float64(d[len(d)-1].Microseconds())/1000, runden, len(kohorten[i].cursors))
			}
			gross, klein := kohorten[len(kohorten)-1], kohorten[0]
			b.ReportMetric(median[len(median)-1]/median[0], fmt.Sprintf("ratio-%d/%d", gross.n, klein.n))
		}
		b.ReportMetric(0, "ns/op")
	})
	kh := kohorten[len(kohorten)-1] // 50,000
	for _, impl := range []struct {
		name string
		f    seitenFn
	}{{"seite", kh.ohne}, {"cache", kh.mit}} {
		b.Run(fmt.Sprintf("kohorte=%d/abruf-1000/%s", kh.n, impl.name), func(b *testing.B) {
			for b.Loop() {
				n, after := 0, ""
				for {
					p, err := impl.f(ctx, sj, after, 1000)
					if err != nil {
						b.Fatal(err)
					}
					n += len(p.Items)
					if after = p.Next; after == "" {
						break
					}
				}
				if n != kh.kinder {
					b.Fatalf("pulled %d of %d", n, kh.kinder)
				}
			}
			b.ReportMetric(b.Elapsed().Seconds()/float64(b.N), "s/cohort")
		})
	}
}

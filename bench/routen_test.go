package bench

import (
	"context"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"runtime"
	"runtime/pprof"
	"runtime/trace"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/gofiber/fiber/v2"
	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"
	dto "github.com/prometheus/client_model/go"
	"github.com/valyala/fasthttp"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/adapters/logwriter"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
	"github.com/schulgateway/schulgateway/openapi"
)

// wrkResult is what wrk measured.
type wrkResult struct {
	rps      float64
	p50, p99 time.Duration
}

var (
	wrkRPS     = regexp.MustCompile(`Requests/sec:\s+([0-9.]+)`)
	wrkLatency = regexp.MustCompile(`(?m)^\s+(50|99)%\s+([0-9.]+)(us|ms|s)\s*$`)
	wrkBad     = regexp.MustCompile(`Non-2xx or 3xx responses: (\d+)|Socket errors: .*`)
)

// runWrk drives url with wrk (2 threads, 32 connections) for d.
func runWrk(b *testing.B, url, token string, d time.Duration) wrkResult {
	// --timeout: wrk's 2 s would count the slow children page computed
	// from its candidates (main before session 5) on a loaded machine as
	// socket errors.
	args := []string{"-t2", fmt.Sprintf("-c%d", connections), fmt.Sprintf("-d%ds", max(1, int(d.Seconds()))), "--latency", "--timeout", "10s"}
	if token != "" {
		args = append(args, "-H", "Authorization: Bearer "+token)
	}
	out, err := exec.Command("wrk", append(args, url)...).CombinedOutput()
	if err != nil {
		b.Fatalf("wrk: %v\n%s", err, out)
	}
	if m := wrkBad.FindString(string(out)); m != "" {
		b.Fatalf("wrk against %s: %s\n%s", url, m, out)
	}
	var r wrkResult
	m := wrkRPS.FindStringSubmatch(string(out))
	if m == nil {
		b.Fatalf("wrk output without Requests/sec:\n%s", out)
	}
	r.rps, _ = strconv.ParseFloat(m[1], 64)
	for _, l := range wrkLatency.FindAllStringSubmatch(string(out), -1) {
		v, _ := strconv.ParseFloat(l[2], 64)
		unit := map[string]time.Duration{"us": time.Microsecond, "ms": time.Millisecond, "s": time.Second}[l[3]]
		if l[1] == "50" {
			r.p50 = time.Duration(v * float64(unit))
		} else {
			r.p99 = time.Duration(v * float64(unit))
		}
	}
	return r
}

// wrkDauer is how long wrk drives each route (BENCH_WRK_DURATION, default 5s).
func wrkDauer() time.Duration {
	if d, err := time.ParseDuration(os.Getenv("BENCH_WRK_DURATION")); err == nil && d > 0 {
		return d
	}
	return 5 * time.Second
}

// profiling records, while fn runs, a CPU profile, an execution trace and
// mutex and block profiles into dir/<name>.*, when dir is set.
func profiling(b *testing.B, dir, name string, fn func()) {
	if dir == "" {
		fn()
		return
	}
	base := filepath.Join(dir, name)
	cpu, err := os.Create(base + ".cpu.pprof")
	if err != nil {
		b.Fatal(err)
	}
	tr, err := os.Create(base + ".trace")
	if err != nil {
		b.Fatal(err)
	}
	runtime.SetMutexProfileFraction(5)
	runtime.SetBlockProfileRate(int(10 * time.Microsecond))
	writeProfile(b, "allocs", base+".allocs-before.pprof") // for pprof -base: the run's allocations alone
	pprof.StartCPUProfile(cpu)                             //nolint:errcheck
	trace.Start(tr)                                        //nolint:errcheck
	fn()
	trace.Stop()
	pprof.StopCPUProfile()
	runtime.SetMutexProfileFraction(0)
	runtime.SetBlockProfileRate(0)
	for _, p := range []string{"mutex", "block", "allocs"} {
		writeProfile(b, p, base+"."+p+".pprof")
	}
	cpu.Close()
	tr.Close()
}

func writeProfile(b *testing.B, name, path string) {
	f, err := os.Create(path)
	if err != nil {
		b.Fatal(err)
	}
	pprof.Lookup(name).WriteTo(f, 0) //nolint:errcheck
	f.Close()
}

// heapUse is what the process allocated and how often it collected.
type heapUse struct{ mallocs, bytes, gcs uint64 }

func readHeapUse() heapUse {
	var m runtime.MemStats
	runtime.ReadMemStats(&m)
	return heapUse{m.Mallocs, m.TotalAlloc, uint64(m.NumGC)}
}

// BenchmarkRouten is make bench's table: each route of the BMS through the
// whole gateway (RS256 token verified, access log written, audit entries
// committed before the answer for the audited ones) against bare fiber
// serving the same bytes from memory, one after the other in the same run,
// loaded by wrk (2 threads, 32 connections, BENCH_WRK_DURATION each).
// BENCH_PROFILE=dir records profiles and a trace of each gateway run;
// BENCH_ROUTEN=regexp runs only the routes it matches.
func BenchmarkRouten(b *testing.B) {
	if _, err := exec.LookPath("wrk"); err != nil {
		b.Fatal("wrk fehlt: apt-get install -y wrk")
	}
	ctx := context.Background()
	url := pgtest.URL(b)
	if n := os.Getenv("BENCH_POOL_MAX_CONNS"); n != "" { // the gateway's pool size (default 16)
		url += map[bool]string{true: "&", false: "?"}[strings.Contains(url, "?")] + "pool_max_conns=" + n
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		b.Fatal(err)
	}
	b.Cleanup(pool.Close)
	seedCity(b, pool, 2000) // 8 Grundschulen, directory, register, Meldungen
	ps, err := einschulung.NewPseudonymizer([]byte("bench key, at least thirty-two bytes"))
	if err != nil {
		b.Fatal(err)
	}
	// The register's children in the change feed, as its import records
	// them (upserts under their pseudonyms): the feed is longer than a page.
	var kinderFeed []changefeed.Change
	rows, err := pool.Query(ctx, "SELECT schluessel FROM kinder ORDER BY schluessel")
	if err != nil {
		b.Fatal(err)
	}
	schluessel, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		b.Fatal(err)
	}
	for _, k := range schluessel {
		kinderFeed = append(kinderFeed, changefeed.Change{Entity: changefeed.EntityKind, ID: ps.ID(k), Operation: changefeed.Upsert})
	}
	if err := postgres.RecordChanges(ctx, pool, kinderFeed...); err != nil {
		b.Fatal(err)
	}
	lctx, stop := context.WithCancel(ctx)
	b.Cleanup(stop)
	changes := postgres.ListenChanges(lctx, url, slog.New(slog.DiscardHandler))
	schulen := schule.NewService(postgres.NewSchulenStore(pool, changes))
	for i := range 42 { // 50 schools in all, each a change-feed entry
		z := 2
		s := schule.Schule{Schulnummer: fmt.Sprintf("%05d", 30100+i), Name: fmt.Sprintf("Schule Nr. %d", i+1),
			Schulform: schule.Grundschule, Strasse: "Lindenplatz", Hausnummer: fmt.Sprint(i + 1), PLZ: "06108", Ort: "Musterstadt", Zuege: &z}
		if _, _, err := schulen.Put(ctx, s.Schulnummer, s); err != nil {
			b.Fatal(err)
		}
	}
	bezirke := postgres.NewSchulbezirkStore(pool, changes)
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
	auditStore := postgres.NewAuditStore(pool)
	auditStore.Start(lctx)
	// The chainer runs every 5 s, paced, as serve's does (cmd/schulgateway
	// chainAudit). Since session 15 the batch writer chains the reads'
	// entries itself and the chainer finds nothing of theirs; before, its
	// work was part of a read's cost. BENCH_OHNE_CHAINER=1 leaves it out.
	go func() {
		if os.Getenv("BENCH_OHNE_CHAINER") != "" {
			return
		}
		t := time.NewTicker(5 * time.Second)
		defer t.Stop()
		for {
			select {
			case <-lctx.Done():
				return
			case <-t.C:
			}
			if _, err := auditStore.ChainPaced(lctx, 5*time.Second); err != nil && lctx.Err() == nil {
				b.Error(err)
			}
		}
	}()
	logOut := logwriter.New(logZiel(b), 0) // as serve writes its log
	b.Cleanup(func() { logOut.Close(5 * time.Second) })
	// As serve makes it: the cohort kept in memory carries its children's JSON.
	kohorte := einschulung.NewService(postgres.NewEinschulungStore(pool), bezirke, schulen, einschulung.GesetzlicheRegel(), ps).
		WithRendering(httpapi.RenderEinschulungKind)
	if _, err := kohorte.Vorbereiten(ctx, werte.NewSchuljahr(2027)); err != nil {
		b.Fatal(err)
	}
	gatewayMit := func(es *einschulung.Service, feed *postgres.FeedStore) string {
		return serve(b, httpapi.New(httpapi.Deps{
			Schulen: schulen, Changes: feed,
			Einschulung: httpapi.EinschulungDeps{Schulbezirke: schulbezirk.NewService(bezirke), Einschulung: es},
			Audit:       auditStore, Verifier: verifier, Spec: openapi.Spec,
			Ready: func(ctx context.Context) error { return postgres.Ping(ctx, pool) },
			Log:   slog.New(slog.NewJSONHandler(logOut, nil)), AccessLog: true, LogDropped: logOut.Dropped,
		}))
	}
	// Reads from memory write their entry under a condition (serve does).
	gateway := gatewayMit(kohorte.WithAudit(auditStore), postgres.NewFeedStore(pool, 0).WithCache(changes).WithRendering(httpapi.RenderChange).WithAudit(auditStore))
	// The children page as main computed it before the cohort was kept in
	// memory (issue 18, session 5): each page from its candidates.
	ohneCache := gatewayMit(kohorte.OhneKohortenCache(), postgres.NewFeedStore(pool, 0).WithCache(changes))
	// Reads from memory as before session 7: the check (the cohort's, or
	// the feed's read), then the entry.
	ohneBedingung := gatewayMit(kohorte, postgres.NewFeedStore(pool, 0).WithCache(changes).WithRendering(httpapi.RenderChange))
	const kinderRoute = "/v1/einschulung/2027-28/kinder?limit=100"

	// The feed read twice: its first page (full, as a client catching up
	// reads it) and at its head, where a client polls for what is new.
	feed := postgres.NewFeedStore(pool, 0)
	if err := feed.Sequence(ctx); err != nil {
		b.Fatal(err)
	}
	var head int64
	if err := pool.QueryRow(ctx, "SELECT last_position FROM change_feed_head").Scan(&head); err != nil {
		b.Fatal(err)
	}
	kopfRoute := "/v1/changes?limit=100&after=" + changefeed.EncodePosition(uint64(head))
	routen := []string{"/v1/schulen", kinderRoute, "/v1/changes?limit=100", kopfRoute}
	if f := os.Getenv("BENCH_ROUTEN"); f != "" { // a regexp: only the routes it matches
		re := regexp.MustCompile(f)
		routen = slices.DeleteFunc(routen, func(r string) bool { return !re.MatchString(r) })
	}
	// The baseline: each route's answer, as the gateway gave it, from memory.
	bareApp := fiber.New(fiber.Config{DisableStartupMessage: true, WriteBufferSize: httpapi.WriteBufferSize})
	bodies := map[string][]byte{}
	for _, r := range routen {
		req, resp := fasthttp.AcquireRequest(), fasthttp.AcquireResponse()
		req.SetRequestURI("http://" + gateway + r)
		req.Header.Set("Authorization", "Bearer "+token)
		if err := fasthttp.Do(req, resp); err != nil || resp.StatusCode() != 200 {
			b.Fatalf("%s: %v %d %s", r, err, resp.StatusCode(), resp.Body())
		}
		path, _, _ := strings.Cut(r, "?")
		if _, ok := bodies[path]; !ok {
			bareApp.Get(path, func(c *fiber.Ctx) error {
				c.Set(fiber.HeaderContentType, fiber.MIMEApplicationJSON)
				return c.Send(bodies[string(c.Request().RequestURI())])
			})
		}
		bodies[path] = nil
		bodies[r] = slices.Clone(resp.Body())
		fasthttp.ReleaseRequest(req)
		fasthttp.ReleaseResponse(resp)
	}
	bare := serve(b, bareApp)

	d, dir := wrkDauer(), os.Getenv("BENCH_PROFILE")
	type zeile struct {
		route     string
		gw, bf    wrkResult
		bodyBytes int
		heap      heapUse // during the gateway's run (the bare server idles then)
		commits   schreibungen
		dauer     commitDauer // the audit writer's commits during the gateway's run
		auditiert bool        // a route whose answers wait for their audit entries, in the gateway under test
	}
	// Each run starts with the chain caught up: the chainer's work on the
	// entries of the runs before (the children page's three gateways leave
	// ~100,000) is charged to none of them, instead of to the route that
	// happens to come next (before session 10 the feed routes, measured
	// after the children page, paid for it). A run's own entries are
	// chained by the chainer during it, as far as it gets; what it left
	// is chained right after it (the bare runs write none) and printed
	// with the table. BENCH_CHAIN_CARRYOVER=1 measures as before, carrying
	// the backlog over.
	type rest struct {
		nach  string
		n     int
		dauer time.Duration
	}
	var reste []rest
	aufholen := func(nach string) {
		if os.Getenv("BENCH_CHAIN_CARRYOVER") != "" {
			return
		}
		t := time.Now()
		n, err := auditStore.Chain(ctx)
		if err != nil {
			b.Fatal(err)
		}
		if n > 0 && nach != "" {
			reste = append(reste, rest{nach, n, time.Since(t)})
		}
	}
	var tabelle []zeile
	for b.Loop() {
		tabelle, reste = tabelle[:0], reste[:0]
		aufholen("") // the entries of setting up and of the answers fetched for the baseline
		for i, r := range routen {
			z := zeile{route: r, bodyBytes: len(bodies[r]), auditiert: r != "/v1/schulen"}
			z.bf = runWrk(b, "http://"+bare+r, "", d)
			pruefungen := kohortenPruefungen(b, pool)
			profiling(b, dir, fmt.Sprintf("route%d", i), func() {
				h0 := readHeapUse()
				e0 := auditSchreibungen(b, pool)
				c0 := leseCommitDauer(b, auditStore.Commits())
				z.gw = runWrk(b, "http://"+gateway+r, token, d)
				z.dauer = leseCommitDauer(b, auditStore.Commits()).minus(c0)
				h1 := readHeapUse()
				time.Sleep(1500 * time.Millisecond) // the writer's statistics reach the view when it idles
				z.commits = auditSchreibungen(b, pool).minus(e0)
				z.heap = heapUse{h1.mallocs - h0.mallocs, h1.bytes - h0.bytes, h1.gcs - h0.gcs}
			})
			aufholen(r)
			tabelle = append(tabelle, z)
			vergleich := func(name, addr string) {
				alt := zeile{route: r + " (" + name + ")", bf: z.bf, bodyBytes: z.bodyBytes}
				alt.gw = runWrk(b, "http://"+addr+r, token, d)
				aufholen(alt.route)
				tabelle = append(tabelle, alt)
			}
			if r == kinderRoute {
				time.Sleep(2 * time.Second) // the backends' statistics reach the views when they are idle
				n := kohortenPruefungen(b, pool) - pruefungen
				fmt.Printf("children page from memory: %d reads of the cohort's stand (checks, entries under condition) for about %.0f requests\n", n, z.gw.rps*d.Seconds())
				vergleich("ohne Kohorte im Speicher", ohneCache)
			}
			if r == kinderRoute || r == kopfRoute {
				vergleich("erst prüfen, dann protokollieren", ohneBedingung)
			}
		}
	}
	// The audit writer alone: as many callers as wrk has connections, each
	// writing entries one after another through the same store into the
	// same database, without HTTP. An audited route cannot answer more
	// requests per second than this (each waits for its entry); the
	// route's share of it is the part of the gap to bare fiber that is the
	// gateway's, the rest is PostgreSQL's commit of the entries.
	const jeVerbindung = 1500
	allein := func(c audit.Condition) float64 {
		d := recordParallel(b, auditStore, connections, jeVerbindung, c)
		aufholen("")
		return float64(connections*jeVerbindung) / d.Seconds()
	}
	alleinOhne := allein(audit.Condition{})
	alleinKopf := allein(audit.Condition{Kind: audit.FeedHead, Value: strconv.FormatInt(head, 10)})
	ms := func(d time.Duration) string { return strconv.FormatFloat(float64(d.Microseconds())/1000, 'f', 2, 64) }
	fmt.Printf("\nwrk -t2 -c%d, %v per run, role bms; bare fiber = the same bytes from memory, same run (load average %s)\n",
		connections, d, loadavg())
	fmt.Printf("| route | gateway req/s | bare req/s | share | gateway p50 ms | gateway p99 ms | bare p50 ms | bare p99 ms | p99 ratio |\n|---|---|---|---|---|---|---|---|---|\n")
	for _, z := range tabelle {
		fmt.Printf("| `%s` | %.0f | %.0f | %.1f %% | %s | %s | %s | %s | %.1f× |\n", z.route, z.gw.rps, z.bf.rps, 100*z.gw.rps/z.bf.rps,
			ms(z.gw.p50), ms(z.gw.p99), ms(z.bf.p50), ms(z.bf.p99), float64(z.gw.p99)/float64(z.bf.p99))
	}
	fmt.Printf("\naudit writer alone (%d callers, no HTTP, same store and database): %.0f entries/s, %.0f under the feed-head condition\n",
		connections, alleinOhne, alleinKopf)
	for _, z := range tabelle {
		if !z.auditiert {
			continue
		}
		boden, wie := alleinOhne, "entries/s"
		if z.route == kopfRoute {
			boden, wie = alleinKopf, "entries/s under the condition"
		}
		// The writer alone against bare fiber is the most of bare this
		// route can reach at this many connections on this machine,
		// whatever the gateway costs (docs/performance.md, session 21).
		fmt.Printf("%s: %.1f %% of the writer alone's %s; the writer alone is %.1f %% of bare fiber's req/s here\n",
			z.route, 100*z.gw.rps/boden, wie, 100*boden/z.bf.rps)
	}
	fmt.Printf("log lines dropped (output too slow): %d\n", logOut.Dropped())
	for _, r := range reste {
		fmt.Printf("%s: %d of its entries chained after its run (the chainer had not reached them), in %v\n", r.nach, r.n, r.dauer.Round(time.Millisecond))
	}
	for _, z := range tabelle {
		if z.auditiert && z.commits.statements > 0 {
			fmt.Printf("%s: %d audit entries in %d statements (%.1f per commit, %.0f commits/s)\n", z.route, z.commits.entries, z.commits.statements,
				float64(z.commits.entries)/float64(z.commits.statements), float64(z.commits.statements)/d.Seconds())
		}
	}
	for _, z := range tabelle {
		if z.auditiert && z.dauer.n > 0 {
			fmt.Printf("%s: the audit writer's commits (schulgateway_audit_commit_seconds): %s\n", z.route, z.dauer)
		}
	}
	for _, z := range tabelle {
		if z.heap.mallocs == 0 { // the comparison row runs another gateway, not measured
			continue
		}
		n := z.gw.rps * d.Seconds()
		fmt.Printf("%s: gateway process %.0f allocations, %.0f B per request; %d collections in %v; answer %d B\n",
			z.route, float64(z.heap.mallocs)/n, float64(z.heap.bytes)/n, z.heap.gcs, d, z.bodyBytes)
	}
	b.ReportMetric(0, "ns/op")
}

// kohortenPruefungen counts the reads of einschulung_stand so far: each
// check of a cached cohort against the database reads it once, and so does
// each audit entry written under the condition that the cohort is current.
func kohortenPruefungen(b *testing.B, pool *pgxpool.Pool) int64 {
	var n int64
	if err := pool.QueryRow(context.Background(), `SELECT coalesce(seq_scan, 0) FROM pg_stat_user_tables WHERE relname = 'einschulung_stand'`).Scan(&n); err != nil {
		b.Fatal(err)
	}
	return n
}

// logZiel is where the gateway's log goes (BENCH_LOG): "discard" (the
// default), or "pipe": a pipe that another process (cat) reads into
// /dev/null, as journald or a container runtime read `serve`'s stdout.
func logZiel(b *testing.B) io.Writer {
	if os.Getenv("BENCH_LOG") != "pipe" {
		return io.Discard
	}
	cmd := exec.Command("cat")
	w, err := cmd.StdinPipe()
	if err != nil {
		b.Fatal(err)
	}
	if err := cmd.Start(); err != nil {
		b.Fatal(err)
	}
	b.Cleanup(func() { w.Close(); cmd.Wait() }) //nolint:errcheck
	return w
}

func loadavg() string {
	data, err := os.ReadFile("/proc/loadavg")
	if err != nil {
		return "?"
	}
	return strings.Join(strings.Fields(string(data))[:3], " ")
}

// schreibungen counts audit entries and the statements that wrote them:
// the batch writer moves the chain's head once per commit, and every other
// statement that writes entries adds a row to audit_offen (the chainer's
// steps, which move the head too, are counted as well: a few per run).
type schreibungen struct{ entries, statements int64 }

func (s schreibungen) minus(t schreibungen) schreibungen {
	return schreibungen{s.entries - t.entries, s.statements - t.statements}
}

func auditSchreibungen(b *testing.B, pool *pgxpool.Pool) schreibungen {
	var s schreibungen
	if err := pool.QueryRow(context.Background(), `SELECT
		(SELECT coalesce(n_tup_ins, 0) FROM pg_stat_user_tables WHERE relname = 'audit_log'),
		(SELECT coalesce(n_tup_ins, 0) FROM pg_stat_user_tables WHERE relname = 'audit_offen')
		+ (SELECT coalesce(n_tup_upd, 0) FROM pg_stat_user_tables WHERE relname = 'audit_head')`).Scan(&s.entries, &s.statements); err != nil {
		b.Fatal(err)
	}
	return s
}

// commitDauer is the audit writer's commit histogram
// (AuditStore.Commits) at a moment: how many commits took at most each
// bucket's upper bound. Each audited answer waits for one commit at
// least, two when its entry came while the one before was under way:
// the table's p99 of an audited route follows the slow commits.
type commitDauer struct {
	grenzen []float64 // seconds
	bis     []uint64  // commits up to each bound, cumulative
	n       uint64
}

func leseCommitDauer(b *testing.B, h prometheus.Histogram) commitDauer {
	var m dto.Metric
	if err := h.Write(&m); err != nil {
		b.Fatal(err)
	}
	c := commitDauer{n: m.GetHistogram().GetSampleCount()}
	for _, k := range m.GetHistogram().GetBucket() {
		c.grenzen = append(c.grenzen, k.GetUpperBound())
		c.bis = append(c.bis, k.GetCumulativeCount())
	}
	return c
}

func (c commitDauer) minus(d commitDauer) commitDauer {
	r := commitDauer{grenzen: c.grenzen, n: c.n - d.n}
	for i := range c.bis {
		r.bis = append(r.bis, c.bis[i]-d.bis[i])
	}
	return r
}

// hoechstens is how many commits took at most the bucket bound g
// (seconds, one of the store's bounds).
func (c commitDauer) hoechstens(g float64) uint64 {
	i := slices.Index(c.grenzen, g)
	if i < 0 {
		panic(fmt.Sprintf("no bucket bound %v in the commit histogram", g))
	}
	return c.bis[i]
}

// String: the commits, the shares up to 1 and 5 ms, how many took longer
// than 10 ms, and the bucket of the slowest.
func (c commitDauer) String() string {
	anteil := func(g float64) float64 { return 100 * float64(c.hoechstens(g)) / float64(c.n) }
	langsamste := "> " + strconv.FormatFloat(1000*c.grenzen[len(c.grenzen)-1], 'f', -1, 64) + " ms"
	if i := slices.Index(c.bis, c.n); i >= 0 {
		langsamste = "≤ " + strconv.FormatFloat(1000*c.grenzen[i], 'f', -1, 64) + " ms"
	}
	return fmt.Sprintf("%d, ≤ 1 ms %.1f %%, ≤ 5 ms %.1f %%, over 10 ms %d, the slowest %s",
		c.n, anteil(0.001), anteil(0.005), c.n-c.hoechstens(0.01), langsamste)
}

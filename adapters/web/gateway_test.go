package web_test

import (
	"context"
	"fmt"
	"log/slog"
	"net"
	"os/exec"
	"path/filepath"
	"testing"
	"time"

	"github.com/chromedp/cdproto/dom"
	"github.com/chromedp/cdproto/runtime"
	"github.com/chromedp/chromedp"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/adapters/web"
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

// gateway is the real gateway – every route, PostgreSQL, the import
// worker – on a loopback port, wired as serve wires it.
type gateway struct {
	url  string
	pool *pgxpool.Pool
}

// startGateway serves on 127.0.0.1. Without a verifier it runs as in dev
// mode: it trusts a fresh dev key and the pages may sign in with it.
func startGateway(t *testing.T, verifier auth.Verifier, webDeps httpapi.WebDeps) *gateway {
	t.Helper()
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	return startGatewayOn(t, ln, verifier, webDeps)
}

// startGatewayOn serves on ln, whose address a test may need to know
// before the gateway starts (an identity provider's redirect URI).
func startGatewayOn(t *testing.T, ln net.Listener, verifier auth.Verifier, webDeps httpapi.WebDeps) *gateway {
	t.Helper()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if verifier == nil {
		signer, err := jwtauth.LoadOrCreateDevKey(filepath.Join(t.TempDir(), "dev-key.json"))
		if err != nil {
			t.Fatal(err)
		}
		if verifier, err = jwtauth.NewFromSet(signer.PublicSet(), "schulgateway-dev", "schulgateway", 0); err != nil {
			t.Fatal(err)
		}
		webDeps.DevToken = func(role auth.Role, sub string, ttl time.Duration) (string, error) {
			return signer.Sign("schulgateway-dev", "schulgateway", sub, []auth.Role{role}, ttl)
		}
	}
	webDeps.Files = web.Files
	ps := testPseudonymizer(t)
	importStore := postgres.NewImportStore(pool, ps.ID)
	worker := postgres.NewWorker(postgres.NewProcessor(importStore, sheets.Uploads{}.Open), 2, slog.New(slog.DiscardHandler))
	wctx, stop := context.WithCancel(ctx)
	done := make(chan struct{})
	go func() { worker.Run(wctx); close(done) }()
	spStore := postgres.NewSchulpflichtStore(pool)
	spService := schulpflicht.NewService(spStore, schulpflicht.GesetzlicheSpanne(), schulpflicht.StandardKonfiguration(), nil)
	spWorker := postgres.NewAbgleichWorker(spStore, spService.Run, slog.New(slog.DiscardHandler))
	spService.SetQueued(spWorker.Wake)
	spDone := make(chan struct{})
	go func() { spWorker.Run(wctx); close(spDone) }()
	schulen := schule.NewService(postgres.NewSchulenStore(pool, nil))
	bezirke := postgres.NewSchulbezirkStore(pool, nil)
	app := httpapi.New(httpapi.Deps{
		Schulen: schulen,
		Planung: httpapi.PlanungDeps{Service: planung.NewService(postgres.NewPlanungStore(pool), bezirke, einschulung.GesetzlicheRegel())},
		Einschulung: httpapi.EinschulungDeps{
			Schulbezirke: schulbezirk.NewService(bezirke),
			Einschulung:  einschulung.NewService(postgres.NewEinschulungStore(pool), bezirke, schulen, einschulung.GesetzlicheRegel(), ps).WithRendering(httpapi.RenderEinschulungKind),
		},
		Changes: postgres.NewFeedStore(pool, 24*time.Hour),
		Schulwechsel: httpapi.SchulwechselDeps{
			Service:     schulwechsel.NewService(postgres.NewSchulwechselStore(pool), 0),
			Idempotency: postgres.NewIdempotencyStore(pool),
		},
		Imports: httpapi.ImportDeps{
			Service:        importing.NewService(importStore, importing.Limits{MaxBytes: 8 << 20}),
			Queued:         worker.Wake,
			MarkedWorkbook: sheets.Uploads{}.MarkedWorkbook,
			CheckFile:      sheets.Uploads{}.Check,
			Open:           sheets.Uploads{}.Open,
			MaxBytes:       8 << 20,
		},
		Schulpflicht: httpapi.SchulpflichtDeps{Service: spService},
		Untersuchung: httpapi.UntersuchungDeps{Service: untersuchung.NewService(postgres.NewUntersuchungStore(pool))},
		Schulbescheinigung: httpapi.SchulbescheinigungDeps{
			Service:     schulbescheinigung.NewService(postgres.NewSchulbescheinigungStore(pool)),
			Idempotency: postgres.NewIdempotencyStore(pool),
		},
		Uebergang: httpapi.UebergangDeps{Service: uebergang.NewService(postgres.NewUebergangStore(pool).WithAufnahmen(xschule.Encode), schulen, 0)},
		Audit:     postgres.NewAuditStore(pool),
		Web:       webDeps,
		Verifier:  verifier,
		Ready:     func(ctx context.Context) error { return postgres.Ping(ctx, pool) },
		Spec:      openapi.Spec,
		Docs:      []byte("<!DOCTYPE html><title>docs</title>"),
	})
	go app.Listener(ln) //nolint:errcheck // ends with Shutdown
	t.Cleanup(func() {
		_ = app.Shutdown()
		stop()
		<-done
		<-spDone
	})
	return &gateway{url: "http://" + ln.Addr().String(), pool: pool}
}

// testPseudonymizer is the gateway's pseudonymizer in the browser tests.
func testPseudonymizer(t *testing.T) einschulung.Pseudonymizer {
	t.Helper()
	ps, err := einschulung.NewPseudonymizer([]byte("web test key of at least 32 bytes!"))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// seedDemo loads Musterstadt (schools and street directory) as seed-demo does.
func seedDemo(t *testing.T, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	svc := schule.NewService(postgres.NewSchulenStore(pool, nil))
	var nummern []string
	for _, s := range demo.Schulen() {
		if _, _, err := svc.Put(ctx, s.Schulnummer, s); err != nil {
			t.Fatal(err)
		}
		nummern = append(nummern, s.Schulnummer)
	}
	if err := postgres.ReplaceStrassenverzeichnis(ctx, pool, nummern, demo.Strassenverzeichnis()); err != nil {
		t.Fatal(err)
	}
}

// chromium finds the browser. Its absence fails the test: CI installs it
// (.ci/run), and a skipped browser test would prove nothing.
func chromium(t *testing.T) string {
	t.Helper()
	for _, name := range []string{"chromium", "chromium-browser", "google-chrome", "google-chrome-stable"} {
		if p, err := exec.LookPath(name); err == nil {
			return p
		}
	}
	t.Fatal("Chromium fehlt: die Browser-Tests brauchen ihn (Debian: apt-get install -y chromium).")
	return ""
}

// startBrowser starts headless Chromium for the test.
func startBrowser(t *testing.T) context.Context {
	t.Helper()
	opts := append(chromedp.DefaultExecAllocatorOptions[:],
		chromedp.ExecPath(chromium(t)),
		chromedp.NoSandbox, // CI runs as root
		chromedp.WindowSize(1280, 900),
		chromedp.Flag("lang", "de-DE"),
	)
	actx, cancelAlloc := chromedp.NewExecAllocator(context.Background(), opts...)
	ctx, cancel := chromedp.NewContext(actx, chromedp.WithErrorf(func(format string, args ...any) { t.Logf("chromedp: "+format, args...) }))
	t.Cleanup(func() { cancel(); cancelAlloc() })
	if err := chromedp.Do(ctx); err != nil {
		t.Fatalf("Chromium startet nicht: %v", err)
	}
	return ctx
}

func do(t *testing.T, ctx context.Context, what string, actions ...chromedp.Action[chromedp.Void]) {
	t.Helper()
	tctx, cancel := context.WithTimeout(ctx, timeout)
	defer cancel()
	if err := chromedp.Do(tctx, actions...); err != nil {
		t.Fatalf("%s: %v (Status: %q)", what, err, statusText(ctx))
	}
}

// timeout bounds each step. Generous: make test runs the browser beside
// the other packages' tests under -race on a small machine.
const timeout = 90 * time.Second

func statusText(ctx context.Context) string {
	tctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	s, err := chromedp.Run(tctx, chromedp.Evaluate[string](`location.pathname + location.search + ' [' + (document.activeElement && document.activeElement.id) + '] ' + ((document.getElementById('status') || document.body || {}).textContent || '')`))
	if err != nil {
		return "(nicht lesbar: " + err.Error() + ")"
	}
	return s
}

// waitFor polls a JavaScript condition until it is true.
func waitFor(t *testing.T, ctx context.Context, what, js string) {
	t.Helper()
	// A poll does not survive a navigation: poll again on the new page.
	deadline := time.Now().Add(timeout)
	for {
		_, err := chromedp.Run(ctx, chromedp.Poll[chromedp.Void](js, chromedp.WithPollingInterval(50*time.Millisecond), chromedp.WithPollingTimeout(time.Until(deadline))))
		if err == nil {
			return
		}
		if time.Now().After(deadline) {
			t.Fatalf("%s: %v (Status: %q)", what, err, statusText(ctx))
		}
		time.Sleep(50 * time.Millisecond)
	}
}

func eval[T any](t *testing.T, ctx context.Context, js string) T {
	t.Helper()
	v, err := chromedp.Run(ctx, chromedp.Evaluate[T](js))
	if err != nil {
		t.Fatalf("evaluate %s: %v", js, err)
	}
	return v
}

// setFiles chooses files in the file input with id, as a user would in
// the file dialog, and waits until the input holds them, so that a file
// the browser could not take fails here and not as a silent empty upload
// (Chromium drops a non-ASCII path when its locale does not exist).
func setFiles(t *testing.T, ctx context.Context, id string, files ...string) {
	t.Helper()
	obj, err := chromedp.Run(ctx, chromedp.Evaluate[*runtime.RemoteObject](`document.getElementById('`+id+`')`))
	if err != nil || obj == nil {
		t.Fatalf("Dateifeld #%s: %v", id, err)
	}
	if _, err := chromedp.Call(ctx, dom.SetFileInputFiles, dom.SetFileInputFilesParams{Files: files, ObjectID: obj.ObjectID}); err != nil {
		t.Fatalf("Datei wählen: %v", err)
	}
	waitFor(t, ctx, "Datei gewählt", fmt.Sprintf(`document.getElementById('%s').files.length === %d`, id, len(files)))
}

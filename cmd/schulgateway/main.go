// Command schulgateway is the gateway between the Schulträger and BMS-LSA.
// Subcommands: serve, migrate, token, seed-demo.
package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"os"
	"os/signal"
	"strings"
	"syscall"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/prometheus/client_golang/prometheus"

	"github.com/schulgateway/schulgateway/adapters/apidocs"
	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/jwtauth"
	"github.com/schulgateway/schulgateway/adapters/logwriter"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/web"
	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/aufbewahrung"
	"github.com/schulgateway/schulgateway/internal/auth"
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

func main() {
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	err := run(ctx, os.Args[1:], os.Getenv, os.Stdout, os.Stderr)
	stop()
	if err != nil {
		if !errors.Is(err, flag.ErrHelp) {
			fmt.Fprintln(os.Stderr, "schulgateway:", err)
		}
		os.Exit(exitCode(err))
	}
}

func exitCode(err error) int {
	if errors.Is(err, flag.ErrHelp) {
		return 0
	}
	var u usageError
	if errors.As(err, &u) {
		return 2
	}
	return 1
}

type usageError struct{ msg string }

func (e usageError) Error() string { return e.msg }

const usage = `schulgateway – Gateway zwischen Schulträger und BMS-LSA

Aufruf: schulgateway <Befehl> [Optionen]

Befehle:
  serve       den Gateway starten (migriert die Datenbank beim Start)
  migrate     ausstehende Datenbank-Migrationen anwenden
  seed-demo   die Demo-Stadt Musterstadt laden (Schulen, Melderegister, Schülerlisten, Einschulung, Planung, Schulpflicht)
  import      eine Liste (xlsx, xls, ods, csv) direkt importieren, mit Fortschrittsanzeige
  audit verify  die Hash-Kette des Zugriffsprotokolls prüfen (Exit-Status 1, wenn sie gebrochen ist)
  token       (nur Entwicklung) ein mit dem Dev-Schlüssel signiertes Token ausgeben

„schulgateway <Befehl> --help“ zeigt die Optionen eines Befehls.
Konfiguration über Umgebungsvariablen: siehe README.md.
`

func run(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	if len(args) == 0 {
		fmt.Fprint(stderr, usage)
		return usageError{"kein Befehl angegeben"}
	}
	switch args[0] {
	case "-h", "--help", "help":
		fmt.Fprint(stdout, usage)
		return nil
	case "serve":
		return cmdServe(ctx, args[1:], getenv, stdout, stderr)
	case "migrate":
		return cmdMigrate(ctx, args[1:], getenv, stdout, stderr)
	case "seed-demo":
		return cmdSeedDemo(ctx, args[1:], getenv, stdout, stderr)
	case "token":
		return cmdToken(args[1:], getenv, stdout, stderr)
	case "import":
		return cmdImport(ctx, args[1:], getenv, stdout, stderr)
	case "audit":
		return cmdAudit(ctx, args[1:], getenv, stdout, stderr)
	}
	fmt.Fprint(stderr, usage)
	return usageError{fmt.Sprintf("unbekannter Befehl %q", args[0])}
}

func newFlags(name, help string, stderr io.Writer) *flag.FlagSet {
	fs := flag.NewFlagSet(name, flag.ContinueOnError)
	fs.SetOutput(stderr)
	fs.Usage = func() {
		fmt.Fprintf(stderr, "Aufruf: schulgateway %s [Optionen]\n\n%s\n", name, help)
		var any bool
		fs.VisitAll(func(*flag.Flag) { any = true })
		if any {
			fmt.Fprintln(stderr, "Optionen:")
			fs.PrintDefaults()
		}
	}
	return fs
}

func parse(fs *flag.FlagSet, args []string) error {
	if err := fs.Parse(args); err != nil {
		if errors.Is(err, flag.ErrHelp) {
			return err
		}
		return usageError{err.Error()}
	}
	if fs.NArg() > 0 {
		return usageError{fmt.Sprintf("unerwartete Argumente: %s", strings.Join(fs.Args(), " "))}
	}
	return nil
}

func newLogger(w io.Writer, level string) *slog.Logger {
	var l slog.Level
	_ = l.UnmarshalText([]byte(level)) // validated by loadConfig
	return slog.New(slog.NewJSONHandler(w, &slog.HandlerOptions{Level: l}))
}

// openDB opens a pool on the database at url, creating the database first
// when it does not exist yet (a fresh machine), and applies pending
// migrations. It returns the migrations it applied.
func openDB(ctx context.Context, url string) (*pgxpool.Pool, []string, error) {
	if err := postgres.EnsureDatabase(ctx, url); err != nil {
		return nil, nil, fmt.Errorf("Datenbank nicht erreichbar oder nicht anlegbar (%s): %w", redact(url), err)
	}
	pool, err := postgres.Open(ctx, url)
	if err != nil {
		return nil, nil, err
	}
	applied, err := postgres.Migrate(ctx, pool)
	if err != nil {
		pool.Close()
		return nil, nil, fmt.Errorf("Migration: %w", err)
	}
	return pool, applied, nil
}

// redact hides a password in a connection string before it is printed.
func redact(url string) string {
	if at := strings.Index(url, "@"); at > 0 {
		if scheme := strings.Index(url, "://"); scheme >= 0 && scheme < at {
			if colon := strings.Index(url[scheme+3:at], ":"); colon >= 0 {
				return url[:scheme+3+colon+1] + "***" + url[at:]
			}
		}
	}
	return url
}

func cmdMigrate(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("migrate", "Wendet alle ausstehenden Migrationen auf DATABASE_URL an (legt die Datenbank an, wenn sie fehlt).", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	pool, done, err := openDB(ctx, or(getenv("DATABASE_URL"), postgres.DefaultURL))
	if err != nil {
		return err
	}
	pool.Close()
	if len(done) == 0 {
		fmt.Fprintln(stdout, "Datenbank ist aktuell; keine Migration ausstehend.")
	}
	for _, m := range done {
		fmt.Fprintln(stdout, "angewendet:", m)
	}
	return nil
}

func cmdToken(args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("token", "Gibt ein Token aus, das mit dem lokalen Dev-Schlüssel (DEV_KEY_FILE, Standard var/dev-key.json)\nsigniert ist. Nur ein Gateway im Entwicklungsmodus (SCHULGATEWAY_DEV=true) nimmt es an.", stderr)
	role := fs.String("role", "schulamt", "Rolle(n), durch Komma getrennt: bms, schulamt, planung, admin, gesundheitsamt")
	sub := fs.String("sub", "", "Subjekt (Standard: dev-<rolle>)")
	ttl := fs.Duration("ttl", 12*time.Hour, "Gültigkeitsdauer")
	if err := parse(fs, args); err != nil {
		return err
	}
	var roles []auth.Role
	for _, r := range strings.Split(*role, ",") {
		r = strings.TrimSpace(r)
		if !isRole(r) {
			return usageError{fmt.Sprintf("unbekannte Rolle %q (erlaubt: bms, schulamt, planung, admin, gesundheitsamt)", r)}
		}
		roles = append(roles, auth.Role(r))
	}
	if *sub == "" {
		*sub = "dev-" + strings.ReplaceAll(*role, ",", "-")
	}
	signer, err := jwtauth.LoadOrCreateDevKey(or(getenv("DEV_KEY_FILE"), "var/dev-key.json"))
	if err != nil {
		return err
	}
	tok, err := signer.Sign(devIssuer, devAudience, *sub, roles, *ttl)
	if err != nil {
		return err
	}
	fmt.Fprintln(stdout, tok)
	return nil
}

func isRole(r string) bool {
	for _, known := range auth.AllRoles {
		if string(known) == r {
			return true
		}
	}
	return false
}

func cmdServe(ctx context.Context, args []string, getenv func(string) string, stdout, stderr io.Writer) error {
	fs := newFlags("serve", "Startet den Gateway auf LISTEN_ADDR. Migriert die Datenbank beim Start.\nOhne SCHULGATEWAY_DEV=true sind JWT_JWKS_URL oder JWT_JWKS_FILE, JWT_ISSUER und JWT_AUDIENCE Pflicht.", stderr)
	if err := parse(fs, args); err != nil {
		return err
	}
	cfg, err := loadConfig(getenv)
	if err != nil {
		return err
	}
	// No request waits for stdout: lines go through a queue (dropped and
	// counted when it is full, docs/decisions.md perf-request).
	logOut := logwriter.New(stdout, 0)
	defer logOut.Close(5 * time.Second)
	log := newLogger(logOut, cfg.LogLevel)

	verifier, err := newVerifier(ctx, cfg)
	if err != nil {
		return err
	}
	webDeps := httpapi.WebDeps{Files: web.Files, OIDCIssuer: cfg.OIDCIssuer, OIDCClientID: cfg.OIDCClientID}
	if cfg.Dev && cfg.JWKSURL == "" && cfg.JWKSFile == "" {
		// Only where the gateway trusts the dev key can pages sign in with it.
		signer, err := jwtauth.LoadOrCreateDevKey(cfg.DevKeyFile)
		if err != nil {
			return err
		}
		webDeps.DevToken = func(role auth.Role, sub string, ttl time.Duration) (string, error) {
			return signer.Sign(devIssuer, devAudience, sub, []auth.Role{role}, ttl)
		}
	}
	pool, done, err := openDB(ctx, cfg.DatabaseURL)
	if err != nil {
		return err
	}
	defer pool.Close()
	if len(done) > 0 {
		log.Info("migrations applied", "names", done)
	}
	docs, err := apidocs.Render(openapi.Spec)
	if err != nil {
		return fmt.Errorf("API-Referenz: %w", err)
	}
	changes := postgres.ListenChanges(ctx, cfg.DatabaseURL, log)
	auditStore := postgres.NewAuditStore(pool)
	// Reads answered from memory write their audit entry under the
	// condition that memory is current: one round trip (audit.Condition).
	feed := postgres.NewFeedStore(pool, cfg.FeedRetention).WithCache(changes).WithRendering(httpapi.RenderChange).WithAudit(auditStore)
	go pruneFeed(ctx, feed, log)
	ps, err := einschulung.NewPseudonymizer(cfg.PseudonymKey)
	if err != nil {
		return err
	}
	importStore := postgres.NewImportStore(pool, ps.ID)
	proc := postgres.NewProcessor(importStore, cfg.Uploads.Open)
	proc.MaxRemovalShare = cfg.ImportMaxRemovalShare
	worker := postgres.NewWorker(proc, cfg.ImportWorkers, log)
	workerDone := make(chan struct{})
	wctx, stopWorker := context.WithCancel(context.WithoutCancel(ctx))
	go func() { worker.Run(wctx); close(workerDone) }()
	defer func() { stopWorker(); <-workerDone }()
	schulen := schule.NewService(postgres.NewSchulenStore(pool, changes))
	bezirke := postgres.NewSchulbezirkStore(pool, changes)
	auditStore.Start(wctx) // ends after the last request has been answered
	go chainAudit(ctx, auditStore, log)
	go retainDaily(ctx, aufbewahrung.NewService(postgres.NewAufbewahrungStore(pool, auditStore), cfg.Aufbewahrung), log)
	spStore := postgres.NewSchulpflichtStore(pool)
	spService := schulpflicht.NewService(spStore, schulpflicht.Spanne{Regel: cfg.Einschulung, Jahre: cfg.SchulpflichtJahre}, cfg.Schulpflicht, nil)
	spService.SetListenMaxAlter(cfg.SchulpflichtListenMaxAlter)
	spWorker := postgres.NewAbgleichWorker(spStore, spService.Run, log)
	spService.SetQueued(spWorker.Wake)
	spDone := make(chan struct{})
	go func() { spWorker.Run(wctx); close(spDone) }()
	defer func() { stopWorker(); <-spDone }()
	app := httpapi.New(httpapi.Deps{
		Audit:   auditStore,
		Schulen: schulen,
		Planung: httpapi.PlanungDeps{Service: planungService(postgres.NewPlanungStore(pool), bezirke, cfg)},
		Einschulung: httpapi.EinschulungDeps{
			Schulbezirke: schulbezirk.NewService(bezirke),
			Einschulung:  einschulung.NewService(postgres.NewEinschulungStore(pool), bezirke, schulen, cfg.Einschulung, ps).WithRendering(httpapi.RenderEinschulungKind).WithAudit(auditStore),
		},
		Changes:      feed,
		Schulpflicht: httpapi.SchulpflichtDeps{Service: spService},
		Untersuchung: httpapi.UntersuchungDeps{Service: untersuchung.NewService(postgres.NewUntersuchungStore(pool))},
		Schulbescheinigung: httpapi.SchulbescheinigungDeps{
			Service:     schulbescheinigung.NewService(postgres.NewSchulbescheinigungStore(pool)),
			Idempotency: postgres.NewIdempotencyStore(pool),
		},
		Uebergang: httpapi.UebergangDeps{Service: uebergang.NewService(postgres.NewUebergangStore(pool).WithPseudonym(ps.ID).WithAufnahmen(xschule.Encode), schulen, cfg.PlanungSchwelle)},
		Schulwechsel: httpapi.SchulwechselDeps{
			Service:     schulwechsel.NewService(postgres.NewSchulwechselStore(pool), cfg.SchulwechselFrist),
			Idempotency: postgres.NewIdempotencyStore(pool),
		},
		Imports: httpapi.ImportDeps{
			Service:        importing.NewService(importStore, importing.Limits{MaxBytes: cfg.ImportMaxBytes}),
			Queued:         worker.Wake,
			MarkedWorkbook: cfg.Uploads.MarkedWorkbook,
			CheckFile:      cfg.Uploads.Check,
			Open:           cfg.Uploads.Open,
			MaxBytes:       cfg.ImportMaxBytes,
		},
		Web:            webDeps,
		Verifier:       verifier,
		Ready:          func(ctx context.Context) error { return postgres.Ping(ctx, pool) },
		Spec:           openapi.Spec,
		Docs:           docs,
		Log:            log,
		AccessLog:      true,
		LogDropped:     logOut.Dropped,
		Metrics:        []prometheus.Collector{auditStore.Commits()},
		Limits:         cfg.Limits,
		TrustedProxies: cfg.TrustedProxies,
	})

	errc := make(chan error, 1)
	go func() { errc <- app.Listen(cfg.ListenAddr) }()
	log.Info("listening", "addr", cfg.ListenAddr, "dev", cfg.Dev)
	select {
	case err := <-errc:
		return fmt.Errorf("LISTEN_ADDR %s: %w", cfg.ListenAddr, err)
	case <-ctx.Done():
	}
	// Drain: stop accepting, let in-flight requests finish.
	log.Info("shutting down", "timeout", cfg.ShutdownTimeout.String())
	if err := app.ShutdownWithTimeout(cfg.ShutdownTimeout); err != nil {
		return fmt.Errorf("shutdown: %w", err)
	}
	log.Info("stopped")
	return nil
}

func newVerifier(ctx context.Context, cfg config) (auth.Verifier, error) {
	if cfg.Dev && cfg.JWKSURL == "" && cfg.JWKSFile == "" {
		signer, err := jwtauth.LoadOrCreateDevKey(cfg.DevKeyFile)
		if err != nil {
			return nil, err
		}
		return jwtauth.NewFromSet(signer.PublicSet(), cfg.Issuer, cfg.Audience, 30*time.Second)
	}
	return jwtauth.New(ctx, jwtauth.Config{JWKSURL: cfg.JWKSURL, JWKSFile: cfg.JWKSFile, Issuer: cfg.Issuer, Audience: cfg.Audience})
}

// chainAudit gives queued audit entries (those written in the transaction
// of other work: imports, changes; the reads' entries are chained as they
// are written) their place in the hash chain every few seconds (readers of
// the trail chain first too).
func chainAudit(ctx context.Context, store *postgres.AuditStore, log *slog.Logger) {
	const interval = 5 * time.Second
	t := time.NewTicker(interval)
	defer t.Stop()
	for {
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
		// Paced: the burst of a busy interval's entries would otherwise
		// take the machine from the requests (docs/performance.md, session 7).
		if _, err := store.ChainPaced(ctx, interval); err != nil && ctx.Err() == nil {
			log.Warn("audit chain step failed", "err", err)
		}
	}
}

// retainDaily runs the retention a minute after start and then daily:
// children who moved away long ago are anonymised, old upload files and
// audit entries deleted (RETENTION_*_TAGE). Each run is audited.
func retainDaily(ctx context.Context, svc *aufbewahrung.Service, log *slog.Logger) {
	next := time.After(time.Minute)
	for {
		select {
		case <-ctx.Done():
			return
		case <-next:
		}
		next = time.After(24 * time.Hour)
		b, ran, err := svc.Bereinigen(ctx, time.Now())
		switch {
		case err != nil && ctx.Err() == nil:
			log.Warn("retention failed", "err", err)
		case ran:
			log.Info("retention done", "children_anonymised", b.KinderAnonymisiert, "imports_cleared", b.ImporteBereinigt, "cases_deleted", b.FaelleGeloescht, "audit_entries_deleted", b.ProtokollGeloescht)
		}
	}
}

// pruneFeed drops change-feed entries older than the retention, hourly;
// a client whose position is older then gets 410 and resynchronises.
func pruneFeed(ctx context.Context, feed *postgres.FeedStore, log *slog.Logger) {
	t := time.NewTicker(time.Hour)
	defer t.Stop()
	for {
		if n, err := feed.Prune(ctx); err != nil {
			log.Warn("change feed prune failed", "err", err)
		} else if n > 0 {
			log.Info("change feed pruned", "entries", n)
		}
		select {
		case <-ctx.Done():
			return
		case <-t.C:
		}
	}
}

// planungService is the planning service with the configured threshold
// and SEPl-VO minimum sizes.
func planungService(store planung.Store, bezirke planung.Verzeichnis, cfg config) *planung.Service {
	svc := planung.NewService(store, bezirke, cfg.Einschulung)
	svc.Schwelle, svc.Mindestgroessen = cfg.PlanungSchwelle, cfg.Mindestgroessen
	return svc
}

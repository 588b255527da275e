// Package httpapi is the gateway's HTTP face: a fiber app, its middleware,
// the handlers, and the one mapping from domain errors to problem+json.
package httpapi

import (
	"context"
	"log/slog"
	"sync/atomic"
	"time"

	gojson "github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"
	"github.com/gofiber/fiber/v2/middleware/adaptor"
	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/promhttp"

	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/schule"
)

// Deps is everything the HTTP layer needs from the rest of the gateway.
type Deps struct {
	Schulen      *schule.Service
	Imports      ImportDeps
	Changes      changefeed.Store
	Schulwechsel SchulwechselDeps
	// Schulbescheinigung: certificates of attendance (XSchule).
	Schulbescheinigung SchulbescheinigungDeps
	// Untersuchung: outcomes of the Schuleingangsuntersuchung.
	Untersuchung UntersuchungDeps
	Einschulung  EinschulungDeps
	Planung      PlanungDeps
	// Audit keeps the audit trail; nil records nothing (HTTP unit tests).
	Audit        AuditStore
	Schulpflicht SchulpflichtDeps
	Uebergang    UebergangDeps
	Web          WebDeps
	Verifier     auth.Verifier
	// Ready reports whether the database answers; /readyz calls it.
	Ready func(ctx context.Context) error
	// Spec is the OpenAPI document served at /openapi.yaml; Docs the
	// rendered reference page served at /docs.
	Spec, Docs []byte
	Log        *slog.Logger
	// AccessLog turns on one JSON log line per request.
	AccessLog bool
	// LogDropped, if set, counts the log lines dropped because the output
	// did not take them (adapters/logwriter); exported as a metric.
	LogDropped func() uint64
	// Metrics are further collectors exported at /metrics (the audit
	// writer's commit times).
	Metrics []prometheus.Collector
	// RequestTimeout bounds reading a request and each handler's work
	// (default 15s); an upload may take uploadReadTime to arrive.
	RequestTimeout time.Duration
	// Limits are the rate limits; the zero value has none.
	Limits RateLimits
	// TrustedProxies are the addresses (or CIDR ranges) of reverse proxies
	// whose X-Forwarded-For names the client; from any other address the
	// header is ignored.
	TrustedProxies []string
}

type server struct {
	Deps
	app            *fiber.App
	log            *slog.Logger
	verifier       auth.Verifier
	metrics        *metrics
	accessLog      bool
	subjectLimiter *limiter
	failedLogins   *limiter
	// schulenJSON caches the encoded list of schools per store version.
	schulenJSON atomic.Pointer[encodedList]
}

// BodyLimit is the largest JSON request body accepted (bytes); uploads
// may be as large as ImportDeps.MaxBytes.
const BodyLimit = 1 << 20

// WriteBufferSize is the connection's write buffer: header and body of an
// answer up to 32 KB (the list of schools is 17 KB) go out in one write(2),
// not two (fasthttp's default is 4 KB). make bench's bare fiber uses it too.
const WriteBufferSize = 32 << 10

// New builds the fiber app with every route and middleware.
func New(d Deps) *fiber.App { return newServer(d).app }

func newServer(d Deps) *server {
	if d.Log == nil {
		d.Log = slog.New(slog.DiscardHandler)
	}
	if d.RequestTimeout == 0 {
		d.RequestTimeout = 15 * time.Second
	}
	s := &server{Deps: d, log: d.Log, verifier: d.Verifier, metrics: newMetrics(), accessLog: d.AccessLog,
		subjectLimiter: newLimiter(d.Limits.PerSubject, d.Limits.Burst),
		failedLogins:   newLimiter(float64(d.Limits.FailedLoginsPerMinute)/60, d.Limits.FailedLoginsPerMinute)}
	if d.LogDropped != nil {
		s.metrics.registry.MustRegister(prometheus.NewCounterFunc(prometheus.CounterOpts{
			Name: "schulgateway_log_lines_dropped_total",
			Help: "Log lines dropped because the log's output (stdout) did not take them in time.",
		}, func() float64 { return float64(d.LogDropped()) }))
	}
	s.metrics.registry.MustRegister(d.Metrics...)
	s.app = fiber.New(fiber.Config{
		AppName:               "schulgateway",
		ServerHeader:          "",
		DisableStartupMessage: true,
		ReadTimeout:           d.RequestTimeout, // an upload gets uploadReadTime (receiveUpload)
		WriteTimeout:          60 * time.Second,
		IdleTimeout:           90 * time.Second,
		// Bodies are streamed: an upload goes from the connection to a
		// temporary file (postImport), every other body is read into memory
		// up to BodyLimit by bufferBody before a handler sees it.
		StreamRequestBody:            true,
		DisablePreParseMultipartForm: true,
		BodyLimit:                    BodyLimit,
		ReadBufferSize:               16 << 10,
		WriteBufferSize:              WriteBufferSize,
		ErrorHandler:                 errorHandler(d.Log),
		// goccy/go-json (fiber's own dependency) encodes the lists the BMS
		// polls about three times faster than encoding/json; same output.
		JSONEncoder: gojson.Marshal,
		JSONDecoder: gojson.Unmarshal,
		// The client address (audit trail, rate limits) is the connection's
		// unless a trusted proxy forwarded the request.
		EnableTrustedProxyCheck: len(d.TrustedProxies) > 0,
		TrustedProxies:          d.TrustedProxies,
		ProxyHeader:             proxyHeader(d.TrustedProxies),
		EnableIPValidation:      true,
	})
	s.app.Use(s.observe, securityHeaders, refuseContentEncoding, s.bufferBody, s.withTimeout)
	for _, r := range s.routes() {
		handlers := []fiber.Handler{}
		if len(r.roles) > 0 {
			handlers = append(handlers, s.auditRequest(r.method+" "+r.path), s.authenticate, s.limitSubject, allow(r.roles...))
		}
		handlers = append(handlers, checkQuery, r.handler)
		s.app.Add(r.method, r.path, handlers...)
	}
	return s
}

func proxyHeader(trusted []string) string {
	if len(trusted) == 0 {
		return ""
	}
	return fiber.HeaderXForwardedFor
}

// route is one entry of the route table; a test holds it against the
// OpenAPI spec (path, method and x-roles).
type route struct {
	method, path string
	roles        []auth.Role // none: public
	handler      fiber.Handler
}

var (
	readers = []auth.Role{auth.RoleBMS, auth.RoleSchulamt, auth.RolePlanung, auth.RoleAdmin}
	editors = []auth.Role{auth.RoleSchulamt, auth.RoleAdmin}
)

func (s *server) routes() []route {
	return append([]route{
		{fiber.MethodGet, "/healthz", nil, s.healthz},
		{fiber.MethodGet, "/readyz", nil, s.readyz},
		{fiber.MethodGet, "/metrics", nil, adaptor.HTTPHandler(promhttp.HandlerFor(s.metrics.registry, promhttp.HandlerOpts{}))},
		{fiber.MethodGet, "/openapi.yaml", nil, s.openapi},
		{fiber.MethodGet, "/docs", nil, s.docs},
		{fiber.MethodGet, "/v1/schulen", readers, s.listSchulen},
		{fiber.MethodGet, "/v1/schulen/:schulnummer", readers, s.getSchule},
		{fiber.MethodPut, "/v1/schulen/:schulnummer", editors, s.putSchule},
		{fiber.MethodGet, "/v1/changes", []auth.Role{auth.RoleBMS}, s.getChanges},
		{fiber.MethodGet, "/v1/imports", editors, s.listImports},
		{fiber.MethodPost, uploadPath, editors, s.postImport},
		{fiber.MethodGet, "/v1/imports/:id", editors, s.getImport},
		{fiber.MethodGet, "/v1/imports/:id/errors", editors, s.getImportErrors},
		{fiber.MethodGet, "/v1/imports/:id/errors.xlsx", editors, s.getImportErrorsXLSX},
		{fiber.MethodDelete, "/v1/imports/:id", editors, s.deleteImport},
		{fiber.MethodGet, "/v1/header-mappings/:kind", editors, s.getHeaderMappings},
		{fiber.MethodPut, "/v1/header-mappings/:kind", editors, s.putHeaderMappings},
	}, append(append(append(append(append(append(s.schulwechselRoutes(), append(s.schulbescheinigungRoutes(), s.untersuchungRoutes()...)...), s.einschulungRoutes()...), s.planungRoutes()...), s.auditRoutes()...), s.schulpflichtRoutes()...), append(s.uebergangRoutes(), s.webRoutes()...)...)...)
}

// withTimeout gives each handler a context that ends after RequestTimeout
// so that a slow database cannot hold a request (and its connection) forever.
func (s *server) withTimeout(c *fiber.Ctx) error {
	ctx, cancel := context.WithTimeout(context.Background(), s.RequestTimeout)
	defer cancel()
	c.SetUserContext(ctx)
	return c.Next()
}

func (s *server) healthz(c *fiber.Ctx) error {
	return c.JSON(fiber.Map{"status": "ok"})
}

func (s *server) readyz(c *fiber.Ctx) error {
	if err := s.Ready(c.UserContext()); err != nil {
		s.log.Warn("not ready", "err", err)
		c.Set(fiber.HeaderRetryAfter, "5")
		return writeProblem(c, fiber.StatusServiceUnavailable, "Die Datenbank ist nicht erreichbar.", nil)
	}
	return c.JSON(fiber.Map{"status": "ready"})
}

func (s *server) openapi(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, "application/yaml")
	return c.Send(s.Spec)
}

func (s *server) docs(c *fiber.Ctx) error {
	c.Set(fiber.HeaderContentType, fiber.MIMETextHTMLCharsetUTF8)
	c.Set("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; img-src 'self' data:")
	return c.Send(s.Docs)
}

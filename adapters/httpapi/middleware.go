package httpapi

import (
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"runtime/debug"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
)

const (
	headerRequestID = "X-Request-ID"
	localRequestID  = "request_id"
	localPrincipal  = "principal"
)

// principal is the verified caller (zero outside authenticated routes).
func principal(c *fiber.Ctx) auth.Principal {
	p, _ := c.Locals(localPrincipal).(auth.Principal)
	return p
}

func requestID(c *fiber.Ctx) string {
	id, _ := c.Locals(localRequestID).(string)
	return id
}

// validRequestID accepts a caller's id only if it is short and plain, so
// that nothing a client sends can forge log lines or headers.
func validRequestID(s string) bool {
	if len(s) == 0 || len(s) > 64 {
		return false
	}
	for i := 0; i < len(s); i++ {
		b := s[i]
		if !(b >= 'a' && b <= 'z' || b >= 'A' && b <= 'Z' || b >= '0' && b <= '9' || b == '-' || b == '_' || b == '.') {
			return false
		}
	}
	return true
}

func newRequestID() string {
	var b [12]byte
	rand.Read(b[:]) //nolint:errcheck // crypto/rand.Read does not fail
	return hex.EncodeToString(b[:])
}

// routePath is the matched route template ("/v1/schulen/:schulnummer"),
// never the raw path or query, which may carry personal data.
func routePath(c *fiber.Ctx) string {
	if r := c.Route(); r != nil && r.Path != "" && r.Path != "/" {
		return r.Path
	}
	if c.Path() == "/" {
		return "/"
	}
	return "unmatched"
}

// observe is the outermost middleware: request id, panic recovery, access
// log and metrics. It logs method, route template, status, duration and
// request id only: no path parameters, no query, no body.
func (s *server) observe(c *fiber.Ctx) error {
	start := time.Now()
	id := c.Get(headerRequestID)
	if !validRequestID(id) {
		id = newRequestID()
	}
	c.Locals(localRequestID, id)
	c.Set(headerRequestID, id)

	err := s.recoverNext(c)
	if err != nil {
		if herr := s.app.ErrorHandler(c, err); herr != nil {
			c.Status(fiber.StatusInternalServerError)
		}
	}
	status := c.Response().StatusCode()
	route := routePath(c)
	elapsed := time.Since(start)
	method := methodLabel(c.Method())
	s.metrics.observe(method, route, status, elapsed)
	if s.accessLog {
		// Room for all seven, so the sub does not grow (copy) the slice.
		attrs := append(make([]slog.Attr, 0, 7),
			slog.String("method", method),
			slog.String("route", route),
			slog.Int("status", status),
			slog.Float64("duration_ms", float64(elapsed.Microseconds())/1000),
			slog.Int("bytes", bodySize(c)),
			slog.String("request_id", id),
		)
		if p, ok := c.Locals(localPrincipal).(auth.Principal); ok {
			attrs = append(attrs, slog.String("sub", p.Subject))
		}
		s.log.LogAttrs(c.Context(), slog.LevelInfo, "request", attrs...)
	}
	return nil
}

func (s *server) recoverNext(c *fiber.Ctx) (err error) {
	defer func() {
		if r := recover(); r != nil {
			s.log.Error("panic in handler", "request_id", requestID(c), "route", routePath(c), "panic", fmt.Sprint(r), "stack", string(debug.Stack()))
			err = errors.New("panic")
		}
	}()
	return c.Next()
}

// securityHeaders go on every answer: no sniffing, no framing, no
// referrer, and answers under /v1 (personal data) are never cached.
func securityHeaders(c *fiber.Ctx) error {
	c.Set("X-Content-Type-Options", "nosniff")
	c.Set("X-Frame-Options", "DENY")
	c.Set("Referrer-Policy", "no-referrer")
	c.Set("Content-Security-Policy", "default-src 'none'; frame-ancestors 'none'")
	if strings.HasPrefix(c.Path(), "/v1/") {
		c.Set(fiber.HeaderCacheControl, "no-store")
	}
	return c.Next()
}

// refuseContentEncoding answers 415 for compressed request bodies: fiber v2
// would inflate them without a size limit (a decompression bomb).
func refuseContentEncoding(c *fiber.Ctx) error {
	if ce := c.Get(fiber.HeaderContentEncoding); ce != "" && !strings.EqualFold(ce, "identity") {
		return apperr.Unsupported("Komprimierte Anfragen (Content-Encoding) werden nicht angenommen. Bitte unkomprimiert senden.")
	}
	return c.Next()
}

// bufferBody reads the request body into memory, refusing one larger than
// BodyLimit before reading it (413), so that handlers read c.Body() as
// usual. The upload of a list is left streaming (postImport copies it to
// a temporary file); what of it is left unread when the answer is ready
// (a refused token, the closing boundary) is read and dropped, up to the
// upload limit, so that the connection can carry the next request.
func (s *server) bufferBody(c *fiber.Ctx) error {
	req := c.Request()
	if !req.IsBodyStream() {
		return c.Next()
	}
	if c.Method() == fiber.MethodPost && c.Path() == uploadPath {
		err := c.Next()
		if rest := req.BodyStream(); rest != nil && !c.Response().Header.ConnectionClose() {
			limit := int64(s.uploadLimit()) + uploadEnvelope
			if n, _ := io.Copy(io.Discard, io.LimitReader(rest, limit+1)); n > limit {
				c.Context().SetConnectionClose()
			}
		}
		return err
	}
	tooLarge := func() error {
		c.Context().SetConnectionClose() // the rest of the body is not read
		return apperr.TooLarge(fmt.Sprintf("Der Inhalt ist zu groß; erlaubt sind höchstens %d KB.", BodyLimit>>10))
	}
	if req.Header.ContentLength() > BodyLimit {
		return tooLarge()
	}
	body, err := io.ReadAll(io.LimitReader(req.BodyStream(), BodyLimit+1))
	if err != nil {
		c.Context().SetConnectionClose()
		return apperr.BadRequest("Der Inhalt der Anfrage konnte nicht gelesen werden.")
	}
	if len(body) > BodyLimit {
		return tooLarge()
	}
	req.SetBody(body)
	return c.Next()
}

const wwwAuthenticate = `Bearer realm="schulgateway"`

// authenticate verifies the bearer token and stores the principal.
func (s *server) authenticate(c *fiber.Ctx) error {
	ip := c.IP()
	if ok, wait := s.failedLogins.take(ip, 0, time.Now()); !ok {
		return tooMany(c, wait, "Zu viele abgewiesene Zugangstoken von dieser Adresse. Bitte nach der in „Retry-After“ genannten Zahl an Sekunden erneut versuchen.")
	}
	err := s.verifyToken(c)
	if c.Response().StatusCode() == fiber.StatusUnauthorized {
		s.failedLogins.take(ip, 1, time.Now())
	}
	return err
}

func (s *server) verifyToken(c *fiber.Ctx) error {
	h := c.Get(fiber.HeaderAuthorization)
	scheme, token, ok := strings.Cut(h, " ")
	if h == "" || !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Set(fiber.HeaderWWWAuthenticate, wwwAuthenticate)
		return writeProblem(c, fiber.StatusUnauthorized,
			"Für diese Adresse ist ein Zugangstoken nötig (Kopfzeile „Authorization: Bearer …“).", nil)
	}
	p, err := s.verifier.Verify(c.UserContext(), strings.TrimSpace(token))
	if err != nil {
		if !errors.Is(err, auth.ErrInvalidToken) {
			return err
		}
		c.Set(fiber.HeaderWWWAuthenticate, wwwAuthenticate+`, error="invalid_token"`)
		return writeProblem(c, fiber.StatusUnauthorized, "Das Zugangstoken wurde nicht angenommen: "+reason(err)+".", nil)
	}
	c.Locals(localPrincipal, p)
	audit.FromContext(c.UserContext()).SetCaller(p.Subject, rolesString(p))
	return c.Next()
}

// reason is the part of a verifier error after "invalid token: ", which
// the verifier promises is safe and German.
func reason(err error) string {
	msg := err.Error()
	if _, after, ok := strings.Cut(msg, auth.ErrInvalidToken.Error()+": "); ok {
		return after
	}
	return "ungültig"
}

// allow lets the request pass if the principal holds one of the roles.
func allow(roles ...auth.Role) fiber.Handler {
	names := make([]string, len(roles))
	for i, r := range roles {
		names[i] = string(r)
	}
	detail := "Diese Aktion ist nur mit einer der Rollen " + strings.Join(names, ", ") + " erlaubt."
	return func(c *fiber.Ctx) error {
		p := principal(c)
		if !p.HasAny(roles...) {
			return apperr.Forbidden(detail)
		}
		return c.Next()
	}
}

// methodLabel returns a constant for the method: fiber's strings point into
// reused buffers and must not be kept (as metric labels are).
func methodLabel(m string) string {
	for _, known := range []string{fiber.MethodGet, fiber.MethodPost, fiber.MethodPut, fiber.MethodPatch,
		fiber.MethodDelete, fiber.MethodHead, fiber.MethodOptions} {
		if m == known {
			return known
		}
	}
	return "OTHER"
}

// bodySize is the length of an answer; a streamed body (a download sent
// from a file) is not read for it, which would load it into memory.
func bodySize(c *fiber.Ctx) int {
	r := c.Response()
	if r.IsBodyStream() {
		return max(r.Header.ContentLength(), 0)
	}
	return len(r.Body())
}

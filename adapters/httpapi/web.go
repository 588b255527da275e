package httpapi

import (
	"errors"
	"io/fs"
	"net/url"
	"path"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// WebDeps is what the pages under /app/ need.
type WebDeps struct {
	// Files are the embedded pages (adapters/web); nil serves none.
	Files fs.FS
	// OIDCIssuer and OIDCClientID configure the sign-in with the city's
	// OpenID Connect provider (authorization code flow with PKCE, run in
	// the browser). Empty: no such sign-in.
	OIDCIssuer, OIDCClientID string
	// DevToken mints a token for a role with the local dev key. Set only
	// in dev mode with the dev key trusted; nil makes /app/dev-token 404.
	DevToken func(role auth.Role, subject string, ttl time.Duration) (string, error)
}

func (s *server) webRoutes() []route {
	return []route{
		{fiber.MethodGet, "/", nil, s.webRoot},
		{fiber.MethodGet, "/app", nil, s.webIndex},
		{fiber.MethodGet, "/app/config.json", nil, s.webConfig},
		{fiber.MethodPost, "/app/dev-token", nil, s.webDevToken},
		{fiber.MethodGet, "/app/:file", nil, s.webFile},
	}
}

// webRoot takes a person who opens the gateway's address to the pages;
// machine clients have /docs and /openapi.yaml.
func (s *server) webRoot(c *fiber.Ctx) error {
	return c.Redirect("/app/", fiber.StatusFound)
}

func (s *server) webIndex(c *fiber.Ctx) error {
	return c.Redirect("/app/index.html", fiber.StatusFound)
}

// webCSP allows the pages their own scripts, styles and API only (no
// inline script), plus fetches to the OpenID provider for its discovery
// document and token endpoint.
func (s *server) webCSP() string {
	connect := "'self'"
	if o := origin(s.Web.OIDCIssuer); o != "" {
		connect += " " + o
	}
	return "default-src 'none'; script-src 'self'; style-src 'self'; img-src 'self' data:; connect-src " + connect +
		"; form-action 'self'; base-uri 'none'; frame-ancestors 'none'"
}

func origin(raw string) string {
	u, err := url.Parse(raw)
	if err != nil || u.Scheme == "" || u.Host == "" {
		return ""
	}
	return u.Scheme + "://" + u.Host
}

var webTypes = map[string]string{
	".html": fiber.MIMETextHTMLCharsetUTF8,
	".js":   "text/javascript; charset=utf-8",
	".css":  "text/css; charset=utf-8",
	".svg":  "image/svg+xml",
	".png":  "image/png",
	".ico":  "image/x-icon",
}

func (s *server) webFile(c *fiber.Ctx) error {
	name := c.Params("file")
	ctype, ok := webTypes[path.Ext(name)]
	if s.Web.Files == nil || !ok || !fs.ValidPath(name) || strings.Contains(name, "/") {
		return apperr.NotFound("Diese Seite gibt es nicht.")
	}
	b, err := fs.ReadFile(s.Web.Files, name)
	if errors.Is(err, fs.ErrNotExist) {
		return apperr.NotFound("Diese Seite gibt es nicht.")
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, ctype)
	// no-store, not no-cache: a page kept in the back-forward cache would
	// show a signed-out person's cases again on Back (issue #16).
	c.Set(fiber.HeaderCacheControl, "no-store")
	c.Set("Content-Security-Policy", s.webCSP())
	return c.Send(b)
}

type webConfigJSON struct {
	Dev  bool         `json:"dev"`
	OIDC *webOIDCJSON `json:"oidc"`
}

type webOIDCJSON struct {
	Issuer   string `json:"issuer"`
	ClientID string `json:"client_id"`
}

// webConfig tells the pages how to sign in.
func (s *server) webConfig(c *fiber.Ctx) error {
	out := webConfigJSON{Dev: s.Web.DevToken != nil}
	if s.Web.OIDCIssuer != "" && s.Web.OIDCClientID != "" {
		out.OIDC = &webOIDCJSON{Issuer: s.Web.OIDCIssuer, ClientID: s.Web.OIDCClientID}
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(out)
}

const devTokenTTL = 8 * time.Hour

// webDevToken is the dev sign-in: a token for the chosen role, signed
// with the local dev key. Outside dev mode it does not exist (404).
func (s *server) webDevToken(c *fiber.Ctx) error {
	if s.Web.DevToken == nil {
		return fiber.ErrNotFound
	}
	var in struct {
		Role string `json:"role"`
	}
	fe, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	role := auth.Role(in.Role)
	known := false
	for _, r := range auth.AllRoles {
		known = known || r == role
	}
	if !known && len(fe) == 0 {
		fe = append(fe, apperr.FieldError{Pointer: "/role", Code: "wert_unbekannt",
			Message: "Unbekannte Rolle. Erlaubt: bms, schulamt, planung, admin, gesundheitsamt."})
	}
	if len(fe) > 0 {
		return invalidInput(fe, nil)
	}
	tok, err := s.Web.DevToken(role, "dev-"+string(role), devTokenTTL)
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderCacheControl, "no-store")
	return c.JSON(fiber.Map{"access_token": tok, "token_type": "Bearer", "expires_in": int(devTokenTTL.Seconds())})
}

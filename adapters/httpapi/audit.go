package httpapi

import (
	"context"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/page"
)

// AuditStore keeps the audit trail (adapters/postgres.AuditStore).
type AuditStore interface {
	Record(ctx context.Context, e audit.Entry) error
	List(ctx context.Context, f audit.Filter) ([]audit.Entry, error)
}

// unaudited are the authenticated reads of data about no person (school
// master data, the street directory, saved header mappings); the BMS polls
// them constantly. Every other authenticated route is audited, and a failed
// login is audited on every route.
var unaudited = map[string]bool{
	"GET /v1/schulen":                true,
	"GET /v1/schulen/:schulnummer":   true,
	"GET /v1/schulbezirke/zuordnung": true,
	"GET /v1/header-mappings/:kind":  true,
}

// auditRequest opens the request's audit entry before authentication, so
// that a refused token is recorded too. Work that commits writes the entry
// in its own transaction (adapters/postgres inTx); otherwise it is written
// here before the answer leaves, and an answer with personal data whose
// entry cannot be written is replaced by 503: no read without a record.
// Answers of the rate limiter (429) are not recorded: they did no work, and
// recording each would let a flood fill the trail.
// auditWriteTime bounds writing a request's audit entry.
const auditWriteTime = 5 * time.Second

func (s *server) auditRequest(op string) fiber.Handler {
	audited := !unaudited[op]
	return func(c *fiber.Ctx) error {
		if s.Audit == nil {
			return c.Next()
		}
		ctx, p := audit.Begin(c.UserContext(), audit.Entry{
			Operation: op,
			Client:    strings.Clone(c.IP()),
			RequestID: requestID(c),
			Resource:  routeParams(c),
		})
		c.SetUserContext(ctx)
		if err := c.Next(); err != nil {
			if herr := s.app.ErrorHandler(c, err); herr != nil {
				c.Status(fiber.StatusInternalServerError)
			}
		}
		status := c.Response().StatusCode()
		if status == fiber.StatusTooManyRequests || !audited && status != fiber.StatusUnauthorized {
			return nil
		}
		e, unwritten := p.Unwritten(status)
		if !unwritten {
			if status < 400 {
				return nil
			}
			e.Detail = "Anfrage nach dem Schreiben gescheitert"
		}
		// The answer's status is the truth, also over one a store set for
		// work that did not commit (audit.Result).
		e.Result = status
		// The entry has time of its own: a long request (a slow upload)
		// must not lose its record because the request's time is up.
		rctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), auditWriteTime)
		defer cancel()
		if err := s.Audit.Record(rctx, e); err != nil {
			s.log.Error("audit entry not written", "err", err, "request_id", e.RequestID, "route", op)
			if status < 400 {
				c.Response().Header.Del(fiber.HeaderContentDisposition)
				return s.app.ErrorHandler(c, apperr.Wrap(apperr.ClassUnavailable,
					"Der Zugriff konnte nicht protokolliert werden und wird darum nicht beantwortet. Bitte später erneut versuchen.", err))
			}
		}
		return nil
	}
}

// routeParams are the path parameters of the matched route ("id=…"): ids
// and school years, never a name.
func routeParams(c *fiber.Ctx) string {
	r := c.Route()
	if r == nil || len(r.Params) == 0 {
		return ""
	}
	parts := make([]string, 0, len(r.Params))
	for _, name := range r.Params {
		parts = append(parts, name+"="+c.Params(name))
	}
	return strings.Join(parts, "&")
}

func rolesString(p auth.Principal) string {
	names := make([]string, len(p.Roles))
	for i, r := range p.Roles {
		names[i] = string(r)
	}
	return strings.Join(names, ",")
}

func (s *server) auditRoutes() []route {
	admin := []auth.Role{auth.RoleAdmin}
	return []route{
		{fiber.MethodGet, "/v1/audit", admin, s.getAudit},
		{fiber.MethodGet, "/v1/audit.xlsx", admin, s.getAuditXLSX},
	}
}

type auditEntryJSON struct {
	Seq       int64     `json:"seq"`
	CreatedAt time.Time `json:"created_at"`
	Zeit      time.Time `json:"zeit"` // deprecated name of created_at
	Subject   string    `json:"subject"`
	Rollen    []string  `json:"rollen"`
	Client    string    `json:"client"`
	Operation string    `json:"operation"`
	Ressource string    `json:"ressource"`
	Anzahl    *int      `json:"anzahl"`
	RequestID string    `json:"request_id"`
	Ergebnis  int       `json:"ergebnis"`
	Detail    string    `json:"detail"`
	Hash      string    `json:"hash"`
}

// auditFilter reads the query of GET /v1/audit; every problem at once.
// maxLimit bounds the limit of an export; 0 reads it as every list does.
func auditFilter(c *fiber.Ctx, maxLimit int) (audit.Filter, error) {
	f := audit.Filter{Subject: c.Query("subject"), Operation: c.Query("operation"), Limit: 100}
	var fields []apperr.FieldError
	bad := func(name, code, msg string) {
		fields = append(fields, apperr.FieldError{Pointer: "/" + name, Code: code, Message: msg})
	}
	for _, t := range []struct {
		name string
		dst  *time.Time
	}{{"von", &f.Von}, {"bis", &f.Bis}} {
		raw := c.Query(t.name)
		if raw == "" {
			continue
		}
		v, err := time.Parse(time.RFC3339, raw)
		if err != nil {
			if d, derr := time.ParseInLocation(time.DateOnly, raw, time.Local); derr == nil {
				v, err = d, nil
			}
		}
		if err != nil {
			bad(t.name, "zeit_ungueltig", "Erwartet ein Datum (2026-09-15) oder einen Zeitpunkt nach RFC 3339.")
			continue
		}
		*t.dst = v
	}
	if raw := c.Query("ergebnis"); raw != "" {
		n, err := strconv.Atoi(raw)
		if err != nil || n < 100 || n > 599 {
			bad("ergebnis", "ergebnis_ungueltig", "Erwartet einen HTTP-Status, z. B. 401.")
		}
		f.Ergebnis = n
	}
	if raw := c.Query("after"); raw != "" {
		n, err := strconv.ParseInt(raw, 10, 64)
		if err != nil || n < 0 {
			bad("after", "after_ungueltig", "Erwartet die Nummer (seq) des letzten Eintrags der vorigen Seite.")
		}
		f.After = n
	}
	if maxLimit == 0 { // a page of the list: the limit every list takes
		n, err := page.ParseLimit(c.Query("limit"))
		if e, ok := apperr.As(err); ok {
			fields = append(fields, e.Fields...)
		}
		f.Limit = n
	} else if raw := c.Query("limit"); raw != "" { // how many entries an export holds
		n, err := strconv.Atoi(raw)
		if err != nil || n < 1 || n > maxLimit {
			bad("limit", "limit_ungueltig", "Erwartet eine Zahl von 1 bis "+strconv.Itoa(maxLimit)+".")
		}
		f.Limit = n
	}
	if fields != nil {
		return f, apperr.Invalid("Ungültige Filter für das Protokoll.", fields)
	}
	return f, nil
}

func (s *server) getAudit(c *fiber.Ctx) error {
	f, err := auditFilter(c, 0)
	if err != nil {
		return err
	}
	entries, err := s.Audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	items := make([]auditEntryJSON, len(entries))
	for i, e := range entries {
		items[i] = auditEntryJSON{Seq: e.Seq, CreatedAt: e.Time.UTC(), Zeit: e.Time.UTC(), Subject: e.Subject, Rollen: splitRoles(e.Roles), Client: e.Client,
			Operation: e.Operation, Ressource: e.Resource, Anzahl: e.Count, RequestID: e.RequestID, Ergebnis: e.Result,
			Detail: e.Detail, Hash: hex.EncodeToString(e.Hash)}
	}
	audit.Count(c.UserContext(), len(items))
	next := ""
	if len(entries) == f.Limit {
		next = strconv.FormatInt(entries[len(entries)-1].Seq, 10)
	}
	return sendPage(c, items, next, "")
}

// getAuditXLSX exports the filtered entries (at most 100,000) as a workbook.
func (s *server) getAuditXLSX(c *fiber.Ctx) error {
	f, err := auditFilter(c, 100000)
	if err != nil {
		return err
	}
	if c.Query("limit") == "" {
		f.Limit = 100000
	}
	entries, err := s.Audit.List(c.UserContext(), f)
	if err != nil {
		return err
	}
	t := sheets.Table{Sheet: "Protokoll", Columns: columns(0, "Nr.", "Zeit (UTC)", "Wer", "Rollen", "Client", "Vorgang", "Ressource",
		"Anzahl", "Anfrage-ID", "Ergebnis", "Hinweis"), Rows: make([][]any, len(entries))}
	for i, w := range []float64{8, 20, 24, 20, 16, 44, 30, 9, 26, 9, 40} {
		t.Columns[i].Width = w
	}
	t.Columns[1].WithTime = true
	for i, e := range entries {
		var anzahl any
		if e.Count != nil {
			anzahl = *e.Count
		}
		t.Rows[i] = []any{e.Seq, e.Time.UTC(), e.Subject, e.Roles, e.Client, e.Operation, e.Resource, anzahl, e.RequestID, e.Result, e.Detail}
	}
	audit.Count(c.UserContext(), len(entries))
	return sendXLSX(c, "protokoll.xlsx", []sheets.Table{t})
}

func splitRoles(s string) []string {
	if s == "" {
		return []string{}
	}
	return strings.Split(s, ",")
}

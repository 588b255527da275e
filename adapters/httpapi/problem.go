package httpapi

import (
	"encoding/json"
	"errors"
	"log/slog"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Problem is an RFC 9457 problem detail. Type is a stable URN that clients
// may branch on; Title and Detail are German and written for a person.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Instance  string              `json:"instance,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
}

const problemPrefix = "urn:schulgateway:problem:"

// problemTypes fixes, per status, the type URN and the German title. One
// table, so every error of a kind reads the same everywhere.
var problemTypes = map[int]struct{ name, title string }{
	fiber.StatusBadRequest:                   {"bad-request", "Ungültige Anfrage"},
	fiber.StatusUnauthorized:                 {"unauthorized", "Nicht angemeldet"},
	fiber.StatusForbidden:                    {"forbidden", "Keine Berechtigung"},
	fiber.StatusNotFound:                     {"not-found", "Nicht gefunden"},
	fiber.StatusMethodNotAllowed:             {"method-not-allowed", "Methode nicht erlaubt"},
	fiber.StatusConflict:                     {"conflict", "Konflikt"},
	fiber.StatusPreconditionFailed:           {"precondition-failed", "Inzwischen geändert"},
	fiber.StatusGone:                         {"position-expired", "Position abgelaufen"},
	fiber.StatusRequestEntityTooLarge:        {"payload-too-large", "Anfrage zu groß"},
	fiber.StatusUnsupportedMediaType:         {"unsupported-media-type", "Format nicht unterstützt"},
	fiber.StatusUnprocessableEntity:          {"validation", "Eingaben fehlerhaft"},
	fiber.StatusTooManyRequests:              {"too-many-requests", "Zu viele Anfragen"},
	fiber.StatusInternalServerError:          {"internal", "Interner Fehler"},
	fiber.StatusServiceUnavailable:           {"unavailable", "Dienst vorübergehend nicht verfügbar"},
	fiber.StatusRequestTimeout:               {"timeout", "Zeitüberschreitung"},
	fiber.StatusRequestHeaderFieldsTooLarge:  {"headers-too-large", "Kopfzeilen zu groß"},
	fiber.StatusNotAcceptable:                {"not-acceptable", "Antwortformat nicht verfügbar"},
	fiber.StatusRequestedRangeNotSatisfiable: {"range-not-satisfiable", "Bereich nicht verfügbar"},
}

// ProblemType returns the type URN used for a status.
func ProblemType(status int) string {
	if t, ok := problemTypes[status]; ok {
		return problemPrefix + t.name
	}
	return problemPrefix + "error"
}

func writeProblem(c *fiber.Ctx, status int, detail string, fields []apperr.FieldError) error {
	title := "Fehler"
	if t, ok := problemTypes[status]; ok {
		title = t.title
	}
	p := Problem{
		Type:      ProblemType(status),
		Title:     title,
		Status:    status,
		Detail:    detail,
		Instance:  c.Path(),
		RequestID: requestID(c),
		Errors:    fields,
	}
	b, err := json.Marshal(p)
	if err != nil {
		return err
	}
	c.Status(status)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Send(b)
}

// classStatus is the one mapping from the domain's error classes to HTTP
// statuses. An error of no class is the gateway's own fault: 500.
var classStatus = map[apperr.Class]int{
	apperr.ClassInvalid:            fiber.StatusUnprocessableEntity,
	apperr.ClassBadRequest:         fiber.StatusBadRequest,
	apperr.ClassNotFound:           fiber.StatusNotFound,
	apperr.ClassConflict:           fiber.StatusConflict,
	apperr.ClassPreconditionFailed: fiber.StatusPreconditionFailed,
	apperr.ClassForbidden:          fiber.StatusForbidden,
	apperr.ClassGone:               fiber.StatusGone,
	apperr.ClassTooLarge:           fiber.StatusRequestEntityTooLarge,
	apperr.ClassUnsupported:        fiber.StatusUnsupportedMediaType,
	apperr.ClassUnavailable:        fiber.StatusServiceUnavailable,
}

// retryAfter is the Retry-After (seconds) of a 503: the database is
// usually back (restart, failover, a freed connection slot) within that.
const retryAfter = "5"

// internalDetail is the only detail an unknown error gets; its text and
// cause go to the log under the request id, never to the client.
const internalDetail = "Bei der Verarbeitung ist ein Fehler aufgetreten. Bitte die Anfrage-ID an den IT-Betrieb melden."

// errorHandler is the one place that turns any error into problem+json.
func errorHandler(log *slog.Logger) fiber.ErrorHandler {
	return func(c *fiber.Ctx, err error) error {
		if e, ok := apperr.As(err); ok {
			if status, ok := classStatus[e.Class]; ok {
				if e.Class == apperr.ClassUnavailable {
					log.Warn("backing service unavailable", "request_id", requestID(c), "route", routePath(c), "err", e.Err)
					c.Set(fiber.HeaderRetryAfter, retryAfter)
				}
				var fields []apperr.FieldError
				if e.Class == apperr.ClassInvalid || e.Class == apperr.ClassBadRequest {
					fields = e.Fields
				}
				return writeProblem(c, status, e.Detail, fields)
			}
		}
		var fe *fiber.Error
		if errors.As(err, &fe) {
			return writeProblem(c, fe.Code, fiberDetail(fe), nil)
		}
		log.Error("unhandled error", "request_id", requestID(c), "route", routePath(c), "err", err)
		return writeProblem(c, fiber.StatusInternalServerError, internalDetail, nil)
	}
}

// fiberDetail gives fiber's own errors (unknown route, body too large, ...)
// a German detail; fiber's English message is not shown.
func fiberDetail(fe *fiber.Error) string {
	switch fe.Code {
	case fiber.StatusNotFound:
		return "Diese Adresse gibt es nicht. Die verfügbaren Adressen stehen unter /docs."
	case fiber.StatusMethodNotAllowed:
		return "Diese Methode ist für diese Adresse nicht erlaubt."
	case fiber.StatusRequestEntityTooLarge:
		return "Der Inhalt der Anfrage ist zu groß."
	case fiber.StatusRequestTimeout:
		return "Die Anfrage kam nicht rechtzeitig vollständig an."
	case fiber.StatusRequestHeaderFieldsTooLarge:
		return "Die Kopfzeilen der Anfrage sind zu groß."
	case fiber.StatusBadRequest:
		return "Die Anfrage ist fehlerhaft aufgebaut."
	}
	return "Die Anfrage konnte nicht bearbeitet werden."
}

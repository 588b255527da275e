package httpapi

import (
	"encoding/json"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Changeable resources (a school, a Schulpflicht case) answer GET and
// every write with a strong ETag: the record's version, which every change
// - by anyone, an import, a reconciliation - replaces and which is never
// reused. A PUT or PATCH with If-Match applies only while the record is
// still that version, else 412 with the current state; without If-Match a
// write applies as before (last writer wins).

// etag is the strong entity tag of a record version.
func etag(version int64) string { return `"` + strconv.FormatInt(version, 10) + `"` }

// fallETag is a case's tag: the case's version and the time its child's
// register data (shown with it) last changed.
func fallETag(version int64, kindStand time.Time) string {
	return `"` + strconv.FormatInt(version, 10) + "." + strconv.FormatInt(kindStand.UnixMicro(), 10) + `"`
}

// ifMatch reads If-Match: nil when absent (no precondition), else whether a
// stored record's tag is one of the listed ones ("*": any stored record).
// Weak tags never match (RFC 9110 strong comparison).
func ifMatch(c *fiber.Ctx) (func(tag string) bool, error) {
	h := strings.TrimSpace(c.Get(fiber.HeaderIfMatch))
	if h == "" {
		return nil, nil
	}
	if h == "*" {
		return func(string) bool { return true }, nil
	}
	var strong []string
	for _, tag := range strings.Split(h, ",") {
		tag = strings.TrimSpace(tag)
		if strings.HasPrefix(tag, "W/") {
			continue
		}
		if len(tag) < 2 || tag[0] != '"' || tag[len(tag)-1] != '"' {
			return nil, apperr.BadRequest("Die Kopfzeile If-Match ist fehlerhaft: erwartet wird der ETag in Anführungszeichen, so wie ihn GET in der Kopfzeile ETag liefert (z. B. \"1234\").")
		}
		strong = append(strong, tag)
	}
	return func(tag string) bool { return slices.Contains(strong, tag) }, nil
}

// staleProblem is the 412 answer: the problem and, under "aktuell", the
// record as it is now (what a GET would show this caller).
type staleProblem struct {
	Problem
	Aktuell any `json:"aktuell,omitempty"`
}

// writeStale answers 412 for a write whose If-Match no longer holds, with
// the current state and its ETag so that the caller can show it and
// redo the change on top of it. current is nil when the record is gone.
func writeStale(c *fiber.Ctx, err error, tag string, current any) error {
	e, _ := apperr.As(err)
	p := staleProblem{Problem: Problem{Type: ProblemType(fiber.StatusPreconditionFailed), Title: problemTypes[fiber.StatusPreconditionFailed].title,
		Status: fiber.StatusPreconditionFailed, Detail: e.Detail, Instance: c.Path(), RequestID: requestID(c)}, Aktuell: current}
	b, merr := json.Marshal(p)
	if merr != nil {
		return merr
	}
	if current != nil {
		c.Set(fiber.HeaderETag, tag)
		c.Set(fiber.HeaderContentLocation, c.Path())
	}
	c.Status(fiber.StatusPreconditionFailed)
	c.Set(fiber.HeaderContentType, "application/problem+json")
	return c.Send(b)
}

// isStale tells a write's error that is a failed If-Match.
func isStale(err error) bool {
	e, ok := apperr.As(err)
	return ok && e.Class == apperr.ClassPreconditionFailed
}

package httpapi

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"net/http/httptest"
	"strings"
	"testing"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Every class of the taxonomy has its status, answered as problem+json
// with its type, a German title, the request id and the detail given;
// only 503 carries Retry-After, only 422 (and 400) name fields; an error
// of no class is 500 with the request id and none of its own text.
func TestErrorTaxonomy(t *testing.T) {
	want := map[apperr.Class]int{
		apperr.ClassInvalid: 422, apperr.ClassBadRequest: 400, apperr.ClassNotFound: 404, apperr.ClassConflict: 409,
		apperr.ClassPreconditionFailed: 412, apperr.ClassForbidden: 403, apperr.ClassGone: 410, apperr.ClassTooLarge: 413,
		apperr.ClassUnsupported: 415, apperr.ClassUnavailable: 503,
	}
	if len(want) != len(apperr.Classes()) {
		t.Fatalf("the test knows %d classes, apperr has %d: map the new one here and in classStatus", len(want), len(apperr.Classes()))
	}
	srv := newServer(Deps{Ready: func(context.Context) error { return nil }})
	var next error
	srv.app.Get("/fail", func(*fiber.Ctx) error { return next })
	get := func() (int, Problem, string) {
		t.Helper()
		resp, err := srv.app.Test(httptest.NewRequest("GET", "/fail", nil))
		if err != nil {
			t.Fatal(err)
		}
		body, _ := io.ReadAll(resp.Body)
		if ct := resp.Header.Get("Content-Type"); ct != "application/problem+json" {
			t.Errorf("answer is %q, not problem+json: %s", ct, body)
		}
		var p Problem
		if err := json.Unmarshal(body, &p); err != nil {
			t.Fatalf("problem does not decode: %v: %s", err, body)
		}
		if p.RequestID == "" || p.RequestID != resp.Header.Get("X-Request-ID") {
			t.Errorf("problem request_id %q, header %q", p.RequestID, resp.Header.Get("X-Request-ID"))
		}
		return resp.StatusCode, p, resp.Header.Get("Retry-After")
	}
	for _, class := range apperr.Classes() {
		detail := "Bitte " + class.String() + " beheben."
		field := []apperr.FieldError{{Pointer: "/name", Code: "x", Message: "y"}}
		next = fmt.Errorf("handler: %w", &apperr.Error{Class: class, Detail: detail, Fields: field, Err: errors.New("intern: geheim")})
		status, p, retry := get()
		if status != want[class] || p.Status != status || p.Type != ProblemType(status) || p.Title == "" || p.Title == "Fehler" {
			t.Errorf("%v: %d %+v, want status %d with its own type and title", class, status, p, want[class])
		}
		if p.Detail != detail || strings.Contains(p.Detail, "geheim") {
			t.Errorf("%v: detail %q, want %q without the cause", class, p.Detail, detail)
		}
		if (retry != "") != (class == apperr.ClassUnavailable) {
			t.Errorf("%v: Retry-After %q; only 503 carries it", class, retry)
		}
		if named := len(p.Errors) > 0; named != (class == apperr.ClassInvalid || class == apperr.ClassBadRequest) {
			t.Errorf("%v: errors %v", class, p.Errors)
		}
	}
	for _, err := range []error{
		errors.New("open /etc/secret: permission denied"),
		fmt.Errorf("render: %w", io.ErrUnexpectedEOF),
		&apperr.Error{Class: apperr.Class(99), Detail: "unbekannte Klasse"},
	} {
		next = err
		status, p, retry := get()
		if status != 500 || p.Type != "urn:schulgateway:problem:internal" || retry != "" {
			t.Errorf("%v: %d %+v Retry-After %q, want 500 without Retry-After", err, status, p, retry)
		}
		if p.Detail != internalDetail {
			t.Errorf("%v: detail %q shows more than the fixed text", err, p.Detail)
		}
	}
}

// Package apperr holds the typed errors every domain package returns.
// One place in adapters/httpapi maps them to RFC 9457 problem+json; no
// internal error text ever reaches a client.
package apperr

import (
	"errors"
	"fmt"
)

// Kind says what went wrong in terms a client can act on.
type Kind int

const (
	KindNotFound    Kind = iota + 1 // the addressed thing does not exist
	KindInvalid                     // the input breaks rules; see Fields
	KindConflict                    // the input clashes with stored state
	KindUnavailable                 // a backing service (the database) is unreachable
	KindStale                       // the record changed since the client read it (If-Match)
)

// FieldError names one failing field by JSON pointer (RFC 6901), with a
// stable machine code and a German message for a person.
type FieldError struct {
	Pointer string `json:"pointer"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

// Error is a domain error. Detail is German and safe to show; Err is the
// cause, kept for logs and errors.Is, never shown.
type Error struct {
	Kind   Kind
	Detail string
	Fields []FieldError
	Err    error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %v", e.Detail, e.Err)
	}
	return e.Detail
}

func (e *Error) Unwrap() error { return e.Err }

// NotFound reports a missing resource.
func NotFound(detail string) error { return &Error{Kind: KindNotFound, Detail: detail} }

// Conflict reports a clash with stored state.
func Conflict(detail string) error { return &Error{Kind: KindConflict, Detail: detail} }

// Stale reports that the record changed since the client read it: its
// precondition (If-Match) no longer holds.
func Stale(detail string) error { return &Error{Kind: KindStale, Detail: detail} }

// Unavailable wraps a failure of a backing service.
func Unavailable(err error) error {
	return &Error{Kind: KindUnavailable, Detail: "Die Datenbank ist vorübergehend nicht erreichbar. Bitte später erneut versuchen.", Err: err}
}

// Invalid reports every failing field at once; it returns nil when there
// are none, so a validator can end with `return apperr.Invalid(...)`.
func Invalid(detail string, fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Kind: KindInvalid, Detail: detail, Fields: fields}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

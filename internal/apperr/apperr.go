// Package apperr holds the typed errors every domain package returns.
// One place in adapters/httpapi (problem.go) maps their Class to an HTTP
// status and RFC 9457 problem+json; no internal error text ever reaches a
// client. An error without a Class is the gateway's own fault (500).
package apperr

import (
	"errors"
	"fmt"
)

// Class says what went wrong in terms a client can act on. Each class is
// one answer of the API; adapters/httpapi (classStatus) gives its status.
type Class int

const (
	ClassInvalid            Class = iota + 1 // the input breaks rules; see Fields (422)
	ClassBadRequest                          // the request is malformed: no JSON, bad header (400)
	ClassNotFound                            // the addressed thing does not exist (404)
	ClassConflict                            // the input clashes with stored state (409)
	ClassPreconditionFailed                  // If-Match names a version that is no longer current (412)
	ClassForbidden                           // the caller may not do this (403)
	ClassGone                                // the thing existed but is no longer available (410)
	ClassTooLarge                            // the body or file is larger than allowed (413)
	ClassUnsupported                         // the media type or format is not accepted (415)
	ClassUnavailable                         // a backing service (the database) cannot be used now (503)
)

var classNames = map[Class]string{
	ClassInvalid: "invalid", ClassBadRequest: "bad request", ClassNotFound: "not found", ClassConflict: "conflict",
	ClassPreconditionFailed: "precondition failed", ClassForbidden: "forbidden", ClassGone: "gone",
	ClassTooLarge: "too large", ClassUnsupported: "unsupported", ClassUnavailable: "unavailable",
}

func (c Class) String() string {
	if n, ok := classNames[c]; ok {
		return n
	}
	return fmt.Sprintf("Class(%d)", int(c))
}

// Classes lists every class, in declaration order (for tests that check
// each one is mapped).
func Classes() []Class {
	out := make([]Class, 0, len(classNames))
	for c := ClassInvalid; c <= ClassUnavailable; c++ {
		out = append(out, c)
	}
	return out
}

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
	Class  Class
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

// New returns an error of the class with a German detail.
func New(c Class, detail string) error { return &Error{Class: c, Detail: detail} }

// Wrap returns an error of the class with a German detail; err is the
// cause, kept for logs and errors.Is.
func Wrap(c Class, detail string, err error) error { return &Error{Class: c, Detail: detail, Err: err} }

// NotFound reports a missing resource.
func NotFound(detail string) error { return New(ClassNotFound, detail) }

// Conflict reports a clash with stored state.
func Conflict(detail string) error { return New(ClassConflict, detail) }

// BadRequest reports a request that is malformed as a whole (not JSON, a
// broken upload, a bad header), before any field can be judged.
func BadRequest(detail string) error { return New(ClassBadRequest, detail) }

// PreconditionFailed reports that the version named in If-Match is no
// longer the current one: someone else changed the resource in between.
func PreconditionFailed(detail string) error { return New(ClassPreconditionFailed, detail) }

// Forbidden reports an action the caller's roles do not allow.
func Forbidden(detail string) error { return New(ClassForbidden, detail) }

// Gone reports something that existed and can no longer be served.
func Gone(detail string) error { return New(ClassGone, detail) }

// TooLarge reports a body or file over its limit.
func TooLarge(detail string) error { return New(ClassTooLarge, detail) }

// Unsupported reports a media type or file format that is not accepted.
func Unsupported(detail string) error { return New(ClassUnsupported, detail) }

// Unavailable wraps a failure of a backing service.
func Unavailable(err error) error {
	return Wrap(ClassUnavailable, "Die Datenbank ist vorübergehend nicht erreichbar. Bitte später erneut versuchen.", err)
}

// Invalid reports every failing field at once; it returns nil when there
// are none, so a validator can end with `return apperr.Invalid(...)`.
func Invalid(detail string, fields []FieldError) error {
	if len(fields) == 0 {
		return nil
	}
	return &Error{Class: ClassInvalid, Detail: detail, Fields: fields}
}

// As returns the *Error in err's chain, if any.
func As(err error) (*Error, bool) {
	var e *Error
	ok := errors.As(err, &e)
	return e, ok
}

// ClassOf returns the class of the *Error in err's chain, or 0 when err
// is none of the domain's errors (an internal fault).
func ClassOf(err error) Class {
	if e, ok := As(err); ok {
		return e.Class
	}
	return 0
}

// Package page is the one paging convention of every list the API
// answers: the query takes limit (1..MaxLimit, default DefaultLimit) and
// after (the next of the previous answer; empty: from the start), the
// answer carries items and next.
//
// There are two kinds of list. A finite list (imports, cases, children of
// a cohort, …) ends: next is "" (JSON null) on its last page. A feed (the
// change feed, Schulwechsel) never ends: next is the position to continue
// from and stays set once there is one; an empty page means "nothing new
// yet", and the client asks again later with the same after.
package page

import (
	"fmt"
	"slices"
	"strconv"
	"strings"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Page is one page of a list. Next is what a client passes as after to
// read on; "" means there is no further page (answered as null).
type Page[T any] struct {
	Items []T
	Next  string
}

// Limits of a page, the same for every list.
const (
	DefaultLimit = 100
	MaxLimit     = 1000
)

// ParseLimit reads the limit query parameter: empty means DefaultLimit;
// anything but a whole number in 1..MaxLimit is apperr.Invalid on /limit.
func ParseLimit(s string) (int, error) {
	s = strings.TrimSpace(s)
	if s == "" {
		return DefaultLimit, nil
	}
	n, err := strconv.Atoi(s)
	if err != nil {
		n = 0
	}
	return n, CheckLimit(n)
}

// CheckLimit is ParseLimit's range check, for services and stores that
// take a limit from code.
func CheckLimit(n int) error {
	if n >= 1 && n <= MaxLimit {
		return nil
	}
	return apperr.Invalid("Der Parameter limit ist ungültig.", []apperr.FieldError{LimitError()})
}

// LimitError is the field error of a bad limit, for validators that
// report it together with other fields.
func LimitError() apperr.FieldError {
	return apperr.FieldError{Pointer: "/limit", Code: "limit_ungueltig",
		Message: fmt.Sprintf("limit muss eine ganze Zahl von 1 bis %d sein; ohne limit sind es %d.", MaxLimit, DefaultLimit)}
}

// AfterError is the field error of an after a list does not know: it
// must be the next of an earlier answer.
func AfterError(code string) apperr.FieldError {
	return apperr.FieldError{Pointer: "/after", Code: code,
		Message: "after muss der Wert von next aus einer früheren Antwort sein (leer: von Anfang an)."}
}

// Cut makes a page of a finite list from items read with limit+1: when
// there are more than limit, the page keeps limit and next is the key of
// its last item.
func Cut[T any](items []T, limit int, key func(T) string) Page[T] {
	if len(items) <= limit {
		return Page[T]{Items: slices.Clip(items)}
	}
	items = items[:limit:limit]
	return Page[T]{Items: items, Next: key(items[limit-1])}
}

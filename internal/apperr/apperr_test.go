package apperr

import (
	"errors"
	"fmt"
	"testing"
)

func TestInvalidWithoutFieldsIsNil(t *testing.T) {
	if err := Invalid("x", nil); err != nil {
		t.Fatalf("Invalid with no fields = %v, want nil", err)
	}
}

func TestAsFindsWrappedError(t *testing.T) {
	cause := errors.New("connection refused")
	err := fmt.Errorf("list schools: %w", Unavailable(cause))
	e, ok := As(err)
	if !ok || e.Class != ClassUnavailable {
		t.Fatalf("As(%v) = %v, %v; want ClassUnavailable", err, e, ok)
	}
	if !errors.Is(err, cause) {
		t.Error("the cause must stay reachable with errors.Is")
	}
}

// Each constructor gives its own class, and a sentinel made with one stays
// recognisable with errors.Is through wrapping.
func TestConstructorsGiveTheirClass(t *testing.T) {
	for want, err := range map[Class]error{
		ClassNotFound: NotFound("x"), ClassConflict: Conflict("x"), ClassBadRequest: BadRequest("x"),
		ClassPreconditionFailed: PreconditionFailed("x"), ClassForbidden: Forbidden("x"), ClassGone: Gone("x"),
		ClassTooLarge: TooLarge("x"), ClassUnsupported: Unsupported("x"), ClassUnavailable: Unavailable(errors.New("x")),
		ClassInvalid: Invalid("x", []FieldError{{Pointer: "/a"}}),
	} {
		if got := ClassOf(fmt.Errorf("op: %w", err)); got != want {
			t.Errorf("ClassOf(%v) = %v, want %v", err, got, want)
		}
	}
	if got := ClassOf(errors.New("boom")); got != 0 {
		t.Errorf("ClassOf(plain error) = %v, want 0", got)
	}
	sentinel := Gone("Die Position ist abgelaufen.")
	if !errors.Is(fmt.Errorf("read: %w", sentinel), sentinel) {
		t.Error("a sentinel made with a constructor must match errors.Is")
	}
	if len(Classes()) != 10 {
		t.Errorf("Classes() = %v, want all ten", Classes())
	}
}

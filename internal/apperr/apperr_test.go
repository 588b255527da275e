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
	if !ok || e.Kind != KindUnavailable {
		t.Fatalf("As(%v) = %v, %v; want KindUnavailable", err, e, ok)
	}
	if !errors.Is(err, cause) {
		t.Error("the cause must stay reachable with errors.Is")
	}
}

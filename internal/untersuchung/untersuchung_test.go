package untersuchung

import (
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

func TestPruefe(t *testing.T) {
	now := time.Date(2026, 12, 6, 12, 0, 0, 0, time.UTC)
	ok := Untersuchung{KindID: "k", UntersuchtAm: time.Date(2026, 12, 6, 0, 0, 0, 0, time.UTC), Ergebnis: FoerderbedarfPruefen}
	if err := ok.Pruefe(now); err != nil {
		t.Errorf("valid outcome refused: %v", err)
	}
	// A child that did not come: the date is the missed appointment's.
	weg := Untersuchung{KindID: "k", UntersuchtAm: time.Date(2026, 12, 1, 0, 0, 0, 0, time.UTC), Ergebnis: NichtErschienen}
	if err := weg.Pruefe(now); err != nil {
		t.Errorf("nicht_erschienen refused: %v", err)
	}
	bad := Untersuchung{UntersuchtAm: time.Date(2026, 12, 7, 0, 0, 0, 0, time.UTC), Ergebnis: "nicht_erschienen_mit_befund"}
	e, isErr := apperr.As(bad.Pruefe(now))
	if !isErr || len(e.Fields) != 3 {
		t.Fatalf("want three problems, got %v", bad.Pruefe(now))
	}
	for _, x := range Ergebnisse {
		if x.Label() == "" {
			t.Errorf("%s has no label", x)
		}
	}
}

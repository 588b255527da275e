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

func TestStandJe(t *testing.T) {
	gruppe := map[string]string{"a": "20101", "b": "20101", "c": "20101", "d": "20102", "e": ""}
	ergebnisse := map[string]Untersuchung{
		"a": {Ergebnis: NichtErschienen}, "b": {Ergebnis: ZurueckstellungPruefen}, "d": {Ergebnis: Untersucht},
		"weggezogen": {Ergebnis: Untersucht},
	}
	st := StandJe(gruppe, ergebnisse)
	if s := st["20101"]; s.Offen != 1 || s.Ergebnisse[NichtErschienen] != 1 || s.Ergebnisse[ZurueckstellungPruefen] != 1 || s.Ergebnisse[Untersucht] != 0 {
		t.Errorf("20101: %+v", s)
	}
	if s := st["20102"]; s.Offen != 0 || s.Ergebnisse[Untersucht] != 1 {
		t.Errorf("20102: %+v", s)
	}
	if s := st[""]; s.Offen != 1 || len(st) != 3 {
		t.Errorf("children without a school: %+v of %d groups", s, len(st))
	}
}

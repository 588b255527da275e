package uebergang

import (
	"testing"
)

// Worked by hand: A (2 places) and B (3 places); five children.
func TestBerichtVonHand(t *testing.T) {
	l := Lauf{Verfahren: DeferredAcceptance, Plaetze: map[string]int{"A": 2, "B": 3},
		Anmeldungen: []Anmeldung{
			{ID: "1", Wuensche: []string{"A", "B"}},
			{ID: "2", Wuensche: []string{"A"}},
			{ID: "3", Wuensche: []string{"A", "B"}},
			{ID: "4", Wuensche: []string{"B"}},
			{ID: "5", Wuensche: []string{"A"}},
		}}
	e, err := verteileMitLos(DeferredAcceptance, Eingabe{Anmeldungen: l.Anmeldungen, Plaetze: l.Plaetze},
		map[string]int{"1": 1, "2": 2, "3": 3, "4": 4, "5": 5})
	if err != nil {
		t.Fatal(err)
	}
	l.Ergebnis = e
	b := Berichte(l)
	// 1, 2 at A (first wish); 3 at B (second), 4 at B (first); 5 none.
	if b.Kinder.Wert != 5 || b.Wunsch[1].Wert != 3 || b.Wunsch[2].Wert != 1 || b.Wunsch[3].Wert != 0 || b.Wunsch[0].Wert != 1 ||
		*b.Anteil[1] != 0.6 || *b.Anteil[0] != 0.2 {
		t.Fatalf("totals: %+v", b)
	}
	a, bb := b.Schulen[0], b.Schulen[1]
	if a.Schulnummer != "A" || *a.Bewerbungen != 4 || *a.Erstwuensche != 4 || a.Aufgenommen[1].Wert != 2 || *a.Abgewiesen != 2 || a.Summe.Wert != 2 {
		t.Errorf("A: %+v", a)
	}
	if bb.Schulnummer != "B" || *bb.Bewerbungen != 3 || *bb.Erstwuensche != 1 || bb.Aufgenommen[1].Wert != 1 || bb.Aufgenommen[2].Wert != 1 ||
		*bb.Abgewiesen != 0 || bb.Plaetze != 3 {
		t.Errorf("B: %+v", bb)
	}

	// For planners: every count of 1 or 2 suppressed, and enough more that
	// none can be worked back from the totals; shares from suppressed
	// counts are withheld; the application counts are left out.
	p := b.FuerPlanung(3)
	if !p.Unterdrueckt || p.Schwelle != 3 || p.Schulen[0].Bewerbungen != nil {
		t.Fatalf("not suppressed: %+v", p)
	}
	for _, z := range []struct {
		name string
		wert int
		un   bool
	}{
		{"A wish 1", p.Schulen[0].Aufgenommen[1].Wert, p.Schulen[0].Aufgenommen[1].Unterdrueckt},
		{"B wish 1", p.Schulen[1].Aufgenommen[1].Wert, p.Schulen[1].Aufgenommen[1].Unterdrueckt},
		{"B wish 2", p.Schulen[1].Aufgenommen[2].Wert, p.Schulen[1].Aufgenommen[2].Unterdrueckt},
		{"none", p.Wunsch[0].Wert, p.Wunsch[0].Unterdrueckt},
		{"wish 2", p.Wunsch[2].Wert, p.Wunsch[2].Unterdrueckt},
	} {
		if !z.un {
			t.Errorf("%s (%d) shown to planners", z.name, z.wert)
		}
	}
	if p.Anteil[0] != nil || p.Anteil[2] != nil {
		t.Errorf("shares of suppressed counts shown")
	}
	// The school office's report is untouched.
	if b.Unterdrueckt || b.Wunsch[0].Unterdrueckt || b.Schulen[0].Bewerbungen == nil {
		t.Errorf("suppressing for planners changed the original")
	}
}

package uebergang

import (
	"reflect"
	"testing"
)

// ergebnisKurz is a result as one writes it by hand: child → "school/wish"
// ("-" for none), and the waiting lists.
func kurz(e Ergebnis) (map[string]string, map[string][]string) {
	z := map[string]string{}
	for _, x := range e.Zuteilungen {
		if x.Schulnummer == "" {
			z[x.AnmeldungID] = "-"
		} else {
			z[x.AnmeldungID] = x.Schulnummer + "/" + string(rune('0'+x.Wunsch))
		}
	}
	return z, e.Wartelisten
}

// Worked by hand: A and B have one place each; lots c1 < c2 < c3.
//
//	c1 wishes A; c2 wishes A, then B; c3 wishes B.
//
// Erstwunsch: round 1 gives A to c1 (better lot than c2) and B to c3 (its
// only applicant); in round 2 B is full, c2 gets nothing.
// Deferred acceptance: c2, rejected by A, proposes to B, which prefers c2
// (lot 2) to c3 (lot 3) and releases c3: c2 gets its second wish, c3
// nothing.
func TestBeispielZweiVerfahren(t *testing.T) {
	in := Eingabe{Plaetze: map[string]int{"A": 1, "B": 1}, Anmeldungen: []Anmeldung{
		{ID: "c1", Wuensche: []string{"A"}},
		{ID: "c2", Wuensche: []string{"A", "B"}},
		{ID: "c3", Wuensche: []string{"B"}},
	}}
	los := map[string]int{"c1": 1, "c2": 2, "c3": 3}
	for _, tc := range []struct {
		v     Verfahren
		z     map[string]string
		warte map[string][]string
	}{
		{Erstwunsch, map[string]string{"c1": "A/1", "c2": "-", "c3": "B/1"}, map[string][]string{"A": {"c2"}, "B": {"c2"}}},
		{DeferredAcceptance, map[string]string{"c1": "A/1", "c2": "B/2", "c3": "-"}, map[string][]string{"A": {"c2"}, "B": {"c3"}}},
	} {
		e, err := verteileMitLos(tc.v, in, los)
		if err != nil {
			t.Fatal(err)
		}
		z, w := kurz(e)
		if !reflect.DeepEqual(z, tc.z) || !reflect.DeepEqual(w, tc.warte) {
			t.Errorf("%s: %v, waiting %v; want %v, waiting %v", tc.v, z, w, tc.z, tc.warte)
		}
	}
}

// Under erstwunsch c2 of the example gains by hiding its true first wish:
// naming B first, it gets B. Families who guess well are rewarded – the
// reason deferred acceptance is offered.
func TestErstwunschLohntFalscheAngabe(t *testing.T) {
	in := Eingabe{Plaetze: map[string]int{"A": 1, "B": 1}, Anmeldungen: []Anmeldung{
		{ID: "c1", Wuensche: []string{"A"}},
		{ID: "c2", Wuensche: []string{"B"}}, // truly A, then B
		{ID: "c3", Wuensche: []string{"B"}},
	}}
	e, err := verteileMitLos(Erstwunsch, in, map[string]int{"c1": 1, "c2": 2, "c3": 3})
	if err != nil {
		t.Fatal(err)
	}
	if z, _ := kurz(e); z["c2"] != "B/1" {
		t.Fatalf("c2 misstating gets %s, want B", z["c2"])
	}
}

// Priority at a school: Härtefall, then a sibling there, then the lot –
// in the configured order.
func TestBeispielKriterien(t *testing.T) {
	in := Eingabe{Plaetze: map[string]int{"A": 2}, Anmeldungen: []Anmeldung{
		{ID: "los1", Wuensche: []string{"A"}},
		{ID: "geschwister", Wuensche: []string{"A"}, Geschwister: []string{"A"}},
		{ID: "haerte", Wuensche: []string{"A"}, Haertefall: true},
		{ID: "los2", Wuensche: []string{"A"}},
	}}
	los := map[string]int{"los1": 1, "los2": 2, "geschwister": 3, "haerte": 4}
	for _, v := range AlleVerfahren {
		e, err := verteileMitLos(v, in, los)
		if err != nil {
			t.Fatal(err)
		}
		if got, want := e.Aufgenommen["A"], []string{"haerte", "geschwister"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: admitted %v, want %v", v, got, want)
		}
		if got, want := e.Wartelisten["A"], []string{"los1", "los2"}; !reflect.DeepEqual(got, want) {
			t.Errorf("%s: waiting %v, want %v", v, got, want)
		}
	}
	// Siblings first when so configured; a sibling elsewhere does not count.
	in.Kriterien = []Kriterium{Geschwisterkind, Haertefall}
	in.Anmeldungen = append(in.Anmeldungen, Anmeldung{ID: "geschwister2", Wuensche: []string{"A"}, Geschwister: []string{"B"}})
	los["geschwister2"] = 0
	e, err := verteileMitLos(DeferredAcceptance, in, los)
	if err != nil {
		t.Fatal(err)
	}
	if got, want := e.Aufgenommen["A"], []string{"geschwister", "haerte"}; !reflect.DeepEqual(got, want) {
		t.Errorf("siblings first: admitted %v, want %v", got, want)
	}
	if got, want := e.Wartelisten["A"], []string{"geschwister2", "los1", "los2"}; !reflect.DeepEqual(got, want) {
		t.Errorf("siblings first: waiting %v, want %v", got, want)
	}
}

// The example's two procedures compared: c2 is better off under deferred
// acceptance (second wish instead of none), c3 worse (none instead of its
// first wish), c1 the same.
func TestVergleichBeispiel(t *testing.T) {
	in := Eingabe{Plaetze: map[string]int{"A": 1, "B": 1}, Anmeldungen: []Anmeldung{
		{ID: "c1", Wuensche: []string{"A"}},
		{ID: "c2", Wuensche: []string{"A", "B"}},
		{ID: "c3", Wuensche: []string{"B"}},
	}}
	los := map[string]int{"c1": 1, "c2": 2, "c3": 3}
	ew, _ := verteileMitLos(Erstwunsch, in, los)
	da, _ := verteileMitLos(DeferredAcceptance, in, los)
	a := Lauf{Verfahren: Erstwunsch, Plaetze: in.Plaetze, Anmeldungen: in.Anmeldungen, Ergebnis: ew}
	b := Lauf{Verfahren: DeferredAcceptance, Plaetze: in.Plaetze, Anmeldungen: in.Anmeldungen, Ergebnis: da}
	v := Vergleiche(a, b)
	if v.Gleich != 1 || v.BesserInB != 1 || v.SchlechterInB != 1 || v.AndereSchule != 2 || v.NurInA != 0 || v.NurInB != 0 {
		t.Errorf("comparison %+v", v)
	}
	if v.A.Wunsch[1].Wert != 2 || v.B.Wunsch[1].Wert != 1 || v.B.Wunsch[2].Wert != 1 {
		t.Errorf("reports: %+v / %+v", v.A.Wunsch, v.B.Wunsch)
	}
	// A run compared with itself changes nothing; an application only in
	// one run is counted as such.
	b.Ergebnis.Zuteilungen = b.Ergebnis.Zuteilungen[:2]
	if v := Vergleiche(a, a); v.Gleich != 3 || v.BesserInB+v.SchlechterInB+v.AndereSchule != 0 {
		t.Errorf("self comparison %+v", v)
	}
	if v := Vergleiche(a, b); v.NurInA != 1 || v.Gleich+v.BesserInB+v.SchlechterInB != 2 {
		t.Errorf("an application withdrawn: %+v", v)
	}
}

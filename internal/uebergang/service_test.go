package uebergang

import (
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/schule"
)

// A run is stale when any application was made, changed or withdrawn, or
// the places of a school it used changed; the order siblings are listed in
// does not matter.
func TestVeraltet(t *testing.T) {
	n := func(i int) *int { return &i }
	lauf := Lauf{Plaetze: map[string]int{"A": 2, "B": 1}, Anmeldungen: []Anmeldung{
		{ID: "1", Wuensche: []string{"A", "B"}, Geschwister: []string{"A", "B"}},
		{ID: "2", Wuensche: []string{"B"}, Haertefall: true},
	}}
	kaps := []Kapazitaet{{Schule: schule.Schule{Schulnummer: "A"}, Plaetze: n(2)}, {Schule: schule.Schule{Schulnummer: "B"}, Plaetze: n(1)},
		{Schule: schule.Schule{Schulnummer: "C"}, Plaetze: n(9)}}
	jetzt := func(mod func([]Anmeldung) []Anmeldung) []Anmeldung {
		a := []Anmeldung{
			{ID: "1", Wuensche: []string{"A", "B"}, Geschwister: []string{"B", "A"}},
			{ID: "2", Wuensche: []string{"B"}, Haertefall: true},
		}
		return mod(a)
	}
	gleich := func(a []Anmeldung) []Anmeldung { return a }
	if g := veraltet(lauf, jetzt(gleich), kaps); g != "" {
		t.Errorf("unchanged run stale: %s", g)
	}
	for name, mod := range map[string]func([]Anmeldung) []Anmeldung{
		"wishes reordered":     func(a []Anmeldung) []Anmeldung { a[0].Wuensche = []string{"B", "A"}; return a },
		"Härtefall taken back": func(a []Anmeldung) []Anmeldung { a[1].Haertefall = false; return a },
		"sibling dropped":      func(a []Anmeldung) []Anmeldung { a[0].Geschwister = []string{"A"}; return a },
		"withdrawn":            func(a []Anmeldung) []Anmeldung { return a[:1] },
		"new application":      func(a []Anmeldung) []Anmeldung { return append(a, Anmeldung{ID: "3", Wuensche: []string{"C"}}) },
	} {
		if g := veraltet(lauf, jetzt(mod), kaps); !strings.Contains(g, "wurde 1 Anmeldung neu gestellt") {
			t.Errorf("%s: %q", name, g)
		}
	}
	both := func(a []Anmeldung) []Anmeldung { a[0].Haertefall = true; return a[:1] }
	if g := veraltet(lauf, jetzt(both), kaps); !strings.Contains(g, "wurden 2 Anmeldungen") {
		t.Errorf("two changes: %q", g)
	}
	kaps[1].Plaetze = n(2)
	if g := veraltet(lauf, jetzt(gleich), kaps); !strings.Contains(g, "Schule B") {
		t.Errorf("places changed: %q", g)
	}
	kaps[1].Plaetze = n(1)
	kaps[2].Plaetze = n(3) // a school the run did not use
	if g := veraltet(lauf, jetzt(gleich), kaps); g != "" {
		t.Errorf("places of an unused school made the run stale: %q", g)
	}
}

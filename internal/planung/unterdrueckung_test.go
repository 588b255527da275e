package planung

import (
	"fmt"
	"math"
	"math/rand/v2"
	"testing"

	"github.com/schulgateway/schulgateway/internal/planung/angreifer"
)

// veroeffentlicht is what a planner sees of t: suppressed entries nil.
func veroeffentlicht(name string, t Tabelle) angreifer.Tabelle {
	zeig := func(z Zelle) *int {
		if z.Unterdrueckt {
			return nil
		}
		v := z.Wert
		return &v
	}
	out := angreifer.Tabelle{Name: name, Gesamt: zeig(t.Gesamt)}
	for i, r := range t.Zellen {
		var row []*int
		for _, z := range r {
			row = append(row, zeig(z))
		}
		out.Zellen = append(out.Zellen, row)
		out.ZeilenSummen = append(out.ZeilenSummen, zeig(t.ZeilenSummen[i]))
	}
	for _, z := range t.SpaltenSummen {
		out.SpaltenSummen = append(out.SpaltenSummen, zeig(z))
	}
	return out
}

func wahrerWert(t Tabelle, o angreifer.Ort) int {
	switch {
	case o.Zeile < 0 && o.Spalte < 0:
		return t.Gesamt.Wert
	case o.Zeile < 0:
		return t.SpaltenSummen[o.Spalte].Wert
	case o.Spalte < 0:
		return t.ZeilenSummen[o.Zeile].Wert
	}
	return t.Zellen[o.Zeile][o.Spalte].Wert
}

// angriff lets the adversary loose on the published tables and fails for
// every suppressed entry it can pin down to fewer than schwelle values.
func angriff(t *testing.T, schwelle int, tabs map[string]Tabelle) int {
	t.Helper()
	var pub []angreifer.Tabelle
	for name, tab := range tabs {
		pub = append(pub, veroeffentlicht(name, tab))
	}
	grenzen, err := angreifer.Grenzen(pub, 1)
	if err != nil {
		t.Fatal(err)
	}
	for o, s := range grenzen {
		w := wahrerWert(tabs[o.Tabelle], o)
		if float64(w) < s.Min || float64(w) > s.Max {
			t.Fatalf("%v: true value %d outside the adversary's range %v: the adversary's model is wrong", o, w, s)
		}
		if s.Max-s.Min < float64(schwelle-1) {
			t.Errorf("%v = %d: the adversary narrows it to %v..%v (fewer than %d values)\n%s", o, w, s.Min, s.Max, schwelle, zeige(tabs[o.Tabelle]))
		}
	}
	return len(grenzen)
}

func zeige(t Tabelle) string {
	s := ""
	line := func(zs []Zelle, sum Zelle) {
		for _, z := range append(zs, sum) {
			if z.Unterdrueckt {
				s += fmt.Sprintf("%5d•", z.Wert)
			} else {
				s += fmt.Sprintf("%6d", z.Wert)
			}
		}
		s += "\n"
	}
	for i := range t.Zellen {
		line(t.Zellen[i], t.ZeilenSummen[i])
	}
	line(t.SpaltenSummen, t.Gesamt)
	return s
}

// The tester's finding: grade 1 of 20101 = 119, 20102 and 20103 one child
// each; the total 121 and the zeros gave both away.
func TestAngreiferKenntDieAlteLuecke(t *testing.T) {
	v := func(i int) *int { return &i }
	alt := angreifer.Tabelle{Name: "2025", Zellen: [][]*int{{v(119)}, {nil}, {nil}}, ZeilenSummen: []*int{v(119), nil, nil},
		SpaltenSummen: []*int{v(121)}, Gesamt: v(121)}
	g, err := angreifer.Grenzen([]angreifer.Tabelle{alt}, 1)
	if err != nil {
		t.Fatal(err)
	}
	if s := g[angreifer.Ort{Tabelle: "2025", Zeile: 1, Spalte: 0}]; s.Min != 1 || s.Max != 1 {
		t.Fatalf("the adversary should recompute the hidden 1 from the old publication, got %v", s)
	}
}

func TestUnterdrueckungHaeltAngreiferStand(t *testing.T) {
	// Three Grundschulen over three years; grade 1 of 2025 as the tester
	// found it, other small counts and zeros around it.
	tabs := map[string]Tabelle{
		"2023": NeueTabelle([]string{"20101", "20102", "20103"}, []int{1, 2, 3, 4}, [][]int{{110, 104, 98, 101}, {2, 0, 1, 0}, {0, 1, 0, 2}}),
		"2024": NeueTabelle([]string{"20101", "20102", "20103"}, []int{1, 2, 3, 4}, [][]int{{116, 108, 103, 97}, {1, 2, 0, 1}, {1, 0, 1, 0}}),
		"2025": NeueTabelle([]string{"20101", "20102", "20103"}, []int{1, 2, 3, 4}, [][]int{{119, 114, 107, 102}, {1, 1, 2, 0}, {1, 1, 0, 1}}),
	}
	for name, tab := range tabs {
		tab.Unterdruecke(3)
		tabs[name] = tab
	}
	if n := angriff(t, 3, tabs); n == 0 {
		t.Fatal("nothing suppressed")
	}
}

// Random tables: many shapes, many small counts and zeros; no suppressed
// entry may be narrowed below the threshold, for thresholds 2 to 5.
func TestUnterdrueckungZufallstabellen(t *testing.T) {
	r := rand.New(rand.NewPCG(15, 6))
	for n := range 300 {
		schwelle := 2 + n%4
		zeilen, spalten := 1+r.IntN(6), 1+r.IntN(6)
		werte := make([][]int, zeilen)
		var names []string
		var stufen []int
		for i := range zeilen {
			names = append(names, fmt.Sprint(i))
			for range spalten {
				var v int
				switch p := r.Float64(); {
				case p < 0.3:
					v = 0
				case p < 0.6:
					v = 1 + r.IntN(schwelle-1)
				default:
					v = schwelle + r.IntN(120)
				}
				werte[i] = append(werte[i], v)
			}
		}
		for j := range spalten {
			stufen = append(stufen, j+1)
		}
		tab := NeueTabelle(names, stufen, werte)
		tab.Unterdruecke(schwelle)
		t.Run(fmt.Sprintf("%d", n), func(t *testing.T) { angriff(t, schwelle, map[string]Tabelle{"t": tab}) })
		if t.Failed() {
			return
		}
	}
}

func TestSpanneOhneUnterdrueckteNachbarn(t *testing.T) {
	// Everything suppressed: nothing bounds anything from above.
	tab := NeueTabelle([]string{"A"}, []int{1}, [][]int{{1}})
	tab.Unterdruecke(3)
	e, g := tab.eintraege()
	for k := range e {
		if lo, hi := spanne(e, g, k); lo != 1 || !math.IsInf(hi, 1) {
			t.Errorf("entry %d: %v..%v, want 1..+Inf", k, lo, hi)
		}
	}
}

// The protector's own simplex (lp.go) and the adversary's (gonum) agree
// on every range of random published tables.
func TestSpanneWieAngreifer(t *testing.T) {
	r := rand.New(rand.NewPCG(17, 6))
	for n := range 100 {
		zeilen, spalten := 1+r.IntN(5), 1+r.IntN(5)
		werte := make([][]int, zeilen)
		var names []string
		var stufen []int
		for i := range zeilen {
			names = append(names, fmt.Sprint(i))
			for range spalten {
				werte[i] = append(werte[i], []int{0, 1, 2, 5, 40}[r.IntN(5)])
			}
		}
		for j := range spalten {
			stufen = append(stufen, j+1)
		}
		tab := NeueTabelle(names, stufen, werte)
		e, g := tab.eintraege()
		for _, z := range e { // a random suppression, not a protecting one
			z.Unterdrueckt = z.Wert > 0 && r.IntN(3) == 0
		}
		grenzen, err := angreifer.Grenzen([]angreifer.Tabelle{veroeffentlicht("t", tab)}, 1)
		if err != nil {
			t.Fatal(err)
		}
		for i := range tab.Zellen {
			for j := range tab.Zellen[i] {
				if tab.Zellen[i][j].Unterdrueckt {
					lo, hi := spanne(e, g, i*spalten+j)
					if s := grenzen[angreifer.Ort{Tabelle: "t", Zeile: i, Spalte: j}]; s.Min != lo || s.Max != hi {
						t.Errorf("table %d cell %d,%d: own %v..%v, adversary %v..%v\n%s", n, i, j, lo, hi, s.Min, s.Max, zeige(tab))
					}
				}
			}
		}
	}
}

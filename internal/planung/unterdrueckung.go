package planung

import (
	"cmp"
	"maps"
	"math"
	"slices"
)

// Zelle is a published count. A suppressed cell is shown as "•" (JSON:
// null with unterdrueckt true); its Wert must not leave the gateway.
type Zelle struct {
	Wert         int
	Unterdrueckt bool
}

// Tabelle is a count table with row and column totals, as planners get
// it: rows (schools or Bezirke) × columns (grades or years).
type Tabelle struct {
	Zeilen        []string
	Spalten       []int
	Zellen        [][]Zelle // [row][column]
	ZeilenSummen  []Zelle
	SpaltenSummen []Zelle
	Gesamt        Zelle
}

// NeueTabelle builds a table with its totals from the counts.
func NeueTabelle(zeilen []string, spalten []int, werte [][]int) Tabelle {
	t := Tabelle{Zeilen: zeilen, Spalten: spalten, Zellen: make([][]Zelle, len(zeilen)),
		ZeilenSummen: make([]Zelle, len(zeilen)), SpaltenSummen: make([]Zelle, len(spalten))}
	for i := range zeilen {
		t.Zellen[i] = make([]Zelle, len(spalten))
		for j := range spalten {
			v := werte[i][j]
			t.Zellen[i][j].Wert = v
			t.ZeilenSummen[i].Wert += v
			t.SpaltenSummen[j].Wert += v
			t.Gesamt.Wert += v
		}
	}
	return t
}

// StandardSchwelle: counts below it (1 and 2) are suppressed.
const StandardSchwelle = 3

// Unterdruecke suppresses every cell and total with 0 < Wert < schwelle
// (primary), then, until none is left, every equation of the table (a row
// with its total, a column with its total, the row totals and the column
// totals with the grand total) that has exactly one suppressed member gets
// a second one (secondary): the smallest non-zero cell of it, else its
// total. A zero is not suppressed on its own: "none" does not identify
// anyone.
//
// That alone can still be worked back: zeros are shown, so a suppressed
// entry is at least 1, and two suppressed cells that must sum to 2 are 1
// each. So the table is then audited as an adversary would: for every
// suppressed entry the smallest and largest value consistent with all
// published numbers (every equation, zeros, suppressed ≥ 1) is computed
// by linear programming (Spanne); while an entry's range holds fewer than
// schwelle values, another entry sharing an equation with it is suppressed
// (the smallest that protects it, else the one that widens its range
// most). Suppressing more only widens ranges, so this ends. schwelle ≤ 0
// uses StandardSchwelle.
func (t *Tabelle) Unterdruecke(schwelle int) {
	if schwelle <= 0 {
		schwelle = StandardSchwelle
	}
	klein := func(z *Zelle) {
		if z.Wert > 0 && z.Wert < schwelle {
			z.Unterdrueckt = true
		}
	}
	for i := range t.Zellen {
		for j := range t.Zellen[i] {
			klein(&t.Zellen[i][j])
		}
		klein(&t.ZeilenSummen[i])
	}
	for j := range t.SpaltenSummen {
		klein(&t.SpaltenSummen[j])
	}
	klein(&t.Gesamt)

	// Each equation: members that sum up to its total (the last element).
	var gleichungen [][]*Zelle
	for i := range t.Zellen {
		g := []*Zelle{}
		for j := range t.Zellen[i] {
			g = append(g, &t.Zellen[i][j])
		}
		gleichungen = append(gleichungen, append(g, &t.ZeilenSummen[i]))
	}
	for j := range t.Spalten {
		g := []*Zelle{}
		for i := range t.Zellen {
			g = append(g, &t.Zellen[i][j])
		}
		gleichungen = append(gleichungen, append(g, &t.SpaltenSummen[j]))
	}
	zs := []*Zelle{}
	for i := range t.ZeilenSummen {
		zs = append(zs, &t.ZeilenSummen[i])
	}
	gleichungen = append(gleichungen, append(zs, &t.Gesamt))
	ss := []*Zelle{}
	for j := range t.SpaltenSummen {
		ss = append(ss, &t.SpaltenSummen[j])
	}
	gleichungen = append(gleichungen, append(ss, &t.Gesamt))

	for changed := true; changed; {
		changed = false
		for _, g := range gleichungen {
			n := 0
			for _, z := range g {
				if z.Unterdrueckt {
					n++
				}
			}
			if n != 1 {
				continue
			}
			teile := g[:len(g)-1]
			var wahl *Zelle
			for _, z := range teile { // smallest non-zero part
				if !z.Unterdrueckt && z.Wert > 0 && (wahl == nil || z.Wert < wahl.Wert) {
					wahl = z
				}
			}
			if wahl == nil {
				// Only zeros left: suppressing one would not help where the
				// zero is plain (a Grundschule has no grade 5); the total goes.
				wahl = g[len(g)-1]
			}
			wahl.Unterdrueckt = true
			changed = true
		}
	}
	t.schuetze(schwelle)
}

// eintraege are the table's cells (row by row), row totals, column totals
// and grand total, in this order; gleichungen lists each equation as
// indexes into them, its total last.
func (t *Tabelle) eintraege() (e []*Zelle, gleichungen [][]int) {
	nz, ns := len(t.Zellen), len(t.SpaltenSummen)
	for i := range t.Zellen {
		for j := range t.Zellen[i] {
			e = append(e, &t.Zellen[i][j])
		}
	}
	for i := range t.ZeilenSummen {
		e = append(e, &t.ZeilenSummen[i])
	}
	for j := range t.SpaltenSummen {
		e = append(e, &t.SpaltenSummen[j])
	}
	e = append(e, &t.Gesamt)
	zs, ss, g := nz*ns, nz*ns+nz, nz*ns+nz+ns
	for i := range nz {
		var q []int
		for j := range ns {
			q = append(q, i*ns+j)
		}
		gleichungen = append(gleichungen, append(q, zs+i))
	}
	for j := range ns {
		var q []int
		for i := range nz {
			q = append(q, i*ns+j)
		}
		gleichungen = append(gleichungen, append(q, ss+j))
	}
	var zq, sq []int
	for i := range nz {
		zq = append(zq, zs+i)
	}
	for j := range ns {
		sq = append(sq, ss+j)
	}
	gleichungen = append(gleichungen, append(zq, g), append(sq, g))
	return e, gleichungen
}

// Spanne is the range an adversary can derive for entry k (an index into
// eintraege) from what the table publishes: every equation, the values
// shown (zeros included) and that a suppressed entry is at least 1. max
// is +Inf when nothing bounds it from above.
func spanne(e []*Zelle, gleichungen [][]int, k int) (lo, hi float64) {
	// Unknowns: the suppressed entries, as y = Wert - 1 ≥ 0.
	idx := map[int]int{}
	for i, z := range e {
		if z.Unterdrueckt {
			idx[i] = len(idx)
		}
	}
	n := len(idx)
	var A [][]float64
	var b []float64
	for _, q := range gleichungen {
		row := make([]float64, n)
		rhs, used := 0.0, false
		for p, i := range q {
			coef := 1.0
			if p == len(q)-1 {
				coef = -1 // members − total = 0
			}
			if v, ok := idx[i]; ok {
				row[v] += coef
				rhs -= coef // the 1 of y + 1
				used = true
			} else {
				rhs -= coef * float64(e[i].Wert)
			}
		}
		if used {
			A, b = append(A, row), append(b, rhs)
		}
	}
	c := make([]float64, n)
	c[idx[k]] = 1
	maxY, unbounded, ok := lpMax(A, b, c)
	if !ok {
		return 0, 0 // cannot happen: the true values satisfy everything
	}
	hi = math.Inf(1)
	if !unbounded {
		hi = math.Round(maxY) + 1
	}
	c[idx[k]] = -1
	minY, _, _ := lpMax(A, b, c)
	return math.Round(-minY) + 1, hi
}

// schuetze suppresses further entries until every suppressed entry's
// range holds at least schwelle values (max - min ≥ schwelle - 1, so a
// small count cannot be told from one of schwelle or more).
func (t *Tabelle) schuetze(schwelle int) {
	e, gleichungen := t.eintraege()
	sicher := func(k int) (bool, float64) {
		lo, hi := spanne(e, gleichungen, k)
		return hi-lo >= float64(schwelle-1), hi - lo
	}
	// Suppressing more only widens ranges: an entry found safe stays safe.
	geprueft := make([]bool, len(e))
	for {
		k := -1
		for i, z := range e {
			if z.Unterdrueckt && !geprueft[i] {
				k = i
				break
			}
		}
		if k < 0 {
			return
		}
		geprueft[k] = true
		for {
			ok, _ := sicher(k)
			if ok {
				break
			}
			// Candidates: published non-zero entries sharing an equation
			// with k, smallest first; if none, any published non-zero one.
			kand := map[int]bool{}
			for _, q := range gleichungen {
				if slices.Contains(q, k) {
					for _, i := range q {
						if !e[i].Unterdrueckt && e[i].Wert > 0 {
							kand[i] = true
						}
					}
				}
			}
			if len(kand) == 0 {
				for i, z := range e {
					if !z.Unterdrueckt && z.Wert > 0 {
						kand[i] = true
					}
				}
			}
			if len(kand) == 0 {
				break // everything that could hide it is hidden
			}
			liste := slices.Collect(maps.Keys(kand))
			slices.SortFunc(liste, func(a, b int) int {
				if c := cmp.Compare(e[a].Wert, e[b].Wert); c != 0 {
					return c
				}
				return cmp.Compare(a, b)
			})
			wahl, weite := -1, -1.0
			for _, i := range liste {
				e[i].Unterdrueckt = true
				ok, w := sicher(k)
				e[i].Unterdrueckt = false
				if ok {
					wahl = i
					break
				}
				if w > weite {
					wahl, weite = i, w
				}
			}
			e[wahl].Unterdrueckt = true
		}
	}
}

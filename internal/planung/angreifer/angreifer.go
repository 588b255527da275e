// Package angreifer plays the adversary against the planners' published
// tables in tests: knowing every published number of every table (cells,
// row and column totals, grand totals, zeros shown as 0, all school
// years), it computes for each suppressed entry the smallest and largest
// value consistent with all of them by linear programming. It uses
// gonum's simplex, not the gateway's own, so that the check does not
// share the protector's code.
package angreifer

import (
	"errors"
	"fmt"
	"math"

	"gonum.org/v1/gonum/mat"
	"gonum.org/v1/gonum/optimize/convex/lp"
)

// Tabelle is one published table: nil is a suppressed entry ("•").
type Tabelle struct {
	Name          string
	Zellen        [][]*int
	ZeilenSummen  []*int
	SpaltenSummen []*int
	Gesamt        *int
}

// Ort names an entry: Zeile -1 is the column totals' row, Spalte -1 the
// row totals' column (both -1: the grand total).
type Ort struct {
	Tabelle       string
	Zeile, Spalte int
}

func (o Ort) String() string { return fmt.Sprintf("%s[%d,%d]", o.Tabelle, o.Zeile, o.Spalte) }

// Spanne is what the adversary learns of a suppressed entry: Max is +Inf
// when nothing bounds it.
type Spanne struct{ Min, Max float64 }

// Grenzen solves for every suppressed entry of all tables together. A
// suppressed entry is known to be at least MindestWert (1 when zeros are
// shown as 0).
func Grenzen(tabellen []Tabelle, mindestWert int) (map[Ort]Spanne, error) {
	var orte []Ort
	type glied struct {
		ort  Ort
		wert *int
	}
	var gleichungen [][]glied // members, total last
	for _, t := range tabellen {
		nz, ns := len(t.Zellen), len(t.SpaltenSummen)
		zelle := func(i, j int) glied { return glied{Ort{t.Name, i, j}, t.Zellen[i][j]} }
		for i := range nz {
			var g []glied
			for j := range ns {
				g = append(g, zelle(i, j))
			}
			gleichungen = append(gleichungen, append(g, glied{Ort{t.Name, i, -1}, t.ZeilenSummen[i]}))
		}
		for j := range ns {
			var g []glied
			for i := range nz {
				g = append(g, zelle(i, j))
			}
			gleichungen = append(gleichungen, append(g, glied{Ort{t.Name, -1, j}, t.SpaltenSummen[j]}))
		}
		var zs, ss []glied
		for i := range nz {
			zs = append(zs, glied{Ort{t.Name, i, -1}, t.ZeilenSummen[i]})
		}
		for j := range ns {
			ss = append(ss, glied{Ort{t.Name, -1, j}, t.SpaltenSummen[j]})
		}
		g := glied{Ort{t.Name, -1, -1}, t.Gesamt}
		gleichungen = append(gleichungen, append(zs, g), append(ss, g))
		for i := range nz {
			for j := range ns {
				if t.Zellen[i][j] == nil {
					orte = append(orte, Ort{t.Name, i, j})
				}
			}
			if t.ZeilenSummen[i] == nil {
				orte = append(orte, Ort{t.Name, i, -1})
			}
		}
		for j := range ns {
			if t.SpaltenSummen[j] == nil {
				orte = append(orte, Ort{t.Name, -1, j})
			}
		}
		if t.Gesamt == nil {
			orte = append(orte, Ort{t.Name, -1, -1})
		}
	}
	idx := map[Ort]int{}
	for i, o := range orte {
		idx[o] = i
	}
	n := len(orte)
	// y = x - mindestWert ≥ 0; each equation: Σ members - total = 0.
	var rows [][]float64
	var rhs []float64
	for _, g := range gleichungen {
		row := make([]float64, n)
		b, used := 0.0, false
		for p, x := range g {
			coef := 1.0
			if p == len(g)-1 {
				coef = -1
			}
			if x.wert == nil {
				row[idx[x.ort]] += coef
				b -= coef * float64(mindestWert)
				used = true
			} else {
				b -= coef * float64(*x.wert)
			}
		}
		if !used {
			if math.Abs(b) > 1e-9 {
				return nil, fmt.Errorf("published numbers do not add up in an equation with %v", g[len(g)-1].ort)
			}
			continue
		}
		if b < 0 {
			for j := range row {
				row[j] = -row[j]
			}
			b = -b
		}
		rows, rhs = append(rows, row), append(rhs, b)
	}
	rows, rhs = unabhaengig(rows, rhs)
	// Unknowns in no equation are bounded by nothing.
	out := map[Ort]Spanne{}
	var cols []int
	for v := range n {
		in := false
		for _, r := range rows {
			if r[v] != 0 {
				in = true
				break
			}
		}
		if in {
			cols = append(cols, v)
		} else {
			out[orte[v]] = Spanne{float64(mindestWert), math.Inf(1)}
		}
	}
	if len(cols) == 0 {
		return out, nil
	}
	A := mat.NewDense(len(rows), len(cols), nil)
	for i, r := range rows {
		for j, v := range cols {
			A.Set(i, j, r[v])
		}
	}
	for j, v := range cols {
		c := make([]float64, len(cols))
		c[j] = 1
		lo, _, err := lp.Simplex(c, A, rhs, 1e-10, nil)
		if err != nil {
			return nil, fmt.Errorf("min %v: %w", orte[v], err)
		}
		c[j] = -1
		negHi, _, err := lp.Simplex(c, A, rhs, 1e-10, nil)
		hi := math.Inf(1)
		switch {
		case errors.Is(err, lp.ErrUnbounded):
		case err != nil:
			return nil, fmt.Errorf("max %v: %w", orte[v], err)
		default:
			hi = math.Round(-negHi) + float64(mindestWert)
		}
		out[orte[v]] = Spanne{math.Round(lo) + float64(mindestWert), hi}
	}
	return out, nil
}

// unabhaengig keeps a linearly independent subset of the equations (the
// table's equations are not: the row totals and the column totals both sum
// to the grand total), which gonum's simplex needs.
func unabhaengig(rows [][]float64, rhs []float64) ([][]float64, []float64) {
	var basis [][]float64 // reduced rows kept so far
	var pivots []int
	var outR [][]float64
	var outB []float64
	for i, r := range rows {
		v := append([]float64(nil), r...)
		for k, b := range basis {
			if f := v[pivots[k]]; f != 0 {
				for j := range v {
					v[j] -= f * b[j]
				}
			}
		}
		p, best := -1, 1e-9
		for j, x := range v {
			if math.Abs(x) > best {
				p, best = j, math.Abs(x)
			}
		}
		if p < 0 {
			continue // a combination of the kept ones
		}
		f := v[p]
		for j := range v {
			v[j] /= f
		}
		basis, pivots = append(basis, v), append(pivots, p)
		outR, outB = append(outR, r), append(outB, rhs[i])
	}
	return outR, outB
}

package planung

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
// total. No single row or column sum then gives a
// suppressed value back. A zero is not suppressed on its own: "none" does
// not identify anyone. schwelle ≤ 0 uses StandardSchwelle.
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
}

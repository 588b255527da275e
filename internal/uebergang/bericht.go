package uebergang

import (
	"slices"

	"github.com/schulgateway/schulgateway/internal/planung"
)

// Bericht is the report of wishes met of a run: per school and in all,
// how many children got their first, second, third wish or none.
type Bericht struct {
	Verfahren Verfahren
	Kinder    planung.Zelle
	// Wunsch[k] counts the children admitted at their k-th wish (k = 1..3);
	// Wunsch[0] the children without a place.
	Wunsch [MaxWuensche + 1]planung.Zelle
	// Anteil[k] is Wunsch[k] / Kinder; nil when either is suppressed.
	Anteil  [MaxWuensche + 1]*float64
	Schulen []BerichtSchule
	// Unterdrueckt: the report was suppressed for planners (Schwelle).
	Unterdrueckt bool
	Schwelle     int
}

// BerichtSchule is one school of the report.
type BerichtSchule struct {
	Schulnummer string
	Plaetze     int
	// Bewerbungen: children who named the school as any wish;
	// Erstwuensche: as first wish; Abgewiesen: children who named it and
	// got a later wish or none (its waiting list). Nil in the planners'
	// report, which shows the admissions only.
	Bewerbungen, Erstwuensche, Abgewiesen *int
	// Aufgenommen[k] counts the children admitted with wish k (1..3);
	// Aufgenommen[0] is unused (0).
	Aufgenommen [MaxWuensche + 1]planung.Zelle
	Summe       planung.Zelle
}

// Berichte counts the run's results. Every school with places or
// applications in the run has a row, by Schulnummer.
func Berichte(l Lauf) Bericht {
	b := Bericht{Verfahren: l.Verfahren}
	zeile := map[string]*BerichtSchule{}
	get := func(s string) *BerichtSchule {
		if z, ok := zeile[s]; ok {
			return z
		}
		z := &BerichtSchule{Schulnummer: s, Plaetze: l.Plaetze[s], Bewerbungen: new(int), Erstwuensche: new(int), Abgewiesen: new(int)}
		zeile[s] = z
		return z
	}
	for s := range l.Plaetze {
		get(s)
	}
	for _, a := range l.Anmeldungen {
		for i, w := range a.Wuensche {
			z := get(w)
			*z.Bewerbungen++
			if i == 0 {
				*z.Erstwuensche++
			}
		}
	}
	for s, w := range l.Ergebnis.Wartelisten {
		*get(s).Abgewiesen = len(w)
	}
	for _, z := range l.Ergebnis.Zuteilungen {
		b.Kinder.Wert++
		b.Wunsch[z.Wunsch].Wert++
		if z.Schulnummer != "" {
			r := get(z.Schulnummer)
			r.Aufgenommen[z.Wunsch].Wert++
			r.Summe.Wert++
		}
	}
	for _, s := range sortedKeys(zeile) {
		b.Schulen = append(b.Schulen, *zeile[s])
	}
	b.anteile()
	return b
}

func (b *Bericht) anteile() {
	for k := range b.Wunsch {
		b.Anteil[k] = nil
		if b.Kinder.Wert > 0 && !b.Kinder.Unterdrueckt && !b.Wunsch[k].Unterdrueckt {
			a := float64(b.Wunsch[k].Wert) / float64(b.Kinder.Wert)
			b.Anteil[k] = &a
		}
	}
}

// FuerPlanung suppresses the report as every planning figure is
// (planung.Tabelle.Unterdruecke): the table of schools × wish 1, 2, 3
// with a row of the children without a place (column "none"), its row
// and column totals and the grand total (the children). The counts of
// applications and refusals per school are left out.
func (b Bericht) FuerPlanung(schwelle int) Bericht {
	if schwelle <= 0 {
		schwelle = planung.StandardSchwelle
	}
	b.Schulen = slices.Clone(b.Schulen)
	zeilen := make([]string, 0, len(b.Schulen)+1)
	werte := make([][]int, 0, len(b.Schulen)+1)
	for _, s := range b.Schulen {
		zeilen = append(zeilen, s.Schulnummer)
		werte = append(werte, []int{s.Aufgenommen[1].Wert, s.Aufgenommen[2].Wert, s.Aufgenommen[3].Wert, 0})
	}
	zeilen = append(zeilen, "")
	werte = append(werte, []int{0, 0, 0, b.Wunsch[0].Wert})
	t := planung.NeueTabelle(zeilen, []int{1, 2, 3, 0}, werte)
	t.Unterdruecke(schwelle)
	for i := range b.Schulen {
		s := &b.Schulen[i]
		s.Bewerbungen, s.Erstwuensche, s.Abgewiesen = nil, nil, nil
		for k := 1; k <= MaxWuensche; k++ {
			s.Aufgenommen[k] = t.Zellen[i][k-1]
		}
		s.Summe = t.ZeilenSummen[i]
	}
	for k := 1; k <= MaxWuensche; k++ {
		b.Wunsch[k] = t.SpaltenSummen[k-1]
	}
	b.Wunsch[0] = t.SpaltenSummen[3]
	b.Kinder = t.Gesamt
	b.Unterdrueckt, b.Schwelle = true, schwelle
	b.anteile()
	return b
}

package planung

import (
	"errors"
	"slices"
)

// ErrKeineDaten: no pupil counts before the first forecast year.
var ErrKeineDaten = errors.New("keine Schülerzahlen vor dem Prognosejahr")

// Flags of a school and year.
const (
	FlagUnterMindest        = "unter_mindestgroesse"         // whole school below the SEPl-VO size
	FlagUnterAusnahme       = "unter_ausnahme"               // below even the size allowed by exception
	FlagEingangUnterMindest = "eingangsklasse_unter_mindest" // entry grade below its minimum
	FlagUeberKapazitaet     = "ueber_kapazitaet"             // more pupils than places
	FlagZugUeberKapazitaet  = "jahrgang_ueber_zugkapazitaet" // a grade above Züge × Klassenfrequenz
	FlagKohorteFortgeschr   = "kohorte_fortgeschrieben"      // cohort unknown (children not yet born): last known one carried on
	FlagQuoteFehlt          = "quote_fehlt"                  // too little history for a quota: grade not forecast
)

// Wert is a forecast number of pupils: Wert unrounded, Anzahl rounded half
// away from zero.
type Wert struct {
	Schuljahr      int
	Jahrgangsstufe int
	Wert           float64
	Anzahl         int
	// Unterdrueckt: computed from a suppressed count (a small cohort of a
	// Bezirk, a suppressed pupil count) or from a value that was; Wert and
	// Anzahl must not leave the gateway, else the count could be worked back.
	Unterdrueckt bool
}

// Jahr sums a school's forecast for one school year.
type Jahr struct {
	Schuljahr int
	Wert      float64 // all grades, unrounded
	Anzahl    int     // Round(Wert)
	Eingang   int     // rounded entry grade
	Flags     []string
	// Unterdrueckt: a grade of the year is suppressed, so the totals are too.
	Unterdrueckt bool
}

// KohortenWert is the cohort of a Grundschule's Bezirk the forecast used
// for a school year (with a scenario's additional children).
type KohortenWert struct {
	Schuljahr       int
	Wert            float64
	Fortgeschrieben bool // not known: the last known cohort carried on
	Unterdrueckt    bool // fewer children than the threshold, or carried on from such
}

// SchulPrognose is the forecast of one school.
type SchulPrognose struct {
	Schule Schule
	// Eingangsquote (Grundschule) or Übergangsquote (secondary school);
	// nil when neither history nor override gives one.
	Eingangsquote *float64
	// Durchgangsquoten by grade g (quota g−1 → g).
	Durchgangsquoten map[int]float64
	// Quotas computed from a suppressed count: withheld from planners
	// (EingangsquoteUnterdrueckt; DurchgangsquotenUnterdrueckt by grade).
	EingangsquoteUnterdrueckt    bool
	DurchgangsquotenUnterdrueckt map[int]bool
	// Kohorten used per forecast year (Grundschulen only).
	Kohorten []KohortenWert
	Werte    []Wert // by year, then grade
	Jahre    []Jahr
	// Erstmals is the first forecast year each flag appears.
	Erstmals map[string]int
}

// Prognose is the forecast of all schools.
type Prognose struct {
	Ab, Bis, K int
	Schulen    []SchulPrognose // by Schulnummer
}

// Schule returns the forecast of one school.
func (p Prognose) Schule(nr string) (SchulPrognose, bool) {
	for _, s := range p.Schulen {
		if s.Schule.Schulnummer == nr {
			return s, true
		}
	}
	return SchulPrognose{}, false
}

// Berechne forecasts pupils per school and grade by the
// Übergangsquotenverfahren (issue 7, exactly):
//
//	Eingangsquote(s)   = mean over the last k observed years t' of grade1(s,t') / cohort(s,t')
//	grade1(s,t)        = cohort(s,t) × Eingangsquote(s)
//	Durchgangsquote(s,g) = mean over the last k years of count(s,g,t') / count(s,g−1,t'−1)
//	count(s,g,t)       = count(s,g−1,t−1) × Durchgangsquote(s,g)
//	grade5(s,t)        = (Σ grade 4 of all Grundschulen in t−1) × Übergangsquote(s)
//
// Only observations before p.Ab are used, so a forecast with Ab in the
// past is a back-test. Fractions are kept; Anzahl is rounded at the end.
func Berechne(d Daten, p Parameter) (Prognose, error) {
	p = p.normalized()
	grid := map[zk]float64{}
	last := 0
	for _, z := range d.Schueler {
		if p.Ab != 0 && z.Schuljahr >= p.Ab {
			continue
		}
		grid[zk{z.Schulnummer, z.Schuljahr, z.Jahrgangsstufe}] += float64(z.Anzahl)
		last = max(last, z.Schuljahr)
	}
	if last == 0 {
		return Prognose{}, ErrKeineDaten
	}
	observed := map[int]bool{}
	for k := range grid {
		observed[k.t] = true
	}
	years := sortedKeys(observed)
	ab := p.Ab
	if ab == 0 {
		ab = last + 1
	}
	bis := ab + p.Jahre - 1

	cohort := map[kk]float64{}
	for _, c := range d.Kohorten {
		cohort[kk{c.Schulnummer, c.Schuljahr}] += float64(c.Anzahl)
	}
	kohortJahre := map[string][]int{}
	for k := range cohort {
		kohortJahre[k.s] = append(kohortJahre[k.s], k.t)
	}
	for _, ys := range kohortJahre {
		slices.Sort(ys)
	}
	// Suppressed inputs: what planners do not see (a cohort below the
	// threshold; a pupil count suppressed in its year's table), and every
	// value computed from one (geheim).
	geheim, kohorteGeheim := map[zk]bool{}, map[kk]bool{}
	if p.Schwelle > 0 {
		for k, c := range cohort {
			if c > 0 && c < float64(p.Schwelle) {
				kohorteGeheim[k] = true
			}
		}
		for k := range geheimeZahlen(d, p.Schwelle) {
			if _, ok := grid[k]; ok {
				geheim[k] = true
			}
		}
	}

	schulen := slices.Clone(d.Schulen)
	slices.SortFunc(schulen, func(a, b Schule) int { return compareStr(a.Schulnummer, b.Schulnummer) })

	// Σ grade 4 of all Grundschulen per year (observed, later forecast);
	// secret when one of its parts is.
	g4 := func(t int) (float64, bool, bool) {
		var sum float64
		any, sec := false, false
		for _, s := range schulen {
			if s.Art != Grundschule {
				continue
			}
			if v, ok := grid[zk{s.Schulnummer, t, 4}]; ok {
				sum += v
				any = true
				sec = sec || geheim[zk{s.Schulnummer, t, 4}]
			}
		}
		return sum, any, sec
	}

	out := Prognose{Ab: ab, Bis: bis, K: p.K}
	flags := map[kk]map[string]bool{}
	addFlag := func(s string, t int, f string) {
		if flags[kk{s, t}] == nil {
			flags[kk{s, t}] = map[string]bool{}
		}
		flags[kk{s, t}][f] = true
	}
	quoten := make([]SchulPrognose, len(schulen))
	for i, s := range schulen {
		sp := SchulPrognose{Schule: s, Durchgangsquoten: map[int]float64{}, DurchgangsquotenUnterdrueckt: map[int]bool{}, Erstmals: map[string]int{}}
		von, hoch := s.Art.Stufen()
		var q float64
		var ok, sec bool
		if s.Art == Grundschule {
			if v, o := p.Quoten.Eingang[s.Schulnummer]; o {
				q, ok = v, true
			} else {
				q, ok, sec = meanLastK(years, p.K, func(t int) (float64, bool, bool) {
					g1, o1 := grid[zk{s.Schulnummer, t, 1}]
					c := cohort[kk{s.Schulnummer, t}]
					return g1 / c, o1 && c > 0, geheim[zk{s.Schulnummer, t, 1}] || kohorteGeheim[kk{s.Schulnummer, t}]
				})
			}
		} else {
			if v, o := p.Quoten.Uebergang[s.Schulnummer]; o {
				q, ok = v, true
			} else {
				q, ok, sec = meanLastK(years, p.K, func(t int) (float64, bool, bool) {
					g5, o5 := grid[zk{s.Schulnummer, t, 5}]
					sum, o4, sec4 := g4(t - 1)
					return g5 / sum, o5 && o4 && sum > 0, sec4 || geheim[zk{s.Schulnummer, t, 5}]
				})
			}
		}
		if ok {
			sp.Eingangsquote = &q
			sp.EingangsquoteUnterdrueckt = sec
		}
		for g := von + 1; g <= hoch; g++ {
			if v, o := p.Quoten.Durchgang[s.Schulnummer][g]; o {
				sp.Durchgangsquoten[g] = v
				continue
			}
			if v, o, sec := meanLastK(years, p.K, func(t int) (float64, bool, bool) {
				n, o1 := grid[zk{s.Schulnummer, t, g}]
				prev := grid[zk{s.Schulnummer, t - 1, g - 1}]
				return n / prev, o1 && prev > 0, geheim[zk{s.Schulnummer, t, g}] || geheim[zk{s.Schulnummer, t - 1, g - 1}]
			}); o {
				sp.Durchgangsquoten[g] = v
				if sec {
					sp.DurchgangsquotenUnterdrueckt[g] = true
				}
			}
		}
		quoten[i] = sp
	}

	zusatz := func(s string, t int) float64 {
		var n float64
		for _, z := range p.Zusaetze {
			if z.Schulnummer == s && t >= ab && t >= z.Ab {
				n += z.KinderProJahr
			}
		}
		return n
	}
	// kohorte: the cohort of s's Bezirk in t, whether there is one, whether
	// it is carried on, whether it is secret.
	kohorte := func(s string, t int) (float64, bool, bool, bool) {
		if c, ok := cohort[kk{s, t}]; ok {
			return c + zusatz(s, t), true, false, kohorteGeheim[kk{s, t}]
		}
		// Not yet known (children not yet born or not yet registered):
		// the last known cohort carried on.
		ys := kohortJahre[s]
		for i := len(ys) - 1; i >= 0; i-- {
			if ys[i] < t {
				return cohort[kk{s, ys[i]}] + zusatz(s, t), true, true, kohorteGeheim[kk{s, ys[i]}]
			}
		}
		return 0, false, false, false
	}

	// Forecast year by year: Grundschulen first, since secondary grade 5
	// needs last year's grade 4 (computed the year before).
	for t := last + 1; t <= bis; t++ {
		for pass := 0; pass < 2; pass++ {
			for i, s := range schulen {
				if (pass == 0) != (s.Art == Grundschule) {
					continue
				}
				sp := &quoten[i]
				von, hoch := s.Art.Stufen()
				if s.Art == Grundschule && t >= ab {
					if c, ok, fort, sec := kohorte(s.Schulnummer, t); ok {
						sp.Kohorten = append(sp.Kohorten, KohortenWert{Schuljahr: t, Wert: c, Fortgeschrieben: fort, Unterdrueckt: sec})
					}
				}
				if sp.Eingangsquote != nil {
					if s.Art == Grundschule {
						c, ok, fort, sec := kohorte(s.Schulnummer, t)
						if ok {
							grid[zk{s.Schulnummer, t, 1}] = c * *sp.Eingangsquote
							geheim[zk{s.Schulnummer, t, 1}] = sec || sp.EingangsquoteUnterdrueckt
						}
						if fort {
							addFlag(s.Schulnummer, t, FlagKohorteFortgeschr)
						}
						if !ok {
							addFlag(s.Schulnummer, t, FlagQuoteFehlt)
						}
					} else if sum, ok, sec := g4(t - 1); ok {
						grid[zk{s.Schulnummer, t, von}] = sum * *sp.Eingangsquote
						geheim[zk{s.Schulnummer, t, von}] = sec || sp.EingangsquoteUnterdrueckt
					}
				} else {
					addFlag(s.Schulnummer, t, FlagQuoteFehlt)
				}
				for g := von + 1; g <= hoch; g++ {
					prev, ok := grid[zk{s.Schulnummer, t - 1, g - 1}]
					dq, okq := sp.Durchgangsquoten[g]
					if ok && okq {
						grid[zk{s.Schulnummer, t, g}] = prev * dq
						geheim[zk{s.Schulnummer, t, g}] = geheim[zk{s.Schulnummer, t - 1, g - 1}] || sp.DurchgangsquotenUnterdrueckt[g]
					} else if ok {
						addFlag(s.Schulnummer, t, FlagQuoteFehlt)
					}
				}
			}
		}
	}

	for i, s := range schulen {
		sp := quoten[i]
		von, hoch := s.Art.Stufen()
		mg := p.Mindestgroessen[s.Art]
		for t := ab; t <= bis; t++ {
			j := Jahr{Schuljahr: t}
			zugVoll := false
			for g := von; g <= hoch; g++ {
				v, ok := grid[zk{s.Schulnummer, t, g}]
				if !ok {
					continue
				}
				w := Wert{Schuljahr: t, Jahrgangsstufe: g, Wert: v, Anzahl: Round(v), Unterdrueckt: geheim[zk{s.Schulnummer, t, g}]}
				sp.Werte = append(sp.Werte, w)
				j.Wert += v
				j.Unterdrueckt = j.Unterdrueckt || w.Unterdrueckt
				if g == von {
					j.Eingang = w.Anzahl
				}
				if zk := s.Zugkapazitaet(); zk > 0 && w.Anzahl > zk {
					zugVoll = true
				}
			}
			j.Anzahl = Round(j.Wert)
			if mg.Schueler > 0 && j.Anzahl < mg.Schueler {
				addFlag(s.Schulnummer, t, FlagUnterMindest)
			}
			if mg.Ausnahme > 0 && j.Anzahl < mg.Ausnahme {
				addFlag(s.Schulnummer, t, FlagUnterAusnahme)
			}
			if mg.Eingangsklasse > 0 && j.Eingang < mg.Eingangsklasse {
				addFlag(s.Schulnummer, t, FlagEingangUnterMindest)
			}
			if k := s.Gesamtkapazitaet(); k > 0 && j.Anzahl > k {
				addFlag(s.Schulnummer, t, FlagUeberKapazitaet)
			}
			if zugVoll {
				addFlag(s.Schulnummer, t, FlagZugUeberKapazitaet)
			}
			j.Flags = sortedKeys(flags[kk{s.Schulnummer, t}])
			for _, f := range j.Flags {
				if _, seen := sp.Erstmals[f]; !seen {
					sp.Erstmals[f] = t
				}
			}
			sp.Jahre = append(sp.Jahre, j)
		}
		out.Schulen = append(out.Schulen, sp)
	}
	return out, nil
}

// meanLastK is the mean of the ratios of the last k years (ascending
// years) that have one; sec is true when one of them used a secret count.
func meanLastK(years []int, k int, ratio func(t int) (r float64, ok, sec bool)) (float64, bool, bool) {
	var xs []float64
	sec := false
	for i := len(years) - 1; i >= 0 && len(xs) < k; i-- {
		if r, ok, s := ratio(years[i]); ok {
			xs = append(xs, r)
			sec = sec || s
		}
	}
	slices.Reverse(xs)
	m, ok := mean(xs)
	return m, ok, sec
}

// geheimeZahlen are the pupil counts (school, year, grade) that the
// table of their school year suppresses (primary and secondary).
func geheimeZahlen(d Daten, schwelle int) map[zk]bool {
	out := map[zk]bool{}
	jahre := map[int]bool{}
	for _, z := range d.Schueler {
		jahre[z.Schuljahr] = true
	}
	for _, y := range sortedKeys(jahre) {
		tab := TabelleSchuelerzahlen(d, y, schwelle)
		for i, nr := range tab.Tabelle.Zeilen {
			for j, g := range tab.Tabelle.Spalten {
				if tab.Tabelle.Zellen[i][j].Unterdrueckt {
					out[zk{nr, y, g}] = true
				}
			}
		}
	}
	return out
}

func compareStr(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

// Differenz compares a scenario with the base for one school and year.
type Differenz struct {
	Schulnummer        string
	Schuljahr          int
	Basis, Szenario    int // rounded totals
	Differenz          int // Szenario − Basis
	FlagsNeu, FlagsWeg []string
	// Unterdrueckt: base or scenario total of the year is suppressed.
	Unterdrueckt bool
}

// Vergleiche lists, per school and year, the totals of base and scenario.
func Vergleiche(basis, szenario Prognose) []Differenz {
	var out []Differenz
	for _, s := range szenario.Schulen {
		b, _ := basis.Schule(s.Schule.Schulnummer)
		bj := map[int]Jahr{}
		for _, j := range b.Jahre {
			bj[j.Schuljahr] = j
		}
		for _, j := range s.Jahre {
			bb := bj[j.Schuljahr]
			d := Differenz{Schulnummer: s.Schule.Schulnummer, Schuljahr: j.Schuljahr, Basis: bb.Anzahl, Szenario: j.Anzahl, Differenz: j.Anzahl - bb.Anzahl,
				Unterdrueckt: j.Unterdrueckt || bb.Unterdrueckt}
			for _, f := range j.Flags {
				if !slices.Contains(bb.Flags, f) {
					d.FlagsNeu = append(d.FlagsNeu, f)
				}
			}
			for _, f := range bb.Flags {
				if !slices.Contains(j.Flags, f) {
					d.FlagsWeg = append(d.FlagsWeg, f)
				}
			}
			out = append(out, d)
		}
	}
	return out
}

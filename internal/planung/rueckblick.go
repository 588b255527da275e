package planung

import "math"

// Vergleich is the back-test of one school and school year: the whole
// school's forecast (unrounded) against the pupils it then had.
type Vergleich struct {
	Schulnummer string
	Schuljahr   int
	Prognose    float64 // Σ forecast grades, unrounded
	Ist         int     // Σ observed grades
	// Fehler = Prognose − Ist (positive: forecast too high).
	Fehler float64
	// APE = |Fehler| / Ist; nil when Ist is 0 (no relative error).
	APE *float64
	// Unterdrueckt: the forecast or the observed total is suppressed for
	// planners; the row shows no numbers but still counts in the MAPE.
	Unterdrueckt bool
}

// Rueckblick is a back-test: the forecast as it would have been made
// Jahre years ago, against what happened.
type Rueckblick struct {
	Ab, Bis, K, Jahre int
	Vergleiche        []Vergleich // by school, then year
	// MAPE = 100 / n × Σ |Prognose − Ist| / Ist over the n pairs
	// (school, year) with Ist > 0 and a complete forecast; nil when n = 0.
	MAPE *float64
	N    int // pairs in the MAPE
	// OhneIst counts the pairs skipped because Ist was 0; OhneQuote those
	// whose forecast lacked a quota (flag quote_fehlt), which are listed
	// with their error but not in the MAPE.
	OhneIst, OhneQuote int
}

// Backtest forecasts the last jahre observed school years from the years
// before them only (k years averaged) and compares each school's total
// with the observed one. Pairs in which the school has no observed pupils
// that year are not listed.
func Backtest(d Daten, jahre int, p Parameter) (Rueckblick, error) {
	if jahre <= 0 {
		jahre = 3
	}
	last := 0
	for _, z := range d.Schueler {
		last = max(last, z.Schuljahr)
	}
	if last == 0 {
		return Rueckblick{}, ErrKeineDaten
	}
	p.Ab, p.Jahre = last-jahre+1, jahre
	prog, err := Berechne(d, p)
	if err != nil {
		return Rueckblick{}, err
	}
	ist := map[kk]int{}
	for _, z := range d.Schueler {
		if z.Schuljahr >= prog.Ab {
			ist[kk{z.Schulnummer, z.Schuljahr}] += z.Anzahl
		}
	}
	// A whole school's total below the threshold is suppressed in its
	// year's table; so is the comparison.
	istGeheim := map[kk]bool{}
	if p.Schwelle > 0 {
		for t := prog.Ab; t <= last; t++ {
			tab := TabelleSchuelerzahlen(d, t, p.Schwelle)
			for i, nr := range tab.Tabelle.Zeilen {
				if tab.Tabelle.ZeilenSummen[i].Unterdrueckt {
					istGeheim[kk{nr, t}] = true
				}
			}
		}
	}
	out := Rueckblick{Ab: prog.Ab, Bis: prog.Bis, K: prog.K, Jahre: jahre}
	var sum float64
	for _, sp := range prog.Schulen {
		for _, j := range sp.Jahre {
			n, ok := ist[kk{sp.Schule.Schulnummer, j.Schuljahr}]
			if !ok {
				continue
			}
			v := Vergleich{Schulnummer: sp.Schule.Schulnummer, Schuljahr: j.Schuljahr, Prognose: j.Wert, Ist: n, Fehler: j.Wert - float64(n),
				Unterdrueckt: j.Unterdrueckt || istGeheim[kk{sp.Schule.Schulnummer, j.Schuljahr}]}
			if n > 0 {
				ape := math.Abs(v.Fehler) / float64(n)
				v.APE = &ape
			}
			out.Vergleiche = append(out.Vergleiche, v)
			switch {
			case hasFlag(j.Flags, FlagQuoteFehlt):
				out.OhneQuote++
			case v.APE == nil:
				out.OhneIst++
			default:
				sum += *v.APE
				out.N++
			}
		}
	}
	if out.N > 0 {
		mape := 100 * sum / float64(out.N)
		out.MAPE = &mape
	}
	return out, nil
}

func hasFlag(flags []string, f string) bool {
	for _, x := range flags {
		if x == f {
			return true
		}
	}
	return false
}

package schulbezirk

import (
	"cmp"
	"fmt"

	"github.com/schulgateway/schulgateway/internal/werte"
)

// Overlap is a pair of rows that give one address to two schools at the
// same specificity and validity: the precedence cannot decide between
// them, so a directory that has one is refused.
type Overlap struct {
	A, B Regel
	// Beispiel is an address both rows cover.
	Beispiel Adresse
}

// Message says in German what overlaps, naming both rows.
func (o Overlap) Message() string {
	return fmt.Sprintf("Die Adresse „%s“ gehört nach %s („%s“) zur Schule %s, nach %s („%s“) zur Schule %s. "+
		"Bei gleicher Genauigkeit und gleichem „gültig ab“ darf eine Adresse nur zu einer Schule gehören; bitte eine der Zeilen korrigieren.",
		o.Beispiel, o.A.Fundstelle(), o.A, o.A.Schulnummer, o.B.Fundstelle(), o.B, o.B.Schulnummer)
}

// Overlaps returns every pair of rows, in the order given, that cover a
// common address for different schools with the same specificity and the
// same gueltig_ab.
func Overlaps(regeln []Regel) []Overlap {
	byStreet := map[string][]int{}
	var order []string
	for i, r := range regeln {
		k := StrassenSchluessel(r.Strasse)
		if _, ok := byStreet[k]; !ok {
			order = append(order, k)
		}
		byStreet[k] = append(byStreet[k], i)
	}
	var out []Overlap
	for _, k := range order {
		idx := byStreet[k]
		for x, i := range idx {
			for _, j := range idx[x+1:] {
				a, b := regeln[i], regeln[j]
				if a.Schulnummer == b.Schulnummer || a.GueltigAb != b.GueltigAb || a.Spezifisch() != b.Spezifisch() {
					continue
				}
				if beispiel, ok := gemeinsam(a, b); ok {
					out = append(out, Overlap{A: a, B: b, Beispiel: beispiel})
				}
			}
		}
	}
	return out
}

// gemeinsam finds an address that both rows cover, if there is one.
func gemeinsam(a, b Regel) (Adresse, bool) {
	ea, eb := compile(a, 0), compile(b, 0)
	if ea.plz != "" && eb.plz != "" && ea.plz != eb.plz ||
		ea.ortsteil != "" && eb.ortsteil != "" && ea.ortsteil != eb.ortsteil {
		return Adresse{}, false
	}
	lo, hi := ea.lo, ea.hi
	if eb.lo.compare(lo) > 0 {
		lo = eb.lo
	}
	if eb.hi.compare(hi) < 0 {
		hi = eb.hi
	}
	if lo.compare(hi) > 0 {
		return Adresse{}, false
	}
	// Every number strictly inside (lo, hi) is covered with any suffix, lo
	// itself with its own suffix: the smallest number of the right parity
	// from lo on is the example, if it is not past hi.
	nr := max(lo.nr, 1)
	paritaet := a.Paritaet
	if paritaet == "" || paritaet == werte.ParitaetAlle {
		paritaet = b.Paritaet
	} else if b.Paritaet != "" && b.Paritaet != werte.ParitaetAlle && b.Paritaet != paritaet {
		return Adresse{}, false
	}
	if !paritaetPasst(paritaet, nr) {
		nr++
	}
	if nr > hi.nr {
		return Adresse{}, false
	}
	zusatz := ""
	if nr == lo.nr {
		zusatz = lo.zusatz
	}
	return Adresse{Strasse: a.Strasse, Hausnummer: hausnummer(nr, zusatz), PLZ: cmp.Or(a.PLZ, b.PLZ), Ortsteil: cmp.Or(a.Ortsteil, b.Ortsteil)}, true
}

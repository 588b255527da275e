// Package werte holds the small value types the domain packages share:
// the school year, the house number and the side of a street, and the
// text forms they compare by: the folding of names and streets
// (Schluesselform, FoldLetters, NormalizeName), the person key
// (Personenschluessel) and the reading of a house number and a PLZ. They
// were born in the import of lists; Einschulung, Schulbezirke,
// Schulwechsel, Schulpflicht, Übergang and Planung use them too, so they
// live here, importing nothing of the domain (docs/glossary.md). The
// import (internal/importing) calls them and reports a faulty cell in its
// own terms (a Problem with a code).
package werte

import (
	"fmt"
	"strconv"
	"strings"
	"time"
)

// Schuljahr is a school year. It starts on 1 August (§ 23 SchulG LSA) and
// is written "2027/28" for people and "2027-28" in paths. The zero value
// is no school year.
type Schuljahr struct {
	start int // the calendar year in which the school year starts
}

// NewSchuljahr returns the school year that starts in startYear.
func NewSchuljahr(startYear int) Schuljahr { return Schuljahr{start: startYear} }

// SchuljahrAt returns the school year that contains day t.
func SchuljahrAt(t time.Time) Schuljahr {
	if t.Month() < time.August {
		return Schuljahr{start: t.Year() - 1}
	}
	return Schuljahr{start: t.Year()}
}

// IsZero reports whether s is the zero value.
func (s Schuljahr) IsZero() bool { return s.start == 0 }

// StartYear is the calendar year in which the school year starts.
func (s Schuljahr) StartYear() int { return s.start }

// Start is 1 August of the first year, midnight UTC like the dates of this
// package.
func (s Schuljahr) Start() time.Time { return time.Date(s.start, time.August, 1, 0, 0, 0, 0, time.UTC) }

// End is 31 July of the second year, the last day of the school year.
func (s Schuljahr) End() time.Time { return time.Date(s.start+1, time.July, 31, 0, 0, 0, 0, time.UTC) }

// Next is the following school year.
func (s Schuljahr) Next() Schuljahr { return Schuljahr{start: s.start + 1} }

// String is the form for people: "2027/28".
func (s Schuljahr) String() string { return fmt.Sprintf("%d/%02d", s.start, (s.start+1)%100) }

// PathString is the form for paths and file names: "2027-28".
func (s Schuljahr) PathString() string { return fmt.Sprintf("%d-%02d", s.start, (s.start+1)%100) }

// Hausnummer is a house number with an optional suffix, or a range of them.
type Hausnummer struct {
	Nummer int
	// Zusatz is lower case: "a" for "12a" and "12 A", "/1" for "12/1".
	Zusatz string
	// BisNummer and BisZusatz hold the upper end of a range such as "12-14"
	// or "7a-7f"; BisNummer is 0 for a single number.
	BisNummer int
	BisZusatz string
}

// IsRange reports whether h names several houses ("12-14").
func (h Hausnummer) IsRange() bool { return h.BisNummer != 0 }

// String writes the number the way people write it: "12a", "12/1", "12-14".
func (h Hausnummer) String() string {
	if h.Nummer == 0 {
		return ""
	}
	s := strconv.Itoa(h.Nummer) + h.Zusatz
	if h.IsRange() {
		s += "-" + strconv.Itoa(h.BisNummer) + h.BisZusatz
	}
	return s
}

// Compare orders house numbers by number, then suffix ("" < "a" < "b").
// Ranges compare by their lower end.
func (h Hausnummer) Compare(o Hausnummer) int {
	switch {
	case h.Nummer != o.Nummer:
		return h.Nummer - o.Nummer
	default:
		return strings.Compare(h.Zusatz, o.Zusatz)
	}
}

// Paritaet says which side of a street a directory row covers.
type Paritaet string

const (
	ParitaetAlle     Paritaet = "alle"
	ParitaetGerade   Paritaet = "gerade"
	ParitaetUngerade Paritaet = "ungerade"
)

// IstUUID reports whether s has the form of a UUID (8-4-4-4-12 hex
// digits), so that a malformed id is answered "not found" or "invalid"
// before it reaches a uuid column (which would answer with an error).
func IstUUID(s string) bool {
	if len(s) != 36 {
		return false
	}
	for i, c := range s {
		switch {
		case i == 8 || i == 13 || i == 18 || i == 23:
			if c != '-' {
				return false
			}
		case !('0' <= c && c <= '9' || 'a' <= c && c <= 'f' || 'A' <= c && c <= 'F'):
			return false
		}
	}
	return true
}

package einschulung

import (
	"fmt"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
)

// Stichtag is a day of the year, the cut-off of an age rule.
type Stichtag struct {
	Monat time.Month
	Tag   int
}

// In is the day in the given year.
func (s Stichtag) In(jahr int) time.Time {
	return time.Date(jahr, s.Monat, s.Tag, 0, 0, 0, 0, time.UTC)
}

// ParseStichtag reads "30.06." or "30.06" (day and month). 29 February is
// refused: a cut-off must exist every year.
func ParseStichtag(s string) (Stichtag, error) {
	// 2001 has no 29 February.
	t, err := time.Parse("2.1.2006", strings.TrimSuffix(strings.TrimSpace(s), ".")+".2001")
	if err != nil {
		return Stichtag{}, fmt.Errorf("„%s“ ist kein gültiger Stichtag. Erwartet: TT.MM., z. B. 30.06.", s)
	}
	return Stichtag{Monat: t.Month(), Tag: t.Day()}, nil
}

// Regel holds the cut-off dates of § 37 SchulG LSA. The zero value is not
// usable; start from GesetzlicheRegel.
type Regel struct {
	// Schulpflicht: a child that has completed its sixth year of life by
	// this day of the calendar year in which the school year starts is
	// schulpflichtig from that school year on (§ 37 (1) Satz 1).
	Schulpflicht Stichtag
	// Vorzeitig: a child that has completed its fifth year by this day may
	// be admitted early on application (§ 37 (1) Satz 2).
	Vorzeitig Stichtag
}

// GesetzlicheRegel is the law's: 30 June for both.
func GesetzlicheRegel() Regel {
	return Regel{Schulpflicht: Stichtag{time.June, 30}, Vorzeitig: Stichtag{time.June, 30}}
}

// Vollendet is the day at whose end a child born on geburt completes its
// n-th year of life (§ 187 (2), § 188 (2) BGB): the day before its n-th
// birthday. A child born on 29 February completes a year at the end of
// 28 February (§ 188 (3) BGB); time.Date turns the missing 29 February
// into 1 March, whose day before is just that.
func Vollendet(geburt time.Time, n int) time.Time {
	return time.Date(geburt.Year()+n, geburt.Month(), geburt.Day(), 0, 0, 0, 0, time.UTC).AddDate(0, 0, -1)
}

// schulpflichtigAb reports whether the child is schulpflichtig in the
// school year that starts in jahr (or was already before).
func (r Regel) schulpflichtigAb(geburt time.Time, jahr int) bool {
	return !Vollendet(geburt, 6).After(r.Schulpflicht.In(jahr))
}

// Herkunft says why a child may belong to the Einschulung cohort of a
// school year.
type Herkunft int

const (
	// Ausserhalb: the child's age puts it in no cohort of this year.
	Ausserhalb Herkunft = iota
	// Regulaer: schulpflichtig from this school year on.
	Regulaer
	// Vorjahr: schulpflichtig since last school year; belongs to this
	// cohort only after a Zurückstellung (§ 37 (3)).
	Vorjahr
	// VorzeitigMoeglich: not yet schulpflichtig, but old enough for early
	// admission; belongs to this cohort only on application.
	VorzeitigMoeglich
)

// Herkunft places a child born on geburt relative to the cohort of sj.
func (r Regel) Herkunft(geburt time.Time, sj werte.Schuljahr) Herkunft {
	y := sj.StartYear()
	switch {
	case r.schulpflichtigAb(geburt, y-2):
		return Ausserhalb
	case r.schulpflichtigAb(geburt, y-1):
		return Vorjahr
	case r.schulpflichtigAb(geburt, y):
		return Regulaer
	case !Vollendet(geburt, 5).After(r.Vorzeitig.In(y)):
		return VorzeitigMoeglich
	}
	return Ausserhalb
}

// geburtszeitraum bounds the birth dates of the regular cohort of sj,
// a few days wide on either side; Herkunft decides exactly.
func (r Regel) geburtszeitraum(sj werte.Schuljahr) (von, bis time.Time) {
	y := sj.StartYear()
	return r.Schulpflicht.In(y-1).AddDate(-6, 0, -3), r.Schulpflicht.In(y).AddDate(-6, 0, 3)
}

// meldungszeitraum bounds the birth dates of the children a Meldung can
// bring into the cohort of sj (Herkunft Vorjahr, Regulaer or
// VorzeitigMoeglich), a few days wide on either side: outside it Herkunft
// is Ausserhalb, and such a child is in no cohort whatever is reported.
func (r Regel) meldungszeitraum(sj werte.Schuljahr) (von, bis time.Time) {
	y := sj.StartYear()
	von, bis = r.Schulpflicht.In(y-2).AddDate(-6, 0, -3), r.Vorzeitig.In(y).AddDate(-5, 0, 3)
	if _, regulaer := r.geburtszeitraum(sj); regulaer.After(bis) {
		bis = regulaer
	}
	return von, bis
}

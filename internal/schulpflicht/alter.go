package schulpflicht

import (
	"slices"
	"time"

	"github.com/schulgateway/schulgateway/internal/einschulung"
)

// Spanne says who is of full-time compulsory school age
// (Vollzeitschulpflicht): from the school year in which Schulpflicht
// begins (§ 37 (1) SchulG LSA, the Einschulung rule) for Jahre school years
// (9 by law; configurable).
type Spanne struct {
	Regel einschulung.Regel
	Jahre int
}

// GesetzlicheSpanne is the law's: § 37 with 30 June, nine years full-time.
func GesetzlicheSpanne() Spanne {
	return Spanne{Regel: einschulung.GesetzlicheRegel(), Jahre: 9}
}

// Einwohner is a resident child from the latest Melderegister state with
// what the Einschulung knows about its start.
type Einwohner struct {
	Person
	// VorzeitigAb is the first year of the school year of an early
	// admission (0: none known); Schulpflicht starts with it.
	VorzeitigAb int
	// Zurueckgestellt lists the first years of school years for which a
	// deferral (§ 37 (3)) was granted.
	Zurueckgestellt []int
}

// SchuljahrAm is the first year of the school year that contains day d
// (school years start on 1 August, § 23).
func SchuljahrAm(d time.Time) int {
	if d.Month() >= time.August {
		return d.Year()
	}
	return d.Year() - 1
}

// Beginn is the first year of the school year in which a child born on
// geburt becomes schulpflichtig by age: the first year by whose
// Schulpflicht cut-off it has completed its sixth year of life.
func (s Spanne) Beginn(geburt time.Time) int {
	y := geburt.Year() + 6
	if einschulung.Vollendet(geburt, 6).After(s.Regel.Schulpflicht.In(y)) {
		y++
	}
	return y
}

// BeginnVon is the first year of the school year in which e's
// Schulpflicht begins: earlier with an early admission, a year later for
// each granted deferral of the year it would begin.
func (s Spanne) BeginnVon(e Einwohner) int {
	start := s.Beginn(e.Geburtsdatum)
	if e.VorzeitigAb != 0 && e.VorzeitigAb < start {
		return e.VorzeitigAb
	}
	for slices.Contains(e.Zurueckgestellt, start) {
		start++
	}
	return start
}

// Vollzeitschulpflichtig reports whether e is of full-time compulsory
// school age on stichtag.
func (s Spanne) Vollzeitschulpflichtig(e Einwohner, stichtag time.Time) bool {
	sj := SchuljahrAm(stichtag)
	start := s.BeginnVon(e)
	return start <= sj && sj < start+s.Jahre
}

// Geburtszeitraum bounds the birth dates of children who may be of
// full-time compulsory age on stichtag, generously (early admission, up
// to two deferrals); Vollzeitschulpflichtig decides exactly.
func (s Spanne) Geburtszeitraum(stichtag time.Time) (von, bis time.Time) {
	sj := SchuljahrAm(stichtag)
	return time.Date(sj-s.Jahre-9, time.January, 1, 0, 0, 0, 0, time.UTC), time.Date(sj-4, time.December, 31, 0, 0, 0, 0, time.UTC)
}

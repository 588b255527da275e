package schulpflicht

import (
	"testing"
	"time"
)

func tag(s string) time.Time {
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return d
}

// § 37 (1) with the BGB age rule: born 1 July 2020 starts in 2026/27, born
// 2 July 2020 a year later; nine school years from then on.
func TestVollzeitschulpflichtig(t *testing.T) {
	s := GesetzlicheSpanne()
	kind := func(geburt string) Einwohner { return Einwohner{Person: Person{Geburtsdatum: tag(geburt)}} }
	tests := []struct {
		name     string
		e        Einwohner
		stichtag string
		want     bool
	}{
		{"first day of the youngest cohort", kind("2020-07-01"), "2026-09-15", true},
		{"a day too young", kind("2020-07-02"), "2026-09-15", false},
		{"before the school year starts", kind("2020-07-01"), "2026-07-31", false},
		{"on the first day of the school year", kind("2020-07-01"), "2026-08-01", true},
		{"ninth year", kind("2012-07-01"), "2026-09-15", true},
		{"oldest of the ninth year", kind("2011-07-02"), "2026-09-15", true},
		{"nine years done", kind("2011-07-01"), "2026-09-15", false},
		{"deferred: starts a year later", Einwohner{Person: Person{Geburtsdatum: tag("2020-07-01")}, Zurueckgestellt: []int{2026}}, "2026-09-15", false},
		{"deferred: ends a year later", Einwohner{Person: Person{Geburtsdatum: tag("2011-07-01")}, Zurueckgestellt: []int{2017}}, "2026-09-15", true},
		{"deferral of another year changes nothing", Einwohner{Person: Person{Geburtsdatum: tag("2020-07-01")}, Zurueckgestellt: []int{2025}}, "2026-09-15", true},
		{"early entry: starts with admission", Einwohner{Person: Person{Geburtsdatum: tag("2021-03-01")}, VorzeitigAb: 2026}, "2026-09-15", true},
		{"early entry: ends a year earlier", Einwohner{Person: Person{Geburtsdatum: tag("2012-03-01")}, VorzeitigAb: 2017}, "2026-09-15", false},
		{"regular admission is no early entry", Einwohner{Person: Person{Geburtsdatum: tag("2012-03-01")}, VorzeitigAb: 2018}, "2026-09-15", true},
		{"born 29 February", kind("2020-02-29"), "2026-09-15", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := s.Vollzeitschulpflichtig(tt.e, tag(tt.stichtag)); got != tt.want {
				t.Errorf("Vollzeitschulpflichtig = %v, want %v (start %d)", got, tt.want, s.BeginnVon(tt.e))
			}
			von, bis := s.Geburtszeitraum(tag(tt.stichtag))
			if tt.want && (tt.e.Geburtsdatum.Before(von) || tt.e.Geburtsdatum.After(bis)) {
				t.Errorf("birth %s outside the prefilter %s–%s", tt.e.Geburtsdatum.Format(time.DateOnly), von.Format(time.DateOnly), bis.Format(time.DateOnly))
			}
		})
	}
	// The span is configurable.
	zehn := Spanne{Regel: s.Regel, Jahre: 10}
	if !zehn.Vollzeitschulpflichtig(kind("2011-07-01"), tag("2026-09-15")) {
		t.Error("with ten years the tenth year is of compulsory age")
	}
}

func TestPupilID(t *testing.T) {
	for _, s := range []string{"schueler:17", "bestaetigung:4"} {
		q, ref, ok := ParsePupilID(s)
		if !ok || PupilID(q, ref) != s {
			t.Errorf("%s: %v %d %v", s, q, ref, ok)
		}
	}
	for _, s := range []string{"", "schueler:", "schueler:x", "lehrer:1", "schueler:-3", "17"} {
		if _, _, ok := ParsePupilID(s); ok {
			t.Errorf("%q accepted", s)
		}
	}
}

package importing

import (
	"fmt"
	"regexp"
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

var reSchuljahr = regexp.MustCompile(`^(?:(?:schuljahr|sj)\.? ?)?(\d{4}|\d{2}) ?[/\-] ?(\d{4}|\d{2})$`)

// ParseSchuljahr reads "2027/28", "2027/2028", "2027-28", "SJ 2027/28" and
// "27/28" (two-digit years are 20xx). The second year must follow the
// first: "2027/29" is refused.
func ParseSchuljahr(s string) (Schuljahr, *Problem) {
	s = cleanCell(s)
	in := strings.ToLower(dashReplacer.Replace(s))
	m := reSchuljahr.FindStringSubmatch(in)
	if m == nil {
		return Schuljahr{}, schuljahrProblem(s, "")
	}
	first, second := atoi(m[1]), atoi(m[2])
	if len(m[1]) == 2 {
		first += 2000
	}
	if first < minYear || first > maxYear {
		return Schuljahr{}, schuljahrProblem(s, fmt.Sprintf("Das Jahr %d liegt nicht zwischen %d und %d.", first, minYear, maxYear))
	}
	want := first + 1
	if (len(m[2]) == 2 && second != want%100) || (len(m[2]) == 4 && second != want) {
		return Schuljahr{}, schuljahrProblem(s, fmt.Sprintf("Auf %d folgt %d.", first, want))
	}
	return Schuljahr{start: first}, nil
}

func schuljahrProblem(s, why string) *Problem {
	msg := fmt.Sprintf("%s ist kein gültiges Schuljahr.", quoteOr(s, "Eine leere Angabe"))
	if why != "" {
		msg = fmt.Sprintf("„%s“ ist kein gültiges Schuljahr: %s", s, why)
	}
	return &Problem{Code: CodeSchuljahrUngueltig, Value: s, Message: msg + " Erwartet: JJJJ/JJ, z. B. 2027/28."}
}

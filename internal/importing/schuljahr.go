package importing

import (
	"fmt"
	"regexp"
	"strings"

	"github.com/schulgateway/schulgateway/internal/werte"
)

var reSchuljahr = regexp.MustCompile(`^(?:(?:schuljahr|sj)\.? ?)?(\d{4}|\d{2}) ?[/\-] ?(\d{4}|\d{2})$`)

// ParseSchuljahr reads "2027/28", "2027/2028", "2027-28", "SJ 2027/28" and
// "27/28" (two-digit years are 20xx). The second year must follow the
// first: "2027/29" is refused.
func ParseSchuljahr(s string) (werte.Schuljahr, *Problem) {
	s = cleanCell(s)
	in := strings.ToLower(dashReplacer.Replace(s))
	m := reSchuljahr.FindStringSubmatch(in)
	if m == nil {
		return werte.Schuljahr{}, schuljahrProblem(s, "")
	}
	first, second := atoi(m[1]), atoi(m[2])
	if len(m[1]) == 2 {
		first += 2000
	}
	if first < minYear || first > maxYear {
		return werte.Schuljahr{}, schuljahrProblem(s, fmt.Sprintf("Das Jahr %d liegt nicht zwischen %d und %d.", first, minYear, maxYear))
	}
	want := first + 1
	if (len(m[2]) == 2 && second != want%100) || (len(m[2]) == 4 && second != want) {
		return werte.Schuljahr{}, schuljahrProblem(s, fmt.Sprintf("Auf %d folgt %d.", first, want))
	}
	return werte.NewSchuljahr(first), nil
}

// ParseSchuljahrPfad reads a school year in the form of the API's paths
// (2027-28) and nothing else: it accepts exactly the texts ParseSchuljahr
// accepts and whose PathString they are, without the regular expression
// (a route reads one in every request).
func ParseSchuljahrPfad(s string) (werte.Schuljahr, bool) {
	if len(s) != 7 || s[4] != '-' || !allDigits(s[:4]) || !allDigits(s[5:]) {
		return werte.Schuljahr{}, false
	}
	first, second := atoi(s[:4]), atoi(s[5:])
	if first < minYear || first > maxYear || second != (first+1)%100 {
		return werte.Schuljahr{}, false
	}
	return werte.NewSchuljahr(first), true
}

func schuljahrProblem(s, why string) *Problem {
	msg := fmt.Sprintf("%s ist kein gültiges Schuljahr.", quoteOr(s, "Eine leere Angabe"))
	if why != "" {
		msg = fmt.Sprintf("„%s“ ist kein gültiges Schuljahr: %s", s, why)
	}
	return &Problem{Code: CodeSchuljahrUngueltig, Value: s, Message: msg + " Erwartet: JJJJ/JJ, z. B. 2027/28."}
}

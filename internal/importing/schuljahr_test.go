package importing

import (
	"strings"
	"testing"
)

func TestParseSchuljahr(t *testing.T) {
	valid := map[string]int{
		"2027/28": 2027, "2027/2028": 2027, "2027-28": 2027, "2027-2028": 2027, "2027 / 28": 2027,
		"2027–28": 2027, "SJ 2027/28": 2027, "Schuljahr 2027/28": 2027, "27/28": 2027, "2099/00": 2099,
		"2099/2100": 2099,
	}
	for in, want := range valid {
		got, p := ParseSchuljahr(in)
		if p != nil || got.StartYear() != want {
			t.Errorf("ParseSchuljahr(%q) = %v, %v; want start %d", in, got, p, want)
		}
	}
	invalid := map[string]string{
		"2027/29":    "Auf 2027 folgt 2028",
		"2027/2029":  "Auf 2027 folgt 2028",
		"2028/27":    "Auf 2028 folgt 2029",
		"2027":       "kein gültiges Schuljahr",
		"":           "Eine leere Angabe",
		"1850/51":    "Das Jahr 1850",
		"2027/28/29": "kein gültiges Schuljahr",
	}
	for in, inMessage := range invalid {
		got, p := ParseSchuljahr(in)
		if !got.IsZero() {
			t.Errorf("ParseSchuljahr(%q) = %v, want zero", in, got)
		}
		checkInvalid(t, "ParseSchuljahr", in, p, CodeSchuljahrUngueltig)
		if p != nil && !strings.Contains(p.Message, inMessage) {
			t.Errorf("ParseSchuljahr(%q) message %q lacks %q", in, p.Message, inMessage)
		}
	}
}

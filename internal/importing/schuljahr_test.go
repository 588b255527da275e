package importing

import (
	"fmt"
	"math/rand/v2"
	"strings"
	"testing"
)

// TestParseSchuljahrPfad holds the path form's parser to its definition:
// what ParseSchuljahr accepts and writes back as the same path. Every
// "JJJJ-JJ" from 1800 to 2199, the other forms ParseSchuljahr reads, and
// random texts of the path's alphabet.
func TestParseSchuljahrPfad(t *testing.T) {
	want := func(s string) (int, bool) {
		sj, p := ParseSchuljahr(s)
		if p != nil || sj.PathString() != s {
			return 0, false
		}
		return sj.StartYear(), true
	}
	check := func(s string) bool {
		t.Helper()
		sj, ok := ParseSchuljahrPfad(s)
		y, wantOK := want(s)
		if ok != wantOK || ok && sj.StartYear() != y || !ok && !sj.IsZero() {
			t.Errorf("ParseSchuljahrPfad(%q) = %v, %v; want start %d, %v", s, sj, ok, y, wantOK)
		}
		return ok
	}
	var accepted int
	for y := 1800; y < 2200; y++ {
		for s := range 100 {
			if check(fmt.Sprintf("%04d-%02d", y, s)) {
				accepted++
			}
		}
	}
	if accepted != 200 { // 1900 to 2099, one second year each
		t.Errorf("%d path forms accepted, want 200", accepted)
	}
	for _, s := range []string{"2027/28", "2027-2028", "27-28", "2027 -28", "2027–28", "SJ 2027-28", " 2027-28", "2027-28 ",
		"２０２７-28", "2027-28\n", "+027-28", "-027-28", "2027-+8", "", "2027-2"} {
		check(s)
	}
	r := rand.New(rand.NewPCG(1, 2))
	const alphabet = "0123456789-/ s"
	for range 200_000 {
		b := make([]byte, 5+r.IntN(5))
		for i := range b {
			b[i] = alphabet[r.IntN(len(alphabet))]
		}
		check(string(b))
	}
}

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

package schulpflicht

import (
	"math"
	"testing"
)

// Known values from Winkler's papers and the Wikipedia article
// "Jaro–Winkler distance": MARTHA/MARHTA 0.961, DWAYNE/DUANE 0.840,
// DIXON/DICKSONX 0.813.
func TestJaroWinklerBekannteWerte(t *testing.T) {
	cases := []struct {
		a, b string
		want float64
	}{
		{"martha", "marhta", 0.961},
		{"dwayne", "duane", 0.840},
		{"dixon", "dicksonx", 0.813},
		{"abc", "abc", 1},
		{"abc", "xyz", 0},
		{"", "abc", 0},
	}
	for _, c := range cases {
		got := JaroWinkler(c.a, c.b)
		if math.Abs(got-c.want) > 0.0005 {
			t.Errorf("JaroWinkler(%q, %q) = %.4f, want %.3f", c.a, c.b, got, c.want)
		}
		if back := JaroWinkler(c.b, c.a); back != got {
			t.Errorf("JaroWinkler not symmetric for %q, %q: %.4f vs %.4f", c.a, c.b, got, back)
		}
	}
}

package werte

import (
	"strconv"
	"strings"
	"testing"
	"time"
)

func TestRepairMojibake(t *testing.T) {
	tests := []struct{ in, want string }{
		{"KÃ¶nig", "König"},
		{"GroÃŸ-BÃ¶lting", "Groß-Bölting"},
		{"Dr.-KÃ¼lz-StraÃŸe", "Dr.-Külz-Straße"},
		{"Einschulung 2027/28 â€“ Stand", "Einschulung 2027/28 – Stand"},
		{"König", "König"},         // correct text stays
		{"Åsa", "Åsa"},             // a real Å is no mojibake
		{"São Paulo", "São Paulo"}, // neither is a real ã
		{"Ã", "Ã"},
	}
	for _, tt := range tests {
		if got := repairMojibake(tt.in); got != tt.want {
			t.Errorf("repairMojibake(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

// The regexp-free reading of "12" and "12a" takes exactly the house
// numbers reHausnummer reads as a number with at most a letter, as the
// same number and letter.
func TestPlainHausnummerAgreesWithRegexp(t *testing.T) {
	inputs := []string{"", "0", "00", "12", "12a", "12ab", "12 a", "a12", "123456", "12345", "12345z", "7-9", "12/1", "12.", "1ä",
		"012", "99999a", "12A", "12-", "bis", "12bis14", " 12"}
	for n := range 130 {
		inputs = append(inputs, strconv.Itoa(n), strconv.Itoa(n)+string(rune('a'+n%26)), strconv.Itoa(n)+"-")
	}
	for _, in := range inputs {
		n, zusatz, ok := plainHausnummer(in)
		m := reHausnummer.FindStringSubmatch(in)
		want := m != nil && m[3] == "" && m[4] == "" && m[5] == "" && !strings.Contains(in, " ") && !strings.Contains(in, "-") && !strings.Contains(in, "bis")
		if ok != want {
			t.Errorf("plainHausnummer(%q) ok = %v, reHausnummer says %v", in, ok, want)
			continue
		}
		if ok && (n != atoi(m[1]) || zusatz != m[2]) {
			t.Errorf("plainHausnummer(%q) = %d %q, reHausnummer %q %q", in, n, zusatz, m[1], m[2])
		}
	}
}

// Personenschluessel is the folded family name, the folded first names
// and the birth date, joined by "|" (built in one buffer: held here
// against the plain expression, for plain ASCII and for names that take
// FoldLetters' Unicode passes).
func TestPersonenschluesselAsFolded(t *testing.T) {
	geburt := time.Date(2019, 7, 2, 0, 0, 0, 0, time.UTC)
	names := []string{"", "Müller", "Ida Marie", "O'Neil-Smith 2", "MÃ¼ller", "Ærø", "ß", "LENA", "Paul  Friedrich", "Żółć"}
	for _, f := range names {
		for _, v := range names {
			want := FoldLetters(f) + "|" + FoldLetters(v) + "|" + geburt.Format(time.DateOnly)
			if got := Personenschluessel(f, v, geburt); got != want {
				t.Errorf("Personenschluessel(%q, %q) = %q, want %q", f, v, got, want)
			}
		}
	}
	if got := Personenschluessel("Weber", "Tom", time.Time{}); got != "weber|tom|0001-01-01" {
		t.Errorf("no birth date: %q", got)
	}
}

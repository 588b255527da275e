package changefeed

import (
	"math/rand/v2"
	"regexp"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

func TestPositionRoundTrip(t *testing.T) {
	if EncodePosition(0) != "" {
		t.Errorf("position 0 must be the empty beginning, got %q", EncodePosition(0))
	}
	for _, n := range []uint64{1, 2, 255, 256, 1 << 40, 1<<63 - 1} {
		s := EncodePosition(n)
		if len(s) != 12 || strings.ContainsAny(s, "+/=") {
			t.Errorf("EncodePosition(%d) = %q; want 12 URL-safe characters", n, s)
		}
		got, err := DecodePosition(s)
		if err != nil || got != n {
			t.Errorf("DecodePosition(EncodePosition(%d)) = %d, %v", n, got, err)
		}
	}
	if n, err := DecodePosition(""); n != 0 || err != nil {
		t.Errorf(`DecodePosition("") = %d, %v; want 0, nil`, n, err)
	}
}

func TestDecodePositionRefusesGarbage(t *testing.T) {
	v2 := EncodePosition(5)
	v2 = "Ag" + v2[2:] // version byte 2
	for _, in := range []string{"x", "12", "AQAAAAAAAAAB==", "AQAAAAAAAAA", v2, "AQAAAAAAAAAA", "AYAAAAAAAAAA", "AQAAAAAAAAAB+", "AQAAAAAAAAAB AQ"} {
		_, err := DecodePosition(in)
		e, ok := apperr.As(err)
		if !ok || e.Class != apperr.ClassInvalid || e.Fields[0].Pointer != "/after" || !strings.Contains(e.Detail, "Position") {
			t.Errorf("DecodePosition(%q) = %v; want apperr.Invalid on /after", in, err)
		}
	}
}

func TestChangeValidate(t *testing.T) {
	ok := []Change{
		{Entity: EntitySchule, ID: "01234", Operation: Upsert},
		{Entity: EntityKind, ID: "k1", Operation: Delete, Key: map[string]string{"kind_id": "k1"}},
	}
	for _, c := range ok {
		if err := c.Validate(); err != nil {
			t.Errorf("%+v: %v", c, err)
		}
	}
	bad := []Change{
		{Entity: "", ID: "1", Operation: Upsert},
		{Entity: "Schule", ID: "1", Operation: Upsert},
		{Entity: "schule", ID: "", Operation: Upsert},
		{Entity: "schule", ID: "1", Operation: "insert"},
		{Entity: "schule", ID: "1", Operation: Delete}, // a tombstone needs its key
	}
	for _, c := range bad {
		if err := c.Validate(); err == nil {
			t.Errorf("%+v: accepted", c)
		}
	}
}

func TestErrPositionExpiredIsGermanAndSaysResync(t *testing.T) {
	if !strings.Contains(ErrPositionExpired.Error(), "neu synchronisieren") {
		t.Errorf("ErrPositionExpired = %q", ErrPositionExpired)
	}
}

// validEntity accepts what the regular expression it replaced accepts:
// every name of up to three characters over an alphabet of each kind of
// character (letters, digits, _, upper case, umlaut bytes, space, line
// ends, punctuation), the lengths around 63, and random names.
func TestEntityNameAsRegexp(t *testing.T) {
	re := regexp.MustCompile(`^[a-z][a-z0-9_]{0,62}$`)
	check := func(s string) {
		if got, want := validEntity(s), re.MatchString(s); got != want {
			t.Errorf("validEntity(%q) = %v, the regular expression says %v", s, got, want)
		}
	}
	alphabet := []string{"a", "m", "z", "0", "9", "_", "A", "Z", "`", "{", "/", ":", "@", "-", " ", "\n", "\x00", "ä", "\xc3", "\xff"}
	var all func(prefix string, n int)
	all = func(prefix string, n int) {
		check(prefix)
		if n == 0 {
			return
		}
		for _, c := range alphabet {
			all(prefix+c, n-1)
		}
	}
	all("", 3)
	for _, n := range []int{62, 63, 64, 65} {
		check(strings.Repeat("a", n))
		check(strings.Repeat("a", n-1) + "_")
		check("a" + strings.Repeat("9", n-1))
		check(strings.Repeat("a", n-1) + "A")
	}
	rng := rand.New(rand.NewPCG(176, 1))
	for range 20000 {
		b := make([]byte, rng.IntN(70))
		for i := range b {
			b[i] = byte('a' + rng.IntN(26))
			if rng.IntN(20) == 0 { // now and then any byte
				b[i] = byte(rng.IntN(256))
			}
		}
		check(string(b))
	}
}

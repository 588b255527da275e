package changefeed

import (
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

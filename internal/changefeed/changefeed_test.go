package changefeed

import (
	"context"
	"errors"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

func TestParseLimit(t *testing.T) {
	for in, want := range map[string]int{"": DefaultLimit, "1": 1, " 7 ": 7, "1000": 1000} {
		got, err := ParseLimit(in)
		if err != nil || got != want {
			t.Errorf("ParseLimit(%q) = %d, %v; want %d", in, got, err, want)
		}
	}
	for _, in := range []string{"0", "-1", "1001", "abc", "1.5", "1e3", "99999999999999999999"} {
		_, err := ParseLimit(in)
		e, ok := apperr.As(err)
		if !ok || e.Kind != apperr.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Pointer != "/limit" {
			t.Errorf("ParseLimit(%q) = %v; want apperr.Invalid on /limit", in, err)
		}
	}
}

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
		if !ok || e.Kind != apperr.KindInvalid || e.Fields[0].Pointer != "/after" || !strings.Contains(e.Detail, "Position") {
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

func TestMemoryFeed(t *testing.T) {
	ctx := context.Background()
	m := NewMemory()
	now := time.Date(2027, 3, 1, 8, 0, 0, 0, time.UTC)
	m.Now = func() time.Time { return now }

	page, err := m.Read(ctx, "", 10)
	if err != nil || len(page.Items) != 0 || page.Next != "" {
		t.Fatalf("empty feed: %+v, %v", page, err)
	}
	if _, err := m.Record(Change{Entity: EntitySchule, ID: "1001", Operation: Upsert},
		Change{Entity: EntitySchule, ID: "1002", Operation: Delete, Key: map[string]string{"schulnummer": "1002"}}); err != nil {
		t.Fatal(err)
	}
	now = now.Add(time.Hour)
	last, _ := m.Record(Change{Entity: EntityKind, ID: "k", Operation: Upsert})

	page, err = m.Read(ctx, "", 2)
	if err != nil || len(page.Items) != 2 || page.Items[1].Key["schulnummer"] != "1002" {
		t.Fatalf("first page: %+v, %v", page, err)
	}
	page, err = m.Read(ctx, page.Next, 2)
	if err != nil || len(page.Items) != 1 || page.Next != last {
		t.Fatalf("second page: %+v, %v", page, err)
	}
	again, err := m.Read(ctx, page.Next, 2)
	if err != nil || len(again.Items) != 0 || again.Next != page.Next {
		t.Fatalf("nothing new must return after as next: %+v, %v", again, err)
	}

	if got := m.Prune(now); got != 2 {
		t.Fatalf("Prune dropped %d, want 2", got)
	}
	if _, err := m.Read(ctx, EncodePosition(1), 10); !errors.Is(err, ErrPositionExpired) {
		t.Errorf("position before the pruned ones: %v, want ErrPositionExpired", err)
	}
	if p, err := m.Read(ctx, EncodePosition(2), 10); err != nil || len(p.Items) != 1 {
		t.Errorf("position at the last pruned one: %+v, %v", p, err)
	}
	if _, err := m.Read(ctx, EncodePosition(99), 10); !errors.Is(err, ErrPositionExpired) {
		t.Errorf("position never given out: %v, want ErrPositionExpired", err)
	}
	if _, err := m.Record(Change{Entity: "schule", ID: "1", Operation: Delete}); err == nil {
		t.Error("a delete without key was recorded")
	}
}

package aufbewahrung

import (
	"testing"
	"time"
)

// A period of 0 keeps that kind for ever: its Stichtag is zero and the
// store touches nothing of it; the others lie exactly the period back.
func TestStichtage(t *testing.T) {
	jetzt := time.Date(2027, 3, 1, 2, 30, 0, 0, time.UTC)
	tag := 24 * time.Hour
	st := Fristen{Melderegister: 730 * tag, Importe: 90 * tag, Protokoll: 0, Faelle: 1825 * tag}.Stichtage(jetzt)
	want := Stichtage{Jetzt: jetzt, Melderegister: time.Date(2025, 3, 1, 2, 30, 0, 0, time.UTC),
		Importe: time.Date(2026, 12, 1, 2, 30, 0, 0, time.UTC), Faelle: time.Date(2022, 3, 2, 2, 30, 0, 0, time.UTC)}
	if st != want {
		t.Errorf("Stichtage\n got %+v\nwant %+v", st, want)
	}
	// Outcomes of the Schuleingangsuntersuchung: a year after 1 August.
	for _, c := range []struct {
		jetzt time.Time
		bis   int
	}{
		{time.Date(2028, 8, 1, 0, 0, 0, 0, time.UTC), 2026},   // 2027-28 began a year ago to the minute: not yet
		{time.Date(2028, 8, 1, 0, 1, 0, 0, time.UTC), 2027},   // now it is due
		{time.Date(2028, 12, 24, 0, 0, 0, 0, time.UTC), 2027}, // 2028-29 began this August
	} {
		if got := (Fristen{Untersuchungen: 366 * tag}).Stichtage(c.jetzt).Untersuchungen; got != c.bis {
			t.Errorf("at %s outcomes due up to %d, want %d", c.jetzt.Format(time.DateOnly), got, c.bis)
		}
	}
	if got := (Fristen{}).Stichtage(jetzt).Untersuchungen; got != 0 {
		t.Errorf("period 0 deletes outcomes up to %d", got)
	}
}

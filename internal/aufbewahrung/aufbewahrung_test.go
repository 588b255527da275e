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
}

package werte

import (
	"testing"
	"time"
)

func TestSchuljahr(t *testing.T) {
	sj := NewSchuljahr(2027)
	if got := sj.String(); got != "2027/28" {
		t.Errorf("String = %q", got)
	}
	if got := sj.PathString(); got != "2027-28" {
		t.Errorf("PathString = %q", got)
	}
	if got := sj.Start(); !got.Equal(time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Start = %v", got)
	}
	if got := sj.End(); !got.Equal(time.Date(2028, 7, 31, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("End = %v", got)
	}
	if got := sj.Next().String(); got != "2028/29" {
		t.Errorf("Next = %q", got)
	}
	if got := NewSchuljahr(2099).String(); got != "2099/00" {
		t.Errorf("2099 String = %q", got)
	}
	for _, tt := range []struct {
		day  time.Time
		want int
	}{
		{time.Date(2027, 7, 31, 0, 0, 0, 0, time.UTC), 2026},
		{time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC), 2027},
		{time.Date(2028, 1, 15, 0, 0, 0, 0, time.UTC), 2027},
	} {
		if got := SchuljahrAt(tt.day).StartYear(); got != tt.want {
			t.Errorf("SchuljahrAt(%v) = %d, want %d", tt.day, got, tt.want)
		}
	}
	if !(Schuljahr{}).IsZero() || sj.IsZero() {
		t.Error("IsZero wrong")
	}
}

func TestHausnummerStringAndCompare(t *testing.T) {
	for _, tt := range []struct {
		h    Hausnummer
		want string
	}{
		{Hausnummer{}, ""}, {Hausnummer{Nummer: 12}, "12"}, {Hausnummer{Nummer: 12, Zusatz: "a"}, "12a"},
		{Hausnummer{Nummer: 12, Zusatz: "/1"}, "12/1"}, {Hausnummer{Nummer: 7, Zusatz: "a", BisNummer: 7, BisZusatz: "f"}, "7a-7f"},
	} {
		if got := tt.h.String(); got != tt.want {
			t.Errorf("%+v.String() = %q, want %q", tt.h, got, tt.want)
		}
	}
	if (Hausnummer{Nummer: 12}).Compare(Hausnummer{Nummer: 12, Zusatz: "a"}) >= 0 ||
		(Hausnummer{Nummer: 13}).Compare(Hausnummer{Nummer: 12, Zusatz: "z"}) <= 0 ||
		(Hausnummer{Nummer: 9, Zusatz: "b"}).Compare(Hausnummer{Nummer: 9, Zusatz: "b"}) != 0 {
		t.Error("Compare does not order by number, then suffix")
	}
	if !(Hausnummer{Nummer: 12, BisNummer: 14}).IsRange() || (Hausnummer{Nummer: 12}).IsRange() {
		t.Error("IsRange wrong")
	}
}

func TestIstUUID(t *testing.T) {
	for _, s := range []string{"0b1e9c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5b", "0B1E9C2A-3F4D-4E5F-8A9B-0C1D2E3F4A5B"} {
		if !IstUUID(s) {
			t.Errorf("IstUUID(%q) = false", s)
		}
	}
	for _, s := range []string{"", "kaputt", "0b1e9c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5", "0b1e9c2a3f4d-4e5f-8a9b-0c1d2e3f4a5bb", "0b1e9c2a-3f4d-4e5f-8a9b-0c1d2e3f4a5g", "'; DROP TABLE x; --0000000000000000000"} {
		if IstUUID(s) {
			t.Errorf("IstUUID(%q) = true", s)
		}
	}
}

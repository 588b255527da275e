package importing

import (
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
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

func TestSchuljahr(t *testing.T) {
	sj := werte.NewSchuljahr(2027)
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
	if got := werte.NewSchuljahr(2099).String(); got != "2099/00" {
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
		if got := werte.SchuljahrAt(tt.day).StartYear(); got != tt.want {
			t.Errorf("SchuljahrAt(%v) = %d, want %d", tt.day, got, tt.want)
		}
	}
	if !(werte.Schuljahr{}).IsZero() || sj.IsZero() {
		t.Error("IsZero wrong")
	}
}

package einschulung

import (
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
)

func day(s string) time.Time {
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		panic(err)
	}
	return t
}

func TestVollendet(t *testing.T) {
	tests := []struct {
		geburt string
		n      int
		want   string
	}{
		{"2020-07-01", 6, "2026-06-30"},
		{"2020-07-02", 6, "2026-07-01"},
		{"2020-01-01", 6, "2025-12-31"},
		{"2020-02-29", 6, "2026-02-28"}, // § 188 (3) BGB: no 29 February in 2026
		{"2020-02-29", 4, "2024-02-28"}, // a leap year: the day before the birthday
		{"2020-03-01", 6, "2026-02-28"},
	}
	for _, tt := range tests {
		if got := Vollendet(day(tt.geburt), tt.n).Format(time.DateOnly); got != tt.want {
			t.Errorf("born %s completes year %d at the end of %s, want %s", tt.geburt, tt.n, got, tt.want)
		}
	}
}

// The cohort of 2027/28 by the law's cut-off: born 2 July 2020 to 1 July
// 2021; early admission possible up to a birth on 1 July 2022.
func TestHerkunft(t *testing.T) {
	law := GesetzlicheRegel()
	feb := Regel{Schulpflicht: Stichtag{time.February, 28}, Vorzeitig: Stichtag{time.February, 28}}
	sept := Regel{Schulpflicht: Stichtag{time.September, 30}, Vorzeitig: Stichtag{time.June, 30}}
	tests := []struct {
		name   string
		regel  Regel
		jahr   int
		geburt string
		want   Herkunft
	}{
		{"born 30 June: six by 29 June", law, 2027, "2021-06-30", Regulaer},
		{"born 1 July: six at the end of 30 June", law, 2027, "2021-07-01", Regulaer},
		{"born 2 July: six only on 1 July", law, 2027, "2021-07-02", VorzeitigMoeglich},
		{"first day of the cohort", law, 2027, "2020-07-02", Regulaer},
		{"last year's last day", law, 2027, "2020-07-01", Vorjahr},
		{"last year's first day", law, 2027, "2019-07-02", Vorjahr},
		{"two years ago", law, 2027, "2019-07-01", Ausserhalb},
		{"youngest early entrant", law, 2027, "2022-07-01", VorzeitigMoeglich},
		{"too young even for early entry", law, 2027, "2022-07-02", Ausserhalb},
		{"29 February, regular year", law, 2026, "2020-02-29", Regulaer},
		{"29 February, a year later", law, 2027, "2020-02-29", Vorjahr},
		{"29 February against a 28 February cut-off", feb, 2026, "2020-02-29", Regulaer},
		{"1 March against a 28 February cut-off", feb, 2026, "2020-03-01", Regulaer},
		{"2 March against a 28 February cut-off", feb, 2026, "2020-03-02", VorzeitigMoeglich},
		{"28 February against a 28 February cut-off", feb, 2026, "2020-02-28", Regulaer},
		{"configured later cut-off: 1 October", sept, 2027, "2021-10-01", Regulaer},
		{"configured later cut-off: 2 October", sept, 2027, "2021-10-02", VorzeitigMoeglich},
		{"configured later cut-off: last year's", sept, 2027, "2020-10-01", Vorjahr},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			if got := tt.regel.Herkunft(day(tt.geburt), werte.NewSchuljahr(tt.jahr)); got != tt.want {
				t.Errorf("Herkunft = %d, want %d", got, tt.want)
			}
		})
	}
}

// The birth window the store is asked for must hold every regular child.
func TestGeburtszeitraumHoldsTheCohort(t *testing.T) {
	for _, r := range []Regel{GesetzlicheRegel(), {Schulpflicht: Stichtag{time.February, 28}, Vorzeitig: Stichtag{time.February, 28}}} {
		sj := werte.NewSchuljahr(2027)
		von, bis := r.geburtszeitraum(sj)
		for d := von.AddDate(0, -1, 0); d.Before(bis.AddDate(0, 1, 0)); d = d.AddDate(0, 0, 1) {
			if r.Herkunft(d, sj) == Regulaer && (d.Before(von) || d.After(bis)) {
				t.Errorf("%v: regular child born %s is outside %s–%s", r, d.Format(time.DateOnly), von.Format(time.DateOnly), bis.Format(time.DateOnly))
			}
		}
	}
}

func TestParseStichtag(t *testing.T) {
	for in, want := range map[string]Stichtag{"30.06.": {time.June, 30}, "30.06": {time.June, 30}, "1.8": {time.August, 1}, " 28.02. ": {time.February, 28}} {
		if got, err := ParseStichtag(in); err != nil || got != want {
			t.Errorf("%q: %v, %v", in, got, err)
		}
	}
	for _, in := range []string{"29.02.", "31.06.", "30/06", "", "Juni"} {
		if _, err := ParseStichtag(in); err == nil {
			t.Errorf("%q accepted", in)
		}
	}
}

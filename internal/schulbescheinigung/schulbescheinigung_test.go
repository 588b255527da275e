package schulbescheinigung

import (
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

func d(y, m, t int) time.Time { return time.Date(y, time.Month(m), t, 0, 0, 0, 0, time.UTC) }

func TestGueltigkeit(t *testing.T) {
	ausgestellt := sw.Dokument{Ausstellungen: []sw.Ausstellung{{Datum: sw.Tagesdatum(2026, 3, 1)}, {Datum: sw.Tagesdatum(2026, 2, 20)}}}
	for _, tc := range []struct {
		name     string
		b        Schulbescheinigung
		von, bis time.Time
	}{
		{"period given", Schulbescheinigung{Dokument: ausgestellt, Schulbesuch: Schulbesuch{Zeitraum: &sw.Zeitraum{Beginn: sw.Tagesdatum(2025, 8, 1), Ende: sw.Tagesdatum(2026, 7, 31)}}},
			d(2025, 8, 1), d(2026, 7, 31)},
		{"only the end: from the earliest issue", Schulbescheinigung{Dokument: ausgestellt, Schulbesuch: Schulbesuch{Zeitraum: &sw.Zeitraum{Ende: sw.Tagesdatum(2026, 6, 30)}}},
			d(2026, 2, 20), d(2026, 6, 30)},
		{"gueltigkeitsdatum before the issue", Schulbescheinigung{Dokument: sw.Dokument{Gueltigkeitsdatum: sw.Tagesdatum(2026, 1, 5), Ausstellungen: ausgestellt.Ausstellungen}},
			d(2026, 1, 5), d(2026, 7, 31)},
		{"school year by years only", Schulbescheinigung{Schulbesuch: Schulbesuch{Schuljahr: &Schuljahr{Beginn: sw.Datum{Jahr: 2026}, Ende: sw.Datum{Jahr: 2027}}}},
			d(2026, 8, 1), d(2027, 7, 31)},
		{"school year by months", Schulbescheinigung{Schulbesuch: Schulbesuch{Schuljahr: &Schuljahr{Beginn: sw.Datum{Jahr: 2026, Monat: 9}, Ende: sw.Datum{Jahr: 2027, Monat: 6}}}},
			d(2026, 9, 1), d(2027, 6, 30)},
		{"no end, start in August: that school year", Schulbescheinigung{Schulbesuch: Schulbesuch{Zeitraum: &sw.Zeitraum{Beginn: sw.Tagesdatum(2026, 8, 1)}}},
			d(2026, 8, 1), d(2027, 7, 31)},
	} {
		von, bis := tc.b.Gueltigkeit()
		if !von.Equal(tc.von) || !bis.Equal(tc.bis) {
			t.Errorf("%s: %s – %s, want %s – %s", tc.name, von.Format(time.DateOnly), bis.Format(time.DateOnly), tc.von.Format(time.DateOnly), tc.bis.Format(time.DateOnly))
		}
	}
}

func TestValidateNamesEveryProblem(t *testing.T) {
	b := Schulbescheinigung{Schueler: sw.Schueler{Geburt: sw.Geburt{Datum: sw.Datum{Jahr: 2012}}},
		Schulbesuch: Schulbesuch{Zeitraum: &sw.Zeitraum{Beginn: sw.Tagesdatum(2026, 8, 1), Ende: sw.Tagesdatum(2026, 7, 1)}}}
	err := b.Validate()
	if err == nil {
		t.Fatal("accepted")
	}
	want := []string{"/schueler/name/familienname", "/schueler/name/vorname", "/schueler/geburt/datum", "/schule/name", "/schulbesuch/zeitraum/ende"}
	for _, p := range want {
		if !containsPointer(err, p) {
			t.Errorf("no problem at %s: %v", p, err)
		}
	}
}

func containsPointer(err error, p string) bool {
	e, ok := apperr.As(err)
	if !ok {
		return false
	}
	for _, f := range e.Fields {
		if f.Pointer == p {
			return true
		}
	}
	return false
}

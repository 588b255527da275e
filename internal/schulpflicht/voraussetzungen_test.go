package schulpflicht

import (
	"strings"
	"testing"
	"time"
)

// A list exactly the maximum age old is still current; one day more is
// old; a school without a list is missing; without any list a run needs
// forcing.
func TestPruefeListen(t *testing.T) {
	heute := time.Date(2026, 9, 15, 8, 30, 0, 0, time.UTC)
	tag := func(d int) time.Time { return heute.AddDate(0, 0, -d).Add(-6 * time.Hour) } // early in the morning d days ago
	v := PruefeListen([]Schuelerliste{
		{Schulnummer: "20101", Stand: tag(60)},
		{Schulnummer: "20102", Stand: tag(61)},
		{Schulnummer: "20103"},
		{Schulnummer: "20104", Stand: heute},
	}, heute, 60)
	got := make([]string, len(v.Schulen))
	for i, s := range v.Schulen {
		got[i] = s.Schulnummer
		switch {
		case s.Fehlt:
			got[i] += " fehlt"
		case s.Veraltet:
			got[i] += " veraltet"
		}
	}
	if strings.Join(got, ", ") != "20101, 20102 veraltet, 20103 fehlt, 20104" || v.KeineListe || v.Fehlend != 1 || v.Veraltet != 1 {
		t.Errorf("PruefeListen = %v %+v", got, v)
	}
	if a, b := v.Schulen[0].AlterTage, v.Schulen[1].AlterTage; a != 60 || b != 61 {
		t.Errorf("Alter in Kalendertagen = %d, %d; erwartet 60, 61", a, b)
	}
	if h := v.Hinweis(); !strings.Contains(h, "1 Schule hat keine Schülerliste") || !strings.Contains(h, "bei 1 Schule ist die Schülerliste älter als 60 Tage") {
		t.Errorf("Hinweis = %q", h)
	}
	keine := PruefeListen([]Schuelerliste{{Schulnummer: "20101"}, {Schulnummer: "20102"}}, heute, 60)
	if !keine.KeineListe || !strings.Contains(keine.Hinweis(), "Es liegt keine Schülerliste vor") {
		t.Errorf("ohne Listen: %+v %q", keine, keine.Hinweis())
	}
	if ohneListen(keine) == nil {
		t.Error("ein Abgleich ohne Listen wird nicht abgelehnt")
	}
	if h := PruefeListen([]Schuelerliste{{Schulnummer: "20101", Stand: heute}}, heute, 60).Hinweis(); h != "" {
		t.Errorf("alles aktuell, Hinweis %q", h)
	}
}

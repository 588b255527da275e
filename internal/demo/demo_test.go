package demo

import (
	"testing"

	"github.com/schulgateway/schulgateway/internal/schule"
)

func TestDemoSchoolsAreValidAndComplete(t *testing.T) {
	count := map[schule.Schulform]int{}
	known := map[string]bool{}
	for _, s := range Schulen() {
		s.Normalize()
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Schulnummer, err)
		}
		if known[s.Schulnummer] {
			t.Errorf("Schulnummer %s twice", s.Schulnummer)
		}
		known[s.Schulnummer] = true
		count[s.Schulform]++
	}
	if count[schule.Grundschule] < 6 || count[schule.Sekundarschule] < 2 || count[schule.Gymnasium] < 1 {
		t.Errorf("demo city has %v; the foundation issue asks for ≥6 Grundschulen, ≥2 Sekundarschulen, ≥1 Gymnasium", count)
	}
	for _, r := range Strassenverzeichnis() {
		if !known[r.Schulnummer] {
			t.Errorf("directory row %s names unknown school %s", r.Strasse, r.Schulnummer)
		}
	}
}

func TestStadtFigures(t *testing.T) {
	s := Erzeuge(2026)
	t.Logf("kinder %d schueler %d best %d meld %d wechsel %d zahlen %d kohorten %d", len(s.Kinder), len(s.Schueler), len(s.Bestaetigungen), len(s.Meldungen), len(s.Wechsel), len(s.Schuelerzahlen), len(s.Kohorten))
	per := map[string]int{}
	for _, p := range s.Schueler {
		per[p.Schulnummer]++
	}
	t.Logf("per school %v", per)
	for _, l := range s.Listen() {
		t.Logf("%s %s %d bytes", l.Kind, l.Dateiname, len(l.Inhalt))
	}
}

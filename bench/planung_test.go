package bench

import (
	"fmt"
	"testing"

	"github.com/schulgateway/schulgateway/internal/planung"
)

// A city the size of Halle: 36 Grundschulen, 12 Sekundarschulen, 8
// Gymnasien, 5 years of history; a 10-year forecast and its suppressed
// pupil table.
func planungStadt() planung.Daten {
	var d planung.Daten
	add := func(art planung.Schulart, n, base int) {
		for i := range n {
			nr := fmt.Sprintf("%d%03d", base, i)
			d.Schulen = append(d.Schulen, planung.Schule{Schulnummer: nr, Art: art, Zuege: 2 + i%3, Klassenfrequenz: 25})
			von, bis := art.Stufen()
			for t := 2021; t <= 2025; t++ {
				for g := von; g <= bis; g++ {
					d.Schueler = append(d.Schueler, planung.Zahl{Schulnummer: nr, Schuljahr: t, Jahrgangsstufe: g, Anzahl: 40 + (i*7+g*3+t)%20})
				}
				if art == planung.Grundschule {
					d.Kohorten = append(d.Kohorten, planung.Kohorte{Schulnummer: nr, Schuljahr: t, Anzahl: 55 + (i+t)%10})
				}
			}
			if art == planung.Grundschule {
				for t := 2026; t <= 2031; t++ {
					d.Kohorten = append(d.Kohorten, planung.Kohorte{Schulnummer: nr, Schuljahr: t, Anzahl: 50 + (i+t)%15})
				}
			}
		}
	}
	add(planung.Grundschule, 36, 1)
	add(planung.Sekundarschule, 12, 2)
	add(planung.Gymnasium, 8, 3)
	return d
}

func BenchmarkPlanungPrognose(b *testing.B) {
	d := planungStadt()
	b.ReportAllocs()
	for b.Loop() {
		if _, err := planung.Berechne(d, planung.Parameter{Jahre: 10}); err != nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanungSchuelerzahlen(b *testing.B) {
	d := planungStadt()
	b.ReportAllocs()
	for b.Loop() {
		planung.TabelleSchuelerzahlen(d, 2025, 3)
	}
}

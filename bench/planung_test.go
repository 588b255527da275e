package bench

import (
	"context"
	"fmt"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/planung"
)

// A realistic city (issue 7's brief): 35 Grundschulen, 15 secondary
// schools (10 Sekundarschulen, 5 Gymnasien), 10 years of history
// (2016–2025) and cohorts known up to 2031; a 10-year forecast, a 3-year
// back-test and the suppressed pupil tables, with suppression on.
const (
	stadtGS, stadtSek, stadtGym = 35, 10, 5
	stadtVon, stadtBis          = 2016, 2025
)

func planungStadt() planung.Daten {
	var d planung.Daten
	add := func(art planung.Schulart, n, base int) {
		for i := range n {
			nr := fmt.Sprintf("%d%03d", base, i)
			d.Schulen = append(d.Schulen, planung.Schule{Schulnummer: nr, Name: "Schule " + nr, Art: art, Zuege: 2 + i%3, Klassenfrequenz: 25})
			von, bis := art.Stufen()
			for t := stadtVon; t <= stadtBis; t++ {
				for g := von; g <= bis; g++ {
					d.Schueler = append(d.Schueler, planung.Zahl{Schulnummer: nr, Schuljahr: t, Jahrgangsstufe: g, Anzahl: 40 + (i*7+g*3+t)%20})
				}
			}
			if art == planung.Grundschule {
				for t := stadtVon; t <= stadtBis+6; t++ {
					d.Kohorten = append(d.Kohorten, planung.Kohorte{Schulnummer: nr, Schuljahr: t, Anzahl: 50 + (i+t)%15})
				}
			}
		}
	}
	add(planung.Grundschule, stadtGS, 1)
	add(planung.Sekundarschule, stadtSek, 2)
	add(planung.Gymnasium, stadtGym, 3)
	return d
}

func BenchmarkPlanungPrognose(b *testing.B) {
	d := planungStadt()
	b.ReportAllocs()
	for b.Loop() {
		p, err := planung.Berechne(d, planung.Parameter{Jahre: 10, Schwelle: 3})
		if err != nil || len(p.Schulen) != stadtGS+stadtSek+stadtGym {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanungBacktest(b *testing.B) {
	d := planungStadt()
	b.ReportAllocs()
	for b.Loop() {
		r, err := planung.Backtest(d, 3, planung.Parameter{Schwelle: 3})
		if err != nil || r.MAPE == nil {
			b.Fatal(err)
		}
	}
}

func BenchmarkPlanungSchuelerzahlen(b *testing.B) {
	d := planungStadt()
	b.ReportAllocs()
	for b.Loop() {
		planung.TabelleSchuelerzahlen(d, stadtBis, 3)
	}
}

// End to end through PostgreSQL: the same city stored as imported history,
// read by the PlanungStore (schools, history, cohorts derived from the
// register – empty here – and stored ones) and forecast / back-tested.
func BenchmarkPlanungPrognoseDB(b *testing.B) {
	pool := pgtest.Pool(b)
	ctx := context.Background()
	d := planungStadt()
	form := map[planung.Schulart]string{planung.Grundschule: "grundschule", planung.Sekundarschule: "sekundarschule", planung.Gymnasium: "gymnasium"}
	var schulen, zahlen, kohorten [][]any
	for _, s := range d.Schulen {
		schulen = append(schulen, []any{s.Schulnummer, s.Name, form[s.Art], "kommunal", s.Zuege, s.Klassenfrequenz})
	}
	for _, z := range d.Schueler {
		zahlen = append(zahlen, []any{z.Schulnummer, z.Schuljahr, z.Jahrgangsstufe, z.Anzahl})
	}
	for _, k := range d.Kohorten {
		kohorten = append(kohorten, []any{k.Schulnummer, k.Schuljahr, k.Anzahl})
	}
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"schulen", []string{"schulnummer", "name", "schulform", "traeger", "zuege", "klassenfrequenz"}, schulen},
		{"planung_schuelerzahlen", []string{"schulnummer", "schuljahr", "jahrgangsstufe", "anzahl"}, zahlen},
		{"planung_kohorten", []string{"schulnummer", "schuljahr", "anzahl"}, kohorten},
	} {
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			b.Fatal(err)
		}
	}
	svc := planung.NewService(postgres.NewPlanungStore(pool), postgres.NewSchulbezirkStore(pool, nil), einschulung.GesetzlicheRegel())
	b.Run("prognose", func(b *testing.B) {
		for b.Loop() {
			p, err := svc.Prognose(ctx, planung.Parameter{Ab: stadtBis + 1, Jahre: 10})
			if err != nil || len(p.Schulen) != stadtGS+stadtSek+stadtGym {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/prognose")
	})
	b.Run("backtest", func(b *testing.B) {
		for b.Loop() {
			if _, err := svc.Backtest(ctx, 3, planung.Parameter{}); err != nil {
				b.Fatal(err)
			}
		}
		b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/backtest")
	})
}

package postgres_test

import (
	"cmp"
	"context"
	"fmt"
	"math/rand/v2"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/demo"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/planung"
)

// Planning counts the cohorts in the domain now (planung.Service.Daten
// from the rows PlanungStore hands it); the storage adapter used to do it.
// On the demo city's register and pupil lists (internal/demo, not written
// for this test) plus generated residents with awkward birth dates and
// addresses, under three cut-off rules and three dates, both give the same
// schools, pupil counts and cohorts.
func TestPlanungDatenWieBisher(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	seedDemo(t, pool)
	ctx := context.Background()
	stadt := demo.Erzeuge(2026)

	var kinder [][]any
	for i, k := range stadt.Kinder {
		var zuzug any
		if !k.Zuzug.IsZero() {
			zuzug = k.Zuzug
		}
		kinder = append(kinder, []any{fmt.Sprintf("om:%d", i), k.Familienname, k.Vornamen, k.Geburtsdatum, k.Strasse, k.Hausnummer, k.PLZ, nil, "gemeldet", zuzug, nil})
	}
	// Generated residents: birth dates around the cut-offs and 29 February,
	// addresses spelled otherwise, outside the directory, ambiguous without
	// a PLZ, with an Ortsteil; some moved away, some moved back.
	r := rand.New(rand.NewPCG(17, 3))
	adressen := [][3]string{
		{"Hauptstr.", "7 B", "06108"}, {"Hauptstraße", "7g", ""}, {"Hauptstraße", "12", "06108"}, {"Rosenweg", "51", ""},
		{"Rosenweg", "50", ""}, {"Rosenweg", "49", ""}, {"Kirchgasse", "3", "06108"}, {"KIRCHGASSE", "4a", ""},
		{"Schulstraße", "1", ""}, {"Schulstraße", "1", "06110"}, {"Schulstr.", "2", "06108"}, {"Auenweg", "5", "06110"},
		{"Nordring", "100", ""}, {"Nordring", "99", ""}, {"Ludwig-Wucherer-Str.", "40", ""}, {"Ludwig-Wucherer-Straße", "39-41", ""},
		{"Mühlenstraße", "0", ""}, {"Muehlenstrasse", "5", ""}, {"Dr.-Külz-Straße", "1/2", ""}, {"Parkallee", "", ""},
	}
	tage := []time.Time{}
	for y := 2008; y <= 2024; y++ {
		for _, md := range [][2]int{{2, 28}, {2, 29}, {3, 1}, {6, 29}, {6, 30}, {7, 1}, {7, 31}, {8, 1}, {9, 30}, {10, 1}, {12, 31}, {1, 1}} {
			tage = append(tage, time.Date(y, time.Month(md[0]), md[1], 0, 0, 0, 0, time.UTC))
		}
	}
	for i := range 3000 {
		geb := tage[r.IntN(len(tage))]
		if r.IntN(2) == 0 {
			geb = time.Date(2008, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(17*365))
		}
		a := adressen[r.IntN(len(adressen))]
		var ortsteil any
		if r.IntN(10) == 0 {
			ortsteil = "Altstadt"
		}
		status, zuzug, wegzug := "gemeldet", any(nil), any(nil)
		switch r.IntN(10) {
		case 0:
			status = "weggezogen"
		case 1:
			wegzug = time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		case 2:
			zuzug, wegzug = time.Date(2025, 6, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)
		}
		kinder = append(kinder, []any{fmt.Sprintf("gen:%d", i), "N", "V", geb, a[0], a[1], a[2], ortsteil, status, zuzug, wegzug})
	}
	var schueler [][]any
	for i, s := range stadt.Schueler {
		status, stufe := "aktiv", any(s.Jahrgangsstufe)
		switch i % 29 {
		case 0:
			status = "abgegangen"
		case 1:
			stufe = nil
		}
		schueler = append(schueler, []any{fmt.Sprintf("s:%d", i), s.Schulnummer, s.Familienname, s.Vornamen, s.Geburtsdatum, stufe, status})
	}
	var zahlen, kohorten [][]any
	for _, z := range stadt.Schuelerzahlen {
		zahlen = append(zahlen, []any{z.Schulnummer, z.Schuljahr, z.Jahrgangsstufe, z.Anzahl})
	}
	// A stored count of the current year, which the live count replaces.
	zahlen = append(zahlen, []any{"20101", 2026, 1, 99}, []any{"20101", 2026, 7, 99})
	for _, k := range stadt.Kohorten {
		kohorten = append(kohorten, []any{k.Schulnummer, k.Schuljahr, k.Anzahl})
	}
	// A stored cohort of a year the register also gives, which replaces it.
	kohorten = append(kohorten, []any{"20104", 2029, 77})
	for _, c := range []struct {
		table string
		cols  []string
		rows  [][]any
	}{
		{"kinder", []string{"schluessel", "familienname", "vornamen", "geburtsdatum", "strasse", "hausnummer", "plz", "ortsteil", "status", "zuzug", "wegzug"}, kinder},
		{"schueler", []string{"schluessel", "schulnummer", "familienname", "vornamen", "geburtsdatum", "jahrgangsstufe", "status"}, schueler},
		{"planung_schuelerzahlen", []string{"schulnummer", "schuljahr", "jahrgangsstufe", "anzahl"}, zahlen},
		{"planung_kohorten", []string{"schulnummer", "schuljahr", "anzahl"}, kohorten},
	} {
		if _, err := pool.CopyFrom(ctx, pgx.Identifier{c.table}, c.cols, pgx.CopyFromRows(c.rows)); err != nil {
			t.Fatal(c.table, err)
		}
	}

	bezirke := postgres.NewSchulbezirkStore(pool, nil)
	regeln := map[string]einschulung.Regel{
		"gesetzlich": einschulung.GesetzlicheRegel(),
		"30.09.":     {Schulpflicht: einschulung.Stichtag{Monat: time.September, Tag: 30}, Vorzeitig: einschulung.Stichtag{Monat: time.December, Tag: 31}},
		"28.02.":     {Schulpflicht: einschulung.Stichtag{Monat: time.February, Tag: 28}, Vorzeitig: einschulung.Stichtag{Monat: time.June, Tag: 30}},
	}
	for name, regel := range regeln {
		for _, heute := range []time.Time{time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC), time.Date(2027, 7, 31, 0, 0, 0, 0, time.UTC), time.Date(2027, 8, 1, 0, 0, 0, 0, time.UTC)} {
			now := func() time.Time { return heute }
			t0 := time.Now()
			alt, err := postgres.NewAlterPlanungStore(pool, bezirke, regel, now).Daten(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t1 := time.Now()
			neu, err := planung.NewService(postgres.NewPlanungStore(pool), bezirke, regel).WithNow(now).Daten(ctx)
			if err != nil {
				t.Fatal(err)
			}
			t.Logf("%s, %s: old %v, new %v (%d residents)", name, heute.Format(time.DateOnly), t1.Sub(t0), time.Since(t1), len(kinder))
			byKey := func(a, b planung.Kohorte) int {
				return cmp.Or(cmp.Compare(a.Schulnummer, b.Schulnummer), cmp.Compare(a.Schuljahr, b.Schuljahr))
			}
			slices.SortFunc(alt.Kohorten, byKey)
			if !slices.Equal(neu.Kohorten, alt.Kohorten) {
				t.Errorf("%s, %s: cohorts\n new %v\n old %v", name, heute.Format(time.DateOnly), neu.Kohorten, alt.Kohorten)
			}
			if !slices.Equal(neu.Schueler, alt.Schueler) {
				t.Errorf("%s, %s: pupils\n new %v\n old %v", name, heute.Format(time.DateOnly), neu.Schueler, alt.Schueler)
			}
			if !slices.Equal(neu.Schulen, alt.Schulen) {
				t.Errorf("%s, %s: schools\n new %v\n old %v", name, heute.Format(time.DateOnly), neu.Schulen, alt.Schulen)
			}
			// Not trivially equal: every Bezirk has derived cohorts and the
			// current year's live counts.
			jahr := heute.Year() - 1
			if heute.Month() >= time.August {
				jahr = heute.Year()
			}
			for _, nr := range []string{"20101", "20102", "20103", "20104", "20105", "20106"} {
				if !slices.ContainsFunc(neu.Kohorten, func(k planung.Kohorte) bool { return k.Schulnummer == nr && k.Schuljahr == 2030 && k.Anzahl > 0 }) {
					t.Errorf("%s: no cohort 2030/31 in Bezirk %s", name, nr)
				}
				if !slices.ContainsFunc(neu.Schueler, func(z planung.Zahl) bool { return z.Schulnummer == nr && z.Schuljahr == jahr && z.Anzahl > 0 }) {
					t.Errorf("%s: no pupils of %d at %s", name, jahr, nr)
				}
			}
		}
	}
}

package bench

import (
	"context"
	"fmt"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// seedCity writes a city into the database: 8 Grundschulen, a street
// directory of 1,000 streets (2,000 rows of every kind: whole streets,
// parity, open ends, suffix rows, a re-drawn Bezirk, PLZ), a register of
// cohort children plus twice as many of other years, and Meldungen for a
// third of the cohort and for deferrals of last year.
func seedCity(b *testing.B, pool *pgxpool.Pool, cohort int) {
	ctx := context.Background()
	for i := range 8 {
		if _, err := pool.Exec(ctx, `INSERT INTO schulen (schulnummer, name, schulform, zuege, klassenfrequenz) VALUES ($1, $2, 'grundschule', 3, 24)`,
			fmt.Sprint(20101+i), fmt.Sprintf("Grundschule %d", i+1)); err != nil {
			b.Fatal(err)
		}
	}
	school := func(i int) string { return fmt.Sprint(20101 + i%8) }
	var regeln [][]any
	rule := func(strasse string, von, bis any, paritaet, zv, zb, plz string, s int, ab any) {
		regeln = append(regeln, []any{fmt.Sprintf("r%d", len(regeln)), strasse, von, bis, paritaet, zv, zb, plz, school(s), ab})
	}
	for s := range 1000 {
		name := fmt.Sprintf("Straße %d", s)
		switch s % 4 {
		case 0:
			rule(name, nil, nil, "alle", "", "", "", s, nil)
			rule(name, nil, nil, "alle", "", "", "", s+1, 2027)
		case 1:
			rule(name, 1, 99, "ungerade", "", "", "", s, nil)
			rule(name, 2, 98, "gerade", "", "", "", s+1, nil)
		case 2:
			rule(name, 1, 39, "alle", "", "", "", s, nil)
			rule(name, 40, nil, "alle", "", "", "", s+2, nil)
			rule(name, 7, 7, "alle", "a", "f", "", s+3, nil)
		case 3:
			rule(name, nil, nil, "alle", "", "", "06108", s, nil)
			rule(name, nil, nil, "alle", "", "", "06110", s+1, nil)
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"bezirksregeln"},
		[]string{"schluessel", "strasse", "hausnummer_von", "hausnummer_bis", "paritaet", "zusatz_von", "zusatz_bis", "plz", "schulnummer", "gueltig_ab"},
		pgx.CopyFromRows(regeln)); err != nil {
		b.Fatal(err)
	}
	spelling := []string{"Straße %d", "Strasse %d", "Str. %d", "STRASSE %d"}
	var kinder, meldungen [][]any
	first := time.Date(2020, 7, 2, 0, 0, 0, 0, time.UTC) // the cohort of 2027/28
	for i := range 3 * cohort {
		born := first.AddDate(0, 0, i%365)
		switch i % 3 {
		case 1:
			born = born.AddDate(-1, 0, 0) // last year's
		case 2:
			born = born.AddDate(-3, 0, 0) // at school already
		}
		hnr := fmt.Sprint(1 + i%120)
		if i%9 == 0 {
			hnr = "7 C"
		}
		key := fmt.Sprintf("om:%d", i)
		kinder = append(kinder, []any{key, fmt.Sprint(i), familien[i%len(familien)], vornamen[(i/16)%len(vornamen)], born, []string{"m", "w", "d"}[i%3],
			fmt.Sprintf(spelling[i%4], (i*7919)%1000), hnr, []string{"06108", "06110"}[i%2], "Musterstadt", i%50 == 0})
		switch {
		case i%3 == 0 && i%9 == 3:
			meldungen = append(meldungen, []any{2027, key, "anmeldung", school(i), ""})
		case i%3 == 1 && i%30 == 1:
			meldungen = append(meldungen, []any{2026, key, "zurueckstellung", "", "genehmigt"})
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"kinder"},
		[]string{"schluessel", "ordnungsmerkmal", "familienname", "vornamen", "geburtsdatum", "geschlecht", "strasse", "hausnummer", "plz", "ort", "auskunftssperre"},
		pgx.CopyFromRows(kinder)); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"einschulung_meldungen"}, []string{"schuljahr", "kind", "typ", "schulnummer", "entscheidung"},
		pgx.CopyFromRows(meldungen)); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE"); err != nil {
		b.Fatal(err)
	}
}

// BenchmarkKohorte computes the Einschulung cohort of 2027/28 – 3,000
// regular children and 300 deferred last year – with the responsible school
// of each, end to end: register, directory, schools and Meldungen read
// from PostgreSQL, the directory compiled (no cache), every address looked
// up, ids derived, statuses set. The issue asks for under 1 s.
func BenchmarkKohorte(b *testing.B) {
	const cohort = 3000
	pool := pgtest.Pool(b)
	seedCity(b, pool, cohort)
	ps, err := einschulung.NewPseudonymizer([]byte("bench key, at least thirty-two bytes"))
	if err != nil {
		b.Fatal(err)
	}
	svc := einschulung.NewService(postgres.NewEinschulungStore(pool), postgres.NewSchulbezirkStore(pool, nil),
		schule.NewService(postgres.NewSchulenStore(pool, nil)), einschulung.GesetzlicheRegel(), ps)
	ctx := context.Background()
	sj := werte.NewSchuljahr(2027)
	b.ResetTimer()
	for b.Loop() {
		k, err := svc.Kohorte(ctx, sj)
		if err != nil {
			b.Fatal(err)
		}
		placed := 0
		for _, e := range k.Eintraege {
			if e.Schulnummer != "" {
				placed++
			}
		}
		if len(k.Eintraege) != cohort+cohort/10 || placed < len(k.Eintraege)*9/10 {
			b.Fatalf("cohort of %d, %d placed", len(k.Eintraege), placed)
		}
	}
	b.ReportMetric(b.Elapsed().Seconds()*1000/float64(b.N), "ms/cohort")
}

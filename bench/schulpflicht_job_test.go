package bench

import (
	"context"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/schulpflicht"
)

// BenchmarkSchulpflichtJob runs the whole reconciliation job as the worker
// does, from PostgreSQL to PostgreSQL: about 50,000 registered children of
// full-time compulsory age (a generated population born 2010–2020, of which
// the nine school years of 2026/27 count) against about 61,000 pupils,
// then writing one line per child by COPY and the cases. It reports the
// residents, the decisions, the precision of auto against the generated
// truth (read back from the stored lines), and the process's peak RSS
// during the runs (the generated population itself included).
func BenchmarkSchulpflichtJob(b *testing.B) {
	ctx := context.Background()
	pool := pgtest.Pool(b)
	pop := schulpflicht.ErzeugePopulation(61200, 1)
	kinder := make([][]any, len(pop.Residents))
	for i, r := range pop.Residents {
		kinder[i] = []any{"pop:" + r.ID, r.Ordnungsmerkmal, r.Familienname, r.Vornamen, nilIfEmpty(r.Rufname), r.Geburtsdatum,
			nilIfEmpty(r.Geschlecht), r.Strasse, r.Hausnummer, nilIfEmpty(r.PLZ)}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"kinder"},
		[]string{"schluessel", "ordnungsmerkmal", "familienname", "vornamen", "rufname", "geburtsdatum", "geschlecht", "strasse", "hausnummer", "plz"},
		pgx.CopyFromRows(kinder)); err != nil {
		b.Fatal(err)
	}
	schueler := make([][]any, len(pop.Pupils))
	for i, p := range pop.Pupils {
		schueler[i] = []any{"pop:" + p.ID, p.Schulnummer, nilIfEmpty(p.Schuelernummer), p.Familienname, p.Vornamen, p.Geburtsdatum,
			nilIfEmpty(p.Geschlecht), 5, nilIfEmpty(p.Strasse), nilIfEmpty(p.Hausnummer), nilIfEmpty(p.PLZ)}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"schueler"},
		[]string{"schluessel", "schulnummer", "schuelernummer", "familienname", "vornamen", "geburtsdatum", "geschlecht", "jahrgangsstufe", "strasse", "hausnummer", "plz"},
		pgx.CopyFromRows(schueler)); err != nil {
		b.Fatal(err)
	}
	if _, err := pool.Exec(ctx, "ANALYZE kinder; ANALYZE schueler"); err != nil {
		b.Fatal(err)
	}
	store := postgres.NewSchulpflichtStore(pool)
	svc := schulpflicht.NewService(store, schulpflicht.GesetzlicheSpanne(), schulpflicht.StandardKonfiguration(), nil)

	var last schulpflicht.Anzahl
	var id string
	resetPeak()
	b.ResetTimer()
	for range b.N {
		a, err := svc.Starte(ctx, "2026-09-15", "bench", true)
		if err != nil {
			b.Fatal(err)
		}
		start := time.Now()
		if last, err = svc.Fuehre(ctx, a.ID); err != nil {
			b.Fatal(err)
		}
		b.Logf("job %s: %d residents, %d pupils, %v", a.ID, last.Residents, len(pop.Pupils), time.Since(start).Round(time.Millisecond))
		id = a.ID
	}
	b.StopTimer()

	// Precision of auto, from what the job stored.
	rows, err := pool.Query(ctx, `SELECT k.schluessel, s.schluessel FROM abgleich_zuordnungen z
		JOIN kinder k ON k.id = z.kind_id JOIN schueler s ON s.id = z.pupil_ref
		WHERE z.abgleich_id = $1 AND z.entscheidung = 'auto'`, id)
	if err != nil {
		b.Fatal(err)
	}
	var rk, sk string
	richtig, auto := 0, 0
	if _, err := pgx.ForEachRow(rows, []any{&rk, &sk}, func() error {
		auto++
		if pop.Wahrheit[strings.TrimPrefix(rk, "pop:")] == strings.TrimPrefix(sk, "pop:") {
			richtig++
		}
		return nil
	}); err != nil {
		b.Fatal(err)
	}
	b.ReportMetric(float64(last.Residents), "residents")
	b.ReportMetric(float64(len(pop.Pupils)), "pupils")
	b.ReportMetric(float64(last.Auto), "auto")
	b.ReportMetric(float64(last.Review), "review")
	b.ReportMetric(float64(last.Keine), "none")
	if auto > 0 {
		b.ReportMetric(float64(richtig)/float64(auto), "precision_auto")
		b.ReportMetric(float64(auto-richtig), "wrong_auto")
	}
	b.ReportMetric(peakRSS(), "peak_RSS_MB")
}

func nilIfEmpty(s string) any {
	if s == "" {
		return nil
	}
	return s
}

package main

import (
	"context"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/planung"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/schulpflicht"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// The demo city as a newcomer meets it after make run: every page has
// work to show, and seeding again changes nothing at all.
func TestSeedDemoCity(t *testing.T) {
	t.Parallel() // own database; a full seed takes a while under -race
	url := pgtest.URL(t)
	vars := map[string]string{"DATABASE_URL": url, "SCHULGATEWAY_DEV": "true"}
	getenv := func(k string) string { return vars[k] }
	ctx := context.Background()
	var out, errOut syncBuffer
	if err := run(ctx, []string{"seed-demo"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("seed-demo: %v (%s)", err, errOut.String())
	}
	pool, err := pgxpool.New(ctx, url)
	if err != nil {
		t.Fatal(err)
	}
	defer pool.Close()
	cfg, err := loadConfig(getenv)
	if err != nil {
		t.Fatal(err)
	}
	count := func(q string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, q, args...).Scan(&n); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
		return n
	}

	// Register and pupil lists, loaded through the import.
	if n := count(`SELECT count(*) FROM kinder WHERE status = 'gemeldet'`); n < 2500 || n > 4000 {
		t.Errorf("register has %d children, want a few thousand", n)
	}
	if n := count(`SELECT count(*) FROM kinder WHERE auskunftssperre`); n == 0 {
		t.Error("no child with an Auskunftssperre")
	}
	if n := count(`SELECT count(*) FROM imports WHERE created_by = 'seed-demo' AND status <> 'succeeded'`); n > 0 {
		t.Errorf("%d demo imports did not succeed", n)
	}
	schulen, _ := schule.NewService(postgres.NewSchulenStore(pool, nil)).List(ctx)
	for _, s := range schulen {
		if n := count(`SELECT count(*) FROM schueler WHERE schulnummer = $1 AND status = 'aktiv'`, s.Schulnummer); n < 20 {
			t.Errorf("school %s has %d pupils on its list", s.Schulnummer, n)
		}
	}
	if n := count(`SELECT count(*) FROM schueler WHERE ort <> 'Musterstadt'`); n == 0 {
		t.Error("no pupil lives outside the city")
	}
	if n := count(`SELECT count(*) FROM schueler WHERE schuelernummer IS NULL`); n == 0 {
		t.Error("every pupil has a Schülernummer; lists usually lack some")
	}
	// Children of compulsory age (7 to 14 on 1 September) on no list: no
	// pupil with their birth date and family name.
	sj := werte.SchuljahrAt(time.Now()).StartYear()
	if n := count(`SELECT count(*) FROM kinder k WHERE geburtsdatum BETWEEN make_date($1 - 14, 9, 1) AND make_date($1 - 7, 9, 1)
		AND NOT EXISTS (SELECT 1 FROM schueler s WHERE s.geburtsdatum = k.geburtsdatum AND s.familienname = k.familienname)`, sj); n < 10 {
		t.Errorf("%d children of school age are on no pupil list under their register name; want some (Schulpflicht cases, spelling variants)", n)
	}

	// Einschulung of the next school year: a cohort at every Grundschule,
	// and every kind of status.
	naechstes := werte.NewSchuljahr(sj + 1)
	es := einschulung.NewService(postgres.NewEinschulungStore(pool), postgres.NewSchulbezirkStore(pool, nil),
		schule.NewService(postgres.NewSchulenStore(pool, nil)), cfg.Einschulung, mustPseudonymizer(t, cfg.PseudonymKey))
	u, err := es.Uebersicht(ctx, naechstes)
	if err != nil {
		t.Fatal(err)
	}
	status := map[einschulung.Status]int{}
	for _, z := range u.Schulen {
		t.Logf("Einschulung %s, %s: %d erwartet (Nachfrage), %v", naechstes, z.Schule.Schulnummer, z.Nachfrage, z.Anzahl)
		if z.Schule.Schulform == schule.Grundschule && z.Nachfrage == 0 {
			t.Errorf("Einschulung %s: no child expected at %s", naechstes, z.Schule.Schulnummer)
		}
		for st, n := range z.Anzahl {
			status[st] += n
		}
	}
	t.Logf("Einschulung %s: %d children, %d without a responsible Grundschule", naechstes, u.Kinder, u.OhneSchule)
	if len(u.Schulen) < 6 || u.Kinder < 150 || u.OhneSchule == 0 {
		t.Errorf("Einschulung %s: %d schools, %d children, %d without a Grundschule", naechstes, len(u.Schulen), u.Kinder, u.OhneSchule)
	}
	for _, st := range []einschulung.Status{einschulung.StatusErwartet, einschulung.StatusAngemeldet, einschulung.StatusAufgenommen,
		einschulung.StatusZurueckgestellt, einschulung.StatusVorzeitig, einschulung.StatusAbgemeldet, einschulung.StatusFreieSchule} {
		if status[st] == 0 {
			t.Errorf("Einschulung %s: no child with status %s (%v)", naechstes, st, status)
		}
	}
	if n := count(`SELECT count(*) FROM einschulung_meldungen WHERE typ = 'gastschulantrag'`); n < 3 {
		t.Errorf("%d Gastschulanträge", n)
	}
	if n := count(`SELECT count(DISTINCT bewegung) FROM schulwechsel`); n != 4 {
		t.Errorf("Schulwechsel of %d kinds, want innerhalb, zuzug, wegzug, abgang", n)
	}

	// Planning: ten school years of history and the current one, and a
	// forecast with flags.
	if n := count(`SELECT count(DISTINCT schuljahr) FROM planung_schuelerzahlen`); n != 10 {
		t.Errorf("planning history has %d school years, want 10", n)
	}
	if n := count(`SELECT count(DISTINCT schuljahr) FROM planung_kohorten`); n != 10 {
		t.Errorf("planning cohorts have %d school years, want 10", n)
	}
	p, err := planungService(postgres.NewPlanungStore(pool), postgres.NewSchulbezirkStore(pool, nil), cfg).Prognose(ctx, planung.Parameter{})
	if err != nil {
		t.Fatal(err)
	}
	flags := map[string]bool{}
	for _, s := range p.Schulen {
		for f := range s.Erstmals {
			flags[f] = true
		}
	}
	t.Logf("forecast %d–%d, flags %v", p.Ab, p.Bis, flags)
	for _, f := range []string{planung.FlagUnterMindest, planung.FlagEingangUnterMindest, planung.FlagZugUeberKapazitaet} {
		if !flags[f] {
			t.Errorf("forecast %d–%d has no flag %s (flags: %v)", p.Ab, p.Bis, f, flags)
		}
	}
	if p.Ab != sj+1 {
		t.Errorf("forecast starts %d, want %d (the current year counted from the pupil lists)", p.Ab, sj+1)
	}

	// Schulpflicht: one run with items to review and open cases.
	sp := schulpflicht.NewService(postgres.NewSchulpflichtStore(pool), schulpflicht.Spanne{Regel: cfg.Einschulung, Jahre: cfg.SchulpflichtJahre}, cfg.Schulpflicht, nil)
	var id string
	if err := pool.QueryRow(ctx, `SELECT id FROM abgleiche`).Scan(&id); err != nil {
		t.Fatal(err)
	}
	a, err := sp.Abgleich(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	t.Logf("reconciliation %s: %+v", a.Stichtag.Format(time.DateOnly), a.Anzahl)
	if a.Status != schulpflicht.StatusSucceeded || a.Anzahl.Review == 0 || a.Anzahl.Keine == 0 || a.Anzahl.Auto < a.Anzahl.Residents*9/10 {
		t.Errorf("reconciliation: %+v", a)
	}
	if n := count(`SELECT count(*) FROM faelle WHERE status = 'offen'`); n == 0 {
		t.Error("no open Schulpflicht case")
	}
	if strings.Contains(out.String(), "Musterstadt_") || containsAnyName(t, pool, out.String()) {
		t.Errorf("seed-demo output names a person or a file: %s", out.String())
	}

	// A second run changes nothing: every row of every table as it was,
	// ids and times included.
	before := snapshot(t, pool)
	out = syncBuffer{}
	if err := run(ctx, []string{"seed-demo"}, getenv, &out, &errOut); err != nil {
		t.Fatalf("second seed-demo: %v (%s)", err, errOut.String())
	}
	after := snapshot(t, pool)
	for table, h := range before {
		if after[table] != h {
			t.Errorf("second seed-demo changed table %s", table)
		}
	}
	if !strings.Contains(out.String(), "nichts geändert") {
		t.Errorf("second seed-demo says: %s", out.String())
	}
}

func mustPseudonymizer(t *testing.T, key []byte) einschulung.Pseudonymizer {
	ps, err := einschulung.NewPseudonymizer(key)
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

// snapshot hashes every row of the tables seed-demo writes.
func snapshot(t *testing.T, pool *pgxpool.Pool) map[string]string {
	t.Helper()
	out := map[string]string{}
	for _, table := range []string{"schulen", "bezirksregeln", "kinder", "schueler", "bestaetigungen", "imports", "import_changes",
		"einschulung_meldungen", "schulwechsel", "offene_abgaenge", "planung_schuelerzahlen", "planung_kohorten",
		"abgleiche", "abgleich_zuordnungen", "faelle", "fall_historie", "change_feed"} {
		var h string
		if err := pool.QueryRow(context.Background(), `SELECT count(*) || ':' || coalesce(md5(string_agg(t::text, '|' ORDER BY t::text)), '') FROM `+table+` t`).Scan(&h); err != nil {
			t.Fatalf("%s: %v", table, err)
		}
		out[table] = h
	}
	return out
}

// containsAnyName reports whether s holds a family name of the register.
func containsAnyName(t *testing.T, pool *pgxpool.Pool, s string) bool {
	t.Helper()
	rows, err := pool.Query(context.Background(), `SELECT DISTINCT familienname FROM kinder WHERE length(familienname) > 3`)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for rows.Next() {
		var n string
		if err := rows.Scan(&n); err != nil {
			t.Fatal(err)
		}
		names = append(names, n)
	}
	return slices.ContainsFunc(names, func(n string) bool { return strings.Contains(s, n) })
}

// A demo database made in one school year keeps its city in the next:
// loading the new year's city over it would move every child away.
func TestSeedDemoKeepsTheCityOfItsSchoolYear(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	cfg, err := loadConfig(func(k string) string { return map[string]string{"SCHULGATEWAY_DEV": "true"}[k] })
	if err != nil {
		t.Fatal(err)
	}
	seed := func(now time.Time) postgres.DemoErgebnis {
		t.Helper()
		e, err := postgres.SeedDemo(context.Background(), pool, postgres.DemoOptionen{
			Open: cfg.Uploads.Open, Encode: xschule.Encode, Pseudonymizer: mustPseudonymizer(t, cfg.PseudonymKey),
			Einschulung: cfg.Einschulung, Schulpflicht: cfg.Schulpflicht, SchulpflichtJahre: cfg.SchulpflichtJahre,
			SchulwechselFrist: cfg.SchulwechselFrist, Now: now,
		})
		if err != nil {
			t.Fatal(err)
		}
		return e
	}
	first := seed(time.Date(2025, 10, 1, 12, 0, 0, 0, time.UTC))
	if first.Stadt.Schuljahr != 2025 || first.Frueheres || !first.Geaendert() || first.Abgleich == nil {
		t.Fatalf("first seed: year %d, earlier %v, changed %v", first.Stadt.Schuljahr, first.Frueheres, first.Geaendert())
	}
	if first.Abgleich.Review == 0 || first.Abgleich.Keine == 0 {
		t.Errorf("reconciliation of 2025/26: %+v", *first.Abgleich)
	}
	next := seed(time.Date(2026, 8, 3, 12, 0, 0, 0, time.UTC))
	if next.Stadt.Schuljahr != 2025 || !next.Frueheres || next.Geaendert() {
		t.Errorf("seed in the next school year: year %d, earlier %v, changed %v", next.Stadt.Schuljahr, next.Frueheres, next.Geaendert())
	}
}

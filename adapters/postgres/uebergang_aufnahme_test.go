package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/schule"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// The Schulwechsel admissions are part of the confirming transaction: when
// one cannot be written, the run stays unconfirmed and neither the feed nor
// the Schulwechsel have anything. Written, an admission closes the child's
// open departure from its Grundschule (as every admission does); a decline
// withdraws it and opens the departure again, and the child moving up is
// admitted and its departure closed.
func TestUebergangAufnahmeInDerBestaetigung(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	exec := zweiKinderEinPlatz(t, pool)
	for _, n := range zweiKinder {
		// Each leaves the Grundschule on 31 July without an admission known yet.
		var id string
		if err := pool.QueryRow(ctx, `INSERT INTO schulwechsel (format, nachricht, bewegung, personenschluessel, created_by)
			VALUES ('json', '{}', 'abgang', $1, 'test') RETURNING id::text`, sw.Personenschluessel(n[0], n[1], mustDate(t, "2016-05-01"))).Scan(&id); err != nil {
			t.Fatal(err)
		}
		exec(`INSERT INTO offene_abgaenge (schulwechsel_id, personenschluessel, familienname, vornamen, geburtsdatum, schule, abgangsdatum, frist)
			VALUES ($1, $2, $3, $4, '2016-05-01', '20101', '2027-07-31', '2027-08-14')`, id, sw.Personenschluessel(n[0], n[1], mustDate(t, "2016-05-01")), n[0], n[1])
	}
	schulen := schule.NewService(postgres.NewSchulenStore(pool, nil))
	sj := werte.NewSchuljahr(2027)
	zaehle := func(sql string, args ...any) int {
		t.Helper()
		var n int
		if err := pool.QueryRow(ctx, sql, args...).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}

	kaputt := uebergang.NewService(postgres.NewUebergangStore(pool).WithAufnahmen(func(*sw.Schulwechsel) ([]byte, error) {
		return nil, errors.New("kein Encoder")
	}), schulen, 0)
	l, err := kaputt.Verteile(ctx, sj, uebergang.Erstwunsch, "")
	if err != nil {
		t.Fatal(err)
	}
	if _, err := kaputt.Bestaetige(ctx, sj, l.ID, "amt"); err == nil {
		t.Fatal("confirmed although its Schulwechsel admission could not be written")
	}
	if n := zaehle(`SELECT count(*) FROM uebergang_laeufe WHERE status = 'bestaetigt'`) + zaehle(`SELECT count(*) FROM change_feed_eintraege`) +
		zaehle(`SELECT count(*) FROM schulwechsel WHERE bewegung = 'uebergang'`); n != 0 {
		t.Fatalf("a failed confirmation left %d rows", n)
	}

	var modelle []*sw.Schulwechsel
	svc := uebergang.NewService(postgres.NewUebergangStore(pool).WithAufnahmen(func(w *sw.Schulwechsel) ([]byte, error) {
		modelle = append(modelle, w)
		return []byte("<nachricht/>"), nil
	}), schulen, 0)
	if _, err := svc.Bestaetige(ctx, sj, l.ID, "amt"); err != nil {
		t.Fatal(err)
	}
	if len(modelle) != 1 || modelle[0].Aufnahme.Schule.Schulnummern()[0] != "40001" || modelle[0].BisherigeSchule.Schule.Schulnummern()[0] != "20101" {
		t.Fatalf("admissions written: %+v", modelle)
	}
	erster, zweiter := "Adler", "Berg"
	if modelle[0].Schueler.Name.Familienname.Name == "Berg" {
		erster, zweiter = zweiter, erster
	}
	offen := func(name string) bool {
		return zaehle(`SELECT count(*) FROM offene_abgaenge WHERE familienname = $1 AND geschlossen_durch IS NULL`, name) == 1
	}
	if offen(erster) || !offen(zweiter) {
		t.Errorf("after confirming: departure of the admitted %s open %v, of %s open %v", erster, offen(erster), zweiter, offen(zweiter))
	}
	if n := zaehle(`SELECT count(*) FROM schulwechsel WHERE bewegung = 'uebergang' AND created_by = 'amt' AND aufnahmedatum = '2027-08-01'`); n != 1 {
		t.Errorf("%d Übergang admissions, want 1", n)
	}

	var anmeldung string
	if err := pool.QueryRow(ctx, `SELECT a.id::text FROM uebergang_anmeldungen a JOIN kinder k ON k.schluessel = a.kind WHERE k.familienname = $1`, erster).Scan(&anmeldung); err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Absage(ctx, sj, l.ID, anmeldung, "amt"); err != nil {
		t.Fatal(err)
	}
	if !offen(erster) || offen(zweiter) {
		t.Errorf("after the decline: departure of %s open %v (want open again), of %s open %v (want closed)", erster, offen(erster), zweiter, offen(zweiter))
	}
	if n := zaehle(`SELECT count(*) FROM schulwechsel WHERE bewegung = 'uebergang' AND zurueckgenommen_am IS NOT NULL`); n != 1 {
		t.Errorf("%d withdrawn admissions, want 1", n)
	}
	if len(modelle) != 2 || modelle[1].Schueler.Name.Familienname.Name != zweiter {
		t.Errorf("the child moving up is not admitted: %d admissions written", len(modelle))
	}
}

func mustDate(t *testing.T, s string) time.Time {
	t.Helper()
	d, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t.Fatal(err)
	}
	return d
}

// zweiKinder are the two children of zweiKinderEinPlatz, by register key.
var zweiKinder = map[string][2]string{"om:A": {"Adler", "Anna"}, "om:B": {"Berg", "Ben"}}

// zweiKinderEinPlatz stores a Gymnasium with one place for 2027/28 and the
// two zweiKinder of a Grundschule who both wish for it, and returns a
// statement runner on pool.
func zweiKinderEinPlatz(t *testing.T, pool *pgxpool.Pool) func(sql string, args ...any) {
	exec := func(sql string, args ...any) {
		t.Helper()
		if _, err := pool.Exec(context.Background(), sql, args...); err != nil {
			t.Fatal(err)
		}
	}
	exec(`INSERT INTO schulen (schulnummer, name, schulform) VALUES ('40001', 'Gymnasium', 'gymnasium'), ('20101', 'Grundschule', 'grundschule')`)
	exec(`INSERT INTO uebergang_kapazitaeten (schuljahr, schulnummer, plaetze) VALUES (2027, '40001', 1)`)
	for key, n := range zweiKinder {
		exec(`INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer) VALUES ($1, $2, $3, '2016-05-01', 'Weg', '1')`, key, n[0], n[1])
		exec(`INSERT INTO uebergang_anmeldungen (schuljahr, kind, grundschule, wuensche) VALUES (2027, $1, '20101', '{40001}')`, key)
	}
	return exec
}

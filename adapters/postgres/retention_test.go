package postgres_test

import (
	"context"
	"errors"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/aufbewahrung"
	"github.com/schulgateway/schulgateway/internal/untersuchung"
)

func TestRetentionAnonymisesRemovesAndSaysSo(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	im := newImporter(t)
	lena := []string{"1001", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "06108"}
	tom := []string{"1002", "Schmidt", "Tom", "2020-07-01", "Am Anger", "3a", "06108"}
	first := im.run("melderegister", "", false, register(lena, tom))
	second := im.confirmed("melderegister", 1, register(lena)) // Tom moved away (1 of 2: confirmed)
	if second.Counts.Removed != 1 {
		t.Fatalf("second snapshot: %+v", second.Counts)
	}
	audits := postgres.NewAuditStore(im.pool)
	bereinigen := func(f aufbewahrung.Fristen) *aufbewahrung.Service {
		return aufbewahrung.NewService(postgres.NewAufbewahrungStore(im.pool, audits), f)
	}

	// Today nothing is due.
	a := aufbewahrung.Fristen{Melderegister: 365 * 24 * time.Hour, Importe: 90 * 24 * time.Hour, Faelle: 365 * 24 * time.Hour, Protokoll: 730 * 24 * time.Hour}
	b, ran, err := bereinigen(a).Bereinigen(ctx, time.Now())
	if err != nil || !ran || b != (aufbewahrung.Bereinigt{}) {
		t.Fatalf("nothing due: %+v %v %v", b, ran, err)
	}
	// Two years on, the register and the imports are due (the audit
	// entries are left for this step, so that its own entry can be read).
	later := time.Now().AddDate(2, 0, 1)
	keepAudit := a
	keepAudit.Protokoll = 0
	b, ran, err = bereinigen(keepAudit).Bereinigen(ctx, later)
	if err != nil || !ran {
		t.Fatal(err)
	}
	if b.KinderAnonymisiert != 1 || b.ImporteBereinigt != 2 {
		t.Errorf("removed: %+v", b)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE familienname = 'anonymisiert' AND vornamen = '' AND ordnungsmerkmal IS NULL
		AND strasse = '' AND geburtsdatum = '2020-07-01' AND status = 'weggezogen'`); n != 1 {
		t.Errorf("Tom is not anonymised (month of birth kept): %d", n)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE familienname = 'Müller' AND status = 'gemeldet'`); n != 1 {
		t.Error("Lena, still resident, was touched")
	}
	if n := im.count(`SELECT count(*) FROM import_changes`) + im.count(`SELECT count(*) FROM import_file_parts`); n != 0 {
		t.Errorf("%d files or before-images left", n)
	}
	if _, err := im.store.File(ctx, first.ID); !isKind(err, apperr.ClassNotFound) {
		t.Errorf("file after retention: %v", err)
	}
	if err := im.store.Undo(ctx, second.ID); !isKind(err, apperr.ClassConflict) {
		t.Errorf("undo after retention: %v", err)
	}
	// The run is in the audit trail, with what it did.
	if n := im.count(`SELECT count(*) FROM audit_log WHERE operation = 'aufbewahrung' AND detail LIKE 'Kinder anonymisiert 1, Importdateien gelöscht 2, erledigte Fälle gelöscht 0%'`); n != 1 {
		t.Errorf("retention run not audited: %d", n)
	}
	// A second run finds nothing more.
	if b, _, err := bereinigen(keepAudit).Bereinigen(ctx, later); err != nil || b.KinderAnonymisiert+b.ImporteBereinigt != 0 {
		t.Errorf("second run: %+v %v", b, err)
	}
	// Audit entries age out too, and the chain still holds.
	b, _, err = bereinigen(a).Bereinigen(ctx, time.Now().AddDate(3, 0, 0))
	if err != nil || b.ProtokollGeloescht == 0 {
		t.Errorf("audit retention: %+v %v", b, err)
	}
	if _, bruch, err := audits.Verify(ctx); err != nil || bruch != nil {
		t.Errorf("chain after retention: %+v %v", bruch, err)
	}
}

func isKind(err error, k apperr.Class) bool {
	var e *apperr.Error
	return errors.As(err, &e) && e.Class == k
}

// The outcomes of the Schuleingangsuntersuchung go with their cohort: a
// school year's outcomes once the period after its start has passed, the
// later cohorts' stay.
func TestRetentionDeletesOutcomesOfPastCohorts(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	pool := pgtest.Pool(t)
	store := postgres.NewUntersuchungStore(pool)
	for _, u := range []untersuchung.Untersuchung{
		{Schuljahr: 2026, KindID: "a", Ergebnis: untersuchung.NichtErschienen},
		{Schuljahr: 2027, KindID: "a", Ergebnis: untersuchung.Untersucht},
		{Schuljahr: 2027, KindID: "b", Ergebnis: untersuchung.FoerderbedarfPruefen},
		{Schuljahr: 2028, KindID: "c", Ergebnis: untersuchung.ZurueckstellungPruefen},
	} {
		u.UntersuchtAm, u.CreatedBy = time.Date(u.Schuljahr-1, 11, 2, 0, 0, 0, 0, time.UTC), "test"
		if _, err := store.Save(ctx, u); err != nil {
			t.Fatal(err)
		}
	}
	svc := aufbewahrung.NewService(postgres.NewAufbewahrungStore(pool, postgres.NewAuditStore(pool)), aufbewahrung.Fristen{Untersuchungen: 365 * 24 * time.Hour})
	// 2 August 2028: 2027-28 began more than 365 days ago, 2028-29 yesterday.
	b, ran, err := svc.Bereinigen(ctx, time.Date(2028, 8, 2, 12, 0, 0, 0, time.UTC))
	if err != nil || !ran || b.UntersuchungenGeloescht != 3 {
		t.Fatalf("deleted %+v (%v %v), want the 3 outcomes of 2026-27 and 2027-28", b, ran, err)
	}
	left, err := store.List(ctx, 2028)
	if err != nil || len(left) != 1 {
		t.Errorf("2028-29 outcomes left: %v %v", left, err)
	}
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM audit_log WHERE operation = 'aufbewahrung' AND detail LIKE '%Untersuchungsergebnisse gelöscht 3'`).Scan(&n); err != nil || n != 1 {
		t.Errorf("retention of outcomes not audited: %d %v", n, err)
	}
}

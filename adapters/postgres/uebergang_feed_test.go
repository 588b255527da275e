package postgres_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Confirming a run feeds one entry per admitted child to the BMS, in the
// confirming transaction, naming the child by its pseudonym only; confirming
// again, or another run of the year (409), adds nothing.
func TestUebergangBestaetigungFuettertAenderungsprotokoll(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	for i, nr := range []string{"40001", "40002", "40003"} {
		if _, err := pool.Exec(ctx, `INSERT INTO schulen (schulnummer, name, schulform, zuege, klassenfrequenz) VALUES ($1, $2, 'gymnasium', 1, 25)`,
			nr, fmt.Sprintf("Schule %d", i)); err != nil {
			t.Fatal(err)
		}
	}
	var rows [][]any
	for i := range 8 { // everybody wants 40001 first: 2 places each, so 6 admitted, 2 without
		rows = append(rows, []any{2027, fmt.Sprintf("om:K%04d", i), "", []string{"40001", "40002", "40003"}, false, []string{}})
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"uebergang_anmeldungen"}, []string{"schuljahr", "kind", "grundschule", "wuensche", "haertefall", "geschwister"},
		pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
	ps, err := einschulung.NewPseudonymizer([]byte("uebergang feed test key, 32 bytes+"))
	if err != nil {
		t.Fatal(err)
	}
	svc := uebergang.NewService(postgres.NewUebergangStore(pool).WithPseudonym(ps.ID), schule.NewService(postgres.NewSchulenStore(pool, nil)), 0)
	sj := werte.NewSchuljahr(2027)
	for _, nr := range []string{"40001", "40002", "40003"} {
		if _, err := pool.Exec(ctx, `INSERT INTO uebergang_kapazitaeten (schuljahr, schulnummer, plaetze) VALUES (2027, $1, 2)`, nr); err != nil {
			t.Fatal(err)
		}
	}
	l, err := svc.Verteile(ctx, sj, uebergang.DeferredAcceptance, "")
	if err != nil {
		t.Fatal(err)
	}
	andere, err := svc.Verteile(ctx, sj, uebergang.Erstwunsch, "")
	if err != nil {
		t.Fatal(err)
	}
	zaehle := func() int {
		var n int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM change_feed_eintraege WHERE entity = 'uebergang_zuteilung'`).Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := zaehle(); n != 0 {
		t.Fatalf("%d entries before any confirmation", n)
	}
	if _, err := svc.Bestaetige(ctx, sj, l.ID, "schulamt-test"); err != nil {
		t.Fatal(err)
	}

	erwartet := map[string]string{} // application id -> school
	kindVon := map[string]string{}  // application id -> register key
	q, err := pool.Query(ctx, `SELECT z.anmeldung_id::text, coalesce(z.schulnummer, ''), a.kind FROM uebergang_zuteilungen z JOIN uebergang_anmeldungen a ON a.id = z.anmeldung_id WHERE z.lauf_id = $1`, l.ID)
	if err != nil {
		t.Fatal(err)
	}
	var id, nr, kind string
	if _, err := pgx.ForEachRow(q, []any{&id, &nr, &kind}, func() error {
		if nr != "" {
			erwartet[id] = nr
		}
		kindVon[id] = kind
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(erwartet) != 6 {
		t.Fatalf("%d admitted, want 6 (3 schools of 2 places)", len(erwartet))
	}
	q, err = pool.Query(ctx, `SELECT entity_id, operation, natural_key FROM change_feed_eintraege WHERE entity = 'uebergang_zuteilung'`)
	if err != nil {
		t.Fatal(err)
	}
	var op string
	var key map[string]string
	gesehen := map[string]bool{}
	if _, err := pgx.ForEachRow(q, []any{&id, &op, &key}, func() error {
		if gesehen[id] {
			t.Errorf("application %s fed twice", id)
		}
		gesehen[id] = true
		want := map[string]string{"schuljahr": "2027/28", "schulnummer": erwartet[id], "kind_id": ps.ID(kindVon[id])}
		if op != "upsert" || fmt.Sprint(key) != fmt.Sprint(want) || erwartet[id] == "" {
			t.Errorf("entry %s: %s %v, want upsert %v of an admitted child", id, op, key, want)
		}
		for _, v := range key {
			if strings.Contains(v, "om:") || strings.Contains(v, "K000") {
				t.Errorf("entry %s names the register key: %v", id, key)
			}
		}
		return nil
	}); err != nil {
		t.Fatal(err)
	}
	if len(gesehen) != 6 {
		t.Errorf("%d entries, want one per admitted child (6)", len(gesehen))
	}

	if _, err := svc.Bestaetige(ctx, sj, l.ID, "schulamt-test"); err != nil {
		t.Errorf("confirming the confirmed run again: %v", err)
	}
	if _, err := svc.Bestaetige(ctx, sj, andere.ID, "schulamt-test"); apperr.ClassOf(err) != apperr.ClassConflict {
		t.Errorf("confirming a second run of the year: %v, want 409", err)
	}
	if n := zaehle(); n != 6 {
		t.Errorf("%d entries after confirming again, want still 6", n)
	}
}

package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Bestand reads everything the cohort of the years is computed from – the
// children Kinder returns, the Meldungen, the street directory and the
// schools – in one snapshot, and names the snapshot (Stand) for
// Unveraendert (migration 0116).
func (s *EinschulungStore) Bestand(ctx context.Context, von, bis time.Time, schuljahre []werte.Schuljahr) (einschulung.Bestand, error) {
	var b einschulung.Bestand
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{IsoLevel: pgx.RepeatableRead, AccessMode: pgx.ReadOnly}, func(tx pgx.Tx) error {
		// The first statement fixes the transaction's snapshot: this one.
		if err := tx.QueryRow(ctx, `SELECT pg_current_snapshot()::text`).Scan(&b.Stand); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, kohortenKinderSQL, von, bis, jahre(schuljahre))
		if err != nil {
			return err
		}
		if b.Kinder, err = pgx.CollectRows(rows, scanKind); err != nil {
			return err
		}
		rows, err = tx.Query(ctx, `SELECT `+meldungColumns+` FROM einschulung_meldungen WHERE schuljahr = ANY ($1)`, jahre(schuljahre))
		if err != nil {
			return err
		}
		if b.Meldungen, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (einschulung.Meldung, error) { return scanMeldung(r) }); err != nil {
			return err
		}
		// As SchulbezirkStore.Index and SchulenStore.List read them.
		rows, err = tx.Query(ctx, `SELECT `+bezirksregelColumns+` FROM `+bezirksregelnFrom+` ORDER BY r.id`)
		if err != nil {
			return err
		}
		var regeln []schulbezirk.Regel
		if regeln, err = pgx.CollectRows(rows, scanBezirksregel); err != nil {
			return err
		}
		b.Verzeichnis = schulbezirk.NewIndex(regeln)
		rows, err = tx.Query(ctx, "SELECT "+schuleColumns+" FROM schulen ORDER BY schulnummer")
		if err != nil {
			return err
		}
		b.Schulen, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (schule.Schule, error) { return scanSchule(r) })
		return err
	})
	if err != nil {
		return einschulung.Bestand{}, storeErr("load cohort", err)
	}
	if err := s.aenderungenKuerzen(ctx, b.Stand); err != nil {
		return einschulung.Bestand{}, storeErr("prune cohort changes", err)
	}
	return b, nil
}

// Unveraendert reports whether nothing the cohort is computed from has
// changed since the snapshot stand (Bestand): whether no transaction that
// changed it committed that stand does not see. It answers as of its own
// start, so a change committed before the call is never missed.
func (s *EinschulungStore) Unveraendert(ctx context.Context, stand string) (bool, error) {
	var ok bool
	err := s.pool.QueryRow(ctx, `SELECT `+kohorteUnveraendert("$1::text"), stand).Scan(&ok)
	return ok && err == nil, storeErr("check cohort", err)
}

// kohorteUnveraendert is Unveraendert's check as an SQL expression of the
// stand (an expression of type text); the audit trail evaluates it too
// (audit.CohortUnchanged). Without the row of einschulung_stand it is NULL,
// which holds for nobody.
func kohorteUnveraendert(stand string) string {
	snap := "(" + stand + ")::pg_snapshot"
	return `(SELECT pg_snapshot_xmin(` + snap + `) >= horizont
		   AND NOT EXISTS (SELECT 1 FROM einschulung_aenderungen
		                   WHERE xid >= pg_snapshot_xmin(` + snap + `) AND NOT pg_visible_in_snapshot(xid, ` + snap + `))
		FROM einschulung_stand)`
}

// aenderungenBehalten is how many ids of changing transactions are kept
// before pruning: every check reads only those newer than its snapshot.
const aenderungenBehalten = 1000

// aenderungenKuerzen removes the ids every snapshot from stand on sees, once
// there are many, and raises the horizon to them: a cached cohort read
// before it is computed anew (once) instead of being checked against
// missing rows.
func (s *EinschulungStore) aenderungenKuerzen(ctx context.Context, stand string) error {
	var alt int
	if err := s.pool.QueryRow(ctx, `SELECT count(*) FROM (SELECT 1 FROM einschulung_aenderungen
		WHERE xid < pg_snapshot_xmin($1::pg_snapshot) LIMIT $2) a`, stand, aenderungenBehalten).Scan(&alt); err != nil || alt < aenderungenBehalten {
		return err
	}
	return pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `UPDATE einschulung_stand SET horizont = greatest(horizont, pg_snapshot_xmin($1::pg_snapshot))`, stand); err != nil {
			return err
		}
		_, err := tx.Exec(ctx, `DELETE FROM einschulung_aenderungen WHERE xid < pg_snapshot_xmin($1::pg_snapshot)`, stand)
		return err
	})
}

var _ einschulung.Kohortenquelle = (*EinschulungStore)(nil)

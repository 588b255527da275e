package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/aufbewahrung"
)

// retentionLockID keeps two gateways from running the job at once:
// 0x7367726574656e74 = "sgretent".
const retentionLockID int64 = 0x7367726574656e74

// AufbewahrungStore implements aufbewahrung.Store.
type AufbewahrungStore struct {
	pool  *pgxpool.Pool
	audit *AuditStore
}

func NewAufbewahrungStore(pool *pgxpool.Pool, audit *AuditStore) *AufbewahrungStore {
	return &AufbewahrungStore{pool: pool, audit: audit}
}

// Bereinige: see aufbewahrung.Store. The day a child left is compared with
// the Stichtag's day in the database's time zone, as before.
func (s *AufbewahrungStore) Bereinige(ctx context.Context, st aufbewahrung.Stichtage, protokoll func(aufbewahrung.Bereinigt) audit.Entry) (aufbewahrung.Bereinigt, bool, error) {
	var b aufbewahrung.Bereinigt
	ran := false
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", retentionLockID).Scan(&ran); err != nil || !ran {
			return err
		}
		if !st.Melderegister.IsZero() {
			tag, err := tx.Exec(ctx, `UPDATE kinder SET
					familienname = 'anonymisiert', vornamen = '', rufname = NULL, ordnungsmerkmal = NULL,
					geburtsdatum = date_trunc('month', geburtsdatum)::date, geschlecht = NULL,
					strasse = '', hausnummer = '', plz = NULL, sorgeberechtigte = NULL, auskunftssperre = false,
					schluessel = 'anon:' || id, personenschluessel = NULL, import_row = NULL, anonymisiert_am = $1
				WHERE status = 'weggezogen' AND anonymisiert_am IS NULL
				  AND coalesce(wegzug, updated_at::date) < $2::timestamptz::date`,
				st.Jetzt, st.Melderegister)
			if err != nil {
				return err
			}
			b.KinderAnonymisiert = tag.RowsAffected()
		}
		if !st.Importe.IsZero() {
			tag, err := tx.Exec(ctx, `WITH due AS (
					UPDATE imports SET bereinigt_am = $1
					WHERE bereinigt_am IS NULL AND finished_at < $2
					RETURNING id
				), parts AS (
					DELETE FROM import_file_parts WHERE import_id IN (SELECT id FROM due)
				), errs AS (
					DELETE FROM import_errors WHERE import_id IN (SELECT id FROM due)
				), befores AS (
					DELETE FROM import_changes WHERE import_id IN (SELECT id FROM due)
				)
				SELECT 1 FROM due`, st.Jetzt, st.Importe)
			if err != nil {
				return err
			}
			b.ImporteBereinigt = tag.RowsAffected()
		}
		if !st.Faelle.IsZero() {
			tag, err := tx.Exec(ctx, `WITH due AS (
					SELECT id FROM faelle WHERE status = 'erledigt' AND updated_at < $1
				), hist AS (
					DELETE FROM fall_historie WHERE fall_id IN (SELECT id FROM due)
				)
				DELETE FROM faelle WHERE id IN (SELECT id FROM due)`, st.Faelle)
			if err != nil {
				return err
			}
			b.FaelleGeloescht = tag.RowsAffected()
		}
		if st.Untersuchungen != 0 {
			tag, err := tx.Exec(ctx, `DELETE FROM schuleingangsuntersuchungen WHERE schuljahr <= $1`, st.Untersuchungen)
			if err != nil {
				return err
			}
			b.UntersuchungenGeloescht = tag.RowsAffected()
		}
		return insertAudit(ctx, tx, protokoll(b))
	})
	return b, ran, storeErr("retention", err)
}

// KuerzeProtokoll: see aufbewahrung.Store.
func (s *AufbewahrungStore) KuerzeProtokoll(ctx context.Context, vor time.Time) (int64, error) {
	if _, err := s.audit.Chain(ctx); err != nil {
		return 0, err
	}
	return s.audit.PruneAudit(ctx, vor)
}

package postgres

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/audit"
)

// Aufbewahrung is how long each kind of record is kept (0: for ever).
type Aufbewahrung struct {
	// Melderegister: a child that moved away is anonymised this long after
	// it left (names, register id, address and day of birth removed; the
	// month of birth and the Ortsteil stay for the figures).
	Melderegister time.Duration
	// Importe: the uploaded file, its error list and the before-images
	// kept for undo are deleted this long after the import finished.
	Importe time.Duration
	// Faelle: a closed Schulpflicht case (erledigt) and its history are
	// deleted this long after it was last changed.
	Faelle time.Duration
	// Protokoll: audit entries older than this are deleted, oldest first;
	// the chain keeps the hash of the last one as its anchor.
	Protokoll time.Duration
}

// Bereinigt counts what one run removed.
type Bereinigt struct {
	KinderAnonymisiert int64
	ImporteBereinigt   int64
	FaelleGeloescht    int64
	ProtokollGeloescht int64
}

func (b Bereinigt) String() string {
	return fmt.Sprintf("Kinder anonymisiert %d, Importdateien gelöscht %d, erledigte Fälle gelöscht %d, Protokolleinträge gelöscht %d",
		b.KinderAnonymisiert, b.ImporteBereinigt, b.FaelleGeloescht, b.ProtokollGeloescht)
}

// retentionLockID keeps two gateways from running the job at once:
// 0x7367726574656e74 = "sgretent".
const retentionLockID int64 = 0x7367726574656e74

// Bereinigen runs the retention once, at the moment now. Everything but
// the audit entries goes in one transaction together with an audit entry
// saying what was done; the audit entries follow in their own step. If
// another gateway is running it, this one does nothing.
func Bereinigen(ctx context.Context, pool *pgxpool.Pool, store *AuditStore, a Aufbewahrung, now time.Time) (Bereinigt, bool, error) {
	var b Bereinigt
	ran := false
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, "SELECT pg_try_advisory_xact_lock($1)", retentionLockID).Scan(&ran); err != nil || !ran {
			return err
		}
		if a.Melderegister > 0 {
			tag, err := tx.Exec(ctx, `UPDATE kinder SET
					familienname = 'anonymisiert', vornamen = '', rufname = NULL, ordnungsmerkmal = NULL,
					geburtsdatum = date_trunc('month', geburtsdatum)::date, geschlecht = NULL,
					strasse = '', hausnummer = '', plz = NULL, sorgeberechtigte = NULL, auskunftssperre = false,
					schluessel = 'anon:' || id, personenschluessel = NULL, import_sheet = NULL, import_row = NULL, anonymisiert_am = $1
				WHERE status = 'weggezogen' AND anonymisiert_am IS NULL
				  AND coalesce(wegzug, updated_at::date) < ($1::timestamptz - $2 * interval '1 microsecond')::date`,
				now, a.Melderegister.Microseconds())
			if err != nil {
				return err
			}
			b.KinderAnonymisiert = tag.RowsAffected()
		}
		if a.Importe > 0 {
			tag, err := tx.Exec(ctx, `WITH due AS (
					UPDATE imports SET bereinigt_am = $1
					WHERE bereinigt_am IS NULL AND finished_at < $1::timestamptz - $2 * interval '1 microsecond'
					RETURNING id
				), parts AS (
					DELETE FROM import_file_parts WHERE import_id IN (SELECT id FROM due)
				), errs AS (
					DELETE FROM import_errors WHERE import_id IN (SELECT id FROM due)
				), befores AS (
					DELETE FROM import_changes WHERE import_id IN (SELECT id FROM due)
				)
				SELECT 1 FROM due`, now, a.Importe.Microseconds())
			if err != nil {
				return err
			}
			b.ImporteBereinigt = tag.RowsAffected()
		}
		if a.Faelle > 0 {
			tag, err := tx.Exec(ctx, `WITH due AS (
					SELECT id FROM faelle WHERE status = 'erledigt' AND updated_at < $1::timestamptz - $2 * interval '1 microsecond'
				), hist AS (
					DELETE FROM fall_historie WHERE fall_id IN (SELECT id FROM due)
				)
				DELETE FROM faelle WHERE id IN (SELECT id FROM due)`, now, a.Faelle.Microseconds())
			if err != nil {
				return err
			}
			b.FaelleGeloescht = tag.RowsAffected()
		}
		n := int(b.KinderAnonymisiert + b.ImporteBereinigt + b.FaelleGeloescht)
		return insertAudit(ctx, tx, audit.Entry{Client: "worker", Operation: "aufbewahrung", Anzahl: &n,
			Ergebnis: http.StatusOK, Detail: b.String()})
	})
	if err != nil || !ran {
		return b, ran, storeErr("retention", err)
	}
	if a.Protokoll > 0 {
		if _, err := store.Chain(ctx); err != nil {
			return b, ran, err
		}
		n, err := store.PruneAudit(ctx, now.Add(-a.Protokoll))
		if err != nil {
			return b, ran, err
		}
		b.ProtokollGeloescht = n
	}
	return b, ran, nil
}

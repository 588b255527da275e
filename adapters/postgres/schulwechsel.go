package postgres

import (
	"context"
	"errors"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// SchulwechselStore implements schulwechsel.Store: the changes of school,
// their effect on the table schueler, and the open departures.
type SchulwechselStore struct{ pool *pgxpool.Pool }

var _ schulwechsel.Store = (*SchulwechselStore)(nil)

func NewSchulwechselStore(pool *pgxpool.Pool) *SchulwechselStore {
	return &SchulwechselStore{pool: pool}
}

// schulwechselLockID serialises the writers of changes of school
// ("sgwechsl"): a deregistration and the admission that closes it may
// arrive at the same moment, and each must see the other. Changes of school
// are a few thousand a year; they can afford to wait for each other.
const schulwechselLockID int64 = 0x736777656368736c

func (s *SchulwechselStore) Schulen(ctx context.Context, schulnummern []string) (map[string]bool, error) {
	out := map[string]bool{}
	if len(schulnummern) == 0 {
		return out, nil
	}
	rows, err := dbFor(ctx, s.pool).Query(ctx, "SELECT schulnummer FROM schulen WHERE schulnummer = ANY($1)", schulnummern)
	if err != nil {
		return nil, storeErr("find schools", err)
	}
	nummern, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return nil, storeErr("find schools", err)
	}
	for _, n := range nummern {
		out[n] = true
	}
	return out, nil
}

func (s *SchulwechselStore) Create(ctx context.Context, a schulwechsel.Aenderung) (schulwechsel.Record, error) {
	rec := a.Record
	sn := nilIfEmpty(a.Schuelernummer)
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", schulwechselLockID); err != nil {
			return err
		}
		var aufnahmedatum any
		if !a.Aufnahmedatum.IsZero() {
			aufnahmedatum = a.Aufnahmedatum
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO schulwechsel (format, nachricht, bewegung, schuelernummer, personenschluessel, aufnahmedatum, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, created_at`,
			rec.Format, rec.Nachricht, rec.Bewegung, sn, a.Personenschluessel, aufnahmedatum, rec.CreatedBy,
		).Scan(&rec.ID, &rec.CreatedAt); err != nil {
			return err
		}
		// A record a change of school touches is no longer what an import
		// wrote: it loses its import provenance (and blocks that import's undo).
		if len(a.Abgegangen) > 0 {
			if _, err := tx.Exec(ctx, `UPDATE schueler SET status = 'abgegangen', updated_at = now(),
				import_id = NULL, import_sheet = NULL, import_row = NULL
				WHERE schluessel = ANY($1) AND status = 'aktiv'`, a.Abgegangen); err != nil {
				return err
			}
		}
		if e := a.Aufgenommen; e != nil {
			var grade any
			if e.Jahrgangsstufe != 0 {
				grade = e.Jahrgangsstufe
			}
			an := e.Anschrift
			if _, err := tx.Exec(ctx, `
				INSERT INTO schueler AS t (schluessel, schulnummer, schuelernummer, familienname, vornamen, geburtsdatum, geschlecht,
					jahrgangsstufe, eintrittsdatum, strasse, hausnummer, plz, ort, status)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'aktiv')
				ON CONFLICT (schluessel) DO UPDATE SET
					schuelernummer = coalesce(EXCLUDED.schuelernummer, t.schuelernummer),
					familienname = EXCLUDED.familienname, vornamen = EXCLUDED.vornamen, geburtsdatum = EXCLUDED.geburtsdatum,
					geschlecht = coalesce(EXCLUDED.geschlecht, t.geschlecht),
					jahrgangsstufe = coalesce(EXCLUDED.jahrgangsstufe, t.jahrgangsstufe),
					klasse = CASE WHEN t.status = 'aktiv' THEN t.klasse END,
					eintrittsdatum = EXCLUDED.eintrittsdatum,
					strasse = coalesce(EXCLUDED.strasse, t.strasse), hausnummer = coalesce(EXCLUDED.hausnummer, t.hausnummer),
					plz = coalesce(EXCLUDED.plz, t.plz), ort = coalesce(EXCLUDED.ort, t.ort),
					status = 'aktiv', updated_at = now(), import_id = NULL, import_sheet = NULL, import_row = NULL`,
				e.Schluessel, e.Schulnummer, sn, e.Familienname, e.Vornamen, e.Geburtsdatum, nilIfEmpty(e.Geschlecht),
				grade, e.Eintrittsdatum, nilIfEmpty(an.Strasse), nilIfEmpty(an.Hausnummer), nilIfEmpty(an.Postleitzahl), nilIfEmpty(an.Ort),
			); err != nil {
				return err
			}
		}
		if aufnahmedatum != nil {
			if _, err := tx.Exec(ctx, `UPDATE offene_abgaenge SET geschlossen_durch = $1, geschlossen_am = now()
				WHERE geschlossen_durch IS NULL AND abgangsdatum <= $2 AND (personenschluessel = $3 OR schuelernummer = $4)`,
				rec.ID, aufnahmedatum, a.Personenschluessel, sn); err != nil {
				return err
			}
		}
		if o := a.OffenerAbgang; o != nil {
			// Born closed if the pupil's admission on or after the day of
			// leaving is already known (messages need not arrive in order).
			if _, err := tx.Exec(ctx, `
				INSERT INTO offene_abgaenge (schulwechsel_id, schuelernummer, personenschluessel, familienname, vornamen, geburtsdatum,
					schule, abgangsdatum, frist, geschlossen_durch, geschlossen_am)
				SELECT $1, $2, $3, $4, $5, $6, $7, $8, $9, z.id, CASE WHEN z.id IS NOT NULL THEN now() END
				FROM (SELECT 1) one LEFT JOIN LATERAL (
					SELECT id FROM schulwechsel
					WHERE aufnahmedatum >= $8 AND (personenschluessel = $3 OR schuelernummer = $2)
					ORDER BY aufnahmedatum, created_at LIMIT 1
				) z ON true`,
				rec.ID, sn, a.Personenschluessel, o.Familienname, o.Vornamen, o.Geburtsdatum, o.Schule, o.Abgangsdatum, o.Frist,
			); err != nil {
				return err
			}
		}
		return RecordChange(ctx, tx, changefeed.EntitySchulwechsel, rec.ID, changefeed.Upsert, nil)
	})
	if err != nil {
		return schulwechsel.Record{}, storeErr("create schulwechsel", err)
	}
	return rec, nil
}

const schulwechselColumns = "id, format, nachricht, bewegung, created_by, created_at"

func scanSchulwechsel(row pgx.Row) (schulwechsel.Record, error) {
	var r schulwechsel.Record
	err := row.Scan(&r.ID, &r.Format, &r.Nachricht, &r.Bewegung, &r.CreatedBy, &r.CreatedAt)
	return r, err
}

func (s *SchulwechselStore) Get(ctx context.Context, id string) (schulwechsel.Record, error) {
	notFound := apperr.NotFound(fmt.Sprintf("Einen Schulwechsel mit der Kennung „%s“ gibt es nicht.", id))
	if !validUUID(id) {
		return schulwechsel.Record{}, notFound
	}
	r, err := scanSchulwechsel(dbFor(ctx, s.pool).QueryRow(ctx, "SELECT "+schulwechselColumns+" FROM schulwechsel WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return schulwechsel.Record{}, notFound
	}
	return r, storeErr("get schulwechsel", err)
}

func (s *SchulwechselStore) List(ctx context.Context, since time.Time, limit int) ([]schulwechsel.Record, error) {
	rows, err := dbFor(ctx, s.pool).Query(ctx, "SELECT "+schulwechselColumns+` FROM schulwechsel
		WHERE created_at > $1 ORDER BY created_at, id LIMIT $2`, since, limit)
	if err != nil {
		return nil, storeErr("list schulwechsel", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schulwechsel.Record, error) { return scanSchulwechsel(r) })
	return list, storeErr("list schulwechsel", err)
}

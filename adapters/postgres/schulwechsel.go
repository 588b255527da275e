package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/werte"
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

// lage reads what the decision on q needs, inside the writers' lock.
func (s *SchulwechselStore) lage(ctx context.Context, tx pgx.Tx, q schulwechsel.Anfrage) (schulwechsel.Lage, error) {
	l := schulwechsel.Lage{Bekannt: map[string]bool{}}
	rows, err := tx.Query(ctx, "SELECT schulnummer FROM schulen WHERE schulnummer = ANY($1)", q.Schulnummern)
	if err != nil {
		return l, err
	}
	nummern, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return l, err
	}
	for _, n := range nummern {
		l.Bekannt[n] = true
	}
	if len(nummern) > 0 {
		rows, err := tx.Query(ctx, `SELECT id, schulnummer, coalesce(schuelernummer, ''), familienname, vornamen, geburtsdatum
			FROM schueler WHERE schulnummer = ANY($1) AND status = 'aktiv'
			AND (geburtsdatum = $2 OR ($3 <> '' AND schuelernummer = $3)) ORDER BY id`, nummern, q.Geburtsdatum, q.Schuelernummer)
		if err != nil {
			return l, err
		}
		l.Schueler, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (schulwechsel.Bestand, error) {
			var b schulwechsel.Bestand
			err := r.Scan(&b.ID, &b.Schulnummer, &b.Schuelernummer, &b.Familienname, &b.Vornamen, &b.Geburtsdatum)
			return b, err
		})
		if err != nil {
			return l, err
		}
	}
	frueher, err := scanSchulwechsel(tx.QueryRow(ctx, "SELECT "+schulwechselColumns+" FROM "+schulwechselFrom+`
		WHERE s.personenschluessel = $1 AND s.inhalt = $2 AND s.created_at >= $3 AND s.created_at < $4
		ORDER BY s.created_at, s.id LIMIT 1`, q.Personenschluessel, q.Inhalt, q.Von, q.Bis))
	switch {
	case err == nil:
		l.Frueher = &frueher
	case !errors.Is(err, pgx.ErrNoRows):
		return l, err
	}
	return l, nil
}

func (s *SchulwechselStore) Create(ctx context.Context, q schulwechsel.Anfrage, entscheide func(schulwechsel.Lage) (schulwechsel.Aenderung, error)) (schulwechsel.Record, error) {
	var rec schulwechsel.Record
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", schulwechselLockID); err != nil {
			return err
		}
		l, err := s.lage(ctx, tx, q)
		if err != nil {
			return err
		}
		a, err := entscheide(l)
		if err != nil {
			return err
		}
		if a.Wiederholung != nil {
			rec = *a.Wiederholung
		} else if rec, err = s.apply(ctx, tx, a); err != nil {
			return err
		}
		if rec.Klaerung != nil {
			// Answered 202: kept as an open question; the audit entry
			// written with this transaction says so.
			audit.Result(ctx, http.StatusAccepted, "offene Frage für das Schulamt")
		}
		return nil
	})
	if err != nil {
		return schulwechsel.Record{}, storeErr("create schulwechsel", err)
	}
	return rec, nil
}

// hinweisJSON is a Hinweis as stored (column hinweise).
type hinweisJSON struct {
	Pointer string `json:"pointer"`
	Code    string `json:"code"`
	Message string `json:"message"`
}

func (s *SchulwechselStore) apply(ctx context.Context, tx pgx.Tx, a schulwechsel.Aenderung) (schulwechsel.Record, error) {
	rec := a.Record
	sn := nilIfEmpty(a.Schuelernummer)
	var aufnahmedatum, hinweise any
	if !a.Aufnahmedatum.IsZero() {
		aufnahmedatum = a.Aufnahmedatum
	}
	if len(rec.Hinweise) > 0 {
		hs := make([]hinweisJSON, len(rec.Hinweise))
		for i, h := range rec.Hinweise {
			hs[i] = hinweisJSON(h)
		}
		hinweise = hs
	}
	if err := tx.QueryRow(ctx, `
		INSERT INTO schulwechsel (format, nachricht, bewegung, schuelernummer, personenschluessel, aufnahmedatum, created_by,
			inhalt, hinweise, nachricht_eingang)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10) RETURNING id, created_at`,
		rec.Format, rec.Nachricht, rec.Bewegung, sn, a.Personenschluessel, aufnahmedatum, rec.CreatedBy,
		a.Inhalt, hinweise, a.Original,
	).Scan(&rec.ID, &rec.CreatedAt); err != nil {
		return rec, err
	}
	if k := a.Klaerung; k != nil {
		if err := tx.QueryRow(ctx, `INSERT INTO schulwechsel_klaerungen (schulwechsel_id, grund, schule, aufnehmende, familienname, vornamen, geburtsdatum)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING created_at`,
			rec.ID, k.Grund, k.Schule, nilIfEmpty(k.Aufnehmende), k.Familienname, k.Vornamen, k.Geburtsdatum).Scan(&k.CreatedAt); err != nil {
			return rec, err
		}
		kc := *k
		kc.SchulwechselID = rec.ID
		rec.Klaerung = &kc
	}
	// A record a change of school touches is no longer what an import
	// wrote: it loses its import provenance (and blocks that import's undo).
	if len(a.Abgegangen) > 0 {
		if _, err := tx.Exec(ctx, `UPDATE schueler SET status = 'abgegangen', updated_at = now(),
			import_id = NULL, import_row = NULL
			WHERE id = ANY($1) AND status = 'aktiv'`, a.Abgegangen); err != nil {
			return rec, err
		}
	}
	if e := a.Aufgenommen; e != nil {
		var grade any
		if e.Jahrgangsstufe != 0 {
			grade = e.Jahrgangsstufe
		}
		an := e.Anschrift
		args := []any{e.Schluessel, e.Schulnummer, sn, e.Familienname, e.Vornamen, e.Geburtsdatum, nilIfEmpty(e.Geschlecht),
			grade, e.Eintrittsdatum, nilIfEmpty(an.Strasse), nilIfEmpty(an.Hausnummer), nilIfEmpty(an.Postleitzahl), nilIfEmpty(an.Ort)}
		const set = `schuelernummer = coalesce(EXCLUDED.schuelernummer, t.schuelernummer),
				familienname = EXCLUDED.familienname, vornamen = EXCLUDED.vornamen, geburtsdatum = EXCLUDED.geburtsdatum,
				geschlecht = coalesce(EXCLUDED.geschlecht, t.geschlecht),
				jahrgangsstufe = coalesce(EXCLUDED.jahrgangsstufe, t.jahrgangsstufe),
				klasse = CASE WHEN t.status = 'aktiv' THEN t.klasse END,
				eintrittsdatum = EXCLUDED.eintrittsdatum,
				strasse = coalesce(EXCLUDED.strasse, t.strasse), hausnummer = coalesce(EXCLUDED.hausnummer, t.hausnummer),
				plz = coalesce(EXCLUDED.plz, t.plz), ort = coalesce(EXCLUDED.ort, t.ort),
				status = 'aktiv', updated_at = now(), import_id = NULL, import_row = NULL`
		var err error
		if e.ID != 0 {
			// The pupil's record at the school, whatever its key (it keeps
			// its own; $1 is only the insert's): the same assignments, with
			// the new values in a row of their own.
			_, err = tx.Exec(ctx, `UPDATE schueler AS t SET `+set+`
				FROM (SELECT $2::text AS schulnummer, $3::text AS schuelernummer, $4::text AS familienname, $5::text AS vornamen,
					$6::date AS geburtsdatum, $7::text AS geschlecht, $8::int AS jahrgangsstufe, $9::date AS eintrittsdatum,
					$10::text AS strasse, $11::text AS hausnummer, $12::text AS plz, $13::text AS ort) AS EXCLUDED
				WHERE t.id = $14 AND $1::text IS NOT NULL`, append(args, e.ID)...)
		} else {
			_, err = tx.Exec(ctx, `
				INSERT INTO schueler AS t (schluessel, schulnummer, schuelernummer, familienname, vornamen, geburtsdatum, geschlecht,
					jahrgangsstufe, eintrittsdatum, strasse, hausnummer, plz, ort, status)
				VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, 'aktiv')
				ON CONFLICT (schluessel) DO UPDATE SET `+set, args...)
		}
		if err != nil {
			return rec, err
		}
	}
	if aufnahmedatum != nil {
		if _, err := tx.Exec(ctx, `UPDATE offene_abgaenge SET geschlossen_durch = $1, geschlossen_am = now()
			WHERE geschlossen_durch IS NULL AND abgangsdatum <= $2 AND (personenschluessel = $3 OR schuelernummer = $4)`,
			rec.ID, aufnahmedatum, a.Personenschluessel, sn); err != nil {
			return rec, err
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
				WHERE aufnahmedatum >= $8 AND (personenschluessel = $3 OR schuelernummer = $2) AND zurueckgenommen_am IS NULL
				ORDER BY aufnahmedatum, created_at LIMIT 1
			) z ON true`,
			rec.ID, sn, a.Personenschluessel, o.Familienname, o.Vornamen, o.Geburtsdatum, o.Schule, o.Abgangsdatum, o.Frist,
		); err != nil {
			return rec, err
		}
	}
	return rec, RecordChange(ctx, tx, changefeed.EntitySchulwechsel, rec.ID, changefeed.Upsert, nil)
}

const (
	schulwechselColumns = `s.id, s.format, s.nachricht, s.bewegung, s.created_by, s.created_at, s.hinweise,
		k.grund, k.schule, k.aufnehmende, k.familienname, k.vornamen, k.geburtsdatum, k.created_at, s.zurueckgenommen_am`
	schulwechselFrom = "schulwechsel s LEFT JOIN schulwechsel_klaerungen k ON k.schulwechsel_id = s.id"
)

func scanSchulwechsel(row pgx.Row) (schulwechsel.Record, error) {
	var r schulwechsel.Record
	var hinweise []hinweisJSON
	var grund, schule, aufnehmende, fam, vor *string
	var geb, kAt, zurueck *time.Time
	if err := row.Scan(&r.ID, &r.Format, &r.Nachricht, &r.Bewegung, &r.CreatedBy, &r.CreatedAt, &hinweise,
		&grund, &schule, &aufnehmende, &fam, &vor, &geb, &kAt, &zurueck); err != nil {
		return r, err
	}
	if zurueck != nil {
		r.Zurueckgenommen = *zurueck
	}
	for _, h := range hinweise {
		r.Hinweise = append(r.Hinweise, schulwechsel.Hinweis(h))
	}
	if grund != nil {
		r.Klaerung = &schulwechsel.Klaerung{SchulwechselID: r.ID, Grund: *grund, Schule: *schule, Familienname: *fam, Vornamen: *vor,
			Geburtsdatum: *geb, CreatedAt: *kAt}
		if aufnehmende != nil {
			r.Klaerung.Aufnehmende = *aufnehmende
		}
	}
	return r, nil
}

func (s *SchulwechselStore) Get(ctx context.Context, id string) (schulwechsel.Record, error) {
	notFound := apperr.NotFound(fmt.Sprintf("Einen Schulwechsel mit der Kennung „%s“ gibt es nicht.", id))
	if !werte.IstUUID(id) {
		return schulwechsel.Record{}, notFound
	}
	r, err := scanSchulwechsel(dbFor(ctx, s.pool).QueryRow(ctx, "SELECT "+schulwechselColumns+" FROM "+schulwechselFrom+" WHERE s.id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return schulwechsel.Record{}, notFound
	}
	return r, storeErr("get schulwechsel", err)
}

func (s *SchulwechselStore) List(ctx context.Context, since time.Time, limit int) ([]schulwechsel.Record, error) {
	rows, err := dbFor(ctx, s.pool).Query(ctx, "SELECT "+schulwechselColumns+" FROM "+schulwechselFrom+`
		WHERE s.created_at > $1 ORDER BY s.created_at, s.id LIMIT $2`, since, limit)
	if err != nil {
		return nil, storeErr("list schulwechsel", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schulwechsel.Record, error) { return scanSchulwechsel(r) })
	return list, storeErr("list schulwechsel", err)
}

func (s *SchulwechselStore) Offen(ctx context.Context, stichtag time.Time) ([]schulwechsel.Klaerung, []schulwechsel.OffenerAbgang, error) {
	db := dbFor(ctx, s.pool)
	rows, err := db.Query(ctx, `SELECT schulwechsel_id::text, grund, schule, coalesce(aufnehmende, ''), familienname, vornamen, geburtsdatum, created_at
		FROM schulwechsel_klaerungen WHERE erledigt_am IS NULL ORDER BY created_at, schulwechsel_id`)
	if err != nil {
		return nil, nil, storeErr("list klaerungen", err)
	}
	ks, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schulwechsel.Klaerung, error) {
		var k schulwechsel.Klaerung
		err := r.Scan(&k.SchulwechselID, &k.Grund, &k.Schule, &k.Aufnehmende, &k.Familienname, &k.Vornamen, &k.Geburtsdatum, &k.CreatedAt)
		return k, err
	})
	if err != nil {
		return nil, nil, storeErr("list klaerungen", err)
	}
	rows, err = db.Query(ctx, `SELECT schulwechsel_id::text, schule, familienname, vornamen, geburtsdatum, abgangsdatum, frist
		FROM offene_abgaenge WHERE geschlossen_durch IS NULL AND frist < $1 ORDER BY frist, schulwechsel_id`, stichtag)
	if err != nil {
		return nil, nil, storeErr("list offene abgaenge", err)
	}
	as, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schulwechsel.OffenerAbgang, error) {
		var o schulwechsel.OffenerAbgang
		err := r.Scan(&o.SchulwechselID, &o.Schule, &o.Familienname, &o.Vornamen, &o.Geburtsdatum, &o.Abgangsdatum, &o.Frist)
		return o, err
	})
	if err != nil {
		return nil, nil, storeErr("list offene abgaenge", err)
	}
	return ks, as, nil
}

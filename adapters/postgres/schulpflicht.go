package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"strconv"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	sp "github.com/schulgateway/schulgateway/internal/schulpflicht"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// SchulpflichtStore implements schulpflicht.Store: reconciliations (and
// their job queue, the table abgleiche), their lines, the reviewers'
// verdicts and the cases with their history.
type SchulpflichtStore struct{ pool *pgxpool.Pool }

var _ sp.Store = (*SchulpflichtStore)(nil)

func NewSchulpflichtStore(pool *pgxpool.Pool) *SchulpflichtStore {
	return &SchulpflichtStore{pool: pool}
}

// schulpflichtLockID serialises the writing of reconciliation results
// ("sgpflcht").
const schulpflichtLockID int64 = 0x736770666c636874

const abgleichColumns = `id, stichtag, status, created_by, created_at, started_at, finished_at, residents, auto, review, keine, detail`

func scanAbgleich(row pgx.Row) (sp.Abgleich, error) {
	var a sp.Abgleich
	err := row.Scan(&a.ID, &a.Stichtag, &a.Status, &a.CreatedBy, &a.CreatedAt, &a.StartedAt, &a.FinishedAt,
		&a.Anzahl.Residents, &a.Anzahl.Auto, &a.Anzahl.Review, &a.Anzahl.Keine, &a.Detail)
	return a, err
}

func (s *SchulpflichtStore) CreateAbgleich(ctx context.Context, stichtag time.Time, by string) (sp.Abgleich, error) {
	a, err := scanAbgleich(s.pool.QueryRow(ctx, `INSERT INTO abgleiche (stichtag, created_by) VALUES ($1, $2) RETURNING `+abgleichColumns, stichtag, by))
	return a, storeErr("create abgleich", err)
}

func (s *SchulpflichtStore) Abgleich(ctx context.Context, id string) (sp.Abgleich, error) {
	notFound := apperr.NotFound(fmt.Sprintf("Einen Abgleich mit der Kennung „%s“ gibt es nicht.", id))
	if !werte.IstUUID(id) {
		return sp.Abgleich{}, notFound
	}
	a, err := scanAbgleich(s.pool.QueryRow(ctx, `SELECT `+abgleichColumns+` FROM abgleiche WHERE id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return sp.Abgleich{}, notFound
	}
	return a, storeErr("get abgleich", err)
}

func (s *SchulpflichtStore) Einwohner(ctx context.Context, von, bis time.Time) ([]sp.Einwohner, error) {
	// What the Einschulung knows about a child's start: an admission in an
	// earlier school year than its age gives (early entry), deferrals granted.
	rows, err := s.pool.Query(ctx, `
		SELECT k.id, coalesce(k.ordnungsmerkmal, ''), k.familienname, k.vornamen, coalesce(k.rufname, ''), k.geburtsdatum,
			coalesce(k.geschlecht, ''), k.strasse, k.hausnummer, coalesce(k.plz, ''), coalesce(m.aufnahme, 0), coalesce(m.zurueck, '{}')
		FROM kinder k
		LEFT JOIN (
			SELECT kind, min(schuljahr) FILTER (WHERE typ = 'aufnahme') AS aufnahme,
				array_agg(schuljahr) FILTER (WHERE typ = 'zurueckstellung' AND entscheidung = 'genehmigt') AS zurueck
			FROM einschulung_meldungen GROUP BY kind) m ON m.kind = k.schluessel
		WHERE k.status = 'gemeldet' AND k.geburtsdatum BETWEEN $1 AND $2
		ORDER BY k.id`, von, bis)
	if err != nil {
		return nil, storeErr("load residents", err)
	}
	var id int64
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sp.Einwohner, error) {
		var e sp.Einwohner
		var zurueck []int32
		err := r.Scan(&id, &e.Ordnungsmerkmal, &e.Familienname, &e.Vornamen, &e.Rufname, &e.Geburtsdatum, &e.Geschlecht,
			&e.Strasse, &e.Hausnummer, &e.PLZ, &e.VorzeitigAb, &zurueck)
		e.ID = strconv.FormatInt(id, 10)
		for _, z := range zurueck {
			e.Zurueckgestellt = append(e.Zurueckgestellt, int(z))
		}
		return e, err
	})
	return list, storeErr("load residents", err)
}

func (s *SchulpflichtStore) Schueler(ctx context.Context, schuljahr int, stichtag time.Time) ([]sp.Person, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT 'schueler', id, familienname, vornamen, geburtsdatum, coalesce(geschlecht, ''), coalesce(strasse, ''),
			coalesce(hausnummer, ''), coalesce(plz, ''), schulnummer, coalesce(schuelernummer, '')
		FROM schueler WHERE status = 'aktiv'
		UNION ALL
		SELECT 'bestaetigung', id, familienname, vornamen, geburtsdatum, '', '', '', '', coalesce(schulnummer, ''), coalesce(schuelernummer, '')
		FROM bestaetigungen
		UNION ALL
		SELECT 'schulbescheinigung', ref, familienname, vornamen, geburtsdatum, geschlecht, strasse, hausnummer, plz, '', ''
		FROM schulbescheinigungen
		WHERE (gueltig_von IS NULL OR gueltig_von <= $2) AND gueltig_bis >= $2
		UNION ALL
		SELECT 'aufnahme', k.id, k.familienname, k.vornamen, k.geburtsdatum, coalesce(k.geschlecht, ''), k.strasse, k.hausnummer,
			coalesce(k.plz, ''), m.schulnummer, ''
		FROM einschulung_meldungen m JOIN kinder k ON k.schluessel = m.kind
		WHERE m.typ = 'aufnahme' AND m.schuljahr = $1 AND m.schulnummer <> ''
		  -- The admission counts as the Einschulung shows it (einschulung.Lage.Stand): not
		  -- after an Abmeldung, not while a deferral is granted.
		  AND NOT EXISTS (SELECT 1 FROM einschulung_meldungen x WHERE x.schuljahr = m.schuljahr AND x.kind = m.kind
		                  AND (x.typ = 'abmeldung' OR x.typ = 'zurueckstellung' AND x.entscheidung = 'genehmigt'))`, schuljahr, stichtag)
	if err != nil {
		return nil, storeErr("load pupils", err)
	}
	var quelle string
	var id int64
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sp.Person, error) {
		var p sp.Person
		err := r.Scan(&quelle, &id, &p.Familienname, &p.Vornamen, &p.Geburtsdatum, &p.Geschlecht, &p.Strasse, &p.Hausnummer, &p.PLZ,
			&p.Schulnummer, &p.Schuelernummer)
		p.ID = sp.PupilID(sp.Quelle(quelle), id)
		return p, err
	})
	return list, storeErr("load pupils", err)
}

func (s *SchulpflichtStore) Urteile(ctx context.Context) ([]sp.Urteil, error) {
	rows, err := s.pool.Query(ctx, `SELECT kind_id, quelle, pupil_ref, bestaetigt FROM schulpflicht_urteile ORDER BY kind_id, quelle, pupil_ref`)
	if err != nil {
		return nil, storeErr("load urteile", err)
	}
	var kind, ref int64
	var quelle string
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sp.Urteil, error) {
		var u sp.Urteil
		err := r.Scan(&kind, &quelle, &ref, &u.Bestaetigt)
		u.ResidentID, u.PupilID = strconv.FormatInt(kind, 10), sp.PupilID(sp.Quelle(quelle), ref)
		return u, err
	})
	return list, storeErr("load urteile", err)
}

// SaveErgebnis writes the lines by COPY and the cases set-based, in one
// transaction with the end of the job: a run cut off before commit leaves
// nothing behind and is run again.
func (s *SchulpflichtStore) SaveErgebnis(ctx context.Context, id string, zeilen []sp.Zeile) (sp.Anzahl, error) {
	var n sp.Anzahl
	audit.Count(ctx, len(zeilen))
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		// Two runs finishing at once (two instances) would each open the
		// same child's case; their writes take turns.
		if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", schulpflichtLockID); err != nil {
			return err
		}
		// Only the worker that still owns the job writes its result.
		if err := fence(ctx, tx, "abgleiche", id); err != nil {
			return err
		}
		var createdBy string
		if err := tx.QueryRow(ctx, `SELECT created_by FROM abgleiche WHERE id = $1 FOR UPDATE`, id).Scan(&createdBy); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `DELETE FROM abgleich_zuordnungen WHERE abgleich_id = $1`, id); err != nil {
			return err
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"abgleich_zuordnungen"},
			[]string{"abgleich_id", "kind_id", "entscheidung", "quelle", "pupil_ref", "schulnummer", "schuelernummer", "score", "uebereinstimmend", "begruendung"},
			pgx.CopyFromSlice(len(zeilen), func(i int) ([]any, error) {
				x := zeilen[i]
				kind, err := strconv.ParseInt(x.ResidentID, 10, 64)
				if err != nil {
					return nil, fmt.Errorf("resident id %q: %w", x.ResidentID, err)
				}
				var quelle, ref any
				if x.PupilID != "" {
					q, r, ok := sp.ParsePupilID(x.PupilID)
					if !ok {
						return nil, fmt.Errorf("pupil id %q", x.PupilID)
					}
					quelle, ref = string(q), r
				}
				felder := make([]string, len(x.Uebereinstimmend))
				for j, f := range x.Uebereinstimmend {
					felder[j] = string(f)
				}
				return []any{id, kind, string(x.Entscheidung), quelle, ref, nilIfEmpty(x.Schulnummer), nilIfEmpty(x.Schuelernummer),
					x.Score, felder, x.Begruendung}, nil
			})); err != nil {
			return err
		}
		// Cases: an open one (not erledigt) learns what this run found; a
		// line the domain marked NeuerFall gets a case with its Anlass
		// unless one is open, its opening in the history. Nothing is
		// closed here, and a closed case is left as it is.
		var neuKind []int64
		var neuAnlass []string
		for _, x := range zeilen {
			if x.NeuerFall {
				kind, _ := strconv.ParseInt(x.ResidentID, 10, 64)
				neuKind, neuAnlass = append(neuKind, kind), append(neuAnlass, x.Anlass)
			}
		}
		if _, err := tx.Exec(ctx, `
			WITH z AS (SELECT kind_id, entscheidung FROM abgleich_zuordnungen WHERE abgleich_id = $1),
			upd AS (
				UPDATE faelle f SET letzter_abgleich_id = $1, letzte_entscheidung = z.entscheidung
				FROM z WHERE f.kind_id = z.kind_id AND f.status <> 'erledigt'),
			ins AS (
				INSERT INTO faelle (kind_id, abgleich_id, letzter_abgleich_id, letzte_entscheidung, anlass)
				SELECT n.kind_id, $1, $1, 'none', n.anlass FROM unnest($3::bigint[], $4::text[]) AS n (kind_id, anlass)
				WHERE NOT EXISTS (SELECT 1 FROM faelle f WHERE f.kind_id = n.kind_id AND f.status <> 'erledigt')
				RETURNING id)
			INSERT INTO fall_historie (fall_id, wer, zu_status) SELECT id, $2, 'offen' FROM ins`, id, createdBy, neuKind, neuAnlass); err != nil {
			return err
		}
		n.Residents = len(zeilen)
		for _, x := range zeilen {
			switch x.Entscheidung {
			case sp.Auto:
				n.Auto++
			case sp.Review:
				n.Review++
			default:
				n.Keine++
			}
		}
		_, err := tx.Exec(ctx, `UPDATE abgleiche SET status = 'succeeded', residents = $2, auto = $3, review = $4, keine = $5,
			finished_at = now(), lease_until = NULL, detail = '' WHERE id = $1`, id, n.Residents, n.Auto, n.Review, n.Keine)
		return err
	})
	return n, storeErr("save abgleich", err)
}

func (s *SchulpflichtStore) Zuordnungen(ctx context.Context, id string, e sp.Entscheidung, after int64, limit int) ([]sp.Eintrag, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT z.kind_id, coalesce(k.ordnungsmerkmal, ''), k.familienname, k.vornamen, k.geburtsdatum, z.entscheidung, z.score,
			z.uebereinstimmend, z.begruendung, coalesce(z.quelle, ''), coalesce(z.pupil_ref, 0), coalesce(z.schulnummer, ''),
			coalesce(z.schuelernummer, ''), coalesce(s.familienname, b.familienname, a.familienname, c.familienname, ''),
			coalesce(s.vornamen, b.vornamen, a.vornamen, c.vornamen, ''), coalesce(s.geburtsdatum, b.geburtsdatum, a.geburtsdatum, c.geburtsdatum),
			coalesce(b.schulname, c.schulname, '')
		FROM abgleich_zuordnungen z
		JOIN kinder k ON k.id = z.kind_id
		LEFT JOIN schueler s ON z.quelle = 'schueler' AND s.id = z.pupil_ref
		LEFT JOIN bestaetigungen b ON z.quelle = 'bestaetigung' AND b.id = z.pupil_ref
		LEFT JOIN kinder a ON z.quelle = 'aufnahme' AND a.id = z.pupil_ref
		LEFT JOIN schulbescheinigungen c ON z.quelle = 'schulbescheinigung' AND c.ref = z.pupil_ref
		WHERE z.abgleich_id = $1 AND ($2 = '' OR z.entscheidung = $2) AND z.kind_id > $3
		ORDER BY z.kind_id LIMIT $4`, id, string(e), after, limit)
	if err != nil {
		return nil, storeErr("list zuordnungen", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sp.Eintrag, error) {
		var x sp.Eintrag
		var felder []string
		var t sp.Treffer
		var ref int64
		var geb *time.Time
		err := r.Scan(&x.KindID, &x.Ordnungsmerkmal, &x.Familienname, &x.Vornamen, &x.Geburtsdatum, &x.Entscheidung, &x.Score,
			&felder, &x.Begruendung, &t.Quelle, &ref, &t.Schulnummer, &t.Schuelernummer, &t.Familienname, &t.Vornamen, &geb, &t.Schulname)
		for _, f := range felder {
			x.Uebereinstimmend = append(x.Uebereinstimmend, sp.Feld(f))
		}
		if ref != 0 {
			t.ID = sp.PupilID(t.Quelle, ref)
			if geb != nil {
				t.Geburtsdatum = *geb
			}
			x.Schueler = &t
		}
		return x, err
	})
	return list, storeErr("list zuordnungen", err)
}

func (s *SchulpflichtStore) SaveUrteil(ctx context.Context, u sp.Urteil, by string) (bool, error) {
	kind, _ := strconv.ParseInt(u.ResidentID, 10, 64)
	q, ref, _ := sp.ParsePupilID(u.PupilID)
	table := map[sp.Quelle]string{sp.QuelleSchueler: "schueler", sp.QuelleBestaetigung: "bestaetigungen", sp.QuelleAufnahme: "kinder",
		sp.QuelleSchulbescheinigung: "schulbescheinigungen"}[q]
	column := "id"
	if q == sp.QuelleSchulbescheinigung {
		column = "ref"
	}
	var neu bool
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var kindOK, pupilOK bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM kinder WHERE id = $1), EXISTS (SELECT 1 FROM `+table+` WHERE `+column+` = $2)`,
			kind, ref).Scan(&kindOK, &pupilOK); err != nil {
			return err
		}
		switch {
		case !kindOK:
			return apperr.NotFound(fmt.Sprintf("Ein Kind mit der Kennung „%s“ gibt es nicht.", u.ResidentID))
		case !pupilOK:
			return apperr.NotFound(fmt.Sprintf("Einen Schüler mit der Kennung „%s“ gibt es nicht.", u.PupilID))
		}
		if err := tx.QueryRow(ctx, `
			INSERT INTO schulpflicht_urteile AS t (kind_id, quelle, pupil_ref, bestaetigt, created_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (kind_id, quelle, pupil_ref) DO UPDATE SET bestaetigt = EXCLUDED.bestaetigt, created_by = EXCLUDED.created_by, created_at = now()
			RETURNING xmax = 0`, kind, string(q), ref, u.Bestaetigt, by).Scan(&neu); err != nil {
			return err
		}
		if neu {
			audit.Result(ctx, http.StatusCreated, "")
		}
		return nil
	})
	return neu, storeErr("save urteil", err)
}

// ErledigteFaelle: per child without an open case its latest closed one,
// with the day it was closed (its latest closing in the history), the
// stichtag of the latest run that saw it open, and the child's move-in.
func (s *SchulpflichtStore) ErledigteFaelle(ctx context.Context) ([]sp.ErledigterFall, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT DISTINCT ON (f.kind_id) f.id, f.kind_id, f.grund, f.befreit_bis,
			coalesce((SELECT max(h.wann) FROM fall_historie h WHERE h.fall_id = f.id AND h.zu_status = 'erledigt'), f.updated_at),
			coalesce(a.stichtag, f.updated_at::date), k.zuzug
		FROM faelle f
		JOIN kinder k ON k.id = f.kind_id
		LEFT JOIN abgleiche a ON a.id = f.letzter_abgleich_id
		WHERE f.status = 'erledigt' AND NOT EXISTS (SELECT 1 FROM faelle o WHERE o.kind_id = f.kind_id AND o.status <> 'erledigt')
		ORDER BY f.kind_id, f.id DESC`)
	if err != nil {
		return nil, storeErr("load closed cases", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sp.ErledigterFall, error) {
		var f sp.ErledigterFall
		var kind int64
		var bis, zuzug *time.Time
		err := r.Scan(&f.ID, &kind, &f.Grund, &bis, &f.ErledigtAm, &f.Stichtag, &zuzug)
		f.KindID = strconv.FormatInt(kind, 10)
		if bis != nil {
			f.BefreitBis = *bis
		}
		if zuzug != nil {
			f.Zuzug = *zuzug
		}
		return f, err
	})
	return list, storeErr("load closed cases", err)
}

const fallColumns = `f.id, f.kind_id, f.status, coalesce(f.grund, ''), f.befreit_bis, f.anlass, f.bemerkung, f.abgleich_id, f.letzter_abgleich_id, f.letzte_entscheidung,
	f.created_at, f.updated_at, coalesce(k.ordnungsmerkmal, ''), k.familienname, k.vornamen, k.geburtsdatum, k.strasse, k.hausnummer,
	coalesce(k.plz, ''), coalesce(k.ort, ''), k.status = 'weggezogen', k.auskunftssperre, f.version, k.updated_at`

func scanFall(r pgx.Row) (sp.Fall, error) {
	var f sp.Fall
	var bis *time.Time
	k := &f.Kind
	err := r.Scan(&f.ID, &f.KindID, &f.Status, &f.Grund, &bis, &f.Anlass, &f.Bemerkung, &f.AbgleichID, &f.LetzterAbgleichID, &f.LetzteEntscheidung,
		&f.CreatedAt, &f.UpdatedAt, &k.Ordnungsmerkmal, &k.Familienname, &k.Vornamen, &k.Geburtsdatum, &k.Strasse, &k.Hausnummer,
		&k.PLZ, &k.Ort, &k.Weggezogen, &k.Auskunftssperre, &f.Version, &f.KindStand)
	if bis != nil {
		f.BefreitBis = *bis
	}
	return f, err
}

func (s *SchulpflichtStore) Faelle(ctx context.Context, status sp.FallStatus, after int64, limit int) ([]sp.Fall, error) {
	var lim any
	if limit > 0 {
		lim = limit
	}
	rows, err := s.pool.Query(ctx, `SELECT `+fallColumns+` FROM faelle f JOIN kinder k ON k.id = f.kind_id
		WHERE ($1 = '' OR f.status = $1) AND f.id > $2 ORDER BY f.id LIMIT $3`, string(status), after, lim)
	if err != nil {
		return nil, storeErr("list faelle", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sp.Fall, error) { return scanFall(r) })
	return list, storeErr("list faelle", err)
}

func (s *SchulpflichtStore) Fall(ctx context.Context, id int64) (sp.Fall, error) {
	f, err := scanFall(s.pool.QueryRow(ctx, `SELECT `+fallColumns+` FROM faelle f JOIN kinder k ON k.id = f.kind_id WHERE f.id = $1`, id))
	if errors.Is(err, pgx.ErrNoRows) {
		return sp.Fall{}, apperr.NotFound("Diesen Fall gibt es nicht.")
	}
	if err != nil {
		return sp.Fall{}, storeErr("get fall", err)
	}
	rows, err := s.pool.Query(ctx, `SELECT wer, wann, coalesce(von_status, ''), zu_status, coalesce(von_grund, ''), coalesce(zu_grund, ''), bemerkung
		FROM fall_historie WHERE fall_id = $1 ORDER BY id`, id)
	if err != nil {
		return sp.Fall{}, storeErr("get fall", err)
	}
	f.Historie, err = pgx.CollectRows(rows, func(r pgx.CollectableRow) (sp.Historie, error) {
		var h sp.Historie
		err := r.Scan(&h.Wer, &h.Wann, &h.VonStatus, &h.ZuStatus, &h.VonGrund, &h.ZuGrund, &h.Bemerkung)
		return h, err
	})
	return f, storeErr("get fall", err)
}

func (s *SchulpflichtStore) AendereFall(ctx context.Context, id int64, change func(sp.Fall) (sp.Fall, *sp.Historie, error)) (sp.Fall, error) {
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		f, err := scanFall(tx.QueryRow(ctx, `SELECT `+fallColumns+` FROM faelle f JOIN kinder k ON k.id = f.kind_id WHERE f.id = $1 FOR UPDATE OF f`, id))
		if errors.Is(err, pgx.ErrNoRows) {
			return apperr.NotFound("Diesen Fall gibt es nicht.")
		}
		if err != nil {
			return err
		}
		neu, h, err := change(f)
		if err != nil || h == nil {
			return err
		}
		var grund any
		if neu.Grund != "" {
			grund = string(neu.Grund)
		}
		var bis any
		if !neu.BefreitBis.IsZero() {
			bis = neu.BefreitBis
		}
		if _, err := tx.Exec(ctx, `UPDATE faelle SET status = $2, grund = $3, bemerkung = $4, befreit_bis = $5, updated_at = now() WHERE id = $1`,
			id, string(neu.Status), grund, neu.Bemerkung, bis); err != nil {
			var pgErr *pgconn.PgError
			if errors.As(err, &pgErr) && pgErr.Code == "23505" {
				return apperr.Conflict("Für dieses Kind gibt es inzwischen einen anderen nicht erledigten Fall. Bitte diesen bearbeiten.")
			}
			return err
		}
		_, err = tx.Exec(ctx, `INSERT INTO fall_historie (fall_id, wer, von_status, zu_status, von_grund, zu_grund, bemerkung)
			VALUES ($1, $2, $3, $4, $5, $6, $7)`, id, h.Wer, string(h.VonStatus), string(h.ZuStatus), nilIfEmpty(string(h.VonGrund)),
			nilIfEmpty(string(h.ZuGrund)), h.Bemerkung)
		return err
	})
	if err != nil {
		return sp.Fall{}, storeErr("change fall", err)
	}
	return s.Fall(ctx, id)
}

// Schuelerlisten: per school of the city, when its latest pupil list was
// imported (succeeded, not a dry run, not undone). A list names its school
// for the whole upload or per row; either counts.
func (s *SchulpflichtStore) Schuelerlisten(ctx context.Context) ([]sp.Schuelerliste, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT s.schulnummer, s.name, l.stand
		FROM schulen s
		LEFT JOIN LATERAL (
			SELECT max(i.finished_at) AS stand FROM imports i
			WHERE i.kind = 'schueler' AND i.status = 'succeeded' AND NOT i.dry_run AND i.undone_at IS NULL
			  AND (i.schulnummer = s.schulnummer
			       OR (i.schulnummer = '' AND EXISTS (SELECT 1 FROM schueler x WHERE x.import_id = i.id AND x.schulnummer = s.schulnummer)))
		) l ON true
		ORDER BY s.schulnummer`)
	if err != nil {
		return nil, storeErr("list schuelerlisten", err)
	}
	out, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sp.Schuelerliste, error) {
		var l sp.Schuelerliste
		var stand *time.Time
		err := r.Scan(&l.Schulnummer, &l.Schulname, &stand)
		if stand != nil {
			l.Stand = *stand
		}
		return l, err
	})
	return out, storeErr("list schuelerlisten", err)
}

package postgres

import (
	"context"
	"errors"
	"net/http"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// EinschulungStore implements einschulung.Store.
type EinschulungStore struct{ pool *pgxpool.Pool }

func NewEinschulungStore(pool *pgxpool.Pool) *EinschulungStore { return &EinschulungStore{pool: pool} }

var _ einschulung.Store = (*EinschulungStore)(nil)

const kindColumns = `schluessel, familienname, vornamen, coalesce(rufname, ''), geburtsdatum, coalesce(geschlecht, ''),
	strasse, hausnummer, coalesce(plz, ''), coalesce(ort, ''), coalesce(ortsteil, ''), auskunftssperre, coalesce(sorgeberechtigte, ''), zuzug, wegzug, status = 'weggezogen'`

func scanKind(row pgx.CollectableRow) (einschulung.Kind, error) {
	var k einschulung.Kind
	var zuzug, wegzug *time.Time
	err := row.Scan(&k.Schluessel, &k.Familienname, &k.Vornamen, &k.Rufname, &k.Geburtsdatum, &k.Geschlecht,
		&k.Strasse, &k.Hausnummer, &k.PLZ, &k.Ort, &k.Ortsteil, &k.Auskunftssperre, &k.Sorgeberechtigte, &zuzug, &wegzug, &k.Weggezogen)
	if zuzug != nil {
		k.Zuzug = *zuzug
	}
	if wegzug != nil {
		k.Wegzug = *wegzug
	}
	return k, err
}

func jahre(sjs []werte.Schuljahr) []int {
	out := make([]int, len(sjs))
	for i, sj := range sjs {
		out[i] = sj.StartYear()
	}
	return out
}

// kohortenKinderSQL reads the children of a cohort: born between $1 and
// $2, or named by a Meldung of the school years $3.
const kohortenKinderSQL = `
	SELECT ` + kindColumns + ` FROM kinder WHERE geburtsdatum BETWEEN $1 AND $2
	UNION ALL
	SELECT ` + kindColumns + ` FROM kinder k
	WHERE NOT geburtsdatum BETWEEN $1 AND $2
	  AND EXISTS (SELECT 1 FROM einschulung_meldungen m WHERE m.kind = k.schluessel AND m.schuljahr = ANY ($3))`

func (s *EinschulungStore) Kinder(ctx context.Context, von, bis time.Time, schuljahre []werte.Schuljahr) ([]einschulung.Kind, error) {
	rows, err := s.pool.Query(ctx, kohortenKinderSQL, von, bis, jahre(schuljahre))
	if err != nil {
		return nil, storeErr("load cohort children", err)
	}
	list, err := pgx.CollectRows(rows, scanKind)
	return list, storeErr("load cohort children", err)
}

// KinderSeite pages the children Kinder returns by their pseudonymous id
// (the index kinder_pseudonym, migration 0095): those whose id is greater
// than after, at most n, in id order. It first gives every child without
// a stored id its id, and checks each row it reads: an id that is not
// id(schluessel) (the key was changed) makes it compute them all anew.
func (s *EinschulungStore) KinderSeite(ctx context.Context, von, bis, mvon, mbis time.Time, schuljahre []werte.Schuljahr,
	after string, n int, id func(string) string) ([]einschulung.Kind, error) {
	for versuch := 0; ; versuch++ {
		if err := s.pseudonymeFuellen(ctx, id); err != nil {
			return nil, storeErr("fill pseudonyms", err)
		}
		// OFFSET 0 keeps the Meldungen a lookup per row the filter reaches:
		// without it PostgreSQL hashes all Meldungen of the years first (a
		// cost of the whole cohort, 11 ms at 50,000).
		rows, err := s.pool.Query(ctx, `
			SELECT pseudonym, `+kindColumns+` FROM kinder k
			WHERE pseudonym > $4
			  AND (geburtsdatum BETWEEN $1 AND $2
			       OR (geburtsdatum + 0) BETWEEN $6 AND $7 -- "+ 0": no BitmapOr over the date index, which would sort the cohort
			          AND EXISTS (SELECT 1 FROM einschulung_meldungen m WHERE m.kind = k.schluessel AND m.schuljahr = ANY ($3) OFFSET 0))
			ORDER BY pseudonym LIMIT $5`,
			von, bis, jahre(schuljahre), after, n, mvon, mbis)
		if err != nil {
			return nil, storeErr("load cohort page", err)
		}
		stimmt := true
		list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (einschulung.Kind, error) {
			var p string
			k, err := scanKind(mitPseudonym{row, &p})
			if k.Schluessel != "" && id(k.Schluessel) != p {
				stimmt = false
			}
			return k, err
		})
		if err != nil {
			return nil, storeErr("load cohort page", err)
		}
		if stimmt {
			return list, nil
		}
		if versuch > 0 {
			return nil, storeErr("load cohort page", errors.New("stored pseudonyms do not match the key after refilling"))
		}
		if _, err := s.pool.Exec(ctx, `UPDATE kinder SET pseudonym = NULL WHERE pseudonym IS NOT NULL`); err != nil {
			return nil, storeErr("reset pseudonyms", err)
		}
	}
}

// mitPseudonym scans one column before the rest of the row into first.
type mitPseudonym struct {
	pgx.CollectableRow
	first any
}

func (p mitPseudonym) Scan(dest ...any) error {
	return p.CollectableRow.Scan(append([]any{p.first}, dest...)...)
}

// pseudonymLockID serialises the filling of kinder.pseudonym ("sgpseudo").
const pseudonymLockID int64 = 0x736770736575646f

// pseudonymeFuellen gives every child without a stored pseudonym its id.
func (s *EinschulungStore) pseudonymeFuellen(ctx context.Context, id func(string) string) error {
	var fehlt bool
	if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM kinder WHERE pseudonym IS NULL)`).Scan(&fehlt); err != nil || !fehlt {
		return err
	}
	var n int
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1)`, pseudonymLockID); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT id, schluessel FROM kinder WHERE pseudonym IS NULL`)
		if err != nil {
			return err
		}
		var ids []int64
		var ps []string
		var rid int64
		var schluessel string
		if _, err := pgx.ForEachRow(rows, []any{&rid, &schluessel}, func() error {
			ids = append(ids, rid)
			ps = append(ps, id(schluessel))
			return nil
		}); err != nil {
			return err
		}
		n = len(ids)
		_, err = tx.Exec(ctx, `UPDATE kinder k SET pseudonym = v.p FROM unnest($1::bigint[], $2::text[]) v (id, p)
			WHERE k.id = v.id AND k.pseudonym IS NULL`, ids, ps)
		return err
	})
	if err != nil || n < 1000 {
		return err
	}
	// Many rows filled (after an import, a new key): statistics taken
	// before (every id missing) would make the check above a scan of the
	// whole table, and the rows' old versions would be read by every page,
	// until autovacuum comes round. Done once here instead.
	_, err = s.pool.Exec(ctx, `VACUUM (ANALYZE) kinder`)
	return err
}

// MeldungenDerKinder returns the Meldungen of the school years about the
// children with the register keys kinder.
func (s *EinschulungStore) MeldungenDerKinder(ctx context.Context, schuljahre []werte.Schuljahr, kinder []string) ([]einschulung.Meldung, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+meldungColumns+` FROM einschulung_meldungen WHERE schuljahr = ANY ($1) AND kind = ANY ($2)`,
		jahre(schuljahre), kinder)
	if err != nil {
		return nil, storeErr("load Meldungen", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (einschulung.Meldung, error) { return scanMeldung(r) })
	return list, storeErr("load Meldungen", err)
}

func (s *EinschulungStore) KinderGeborenAm(ctx context.Context, tag time.Time) ([]einschulung.Kind, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+kindColumns+` FROM kinder WHERE geburtsdatum = $1`, tag)
	if err != nil {
		return nil, storeErr("find child", err)
	}
	list, err := pgx.CollectRows(rows, scanKind)
	return list, storeErr("find child", err)
}

const meldungColumns = `schuljahr, kind, typ, schulnummer, art, entscheidung, geaendert_am`

// scanMeldung reads meldungColumns, then any extra columns into extra.
func scanMeldung(row pgx.Row, extra ...any) (einschulung.Meldung, error) {
	var m einschulung.Meldung
	var jahr int
	err := row.Scan(append([]any{&jahr, &m.Kind, &m.Typ, &m.Schulnummer, &m.Art, &m.Entscheidung, &m.Geaendert}, extra...)...)
	m.Schuljahr = werte.NewSchuljahr(jahr)
	return m, err
}

func (s *EinschulungStore) Meldungen(ctx context.Context, schuljahre []werte.Schuljahr) ([]einschulung.Meldung, error) {
	rows, err := s.pool.Query(ctx, `SELECT `+meldungColumns+` FROM einschulung_meldungen WHERE schuljahr = ANY ($1)`, jahre(schuljahre))
	if err != nil {
		return nil, storeErr("load Meldungen", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (einschulung.Meldung, error) { return scanMeldung(r) })
	return list, storeErr("load Meldungen", err)
}

// SaveMeldung locks the child's Meldungen of the school year (an advisory
// lock on year and child, so that two Meldungen about one child take
// turns and each is checked against the state the other left), checks m
// against them and upserts it; a Meldung equal to the stored one changes
// nothing, not even its time, and records nothing in the change feed.
func (s *EinschulungStore) SaveMeldung(ctx context.Context, m einschulung.Meldung, id string, pruefe func(einschulung.Zustand) ([]einschulung.Typ, error)) (einschulung.Meldung, bool, error) {
	var (
		out einschulung.Meldung
		neu bool
	)
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock(hashtext('einschulung:' || $2), $1)`, m.Schuljahr.StartYear(), m.Kind); err != nil {
			return err
		}
		rows, err := tx.Query(ctx, `SELECT `+meldungColumns+` FROM einschulung_meldungen WHERE schuljahr = $1 AND kind = $2`, m.Schuljahr.StartYear(), m.Kind)
		if err != nil {
			return err
		}
		vorher, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (einschulung.Meldung, error) { return scanMeldung(r) })
		if err != nil {
			return err
		}
		z := einschulung.Zustand{}
		for _, x := range vorher {
			z[x.Typ] = x
		}
		weg, err := pruefe(z)
		if err != nil {
			return err
		}
		geloescht := false
		if len(weg) > 0 {
			typen := make([]string, len(weg))
			for i, t := range weg {
				typen[i] = string(t)
			}
			tag, err := tx.Exec(ctx, `DELETE FROM einschulung_meldungen WHERE schuljahr = $1 AND kind = $2 AND typ = ANY ($3)`,
				m.Schuljahr.StartYear(), m.Kind, typen)
			if err != nil {
				return err
			}
			geloescht = tag.RowsAffected() > 0
		}
		out, err = scanMeldung(tx.QueryRow(ctx, `
			INSERT INTO einschulung_meldungen AS t (schuljahr, kind, typ, schulnummer, art, entscheidung)
			VALUES ($1, $2, $3, $4, $5, $6)
			ON CONFLICT (schuljahr, kind, typ) DO UPDATE SET
				schulnummer = EXCLUDED.schulnummer, art = EXCLUDED.art, entscheidung = EXCLUDED.entscheidung, geaendert_am = now()
			WHERE (t.schulnummer, t.art, t.entscheidung) IS DISTINCT FROM (EXCLUDED.schulnummer, EXCLUDED.art, EXCLUDED.entscheidung)
			RETURNING `+meldungColumns+`, xmax = 0`,
			m.Schuljahr.StartYear(), m.Kind, m.Typ, m.Schulnummer, m.Art, m.Entscheidung), &neu)
		switch {
		case errors.Is(err, pgx.ErrNoRows): // unchanged
			out, err = z[m.Typ], nil
			if !geloescht {
				return nil
			}
		case err != nil:
			return err
		}
		if neu { // the request answers 201; its entry, written with this transaction, says so
			audit.Result(ctx, http.StatusCreated, "")
		}
		return RecordChange(ctx, tx, changefeed.EntityKind, id, changefeed.Upsert, nil)
	})
	if err != nil {
		return einschulung.Meldung{}, false, storeErr("save Meldung", err) // a refusal of pruefe passes unchanged
	}
	return out, neu, nil
}

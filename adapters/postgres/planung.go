package postgres

import (
	"context"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/planung"
)

// PlanungStore implements planung.Store: it hands planning the rows it
// needs, counted where SQL can count without a rule of the domain, and
// decides nothing (the current school year, the cohort of a child and the
// Bezirk of an address are planung.Service.Daten's). It reads no name;
// birth dates and addresses of residents go to planning only to be counted.
type PlanungStore struct {
	pool *pgxpool.Pool
}

// NewPlanungStore returns a store.
func NewPlanungStore(pool *pgxpool.Pool) *PlanungStore {
	return &PlanungStore{pool: pool}
}

// Bestand reads everything in one read-only transaction, so that the
// pupils, cohorts and residents are of one moment.
func (s *PlanungStore) Bestand(ctx context.Context) (planung.Bestand, error) {
	var b planung.Bestand
	err := pgx.BeginTxFunc(ctx, s.pool, pgx.TxOptions{AccessMode: pgx.ReadOnly, IsoLevel: pgx.RepeatableRead}, func(tx pgx.Tx) error {
		var err error
		if b.Schulen, err = planungRows(ctx, tx, "planung: schools",
			`SELECT schulnummer, name, schulform, coalesce(zuege, 0), coalesce(klassenfrequenz, 0), coalesce(kapazitaet, 0) FROM schulen ORDER BY schulnummer`,
			func(r pgx.CollectableRow) (planung.Schulzeile, error) {
				var z planung.Schulzeile
				err := r.Scan(&z.Schulnummer, &z.Name, &z.Schulform, &z.Zuege, &z.Klassenfrequenz, &z.Kapazitaet)
				return z, err
			}); err != nil {
			return err
		}
		if b.Aktive, err = planungRows(ctx, tx, "planung: pupils", `
			SELECT schulnummer, 0, jahrgangsstufe, count(*)::int FROM schueler
			WHERE status = 'aktiv' AND jahrgangsstufe IS NOT NULL
			GROUP BY schulnummer, jahrgangsstufe`, scanZahl); err != nil {
			return err
		}
		if b.Historie, err = planungRows(ctx, tx, "planung: pupil history",
			`SELECT schulnummer, schuljahr, jahrgangsstufe, anzahl FROM planung_schuelerzahlen`, scanZahl); err != nil {
			return err
		}
		if b.Kohorten, err = planungRows(ctx, tx, "planung: cohorts", `SELECT schulnummer, schuljahr, anzahl FROM planung_kohorten`,
			func(r pgx.CollectableRow) (planung.Kohorte, error) {
				var k planung.Kohorte
				err := r.Scan(&k.Schulnummer, &k.Schuljahr, &k.Anzahl)
				return k, err
			}); err != nil {
			return err
		}
		// The residents as einschulung.Kind.Wohnt and SchulbezirkStore.Einwohner see them.
		b.Einwohner, err = planungRows(ctx, tx, "planung: residents", `
			SELECT geburtsdatum, strasse, hausnummer, coalesce(plz, ''), coalesce(ortsteil, '')
			FROM kinder WHERE status = 'gemeldet' AND (wegzug IS NULL OR zuzug > wegzug)`,
			func(r pgx.CollectableRow) (planung.Einwohner, error) {
				var e planung.Einwohner
				err := r.Scan(&e.Geburtsdatum, &e.Adresse.Strasse, &e.Adresse.Hausnummer, &e.Adresse.PLZ, &e.Adresse.Ortsteil)
				return e, err
			})
		return err
	})
	if err != nil {
		return planung.Bestand{}, storeErr("read planning data", err)
	}
	return b, nil
}

func scanZahl(r pgx.CollectableRow) (planung.Zahl, error) {
	var z planung.Zahl
	err := r.Scan(&z.Schulnummer, &z.Schuljahr, &z.Jahrgangsstufe, &z.Anzahl)
	return z, err
}

// planungRows runs a query and scans its rows; errors name what was read.
func planungRows[T any](ctx context.Context, tx pgx.Tx, was, sql string, scan pgx.RowToFunc[T]) ([]T, error) {
	rows, err := tx.Query(ctx, sql)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", was, err)
	}
	list, err := pgx.CollectRows(rows, scan)
	if err != nil {
		return nil, fmt.Errorf("%s: %w", was, err)
	}
	return list, nil
}

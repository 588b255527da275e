package postgres

import (
	"context"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"sync/atomic"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/schule"
)

// SchulenStore implements schule.Store. With a Changes listener it keeps
// the list of schools in memory (read on nearly every BMS call, changed a
// few times a year) and drops it on any change in any instance.
type SchulenStore struct {
	pool    *pgxpool.Pool
	changes *Changes
	cache   atomic.Pointer[schulenCache]
}

type schulenCache struct {
	gen  uint64
	list []schule.Schule
}

// NewSchulenStore returns a store; changes may be nil (no caching).
func NewSchulenStore(pool *pgxpool.Pool, changes *Changes) *SchulenStore {
	return &SchulenStore{pool: pool, changes: changes}
}

// Version is the change listener's generation: it moves on with every
// change in any instance; without a healthy listener it is not ok.
func (st *SchulenStore) Version() (uint64, bool) { return st.changes.Generation() }

// Pool exposes the pool (for tests and tools that write around the store).
func (st *SchulenStore) Pool() *pgxpool.Pool { return st.pool }

// changedSQL is true in an upsert when the new values differ. A changed
// school loses its import provenance: the record no longer is what that
// import wrote (and the import can no longer be undone).
const changedSQL = `(t.name, t.schulform, t.traeger, t.strasse, t.hausnummer, t.plz, t.ort, t.zuege, t.klassenfrequenz, t.kapazitaet)
		IS DISTINCT FROM (EXCLUDED.name, EXCLUDED.schulform, EXCLUDED.traeger, EXCLUDED.strasse, EXCLUDED.hausnummer, EXCLUDED.plz, EXCLUDED.ort, EXCLUDED.zuege, EXCLUDED.klassenfrequenz, EXCLUDED.kapazitaet)`

const schuleColumns = `schulnummer, name, schulform, traeger, strasse, hausnummer, plz, ort,
	zuege, klassenfrequenz, kapazitaet, updated_at, version`

// scanSchule reads schuleColumns, then any extra columns into extra.
func scanSchule(row pgx.Row, extra ...any) (schule.Schule, error) {
	var s schule.Schule
	dest := append([]any{&s.Schulnummer, &s.Name, &s.Schulform, &s.Traeger, &s.Strasse, &s.Hausnummer, &s.PLZ, &s.Ort,
		&s.Zuege, &s.Klassenfrequenz, &s.Kapazitaet, &s.UpdatedAt, &s.Version}, extra...)
	err := row.Scan(dest...)
	return s, err
}

func (st *SchulenStore) List(ctx context.Context) ([]schule.Schule, error) {
	gen, ok := st.changes.Generation()
	if ok {
		if c := st.cache.Load(); c != nil && c.gen == gen {
			return slices.Clone(c.list), nil
		}
	}
	rows, err := st.pool.Query(ctx, "SELECT "+schuleColumns+" FROM schulen ORDER BY schulnummer")
	if err != nil {
		return nil, storeErr("list schools", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (schule.Schule, error) { return scanSchule(r) })
	if err != nil {
		return nil, storeErr("list schools", err)
	}
	if ok {
		// Tagged with the generation read before the query: a change that
		// lands meanwhile moves the generation on and retires this entry.
		st.cache.Store(&schulenCache{gen: gen, list: slices.Clone(list)})
	}
	return list, nil
}

func (st *SchulenStore) Get(ctx context.Context, schulnummer string) (schule.Schule, error) {
	s, err := scanSchule(st.pool.QueryRow(ctx, "SELECT "+schuleColumns+" FROM schulen WHERE schulnummer = $1", schulnummer))
	if errors.Is(err, pgx.ErrNoRows) {
		return schule.Schule{}, apperr.NotFound(fmt.Sprintf("Eine Schule mit der Schulnummer „%s“ gibt es nicht.", schulnummer))
	}
	return s, storeErr("get school", err)
}

// Put upserts; updated_at moves only when a value really changed, so a
// repeated identical PUT leaves the record as it was.
func (st *SchulenStore) Put(ctx context.Context, s schule.Schule) (schule.Schule, bool, error) {
	return st.PutIf(ctx, s, nil)
}

// PutIf is Put after pruefe (if not nil) accepted the stored school, read
// with a row lock in the writing transaction: nobody changes it between
// the check and the write.
func (st *SchulenStore) PutIf(ctx context.Context, s schule.Schule, pruefe func(alt *schule.Schule) error) (schule.Schule, bool, error) {
	// The school and its entry in the change feed are one transaction: the
	// BMS learns of exactly the changes that happened.
	var (
		out              schule.Schule
		created, changed bool
	)
	err := inTx(ctx, st.pool, func(tx pgx.Tx) error {
		if pruefe != nil {
			alt, err := scanSchule(tx.QueryRow(ctx, "SELECT "+schuleColumns+" FROM schulen WHERE schulnummer = $1 FOR UPDATE", s.Schulnummer))
			switch {
			case errors.Is(err, pgx.ErrNoRows):
				err = pruefe(nil)
			case err == nil:
				err = pruefe(&alt)
			}
			if err != nil {
				return err
			}
		}
		row := tx.QueryRow(ctx, `
		INSERT INTO schulen AS t (schulnummer, name, schulform, traeger, strasse, hausnummer, plz, ort, zuege, klassenfrequenz, kapazitaet)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11)
		ON CONFLICT (schulnummer) DO UPDATE SET
			name = EXCLUDED.name, schulform = EXCLUDED.schulform, traeger = EXCLUDED.traeger,
			strasse = EXCLUDED.strasse, hausnummer = EXCLUDED.hausnummer, plz = EXCLUDED.plz, ort = EXCLUDED.ort,
			zuege = EXCLUDED.zuege, klassenfrequenz = EXCLUDED.klassenfrequenz, kapazitaet = EXCLUDED.kapazitaet,
			updated_at = CASE WHEN `+changedSQL+` THEN now() ELSE t.updated_at END,
			import_id = CASE WHEN `+changedSQL+` THEN NULL ELSE t.import_id END,
			import_row = CASE WHEN `+changedSQL+` THEN NULL ELSE t.import_row END
		RETURNING `+schuleColumns+`, (xmax = 0), (updated_at = now())`,
			s.Schulnummer, s.Name, s.Schulform, s.Traeger, s.Strasse, s.Hausnummer, s.PLZ, s.Ort, s.Zuege, s.Klassenfrequenz, s.Kapazitaet)
		var err error
		if out, err = scanSchule(row, &created, &changed); err != nil {
			return err
		}
		if created {
			audit.Result(ctx, http.StatusCreated, "")
		}
		if !changed {
			return nil
		}
		return RecordChange(ctx, tx, changefeed.EntitySchule, out.Schulnummer, changefeed.Upsert, nil)
	})
	if err != nil {
		return schule.Schule{}, false, storeErr("put school", err)
	}
	st.changes.Bump()
	return out, created, nil
}

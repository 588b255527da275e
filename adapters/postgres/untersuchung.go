package postgres

import (
	"context"
	"net/http"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/untersuchung"
)

// UntersuchungStore implements untersuchung.Store.
type UntersuchungStore struct{ pool *pgxpool.Pool }

var _ untersuchung.Store = (*UntersuchungStore)(nil)

func NewUntersuchungStore(pool *pgxpool.Pool) *UntersuchungStore {
	return &UntersuchungStore{pool: pool}
}

func (s *UntersuchungStore) Save(ctx context.Context, u untersuchung.Untersuchung) (bool, error) {
	var neu bool
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			INSERT INTO schuleingangsuntersuchungen AS t (schuljahr, kind_id, untersucht_am, ergebnis, created_by) VALUES ($1, $2, $3, $4, $5)
			ON CONFLICT (schuljahr, kind_id) DO UPDATE SET untersucht_am = EXCLUDED.untersucht_am, ergebnis = EXCLUDED.ergebnis,
				created_by = EXCLUDED.created_by, created_at = now()
			RETURNING xmax = 0`, u.Schuljahr, u.KindID, u.UntersuchtAm, string(u.Ergebnis), u.CreatedBy).Scan(&neu); err != nil {
			return err
		}
		if neu {
			audit.Result(ctx, http.StatusCreated, "")
		}
		return nil
	})
	return neu, storeErr("save untersuchung", err)
}

func (s *UntersuchungStore) List(ctx context.Context, schuljahr int) (map[string]untersuchung.Untersuchung, error) {
	rows, err := dbFor(ctx, s.pool).Query(ctx, `SELECT schuljahr, kind_id, untersucht_am, ergebnis, created_by, created_at
		FROM schuleingangsuntersuchungen WHERE schuljahr = $1`, schuljahr)
	if err != nil {
		return nil, storeErr("list untersuchungen", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (untersuchung.Untersuchung, error) {
		var u untersuchung.Untersuchung
		err := r.Scan(&u.Schuljahr, &u.KindID, &u.UntersuchtAm, &u.Ergebnis, &u.CreatedBy, &u.CreatedAt)
		return u, err
	})
	if err != nil {
		return nil, storeErr("list untersuchungen", err)
	}
	out := make(map[string]untersuchung.Untersuchung, len(list))
	for _, u := range list {
		out[u.KindID] = u
	}
	return out, nil
}

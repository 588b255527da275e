package postgres

import (
	"context"
	"errors"
	"fmt"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	sb "github.com/schulgateway/schulgateway/internal/schulbescheinigung"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// SchulbescheinigungStore implements schulbescheinigung.Store.
type SchulbescheinigungStore struct{ pool *pgxpool.Pool }

var _ sb.Store = (*SchulbescheinigungStore)(nil)

func NewSchulbescheinigungStore(pool *pgxpool.Pool) *SchulbescheinigungStore {
	return &SchulbescheinigungStore{pool: pool}
}

const schulbescheinigungColumns = `id::text, ref, format, nachricht, familienname, vornamen, geburtsdatum, geschlecht, strasse, hausnummer, plz, schulname, gueltig_von, gueltig_bis, created_by, created_at`

func scanSchulbescheinigung(row pgx.Row) (sb.Record, error) {
	var r sb.Record
	err := row.Scan(&r.ID, &r.Ref, &r.Format, &r.Nachricht, &r.Familienname, &r.Vornamen, &r.Geburtsdatum, &r.Geschlecht, &r.Strasse, &r.Hausnummer, &r.PLZ, &r.Schulname,
		&r.GueltigVon, &r.GueltigBis, &r.CreatedBy, &r.CreatedAt)
	return r, err
}

func (s *SchulbescheinigungStore) Create(ctx context.Context, r sb.Record) (sb.Record, error) {
	var out sb.Record
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var err error
		out, err = scanSchulbescheinigung(tx.QueryRow(ctx, `
			INSERT INTO schulbescheinigungen (format, nachricht, familienname, vornamen, geburtsdatum, geschlecht, strasse, hausnummer, plz, schulname, gueltig_von, gueltig_bis, created_by)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13) RETURNING `+schulbescheinigungColumns,
			string(r.Format), r.Nachricht, r.Familienname, r.Vornamen, r.Geburtsdatum, r.Geschlecht, r.Strasse, r.Hausnummer, r.PLZ, r.Schulname, r.GueltigVon, r.GueltigBis, r.CreatedBy))
		return err
	})
	return out, storeErr("create schulbescheinigung", err)
}

func (s *SchulbescheinigungStore) Get(ctx context.Context, id string) (sb.Record, error) {
	notFound := apperr.NotFound(fmt.Sprintf("Eine Schulbescheinigung mit der Kennung „%s“ gibt es nicht.", id))
	if !werte.IstUUID(id) {
		return sb.Record{}, notFound
	}
	r, err := scanSchulbescheinigung(dbFor(ctx, s.pool).QueryRow(ctx, "SELECT "+schulbescheinigungColumns+" FROM schulbescheinigungen WHERE id = $1", id))
	if errors.Is(err, pgx.ErrNoRows) {
		return sb.Record{}, notFound
	}
	return r, storeErr("get schulbescheinigung", err)
}

func (s *SchulbescheinigungStore) List(ctx context.Context, after int64, limit int) ([]sb.Record, error) {
	rows, err := dbFor(ctx, s.pool).Query(ctx, "SELECT "+schulbescheinigungColumns+` FROM schulbescheinigungen
		WHERE ref > $1 ORDER BY ref LIMIT $2`, after, limit)
	if err != nil {
		return nil, storeErr("list schulbescheinigungen", err)
	}
	list, err := pgx.CollectRows(rows, func(r pgx.CollectableRow) (sb.Record, error) { return scanSchulbescheinigung(r) })
	return list, storeErr("list schulbescheinigungen", err)
}

package postgres

import (
	"bytes"
	"context"
	"errors"
	"io"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/demo"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// ReplaceStrassenverzeichnis swaps the rows of the given schools' Bezirke for
// rows, in one transaction, so that seeding twice leaves one copy.
func ReplaceStrassenverzeichnis(ctx context.Context, pool *pgxpool.Pool, schulnummern []string, rows []demo.Bezirksregel) error {
	return pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		if _, err := tx.Exec(ctx, "DELETE FROM bezirksregeln WHERE schulnummer = ANY($1)", schulnummern); err != nil {
			return err
		}
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"bezirksregeln"},
			[]string{"schluessel", "strasse", "hausnummer_von", "hausnummer_bis", "paritaet", "zusatz_von", "zusatz_bis", "plz", "schulnummer", "gueltig_ab"},
			pgx.CopyFromSlice(len(rows), func(i int) ([]any, error) {
				r := rows[i]
				return []any{bezirksregelKey(r), r.Strasse, r.HausnummerVon, r.HausnummerBis, r.Paritaet, r.ZusatzVon, r.ZusatzBis, r.PLZ, r.Schulnummer, r.GueltigAbJahr}, nil
			}))
		return err
	})
}

// bezirksregelKey gives a seeded rule the natural key an uploaded
// directory row would have, so a later upload matches it.
func bezirksregelKey(r demo.Bezirksregel) string {
	v := map[string]any{"strasse": r.Strasse, "paritaet": r.Paritaet, "zusatz_von": r.ZusatzVon, "zusatz_bis": r.ZusatzBis, "plz": r.PLZ}
	if r.HausnummerVon != nil {
		v["hausnummer_von"] = importing.Hausnummer{Nummer: *r.HausnummerVon}
	}
	if r.HausnummerBis != nil {
		v["hausnummer_bis"] = importing.Hausnummer{Nummer: *r.HausnummerBis}
	}
	if r.GueltigAbJahr != nil {
		v["gueltig_ab"] = importing.NewSchuljahr(*r.GueltigAbJahr)
	}
	return importing.Schluessel(importing.KindSchulbezirke, v)
}

// DemoListeGeladen reports whether the list filename of kind was imported
// by `by` with exactly content, and no one else has imported a list of the
// kind since: then loading it again would change nothing, and the demo
// seed leaves the import history as it is.
func DemoListeGeladen(ctx context.Context, pool *pgxpool.Pool, kind importing.Kind, filename, by string, content []byte) (bool, error) {
	var id string
	err := pool.QueryRow(ctx, `
		SELECT id FROM imports i
		WHERE kind = $1 AND filename = $2 AND created_by = $3 AND status = 'succeeded' AND NOT dry_run AND undone_at IS NULL
		  AND NOT EXISTS (SELECT 1 FROM imports j WHERE j.kind = i.kind AND j.created_at > i.created_at AND j.created_by <> $3
		                  AND j.status = 'succeeded' AND NOT j.dry_run AND j.undone_at IS NULL)
		ORDER BY created_at DESC LIMIT 1`, kind, filename, by).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return false, nil
	}
	if err != nil {
		return false, storeErr("demo: last import", err)
	}
	f, err := NewImportStore(pool, nil).File(ctx, id)
	if err != nil {
		if _, ok := apperr.As(err); ok { // the file is gone (retention): load again
			return false, nil
		}
		return false, err
	}
	if f.Size() != int64(len(content)) {
		return false, nil
	}
	stored, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	if err != nil {
		return false, storeErr("demo: read import file", err)
	}
	return bytes.Equal(stored, content), nil
}

// DemoSchulwechsel counts the changes of school that `by` reported.
func DemoSchulwechsel(ctx context.Context, pool *pgxpool.Pool, by string) (int, error) {
	var n int
	err := pool.QueryRow(ctx, `SELECT count(*) FROM schulwechsel WHERE created_by = $1`, by).Scan(&n)
	return n, storeErr("demo: count Schulwechsel", err)
}

// DemoAbgleiche counts the Schulpflicht reconciliations ever started.
func DemoAbgleiche(ctx context.Context, pool *pgxpool.Pool) (int, error) {
	var n int
	err := pool.QueryRow(ctx, `SELECT count(*) FROM abgleiche`).Scan(&n)
	return n, storeErr("demo: count Abgleiche", err)
}

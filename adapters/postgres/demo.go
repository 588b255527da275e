package postgres

import (
	"context"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

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

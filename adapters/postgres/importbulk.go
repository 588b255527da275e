package postgres

import (
	"context"
	"errors"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
)

// bulkLockWait bounds how long an import waits for the lock of a bulk
// load; a table held longer by others is loaded the general way.
const bulkLockWait = "1s"

// bulkLoad prepares loading an import's records into its kind's empty
// table: it takes the table's ACCESS EXCLUSIVE lock, makes sure the table
// is still empty, and drops the table's indexes that back no constraint,
// returning the statements that build them again after the load (as
// pg_get_indexdef gives them: same name, columns). Partial indexes stay:
// kinder_ohne_pseudonym gets no entry from children loaded with their
// pseudonym, but a build would read the whole table. Building an
// index from a million rows sorted at once costs a fraction of inserting
// a million entries one by one (docs/performance.md, session 6). ok
// tells whether the load is prepared.
//
// The lock is held until the import commits or rolls back: while a first
// register is loaded nobody reads or writes the table (they wait for the
// whole register, instead of seeing an empty one, as before); everything
// stays in the import's one transaction, so a failure anywhere rolls back
// the records and the dropped indexes alike. If the lock cannot be had
// within bulkLockWait (a long reader), or a record was stored meanwhile,
// nothing is done and ok is false: the records are then inserted with
// the indexes in place.
func (p *Processor) bulkLoad(ctx context.Context, tx pgx.Tx, spec kindSpec) (defs []string, ok bool, err error) {
	sp, err := tx.Begin(ctx) // a savepoint: the lock goes if we give up
	if err != nil {
		return nil, false, err
	}
	defer sp.Rollback(ctx) //nolint:errcheck // after Commit a no-op
	if err := withSetting(ctx, sp, "lock_timeout", bulkLockWait, func() error {
		_, err := sp.Exec(ctx, "LOCK TABLE "+spec.table+" IN ACCESS EXCLUSIVE MODE")
		return err
	}); err != nil {
		return nil, false, giveUp(ctx, sp, err)
	}
	var stored bool
	if err := sp.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM `+spec.table+`)`).Scan(&stored); err != nil || stored {
		return nil, false, err
	}
	rows, err := sp.Query(ctx, `
		SELECT i.indexrelid::regclass::text, pg_get_indexdef(i.indexrelid) FROM pg_index i
		WHERE i.indrelid = $1::regclass AND i.indpred IS NULL
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
		ORDER BY 1`, spec.table)
	if err != nil {
		return nil, false, err
	}
	var names []string
	var name, def string
	if _, err := pgx.ForEachRow(rows, []any{&name, &def}, func() error {
		names, defs = append(names, name), append(defs, def)
		return nil
	}); err != nil {
		return nil, false, err
	}
	for _, n := range names {
		if _, err := sp.Exec(ctx, "DROP INDEX "+n); err != nil {
			return nil, false, giveUp(ctx, sp, err)
		}
	}
	if err := sp.Commit(ctx); err != nil {
		return nil, false, err
	}
	return defs, true, nil
}

// dropKeyConstraints drops, for a direct load, the table's primary key
// on its id and the unique constraint on the kind's key column, where
// nothing depends on them (no foreign key), and returns the statements
// that add them again after the load, the primary key first. The direct
// load keeps both unique itself (the ids from the table's sequence, a
// later row of a key held back: directLoad.appendRow), and their indexes
// are then built from the loaded rows at once: inserted entry by entry,
// as the rows came, they cost PostgreSQL a good part of the load, and the
// key's index half of its work again for a register in an order other
// than its keys' (docs/performance.md, session 9). The table is held in
// ACCESS EXCLUSIVE mode (bulkLoad): nobody sees it without them, and a
// rollback brings them back.
func dropKeyConstraints(ctx context.Context, tx pgx.Tx, spec kindSpec) ([]string, error) {
	rows, err := tx.Query(ctx, `
		SELECT k.conname, pg_get_constraintdef(k.oid) FROM pg_constraint k
		WHERE k.conrelid = $1::regclass AND k.contype IN ('p', 'u') AND NOT k.condeferrable
		  AND k.conkey = ARRAY[(SELECT attnum FROM pg_attribute WHERE attrelid = $1::regclass
			AND attname = CASE k.contype WHEN 'p' THEN 'id' ELSE $2 END)]
		  AND NOT EXISTS (SELECT 1 FROM pg_constraint f WHERE f.contype = 'f' AND f.conindid = k.conindid)
		ORDER BY k.contype`, spec.table, spec.keyCol)
	if err != nil {
		return nil, err
	}
	var names, defs []string
	var name, def string
	if _, err := pgx.ForEachRow(rows, []any{&name, &def}, func() error {
		names, defs = append(names, name), append(defs, def)
		return nil
	}); err != nil {
		return nil, err
	}
	table := pgx.Identifier{spec.table}.Sanitize()
	adds := make([]string, len(names))
	for i, n := range names {
		constraint := pgx.Identifier{n}.Sanitize()
		if _, err := tx.Exec(ctx, "ALTER TABLE "+table+" DROP CONSTRAINT "+constraint); err != nil {
			return nil, err
		}
		adds[i] = "ALTER TABLE " + table + " ADD CONSTRAINT " + constraint + " " + defs[i]
	}
	return adds, nil
}

// withSetting runs fn with PostgreSQL's setting name at value in tx, and
// sets it back as it was after: set_config(…, true) alone would keep it to
// the end of the whole transaction. If fn fails, the setting is left to
// the caller's rollback.
func withSetting(ctx context.Context, tx pgx.Tx, name, value string, fn func() error) error {
	var was string
	if err := tx.QueryRow(ctx, `SELECT current_setting($1)`, name).Scan(&was); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `SELECT set_config($1, $2, true)`, name, value); err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	_, err := tx.Exec(ctx, `SELECT set_config($1, $2, true)`, name, was)
	return err
}

// giveUp rolls the savepoint of a bulk load back if err says the lock
// was not had in time or the gateway's role may not drop the table's
// indexes (the general way needs neither); other errors are returned.
func giveUp(ctx context.Context, sp pgx.Tx, err error) error {
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && (pgErr.Code == "55P03" || pgErr.Code == "42501") { // lock_not_available, insufficient_privilege
		return sp.Rollback(ctx)
	}
	return err
}

package postgres

import (
	"context"
	"hash/maphash"

	"github.com/jackc/pgx/v5"
)

// StoreErr lets the external tests classify errors got from a real server.
var StoreErr = storeErr

// DirectLoads tells how many lists p loaded straight into their table.
func DirectLoads(p *Processor) int64 { return p.directLoads.Load() }

// SetKeyHash makes p's direct loads search repeated keys by hash.
func SetKeyHash(p *Processor, hash func(maphash.Seed, string) uint64) { p.keyHash = hash }

// SetDirectChunk makes p's direct loads send n rows per COPY.
func SetDirectChunk(p *Processor, n int) { p.directChunk = n }

// CopyRows copies rows into table's columns cols as a direct load does
// (copyEncoder, copyFrom), in tx.
func CopyRows(ctx context.Context, tx pgx.Tx, table string, cols []string, rows [][]any) (int64, error) {
	e, err := newCopyEncoder(ctx, tx, table, cols)
	if err != nil {
		return 0, err
	}
	return copyFrom(ctx, tx, pgx.Identifier{table}, cols, e, pgx.CopyFromRows(rows))
}

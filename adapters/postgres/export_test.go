package postgres

import (
	"context"
	"hash/maphash"

	"github.com/jackc/pgx/v5"
)

// StoreErr lets the external tests classify errors got from a real server.
var StoreErr = storeErr

// FeedPageSQL is the statement FeedStore.Read reads a page with.
const FeedPageSQL = feedPageSQL

// DirectLoads tells how many lists p loaded straight into their table.
func DirectLoads(p *Processor) int64 { return p.directLoads.Load() }

// SetKeyHash makes p's direct loads search repeated keys by hash.
func SetKeyHash(p *Processor, hash func(maphash.Seed, string) uint64) { p.keyHash = hash }

// SetDirectChunk makes p's direct loads send n rows per COPY.
func SetDirectChunk(p *Processor, n int) { p.directChunk = n }

// CopyRows copies rows into table's columns cols as a direct load does
// (copyEncoder, copyPipe), in tx, in one COPY for each of sources.
func CopyRows(ctx context.Context, tx pgx.Tx, table string, cols []string, sources ...pgx.CopyFromSource) (int64, error) {
	e, err := newCopyEncoder(ctx, tx, table, cols)
	if err != nil {
		return 0, err
	}
	pipe := startCopyPipe(ctx, tx.Conn().PgConn())
	for _, src := range sources {
		if err := pipe.copy(pgx.Identifier{table}, cols, e, src); err != nil {
			break // close tells why
		}
	}
	return pipe.close()
}

// AuditWriterPlans asks the connection of s's batch writer (after Start)
// for its plan_cache_mode and how often its prepared statements were
// planned generically and how often for their parameters.
func AuditWriterPlans(ctx context.Context, s *AuditStore) (mode string, generic, custom int64, err error) {
	err = s.writer.QueryRow(ctx, `SELECT current_setting('plan_cache_mode'), coalesce(sum(generic_plans), 0), coalesce(sum(custom_plans), 0)
		FROM pg_prepared_statements`).Scan(&mode, &generic, &custom)
	return mode, generic, custom, err
}

package postgres

import "hash/maphash"

// StoreErr lets the external tests classify errors got from a real server.
var StoreErr = storeErr

// DirectLoads tells how many lists p loaded straight into their table.
func DirectLoads(p *Processor) int64 { return p.directLoads.Load() }

// SetKeyHash makes p's direct loads search repeated keys by hash.
func SetKeyHash(p *Processor, hash func(maphash.Seed, string) uint64) { p.keyHash = hash }

// SetDirectChunk makes p's direct loads send n rows per COPY.
func SetDirectChunk(p *Processor, n int) { p.directChunk = n }

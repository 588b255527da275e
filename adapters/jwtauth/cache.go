package jwtauth

import (
	"crypto"
	"crypto/sha256"
	"slices"
	"sync"
	"unsafe"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// DefaultTokenCacheSize is how many verified tokens a Verifier keeps.
const DefaultTokenCacheSize = 10_000

// cacheShards spreads the entries over this many maps, each with its own
// lock, so that verifications of different tokens rarely meet on one lock.
const cacheShards = 32

// tokenCache remembers tokens that passed verification, keyed by the
// SHA-256 of the raw token, so that a client sending the same token again
// costs a hash and a map lookup instead of a signature verification and
// the decoding of its claims (docs/decisions.md, perf-request).
//
// It is tied to one key set (keyState): when the set changes the Verifier
// starts an empty cache with it, so a token is accepted from the cache only
// while the key that signed it is still in the set. Refusals are never
// cached. An entry is used only while the clock is within the token's
// validity (exp, nbf and iat with the verifier's leeway); outside it the
// token goes through full verification again, which gives the refusal.
type tokenCache struct {
	perShard int // the bound: at most perShard entries in each shard
	shards   [cacheShards]cacheShard
}

type cacheShard struct {
	mu sync.RWMutex
	m  map[[32]byte]cachedToken
	_  [64]byte // keeps neighbouring shards' locks off one cache line
}

// cachedToken is what verification concluded: the principal, and the
// interval of NumericDate seconds [from, until) in which the claims'
// time checks pass (leeway included).
type cachedToken struct {
	p           auth.Principal
	from, until float64
}

// newTokenCache returns a cache of at most size entries (rounded down to
// a multiple of cacheShards, at least one per shard); size < 0 gives nil,
// no cache.
func newTokenCache(size int) *tokenCache {
	if size < 0 {
		return nil
	}
	c := &tokenCache{perShard: max(size/cacheShards, 1)}
	for i := range c.shards {
		c.shards[i].m = make(map[[32]byte]cachedToken)
	}
	return c
}

// tokenHash is the cache key of a raw token. It hashes the string's bytes
// in place: sha256 only reads them, and copying them first (as []byte(s)
// does) would be the one allocation left on the cached path.
func tokenHash(token string) [32]byte {
	return sha256.Sum256(unsafe.Slice(unsafe.StringData(token), len(token)))
}

func (c *tokenCache) shard(key *[32]byte) *cacheShard {
	return &c.shards[int(key[0])%cacheShards] // the key is a SHA-256: uniform
}

// get returns the principal of a cached token valid at nowS.
func (c *tokenCache) get(key *[32]byte, nowS float64) (auth.Principal, bool) {
	s := c.shard(key)
	s.mu.RLock()
	e, ok := s.m[*key]
	s.mu.RUnlock()
	if !ok || nowS < e.from || nowS >= e.until {
		return auth.Principal{}, false
	}
	return e.p, true
}

// put remembers a verified token. In a full shard it first drops the
// entries whose validity has ended, then, if none had, one entry chosen by
// the map's random iteration order: the bound holds whatever the traffic.
func (c *tokenCache) put(key *[32]byte, e cachedToken, nowS float64) {
	e.p.Roles = slices.Clip(e.p.Roles) // a caller's append never writes into the shared array
	s := c.shard(key)
	s.mu.Lock()
	defer s.mu.Unlock()
	if _, ok := s.m[*key]; !ok && len(s.m) >= c.perShard {
		for k, old := range s.m {
			if nowS >= old.until {
				delete(s.m, k)
			}
		}
		for k := range s.m {
			if len(s.m) < c.perShard {
				break
			}
			delete(s.m, k)
		}
	}
	s.m[*key] = e
}

// len counts the entries (tests).
func (c *tokenCache) len() int {
	n := 0
	for i := range c.shards {
		s := &c.shards[i]
		s.mu.RLock()
		n += len(s.m)
		s.mu.RUnlock()
	}
	return n
}

// sameKeys reports whether two key rings hold the same kids with the same
// algorithm and the same key material: a refresh that brings the same set
// keeps the cache, any other empties it.
func sameKeys(a, b keyring) bool {
	if len(a) != len(b) {
		return false
	}
	for kid, ea := range a {
		eb, ok := b[kid]
		if !ok || ea.alg.String() != eb.alg.String() {
			return false
		}
		ka, ok := ea.key.(interface{ Equal(crypto.PublicKey) bool })
		if !ok || !ka.Equal(eb.key) {
			return false
		}
	}
	return true
}

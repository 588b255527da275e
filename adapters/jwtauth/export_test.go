package jwtauth

import "time"

// SetClock replaces the verifier's clock (tests of the token cache).
func SetClock(v *Verifier, now func() time.Time) { v.now = now }

// SetTokenCacheSize gives the verifier an empty cache of at most n tokens
// (rounded down to a multiple of the shard count; n < 0: no cache).
func SetTokenCacheSize(v *Verifier, n int) {
	v.cacheSize = n
	st := v.keys.Load()
	v.keys.Store(&keyState{ring: st.ring, cache: newTokenCache(n)})
}

// CachedTokens is how many tokens the verifier remembers now.
func CachedTokens(v *Verifier) int {
	if c := v.keys.Load().cache; c != nil {
		return c.len()
	}
	return 0
}

const CacheShards = cacheShards

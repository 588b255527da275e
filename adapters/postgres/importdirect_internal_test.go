package postgres

import (
	"math/rand/v2"
	"testing"
)

// keySet says of each hash what a map says: new or seen before, through
// its growth, with 0 and hashes that probe past each other.
func TestKeySetAsMap(t *testing.T) {
	var s keySet
	m := map[uint64]bool{}
	r := rand.New(rand.NewPCG(1, 2))
	for i := range 200_000 {
		var h uint64
		switch i % 4 {
		case 0:
			h = r.Uint64()
		case 1:
			h = uint64(r.IntN(50_000)) // repeats, 0 among them
		case 2:
			h = uint64(r.IntN(64)) << 40 // same low bits: long probes
		default:
			h = r.Uint64() | 1<<63
		}
		if got, want := s.add(h), !m[h]; got != want {
			t.Fatalf("add(%#x) = %v, want %v (the %d-th)", h, got, want, i)
		}
		m[h] = true
	}
	if s.n+map[bool]int{true: 1}[s.zero] != len(m) {
		t.Errorf("%d hashes in the set, %d in the map", s.n, len(m))
	}
}

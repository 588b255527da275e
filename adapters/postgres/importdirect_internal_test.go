package postgres

import (
	"math/rand/v2"
	"testing"
)

// keySet says of each hash what a map says: new or seen before, through
// its growth, with 0 and hashes that probe past each other; reserved for
// fewer hashes than come, for as many, and for more.
func TestKeySetAsMap(t *testing.T) {
	for _, reserve := range []int{0, 1_000, 150_000, 400_000} {
		testKeySetAsMap(t, reserve)
	}
}

func testKeySetAsMap(t *testing.T, reserve int) {
	var s keySet
	s.reserve(reserve)
	if reserve > 0 && 4*reserve > 3*len(s.slots) {
		t.Fatalf("reserve(%d): %d slots, more than three quarters full", reserve, len(s.slots))
	}
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
			t.Fatalf("reserve(%d): add(%#x) = %v, want %v (the %d-th)", reserve, h, got, want, i)
		}
		m[h] = true
	}
	if s.n+map[bool]int{true: 1}[s.zero] != len(m) {
		t.Errorf("reserve(%d): %d hashes in the set, %d in the map", reserve, s.n, len(m))
	}
}

// BenchmarkKeySet: a million random hashes into a set grown on the way
// and into one reserved for them.
func BenchmarkKeySet(b *testing.B) {
	hashes := make([]uint64, 1_000_000)
	r := rand.New(rand.NewPCG(3, 4))
	for i := range hashes {
		hashes[i] = r.Uint64()
	}
	for _, reserve := range []int{0, len(hashes)} {
		b.Run(map[bool]string{false: "grown", true: "reserved"}[reserve > 0], func(b *testing.B) {
			for b.Loop() {
				var s keySet
				s.reserve(reserve)
				for _, h := range hashes {
					s.add(h)
				}
			}
		})
	}
}

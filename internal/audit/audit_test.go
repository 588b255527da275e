package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"math/rand/v2"
	"strconv"
	"testing"
	"time"
)

// Chains written by earlier versions must still verify: two hashes of
// this encoding, as the first implementation computed them.
func TestHashKeepsItsEncoding(t *testing.T) {
	n := 42
	e := Entry{Seq: 1234567, Time: time.Date(2027, 1, 11, 7, 30, 1, 654321000, time.FixedZone("MEZ", 3600)), Subject: "bms-halle", Roles: "bms,planung",
		Client: "10.0.0.7", Operation: "GET /v1/einschulung/:schuljahr/kinder", Resource: "schuljahr=2027-28", Count: &n, RequestID: "r-1", Result: 200, Detail: "Seite – ä"}
	if got := hex.EncodeToString(Hash([]byte{0xde, 0xad}, e)); got != "e40ccb9e61efcb81e2a7e07daaba25bb80f228a7a3c728818667557ef7ceb68a" {
		t.Errorf("hash with a count: %s", got)
	}
	e.Count = nil
	if got := hex.EncodeToString(Hash(nil, e)); got != "a96007b124f1ee436b808df70459699e0901f28669ffd6f885fd8817711f0b0c" {
		t.Errorf("hash without a count: %s", got)
	}
}

// hashAsFirstWritten is Hash as it was first written (a hash.Hash fed
// field by field), kept to hold the buffer's encoding to it.
func hashAsFirstWritten(prev []byte, e Entry) []byte {
	h := sha256.New()
	var n [8]byte
	put := func(b []byte) {
		binary.BigEndian.PutUint64(n[:], uint64(len(b)))
		h.Write(n[:])
		h.Write(b)
	}
	put(prev)
	put([]byte(strconv.FormatInt(e.Seq, 10)))
	put([]byte(e.Time.UTC().Format("2006-01-02T15:04:05.000000Z")))
	put([]byte(e.Subject))
	put([]byte(e.Roles))
	put([]byte(e.Client))
	put([]byte(e.Operation))
	put([]byte(e.Resource))
	if e.Count != nil {
		put([]byte(strconv.Itoa(*e.Count)))
	} else {
		put([]byte("-"))
	}
	put([]byte(e.RequestID))
	put([]byte(strconv.Itoa(e.Result)))
	put([]byte(e.Detail))
	return h.Sum(nil)
}

// Random entries – empty and long fields (past the stack buffer), any
// runes, negative and large numbers, years before 1000 and after 9999,
// any zone – hash as they did.
func TestHashAsFirstWritten(t *testing.T) {
	r := rand.New(rand.NewPCG(18, 15))
	text := func() string {
		n := r.IntN(12)
		if r.IntN(20) == 0 {
			n = 300 + r.IntN(400)
		}
		rs := make([]rune, n)
		for i := range rs {
			rs[i] = rune(r.IntN(0x2FFF))
		}
		return string(rs)
	}
	for i := range 20000 {
		e := Entry{Seq: r.Int64() >> r.IntN(64), Time: time.Unix(r.Int64N(500e9)-250e9, r.Int64N(1e9)).In(time.FixedZone("z", (r.IntN(49)-24)*1800)),
			Subject: text(), Roles: text(), Client: text(), Operation: text(), Resource: text(), RequestID: text(),
			Result: r.IntN(1200) - 100, Detail: text()}
		if r.IntN(2) == 0 {
			c := r.IntN(1<<31) - 1<<30
			e.Count = &c
		}
		prev := []byte(text())
		if i%3 == 0 {
			prev = nil
		}
		if got, want := Hash(prev, e), hashAsFirstWritten(prev, e); string(got) != string(want) {
			t.Fatalf("entry %d (%+v): %x, as first written %x", i, e, got, want)
		}
	}
}

func TestHashSeparatesFields(t *testing.T) {
	at := time.Date(2026, 9, 15, 8, 0, 0, 123456000, time.UTC)
	a := Entry{Seq: 1, Time: at, Subject: "ab", Roles: "c", Operation: "GET /v1/x", Result: 200}
	b := a
	b.Subject, b.Roles = "a", "bc"
	if string(Hash(nil, a)) == string(Hash(nil, b)) {
		t.Error("moving a character between fields keeps the hash")
	}
	zero, one := 0, 1
	c, d := a, a
	c.Count, d.Count = &zero, &one
	if string(Hash(nil, c)) == string(Hash(nil, d)) || string(Hash(nil, a)) == string(Hash(nil, c)) {
		t.Error("the count does not enter the hash")
	}
	if string(Hash([]byte{1}, a)) == string(Hash([]byte{2}, a)) {
		t.Error("the previous hash does not enter the hash")
	}
	// The same instant in another zone is the same entry.
	e := a
	e.Time = at.In(time.FixedZone("MEZ", 3600))
	if string(Hash(nil, a)) != string(Hash(nil, e)) {
		t.Error("the zone of the time changes the hash")
	}
}

func TestVerifierFindsEachKindOfBreak(t *testing.T) {
	var chain []Entry
	var prev []byte
	for i := 1; i <= 4; i++ {
		e := Entry{Seq: int64(i), Operation: "op", Result: 200, PrevHash: prev}
		e.Hash = Hash(prev, e)
		prev = e.Hash
		chain = append(chain, e)
	}
	check := func(entries []Entry, headSeq int64, headHash []byte) *Bruch {
		v := NewVerifier(0, nil)
		for _, e := range entries {
			if b := v.Next(e); b != nil {
				return b
			}
		}
		return v.End(headSeq, headHash)
	}
	if b := check(chain, 4, prev); b != nil {
		t.Fatalf("intact chain broken: %+v", b)
	}
	if b := check([]Entry{chain[0], chain[2], chain[3]}, 4, prev); b == nil || b.Seq != 2 {
		t.Errorf("gap: %+v", b)
	}
	altered := append([]Entry(nil), chain...)
	altered[1].Operation = "anders"
	if b := check(altered, 4, prev); b == nil || b.Seq != 2 {
		t.Errorf("altered: %+v", b)
	}
	if b := check(chain[:3], 4, prev); b == nil || b.Seq != 4 {
		t.Errorf("tail removed: %+v", b)
	}
}

// recorderFunc answers RecordIf with a function.
type recorderFunc func(Entry, Condition) (bool, error)

func (f recorderFunc) RecordIf(_ context.Context, e Entry, c Condition) (bool, error) { return f(e, c) }

// WriteIf writes a pending entry once, as work that committed (result 200,
// with its count), marks it written only when the recorder wrote it, and
// asks nobody when there is nothing to write.
func TestWriteIf(t *testing.T) {
	c := Condition{Kind: CohortUnchanged, Value: "1:2:"}
	var got []Entry
	holds := true
	r := recorderFunc(func(e Entry, cond Condition) (bool, error) {
		if cond != c {
			t.Errorf("condition %+v, want %+v", cond, c)
		}
		got = append(got, e)
		return holds, nil
	})
	if ok, err := WriteIf(context.Background(), r, 3, c); ok || err != nil || len(got) != 0 {
		t.Fatalf("without a pending entry: %v %v, %d asked", ok, err, len(got))
	}
	ctx, p := Begin(context.Background(), Entry{Operation: "GET /v1/x", RequestID: "r-1"})
	holds = false
	if ok, err := WriteIf(ctx, r, 3, c); ok || err != nil {
		t.Fatalf("condition not holding: %v %v", ok, err)
	}
	if _, unwritten := p.Unwritten(200); !unwritten {
		t.Fatal("marked written although the recorder did not write it")
	}
	holds = true
	if ok, err := WriteIf(ctx, r, 5, c); !ok || err != nil {
		t.Fatalf("condition holding: %v %v", ok, err)
	}
	if e := got[len(got)-1]; e.Result != 200 || e.Count == nil || *e.Count != 5 || e.RequestID != "r-1" {
		t.Errorf("entry written: %+v", e)
	}
	if _, unwritten := p.Unwritten(200); unwritten {
		t.Fatal("not marked written")
	}
	n := len(got)
	if ok, _ := WriteIf(ctx, r, 5, c); ok || len(got) != n {
		t.Fatal("an entry written twice")
	}
}

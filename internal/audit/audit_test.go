package audit

import (
	"context"
	"testing"
	"time"
)

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

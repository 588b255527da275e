// Package audit is the city's answer to "who saw what, and why": one entry
// per read of personal data, change, import, export and failed login, kept
// append-only and chained by hash so that a removed or altered entry is
// found (issue 8).
//
// Entries are written inside the transaction of the work they record. The
// HTTP layer opens a Pending entry per request and puts it in the context;
// the store's transaction helper writes it before committing, and the HTTP
// layer writes it itself when the request committed nothing (a read, a
// refusal), before the answer leaves. The stores give entries their place
// in the chain (seq) and their hash: the batch writer of the reads' entries
// as it writes them, a later step the other entries once committed.
package audit

import (
	"context"
	"crypto/sha256"
	"encoding/binary"
	"strconv"
	"sync"
	"time"
)

// Entry is one audited event. No field holds a name, a birth date or an
// address: Resource carries ids, Detail a short German note.
type Entry struct {
	Seq       int64     // place in the chain; 0 while not chained
	Time      time.Time // when it was recorded (microseconds, as stored)
	Subject   string    // token subject; "" when authentication failed
	Roles     string    // roles of the token, comma separated
	Client    string    // client address, or "worker" for background work
	Operation string    // "GET /v1/einschulung/:schuljahr/kinder", "import.commit", …
	Resource  string    // path parameters or record ids
	Count     *int      // records read or written, when known
	RequestID string
	Result    int    // HTTP status (200 for background work done, 500 failed)
	Detail    string // short German note
	PrevHash  []byte
	Hash      []byte
}

// Hash is the chain hash of e given the previous entry's hash: SHA-256 over
// the previous hash and every field, each length-prefixed so that no two
// different entries share an encoding. The encoding is made in one buffer
// (on the stack for entries of ordinary size): the batch writer hashes
// every audited read's entry.
func Hash(prev []byte, e Entry) []byte {
	var buf [512]byte
	sum := sha256.Sum256(appendHashInput(buf[:0], prev, e))
	return sum[:]
}

// appendHashInput appends what Hash hashes: each field as its length (8
// bytes, big-endian) and its bytes; numbers in decimal, the time in UTC to
// the microsecond, a missing count as "-".
func appendHashInput(b, prev []byte, e Entry) []byte {
	var n [32]byte
	b = hashField(b, prev)
	b = hashField(b, strconv.AppendInt(n[:0], e.Seq, 10))
	b = hashField(b, e.Time.UTC().AppendFormat(n[:0], "2006-01-02T15:04:05.000000Z"))
	b = hashField(b, e.Subject)
	b = hashField(b, e.Roles)
	b = hashField(b, e.Client)
	b = hashField(b, e.Operation)
	b = hashField(b, e.Resource)
	if e.Count != nil {
		b = hashField(b, strconv.AppendInt(n[:0], int64(*e.Count), 10))
	} else {
		b = hashField(b, "-")
	}
	b = hashField(b, e.RequestID)
	b = hashField(b, strconv.AppendInt(n[:0], int64(e.Result), 10))
	return hashField(b, e.Detail)
}

func hashField[T string | []byte](b []byte, f T) []byte {
	return append(binary.BigEndian.AppendUint64(b, uint64(len(f))), f...)
}

// Bruch is the first place where a chain does not hold.
type Bruch struct {
	Seq   int64
	Grund string // German
}

// Verifier checks a chain entry by entry, in seq order, starting after the
// anchor (the last entry removed by retention, or seq 0 and no hash).
type Verifier struct {
	seq      int64
	hash     []byte
	Geprueft int
}

// NewVerifier starts a check after the anchor.
func NewVerifier(anchorSeq int64, anchorHash []byte) *Verifier {
	return &Verifier{seq: anchorSeq, hash: anchorHash}
}

// Next checks the next entry and returns a Bruch if the chain breaks there.
func (v *Verifier) Next(e Entry) *Bruch {
	switch {
	case e.Seq != v.seq+1:
		return &Bruch{Seq: v.seq + 1, Grund: "Eintrag " + strconv.FormatInt(v.seq+1, 10) + " fehlt (nächster vorhandener: " + strconv.FormatInt(e.Seq, 10) + ")."}
	case string(e.PrevHash) != string(v.hash):
		return &Bruch{Seq: e.Seq, Grund: "Eintrag " + strconv.FormatInt(e.Seq, 10) + " verweist nicht auf den Hash seines Vorgängers."}
	case string(Hash(v.hash, e)) != string(e.Hash):
		return &Bruch{Seq: e.Seq, Grund: "Eintrag " + strconv.FormatInt(e.Seq, 10) + " wurde nach dem Schreiben verändert (Hash stimmt nicht)."}
	}
	v.seq, v.hash = e.Seq, e.Hash
	v.Geprueft++
	return nil
}

// End checks that the chain reaches the head the chainer recorded, so that
// removing the newest entries is found too.
func (v *Verifier) End(headSeq int64, headHash []byte) *Bruch {
	if v.seq != headSeq || string(v.hash) != string(headHash) {
		return &Bruch{Seq: v.seq + 1, Grund: "Die Kette endet bei Eintrag " + strconv.FormatInt(v.seq, 10) +
			", verzeichnet ist sie bis " + strconv.FormatInt(headSeq, 10) + ": Einträge am Ende fehlen."}
	}
	return nil
}

// Pending is the entry of one request, filled as the request goes on and
// written once: by the first transaction that commits work, or at the end.
type Pending struct {
	mu      sync.Mutex
	e       Entry
	written bool
}

type pendingKey struct{}

// Begin opens the pending entry of a request.
func Begin(ctx context.Context, e Entry) (context.Context, *Pending) {
	p := &Pending{e: e}
	return context.WithValue(ctx, pendingKey{}, p), p
}

// FromContext returns the request's pending entry, or nil.
func FromContext(ctx context.Context) *Pending {
	p, _ := ctx.Value(pendingKey{}).(*Pending)
	return p
}

// SetCaller records who is calling, once the token is verified.
func (p *Pending) SetCaller(subject, rollen string) {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.e.Subject, p.e.Roles = subject, rollen
	p.mu.Unlock()
}

// Count records how many records the request read or wrote.
func Count(ctx context.Context, n int) {
	if p := FromContext(ctx); p != nil {
		p.mu.Lock()
		p.e.Count = &n
		p.mu.Unlock()
	}
}

// Unwritten returns the entry and true if it has not been written yet.
// ergebnis fills Result when it is still 0.
func (p *Pending) Unwritten(ergebnis int) (Entry, bool) {
	if p == nil {
		return Entry{}, false
	}
	p.mu.Lock()
	defer p.mu.Unlock()
	e := p.e
	if e.Result == 0 {
		e.Result = ergebnis
	}
	return e, !p.written
}

// MarkWritten records that the entry is stored (its transaction committed).
func (p *Pending) MarkWritten() {
	if p == nil {
		return
	}
	p.mu.Lock()
	p.written = true
	p.mu.Unlock()
}

// Condition is what must hold for a read answered from memory, without
// asking the database first, to be the database's answer: the store that
// writes the read's entry evaluates it in the statement that writes the
// entry (one round trip instead of a check and then the entry), and writes
// the entry only if it holds. The answer then leaves with its entry
// durable, as every read's, and is the database's as of a moment after
// the request came. Kind names what is checked, Value its argument.
type Condition struct {
	Kind, Value string
}

// The kinds of Condition (adapters/postgres evaluates them; any other
// kind never holds).
const (
	// CohortUnchanged: nothing a cohort is computed from has changed since
	// the snapshot Value (einschulung.Kohortenquelle.Unveraendert).
	CohortUnchanged = "cohort-unchanged"
	// FeedHead: the change feed's position Value (a number) is its last,
	// nothing waits to be numbered and nothing up to it has expired: a
	// read after it is empty.
	FeedHead = "feed-head"
)

// ConditionalRecorder writes an entry only if a Condition holds.
type ConditionalRecorder interface {
	// RecordIf writes e, as Record does, if c holds as it is written, and
	// reports whether it did.
	RecordIf(ctx context.Context, e Entry, c Condition) (bool, error)
}

// WriteIf writes the request's pending entry through r, as work that
// committed does (result 200, count records), if c holds, and marks it
// written. It reports whether it wrote it: false with no error when c did
// not hold (the caller then answers from the database, and the entry is
// written as for any other read), or when there is no pending entry or it
// is written already (r is not asked).
func WriteIf(ctx context.Context, r ConditionalRecorder, count int, c Condition) (bool, error) {
	p := FromContext(ctx)
	if p == nil || r == nil {
		return false, nil
	}
	Count(ctx, count)
	e, unwritten := p.Unwritten(200)
	if !unwritten {
		return false, nil
	}
	ok, err := r.RecordIf(ctx, e, c)
	if ok && err == nil {
		p.MarkWritten()
	}
	return ok && err == nil, err
}

// Ausgang is how work that is not an HTTP request (an import run by a
// worker) ended, in the domain's words. The entry records it on the audit
// log's one scale, the status an HTTP answer would have (Result), so
// that one filter finds refused uploads and refused imports alike; the
// mapping is this package's (Unwritten), not the worker's.
type Ausgang string

const (
	// Erledigt: the work was done (also a dry run: nothing to write).
	Erledigt Ausgang = "erledigt"
	// Abgewiesen: the input was refused; nothing was written.
	Abgewiesen Ausgang = "abgewiesen"
	// Gescheitert: the input could not be processed at all.
	Gescheitert Ausgang = "gescheitert"
)

// ergebnis is the status an entry with Ausgang a records.
func (a Ausgang) ergebnis() int {
	switch a {
	case Abgewiesen, Gescheitert:
		return 422
	case Erledigt:
		return 200
	}
	return 0
}

// Ende records how background work ended and a short German note.
func Ende(ctx context.Context, a Ausgang, detail string) {
	Result(ctx, a.ergebnis(), detail)
}

// Result records the outcome of work that is not an HTTP request (an
// import run by a worker): a status in HTTP terms and a short German note.
// Work in the domain says Ende instead.
func Result(ctx context.Context, ergebnis int, detail string) {
	if p := FromContext(ctx); p != nil {
		p.mu.Lock()
		p.e.Result, p.e.Detail = ergebnis, detail
		p.mu.Unlock()
	}
}

// Filter selects entries for GET /v1/audit.
type Filter struct {
	Von, Bis  time.Time // zero: open
	Subject   string
	Operation string // prefix, e.g. "GET /v1/einschulung"
	Ergebnis  int    // 0: any
	After     int64  // seq of the last entry of the previous page
	Limit     int
}

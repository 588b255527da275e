// Package changefeed is the ordered log of changes to every record the BMS
// may see (children of the Einschulung cohort, their status, Schulwechsel,
// schools). GET /v1/changes?after=<position>&limit= reads it: a client
// keeps the Next of each page and passes it as after on its next call, and
// in return it never misses an entry and never sees one twice.
//
// # Why a client never misses an entry
//
// A plain sequence column is not enough: writer A takes number 5, writer B
// takes 6 and commits, a reader returns 6 and moves its cursor past 5, then
// A commits — and 5 is never delivered. Numbers handed out at insert time
// are in start order; a cursor needs commit order.
//
// So positions are not given at insert time. A writer records its entry in
// its own transaction with no position (postgres.RecordChange). A position
// is given later, by a "sequencer" step that every read runs first (the SQL
// function change_feed_assign, migration 0010):
//
//  1. It takes a transaction-scoped advisory lock, so sequencer steps of all
//     gateway instances run one after the other, never overlapping.
//  2. It then numbers, in one UPDATE, every entry it can see that has no
//     position yet (at most a batch, lowest insert number first; it finds
//     them through a queue of the ranges each writing statement inserted,
//     migration 0122), counting on from change_feed_head.last_position. Under
//     READ COMMITTED that UPDATE gets a snapshot taken after the lock, so it
//     sees everything earlier steps committed, and MVCC lets it see only
//     entries of committed writers: an entry of a writer still in progress
//     (or rolled back) is invisible and keeps waiting for a later step.
//  3. It commits, and with the commit the new positions become visible all
//     at once; then the lock is released.
//
// Hence: step k+1 starts after step k committed and numbers above it, so
// positions become visible in increasing order, a whole step at a time. The
// positions any snapshot sees are therefore always 1..N without a hole
// (except numbers retention has pruned), and every position given later is
// greater than N. A reader returning the entries after `after` in position
// order, and a Next no greater than the largest position it saw, cannot
// skip one: anything it did not see will get a position greater than Next.
// A writer's commit order does not matter, nor how long it runs. No
// in-process state is involved, so any number of gateway instances may
// share the database.
//
// Because the read runs the sequencer first (and waits for one that is
// running), a Read that starts after a writer committed returns that
// writer's entries or a Next before them: a client reads its own writes.
//
// The order within one step is the order in which the entries were inserted.
// Two writers that change the same row are ordered by its row lock, so when
// RecordChange is called after the statement that changed the row, the
// entries of one record appear in the order its changes were made.
//
// # Cost
//
// A writer pays one INSERT per change (postgres.RecordChange, or
// postgres.QueueChange to send it with the data statement), and each of
// its statements one queued range (a trigger; the index insert per entry
// it replaced cost a million-row import ~10 %, docs/performance.md,
// session 16). Upserts of one entity recorded together (postgres.
// RecordChanges: a first register's million children) share rows of up to
// 500 entries, which the sequencer numbers as one range of positions each
// (migration 0125): a row per entry was a third of such an import's work
// in PostgreSQL. A client still reads each entry at its own position.
// Numbering costs one UPDATE per row, paid once by whichever read comes
// first; a read with nothing to number costs one look at the empty queue
// more than the SELECT.
// Writers never wait for readers; sequencer steps wait only for each other.
// A long writer delays nobody: the others' entries are numbered without it.
//
// # Positions
//
// A position is opaque to clients: version byte 1 and the number as eight
// bytes, base64url without padding (12 characters). The empty position is
// the beginning. A position before the oldest entry retention kept, or one
// this database never gave out (for example after a restore from a backup),
// yields ErrPositionExpired: the client must synchronise afresh.
package changefeed

import (
	"context"
	"encoding/base64"
	"encoding/binary"
	"fmt"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/page"
)

// Operation says what happened to a record.
type Operation string

const (
	Upsert Operation = "upsert" // created or changed: fetch the current record
	Delete Operation = "delete" // gone: Entry.Key names it (a tombstone)
)

// Entity names the BMS sees in Entry.Entity. Writers may record others;
// these are the ones the issue names.
const (
	EntitySchule       = "schule"       // ID: Schulnummer
	EntityKind         = "kind"         // a child of the Einschulung cohort, including its status
	EntitySchulwechsel = "schulwechsel" // a change of school
)

// Entry is one change.
type Entry struct {
	Position  string            // opaque; pass as after to read what follows
	Time      time.Time         // when the writing transaction started
	Entity    string            // e.g. "schule"
	ID        string            // the record's id within its entity
	Operation Operation         // upsert or delete
	Key       map[string]string // natural key; always set for a delete
	// Rendered is what an adapter made of the entry when a store kept it
	// in memory, to serve it again (the HTTP adapter's JSON:
	// postgres.FeedStore.WithRendering); nil otherwise. It depends on
	// the entry alone, which never changes once it has a position.
	Rendered any
}

// Store reads the feed. after is a position from an earlier page ("" is the
// beginning), limit is 1..page.MaxLimit. The page's Next is the position to
// pass as after on the next call; it equals after when there is nothing new
// (a feed: see package page). Implementations return apperr.Invalid
// for a malformed position, ErrPositionExpired for one that can no longer
// be continued, apperr.Unavailable when storage is down.
type Store interface {
	Read(ctx context.Context, after string, limit int) (page.Page[Entry], error)
}

// ErrPositionExpired means the entries after the client's position are no
// longer kept (or the position was never given out by this database). The
// client must read the full data again and continue from a new position.
// The HTTP layer answers 410 Gone. Its text is German and safe to show.
var ErrPositionExpired = apperr.Gone("Die Position im Änderungsprotokoll ist nicht mehr gültig: " +
	"die Einträge danach werden nicht mehr aufbewahrt. Bitte alle Daten neu abrufen (vollständig " +
	"neu synchronisieren) und danach mit der neuen Position weiterlesen.")

const positionVersion = 1

var b64 = base64.RawURLEncoding

// EncodePosition turns a feed number into an opaque position; 0 is "".
// For stores; clients never see numbers.
func EncodePosition(n uint64) string {
	if n == 0 {
		return ""
	}
	var b [9]byte
	b[0] = positionVersion
	binary.BigEndian.PutUint64(b[1:], n)
	return b64.EncodeToString(b[:])
}

// DecodePosition is the inverse of EncodePosition; "" is 0. A string that
// is not a position is apperr.Invalid.
func DecodePosition(s string) (uint64, error) {
	if s == "" {
		return 0, nil
	}
	b, err := b64.DecodeString(s)
	if err != nil || len(b) != 9 || b[0] != positionVersion {
		return 0, errBadPosition()
	}
	n := binary.BigEndian.Uint64(b[1:])
	if n == 0 || n > 1<<63-1 { // never given out: 0 is "", stores use bigint
		return 0, errBadPosition()
	}
	return n, nil
}

func errBadPosition() error {
	return apperr.Invalid("Der Parameter after ist keine gültige Position.", []apperr.FieldError{{
		Pointer: "/after", Code: "position_ungueltig",
		Message: "after muss der Wert von next aus einer früheren Antwort sein (leer: von Anfang an).",
	}})
}

// Change is one change a writer records.
type Change struct {
	Entity    string
	ID        string
	Operation Operation
	Key       map[string]string
}

// validEntity reports whether s can name an entity: 1 to 63 bytes, the
// first a-z, the others a-z, 0-9 or _ – what the regular expression
// ^[a-z][a-z0-9_]{0,62}$ accepts (TestEntityNameAsRegexp) and what the
// database checks (migration 0117), at a tenth of the regular
// expression's cost: a first register writes a change per child.
func validEntity(s string) bool {
	if len(s) == 0 || len(s) > 63 || s[0] < 'a' || s[0] > 'z' {
		return false
	}
	for i := 1; i < len(s); i++ {
		if c := s[i]; (c < 'a' || c > 'z') && (c < '0' || c > '9') && c != '_' {
			return false
		}
	}
	return true
}

// Validate checks a change before it is recorded. Errors here are
// programming errors of the writer, not client input, so they are plain.
func (c Change) Validate() error {
	switch {
	case !validEntity(c.Entity):
		return fmt.Errorf("changefeed: entity %q must be lower-case letters, digits and _", c.Entity)
	case c.ID == "":
		return fmt.Errorf("changefeed: %s change without id", c.Entity)
	case c.Operation != Upsert && c.Operation != Delete:
		return fmt.Errorf("changefeed: operation %q is neither upsert nor delete", c.Operation)
	case c.Operation == Delete && len(c.Key) == 0:
		return fmt.Errorf("changefeed: delete of %s %s without natural key", c.Entity, c.ID)
	}
	return nil
}

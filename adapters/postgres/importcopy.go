package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"net"
	"reflect"
	"strings"
	"sync/atomic"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgproto3"
	"github.com/jackc/pgx/v5/pgtype"
)

// copyEncoder writes rows in PostgreSQL's binary COPY format, as pgx's
// CopyFrom does and with pgx's encode plans, but each column's plan is
// looked up once for the Go type of its values, not for every value: pgx
// looks it up in two maps per value, 0.55–0.73 s of the gateway's CPU for
// the 27 million values of a million-row register (docs/performance.md,
// session 8). Values of other types than the few a load gives (see
// planned) take pgx's own way, value by value.
type copyEncoder struct {
	m     *pgtype.Map
	oids  []uint32 // the columns' types
	types []reflect.Type
	plans []pgtype.EncodePlan
}

// newCopyEncoder looks up the types of table's columns cols as pgx's
// CopyFrom does: from the description of a SELECT of them (a domain's
// column has its base type there, as COPY's binary format wants).
func newCopyEncoder(ctx context.Context, tx pgx.Tx, table string, cols []string) (*copyEncoder, error) {
	sd, err := tx.Conn().PgConn().Prepare(ctx, "", fmt.Sprintf("SELECT %s FROM %s", quoteColumns(cols), pgx.Identifier{table}.Sanitize()), nil)
	if err != nil {
		return nil, err
	}
	e := &copyEncoder{m: tx.Conn().TypeMap(), types: make([]reflect.Type, len(cols)), plans: make([]pgtype.EncodePlan, len(cols))}
	for _, f := range sd.Fields {
		e.oids = append(e.oids, f.DataTypeOID)
	}
	return e, nil
}

// quoteColumns is the list of cols, each quoted.
func quoteColumns(cols []string) string {
	quoted := make([]string, len(cols))
	for i, c := range cols {
		quoted[i] = pgx.Identifier{c}.Sanitize()
	}
	return strings.Join(quoted, ", ")
}

// planned tells whether a value's type keeps its column's plan from one
// value to the next: types that are never nil themselves and whose plan
// pgx gives by type alone.
func planned(v any) bool {
	switch v.(type) {
	case string, int, int64, bool, time.Time, pgtype.UUID:
		return true
	}
	return false
}

// row appends one row (its values in the columns' order).
func (e *copyEncoder) row(buf []byte, vals []any) ([]byte, error) {
	if len(vals) != len(e.oids) {
		return nil, fmt.Errorf("expected %d values, got %d values", len(e.oids), len(vals))
	}
	buf = binary.BigEndian.AppendUint16(buf, uint16(len(vals)))
	for i, v := range vals {
		start := len(buf)
		buf = binary.BigEndian.AppendUint32(buf, 0xFFFFFFFF) // -1: NULL, unless a value follows
		if v == nil {
			continue
		}
		var out []byte
		var err error
		if planned(v) {
			if t := reflect.TypeOf(v); e.types[i] != t {
				e.types[i], e.plans[i] = t, e.m.PlanEncode(e.oids[i], pgtype.BinaryFormatCode, v)
			}
			if e.plans[i] == nil {
				err = errors.New("cannot find encode plan")
			} else {
				out, err = e.plans[i].Encode(v, buf)
			}
		} else {
			out, err = e.m.Encode(e.oids[i], pgtype.BinaryFormatCode, v, buf)
		}
		if err != nil {
			// As pgx's CopyFrom: a value its type cannot encode is tried as
			// the text of the column's type.
			if out, err = e.fromText(buf, e.oids[i], v); err != nil {
				return nil, err
			}
		}
		if out != nil {
			buf = out
			binary.BigEndian.PutUint32(buf[start:], uint32(len(buf)-start-4))
		}
	}
	return buf, nil
}

// fromText encodes v read as the text of type oid (pgx's
// tryScanStringCopyValueThenEncode, arrays aside).
func (e *copyEncoder) fromText(buf []byte, oid uint32, v any) ([]byte, error) {
	s, ok := v.(string)
	if !ok {
		text, err := e.m.Encode(oid, pgtype.TextFormatCode, v, nil)
		if err != nil {
			return nil, errors.New("not a string and cannot be encoded as text")
		}
		s = string(text)
	}
	var x any
	if err := e.m.Scan(oid, pgtype.TextFormatCode, []byte(s), &x); err != nil {
		return nil, err
	}
	return e.m.Encode(oid, pgtype.BinaryFormatCode, x, buf)
}

// copyHeader begins a binary COPY: the signature, no flags, no extension.
const copyHeader = "PGCOPY\n\377\r\n\000\000\000\000\000\000\000\000\000"

// copyPipe sends COPYs on one connection one after the other without
// waiting for each to end: a COPY's rows, the end of it, the next COPY's
// statement and rows, while a goroutine reads what PostgreSQL answers to
// each. PostgreSQL takes the next COPY from the socket as soon as it ends
// one, where the load waited for the answer before it sent the
// next statement (a round trip and the gateway's work in between, each
// time the server idle), and the rows the gateway has ready wait in the
// socket's buffer, not in its heap (docs/performance.md, session 18).
//
// The statements run in the order sent, in the connection's transaction,
// as they would one by one: a COPY that fails aborts the transaction, and
// PostgreSQL refuses each COPY sent after it ("current transaction is
// aborted") and ignores its rows, so nothing after a failure is written.
// The sender stops at the first failure it learns of; close returns the
// first error PostgreSQL gave. Nothing else may use the connection until
// close has returned.
type copyPipe struct {
	ctx     context.Context
	conn    net.Conn
	fe      *pgproto3.Frontend
	sent    chan struct{}   // one per statement sent; closed by close
	done    chan pipeResult // once every statement is answered
	failed  atomic.Bool     // a statement failed: send no more
	buf     []byte
	sendErr error // the connection could not be written
}

// startCopyPipe starts the goroutine that reads the answers.
func startCopyPipe(ctx context.Context, pc *pgconn.PgConn) *copyPipe {
	p := &copyPipe{ctx: ctx, conn: pc.Conn(), fe: pc.Frontend(), sent: make(chan struct{}, 1<<16), done: make(chan pipeResult, 1)}
	go func() {
		var first error
		var rows int64
		for range p.sent {
			if first != nil && !errors.As(first, new(*pgconn.PgError)) {
				continue // the connection is gone: nothing more to read
			}
			for {
				msg, err := pc.ReceiveMessage(ctx)
				if err != nil {
					// The answers are out of step now (a cancelled context
					// leaves the connection open): it is closed, so that
					// nobody uses it again, and the sender stops.
					if first == nil {
						first = p.cause(err)
					}
					p.failed.Store(true)
					p.conn.Close()
					break
				}
				if e, ok := msg.(*pgproto3.ErrorResponse); ok {
					if first == nil {
						first = pgconn.ErrorResponseToPgError(e)
					}
					p.failed.Store(true)
				}
				if c, ok := msg.(*pgproto3.CommandComplete); ok {
					rows += pgconn.NewCommandTag(string(c.CommandTag)).RowsAffected()
				}
				if _, ok := msg.(*pgproto3.ReadyForQuery); ok {
					break
				}
			}
		}
		p.done <- pipeResult{rows, first}
	}()
	return p
}

// copy sends a COPY of src's rows into table's columns cols, encoded by
// e, and returns once they are sent (not written): an error only if they
// could not be sent, or if an earlier statement failed (errCopyPipe;
// close tells PostgreSQL's error).
func (p *copyPipe) copy(table pgx.Identifier, cols []string, e *copyEncoder, src pgx.CopyFromSource) error {
	if p.sendErr != nil {
		return p.sendErr
	}
	if p.failed.Load() {
		return errCopyPipe
	}
	p.fe.SendQuery(&pgproto3.Query{String: fmt.Sprintf("COPY %s (%s) FROM STDIN BINARY", table.Sanitize(), quoteColumns(cols))})
	if err := p.fe.Flush(); err != nil {
		return p.broken(err)
	}
	p.sent <- struct{}{}
	// CopyData messages of at most 64 KB, as pgconn's CopyFrom sends them.
	const size = 65536
	if p.buf == nil {
		p.buf = make([]byte, 0, size)
	}
	buf := append(p.buf[:0], 'd', 0, 0, 0, 0)
	buf = append(buf, copyHeader...)
	largest := 0
	send := func() error {
		binary.BigEndian.PutUint32(buf[1:], uint32(len(buf)-1))
		err := p.fe.SendUnbufferedEncodedCopyData(buf)
		buf = append(buf[:0], 'd', 0, 0, 0, 0)
		return err
	}
	var err error
	for err == nil && src.Next() {
		start := len(buf)
		var vals []any
		if vals, err = src.Values(); err == nil {
			buf, err = e.row(buf, vals)
		}
		if err == nil {
			largest = max(largest, len(buf)-start)
			if len(buf) > size-largest {
				if err = send(); err != nil {
					return p.broken(err)
				}
			}
		}
	}
	if err == nil {
		err = src.Err()
	}
	if err != nil {
		// The statement fails, and the transaction with it.
		p.fe.Send(&pgproto3.CopyFail{Message: err.Error()})
	} else {
		buf = binary.BigEndian.AppendUint16(buf, 0xFFFF) // the trailer
		if err = send(); err != nil {
			return p.broken(err)
		}
		p.fe.Send(&pgproto3.CopyDone{})
	}
	p.buf = buf
	if ferr := p.fe.Flush(); ferr != nil {
		return p.broken(ferr)
	}
	return err
}

// broken ends the pipe after a write failed: the connection is closed
// (the reader of the answers then ends too) and err is kept for close.
func (p *copyPipe) broken(err error) error {
	p.sendErr = p.cause(err)
	p.conn.Close()
	return p.sendErr
}

// cause is err, a failure of the connection, said as the end of the
// pipe's context if that came first: a cancelled context sets a deadline
// on the connection, and which side meets it first – the reader, the
// sender, or the reader after the sender closed the connection ("use of
// closed network connection") – is chance. The caller must learn that it
// was cancelled either way.
func (p *copyPipe) cause(err error) error {
	if cerr := p.ctx.Err(); cerr != nil && !errors.Is(err, cerr) {
		return fmt.Errorf("%w: %v", cerr, err)
	}
	return err
}

// errCopyPipe: a statement sent before failed.
var errCopyPipe = errors.New("an earlier COPY failed")

// pipeResult is what PostgreSQL answered to a pipe's statements: the
// rows they wrote, the first error.
type pipeResult struct {
	rows int64
	err  error
}

// close waits until every statement sent is answered and returns the
// rows written and the first error: PostgreSQL's, or the connection's.
// Call it once, when nothing more is to be sent.
func (p *copyPipe) close() (int64, error) {
	close(p.sent)
	r := <-p.done
	if r.err == nil {
		r.err = p.sendErr
	}
	return r.rows, r.err
}

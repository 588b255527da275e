package postgres

import (
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"reflect"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
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

// copyFrom is tx.CopyFrom with rows encoded by e.
func copyFrom(ctx context.Context, tx pgx.Tx, table pgx.Identifier, cols []string, e *copyEncoder, src pgx.CopyFromSource) (int64, error) {
	r, w := io.Pipe()
	done := make(chan struct{})
	go func() {
		defer close(done)
		// Writes of at most what pgconn reads at a time, so that it sends
		// no short messages in between (as pgx's CopyFrom).
		const size = 65536 - 5
		buf := make([]byte, 0, size)
		buf = append(buf, copyHeader...)
		largest := 0
		for src.Next() {
			start := len(buf)
			vals, err := src.Values()
			if err == nil {
				buf, err = e.row(buf, vals)
			}
			if err != nil {
				w.CloseWithError(err)
				return
			}
			largest = max(largest, len(buf)-start)
			if len(buf) > size-largest {
				if _, err := w.Write(buf); err != nil {
					return
				}
				buf = buf[:0]
			}
		}
		if err := src.Err(); err != nil {
			w.CloseWithError(err)
			return
		}
		buf = binary.BigEndian.AppendUint16(buf, 0xFFFF) // the trailer
		if _, err := w.Write(buf); err != nil {
			return
		}
		w.Close()
	}()
	tag, err := tx.Conn().PgConn().CopyFrom(ctx, r, fmt.Sprintf("COPY %s (%s) FROM STDIN BINARY", table.Sanitize(), quoteColumns(cols)))
	r.Close()
	<-done
	return tag.RowsAffected(), err
}

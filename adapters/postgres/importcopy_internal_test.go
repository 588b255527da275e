package postgres

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"os"
	"reflect"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgtype"
)

// copyEncoder writes each row as pgx's CopyFrom writes it: every value
// as Map.Encode encodes it for its column (NULL as -1), a string its
// column's type cannot take as text of that type; a column whose values
// change their Go type from row to row included.
func TestCopyEncoderAsPgx(t *testing.T) {
	m := pgtype.NewMap()
	oids := []uint32{pgtype.Int8OID, pgtype.TextOID, pgtype.DateOID, pgtype.BoolOID, pgtype.Int4OID, pgtype.UUIDOID, pgtype.TextOID, pgtype.Float8OID}
	e := &copyEncoder{m: m, oids: oids, types: make([]reflect.Type, len(oids)), plans: make([]pgtype.EncodePlan, len(oids))}
	var uuid pgtype.UUID
	if err := uuid.Scan("0b6c1d2e-3f40-4a5b-8c7d-9e0f1a2b3c4d"); err != nil {
		t.Fatal(err)
	}
	var none *string
	feed := lazyFeedID{key: "om:4711", name: func(k string) string { return "p-" + k }}
	birth := time.Date(2019, 7, 2, 0, 0, 0, 0, time.UTC)
	rows := [][]any{
		{int64(1), "Müller", birth, true, 7, uuid, feed, 1.5},
		{int64(2), nil, nil, nil, nil, nil, nil, nil},
		{int64(3), "", "2020-02-29", false, int64(8), uuid, "x", "2.25"},
		{int(4), none, time.Date(1999, 12, 31, 23, 0, 0, 0, time.FixedZone("", -3600)), "t", 9, nil, feed, float32(3)},
		{int64(5), "Weber", birth.AddDate(0, 0, 1), false, 2147483647, uuid, "Schmidt", nil},
	}
	var got, want []byte
	for _, row := range rows {
		var err error
		if got, err = e.row(got, row); err != nil {
			t.Fatalf("row %v: %v", row, err)
		}
		want = binary.BigEndian.AppendUint16(want, uint16(len(row)))
		for i, v := range row {
			start := len(want)
			want = binary.BigEndian.AppendUint32(want, 0xFFFFFFFF)
			out, err := m.Encode(oids[i], pgtype.BinaryFormatCode, v, want)
			if err != nil {
				if out, err = e.fromText(want, oids[i], v); err != nil {
					t.Fatalf("pgx cannot encode %v: %v", v, err)
				}
			}
			if out != nil {
				want = out
				binary.BigEndian.PutUint32(want[start:], uint32(len(want)-start-4))
			}
		}
		if !bytes.Equal(got, want) {
			t.Fatalf("after row %v:\n got %x\nwant %x", row, got, want)
		}
	}
	if _, err := e.row(nil, rows[0][:3]); err == nil {
		t.Error("a row of three values for eight columns was encoded")
	}
	if _, err := e.row(nil, []any{int64(1), "a", "kein Datum", nil, nil, nil, nil, nil}); err == nil {
		t.Error("a date column took text that is no date")
	}
}

// Whichever side of a cancelled pipe meets the connection's end first,
// and whatever the network says then, the caller is told the context
// ended (TestCopyPipe met each of these by chance); a failure without a
// cancellation stays what it is.
func TestCopyPipeCause(t *testing.T) {
	cctx, cancel := context.WithCancel(context.Background())
	cancel()
	for _, err := range []error{
		errors.New("receive message failed: read tcp 127.0.0.1:53492->127.0.0.1:5432: use of closed network connection"),
		os.ErrDeadlineExceeded,
		context.Canceled,
	} {
		if got := (&copyPipe{ctx: cctx}).cause(err); !errors.Is(got, context.Canceled) {
			t.Errorf("cancelled, %v: %v", err, got)
		}
		if got := (&copyPipe{ctx: context.Background()}).cause(err); got != err {
			t.Errorf("not cancelled, %v: %v", err, got)
		}
	}
}

package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// An uploaded file is stored in parts of 1 MiB and read back from them:
// every byte as it was, reads across part boundaries, and io.EOF at the end.
func TestStoredFileReadsBackEveryByte(t *testing.T) {
	im := newImporter(t)
	im.svc = importing.NewService(im.store, importing.Limits{MaxBytes: 8 << 20})
	ctx := context.Background()
	want := make([]byte, 2<<20+12345) // two full parts and a short third
	r := rand.New(rand.NewPCG(1, 2))
	for i := range want {
		want[i] = byte(r.Uint32())
	}
	imp, err := im.svc.Submit(ctx, importing.Request{Kind: "melderegister", Filename: "gross.xlsx", CreatedBy: "test"}, bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	if imp.Size != int64(len(want)) {
		t.Errorf("Size = %d, want %d", imp.Size, len(want))
	}
	if n := im.count(`SELECT count(*) FROM import_file_parts WHERE import_id = $1`, imp.ID); n != 3 {
		t.Errorf("%d parts stored, want 3", n)
	}
	f, err := im.store.File(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	if f.Size() != int64(len(want)) {
		t.Fatalf("File.Size = %d, want %d", f.Size(), len(want))
	}
	got, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d bytes (err %v), equal: %v", len(got), err, bytes.Equal(got, want))
	}
	for _, c := range []struct{ off, n int }{
		{0, 10}, {1<<20 - 5, 10}, {2<<20 - 1, 2}, {100, 2<<20 + 100}, {len(want) - 7, 7},
	} {
		buf := make([]byte, c.n)
		n, err := f.ReadAt(buf, int64(c.off))
		if n != c.n || err != nil || !bytes.Equal(buf, want[c.off:c.off+c.n]) {
			t.Errorf("ReadAt(%d bytes at %d) = %d, %v; equal: %v", c.n, c.off, n, err, bytes.Equal(buf[:n], want[c.off:c.off+n]))
		}
	}
	buf := make([]byte, 10)
	if n, err := f.ReadAt(buf, int64(len(want)-4)); n != 4 || !errors.Is(err, io.EOF) || !bytes.Equal(buf[:4], want[len(want)-4:]) {
		t.Errorf("ReadAt over the end = %d, %v; want 4, io.EOF", n, err)
	}
	if n, err := f.ReadAt(buf, int64(len(want))); n != 0 || !errors.Is(err, io.EOF) {
		t.Errorf("ReadAt at the end = %d, %v; want 0, io.EOF", n, err)
	}
}

// A text file (a register's CSV) is stored compressed with lz4 where the
// server has it (migration 0119), each part, and read back byte for byte.
func TestStoredFileCompressed(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	im.svc = importing.NewService(im.store, importing.Limits{MaxBytes: 8 << 20})
	ctx := context.Background()
	var b bytes.Buffer
	for i := 0; b.Len() < 2<<20+100_000; i++ { // three parts, each above TOAST's 2 KB
		fmt.Fprintf(&b, "%d;Müller;Lena;;02.07.2019;w;Rosenweg;%d;06108;Musterstadt;Mitte;;;Eltern Müller\r\n", 100000+i, i%120)
	}
	want := b.Bytes()
	imp, err := im.svc.Submit(ctx, importing.Request{Kind: "melderegister", Filename: "register.csv", CreatedBy: "test"}, bytes.NewReader(want))
	if err != nil {
		t.Fatal(err)
	}
	var lz4 bool
	if err := im.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals))`).Scan(&lz4); err != nil {
		t.Fatal(err)
	}
	compressed := im.count(`SELECT count(*) FROM import_file_parts WHERE import_id = $1 AND pg_column_compression(data) = 'lz4'`, imp.ID)
	switch {
	case lz4 && compressed != 3:
		t.Errorf("%d of 3 parts stored with lz4", compressed)
	case !lz4:
		t.Log("the server has no lz4: parts stored as they are")
	}
	f, err := im.store.File(ctx, imp.ID)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d of %d bytes (err %v), equal: %v", len(got), len(want), err, bytes.Equal(got, want))
	}
}

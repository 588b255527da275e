package postgres_test

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"io"
	"math/rand/v2"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
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

// A text file (a register's CSV) is stored compressed by the gateway, each
// part with s2 on its own (migration 0124), and read back byte for byte;
// so is a file s2 cannot shrink (an xlsx, here random bytes), as it is.
func TestStoredFileCompressed(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	im.svc = importing.NewService(im.store, importing.Limits{MaxBytes: 8 << 20})
	ctx := context.Background()
	var b bytes.Buffer
	for i := 0; b.Len() < 2<<20+100_000; i++ { // three parts
		fmt.Fprintf(&b, "%d;Müller;Lena;;02.07.2019;w;Rosenweg;%d;06108;Musterstadt;Mitte;;;Eltern Müller\r\n", 100000+i, i%120)
	}
	text := b.Bytes()
	noise := make([]byte, 1<<20+5000) // two parts
	r := rand.New(rand.NewPCG(1, 2))
	for i := range noise {
		noise[i] = byte(r.Uint32())
	}
	for _, c := range []struct {
		name, filename string
		want           []byte
		encoding       string
		parts          int
	}{
		{"text", "register.csv", text, "s2", 3},
		{"incompressible", "register.xlsx", noise, "raw", 2},
	} {
		imp, err := im.svc.Submit(ctx, importing.Request{Kind: "melderegister", Filename: c.filename, CreatedBy: "test"}, bytes.NewReader(c.want))
		if err != nil {
			t.Fatal(err)
		}
		if n := im.count(`SELECT count(*) FROM import_file_parts WHERE import_id = $1 AND encoding = $2`, imp.ID, c.encoding); n != c.parts {
			t.Errorf("%s: %d of %d parts stored as %s", c.name, n, c.parts, c.encoding)
		}
		stored := im.count(`SELECT sum(octet_length(data)) FROM import_file_parts WHERE import_id = $1`, imp.ID)
		if c.encoding == "s2" && stored > len(c.want)/2 {
			t.Errorf("%s: %d bytes stored for a file of %d", c.name, stored, len(c.want))
		}
		f, err := im.store.File(ctx, imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		// Back to front and front to back: each part is read, decoded and
		// cached on its own.
		got := make([]byte, len(c.want))
		for off := len(got) - len(got)%4096; off >= 0; off -= 4096 {
			if n, err := f.ReadAt(got[off:min(off+4096, len(got))], int64(off)); err != nil && !errors.Is(err, io.EOF) || n != min(4096, len(got)-off) {
				t.Fatalf("%s: ReadAt %d = %d, %v", c.name, off, n, err)
			}
		}
		if !bytes.Equal(got, c.want) {
			t.Errorf("%s: read back backwards differs", c.name)
		}
		got, err = io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
		if err != nil || !bytes.Equal(got, c.want) {
			t.Fatalf("%s: read back %d of %d bytes (err %v), equal: %v", c.name, len(got), len(c.want), err, bytes.Equal(got, c.want))
		}
	}
}

// Parts stored before migration 0124 (no encoding: 'raw', and compressed
// by PostgreSQL where it has lz4) are read back as they were.
func TestStoredFileBefore0124(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	migrateBelow(t, pool, 124)
	var id string
	if err := pool.QueryRow(ctx, `INSERT INTO imports (kind, dry_run, on_error, filename, created_by, file_size)
		VALUES ('melderegister', false, 'skip', 'alt.csv', 'test', $1) RETURNING id`, 1<<20+3).Scan(&id); err != nil {
		t.Fatal(err)
	}
	want := append(bytes.Repeat([]byte("1001;Weber;Ida\r\n"), 1<<20/16), "abc"...)
	if _, err := pool.Exec(ctx, `INSERT INTO import_file_parts (import_id, part, data) VALUES ($1, 0, $2), ($1, 1, $3)`,
		id, want[:1<<20], want[1<<20:]); err != nil {
		t.Fatal(err)
	}
	if _, err := postgres.Migrate(ctx, pool); err != nil {
		t.Fatal(err)
	}
	f, err := postgres.NewImportStore(pool, nil).File(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	got, err := io.ReadAll(io.NewSectionReader(f, 0, f.Size()))
	if err != nil || !bytes.Equal(got, want) {
		t.Fatalf("read back %d of %d bytes (err %v), equal: %v", len(got), len(want), err, bytes.Equal(got, want))
	}
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"io"
	"sync"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/klauspost/compress/s2"
)

// filePartSize is the size of the parts an uploaded file is stored in
// (import_file_parts); every part but the last has exactly this size.
const filePartSize = 1 << 20

// writeFileParts stores file in parts by one COPY, reading it part by
// part: memory holds one part, not the file. Each part is compressed with
// s2 on its own (encoding 's2'), or stored as it is ('raw') where that
// would not save an eighth of it (an xlsx is compressed already;
// migration 0124).
func writeFileParts(ctx context.Context, tx pgx.Tx, importID string, file io.ReaderAt, size int64) error {
	buf := make([]byte, filePartSize)
	enc := make([]byte, s2.MaxEncodedLen(filePartSize))
	part := 0
	_, err := tx.CopyFrom(ctx, pgx.Identifier{"import_file_parts"}, []string{"import_id", "part", "encoding", "data"},
		pgx.CopyFromFunc(func() ([]any, error) {
			off := int64(part) * filePartSize
			if off >= size {
				return nil, nil
			}
			n, err := file.ReadAt(buf[:min(filePartSize, size-off)], off)
			if err != nil && !(errors.Is(err, io.EOF) && int64(n) == min(filePartSize, size-off)) {
				return nil, fmt.Errorf("read upload at %d: %w", off, err)
			}
			part++
			if c := s2.Encode(enc, buf[:n]); len(c) < n-n/8 {
				return []any{importID, part - 1, "s2", c}, nil
			}
			return []any{importID, part - 1, "raw", buf[:n]}, nil
		}))
	return err
}

// storedFile is an uploaded file read from its parts as they are needed
// (an importing.File). It keeps the two parts read last: archive/zip reads
// the directory at the end and then the sheet from front to back, a few KB
// at a time. Reads use the context it was made with.
type storedFile struct {
	ctx  context.Context
	pool *pgxpool.Pool
	id   string
	size int64

	mu    sync.Mutex
	parts [2]cachedPart
	older int // the slot to replace next
}

type cachedPart struct {
	n    int // part number + 1; 0 = empty
	data []byte
}

func (f *storedFile) Size() int64 { return f.size }

func (f *storedFile) ReadAt(p []byte, off int64) (int, error) {
	if off < 0 {
		return 0, errors.New("import file: negative offset")
	}
	f.mu.Lock()
	defer f.mu.Unlock()
	n := 0
	for n < len(p) && off < f.size {
		part := int(off / filePartSize)
		data, err := f.part(part)
		if err != nil {
			return n, err
		}
		within := off - int64(part)*filePartSize
		if within >= int64(len(data)) {
			return n, fmt.Errorf("import file %s: part %d is %d bytes, expected more", f.id, part, len(data))
		}
		k := copy(p[n:], data[within:])
		n += k
		off += int64(k)
	}
	if n < len(p) {
		return n, io.EOF
	}
	return n, nil
}

func (f *storedFile) part(i int) ([]byte, error) {
	for _, c := range f.parts {
		if c.n == i+1 {
			return c.data, nil
		}
	}
	var encoding string
	var data []byte
	err := f.pool.QueryRow(f.ctx, "SELECT encoding, data FROM import_file_parts WHERE import_id = $1 AND part = $2", f.id, i).Scan(&encoding, &data)
	if err != nil {
		return nil, fmt.Errorf("import file %s part %d: %w", f.id, i, err)
	}
	if encoding == "s2" {
		// Into the buffer of the part it replaces: ReadAt copies out
		// under the lock, so nothing else holds it.
		if data, err = s2.Decode(f.parts[f.older].data[:cap(f.parts[f.older].data)], data); err != nil {
			return nil, fmt.Errorf("import file %s part %d: %w", f.id, i, err)
		}
	}
	f.parts[f.older] = cachedPart{n: i + 1, data: data}
	f.older = 1 - f.older
	return data, nil
}

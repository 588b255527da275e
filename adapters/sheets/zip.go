package sheets

import (
	"archive/zip"
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"path"
	"strings"
)

// maxZipEntries bounds the central directory: real xlsx/ods files have a few
// dozen parts; a zip with millions of tiny entries is an attack on memory.
const maxZipEntries = 10_000

// zipPkg is an opened xlsx or ods archive. Every byte unpacked from it is
// counted against Limits.MaxUncompressed, by the sizes the archive declares
// and by the bytes actually inflated.
type zipPkg struct {
	b      *builder
	files  map[string]*zip.File // by normalised lower-case name
	budget int64                // bytes that may still be unpacked
}

var errUncompressed = errors.New("uncompressed size limit reached")

func (p *zipPkg) tooLarge(cause error) *Error {
	return p.tooLargeLimit(p.b.lim.MaxUncompressed, cause)
}

func (p *zipPkg) tooLargeLimit(limit int64, cause error) *Error {
	return newError(ErrTooLarge, cause,
		fmt.Sprintf("Die Datei ist entpackt zu groß (mehr als %s). Möglicherweise enthält sie sehr viele leere, aber formatierte Zellen; bitte löschen Sie diese oder kopieren Sie die Daten in eine neue Datei.",
			humanBytes(limit)))
}

func normZipName(name string) string {
	name = strings.ReplaceAll(name, `\`, "/")
	name = path.Clean("/" + name)
	return strings.ToLower(strings.TrimPrefix(name, "/"))
}

func openZip(b *builder, r io.ReaderAt, size int64) (*zipPkg, error) {
	if n, ok := zipEntryCount(r, size); ok && n > maxZipEntries {
		return nil, newError(ErrTooLarge, fmt.Errorf("%d zip entries", n),
			"Die Datei besteht aus zu vielen Teilen und wird nicht gelesen.")
	}
	zr, err := zip.NewReader(r, size)
	if err != nil {
		return nil, corrupt(err)
	}
	if len(zr.File) > maxZipEntries {
		return nil, newError(ErrTooLarge, fmt.Errorf("%d zip entries", len(zr.File)),
			"Die Datei besteht aus zu vielen Teilen und wird nicht gelesen.")
	}
	p := &zipPkg{b: b, files: make(map[string]*zip.File, len(zr.File)), budget: b.lim.MaxUncompressed}
	for _, f := range zr.File {
		p.files[normZipName(f.Name)] = f
	}
	return p, nil
}

// zipEntryCount reads the entry count from the end of central directory
// record (and its zip64 form) before archive/zip allocates for each entry.
// Only the archive's tail is read.
func zipEntryCount(r io.ReaderAt, size int64) (uint64, bool) {
	const eocdLen = 22
	if size < eocdLen {
		return 0, false
	}
	start := max(0, size-eocdLen-0xffff)
	tail := make([]byte, size-start)
	if _, err := r.ReadAt(tail, start); err != nil && !errors.Is(err, io.EOF) {
		return 0, false
	}
	i := bytes.LastIndex(tail, []byte("PK\x05\x06"))
	if i < 0 || i+eocdLen > len(tail) {
		return 0, false
	}
	n := uint64(binary.LittleEndian.Uint16(tail[i+10:]))
	if n != 0xffff {
		return n, true
	}
	// zip64 end of central directory locator, 20 bytes before
	loc := i - 20
	if loc < 0 || !bytes.HasPrefix(tail[loc:], []byte("PK\x06\x07")) {
		return n, true
	}
	off := binary.LittleEndian.Uint64(tail[loc+8:])
	if size < 56 || off > uint64(size-56) {
		return n, true
	}
	rec := make([]byte, 56)
	if _, err := r.ReadAt(rec, int64(off)); err != nil && !errors.Is(err, io.EOF) {
		return n, true
	}
	if !bytes.HasPrefix(rec, []byte("PK\x06\x06")) {
		return n, true
	}
	return binary.LittleEndian.Uint64(rec[32:]), true
}

// size is the uncompressed size the archive declares for a part (0 if it
// has none).
func (p *zipPkg) size(name string) int64 {
	f, ok := p.files[normZipName(name)]
	if !ok || f.UncompressedSize64 > 1<<40 {
		return 0
	}
	return int64(f.UncompressedSize64)
}

func (p *zipPkg) has(name string) bool {
	_, ok := p.files[normZipName(name)]
	return ok
}

// open returns a reader of the named part that fails with errUncompressed
// once the budget is spent. ok is false if the part does not exist.
func (p *zipPkg) open(name string) (io.ReadCloser, bool, error) {
	return p.openBudget(name, &p.budget, p.b.lim.MaxUncompressed)
}

// openBudget is open with another budget: *left bytes may still be
// unpacked, out of limit (for the message).
func (p *zipPkg) openBudget(name string, left *int64, limit int64) (io.ReadCloser, bool, error) {
	f, ok := p.files[normZipName(name)]
	if !ok {
		return nil, false, nil
	}
	if f.UncompressedSize64 > uint64(*left) {
		return nil, true, p.tooLargeLimit(limit, fmt.Errorf("%s declares %d bytes, %d left", f.Name, f.UncompressedSize64, *left))
	}
	rc, err := f.Open()
	if err != nil {
		return nil, true, corrupt(fmt.Errorf("%s: %w", f.Name, err))
	}
	return &budgetReader{rc: rc, p: p, left: left}, true, nil
}

// read returns the whole named part.
func (p *zipPkg) read(name string) ([]byte, bool, error) {
	rc, ok, err := p.open(name)
	if !ok || err != nil {
		return nil, ok, err
	}
	defer rc.Close()
	data, err := io.ReadAll(rc)
	if err != nil {
		return nil, true, p.wrapErr(name, err)
	}
	return data, true, nil
}

// wrapErr turns an error met while reading a part into a typed error.
func (p *zipPkg) wrapErr(name string, err error) error {
	return p.wrapErrLimit(name, err, p.b.lim.MaxUncompressed)
}

// wrapErrLimit is wrapErr for a part read with its own budget of limit bytes.
func (p *zipPkg) wrapErrLimit(name string, err error, limit int64) error {
	var e *Error
	switch {
	case errors.As(err, &e):
		return err
	case errors.Is(err, errUncompressed):
		return p.tooLargeLimit(limit, fmt.Errorf("%s: %w", name, err))
	case p.b.ctx.Err() != nil && errors.Is(err, p.b.ctx.Err()):
		return p.b.ctx.Err()
	}
	return corrupt(fmt.Errorf("%s: %w", name, err))
}

type budgetReader struct {
	rc   io.ReadCloser
	p    *zipPkg
	left *int64 // bytes that may still be unpacked
}

func (r *budgetReader) Read(b []byte) (int, error) {
	if err := r.p.b.ctx.Err(); err != nil {
		return 0, err
	}
	if *r.left <= 0 {
		// one byte more than allowed tells a full budget from a limit hit
		var one [1]byte
		if n, _ := r.rc.Read(one[:]); n > 0 {
			return 0, errUncompressed
		}
	}
	if int64(len(b)) > *r.left+1 {
		b = b[:*r.left+1]
	}
	n, err := r.rc.Read(b)
	*r.left -= int64(n)
	if *r.left < 0 {
		return n, errUncompressed
	}
	return n, err
}

func (r *budgetReader) Close() error { return r.rc.Close() }

// readZip tells xlsx from ods (and from other zip files) and reads it.
func readZip(b *builder, data []byte) (*Workbook, error) {
	p, err := openZip(b, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	format, wbPath, err := classifyZip(p)
	if err != nil {
		return nil, err
	}
	if format == FormatODS {
		return readODS(b, p)
	}
	return readXLSX(b, p, wbPath)
}

// classifyZip tells an xlsx package (with the name of its workbook part)
// from an ods one; other zip files give ErrUnsupportedFormat.
func classifyZip(p *zipPkg) (Format, string, error) {
	if p.has("mimetype") {
		mt, _, err := p.read("mimetype")
		if err != nil {
			return "", "", err
		}
		m := strings.TrimSpace(string(mt))
		switch {
		case strings.HasPrefix(m, "application/vnd.oasis.opendocument.spreadsheet"):
			return FormatODS, "", nil
		case strings.HasPrefix(m, "application/vnd.oasis.opendocument."):
			return "", "", unsupported(fmt.Errorf("ODF %s", m),
				"Die Datei ist ein OpenDocument-Dokument, aber keine Tabelle (.ods).")
		}
	}
	if wbPath, ok := p.officeDocument(); ok {
		switch {
		case strings.HasSuffix(wbPath, ".bin"):
			return "", "", unsupported(fmt.Errorf("xlsb"),
				"Die Datei ist eine Excel-Binärarbeitsmappe (.xlsb). Bitte speichern Sie sie in Excel als .xlsx.")
		case strings.HasPrefix(wbPath, "word/"), strings.HasPrefix(wbPath, "ppt/"):
			return "", "", unsupported(fmt.Errorf("office document %s", wbPath),
				"Die Datei ist ein Word- oder PowerPoint-Dokument, keine Tabelle.")
		}
		if p.has(wbPath) {
			return FormatXLSX, wbPath, nil
		}
	}
	if p.has("xl/workbook.xml") {
		return FormatXLSX, "xl/workbook.xml", nil
	}
	if p.has("content.xml") {
		return FormatODS, "", nil
	}
	return "", "", unsupported(fmt.Errorf("zip without workbook"), "")
}

package sheets

import (
	"bytes"
	"context"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
	"golang.org/x/text/transform"
)

var (
	bomUTF8    = []byte{0xEF, 0xBB, 0xBF}
	bomUTF16LE = []byte{0xFF, 0xFE}
	bomUTF16BE = []byte{0xFE, 0xFF}
)

// checkText rejects content that is not plain text: binary files, and text
// formats that look like a table but are none of ours (HTML or XML saved
// with an .xls name, as some administration programs do).
func checkText(data []byte) error {
	if bytes.HasPrefix(data, bomUTF16LE) || bytes.HasPrefix(data, bomUTF16BE) {
		return nil
	}
	head := data
	if len(head) > 64<<10 {
		head = head[:64<<10]
	}
	head = bytes.TrimPrefix(head, bomUTF8)
	control := 0
	for _, c := range head {
		switch {
		case c == 0:
			return unsupported(fmt.Errorf("binary content (NUL byte)"), ErrCorrupt.Error())
		case c < 0x20 && c != '\t' && c != '\n' && c != '\r' && c != '\f' && c != 0x1a, c == 0x7f:
			control++
		}
	}
	if control > len(head)/100 {
		return unsupported(fmt.Errorf("binary content (%d control bytes)", control), ErrCorrupt.Error())
	}
	trimmed := bytes.TrimLeft(head, " \t\r\n")
	if len(trimmed) > 0 && trimmed[0] == '<' {
		lower := bytes.ToLower(trimmed[:min(len(trimmed), 4096)])
		switch {
		case bytes.Contains(lower, []byte("urn:schemas-microsoft-com:office:spreadsheet")):
			return unsupported(fmt.Errorf("SpreadsheetML 2003"),
				"Die Datei ist im alten Format „XML-Kalkulationstabelle 2003“ gespeichert. Bitte öffnen Sie sie in Excel oder LibreOffice und speichern Sie sie als .xlsx.")
		case bytes.Contains(lower, []byte("<html")), bytes.Contains(lower, []byte("<table")), bytes.Contains(lower, []byte("<!doctype html")):
			return unsupported(fmt.Errorf("HTML"),
				"Die Datei ist eine Webseite (HTML), keine echte Tabelle, auch wenn sie auf .xls endet. Bitte öffnen Sie sie in Excel oder LibreOffice und speichern Sie sie als .xlsx.")
		case bytes.HasPrefix(lower, []byte("<?xml")):
			return unsupported(fmt.Errorf("XML"), "")
		}
	}
	if bytes.HasPrefix(trimmed, []byte("{\\rtf")) || bytes.HasPrefix(trimmed, []byte("%PDF")) {
		return unsupported(fmt.Errorf("RTF or PDF"), "")
	}
	return nil
}

// CSV and other text files are read as a stream, from where the file lies:
// openCSV settles the encoding, Excel's "sep=" line and the delimiter, and
// (*csvFile).rows parses the rows one at a time, in memory that does not
// grow with the file (a row's text excepted, which is bounded). Read uses
// the same code and collects the rows (readCSV), so a file gives the same
// rows whether it is read whole or streamed.

// csvReadSize is how many bytes a CSV file is read in at a time; tests cut
// files into smaller pieces with it.
var csvReadSize = 64 << 10

// maxCSVRowText bounds the text of one row that streaming holds while it
// reads the row (a quote that is never closed would otherwise take in the
// rest of the file). It is three times DefaultLimits.MaxBytes, the most
// text a file that size can decode to (Windows-1252 to UTF-8 at most
// triples), so every row of a file that could be read whole can still be
// streamed.
const maxCSVRowText = 3 * (32 << 20)

// textEncoding is how a text file's bytes become UTF-8.
type textEncoding uint8

const (
	encUTF8        textEncoding = iota // valid UTF-8 without BOM, as it is
	encUTF8BOM                         // UTF-8 after a BOM; invalid bytes become U+FFFD, a run of them one
	encUTF16                           // UTF-16 with BOM (Excel's "Unicode text")
	encWindows1252                     // anything else (German Excel's CSV)
)

// csvFile is a text file opened for reading as CSV.
type csvFile struct {
	r        io.ReaderAt
	size     int64
	filename string
	sheet    string // the sheet name: the file name without extension
	enc      textEncoding
	skip     int64 // decoded bytes of Excel's "sep=" line, which is not part of the table
	delim    byte
	maxRows  int   // non-empty rows
	maxCols  int   // a value in column maxCols+1 is too wide
	maxText  int64 // bytes of a row's text
}

// openCSV opens the text file r of size bytes (its size already checked)
// as CSV as German Excel writes it. It reads the file up to three times
// (not holding it): for the encoding (UTF-8 only if the whole file is valid
// UTF-8), for a "sep=" line and for the delimiter (in the first 50
// records). lim.MaxRows and lim.MaxColumns bound each sheet's rows and
// width, maxText the text of one row. Errors are those of Read; an error
// reading r is returned wrapped, not taken for damage.
func openCSV(ctx context.Context, r io.ReaderAt, size int64, filename string, lim Limits, maxText int64) (f *csvFile, err error) {
	lim = lim.withDefaults()
	defer func() {
		if r := recover(); r != nil {
			if testRepanic {
				panic(r)
			}
			f, err = nil, corrupt(fmt.Errorf("panic: %v", r))
		}
		setFilename(err, filename)
	}()
	if err := ctx.Err(); err != nil {
		return nil, err
	}
	f = &csvFile{r: r, size: size, filename: filename, sheet: csvSheetName(filename),
		maxRows: lim.MaxRows, maxCols: lim.MaxColumns, maxText: maxText}
	head := fileHead(r, size, 64<<10)
	if err := checkText(head); err != nil {
		return nil, err
	}
	switch {
	case bytes.HasPrefix(head, bomUTF8):
		f.enc = encUTF8BOM
	case bytes.HasPrefix(head, bomUTF16LE), bytes.HasPrefix(head, bomUTF16BE):
		f.enc = encUTF16
		t := f.text(ctx)
		for t.more() {
			if bytes.IndexByte(t.buf[t.pos:t.end], 0) >= 0 {
				return nil, unsupported(fmt.Errorf("binary content in UTF-16 text"), ErrCorrupt.Error())
			}
			t.pos = t.end
		}
		if t.err != nil {
			return nil, t.err
		}
	default:
		valid, err := validUTF8(ctx, r, size)
		if err != nil {
			return nil, err
		}
		f.enc = encWindows1252
		if valid {
			f.enc = encUTF8
		}
	}
	t := f.text(ctx)
	f.delim, f.skip = sepLine(t)
	if t.err != nil {
		return nil, t.err
	}
	if f.delim == 0 {
		t := f.text(ctx)
		t.discard(f.skip)
		var d delimDetector
		for t.more() && !d.feed(t.buf[t.pos:t.end]) {
			t.pos = t.end
		}
		if t.err != nil {
			return nil, t.err
		}
		f.delim = d.delim()
	}
	return f, nil
}

// csvRowText is the bound of a row's text when streaming with lim.
func csvRowText(lim Limits) int64 {
	return min(lim.withDefaults().MaxUncompressed, maxCSVRowText)
}

// readCSV reads CSV as German Excel writes it, collecting the rows of the
// stream. Every value is text; row numbers count records (a quoted line
// break does not start a new row), as Excel shows them.
func readCSV(b *builder, data []byte, filename string) (*Workbook, error) {
	f, err := openCSV(b.ctx, bytes.NewReader(data), int64(len(data)), filename, b.lim, b.lim.MaxUncompressed)
	if err != nil {
		return nil, err
	}
	s := b.newSheet(f.sheet, false)
	err = f.rows(b.ctx, func(number int, cells []string) error {
		for col, v := range cells {
			if v != "" {
				if err := s.set(col, number, v, KindText); err != nil {
					return err
				}
			}
		}
		return s.commitRow(number, false, 1)
	})
	if err != nil {
		return nil, err
	}
	s.finish()
	return b.workbook(FormatCSV), nil
}

// text starts reading the file's text from its beginning, as UTF-8.
func (f *csvFile) text(ctx context.Context) *textBuf {
	var rd io.Reader = &chunkReader{r: f.r, end: f.size}
	switch f.enc {
	case encUTF8BOM:
		rd = transform.NewReader(&chunkReader{r: f.r, off: int64(len(bomUTF8)), end: f.size}, &toValidUTF8{})
	case encUTF16:
		rd = transform.NewReader(rd, unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder())
	case encWindows1252:
		rd = transform.NewReader(rd, fromWindows1252{})
	}
	return &textBuf{ctx: ctx, rd: rd, buf: make([]byte, csvReadSize)}
}

// rows calls fn with the number and cells of each non-empty row in order:
// cells ends with the last non-empty value, an empty cell is "". The slice
// is reused after fn returns, the strings are not. An error from fn stops
// reading and is returned as is.
func (f *csvFile) rows(ctx context.Context, fn func(number int, cells []string) error) (err error) {
	var fnErr error
	defer func() {
		if r := recover(); r != nil {
			if testRepanic {
				panic(r)
			}
			err = corrupt(fmt.Errorf("panic: %v", r))
		}
		if err != nil && err != fnErr {
			setFilename(err, f.filename)
		}
	}()
	if testHook != nil {
		testHook()
	}
	p := &csvParser{textBuf: f.text(ctx), delim: f.delim, sheet: f.sheet,
		maxRows: f.maxRows, maxCols: f.maxCols, maxText: f.maxText}
	p.stop['\r'], p.stop['\n'], p.stop[f.delim] = true, true, true
	p.discard(f.skip)
	err = p.parse(func(number int, cells []string) error {
		fnErr = fn(number, cells)
		return fnErr
	})
	if err == nil {
		err = ctx.Err()
	}
	return err
}

// csvParser parses CSV text record by record.
type csvParser struct {
	*textBuf
	delim   byte
	stop    [256]bool // the delimiter, '\r' and '\n'
	sheet   string
	maxRows int
	maxCols int
	maxText int64

	rows  int      // non-empty rows so far
	text  []byte   // the values of the row being read, one after the other
	spans []span   // where each column's value is in text; start == end: none
	last  int      // columns up to the last non-empty value
	cells []string // the row handed out
}

type span struct{ start, end int }

// parse calls fn with each non-empty record. Quoted fields may hold the
// delimiter, doubled quotes and line breaks; a quote inside an unquoted
// field is kept; text after a closing quote is appended (as Excel does); an
// unterminated quote runs to the end of the file.
func (p *csvParser) parse(fn func(number int, cells []string) error) error {
	record := 1
	col := 0
	for p.more() {
		// one field
		start := len(p.text)
		if p.buf[p.pos] == '"' {
			p.pos++
			for p.more() {
				j := bytes.IndexByte(p.buf[p.pos:p.end], '"')
				if j < 0 {
					p.text = append(p.text, p.buf[p.pos:p.end]...)
					p.pos = p.end
					if err := p.checkRowText(record, true); err != nil {
						return err
					}
					continue
				}
				p.text = append(p.text, p.buf[p.pos:p.pos+j]...)
				p.pos += j + 1
				if p.more() && p.buf[p.pos] == '"' {
					p.text = append(p.text, '"')
					p.pos++
					continue
				}
				break
			}
		}
		// the unquoted field, or text after the closing quote, up to the
		// delimiter or the end of the line
		for p.more() {
			b := p.buf[p.pos:p.end]
			k := 0
			for k < len(b) && !p.stop[b[k]] {
				k++
			}
			p.text = append(p.text, b[:k]...)
			p.pos += k
			if k < len(b) {
				break
			}
			if err := p.checkRowText(record, false); err != nil {
				return err
			}
		}
		if err := p.checkRowText(record, false); err != nil {
			return err
		}
		if len(p.text) > start {
			if err := p.set(col, record, start); err != nil {
				return err
			}
		}
		col++
		if !p.more() {
			break
		}
		switch p.buf[p.pos] {
		case p.delim:
			p.pos++
			if !p.more() { // "a;b;" at the very end: an empty last field
				return p.endRecord(&record, &col, fn)
			}
		case '\r':
			p.pos++
			if p.more() && p.buf[p.pos] == '\n' {
				p.pos++
			}
			if err := p.endRecord(&record, &col, fn); err != nil {
				return err
			}
		case '\n':
			p.pos++
			if err := p.endRecord(&record, &col, fn); err != nil {
				return err
			}
		}
	}
	if col > 0 {
		return p.endRecord(&record, &col, fn)
	}
	return p.err
}

// checkRowText refuses a row whose text so far is longer than allowed.
func (p *csvParser) checkRowText(record int, inQuotes bool) error {
	if int64(len(p.text)) <= p.maxText {
		return nil
	}
	msg := fmt.Sprintf("Die Zeile %d der Tabelle „%s“ enthält zu viel Text (mehr als %s).", record, p.sheet, humanBytes(p.maxText))
	if inQuotes {
		msg += " Vermutlich fehlt dort ein schließendes Anführungszeichen (\")."
	}
	return newError(ErrTooLarge, fmt.Errorf("record %d: more than %d bytes of text", record, p.maxText), msg)
}

// set records that the value of column col is text[start:].
func (p *csvParser) set(col, record, start int) error {
	if col >= p.maxCols {
		return tooWide(p.sheet, col, record, p.maxCols)
	}
	if col >= len(p.spans) {
		p.spans = append(p.spans, make([]span, col+1-len(p.spans))...)
	}
	p.spans[col] = span{start, len(p.text)}
	p.last = col + 1
	return nil
}

// endRecord ends record number *record and hands it to fn if it has a value.
func (p *csvParser) endRecord(record, col *int, fn func(int, []string) error) error {
	if p.err != nil {
		return p.err
	}
	number := *record
	*record++
	*col = 0
	if p.last == 0 {
		return nil
	}
	p.rows++
	if p.rows > p.maxRows {
		return tooManyRows(p.sheet, p.maxRows)
	}
	s := string(p.text) // one allocation for all the row's text
	p.cells = p.cells[:0]
	for _, sp := range p.spans[:p.last] {
		p.cells = append(p.cells, s[sp.start:sp.end])
	}
	clear(p.spans[:p.last])
	p.last = 0
	p.text = p.text[:0]
	if cap(p.text) > 1<<20 {
		p.text = nil // a long row's buffer is not kept for the short ones after it
	}
	return fn(number, p.cells)
}

// sepLine reads Excel's first line "sep=;", which sets the delimiter and
// is not part of the table, as Excel does: the first line (up to '\n', or
// the whole text if it has none and is at most 6 bytes long), without its
// trailing '\r's, is "sep=" and one character. It returns the delimiter and
// the bytes to skip, or 0 and 0.
func sepLine(t *textBuf) (delim byte, skip int64) {
	var l [5]byte // the line's first bytes
	n := int64(0) // bytes of the line read
	lLen := 0     // length of the line without trailing '\r's
	for t.more() {
		c := t.buf[t.pos]
		t.pos++
		if c == '\n' {
			if lLen == 5 && strings.EqualFold(string(l[:4]), "sep=") {
				return l[4], n + 1
			}
			return 0, 0
		}
		n++
		if n <= 5 {
			l[n-1] = c
		}
		if c != '\r' {
			if n > 5 {
				return 0, 0 // the line is longer than "sep=;"
			}
			lLen = int(n)
		}
	}
	if t.err == nil && n <= 6 && lLen == 5 && strings.EqualFold(string(l[:4]), "sep=") {
		return l[4], n
	}
	return 0, 0
}

// detectDelimiter picks ';', '\t', ',' or '|' for text (see delimDetector).
func detectDelimiter(text string) byte {
	var d delimDetector
	d.feed([]byte(text))
	return d.delim()
}

// delimDetector picks ';', '\t', ',' or '|' by how consistently it occurs
// outside quotes in the first records of the text fed to it.
type delimDetector struct {
	counts   [len(delimCandidates)][]int
	cur      [len(delimCandidates)]int
	inQuotes bool
	records  int
	nonEmpty bool
}

var delimCandidates = [...]byte{';', '\t', ',', '|'}

const delimRecords = 50

func (d *delimDetector) flush() {
	if d.nonEmpty {
		for i := range delimCandidates {
			d.counts[i] = append(d.counts[i], d.cur[i])
		}
		d.records++
	}
	clear(d.cur[:])
	d.nonEmpty = false
}

// feed takes the next piece of text and reports whether enough records
// have been seen.
func (d *delimDetector) feed(text []byte) (done bool) {
	for i := 0; i < len(text) && d.records < delimRecords; i++ {
		c := text[i]
		if d.inQuotes {
			j := bytes.IndexByte(text[i:], '"')
			if j < 0 {
				break
			}
			i += j
			d.inQuotes = false
			d.nonEmpty = true
			continue
		}
		if c == '"' {
			d.inQuotes = true
			d.nonEmpty = true
			continue
		}
		if c == '\n' || c == '\r' {
			d.flush()
			continue
		}
		d.nonEmpty = true
		for k, cand := range delimCandidates {
			if c == cand {
				d.cur[k]++
			}
		}
	}
	return d.records >= delimRecords
}

// delim ends the text and gives the delimiter.
func (d *delimDetector) delim() byte {
	d.flush()
	best, bestFreq, bestMode := byte(';'), 0, 0
	for k, cand := range delimCandidates {
		freq := map[int]int{}
		for _, n := range d.counts[k] {
			if n > 0 {
				freq[n]++
			}
		}
		mode, modeFreq := 0, 0
		for n, f := range freq {
			if f > modeFreq || (f == modeFreq && n > mode) {
				mode, modeFreq = n, f
			}
		}
		if modeFreq > bestFreq || (modeFreq == bestFreq && mode > bestMode) {
			best, bestFreq, bestMode = cand, modeFreq, mode
		}
	}
	return best
}

// textBuf reads text through a buffer: buf[pos:end] is what is read and
// not yet taken.
type textBuf struct {
	ctx      context.Context
	rd       io.Reader
	buf      []byte
	pos, end int
	eof      bool
	err      error // why reading stopped before the end: a cancelled ctx, a read error, damage
}

// more reports whether there is text left to take, reading on if need be.
func (t *textBuf) more() bool {
	if t.pos < t.end {
		return true
	}
	for tries := 0; !t.eof && t.err == nil; tries++ {
		if err := t.ctx.Err(); err != nil {
			t.err = err
			break
		}
		n, err := t.rd.Read(t.buf)
		t.pos, t.end = 0, n
		switch {
		case err == io.EOF:
			t.eof = true
		case err != nil:
			var re *uploadReadError
			if !errors.As(err, &re) {
				err = corrupt(err)
			}
			t.err = err
		case n == 0 && tries > 100:
			t.err = corrupt(io.ErrNoProgress)
		}
		if n > 0 {
			return true
		}
	}
	return false
}

// discard skips n bytes of text.
func (t *textBuf) discard(n int64) {
	for n > 0 && t.more() {
		k := min(n, int64(t.end-t.pos))
		t.pos += int(k)
		n -= k
	}
}

// chunkReader reads r from off to end, at most csvReadSize bytes a call.
type chunkReader struct {
	r        io.ReaderAt
	off, end int64
}

func (c *chunkReader) Read(p []byte) (int, error) {
	if c.off >= c.end {
		return 0, io.EOF
	}
	p = p[:min(int64(len(p)), int64(csvReadSize), c.end-c.off)]
	n, err := c.r.ReadAt(p, c.off)
	c.off += int64(n)
	switch {
	case err == io.EOF && n == 0:
		c.off = c.end // the file is shorter than it said
		return 0, io.EOF
	case err == io.EOF:
		err = nil
	case err != nil:
		err = &uploadReadError{err}
	}
	return n, err
}

// uploadReadError is an error reading the file itself (the database gone),
// which is no damage of the file.
type uploadReadError struct{ err error }

func (e *uploadReadError) Error() string { return "read upload: " + e.err.Error() }
func (e *uploadReadError) Unwrap() error { return e.err }

// validUTF8 reports whether the size bytes of r are valid UTF-8, reading
// them in chunks.
func validUTF8(ctx context.Context, r io.ReaderAt, size int64) (bool, error) {
	cr := &chunkReader{r: r, end: size}
	buf := make([]byte, csvReadSize+utf8.UTFMax)
	carry := 0 // bytes of a rune that may go on in the next chunk
	for {
		if err := ctx.Err(); err != nil {
			return false, err
		}
		n, err := cr.Read(buf[carry : carry+csvReadSize])
		end := carry + n
		eof := err == io.EOF
		if err != nil && !eof {
			return false, err
		}
		cut := end
		if !eof {
			for i := end - 1; i >= max(0, end-utf8.UTFMax+1); i-- {
				if utf8.RuneStart(buf[i]) {
					if !utf8.FullRune(buf[i:end]) {
						cut = i
					}
					break
				}
			}
		}
		if !utf8.Valid(buf[:cut]) {
			return false, nil
		}
		if eof {
			return true, nil
		}
		carry = copy(buf, buf[cut:end])
	}
}

// asciiPrefix is how many bytes b begins with that are ASCII, looked at
// eight at a time: most of a list's text is.
func asciiPrefix(b []byte) int {
	n := 0
	for len(b)-n >= 8 && binary.LittleEndian.Uint64(b[n:])&0x8080808080808080 == 0 {
		n += 8
	}
	for n < len(b) && b[n] < utf8.RuneSelf {
		n++
	}
	return n
}

// windows1252 is the UTF-8 of each byte from 0x80 as charmap.Windows1252
// decodes it.
var windows1252 = func() (t [128]string) {
	for i := range t {
		t[i] = string(charmap.Windows1252.DecodeByte(byte(0x80 + i)))
	}
	return t
}()

// fromWindows1252 decodes Windows-1252 as charmap.Windows1252's decoder
// does, copying runs of ASCII at once: the decoder's byte-by-byte loop was
// 3 % of the gateway's CPU for a million-row CSV from Excel.
type fromWindows1252 struct{}

func (fromWindows1252) Reset() {}

func (fromWindows1252) Transform(dst, src []byte, _ bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if n := asciiPrefix(src[nSrc:]); n > 0 {
			m := copy(dst[nDst:], src[nSrc:nSrc+n])
			nDst, nSrc = nDst+m, nSrc+m
			if m < n {
				return nDst, nSrc, transform.ErrShortDst
			}
			continue
		}
		u := windows1252[src[nSrc]-0x80]
		if len(dst)-nDst < len(u) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], u)
		nSrc++
	}
	return nDst, nSrc, nil
}

// toValidUTF8 passes UTF-8 through and turns each run of invalid bytes
// into one U+FFFD, as strings.ToValidUTF8 does.
type toValidUTF8 struct{ invalid bool }

func (v *toValidUTF8) Reset() { v.invalid = false }

func (v *toValidUTF8) Transform(dst, src []byte, atEOF bool) (nDst, nSrc int, err error) {
	for nSrc < len(src) {
		if n := asciiPrefix(src[nSrc:]); n > 0 {
			m := copy(dst[nDst:], src[nSrc:nSrc+n])
			nDst, nSrc = nDst+m, nSrc+m
			if m > 0 {
				v.invalid = false
			}
			if m < n {
				return nDst, nSrc, transform.ErrShortDst
			}
			continue
		}
		if !atEOF && !utf8.FullRune(src[nSrc:]) {
			return nDst, nSrc, transform.ErrShortSrc
		}
		_, size := utf8.DecodeRune(src[nSrc:])
		if size == 1 {
			if !v.invalid {
				if nDst+len(string(utf8.RuneError)) > len(dst) {
					return nDst, nSrc, transform.ErrShortDst
				}
				nDst += copy(dst[nDst:], string(utf8.RuneError))
				v.invalid = true
			}
			nSrc++
			continue
		}
		if nDst+size > len(dst) {
			return nDst, nSrc, transform.ErrShortDst
		}
		nDst += copy(dst[nDst:], src[nSrc:nSrc+size])
		nSrc += size
		v.invalid = false
	}
	return nDst, nSrc, nil
}

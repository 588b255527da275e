package sheets

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"math"
	"path"
	"strconv"
	"strings"
	"unicode/utf8"
)

// XLSXFile is an xlsx workbook opened for reading one sheet at a time, row
// by row. Opening it reads the workbook, the styles and the shared string
// table; Rows then inflates a worksheet and scans its XML as it goes, so
// memory stays at the shared strings plus a buffer of about 128 KB however
// many rows the sheet has, and rows without a value cost no allocation (a
// sheet formatted down to row 1,048,576 is read in a fraction of a second).
//
// Values are those Read gives (it reads xlsx files with the same code).
// An XLSXFile is not safe for concurrent use; it holds no resources to
// release.
type XLSXFile struct {
	filename string
	p        *zipPkg
	b        *builder
	sheets   []xlsxSheet
	sst      sharedStrings
	styles   *xlsxStyles
	date1904 bool
	dates    map[dateKey]string // serial dates already converted
	days     [1024]dayEntry     // whole days already converted, by n mod 1024
	budget   int64              // bytes one Rows call may unpack
}

// SheetInfo describes a worksheet of an XLSXFile.
type SheetInfo struct {
	Name   string
	Hidden bool // hidden or very hidden in the workbook
}

type xlsxSheet struct {
	SheetInfo
	part string
}

// OpenXLSX opens an xlsx file for streaming. Errors are those of Read
// (*Error wrapping ErrUnsupportedFormat, ErrTooLarge or ErrCorrupt, with a
// German message), also for a file that is not xlsx (ods, csv, xls).
//
// Limits: MaxBytes bounds the file; MaxUncompressed bounds what opening
// unpacks (the shared strings are held in memory) and, separately, what each
// Rows call unpacks, which is raised to 100 times the file's size (at most
// 4 GB): those bytes are scanned, not held, so the budget only bounds the
// time a zip bomb can cost. MaxRows and MaxColumns hold for each sheet as in
// Read; MaxCells does not apply, nothing being held per cell.
func OpenXLSX(ctx context.Context, data []byte, filename string, lim Limits) (f *XLSXFile, err error) {
	f, isXLSX, err := openXLSX(ctx, bytes.NewReader(data), int64(len(data)), filename, lim)
	if err == nil && !isXLSX {
		err = &Error{Kind: ErrUnsupportedFormat, Filename: filename, Cause: errors.New("not an xlsx file"),
			Message: "Die Datei ist keine Excel-Arbeitsmappe (.xlsx)."}
	}
	return f, err
}

// openXLSX is OpenXLSX that reports a readable file of another format with
// isXLSX false and no error.
func openXLSX(ctx context.Context, r io.ReaderAt, size int64, filename string, lim Limits) (f *XLSXFile, isXLSX bool, err error) {
	lim = lim.withDefaults()
	defer func() {
		if r := recover(); r != nil {
			if testRepanic {
				panic(r)
			}
			f, isXLSX, err = nil, false, corrupt(fmt.Errorf("panic: %v", r))
		}
		setFilename(err, filename)
	}()
	if err := checkSize(size, lim); err != nil {
		return nil, false, err
	}
	if err := ctx.Err(); err != nil {
		return nil, false, err
	}
	if head := fileHead(r, size, len(magicZip)); !bytes.HasPrefix(head, magicZip) && !bytes.HasPrefix(head, magicZipEmpty) {
		return nil, false, nil
	}
	if testHook != nil {
		testHook()
	}
	b := newBuilder(ctx, lim)
	p, err := openZip(b, r, size)
	if err != nil {
		return nil, false, err
	}
	format, wbPath, err := classifyZip(p)
	if err != nil || format != FormatXLSX {
		return nil, false, err
	}
	f, err = loadXLSX(b, p, wbPath)
	if err != nil {
		return nil, true, err
	}
	f.filename = filename
	f.budget = max(lim.MaxUncompressed, min(100*size, 4<<30))
	return f, true, nil
}

func setFilename(err error, filename string) {
	if e, ok := err.(*Error); ok && e.Filename == "" {
		e.Filename = filename
	}
}

// Sheets lists the worksheets in workbook order (chart and macro sheets,
// which hold no cells, are left out).
func (f *XLSXFile) Sheets() []SheetInfo {
	out := make([]SheetInfo, len(f.sheets))
	for i, s := range f.sheets {
		out[i] = s.SheetInfo
	}
	return out
}

// Rows calls fn with each non-empty row of sheet i (an index into Sheets)
// in order. The *Row and its Cells are reused after fn returns; the cell
// strings are not. An error from fn stops reading and is returned as is.
//
// Rows come as the file holds them. Every writer known (Excel, LibreOffice,
// excelize, exceljs, openpyxl, XlsxWriter) writes them in ascending order
// and Excel repairs a file that does not; a row whose number is not above
// the one before gives ErrCorrupt here (Read sorts and merges such rows).
func (f *XLSXFile) Rows(ctx context.Context, i int, fn func(*Row) error) error {
	if i < 0 || i >= len(f.sheets) {
		return fmt.Errorf("sheets: no sheet %d of %d", i, len(f.sheets))
	}
	f.b.ctx = ctx
	left := f.budget
	st, err := f.openSheet(i, &left, f.budget)
	if err != nil {
		setFilename(err, f.filename)
		return err
	}
	defer st.close()
	prev := 0
	for {
		row, err := st.safeNext()
		if err != nil {
			err = f.p.wrapErrLimit(f.sheets[i].part, err, f.budget)
			setFilename(err, f.filename)
			return err
		}
		if row == nil {
			return ctx.Err()
		}
		if row.Number <= prev {
			err := newError(ErrCorrupt, fmt.Errorf("row %d after row %d", row.Number, prev),
				fmt.Sprintf("In der Tabelle „%s“ stehen die Zeilen nicht in aufsteigender Reihenfolge (Zeile %d nach Zeile %d). Bitte öffnen Sie die Datei in Excel oder LibreOffice und speichern Sie sie erneut.",
					f.sheets[i].Name, row.Number, prev))
			setFilename(err, f.filename)
			return err
		}
		prev = row.Number
		if err := fn(row); err != nil {
			return err
		}
	}
}

// loadXLSX reads the workbook part, its relationships, the styles and the
// shared strings.
func loadXLSX(b *builder, p *zipPkg, wbPath string) (*XLSXFile, error) {
	data, _, err := p.read(wbPath)
	if err != nil {
		return nil, err
	}
	type sheetRef struct{ name, state, relID string }
	var (
		refs     []sheetRef
		date1904 bool
	)
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			break
		}
		if err != nil {
			return nil, corrupt(fmt.Errorf("%s: %w", wbPath, err))
		}
		se, ok := tok.(xml.StartElement)
		if !ok {
			continue
		}
		switch se.Name.Local {
		case "workbookPr":
			date1904 = attrBool(se, "date1904")
		case "sheet":
			var r sheetRef
			r.name, _ = attr(se, "name")
			r.state, _ = attr(se, "state")
			r.relID, _ = attr(se, "id")
			refs = append(refs, r)
		}
	}
	rels, err := p.rels(wbPath)
	if err != nil {
		return nil, err
	}
	dir := path.Dir(wbPath)
	sstPath, stylesPath := path.Join(dir, "sharedStrings.xml"), path.Join(dir, "styles.xml")
	for _, r := range rels {
		switch {
		case strings.HasSuffix(r.typ, "/sharedStrings"):
			sstPath = r.target
		case strings.HasSuffix(r.typ, "/styles"):
			stylesPath = r.target
		}
	}
	f := &XLSXFile{p: p, b: b, date1904: date1904, dates: map[dateKey]string{}, budget: b.lim.MaxUncompressed}
	if f.sst, err = readSharedStrings(p, sstPath); err != nil {
		return nil, err
	}
	if f.styles, err = readXLSXStyles(p, stylesPath); err != nil {
		return nil, err
	}
	for _, ref := range refs {
		r, ok := rels[ref.relID]
		if !ok {
			return nil, corruptf("sheet %q: no relationship %q", ref.name, ref.relID)
		}
		if !strings.HasSuffix(r.typ, "/worksheet") {
			continue // chart sheets, dialog and macro sheets hold no cells
		}
		if !p.has(r.target) {
			return nil, corruptf("sheet %q: part %s missing", ref.name, r.target)
		}
		f.sheets = append(f.sheets, xlsxSheet{
			SheetInfo: SheetInfo{Name: ref.name, Hidden: ref.state == "hidden" || ref.state == "veryHidden"},
			part:      r.target,
		})
	}
	return f, nil
}

// sharedStrings is the shared string table in one string: entry i is
// text[ends[i-1]:ends[i]]. A cell's value is a substring of it, so reading a
// shared string costs nothing, and the table costs its text plus 4 bytes an
// entry instead of a string header and an allocation each.
type sharedStrings struct {
	text string
	ends []uint32
}

func (s *sharedStrings) len() int { return len(s.ends) }

func (s *sharedStrings) get(i int) string {
	start := uint32(0)
	if i > 0 {
		start = s.ends[i-1]
	}
	return s.text[start:s.ends[i]]
}

// readSharedStrings reads the shared string table: the text of each <si>,
// runs of rich text joined, phonetic runs (<rPh>) left out.
func readSharedStrings(p *zipPkg, name string) (sharedStrings, error) {
	rc, ok, err := p.open(name)
	if err != nil || !ok {
		return sharedStrings{}, err
	}
	defer rc.Close()
	sc := newXMLScanner(rc)
	var (
		text     strings.Builder
		ends     []uint32
		cur, tmp []byte
		inSI     bool
		rph      int
		depth    int
	)
	end := func(elem []byte) error {
		switch string(elem) {
		case "si":
			inSI = false
			tmp = appendUnescapeOOXML(tmp[:0], cur)
			if int64(text.Len())+int64(len(tmp)) > math.MaxUint32 {
				return p.tooLarge(fmt.Errorf("%s: more than 4 GB of text", name))
			}
			text.Write(tmp)
			ends = append(ends, uint32(text.Len()))
		case "t":
			sc.capture = nil
		case "rPh":
			rph--
		}
		return nil
	}
	for {
		tok, err := sc.next()
		if err != nil {
			return sharedStrings{}, p.wrapErr(name, err)
		}
		switch tok {
		case tokEOF:
			if depth != 0 {
				return sharedStrings{}, corrupt(fmt.Errorf("%s: %w", name, io.ErrUnexpectedEOF))
			}
			return sharedStrings{text: text.String(), ends: ends}, nil
		case tokStart:
			depth++
			switch string(sc.name) {
			case "sst":
				presize(&text, &ends, sc.attrs, p.size(name))
			case "si":
				inSI = true
				cur = cur[:0]
			case "t":
				if inSI && rph == 0 {
					sc.capture = &cur
				} else {
					sc.capture = nil
				}
			case "rPh":
				rph++
			}
			if !sc.empty {
				continue
			}
			fallthrough
		case tokEnd:
			depth--
			if err := end(sc.name); err != nil {
				return sharedStrings{}, err
			}
		}
	}
}

// presize reserves room for the table from its uniqueCount and the size
// of its part, so that growing does not leave copies behind: each <si> has
// at least 16 bytes of markup ("<si><t></t></si>"). It is only a hint; a
// wrong count costs some memory, never a wrong value.
func presize(text *strings.Builder, ends *[]uint32, attrs []byte, partSize int64) {
	for a := attrs; ; {
		name, raw, rest, ok, err := nextAttr(a)
		if err != nil || !ok {
			return
		}
		a = rest
		if string(name) != "uniqueCount" {
			continue
		}
		n, err := strconv.ParseInt(string(raw), 10, 64)
		if err != nil || n <= 0 || n > partSize/16 {
			return
		}
		*ends = make([]uint32, 0, n)
		text.Grow(int(min(partSize-16*n, 64<<20)))
		return
	}
}

// appendUnescapeOOXML appends src with the _xHHHH_ escapes of OOXML strings
// decoded ("_x000D_" is a carriage return, "_x005F_" a literal underscore).
func appendUnescapeOOXML(dst, src []byte) []byte {
	if bytes.Index(src, []byte("_x")) < 0 {
		return append(dst, src...)
	}
	for i := 0; i < len(src); {
		if i+7 <= len(src) && src[i] == '_' && src[i+1] == 'x' && src[i+6] == '_' {
			if v, err := strconv.ParseUint(string(src[i+2:i+6]), 16, 16); err == nil {
				dst = utf8.AppendRune(dst, rune(v)) // a surrogate becomes U+FFFD, as with strings.Builder
				i += 7
				continue
			}
		}
		dst = append(dst, src[i])
		i++
	}
	return dst
}

// cellType is the t attribute of a cell.
type cellType uint8

const (
	typNumber cellType = iota // "n", none, or one this reader does not know
	typShared                 // "s"
	typInline                 // "inlineStr"
	typStr                    // "str", a formula's text result
	typBool                   // "b"
	typError                  // "e"
	typDate                   // "d", ISO 8601 text
)

func parseCellType(t []byte) cellType {
	switch string(t) {
	case "s":
		return typShared
	case "inlineStr":
		return typInline
	case "str":
		return typStr
	case "b":
		return typBool
	case "e":
		return typError
	case "d":
		return typDate
	}
	return typNumber
}

type dateKey struct {
	v  float64
	nf numFmt
}

// textPos locates a cell's value in the row's text.
type textPos struct {
	start, end int
	set        bool
}

// sheetStream reads the rows of one worksheet part.
//
// Its state follows the encoding/xml reader it replaced flag for flag (see
// xlsx_ref_test.go), so that even odd but readable XML gives the same
// values. One difference: rows and cells without an r attribute take the
// number after the element before them, also when that was an empty
// self-closing element, which the old reader's byte filter dropped.
type sheetStream struct {
	f       *XLSXFile
	sc      *xmlScanner
	rc      io.ReadCloser
	name    string
	maxCols int
	maxRows int
	rows    int        // non-empty rows so far
	hidden  []colRange // hidden columns from <cols>

	inSheetData, inRow, inCell, inIs bool
	done, reset                      bool
	rph                              int

	rowNum    int
	rowHidden bool
	col       int
	typ       cellType
	style     int
	v, is     []byte
	hasIs     bool
	scratch   []byte

	row  Row       // the row handed out; Cells has the length of the last non-empty cell
	pos  []textPos // by column, for values kept in text
	text []byte    // the text of the row's values that are not shared strings or cached
}

// openSheet starts reading sheet i with the given budget.
func (f *XLSXFile) openSheet(i int, left *int64, limit int64) (*sheetStream, error) {
	sh := f.sheets[i]
	rc, ok, err := f.p.openBudget(sh.part, left, limit)
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, corruptf("sheet %q: part %s missing", sh.Name, sh.part)
	}
	return &sheetStream{
		f: f, sc: newXMLScanner(rc), rc: rc, name: sh.Name,
		maxCols: f.b.lim.MaxColumns, maxRows: f.b.lim.MaxRows,
	}, nil
}

func (st *sheetStream) close() { st.rc.Close() }

// safeNext is next with a panic turned into ErrCorrupt.
func (st *sheetStream) safeNext() (row *Row, err error) {
	defer func() {
		if r := recover(); r != nil {
			if testRepanic {
				panic(r)
			}
			row, err = nil, corrupt(fmt.Errorf("panic: %v", r))
		}
	}()
	if testHook != nil {
		testHook()
	}
	return st.next()
}

// next returns the next non-empty row, or nil at the end of the sheet data.
// The row is valid until the next call.
func (st *sheetStream) next() (*Row, error) {
	if st.reset {
		st.resetRow()
	}
	for !st.done {
		if st.inRow {
			row, err := st.fastRow()
			if row != nil || err != nil {
				return row, err
			}
		}
		tok, err := st.sc.next()
		if err != nil {
			return nil, err
		}
		switch tok {
		case tokEOF:
			if st.inSheetData {
				return nil, io.ErrUnexpectedEOF // the part ends inside <sheetData>
			}
			st.done = true
		case tokStart:
			if err := st.start(); err != nil {
				return nil, err
			}
			if !st.sc.empty {
				continue
			}
			fallthrough
		case tokEnd:
			row, err := st.end(st.sc.name)
			if row != nil || err != nil {
				return row, err
			}
		}
	}
	return nil, nil
}

func (st *sheetStream) start() error {
	sc := st.sc
	switch string(sc.name) {
	case "col":
		if !st.inSheetData {
			return st.readCol()
		}
	case "sheetData":
		st.inSheetData = true
	case "row":
		if !st.inSheetData {
			return nil
		}
		r, hidden, seenHidden := -1, false, false
		for a := sc.attrs; ; {
			name, raw, rest, ok, err := nextAttr(a)
			if err != nil {
				return err
			}
			if !ok {
				break
			}
			a = rest
			switch string(name) {
			case "r":
				if r == -1 {
					r = 0
					v, err := attrValue(raw, &st.scratch)
					if err != nil {
						return err
					}
					if n, err := strconv.Atoi(string(bytes.TrimSpace(v))); err == nil && n > 0 && n <= 1<<24 {
						r = n
					}
				}
			case "hidden":
				if !seenHidden {
					seenHidden = true
					v, err := attrValue(raw, &st.scratch)
					if err != nil {
						return err
					}
					hidden = boolAttr(v)
				}
			}
		}
		if r > 0 {
			st.rowNum = r
		} else {
			st.rowNum++
		}
		st.rowHidden = hidden
		st.inRow = true
		st.col = -1
	case "c":
		if !st.inRow {
			return nil
		}
		if err := st.startCell(sc.attrs); err != nil {
			return err
		}
		if !sc.empty && !st.inIs && st.rph == 0 {
			return st.fastCell()
		}
	case "v":
		if st.inCell && !st.inIs {
			sc.capture = &st.v
		}
	case "is":
		if st.inCell {
			st.inIs, st.hasIs = true, true
		}
	case "t":
		if st.inIs && st.rph == 0 {
			sc.capture = &st.is
		}
	case "rPh":
		st.rph++
	}
	return nil
}

// startCell begins a cell with the attributes of its <c> tag.
func (st *sheetStream) startCell(attrs []byte) error {
	st.inCell = true
	col, typ, style := -1, typNumber, 0
	var seenR, seenT, seenS bool
	for a := attrs; ; {
		name, raw, rest, ok, err := nextAttr(a)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		a = rest
		if len(name) != 1 {
			continue
		}
		switch name[0] {
		case 'r':
			if !seenR {
				seenR = true
				v, err := attrValue(raw, &st.scratch)
				if err != nil {
					return err
				}
				col = columnIndex(v)
			}
		case 't':
			if !seenT {
				seenT = true
				v, err := attrValue(raw, &st.scratch)
				if err != nil {
					return err
				}
				typ = parseCellType(v)
			}
		case 's':
			if !seenS {
				seenS = true
				v, err := attrValue(raw, &st.scratch)
				if err != nil {
					return err
				}
				style = parseStyle(v)
			}
		}
	}
	if col >= 0 {
		st.col = col
	} else {
		st.col++
	}
	st.typ, st.style = typ, style
	st.v, st.is, st.hasIs = st.v[:0], st.is[:0], false
	return nil
}

var (
	fastC      = []byte("<c")
	fastRowEnd = []byte("</row>")
	fastV      = []byte("<v>")
	fastVEnd   = []byte("</v></c>")
	fastIsT    = []byte("<is><t>")
	fastIsTEnd = []byte("</t></is></c>")
)

// fastRow reads cells and the end of the row straight from the buffer
// while they come one after the other as writers lay them out, and leaves
// anything else (text between tags, formulas, prefixes, a tag cut by the
// end of the buffer) to the tokens. The state it leaves is the one the
// tokens would.
func (st *sheetStream) fastRow() (*Row, error) {
	s := st.sc
	for st.inRow && !st.inCell && !st.inIs && st.rph == 0 && s.capture == nil {
		b := s.buf[s.pos:s.end]
		if bytes.HasPrefix(b, fastRowEnd) {
			s.pos += len(fastRowEnd)
			st.inRow = false
			return st.endRow()
		}
		if len(b) < 3 || !bytes.HasPrefix(b, fastC) || b[2] != ' ' && b[2] != '>' && b[2] != '/' {
			return nil, nil
		}
		n, empty := st.fastCellTag(b)
		if n == 0 {
			return nil, nil
		}
		s.pos += n
		if empty {
			st.inCell = false
			if err := st.endCell(); err != nil {
				return nil, err
			}
			continue
		}
		if err := st.fastCell(); err != nil {
			return nil, err
		}
	}
	return nil, nil
}

// Bytes that end a plain attribute name or value in fastCellTag.
var attrNameStop, attrValueStop = func() (name, value [256]bool) {
	for _, c := range "=:>/ \t\r\n" {
		name[c] = true
	}
	for _, c := range "\"'&\r<" {
		value[c] = true
	}
	return name, value
}()

// fastCellTag reads a <c> tag at the start of b whose attributes are
// plain (name="value", no prefix, no reference in the value) and starts the
// cell as startCell would. n is the length of the tag, or 0 if it is not
// plain or goes on after the buffer: then nothing has changed.
func (st *sheetStream) fastCellTag(b []byte) (n int, empty bool) {
	col, typ, style := -1, typNumber, 0
	var seenR, seenT, seenS bool
	i := 2
	for {
		for i < len(b) && b[i] == ' ' {
			i++
		}
		if i >= len(b) {
			return 0, false
		}
		switch b[i] {
		case '>':
			n = i + 1
		case '/':
			if i+1 >= len(b) || b[i+1] != '>' {
				return 0, false
			}
			n, empty = i+2, true
		}
		if n > 0 {
			break
		}
		ns := i
		for i < len(b) && !attrNameStop[b[i]] {
			i++
		}
		if i+1 >= len(b) || b[i] != '=' || i == ns || b[i+1] != '"' && b[i+1] != '\'' {
			return 0, false
		}
		name := b[ns:i]
		q := b[i+1]
		i += 2
		vs := i
		for i < len(b) && !attrValueStop[b[i]] {
			i++
		}
		if i >= len(b) || b[i] != q {
			return 0, false // the end of the buffer, a reference, a line end or '<'
		}
		v := b[vs:i]
		i++
		if len(name) != 1 {
			continue
		}
		switch name[0] {
		case 'r':
			if !seenR {
				seenR = true
				col = columnIndex(v)
			}
		case 't':
			if !seenT {
				seenT = true
				typ = parseCellType(v)
			}
		case 's':
			if !seenS {
				seenS = true
				style = parseStyle(v)
			}
		}
	}
	st.inCell = true
	if col >= 0 {
		st.col = col
	} else {
		st.col++
	}
	st.typ, st.style = typ, style
	st.v, st.is, st.hasIs = st.v[:0], st.is[:0], false
	return n, empty
}

// fastCell reads the rest of a cell at once if it is just `<v>text</v></c>`
// or `<is><t>text</t></is></c>`, as nearly every cell is, converting the
// usual values (shared strings, plain integers, inline text) without a
// detour; the state after it is what the tokens one by one would leave.
// Anything else, or a cell that goes on after the buffer, is left to the
// tokens.
func (st *sheetStream) fastCell() error {
	s := st.sc
	b := s.buf[s.pos:s.end]
	isV := bytes.HasPrefix(b, fastV)
	open, tail := fastV, fastVEnd
	if !isV {
		if !bytes.HasPrefix(b, fastIsT) {
			return nil
		}
		open, tail = fastIsT, fastIsTEnd
	}
	raw := b[len(open):]
	i := bytes.IndexByte(raw, '<')
	if i < 0 || !bytes.HasPrefix(raw[i:], tail) {
		return nil
	}
	raw = raw[:i]
	s.pos += len(open) + i + len(tail)
	// What the tokens' ends of <v> (or <t>) and <c> would do: a capture a
	// <v> left open in an earlier, unclosed cell set ends here, so that it
	// cannot take the text of a later cell's formula as its value.
	s.capture = nil
	st.inCell = false
	start := len(st.text)
	if isV {
		switch st.typ {
		case typShared:
			if n, ok := parseDigits(raw); ok && n < st.f.sst.len() {
				if v := st.f.sst.get(n); v != "" {
					return st.place(start, KindText, v, false)
				}
				return nil
			}
		case typNumber:
			if nf := st.f.styles.numFmt(st.style); !nf.isDate() {
				if plainInt(raw) {
					st.text = append(st.text, raw...)
					return st.place(start, KindNumber, "", true)
				}
			} else if n, ok := parseDigits(raw); ok {
				if iso, ok := st.f.dayDate(n, nf); ok {
					return st.place(start, KindDate, iso, false)
				}
			}
		}
		var err error
		if st.v, err = appendXMLText(st.v, raw, false); err != nil {
			return err
		}
		return st.endCell()
	}
	st.hasIs = true
	if st.typ != typInline && st.typ != typNumber {
		var err error
		if st.is, err = appendXMLText(st.is, raw, false); err != nil {
			return err
		}
		return st.endCell()
	}
	// inline text: decoded straight into the row's text
	var (
		err        error
		underscore bool
	)
	if st.text, underscore, err = appendXMLTextUS(st.text, raw, false); err != nil {
		return err
	}
	if underscore && bytes.Contains(st.text[start:], []byte("_x")) {
		st.scratch = appendUnescapeOOXML(st.scratch[:0], st.text[start:])
		st.text = append(st.text[:start], st.scratch...)
	}
	if len(st.text) == start {
		return nil
	}
	return st.place(start, KindText, "", true)
}

// readCol reads a <col> element of <cols>.
func (st *sheetStream) readCol() error {
	var lo, hi int
	var okLo, okHi, seenLo, seenHi, seenHidden, hidden bool
	for a := st.sc.attrs; ; {
		name, raw, rest, ok, err := nextAttr(a)
		if err != nil {
			return err
		}
		if !ok {
			break
		}
		a = rest
		v, err := attrValue(raw, &st.scratch)
		if err != nil {
			return err
		}
		switch string(name) {
		case "min":
			if !seenLo {
				seenLo = true
				n, err := strconv.Atoi(string(bytes.TrimSpace(v)))
				lo, okLo = n, err == nil
			}
		case "max":
			if !seenHi {
				seenHi = true
				n, err := strconv.Atoi(string(bytes.TrimSpace(v)))
				hi, okHi = n, err == nil
			}
		case "hidden":
			if !seenHidden {
				seenHidden = true
				hidden = boolAttr(v)
			}
		}
	}
	if okLo && okHi && hidden {
		from, to := max(lo-1, 0), min(hi, 16384)-1
		if to >= from {
			st.hidden = append(st.hidden, colRange{from, to})
		}
	}
	return nil
}

// boolAttr is attrBool for a raw value.
func boolAttr(v []byte) bool {
	v = bytes.TrimSpace(v)
	return string(v) == "1" || bytes.EqualFold(v, []byte("true"))
}

// parseStyle reads an s attribute; anything but a number is style 0.
func parseStyle(v []byte) int {
	if n, ok := parseDigits(v); ok {
		return n
	}
	n, err := strconv.Atoi(string(bytes.TrimSpace(v)))
	if err != nil {
		return 0
	}
	return n
}

// parseDigits reads 1 to 9 decimal digits.
func parseDigits(b []byte) (int, bool) {
	if len(b) == 0 || len(b) > 9 {
		return 0, false
	}
	n := 0
	for _, c := range b {
		if c < '0' || c > '9' {
			return 0, false
		}
		n = n*10 + int(c-'0')
	}
	return n, true
}

func (st *sheetStream) end(name []byte) (*Row, error) {
	switch string(name) {
	case "v", "t":
		st.sc.capture = nil
	case "rPh":
		st.rph--
	case "is":
		st.inIs = false
	case "c":
		// A <v> left open ends with its cell (as the reference reader
		// has it): its capture must not run on into the next cell.
		st.sc.capture = nil
		if st.inCell {
			st.inCell = false
			return nil, st.endCell()
		}
	case "row":
		if st.inRow {
			st.inRow = false
			return st.endRow()
		}
	case "sheetData":
		st.done = true // nothing after sheetData holds cell values
	}
	return nil, nil
}

// endRow hands out the row if it has a value, and resets it for the next
// (at the next call of next, when the caller is done with it).
func (st *sheetStream) endRow() (*Row, error) {
	cells := st.row.Cells
	if len(cells) == 0 {
		st.resetRow()
		return nil, nil
	}
	st.rows++
	if st.rows > st.maxRows {
		return nil, tooManyRows(st.name, st.maxRows)
	}
	if len(st.text) > 0 {
		s := string(st.text) // one allocation for all the row's own text
		for i, p := range st.pos[:len(cells)] {
			if p.set {
				cells[i].Value = s[p.start:p.end]
			}
		}
	}
	for _, h := range st.hidden {
		for c := h.from; c <= h.to && c < len(cells); c++ {
			cells[c].Hidden = true
		}
	}
	st.row.Number, st.row.Hidden = st.rowNum, st.rowHidden
	st.reset = true
	return &st.row, nil
}

func (st *sheetStream) resetRow() {
	n := len(st.row.Cells)
	clear(st.row.Cells)
	clear(st.pos[:n])
	st.row.Cells = st.row.Cells[:0]
	st.text = st.text[:0]
	st.reset = false
}

// endCell puts the value of the cell just read into the row.
func (st *sheetStream) endCell() error {
	start := len(st.text)
	kind, value, inText, err := st.cellValue()
	if err != nil {
		return err
	}
	return st.place(start, kind, value, inText)
}

// place puts a value into the row: value itself, or (inText) st.text[start:].
func (st *sheetStream) place(start int, kind CellKind, value string, inText bool) error {
	if kind == KindEmpty || st.col < 0 {
		st.text = st.text[:start]
		return nil
	}
	if len(st.text) > maxRowText {
		return newError(ErrTooLarge, fmt.Errorf("row %d: more than %d bytes of text", st.rowNum, maxRowText),
			fmt.Sprintf("Die Zeile %d der Tabelle „%s“ enthält zu viel Text (mehr als %s).", st.rowNum, st.name, humanBytes(maxRowText)))
	}
	col := st.col
	if col >= st.maxCols {
		return tooWide(st.name, col, st.rowNum, st.maxCols)
	}
	if col >= len(st.row.Cells) {
		if col >= cap(st.row.Cells) {
			n := make([]Cell, col+1, max(2*cap(st.row.Cells), col+1, 16))
			copy(n, st.row.Cells)
			st.row.Cells = n
			p := make([]textPos, cap(n))
			copy(p, st.pos)
			st.pos = p
		}
		st.row.Cells = st.row.Cells[:col+1]
	}
	st.row.Cells[col] = Cell{Value: value, Kind: kind}
	if inText {
		st.pos[col] = textPos{start: start, end: len(st.text), set: true}
	} else {
		st.pos[col] = textPos{}
	}
	return nil
}

var errSSTIndex = errors.New("shared string index out of range")

// maxRowText bounds the text of one row held while it is read (Excel allows
// 32,767 characters a cell).
const maxRowText = 64 << 20

// cellValue converts the cell just read as Read always has: shared and
// inline strings as stored, numbers as formatNumber writes them, numbers in
// a date format as ISO dates, booleans as TRUE/FALSE. A value that is not a
// shared string or a cached date is appended to st.text (inText).
func (st *sheetStream) cellValue() (kind CellKind, value string, inText bool, err error) {
	v := st.v
	switch st.typ {
	case typShared:
		tv := bytes.TrimSpace(v)
		i, ok := parseIndex(tv)
		if !ok || i >= st.f.sst.len() {
			if len(tv) == 0 {
				return KindEmpty, "", false, nil
			}
			return 0, "", false, corrupt(fmt.Errorf("%w: %q", errSSTIndex, v))
		}
		if s := st.f.sst.get(i); s != "" {
			return KindText, s, false, nil
		}
		return KindEmpty, "", false, nil
	case typInline:
		if st.hasIs {
			return st.textValue(st.is, true)
		}
		return st.textValue(v, true)
	case typStr:
		return st.textValue(v, true)
	case typBool:
		switch string(bytes.TrimSpace(v)) {
		case "1", "true", "TRUE":
			return KindBool, "TRUE", false, nil
		case "0", "false", "FALSE":
			return KindBool, "FALSE", false, nil
		}
		return st.textValue(v, false)
	case typError:
		if len(v) == 0 {
			return KindEmpty, "", false, nil
		}
		st.text = append(st.text, v...)
		return KindError, "", true, nil
	case typDate:
		if iso, ok := isoDateTime(string(v)); ok {
			return KindDate, iso, false, nil
		}
		return st.textValue(v, false)
	}
	if st.hasIs && len(v) == 0 {
		return st.textValue(st.is, true)
	}
	tv := bytes.TrimSpace(v)
	if len(tv) == 0 {
		return KindEmpty, "", false, nil
	}
	nf := st.f.styles.numFmt(st.style)
	if !nf.isDate() && plainInt(tv) {
		st.text = append(st.text, tv...) // what formatNumber would write
		return KindNumber, "", true, nil
	}
	if n, ok := parseDigits(tv); ok && nf.isDate() {
		if iso, ok := st.f.dayDate(n, nf); ok {
			return KindDate, iso, false, nil
		}
	}
	f, err := strconv.ParseFloat(string(tv), 64)
	if err != nil {
		return st.textValue(v, false)
	}
	if nf.isDate() {
		if iso, ok := st.f.serialDate(f, nf); ok {
			return KindDate, iso, false, nil
		}
	}
	st.text = appendNumber(st.text, f)
	return KindNumber, "", true, nil
}

// textValue appends a text value (with OOXML escapes decoded if unescape).
func (st *sheetStream) textValue(src []byte, unescape bool) (CellKind, string, bool, error) {
	start := len(st.text)
	if unescape {
		st.text = appendUnescapeOOXML(st.text, src)
	} else {
		st.text = append(st.text, src...)
	}
	if len(st.text) == start {
		return KindEmpty, "", false, nil
	}
	return KindText, "", true, nil
}

// serialDate is serialToISO, remembering the results: a register has a few
// thousand distinct birth dates in a hundred thousand rows.
func (f *XLSXFile) serialDate(v float64, nf numFmt) (string, bool) {
	k := dateKey{v, nf}
	if s, ok := f.dates[k]; ok {
		return s, s != ""
	}
	s, ok := serialToISO(v, nf, f.date1904)
	if len(f.dates) < 1<<14 {
		f.dates[k] = s
	}
	return s, ok
}

// dayDate is serialDate for a whole number of days, from a small cache in
// front of the map.
func (f *XLSXFile) dayDate(n int, nf numFmt) (string, bool) {
	e := &f.days[n&(len(f.days)-1)]
	if e.ok && e.n == n && e.nf == nf {
		return e.iso, e.iso != ""
	}
	iso, ok := f.serialDate(float64(n), nf)
	*e = dayEntry{n: n, nf: nf, iso: iso, ok: true}
	return iso, ok
}

type dayEntry struct {
	n   int
	nf  numFmt
	iso string // "" if the day is no date
	ok  bool
}

// parseIndex reads a shared string index as strconv.Atoi does.
func parseIndex(b []byte) (int, bool) {
	if n, ok := parseDigits(b); ok {
		return n, true
	}
	n, err := strconv.Atoi(string(b))
	return n, err == nil && n >= 0
}

// plainInt reports whether b is an integer that formatNumber writes
// unchanged: at most 15 digits, no sign but '-', no leading zero, not "-0".
func plainInt(b []byte) bool {
	if len(b) > 0 && b[0] == '-' {
		b = b[1:]
		if len(b) > 0 && b[0] == '0' {
			return false
		}
	}
	if len(b) == 0 || len(b) > 15 || b[0] == '0' && len(b) > 1 {
		return false
	}
	for _, c := range b {
		if c < '0' || c > '9' {
			return false
		}
	}
	return true
}

package sheets

// The xlsx reader this package had before xlsxstream.go: encoding/xml over
// each worksheet, behind a byte filter that drops empty <row/> and <c/>
// elements. It stays here, unchanged but for names, as the reference the
// streaming reader is compared with cell for cell (xlsxstream_test.go).

import (
	"bufio"
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// refRead is Read with the reference xlsx reader (xlsx files only). With
// filter false the byte filter is left out: the filter was only there for
// speed, but it also dropped the position of empty self-closing rows and
// cells, which the streaming reader keeps for the rows and cells without an
// r attribute after them.
func refRead(ctx context.Context, data []byte, lim Limits, filter bool) (*Workbook, error) {
	b := newBuilder(ctx, lim.withDefaults())
	p, err := openZip(b, bytes.NewReader(data), int64(len(data)))
	if err != nil {
		return nil, err
	}
	format, wbPath, err := classifyZip(p)
	if err != nil {
		return nil, err
	}
	if format != FormatXLSX {
		return nil, fmt.Errorf("not xlsx: %s", format)
	}
	return refReadXLSX(b, p, wbPath, filter)
}

type refSheetRef struct {
	name, state, relID string
}

func refReadXLSX(b *builder, p *zipPkg, wbPath string, filter bool) (*Workbook, error) {
	data, _, err := p.read(wbPath)
	if err != nil {
		return nil, err
	}
	var (
		refs     []refSheetRef
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
			var r refSheetRef
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
	sst, err := refReadSharedStrings(p, sstPath)
	if err != nil {
		return nil, err
	}
	styles, err := readXLSXStyles(p, stylesPath)
	if err != nil {
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
		hidden := ref.state == "hidden" || ref.state == "veryHidden"
		s := b.newSheet(ref.name, hidden)
		rc, ok, err := p.open(r.target)
		if err != nil {
			return nil, err
		}
		if !ok {
			return nil, corruptf("sheet %q: part %s missing", ref.name, r.target)
		}
		err = refParseWorksheet(s, rc, sst, styles, date1904, filter)
		rc.Close()
		if err != nil {
			return nil, p.wrapErr(r.target, err)
		}
		s.finish()
	}
	return b.workbook(FormatXLSX), nil
}

// refReadSharedStrings reads the shared string table: the text of each <si>,
// without phonetic runs.
func refReadSharedStrings(p *zipPkg, name string) ([]string, error) {
	rc, ok, err := p.open(name)
	if err != nil || !ok {
		return nil, err
	}
	defer rc.Close()
	var (
		out   []string
		cur   strings.Builder
		inSI  bool
		inT   bool
		inRPh int
	)
	depth := 0
	d := xml.NewDecoder(rc)
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if depth != 0 {
				return nil, corrupt(fmt.Errorf("%s: %w", name, io.ErrUnexpectedEOF))
			}
			return out, nil
		}
		if err != nil {
			return nil, p.wrapErr(name, err)
		}
		if err := p.b.tick(); err != nil {
			return nil, err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "si":
				inSI = true
				cur.Reset()
			case "t":
				inT = inSI && inRPh == 0
			case "rPh":
				inRPh++
			}
		case xml.EndElement:
			depth--
			switch t.Name.Local {
			case "si":
				inSI = false
				out = append(out, refUnescapeOOXML(cur.String()))
			case "t":
				inT = false
			case "rPh":
				inRPh--
			}
		case xml.CharData:
			if inT {
				cur.Write(t)
			}
		}
	}
}

// refUnescapeOOXML decodes the _xHHHH_ escapes of OOXML strings ("_x000D_" is
// a carriage return, "_x005F_" a literal underscore).
func refUnescapeOOXML(s string) string {
	if !strings.Contains(s, "_x") {
		return s
	}
	var out strings.Builder
	for i := 0; i < len(s); {
		if i+7 <= len(s) && s[i] == '_' && s[i+1] == 'x' && s[i+6] == '_' {
			if v, err := strconv.ParseUint(s[i+2:i+6], 16, 16); err == nil {
				out.WriteRune(rune(v))
				i += 7
				continue
			}
		}
		out.WriteByte(s[i])
		i++
	}
	return out.String()
}

// refXLSXCell is the cell being read.
type refXLSXCell struct {
	col   int
	typ   string
	style int
	v     strings.Builder
	is    strings.Builder
	hasIs bool
}

func refParseWorksheet(s *sheetBuilder, r io.Reader, sst []string, styles *xlsxStyles, date1904 bool, filter bool) error {
	if filter {
		r = newEmptyElemFilter(r)
	}
	d := xml.NewDecoder(r)
	var (
		inSheetData bool
		inRow       bool
		rowNum      int
		rowHidden   bool
		inCell      bool
		inIs        bool
		inRPh       int
		capture     *strings.Builder
		c           refXLSXCell
	)
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			if inSheetData {
				return io.ErrUnexpectedEOF // the part ends inside <sheetData>
			}
			return nil
		}
		if err != nil {
			return err
		}
		if err := s.b.tick(); err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "col":
				if inSheetData {
					continue
				}
				lo, ok1 := attrInt(t, "min")
				hi, ok2 := attrInt(t, "max")
				if ok1 && ok2 && attrBool(t, "hidden") {
					s.hideColumns(lo-1, min(hi, 16384)-1)
				}
			case "sheetData":
				inSheetData = true
			case "row":
				if !inSheetData {
					continue
				}
				if n, ok := attrInt(t, "r"); ok && n > 0 && n <= 1<<24 {
					rowNum = n
				} else {
					rowNum++
				}
				rowHidden = attrBool(t, "hidden")
				inRow = true
				c.col = -1
			case "c":
				if !inRow {
					continue
				}
				inCell = true
				ref, _ := attr(t, "r")
				if col := columnIndex(ref); col >= 0 {
					c.col = col
				} else {
					c.col++
				}
				c.typ, _ = attr(t, "t")
				c.style, _ = attrInt(t, "s")
				c.v.Reset()
				c.is.Reset()
				c.hasIs = false
			case "v":
				if inCell && !inIs {
					capture = &c.v
				}
			case "is":
				if inCell {
					inIs, c.hasIs = true, true
				}
			case "t":
				if inIs && inRPh == 0 {
					capture = &c.is
				}
			case "rPh":
				inRPh++
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "v", "t":
				capture = nil
			case "rPh":
				inRPh--
			case "is":
				inIs = false
			case "c":
				if !inCell {
					continue
				}
				inCell = false
				value, kind, err := refXLSXValue(&c, sst, styles, date1904)
				if err != nil {
					return err
				}
				if err := s.set(c.col, rowNum, value, kind); err != nil {
					return err
				}
			case "row":
				if !inRow {
					continue
				}
				inRow = false
				if err := s.commitRow(rowNum, rowHidden, 1); err != nil {
					return err
				}
			case "sheetData":
				return nil // nothing after sheetData holds cell values
			}
		case xml.CharData:
			if capture != nil {
				capture.Write(t)
			}
		}
	}
}

var refErrSSTIndex = errors.New("shared string index out of range")

func refXLSXValue(c *refXLSXCell, sst []string, styles *xlsxStyles, date1904 bool) (string, CellKind, error) {
	v := c.v.String()
	switch c.typ {
	case "s":
		i, err := strconv.Atoi(strings.TrimSpace(v))
		if err != nil || i < 0 || i >= len(sst) {
			if strings.TrimSpace(v) == "" {
				return "", KindEmpty, nil
			}
			return "", KindEmpty, corrupt(fmt.Errorf("%w: %q", refErrSSTIndex, v))
		}
		return refTextKind(sst[i])
	case "inlineStr":
		if c.hasIs {
			return refTextKind(refUnescapeOOXML(c.is.String()))
		}
		return refTextKind(refUnescapeOOXML(v))
	case "str":
		return refTextKind(refUnescapeOOXML(v))
	case "b":
		switch strings.TrimSpace(v) {
		case "1", "true", "TRUE":
			return "TRUE", KindBool, nil
		case "0", "false", "FALSE":
			return "FALSE", KindBool, nil
		case "":
			return "", KindEmpty, nil
		}
		return v, KindText, nil
	case "e":
		if v == "" {
			return "", KindEmpty, nil
		}
		return v, KindError, nil
	case "d":
		if iso, ok := isoDateTime(v); ok {
			return iso, KindDate, nil
		}
		return refTextKind(v)
	}
	if c.hasIs && v == "" {
		return refTextKind(refUnescapeOOXML(c.is.String()))
	}
	tv := strings.TrimSpace(v)
	if tv == "" {
		return "", KindEmpty, nil
	}
	f, err := strconv.ParseFloat(tv, 64)
	if err != nil {
		return v, KindText, nil
	}
	if nf := styles.numFmt(c.style); nf.isDate() {
		if iso, ok := serialToISO(f, nf, date1904); ok {
			return iso, KindDate, nil
		}
	}
	return formatNumber(f), KindNumber, nil
}

func refTextKind(s string) (string, CellKind, error) {
	if s == "" {
		return "", KindEmpty, nil
	}
	return s, KindText, nil
}

// emptyElemFilter passes XML through, except self-closing <row .../> and
// <c .../> elements that carry an r attribute: they hold no value, and a
// sheet formatted to the last row has a million of them. Rows and cells keep
// their numbers through r, so dropping them changes nothing else.
type emptyElemFilter struct {
	src *bufio.Reader
	buf []byte
	out []byte
	err error
}

func newEmptyElemFilter(r io.Reader) *emptyElemFilter {
	return &emptyElemFilter{src: bufio.NewReaderSize(r, 64<<10)}
}

func (f *emptyElemFilter) Read(p []byte) (int, error) {
	for len(f.out) == 0 {
		if f.err != nil {
			return 0, f.err
		}
		f.fill()
	}
	n := copy(p, f.out)
	f.out = f.out[n:]
	return n, nil
}

func (f *emptyElemFilter) fill() {
	chunk, err := f.src.ReadSlice('<')
	f.buf = append(f.buf[:0], chunk...)
	f.out = f.buf
	if err == bufio.ErrBufferFull {
		return
	}
	if err != nil {
		f.err = err
		return
	}
	if n := f.droppable(); n > 0 {
		f.out = f.buf[:len(f.buf)-1]
		_, _ = f.src.Discard(n)
	}
}

// droppable returns the length of the tag after '<' if it is an empty
// self-closing row or c element with an r attribute, else 0.
func (f *emptyElemFilter) droppable() int {
	for size := 128; size <= 8192; size *= 4 {
		buf, err := f.src.Peek(size)
		n, decided := scanEmptyTag(buf)
		if decided {
			return n
		}
		if err != nil {
			return 0
		}
	}
	return 0
}

func scanEmptyTag(buf []byte) (int, bool) {
	i := 0
	for i < len(buf) && !isXMLSpace(buf[i]) && buf[i] != '/' && buf[i] != '>' {
		i++
	}
	if i == len(buf) {
		return 0, false
	}
	name := buf[:i]
	if j := bytes.IndexByte(name, ':'); j >= 0 {
		name = name[j+1:]
	}
	if string(name) != "row" && string(name) != "c" {
		return 0, true
	}
	hasR := false
	var quote byte
	for ; i < len(buf); i++ {
		ch := buf[i]
		switch {
		case quote != 0:
			if ch == quote {
				quote = 0
			}
		case ch == '"' || ch == '\'':
			quote = ch
		case ch == '>':
			if hasR && buf[i-1] == '/' {
				return i + 1, true
			}
			return 0, true
		case ch == 'r' && isXMLSpace(buf[i-1]):
			k := i + 1
			for k < len(buf) && isXMLSpace(buf[k]) {
				k++
			}
			if k < len(buf) && buf[k] == '=' {
				hasR = true
			}
		}
	}
	return 0, false
}

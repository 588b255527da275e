package sheets

import (
	"bytes"
	"encoding/binary"
	"errors"
	"fmt"
	"io"
	"math"
	"unicode/utf16"

	"github.com/richardlehane/mscfb"
)

// The xls reader is our own minimal BIFF8 (Excel 97–2003) reader on top of
// github.com/richardlehane/mscfb (Apache-2.0, the OLE2 container reader that
// excelize already depends on). The pure-Go xls modules on the module proxy
// were no option: github.com/extrame/xls (Apache-2.0, last tagged 2016)
// panics with a nil row on the sample's empty row 2 and prints to stdout;
// github.com/shakinm/xlsReader is GPL-3.0.
//
// It reads what a data import needs: the sheet list and visibility, shared
// strings (with CONTINUE records), LABELSST, LABEL, RSTRING, NUMBER, RK,
// MULRK, BOOLERR, FORMULA with its cached result (and STRING), hidden columns
// (COLINFO) and rows (ROW), and the number formats that make a number a date
// (FORMAT, XF, DATEMODE for the 1904 system). Encrypted files and the older
// BIFF5 format are refused with a clear message.

const (
	biffFormula    = 0x0006
	biffEOF        = 0x000A
	biffDateMode   = 0x0022
	biffFilePass   = 0x002F
	biffContinue   = 0x003C
	biffColInfo    = 0x007D
	biffBoundSheet = 0x0085
	biffMulRK      = 0x00BD
	biffRString    = 0x00D6
	biffXF         = 0x00E0
	biffSST        = 0x00FC
	biffLabelSST   = 0x00FD
	biffNumber     = 0x0203
	biffLabel      = 0x0204
	biffBoolErr    = 0x0205
	biffString     = 0x0207
	biffRow        = 0x0208
	biffRK         = 0x027E
	biffFormat     = 0x041E
	biffBOF        = 0x0809
)

var errBIFFShort = errors.New("BIFF record too short")

func readOLE2(b *builder, data []byte) (*Workbook, error) {
	r, err := mscfb.New(bytes.NewReader(data))
	if err != nil {
		return nil, corrupt(err)
	}
	var wbStream *mscfb.File
	var book, encrypted bool
	for f, err := r.Next(); err == nil; f, err = r.Next() {
		if len(f.Path) > 0 {
			continue
		}
		switch f.Name {
		case "Workbook", "WORKBOOK", "workbook":
			wbStream = f
		case "Book":
			book = true
		case "EncryptedPackage", "EncryptionInfo":
			encrypted = true
		}
	}
	switch {
	case encrypted:
		return nil, unsupported(fmt.Errorf("encrypted OOXML"), msgEncrypted)
	case wbStream == nil && book:
		return nil, unsupported(fmt.Errorf("BIFF5 Book stream"), msgOldXLS)
	case wbStream == nil:
		return nil, unsupported(fmt.Errorf("OLE2 file without Workbook stream"),
			"Die Datei ist ein altes Office-Dokument, aber keine Excel-Tabelle.")
	}
	if wbStream.Size <= 0 || wbStream.Size > int64(len(data)) {
		return nil, corruptf("Workbook stream size %d for a file of %d bytes", wbStream.Size, len(data))
	}
	stream := make([]byte, wbStream.Size)
	if _, err := io.ReadFull(wbStream, stream); err != nil {
		return nil, corrupt(fmt.Errorf("reading Workbook stream: %w", err))
	}
	return parseBIFF8(b, stream)
}

const (
	msgEncrypted = "Die Datei ist mit einem Kennwort geschützt. Bitte speichern Sie sie in Excel oder LibreOffice ohne Kennwort und laden Sie sie erneut hoch."
	msgOldXLS    = "Die Datei ist im sehr alten Format Excel 5.0/95 gespeichert. Bitte öffnen Sie sie in Excel oder LibreOffice und speichern Sie sie als .xlsx."
)

// biffRecord is one record with the bodies of the CONTINUE records after it.
type biffRecord struct {
	id   uint16
	segs [][]byte
	next int // offset of the record after the CONTINUE records
}

func (r biffRecord) body() []byte { return r.segs[0] }

func readBIFFRecord(stream []byte, off int) (biffRecord, error) {
	rec := biffRecord{}
	if off < 0 || off+4 > len(stream) {
		return rec, corruptf("BIFF record at %d beyond stream end %d", off, len(stream))
	}
	rec.id = binary.LittleEndian.Uint16(stream[off:])
	n := int(binary.LittleEndian.Uint16(stream[off+2:]))
	if off+4+n > len(stream) {
		return rec, corruptf("BIFF record %#x at %d truncated", rec.id, off)
	}
	rec.segs = [][]byte{stream[off+4 : off+4+n]}
	off += 4 + n
	for off+4 <= len(stream) && binary.LittleEndian.Uint16(stream[off:]) == biffContinue {
		n := int(binary.LittleEndian.Uint16(stream[off+2:]))
		if off+4+n > len(stream) {
			return rec, corruptf("CONTINUE record at %d truncated", off)
		}
		rec.segs = append(rec.segs, stream[off+4:off+4+n])
		off += 4 + n
	}
	rec.next = off
	return rec, nil
}

type biffSheetRef struct {
	pos    int
	hidden bool
	name   string
}

type biffGlobals struct {
	date1904 bool
	custom   map[int]numFmt
	xfFmt    []int
	sst      []string
	sheets   []biffSheetRef
}

func (g *biffGlobals) numFmt(xf int) numFmt {
	if xf < 0 || xf >= len(g.xfFmt) {
		return numFmt{}
	}
	id := g.xfFmt[xf]
	if nf := builtinNumFmt(id); nf.isDate() {
		return nf
	}
	return g.custom[id]
}

func parseBIFF8(b *builder, stream []byte) (*Workbook, error) {
	bof, err := readBIFFRecord(stream, 0)
	if err != nil {
		return nil, err
	}
	if bof.id != biffBOF || len(bof.body()) < 4 {
		if bof.id == 0x0009 || bof.id == 0x0209 || bof.id == 0x0409 {
			return nil, unsupported(fmt.Errorf("BIFF2-4 BOF %#x", bof.id), msgOldXLS)
		}
		return nil, corruptf("Workbook stream does not start with BOF (%#x)", bof.id)
	}
	if vers := binary.LittleEndian.Uint16(bof.body()); vers != 0x0600 {
		return nil, unsupported(fmt.Errorf("BIFF version %#x", vers), msgOldXLS)
	}
	g := &biffGlobals{custom: map[int]numFmt{}}
	off := bof.next
globals:
	for {
		if off >= len(stream) {
			return nil, corruptf("workbook globals without EOF")
		}
		rec, err := readBIFFRecord(stream, off)
		if err != nil {
			return nil, err
		}
		off = rec.next
		if err := b.tick(); err != nil {
			return nil, err
		}
		body := rec.body()
		switch rec.id {
		case biffEOF:
			break globals
		case biffFilePass:
			return nil, unsupported(fmt.Errorf("FILEPASS"), msgEncrypted)
		case biffDateMode:
			if len(body) >= 2 {
				g.date1904 = binary.LittleEndian.Uint16(body) == 1
			}
		case biffFormat:
			if len(body) < 4 {
				continue
			}
			id := int(binary.LittleEndian.Uint16(body))
			sr := &segReader{segs: rec.segs, pos: 2}
			code, err := sr.xlUnicodeString()
			if err != nil {
				return nil, corrupt(fmt.Errorf("FORMAT: %w", err))
			}
			g.custom[id] = parseNumFmt(code)
		case biffXF:
			if len(body) < 4 {
				return nil, corrupt(fmt.Errorf("XF: %w", errBIFFShort))
			}
			g.xfFmt = append(g.xfFmt, int(binary.LittleEndian.Uint16(body[2:])))
		case biffBoundSheet:
			if len(body) < 8 {
				return nil, corrupt(fmt.Errorf("BOUNDSHEET: %w", errBIFFShort))
			}
			ref := biffSheetRef{
				pos:    int(binary.LittleEndian.Uint32(body)),
				hidden: body[4]&0x03 != 0,
			}
			if body[5] != 0 {
				continue // chart, macro sheet or VB module
			}
			sr := &segReader{segs: [][]byte{body}, pos: 6}
			cch, err := sr.u8()
			if err != nil {
				return nil, corrupt(err)
			}
			if ref.name, err = sr.chars(int(cch)); err != nil {
				return nil, corrupt(fmt.Errorf("BOUNDSHEET name: %w", err))
			}
			g.sheets = append(g.sheets, ref)
		case biffSST:
			if g.sst, err = readSST(rec.segs); err != nil {
				return nil, corrupt(fmt.Errorf("SST: %w", err))
			}
		}
	}
	for _, ref := range g.sheets {
		if err := parseBIFFSheet(b, g, stream, ref); err != nil {
			return nil, err
		}
	}
	return b.workbook(FormatXLS), nil
}

// readSST reads the shared string table, whose strings may be split across
// CONTINUE records.
func readSST(segs [][]byte) ([]string, error) {
	sr := &segReader{segs: segs}
	if _, err := sr.u32(); err != nil { // total count
		return nil, err
	}
	unique, err := sr.u32()
	if err != nil {
		return nil, err
	}
	total := 0
	for _, s := range segs {
		total += len(s)
	}
	// each string takes at least 3 bytes: never allocate for a lying count
	out := make([]string, 0, min(int(unique), total/3))
	for i := uint32(0); i < unique; i++ {
		if sr.atEnd() {
			break
		}
		s, err := sr.richString()
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, nil
}

// segReader reads a record body and its CONTINUE bodies as one stream.
type segReader struct {
	segs [][]byte
	i    int
	pos  int
}

func (r *segReader) atEnd() bool {
	for r.i < len(r.segs) && r.pos >= len(r.segs[r.i]) {
		if r.i == len(r.segs)-1 {
			return true
		}
		r.i++
		r.pos = 0
	}
	return r.i >= len(r.segs)
}

func (r *segReader) bytes(n int) ([]byte, error) {
	if n < 0 {
		return nil, errBIFFShort
	}
	if r.i < len(r.segs) && r.pos+n <= len(r.segs[r.i]) {
		b := r.segs[r.i][r.pos : r.pos+n]
		r.pos += n
		return b, nil
	}
	out := make([]byte, 0, n)
	for len(out) < n {
		if r.atEnd() {
			return nil, errBIFFShort
		}
		seg := r.segs[r.i]
		k := min(n-len(out), len(seg)-r.pos)
		out = append(out, seg[r.pos:r.pos+k]...)
		r.pos += k
	}
	return out, nil
}

func (r *segReader) u8() (byte, error) {
	b, err := r.bytes(1)
	if err != nil {
		return 0, err
	}
	return b[0], nil
}

func (r *segReader) u16() (uint16, error) {
	b, err := r.bytes(2)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint16(b), nil
}

func (r *segReader) u32() (uint32, error) {
	b, err := r.bytes(4)
	if err != nil {
		return 0, err
	}
	return binary.LittleEndian.Uint32(b), nil
}

func (r *segReader) skip(n int) error {
	for n > 0 {
		if r.atEnd() {
			return errBIFFShort
		}
		k := min(n, len(r.segs[r.i])-r.pos)
		r.pos += k
		n -= k
	}
	return nil
}

// chars reads the flags byte and cch characters of a BIFF8 string. When the
// characters run into the next CONTINUE record, that record starts with a
// new flags byte.
func (r *segReader) chars(cch int) (string, error) {
	flags, err := r.u8()
	if err != nil {
		return "", err
	}
	return r.charsWithFlags(cch, flags&0x01 != 0)
}

func (r *segReader) charsWithFlags(cch int, high bool) (string, error) {
	units := make([]uint16, 0, min(cch, 4096))
	for cch > 0 {
		if r.i >= len(r.segs) {
			return "", errBIFFShort
		}
		if r.pos >= len(r.segs[r.i]) {
			if r.i+1 >= len(r.segs) {
				return "", errBIFFShort
			}
			r.i++
			r.pos = 0
			flags, err := r.u8()
			if err != nil {
				return "", err
			}
			high = flags&0x01 != 0
			continue
		}
		seg := r.segs[r.i][r.pos:]
		if high {
			n := min(cch, len(seg)/2)
			if n == 0 {
				return "", errBIFFShort
			}
			for k := 0; k < n; k++ {
				units = append(units, binary.LittleEndian.Uint16(seg[2*k:]))
			}
			r.pos += 2 * n
			cch -= n
		} else {
			n := min(cch, len(seg))
			for k := 0; k < n; k++ {
				units = append(units, uint16(seg[k]))
			}
			r.pos += n
			cch -= n
		}
	}
	return string(utf16.Decode(units)), nil
}

// xlUnicodeString reads cch (16 bit), flags and characters.
func (r *segReader) xlUnicodeString() (string, error) {
	cch, err := r.u16()
	if err != nil {
		return "", err
	}
	return r.chars(int(cch))
}

// richString reads an XLUnicodeRichExtendedString (the SST's strings).
func (r *segReader) richString() (string, error) {
	cch, err := r.u16()
	if err != nil {
		return "", err
	}
	flags, err := r.u8()
	if err != nil {
		return "", err
	}
	var runs uint16
	var ext uint32
	if flags&0x08 != 0 {
		if runs, err = r.u16(); err != nil {
			return "", err
		}
	}
	if flags&0x04 != 0 {
		if ext, err = r.u32(); err != nil {
			return "", err
		}
	}
	s, err := r.charsWithFlags(int(cch), flags&0x01 != 0)
	if err != nil {
		return "", err
	}
	if err := r.skip(4 * int(runs)); err != nil {
		return "", err
	}
	if ext > math.MaxInt32 {
		return "", errBIFFShort
	}
	if err := r.skip(int(ext)); err != nil {
		return "", err
	}
	return s, nil
}

var biffErrors = map[byte]string{
	0x00: "#NULL!", 0x07: "#DIV/0!", 0x0F: "#VALUE!", 0x17: "#REF!",
	0x1D: "#NAME?", 0x24: "#NUM!", 0x2A: "#N/A", 0x2B: "#GETTING_DATA",
}

func biffError(code byte) string {
	if s, ok := biffErrors[code]; ok {
		return s
	}
	return fmt.Sprintf("#ERR%d", code)
}

func rkValue(rk uint32) float64 {
	var v float64
	if rk&0x02 != 0 {
		v = float64(int32(rk) >> 2)
	} else {
		v = math.Float64frombits(uint64(rk&0xFFFFFFFC) << 32)
	}
	if rk&0x01 != 0 {
		v /= 100
	}
	return v
}

// xlsSheet feeds the cells of one sheet, which BIFF writes row by row, into
// the sheet builder.
type xlsSheet struct {
	g          *biffGlobals
	s          *sheetBuilder
	curRow     int
	hiddenRows map[int]bool
}

func (x *xlsSheet) flush() error {
	if x.curRow < 0 {
		return nil
	}
	err := x.s.commitRow(x.curRow+1, x.hiddenRows[x.curRow], 1)
	x.curRow = -1
	return err
}

func (x *xlsSheet) put(row, col int, value string, kind CellKind) error {
	if row != x.curRow {
		if err := x.flush(); err != nil {
			return err
		}
		x.curRow = row
	}
	return x.s.set(col, row+1, value, kind)
}

func (x *xlsSheet) putNumber(row, col, xf int, v float64) error {
	if nf := x.g.numFmt(xf); nf.isDate() {
		if iso, ok := serialToISO(v, nf, x.g.date1904); ok {
			return x.put(row, col, iso, KindDate)
		}
	}
	return x.put(row, col, formatNumber(v), KindNumber)
}

func (x *xlsSheet) putText(row, col int, s string) error {
	if s == "" {
		return nil
	}
	return x.put(row, col, s, KindText)
}

func parseBIFFSheet(b *builder, g *biffGlobals, stream []byte, ref biffSheetRef) error {
	bof, err := readBIFFRecord(stream, ref.pos)
	if err != nil {
		return err
	}
	if bof.id != biffBOF || len(bof.body()) < 4 {
		return corruptf("sheet %q: no BOF at %d", ref.name, ref.pos)
	}
	if dt := binary.LittleEndian.Uint16(bof.body()[2:]); dt != 0x0010 {
		return nil // chart or macro sheet
	}
	x := &xlsSheet{g: g, s: b.newSheet(ref.name, ref.hidden), curRow: -1, hiddenRows: map[int]bool{}}
	depth := 1
	off := bof.next
	pendingFormula := [3]int{-1, -1, -1} // row, col of a formula whose string result follows
	for depth > 0 {
		if off >= len(stream) {
			return corruptf("sheet %q without EOF", ref.name)
		}
		rec, err := readBIFFRecord(stream, off)
		if err != nil {
			return err
		}
		off = rec.next
		if err := b.tick(); err != nil {
			return err
		}
		switch rec.id {
		case biffBOF:
			depth++
			continue
		case biffEOF:
			depth--
			continue
		}
		if depth != 1 {
			continue
		}
		body := rec.body()
		cell := func(min int) (row, col, xf int, ok bool) {
			if len(body) < min {
				return 0, 0, 0, false
			}
			return int(binary.LittleEndian.Uint16(body)), int(binary.LittleEndian.Uint16(body[2:])),
				int(binary.LittleEndian.Uint16(body[4:])), true
		}
		switch rec.id {
		case biffColInfo:
			if len(body) >= 10 && binary.LittleEndian.Uint16(body[8:])&0x01 != 0 {
				x.s.hideColumns(int(binary.LittleEndian.Uint16(body)), int(binary.LittleEndian.Uint16(body[2:])))
			}
		case biffRow:
			if len(body) >= 16 && binary.LittleEndian.Uint32(body[12:])&0x20 != 0 {
				x.hiddenRows[int(binary.LittleEndian.Uint16(body))] = true
			}
		case biffLabelSST:
			row, col, _, ok := cell(10)
			if !ok {
				return corruptf("LABELSST: %v", errBIFFShort)
			}
			i := int(binary.LittleEndian.Uint32(body[6:]))
			if i < 0 || i >= len(g.sst) {
				return corruptf("LABELSST index %d of %d", i, len(g.sst))
			}
			err = x.putText(row, col, g.sst[i])
		case biffLabel, biffRString:
			row, col, _, ok := cell(8)
			if !ok {
				return corruptf("LABEL: %v", errBIFFShort)
			}
			sr := &segReader{segs: rec.segs, pos: 6}
			s, err2 := sr.xlUnicodeString()
			if err2 != nil {
				return corrupt(fmt.Errorf("LABEL: %w", err2))
			}
			err = x.putText(row, col, s)
		case biffNumber:
			row, col, xf, ok := cell(14)
			if !ok {
				return corruptf("NUMBER: %v", errBIFFShort)
			}
			err = x.putNumber(row, col, xf, math.Float64frombits(binary.LittleEndian.Uint64(body[6:])))
		case biffRK:
			row, col, xf, ok := cell(10)
			if !ok {
				return corruptf("RK: %v", errBIFFShort)
			}
			err = x.putNumber(row, col, xf, rkValue(binary.LittleEndian.Uint32(body[6:])))
		case biffMulRK:
			if len(body) < 6 {
				return corruptf("MULRK: %v", errBIFFShort)
			}
			row := int(binary.LittleEndian.Uint16(body))
			col := int(binary.LittleEndian.Uint16(body[2:]))
			for p := 4; p+6 <= len(body)-2 && err == nil; p += 6 {
				xf := int(binary.LittleEndian.Uint16(body[p:]))
				err = x.putNumber(row, col, xf, rkValue(binary.LittleEndian.Uint32(body[p+2:])))
				col++
			}
		case biffBoolErr:
			row, col, _, ok := cell(8)
			if !ok {
				return corruptf("BOOLERR: %v", errBIFFShort)
			}
			if body[7] != 0 {
				err = x.put(row, col, biffError(body[6]), KindError)
			} else if body[6] != 0 {
				err = x.put(row, col, "TRUE", KindBool)
			} else {
				err = x.put(row, col, "FALSE", KindBool)
			}
		case biffFormula:
			row, col, xf, ok := cell(14)
			if !ok {
				return corruptf("FORMULA: %v", errBIFFShort)
			}
			res := body[6:14]
			if binary.LittleEndian.Uint16(res[6:]) != 0xFFFF {
				err = x.putNumber(row, col, xf, math.Float64frombits(binary.LittleEndian.Uint64(res)))
				break
			}
			switch res[0] {
			case 0: // string: the STRING record follows
				pendingFormula = [3]int{row, col, 1}
			case 1:
				if res[2] != 0 {
					err = x.put(row, col, "TRUE", KindBool)
				} else {
					err = x.put(row, col, "FALSE", KindBool)
				}
			case 2:
				err = x.put(row, col, biffError(res[2]), KindError)
			}
		case biffString:
			if pendingFormula[2] != 1 {
				continue
			}
			sr := &segReader{segs: rec.segs}
			s, err2 := sr.xlUnicodeString()
			if err2 != nil {
				return corrupt(fmt.Errorf("STRING: %w", err2))
			}
			err = x.putText(pendingFormula[0], pendingFormula[1], s)
			pendingFormula = [3]int{-1, -1, -1}
		}
		if err != nil {
			return err
		}
	}
	if err := x.flush(); err != nil {
		return err
	}
	x.s.finish()
	return nil
}

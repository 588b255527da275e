package sheets

import (
	"bytes"
	"context"
	"encoding/binary"
	"math"
	"reflect"
	"strings"
	"testing"
	"unicode/utf16"

	"github.com/xuri/excelize/v2"
)

func le16(v int) []byte    { return binary.LittleEndian.AppendUint16(nil, uint16(v)) }
func le32(v uint32) []byte { return binary.LittleEndian.AppendUint32(nil, v) }
func lef64(f float64) []byte {
	return binary.LittleEndian.AppendUint64(nil, math.Float64bits(f))
}

func cat(parts ...[]byte) []byte {
	var out []byte
	for _, p := range parts {
		out = append(out, p...)
	}
	return out
}

func record(id uint16, body ...[]byte) []byte {
	b := cat(body...)
	return cat(le16(int(id)), le16(len(b)), b)
}

func compressed(s string) []byte {
	var out []byte
	for _, r := range s {
		out = append(out, byte(r))
	}
	return out
}

func wide(s string) []byte {
	var out []byte
	for _, u := range utf16.Encode([]rune(s)) {
		out = binary.LittleEndian.AppendUint16(out, u)
	}
	return out
}

// xlString is an XLUnicodeString: cch, flags, characters.
func xlString(s string) []byte {
	return cat(le16(len([]rune(s))), []byte{1}, wide(s))
}

func cellHead(row, col, xf int) []byte { return cat(le16(row), le16(col), le16(xf)) }

func rk(v int32, x100 bool) uint32 {
	r := uint32(v<<2) | 0x02
	if x100 {
		r |= 0x01
	}
	return r
}

type biffSheet struct {
	name    string
	state   byte // 0 visible, 1 hidden
	kind    byte // 0 worksheet, 2 chart
	records []byte
}

// buildBIFF8 writes a Workbook stream: globals (with the given extra
// records before the sheets' BOUNDSHEETs) and the sheet substreams.
func buildBIFF8(globals []byte, sheets ...biffSheet) []byte {
	xfs := []byte{}
	for _, ifmt := range []int{0, 14, 164, 22} { // XF 0 General, 1 builtin date, 2 dd.mm.yyyy, 3 date+time
		xfs = append(xfs, record(biffXF, le16(0), le16(ifmt), make([]byte, 16))...)
	}
	head := cat(
		record(biffBOF, le16(0x0600), le16(0x0005), make([]byte, 12)),
		globals,
		record(biffFormat, le16(164), xlString(`dd\.mm\.yyyy`)),
		xfs,
	)
	boundsheets := func(positions []int) []byte {
		var out []byte
		for i, s := range sheets {
			name := compressed(s.name)
			out = append(out, record(biffBoundSheet, le32(uint32(positions[i])), []byte{s.state, s.kind, byte(len(name)), 0}, name)...)
		}
		return out
	}
	// SST: "Name", rich "Müller", extended "Łukasz", "Straßenverzeichnis" split
	// over a CONTINUE whose flags switch to 16-bit characters, "Ende".
	sst := cat(le32(5), le32(5),
		le16(4), []byte{0}, compressed("Name"),
		le16(6), []byte{0x08}, le16(1), compressed("Müller"), le16(0), le16(1),
		le16(6), []byte{0x05}, le32(3), wide("Łukasz"), []byte{9, 9, 9},
		le16(18), []byte{0}, compressed("Straß"),
	)
	cont := cat([]byte{0x01}, wide("enverzeichnis"), le16(4), []byte{0}, compressed("Ende"))
	tail := cat(record(biffSST, sst), record(biffContinue, cont), record(biffEOF))
	positions := make([]int, len(sheets))
	off := len(head) + len(boundsheets(positions)) + len(tail)
	var body []byte
	for i, s := range sheets {
		positions[i] = off + len(body)
		dt := 0x0010
		if s.kind == 2 {
			dt = 0x0020
		}
		body = append(body, cat(record(biffBOF, le16(0x0600), le16(dt), make([]byte, 12)), s.records, record(biffEOF))...)
	}
	return cat(head, boundsheets(positions), tail, body)
}

func sampleBIFFSheets() []biffSheet {
	rows := cat(
		record(biffColInfo, le16(1), le16(1), le16(0), le16(0), le16(1), le16(0)),
		record(biffRow, le16(4), le16(0), le16(5), le16(0), le16(0), le16(0), le32(0x20|0x100)),
		record(biffLabelSST, cellHead(0, 0, 0), le32(0)),
		record(biffLabelSST, cellHead(0, 1, 0), le32(3)),
		record(biffLabelSST, cellHead(1, 0, 0), le32(1)),
		record(biffLabelSST, cellHead(1, 1, 0), le32(2)),
		record(biffNumber, cellHead(2, 0, 0), lef64(6108)),
		record(biffRK, cellHead(2, 1, 1), le32(rk(43921, false))),
		record(biffRK, cellHead(2, 2, 0), le32(rk(1250, true))),
		record(biffMulRK, le16(3), le16(0), le16(2), le32(rk(43921, false)), le16(0), le32(0x3FE00000), le16(0), le32(rk(-7, false)), le16(3), le16(2)),
		record(biffBoolErr, cellHead(4, 0, 0), []byte{1, 0}),
		record(biffBoolErr, cellHead(4, 1, 0), []byte{0x07, 1}),
		record(biffFormula, cellHead(5, 0, 0), lef64(42), le16(0), le32(0), le16(0)),
		record(biffFormula, cellHead(5, 1, 0), []byte{0, 0, 0, 0, 0, 0, 0xFF, 0xFF}, le16(0), le32(0), le16(0)),
		record(biffString, xlString("Ergebnis")),
		record(biffFormula, cellHead(5, 2, 0), []byte{1, 0, 1, 0, 0, 0, 0xFF, 0xFF}, le16(0), le32(0), le16(0)),
		record(biffFormula, cellHead(5, 3, 0), []byte{2, 0, 0x2A, 0, 0, 0, 0xFF, 0xFF}, le16(0), le32(0), le16(0)),
		record(biffFormula, cellHead(5, 4, 0), []byte{3, 0, 0, 0, 0, 0, 0xFF, 0xFF}, le16(0), le32(0), le16(0)),
		record(biffNumber, cellHead(5, 5, 3), lef64(43921.34375)),
		record(biffLabel, cellHead(6, 3, 0), xlString("Label direkt")),
		// an embedded chart substream: its records are not cells of the sheet
		record(biffBOF, le16(0x0600), le16(0x0020), make([]byte, 12)),
		record(biffNumber, cellHead(9, 9, 0), lef64(99)),
		record(biffEOF),
		// a cell out of row order
		record(biffNumber, cellHead(1, 3, 0), lef64(1)),
	)
	return []biffSheet{
		{name: "Liste", records: rows},
		{name: "Alt", state: 1, records: record(biffLabel, cellHead(0, 0, 0), xlString("versteckt"))},
		{name: "Diagramm", kind: 2},
	}
}

func TestBIFF8(t *testing.T) {
	wb, err := parseBIFF8(newBuilder(context.Background(), Limits{}.withDefaults()), buildBIFF8(nil, sampleBIFFSheets()...))
	if err != nil {
		t.Fatal(err)
	}
	if wb.Format != FormatXLS {
		t.Errorf("format %s", wb.Format)
	}
	if got := sheetNames(wb); !reflect.DeepEqual(got, []string{"Liste", "Alt"}) {
		t.Fatalf("sheets %q", got)
	}
	if wb.Sheets[0].Hidden || !wb.Sheets[1].Hidden {
		t.Error("sheet visibility")
	}
	s := wb.Sheets[0]
	if got := rowNumbers(s); !reflect.DeepEqual(got, []int{1, 2, 3, 4, 5, 6, 7}) {
		t.Fatalf("rows %v", got)
	}
	if !s.Rows[4].Hidden || s.Rows[3].Hidden {
		t.Error("row 5 should be hidden, row 4 not")
	}
	for ref, w := range map[string]Cell{
		"A1":  {Value: "Name", Kind: KindText},
		"B1":  {Value: "Straßenverzeichnis", Kind: KindText, Hidden: true},
		"A2":  {Value: "Müller", Kind: KindText},
		"B2":  {Value: "Łukasz", Kind: KindText, Hidden: true},
		"D2":  {Value: "1", Kind: KindNumber},
		"A3":  {Value: "6108", Kind: KindNumber},
		"B3":  {Value: "2020-03-31", Kind: KindDate, Hidden: true},
		"C3":  {Value: "12.5", Kind: KindNumber},
		"A4":  {Value: "2020-03-31", Kind: KindDate},
		"B4":  {Value: "0.5", Kind: KindNumber, Hidden: true},
		"C4":  {Value: "-7", Kind: KindNumber},
		"A5":  {Value: "TRUE", Kind: KindBool},
		"B5":  {Value: "#DIV/0!", Kind: KindError, Hidden: true},
		"A6":  {Value: "42", Kind: KindNumber},
		"B6":  {Value: "Ergebnis", Kind: KindText, Hidden: true},
		"C6":  {Value: "TRUE", Kind: KindBool},
		"D6":  {Value: "#N/A", Kind: KindError},
		"E6":  {},
		"F6":  {Value: "2020-03-31T08:15:00", Kind: KindDate},
		"D7":  {Value: "Label direkt", Kind: KindText},
		"J10": {},
	} {
		if got := cellAt(s, ref); got != w {
			t.Errorf("%s = %+v, want %+v", ref, got, w)
		}
	}
	if got := cellAt(wb.Sheets[1], "A1"); got.Value != "versteckt" {
		t.Errorf("Alt!A1 = %+v", got)
	}
}

func TestBIFF8DateMode1904(t *testing.T) {
	sheet := biffSheet{name: "S", records: record(biffRK, cellHead(0, 0, 1), le32(rk(43921, false)))}
	wb, err := parseBIFF8(newBuilder(context.Background(), Limits{}.withDefaults()), buildBIFF8(record(biffDateMode, le16(1)), sheet))
	if err != nil {
		t.Fatal(err)
	}
	if got := cellAt(wb.Sheets[0], "A1"); got != (Cell{Value: "2024-04-01", Kind: KindDate}) {
		t.Errorf("A1 = %+v", got)
	}
}

func TestBIFF8Refused(t *testing.T) {
	b := func() *builder { return newBuilder(context.Background(), Limits{}.withDefaults()) }
	sheet := biffSheet{name: "S", records: record(biffLabelSST, cellHead(0, 0, 0), le32(0))}

	_, err := parseBIFF8(b(), buildBIFF8(record(biffFilePass, le16(1), make([]byte, 52)), sheet))
	expectErr(t, err, ErrUnsupportedFormat)

	old := buildBIFF8(nil, sheet)
	copy(old[4:], le16(0x0500)) // BIFF5
	_, err = parseBIFF8(b(), old)
	expectErr(t, err, ErrUnsupportedFormat)

	good := buildBIFF8(nil, sheet)
	for _, n := range []int{3, 10, len(good) / 2, len(good) - 5} {
		_, err = parseBIFF8(b(), good[:n])
		expectErr(t, err, ErrCorrupt)
	}
	_, err = parseBIFF8(b(), buildBIFF8(nil, biffSheet{name: "S", records: record(biffLabelSST, cellHead(0, 0, 0), le32(99))}))
	expectErr(t, err, ErrCorrupt)
	_, err = parseBIFF8(b(), buildBIFF8(nil, biffSheet{name: "S", records: record(biffNumber, cellHead(0, 0, 0))}))
	expectErr(t, err, ErrCorrupt)
	_, err = parseBIFF8(b(), buildBIFF8(nil, biffSheet{name: "S", records: record(biffNumber, cellHead(0, 2000, 0), lef64(1))}))
	expectErr(t, err, ErrTooLarge)

	// a lying SST count allocates nothing
	lying := record(biffSST, le32(0xFFFFFFFF), le32(0xFFFFFFFF))
	if sst, err := readSST([][]byte{lying[4:]}); err != nil || len(sst) != 0 {
		t.Errorf("sst %v %v", sst, err)
	}
}

func TestRK(t *testing.T) {
	for rkv, want := range map[uint32]float64{
		rk(43921, false): 43921,
		rk(1250, true):   12.5,
		rk(-7, false):    -7,
		0x3FF00000:       1,
		0x3FF00001:       0.01,
	} {
		if got := rkValue(rkv); got != want {
			t.Errorf("rk %#x = %v, want %v", rkv, got, want)
		}
	}
}

// Excel saves a password-protected workbook as an OLE2 file with an
// EncryptedPackage stream; excelize writes the same.
func TestEncryptedWorkbookRefused(t *testing.T) {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetCellValue("Sheet1", "A1", "geheim"); err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	if err := f.Write(&buf, excelize.Options{Password: "schule"}); err != nil {
		t.Fatal(err)
	}
	if !bytes.HasPrefix(buf.Bytes(), magicOLE2) {
		t.Fatal("excelize did not write an OLE2 container")
	}
	_, err := Read(context.Background(), buf.Bytes(), "geschuetzt.xlsx", Limits{})
	expectErr(t, err, ErrUnsupportedFormat)
	if !strings.Contains(err.Error(), "Kennwort") {
		t.Errorf("message %q", err)
	}
}

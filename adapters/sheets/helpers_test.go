package sheets

import (
	"archive/zip"
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"testing"
)

func readTestdata(t testing.TB, name string) []byte {
	t.Helper()
	data, err := os.ReadFile(filepath.Join("testdata", name))
	if err != nil {
		t.Fatal(err)
	}
	return data
}

func mustRead(t testing.TB, data []byte, name string, lim Limits) *Workbook {
	t.Helper()
	wb, err := Read(context.Background(), data, name, lim)
	if err != nil {
		t.Fatalf("Read(%s): %v", name, err)
	}
	return wb
}

// cellAt returns the cell at a reference such as "E4", or an empty cell.
func cellAt(s Sheet, ref string) Cell {
	col, row := columnIndex(ref), rowIndex(ref)
	for _, r := range s.Rows {
		if r.Number == row {
			return r.Cell(col)
		}
	}
	return Cell{}
}

func rowNumbers(s Sheet) []int {
	out := make([]int, len(s.Rows))
	for i, r := range s.Rows {
		out[i] = r.Number
	}
	return out
}

func sheetNames(wb *Workbook) []string {
	var out []string
	for _, s := range wb.Sheets {
		out = append(out, s.Name)
	}
	return out
}

// expectErr checks that err matches kind and carries a German message.
func expectErr(t testing.TB, err error, kind error) {
	t.Helper()
	if err == nil {
		t.Fatalf("expected %v, got nil", kind)
	}
	if !errors.Is(err, kind) {
		t.Fatalf("expected errors.Is(err, %q), got %v", kind, err)
	}
	var e *Error
	if !errors.As(err, &e) {
		t.Fatalf("expected *Error, got %T %v", err, err)
	}
	if e.Message == "" || !strings.ContainsAny(e.Message, "äöüßÄÖÜ ") {
		t.Fatalf("message %q is not a German sentence", e.Message)
	}
}

// zipParts writes a zip archive with the given parts in order.
func zipParts(t testing.TB, parts ...[2]string) []byte {
	t.Helper()
	var buf bytes.Buffer
	zw := zip.NewWriter(&buf)
	for _, p := range parts {
		w, err := zw.Create(p[0])
		if err != nil {
			t.Fatal(err)
		}
		if _, err := w.Write([]byte(p[1])); err != nil {
			t.Fatal(err)
		}
	}
	if err := zw.Close(); err != nil {
		t.Fatal(err)
	}
	return buf.Bytes()
}

type xsheet struct {
	name, state string
	xml         string // the whole worksheet part
}

const defaultStyles = `<?xml version="1.0" encoding="UTF-8"?>
<styleSheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main">
<numFmts count="4">
<numFmt numFmtId="164" formatCode="dd.mm.yyyy"/>
<numFmt numFmtId="165" formatCode="[$-407]dddd, d. mmmm yyyy;@"/>
<numFmt numFmtId="166" formatCode="#,##0.00 &quot;€&quot;"/>
<numFmt numFmtId="167" formatCode="hh:mm"/>
</numFmts>
<cellStyleXfs count="1"><xf numFmtId="14"/></cellStyleXfs>
<cellXfs count="8">
<xf numFmtId="0"/><xf numFmtId="14"/><xf numFmtId="164"/><xf numFmtId="165"/><xf numFmtId="166"/><xf numFmtId="167"/><xf numFmtId="22"/><xf numFmtId="49"/>
</cellXfs>
</styleSheet>`

// Style indexes of defaultStyles.
const (
	sGeneral  = 0
	sBuiltin  = 1 // 14
	sDDMMYYYY = 2
	sLongDate = 3
	sEuro     = 4
	sTime     = 5
	sDateTime = 6
	sText     = 7
)

// buildXLSX writes a minimal xlsx package as Excel lays it out.
func buildXLSX(t testing.TB, sst []string, sheets ...xsheet) []byte {
	t.Helper()
	var wb, rels, ct strings.Builder
	wb.WriteString(`<?xml version="1.0" encoding="UTF-8"?><workbook xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships"><sheets>`)
	rels.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">`)
	ct.WriteString(`<?xml version="1.0" encoding="UTF-8"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/xl/workbook.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet.main+xml"/>`)
	parts := [][2]string{}
	for i, s := range sheets {
		state := ""
		if s.state != "" {
			state = fmt.Sprintf(` state="%s"`, s.state)
		}
		fmt.Fprintf(&wb, `<sheet name="%s" sheetId="%d"%s r:id="rId%d"/>`, s.name, i+1, state, i+1)
		fmt.Fprintf(&rels, `<Relationship Id="rId%d" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/worksheet" Target="worksheets/sheet%d.xml"/>`, i+1, i+1)
		fmt.Fprintf(&ct, `<Override PartName="/xl/worksheets/sheet%d.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"/>`, i+1)
		parts = append(parts, [2]string{fmt.Sprintf("xl/worksheets/sheet%d.xml", i+1), s.xml})
	}
	wb.WriteString(`</sheets></workbook>`)
	fmt.Fprintf(&rels, `<Relationship Id="rIdS" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/><Relationship Id="rIdY" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/styles" Target="/xl/styles.xml"/></Relationships>`)
	ct.WriteString(`</Types>`)
	var sstXML strings.Builder
	fmt.Fprintf(&sstXML, `<?xml version="1.0" encoding="UTF-8"?><sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">`, len(sst), len(sst))
	for _, s := range sst {
		if strings.HasPrefix(s, "<") { // raw <si> content
			fmt.Fprintf(&sstXML, "<si>%s</si>", s)
		} else {
			fmt.Fprintf(&sstXML, `<si><t xml:space="preserve">%s</t></si>`, xmlEscape(s))
		}
	}
	sstXML.WriteString(`</sst>`)
	all := [][2]string{
		{"[Content_Types].xml", ct.String()},
		{"_rels/.rels", `<?xml version="1.0" encoding="UTF-8"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships"><Relationship Id="rId1" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/officeDocument" Target="xl/workbook.xml"/></Relationships>`},
		{"xl/workbook.xml", wb.String()},
		{"xl/_rels/workbook.xml.rels", rels.String()},
		{"xl/styles.xml", defaultStyles},
		{"xl/sharedStrings.xml", sstXML.String()},
	}
	return zipParts(t, append(all, parts...)...)
}

func xmlEscape(s string) string {
	var b strings.Builder
	for _, r := range s {
		switch r {
		case '<':
			b.WriteString("&lt;")
		case '>':
			b.WriteString("&gt;")
		case '&':
			b.WriteString("&amp;")
		case '"':
			b.WriteString("&quot;")
		default:
			b.WriteRune(r)
		}
	}
	return b.String()
}

// worksheet wraps <cols> (may be empty) and sheetData rows into a worksheet part.
func worksheet(cols, rows string) string {
	return `<?xml version="1.0" encoding="UTF-8"?><worksheet xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships">` +
		cols + `<sheetData>` + rows + `</sheetData><mergeCells count="1"><mergeCell ref="A1:C1"/></mergeCells></worksheet>`
}

// unzipAll returns the parts of a zip archive.
func unzipAll(t testing.TB, data []byte) map[string]string {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string]string{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		var b bytes.Buffer
		if _, err := b.ReadFrom(rc); err != nil {
			t.Fatal(err)
		}
		rc.Close()
		out[f.Name] = b.String()
	}
	return out
}

// rezip writes parts back into a zip archive (in sorted order).
func rezip(t testing.TB, parts map[string]string) []byte {
	t.Helper()
	names := make([]string, 0, len(parts))
	for n := range parts {
		names = append(names, n)
	}
	sort.Strings(names)
	var list [][2]string
	for _, n := range names {
		list = append(list, [2]string{n, parts[n]})
	}
	return zipParts(t, list...)
}

package sheets

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"path"
	"strconv"
	"strings"
)

// The small parts of an xlsx package (relationships, workbook.xml,
// styles.xml) are read here with encoding/xml; worksheets and the shared
// string table, which grow with the data, go through the hand-written
// scanner of xlsxstream.go.

func attr(se xml.StartElement, local string) (string, bool) {
	for _, a := range se.Attr {
		if a.Name.Local == local {
			return a.Value, true
		}
	}
	return "", false
}

func attrInt(se xml.StartElement, local string) (int, bool) {
	v, ok := attr(se, local)
	if !ok {
		return 0, false
	}
	n, err := strconv.Atoi(strings.TrimSpace(v))
	if err != nil {
		return 0, false
	}
	return n, true
}

func attrBool(se xml.StartElement, local string) bool {
	v, _ := attr(se, local)
	v = strings.TrimSpace(v)
	return v == "1" || strings.EqualFold(v, "true")
}

type rel struct{ typ, target string }

// rels reads the relationships of a part ("" for the package) and resolves
// their targets to part names.
func (p *zipPkg) rels(part string) (map[string]rel, error) {
	dir, file := path.Split(part)
	relsName := path.Join(dir, "_rels", file+".rels")
	data, ok, err := p.read(relsName)
	if err != nil || !ok {
		return map[string]rel{}, err
	}
	out := map[string]rel{}
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return out, nil
		}
		if err != nil {
			return nil, corrupt(fmt.Errorf("%s: %w", relsName, err))
		}
		se, ok := tok.(xml.StartElement)
		if !ok || se.Name.Local != "Relationship" {
			continue
		}
		if mode, _ := attr(se, "TargetMode"); strings.EqualFold(mode, "External") {
			continue
		}
		id, _ := attr(se, "Id")
		typ, _ := attr(se, "Type")
		target, _ := attr(se, "Target")
		target = strings.ReplaceAll(target, `\`, "/")
		if strings.HasPrefix(target, "/") {
			target = path.Clean(target)[1:]
		} else {
			target = strings.TrimPrefix(path.Clean(path.Join("/", dir, target)), "/")
		}
		out[id] = rel{typ: typ, target: target}
	}
}

// officeDocument returns the main part named by the package relationships.
func (p *zipPkg) officeDocument() (string, bool) {
	rs, err := p.rels("")
	if err != nil {
		return "", false
	}
	for _, r := range rs {
		if strings.HasSuffix(r.typ, "/officeDocument") {
			return r.target, true
		}
	}
	return "", false
}

type xlsxStyles struct {
	xfFmt []numFmt // by cellXfs index
}

func (st *xlsxStyles) numFmt(s int) numFmt {
	if s < 0 || s >= len(st.xfFmt) {
		return numFmt{}
	}
	return st.xfFmt[s]
}

// readXLSX reads every worksheet into the builder (the path of Read): the
// same stream as XLSXFile.Rows, with the builder's limits, sorting and
// merging on top, and one budget of unpacked bytes for the whole file.
func readXLSX(b *builder, p *zipPkg, wbPath string) (*Workbook, error) {
	f, err := loadXLSX(b, p, wbPath)
	if err != nil {
		return nil, err
	}
	for i, sh := range f.sheets {
		s := b.newSheet(sh.Name, sh.Hidden)
		st, err := f.openSheet(i, &p.budget, b.lim.MaxUncompressed)
		if err != nil {
			return nil, err
		}
		for {
			row, err := st.next()
			if err != nil {
				st.close()
				return nil, p.wrapErr(sh.part, err)
			}
			if row == nil {
				break
			}
			if err := s.addRow(row.Number, row.Hidden, 1, row.Cells); err != nil {
				st.close()
				return nil, err
			}
		}
		st.close()
		for _, h := range st.hidden {
			s.hideColumns(h.from, h.to)
		}
		s.finish()
	}
	return b.workbook(FormatXLSX), nil
}

func readXLSXStyles(p *zipPkg, name string) (*xlsxStyles, error) {
	st := &xlsxStyles{}
	data, ok, err := p.read(name)
	if err != nil || !ok {
		return st, err
	}
	custom := map[int]numFmt{}
	inCellXfs := false
	d := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := d.RawToken()
		if err == io.EOF {
			return st, nil
		}
		if err != nil {
			return nil, corrupt(fmt.Errorf("%s: %w", name, err))
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "numFmt":
				id, ok := attrInt(t, "numFmtId")
				code, _ := attr(t, "formatCode")
				if ok {
					custom[id] = parseNumFmt(code)
				}
			case "cellXfs":
				inCellXfs = true
			case "xf":
				if !inCellXfs {
					continue
				}
				id, _ := attrInt(t, "numFmtId")
				nf := builtinNumFmt(id)
				if !nf.isDate() {
					nf = custom[id]
				}
				st.xfFmt = append(st.xfFmt, nf)
			}
		case xml.EndElement:
			if t.Name.Local == "cellXfs" {
				inCellXfs = false
			}
		}
	}
}

func isXMLSpace(c byte) bool { return c == ' ' || c == '\t' || c == '\n' || c == '\r' }

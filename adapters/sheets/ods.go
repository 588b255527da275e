package sheets

import (
	"bytes"
	"encoding/xml"
	"fmt"
	"io"
	"strconv"
	"strings"
)

// maxRepeat caps table:number-columns-repeated and number-rows-repeated; a
// repeated block of empty cells or rows only moves the position and is
// never materialised.
const maxRepeat = 1 << 24

// maxCellText caps the text of one ODS cell built from <text:s text:c="…"/>.
const maxCellText = 1 << 20

func readODS(b *builder, p *zipPkg) (*Workbook, error) {
	// a password-protected file lists encryption data in its manifest
	if manifest, ok, err := p.read("META-INF/manifest.xml"); err != nil {
		return nil, err
	} else if ok && bytes.Contains(manifest, []byte("encryption-data")) {
		return nil, unsupported(fmt.Errorf("encrypted ODF"), msgEncrypted)
	}
	rc, ok, err := p.open("content.xml")
	if err != nil {
		return nil, err
	}
	if !ok {
		return nil, corruptf("ods without content.xml")
	}
	defer rc.Close()
	r := &odsReader{b: b, d: xml.NewDecoder(rc), hiddenTableStyles: map[string]bool{}}
	if err := r.run(); err != nil {
		return nil, p.wrapErr("content.xml", err)
	}
	return b.workbook(FormatODS), nil
}

type odsReader struct {
	b                 *builder
	d                 *xml.Decoder
	hiddenTableStyles map[string]bool

	s      *sheetBuilder
	row    int // rows before the current one
	col    int // columns before the current cell
	colDef int // columns defined by table:table-column so far
}

func (r *odsReader) run() error {
	var styleName string // automatic table style being read
	for {
		tok, err := r.d.Token()
		if err == io.EOF {
			return nil
		}
		if err != nil {
			return err
		}
		if err := r.b.tick(); err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "style":
				if fam, _ := attr(t, "family"); fam == "table" {
					styleName, _ = attr(t, "name")
				}
			case "table-properties":
				if styleName != "" {
					if disp, _ := attr(t, "display"); disp == "false" {
						r.hiddenTableStyles[styleName] = true
					}
				}
			case "table":
				name, _ := attr(t, "name")
				style, _ := attr(t, "style-name")
				r.s = r.b.newSheet(name, r.hiddenTableStyles[style])
				r.row, r.colDef = 0, 0
			case "table-column":
				if r.s == nil {
					continue
				}
				n := repeatAttr(t, "number-columns-repeated")
				if vis, _ := attr(t, "visibility"); vis == "collapse" || vis == "filter" {
					r.s.hideColumns(r.colDef, min(r.colDef+n, maxRepeat)-1)
				}
				r.colDef = min(r.colDef+n, maxRepeat)
			case "table-row":
				if r.s == nil {
					continue
				}
				if err := r.readRow(t); err != nil {
					return err
				}
			case "annotation", "shapes", "forms", "named-expressions", "database-ranges", "content-validations":
				if err := r.d.Skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			switch t.Name.Local {
			case "style":
				styleName = ""
			case "table":
				if r.s != nil {
					r.s.finish()
					r.s = nil
				}
			}
		}
	}
}

func repeatAttr(se xml.StartElement, local string) int {
	n, ok := attrInt(se, local)
	if !ok || n < 1 {
		return 1
	}
	return min(n, maxRepeat)
}

// readRow reads one table:table-row (the start element is consumed) and
// commits it, repeated as often as it says if it holds values.
func (r *odsReader) readRow(start xml.StartElement) error {
	repeat := repeatAttr(start, "number-rows-repeated")
	vis, _ := attr(start, "visibility")
	hidden := vis == "collapse" || vis == "filter"
	number := r.row + 1
	r.col = 0
	for {
		tok, err := r.d.Token()
		if err != nil {
			return unexpectedEOF(err)
		}
		if err := r.b.tick(); err != nil {
			return err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			switch t.Name.Local {
			case "table-cell", "covered-table-cell":
				if err := r.readCell(t, number); err != nil {
					return err
				}
			default:
				if err := r.d.Skip(); err != nil {
					return err
				}
			}
		case xml.EndElement:
			if t.Name.Local == "table-row" {
				if err := r.s.commitRow(number, hidden, repeat); err != nil {
					return err
				}
				r.row = min(r.row+repeat, 1<<40)
				return nil
			}
		}
	}
}

func unexpectedEOF(err error) error {
	if err == io.EOF {
		return io.ErrUnexpectedEOF
	}
	return err
}

// readCell reads one table:table-cell or covered-table-cell.
func (r *odsReader) readCell(start xml.StartElement, rowNumber int) error {
	repeat := repeatAttr(start, "number-columns-repeated")
	var valueType, value, dateValue, timeValue, boolValue, stringValue string
	var hasStringValue, isError bool
	for _, a := range start.Attr {
		switch a.Name.Local {
		case "value-type":
			if strings.Contains(a.Name.Space, "calcext") {
				isError = a.Value == "error"
			} else {
				valueType = a.Value
			}
		case "value":
			value = a.Value
		case "date-value":
			dateValue = a.Value
		case "time-value":
			timeValue = a.Value
		case "boolean-value":
			boolValue = a.Value
		case "string-value":
			stringValue, hasStringValue = a.Value, true
		}
	}
	text, err := r.cellText()
	if err != nil {
		return err
	}
	v, kind := odsValue(valueType, value, dateValue, timeValue, boolValue, stringValue, hasStringValue, text)
	if isError && kind != KindEmpty {
		kind = KindError
	}
	if kind != KindEmpty {
		if int64(len(v))*int64(repeat) > r.b.lim.MaxUncompressed {
			return newError(ErrTooLarge, fmt.Errorf("repeated cell of %d bytes × %d", len(v), repeat),
				fmt.Sprintf("Die Datei enthält zu viel Text (mehr als %s).", humanBytes(r.b.lim.MaxUncompressed)))
		}
		for i := 0; i < repeat; i++ {
			if err := r.s.set(r.col+i, rowNumber, v, kind); err != nil {
				return err
			}
		}
	}
	r.col = min(r.col+repeat, maxRepeat)
	return nil
}

func odsValue(valueType, value, dateValue, timeValue, boolValue, stringValue string, hasStringValue bool, text string) (string, CellKind) {
	switch valueType {
	case "float", "percentage", "currency":
		if f, err := strconv.ParseFloat(strings.TrimSpace(value), 64); err == nil {
			return formatNumber(f), KindNumber
		}
	case "date":
		if iso, ok := isoDateTime(dateValue); ok {
			return iso, KindDate
		}
	case "time":
		if t, ok := isoDuration(timeValue); ok {
			return t, KindDate
		}
	case "boolean":
		switch strings.ToLower(strings.TrimSpace(boolValue)) {
		case "true", "1":
			return "TRUE", KindBool
		case "false", "0":
			return "FALSE", KindBool
		}
	case "string":
		if hasStringValue {
			if stringValue == "" {
				return "", KindEmpty
			}
			return stringValue, KindText
		}
	}
	if text == "" {
		return "", KindEmpty
	}
	return text, KindText
}

// cellText reads the content of a cell up to its end element: the text of
// its paragraphs joined by line breaks, without annotations (comments).
func (r *odsReader) cellText() (string, error) {
	var sb strings.Builder
	paragraphs := 0
	depth := 0 // elements open inside the cell
	inP := 0   // depth of the paragraph we are in, 0 if none
	lastSp := false
	write := func(s string) {
		if sb.Len()+len(s) <= maxCellText {
			sb.WriteString(s)
		}
	}
	for {
		tok, err := r.d.Token()
		if err != nil {
			return "", unexpectedEOF(err)
		}
		if err := r.b.tick(); err != nil {
			return "", err
		}
		switch t := tok.(type) {
		case xml.StartElement:
			depth++
			switch t.Name.Local {
			case "annotation", "note", "table":
				if err := r.d.Skip(); err != nil {
					return "", err
				}
				depth--
			case "p", "h":
				if inP == 0 {
					if paragraphs > 0 {
						write("\n")
					}
					paragraphs++
					inP = depth
					lastSp = true // leading white space is not shown
				}
			case "s":
				n, ok := attrInt(t, "c")
				if !ok || n < 1 {
					n = 1
				}
				write(strings.Repeat(" ", min(n, 1024)))
				lastSp = true
			case "tab":
				write("\t")
			case "line-break":
				write("\n")
			}
		case xml.EndElement:
			if depth == 0 { // the cell's end element
				if sb.Len() >= maxCellText {
					return strings.ToValidUTF8(sb.String(), ""), nil
				}
				return sb.String(), nil
			}
			if depth == inP {
				inP = 0
			}
			depth--
		case xml.CharData:
			if inP == 0 {
				continue
			}
			// ODF collapses white space in paragraphs; <text:s/> carries real spaces.
			for _, c := range t {
				if sb.Len() >= maxCellText {
					break
				}
				if isXMLSpace(c) {
					if !lastSp {
						sb.WriteByte(' ')
						lastSp = true
					}
					continue
				}
				sb.WriteByte(c)
				lastSp = false
			}
		}
	}
}

package sheets

import (
	"bytes"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
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

// decodeText returns data as UTF-8: UTF-8 with or without BOM, UTF-16 with
// BOM (Excel's "Unicode text"), otherwise Windows-1252 (German Excel's CSV).
func decodeText(data []byte) (string, error) {
	switch {
	case bytes.HasPrefix(data, bomUTF8):
		return strings.ToValidUTF8(string(data[3:]), "\uFFFD"), nil
	case bytes.HasPrefix(data, bomUTF16LE), bytes.HasPrefix(data, bomUTF16BE):
		dec := unicode.UTF16(unicode.LittleEndian, unicode.UseBOM).NewDecoder()
		out, err := dec.Bytes(data)
		if err != nil {
			return "", corrupt(err)
		}
		if bytes.IndexByte(out, 0) >= 0 {
			return "", unsupported(fmt.Errorf("binary content in UTF-16 text"), ErrCorrupt.Error())
		}
		return string(out), nil
	case utf8.Valid(data):
		return string(data), nil
	}
	out, err := charmap.Windows1252.NewDecoder().Bytes(data)
	if err != nil {
		return "", corrupt(err)
	}
	return string(out), nil
}

// readCSV reads CSV as German Excel writes it. Every value is text; row
// numbers count records (a quoted line break does not start a new row), as
// Excel shows them.
func readCSV(b *builder, data []byte, name string) (*Workbook, error) {
	text, err := decodeText(data)
	if err != nil {
		return nil, err
	}
	// Excel honours a first line "sep=;" and does not show it.
	var delim byte
	if line, rest, ok := strings.Cut(text, "\n"); ok || len(text) <= 6 {
		l := strings.TrimRight(line, "\r")
		if len(l) == 5 && strings.EqualFold(l[:4], "sep=") {
			delim = l[4]
			text = rest
		}
	}
	if delim == 0 {
		delim = detectDelimiter(text)
	}
	s := b.newSheet(name, false)
	if err := parseCSV(s, text, delim); err != nil {
		return nil, err
	}
	s.finish()
	return b.workbook(FormatCSV), nil
}

// detectDelimiter picks ';', '\t', ',' or '|' by how consistently it
// occurs outside quotes in the first records.
func detectDelimiter(text string) byte {
	candidates := []byte{';', '\t', ',', '|'}
	const maxRecords = 50
	counts := make([][]int, len(candidates))
	cur := make([]int, len(candidates))
	inQuotes := false
	records := 0
	nonEmpty := false
	flush := func() {
		if nonEmpty {
			for i := range candidates {
				counts[i] = append(counts[i], cur[i])
			}
			records++
		}
		clear(cur)
		nonEmpty = false
	}
	for i := 0; i < len(text) && records < maxRecords; i++ {
		c := text[i]
		if c == '"' {
			inQuotes = !inQuotes
			nonEmpty = true
			continue
		}
		if inQuotes {
			continue
		}
		if c == '\n' || c == '\r' {
			flush()
			continue
		}
		nonEmpty = true
		for k, d := range candidates {
			if c == d {
				cur[k]++
			}
		}
	}
	flush()
	best, bestFreq, bestMode := byte(';'), 0, 0
	for k, d := range candidates {
		freq := map[int]int{}
		for _, n := range counts[k] {
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
			best, bestFreq, bestMode = d, modeFreq, mode
		}
	}
	return best
}

// parseCSV parses text record by record into s. Quoted fields may hold the
// delimiter, doubled quotes and line breaks; a quote inside an unquoted field
// is kept; text after a closing quote is appended (as Excel does); an
// unterminated quote runs to the end of the file.
func parseCSV(s *sheetBuilder, text string, delim byte) error {
	record := 1
	col := 0
	var field strings.Builder
	i := 0
	n := len(text)
	endRecord := func() error {
		err := s.commitRow(record, false, 1)
		record++
		col = 0
		return err
	}
	for i < n {
		// one field
		var value string
		if text[i] == '"' {
			field.Reset()
			i++
			for i < n {
				j := strings.IndexByte(text[i:], '"')
				if j < 0 {
					field.WriteString(text[i:])
					i = n
					break
				}
				field.WriteString(text[i : i+j])
				i += j + 1
				if i < n && text[i] == '"' {
					field.WriteByte('"')
					i++
					continue
				}
				break
			}
			// text after the closing quote up to the delimiter
			start := i
			for i < n && text[i] != delim && text[i] != '\n' && text[i] != '\r' {
				i++
			}
			field.WriteString(text[start:i])
			value = field.String()
		} else {
			start := i
			for i < n && text[i] != delim && text[i] != '\n' && text[i] != '\r' {
				i++
			}
			value = text[start:i]
		}
		if value != "" {
			if err := s.set(col, record, value, KindText); err != nil {
				return err
			}
		}
		col++
		if i >= n {
			break
		}
		switch text[i] {
		case delim:
			i++
			if i == n { // "a;b;" at the very end: an empty last field
				return endRecord()
			}
		case '\r':
			i++
			if i < n && text[i] == '\n' {
				i++
			}
			if err := endRecord(); err != nil {
				return err
			}
		case '\n':
			i++
			if err := endRecord(); err != nil {
				return err
			}
		}
	}
	if col > 0 {
		return endRecord()
	}
	return nil
}

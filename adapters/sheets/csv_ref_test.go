package sheets

// The CSV reader this package had before csv.go streamed: the whole file
// decoded into one string, then parsed into the builder. It stays here,
// unchanged but for names, as the reference the streaming reader is
// compared with row for row (csvstream_test.go, FuzzStreamCSV).

import (
	"bytes"
	"context"
	"fmt"
	"strings"
	"unicode/utf8"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/encoding/unicode"
)

// refReadText is Read with the reference CSV reader, for text files (Read's
// other formats give an error).
func refReadText(ctx context.Context, data []byte, filename string, lim Limits) (*Workbook, error) {
	lim = lim.withDefaults()
	if err := checkSize(int64(len(data)), lim); err != nil {
		return nil, err
	}
	if bytes.HasPrefix(data, magicZip) || bytes.HasPrefix(data, magicZipEmpty) || bytes.HasPrefix(data, magicOLE2) {
		return nil, fmt.Errorf("not a text file")
	}
	if err := checkText(data); err != nil {
		return nil, err
	}
	return refReadCSV(newBuilder(ctx, lim), data, csvSheetName(filename))
}

// refDecodeText returns data as UTF-8: UTF-8 with or without BOM, UTF-16 with
// BOM (Excel's "Unicode text"), otherwise Windows-1252 (German Excel's CSV).
func refDecodeText(data []byte) (string, error) {
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

// refReadCSV reads CSV as German Excel writes it. Every value is text; row
// numbers count records (a quoted line break does not start a new row), as
// Excel shows them.
func refReadCSV(b *builder, data []byte, name string) (*Workbook, error) {
	text, err := refDecodeText(data)
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
		delim = refDetectDelimiter(text)
	}
	s := b.newSheet(name, false)
	if err := refParseCSV(s, text, delim); err != nil {
		return nil, err
	}
	s.finish()
	return b.workbook(FormatCSV), nil
}

// refDetectDelimiter picks ';', '\t', ',' or '|' by how consistently it
// occurs outside quotes in the first records.
func refDetectDelimiter(text string) byte {
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

// refParseCSV parses text record by record into s. Quoted fields may hold the
// delimiter, doubled quotes and line breaks; a quote inside an unquoted field
// is kept; text after a closing quote is appended (as Excel does); an
// unterminated quote runs to the end of the file.
func refParseCSV(s *sheetBuilder, text string, delim byte) error {
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

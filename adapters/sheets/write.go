package sheets

import (
	"strings"
	"unicode/utf8"
)

// maxCellChars is the most characters Excel keeps in one cell.
const maxCellChars = 32767

// safeSheetName makes a valid sheet name: at most 31 characters, none of
// : \ / ? * [ ], not empty.
func safeSheetName(s string) string {
	s = strings.Map(func(r rune) rune {
		switch r {
		case ':', '\\', '/', '?', '*', '[', ']':
			return '_'
		}
		if r < 0x20 {
			return -1
		}
		return r
	}, s)
	s = strings.Trim(s, "'")
	if utf8.RuneCountInString(s) > 31 {
		s = string([]rune(s)[:31])
	}
	if strings.TrimSpace(s) == "" {
		return "Tabelle1"
	}
	return s
}

// cleanCellText drops characters XML 1.0 cannot carry and cuts the text to
// the length Excel keeps.
func cleanCellText(s string) string {
	s = strings.Map(func(r rune) rune {
		if r < 0x20 && r != '\t' && r != '\n' && r != '\r' || r == 0xFFFE || r == 0xFFFF {
			return -1
		}
		return r
	}, strings.ToValidUTF8(s, "\uFFFD"))
	if utf8.RuneCountInString(s) > maxCellChars {
		s = string([]rune(s)[:maxCellChars])
	}
	return s
}

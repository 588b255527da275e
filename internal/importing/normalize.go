package importing

import (
	"strings"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// NormalizeHeader turns a column header into the key that header matching
// and saved mappings (Mapping) use: lower case, umlauts transliterated
// (ä → ae, ß → ss), other accents dropped, everything but letters and
// digits removed, and a few abbreviations made equal ("nummer" → "nr",
// "strasse" → "str", "geburts" → "geb", "datum" → "dat").
// "Geb.-Datum", "Geburtsdatum" and "GEBURTS-DATUM" all give "gebdat";
// "Schul-Nr." and "Schulnummer" give "schulnr". NormalizeHeader is
// idempotent.
func NormalizeHeader(s string) string {
	return abbreviate(foldLetters(s))
}

// headerAbbreviations make spelled-out and abbreviated header words equal.
// They are applied to the folded key until none matches: a replacement can
// make a new match ("geburtsurts" → "geburts"), and stopping early would
// let a second NormalizeHeader change the key again (found by FuzzNormalize).
var headerAbbreviations = []struct{ long, short string }{
	{"nummer", "nr"},
	{"strasse", "str"},
	{"geburts", "geb"},
	{"datum", "dat"},
}

func abbreviate(key string) string {
	for changed := true; changed; {
		changed = false
		for _, a := range headerAbbreviations {
			if strings.Contains(key, a.long) {
				key, changed = strings.ReplaceAll(key, a.long, a.short), true
			}
		}
	}
	return key
}

// foldLetters lower-cases, transliterates and keeps only [a-z0-9].
func foldLetters(s string) string {
	if s != "" && plainASCII(s) {
		// Most names: nothing to repair, transliterate or decompose – the
		// same result without the Unicode passes (every import folds every
		// row's name for its personenschluessel).
		b := make([]byte, 0, len(s))
		for i := 0; i < len(s); i++ {
			switch c := s[i]; {
			case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
				b = append(b, c)
			case c >= 'A' && c <= 'Z':
				b = append(b, c+'a'-'A')
			}
		}
		return string(b)
	}
	s = norm.NFC.String(repairMojibake(s))
	s = transliterate(strings.ToLower(s))
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

var umlautReplacer = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss",
	"Ä", "ae", "Ö", "oe", "Ü", "ue", "ẞ", "ss",
)

// transliterate writes German umlauts the way they are written without
// them. Other accented letters lose their accent later (NFD, marks dropped).
func transliterate(s string) string { return umlautReplacer.Replace(s) }

// cleanCell prepares a cell text for parsing: repaired encoding, NFC,
// every kind of white space as a single blank, invisible characters
// removed, trimmed.
func cleanCell(s string) string {
	if s == "" {
		return ""
	}
	if plainASCII(s) {
		// Most cells: nothing to repair or normalise, no copy needed.
		return s
	}
	// Invalid bytes become U+FFFD before NFC: the normaliser leaves a mark
	// after an invalid byte unnormalised, so a second pass would change it
	// (found by FuzzNormalize).
	s = norm.NFC.String(strings.ToValidUTF8(repairMojibake(s), "\uFFFD"))
	var b strings.Builder
	b.Grow(len(s))
	space := false
	for _, r := range s {
		switch {
		case r == '\u00ad', r == '\u200b', r == '\u200c', r == '\u200d', r == '\u2060', r == '\ufeff':
			continue // soft hyphen, zero-width characters, BOM
		case unicode.IsSpace(r) || unicode.IsControl(r):
			space = true
			continue
		}
		if space && b.Len() > 0 {
			b.WriteByte(' ')
		}
		space = false
		b.WriteRune(r)
	}
	return b.String()
}

// plainASCII reports whether s is printable ASCII without leading,
// trailing or doubled blanks: cleanCell would return it unchanged.
func plainASCII(s string) bool {
	if s[0] == ' ' || s[len(s)-1] == ' ' {
		return false
	}
	for i := 0; i < len(s); i++ {
		c := s[i]
		if c < 0x20 || c >= 0x7f || (c == ' ' && s[i+1] == ' ') {
			return false
		}
	}
	return true
}

// NormalizeName cleans a name or street as written: trims, collapses white
// space (also line breaks and non-breaking spaces), normalises to NFC and
// repairs mis-decoded umlauts. Case, hyphens and spelling are kept.
func NormalizeName(s string) string { return cleanCell(s) }

// cp1252High maps the characters Windows-1252 puts at 0x80–0x9F back to
// their byte.
var cp1252High = map[rune]byte{
	'€': 0x80, '‚': 0x82, 'ƒ': 0x83, '„': 0x84, '…': 0x85, '†': 0x86, '‡': 0x87,
	'ˆ': 0x88, '‰': 0x89, 'Š': 0x8A, '‹': 0x8B, 'Œ': 0x8C, 'Ž': 0x8E,
	'‘': 0x91, '’': 0x92, '“': 0x93, '”': 0x94, '•': 0x95, '–': 0x96, '—': 0x97,
	'˜': 0x98, '™': 0x99, 'š': 0x9A, '›': 0x9B, 'œ': 0x9C, 'ž': 0x9E, 'Ÿ': 0x9F,
}

// repairMojibake undoes UTF-8 text that was decoded as Windows-1252 or
// Latin-1 and encoded again ("StraÃŸe" → "Straße"). It changes a string
// only when every character maps back to one byte and those bytes are valid
// UTF-8 with at least one multi-byte character, which text written on
// purpose practically never is.
func repairMojibake(s string) string {
	if !strings.ContainsAny(s, "ÃÂÅâ") {
		return s
	}
	buf := make([]byte, 0, len(s))
	for _, r := range s {
		switch {
		case r < 0x80:
			buf = append(buf, byte(r))
		case r <= 0xFF:
			buf = append(buf, byte(r)) // Latin-1, including 0x80–0x9F decoded as C1 controls
		default:
			b, ok := cp1252High[r]
			if !ok {
				return s
			}
			buf = append(buf, b)
		}
	}
	if !utf8.Valid(buf) || utf8.RuneCount(buf) == len(buf) {
		return s
	}
	return string(buf)
}

// editDistance is the Damerau-Levenshtein distance in its optimal string
// alignment form: insertions, deletions, substitutions and swaps of two
// neighbouring letters each count 1.
//
// It keeps three rows of the table, on the stack for headers of up to 64
// letters: header matching calls it some ten thousand times per file.
func editDistance(a, b string) int {
	var bufA, bufB [64]rune
	ra, rb := appendRunes(bufA[:0], a), appendRunes(bufB[:0], b)
	n, m := len(ra), len(rb)
	if n == 0 {
		return m
	}
	if m == 0 {
		return n
	}
	var table [3 * 65]int
	rows := table[:0]
	if 3*(m+1) <= len(table) {
		rows = table[:3*(m+1)]
	} else {
		rows = make([]int, 3*(m+1))
	}
	prev2, prev, cur := rows[:m+1], rows[m+1:2*(m+1)], rows[2*(m+1):]
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= n; i++ {
		cur[0] = i
		for j := 1; j <= m; j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[m]
}

func appendRunes(dst []rune, s string) []rune {
	for _, r := range s {
		dst = append(dst, r)
	}
	return dst
}

// typoTolerance is how many edits a header may differ from an alias of
// the given length (in letters, before abbreviation): none for very short
// names, where one edit makes another word ("Name" → "VName"), one for
// ordinary words, two for long ones.
func typoTolerance(aliasLen int) int {
	switch {
	case aliasLen <= 4:
		return 0
	case aliasLen <= 8:
		return 1
	default:
		return 2
	}
}

package importing

import "github.com/schulgateway/schulgateway/internal/werte"

// NormalizeHeader turns a column header into the key that header matching
// and saved mappings (Mapping) use: werte.Schluesselform, the one folding
// of names, streets and headers ("Geb.-Datum", "Geburtsdatum" and
// "GEBURTS-DATUM" all give "gebdat"). NormalizeHeader is idempotent.
func NormalizeHeader(s string) string { return werte.Schluesselform(s) }

// foldLetters lower-cases, transliterates and keeps only [a-z0-9].
func foldLetters(s string) string { return werte.FoldLetters(s) }

// transliterate writes German umlauts the way they are written without
// them.
func transliterate(s string) string { return werte.Transliterate(s) }

// cleanCell prepares a cell text for parsing: repaired encoding, NFC,
// every kind of white space as a single blank, invisible characters
// removed, trimmed (werte.NormalizeName).
func cleanCell(s string) string { return werte.NormalizeName(s) }

// NormalizeName cleans a name or street as written: trims, collapses white
// space (also line breaks and non-breaking spaces), normalises to NFC and
// repairs mis-decoded umlauts. Case, hyphens and spelling are kept. It is
// werte.NormalizeName.
func NormalizeName(s string) string { return werte.NormalizeName(s) }

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

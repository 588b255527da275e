package schulpflicht

import (
	"strings"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/schulgateway/schulgateway/internal/werte"
)

// Name normalisation for the matcher. A name is cleaned the way the import
// cleans every cell (werte.NormalizeName: encoding repaired, NFC, white
// space collapsed), then folded: lower case, umlauts written out (ä → ae,
// ß → ss, so "Müller" and "Mueller" become the same), other accents
// dropped ("René" → "rene"), and everything that is not a letter splits the
// name into words ("Müller-Lüdenscheidt" and "Mueller Luedenscheidt" both
// give mueller, luedenscheidt). Name particles (von, van, de, zu, …) are
// dropped from family names, because lists disagree about whether
// "von Bülow" is filed under V or B.

// letterFold writes the letters that NFD does not split into a base letter
// and a mark the way German lists write them without the special letter.
var letterFold = map[rune]string{
	'ä': "ae", 'ö': "oe", 'ü': "ue", 'ß': "ss", 'ẞ': "ss",
	'æ': "ae", 'œ': "oe", 'ø': "oe", 'å': "aa",
	'ł': "l", 'đ': "d", 'ð': "d", 'þ': "th", 'ı': "i", 'ħ': "h",
}

// Falte folds a name as described above and returns its words, each of
// them plain a–z. Digits and other characters separate words and are
// dropped. Falte is idempotent: folding the joined words again gives the
// same words.
func Falte(s string) []string {
	if s == "" {
		return nil
	}
	s = werte.NormalizeName(s)
	var words []string
	var b strings.Builder
	flush := func() {
		if b.Len() > 0 {
			words = append(words, b.String())
			b.Reset()
		}
	}
	lower := strings.ToLower(s)
	if !asciiOnly(lower) {
		// Umlauts first (ä may arrive as a + combining diaeresis, which NFC
		// in NormalizeName has already composed), then strip the remaining
		// marks via NFD.
		var t strings.Builder
		for _, r := range lower {
			if f, ok := letterFold[r]; ok {
				t.WriteString(f)
			} else {
				t.WriteRune(r)
			}
		}
		lower = norm.NFD.String(t.String())
	}
	for _, r := range lower {
		switch {
		case r >= 'a' && r <= 'z':
			b.WriteRune(r)
		case r == '\u0308' && b.Len() > 0 && strings.IndexByte("aou", b.String()[b.Len()-1]) >= 0:
			// a diaeresis that another mark kept from composing with its
			// vowel ("u" + dot below + diaeresis): an umlaut all the same
			b.WriteByte('e')
		case unicode.Is(unicode.Mn, r):
			// accent of the letter before: dropped
		case r == '\'' || r == '’' || r == '`' || r == '´':
			// apostrophes join: "D'Angelo" is one word, "dangelo"
		default:
			flush()
		}
	}
	flush()
	return words
}

func asciiOnly(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] >= 0x80 {
			return false
		}
	}
	return true
}

// partikeln are the name particles dropped from family names.
var partikeln = map[string]bool{
	"von": true, "vom": true, "van": true, "der": true, "den": true, "de": true, "del": true,
	"della": true, "di": true, "da": true, "dos": true, "das": true, "du": true, "des": true,
	"la": true, "le": true, "zu": true, "zum": true, "zur": true, "ten": true, "ter": true,
	"al": true, "el": true, "auf": true, "und": true,
}

// Familienwoerter returns the folded words of a family name without
// particles. A name of particles only ("Van Der") keeps them.
func Familienwoerter(s string) []string {
	words := Falte(s)
	kept := words[:0:0]
	for _, w := range words {
		if !partikeln[w] {
			kept = append(kept, w)
		}
	}
	if len(kept) == 0 {
		return words
	}
	return kept
}

// Vornamenwoerter returns the folded given names of a person: all words of
// Vornamen and of Rufname, each once, in order. Any of them may be the one
// another list uses.
func Vornamenwoerter(vornamen, rufname string) []string {
	words := Falte(vornamen)
	for _, w := range Falte(rufname) {
		if !contains(words, w) {
			words = append(words, w)
		}
	}
	return words
}

func contains(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

// adresseSchluessel makes the usual spellings of an address equal:
// "Hauptstraße 3a", "Hauptstr. 3 A" and "HAUPTSTRASSE 3a" all give
// "hauptstr3a". Empty when the street is missing.
func adresseSchluessel(strasse, hausnummer string) string {
	if strasse == "" {
		return ""
	}
	var b strings.Builder
	b.WriteString(strings.ReplaceAll(strings.Join(Falte(strasse), ""), "strasse", "str"))
	for _, r := range strings.ToLower(hausnummer) {
		if r >= '0' && r <= '9' || r >= 'a' && r <= 'z' {
			b.WriteRune(r)
		}
	}
	return b.String()
}

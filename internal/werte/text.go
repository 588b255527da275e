package werte

import (
	"fmt"
	"regexp"
	"strconv"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// Schluesselform is the form in which names, streets and Ortsteile (and the
// import's column headers) are compared: lower case, umlauts transliterated
// (ä → ae, ß → ss), other accents dropped, everything but letters and
// digits removed, and a few abbreviations made equal ("nummer" → "nr",
// "strasse" → "str", "geburts" → "geb", "datum" → "dat").
// "Geb.-Datum", "Geburtsdatum" and "GEBURTS-DATUM" all give "gebdat";
// "Schul-Nr." and "Schulnummer" give "schulnr"; "Hauptstraße" and
// "Hauptstr." give "hauptstr". Schluesselform is idempotent.
func Schluesselform(s string) string {
	return abbreviate(FoldLetters(s))
}

// abbreviations make spelled-out and abbreviated words equal. They are
// applied to the folded key until none matches: a replacement can make a
// new match ("geburtsurts" → "geburts"), and stopping early would let a
// second Schluesselform change the key again (found by FuzzNormalize).
var abbreviations = []struct{ long, short string }{
	{"nummer", "nr"},
	{"strasse", "str"},
	{"geburts", "geb"},
	{"datum", "dat"},
}

func abbreviate(key string) string {
	for changed := true; changed; {
		changed = false
		for _, a := range abbreviations {
			if strings.Contains(key, a.long) {
				key, changed = strings.ReplaceAll(key, a.long, a.short), true
			}
		}
	}
	return key
}

// FoldLetters lower-cases, transliterates (ä → ae, ß → ss, other accents
// dropped) and keeps only [a-z0-9], without Schluesselform's
// abbreviations.
func FoldLetters(s string) string {
	if s != "" && plainASCII(s) {
		return string(appendFolded(make([]byte, 0, len(s)), s))
	}
	s = norm.NFC.String(repairMojibake(s))
	s = Transliterate(strings.ToLower(s))
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		switch {
		case r >= 'a' && r <= 'z', r >= '0' && r <= '9':
			b.WriteRune(r)
		}
	}
	return b.String()
}

// appendFolded appends FoldLetters(s) to dst.
func appendFolded(dst []byte, s string) []byte {
	if s == "" || !plainASCII(s) {
		return append(dst, FoldLetters(s)...)
	}
	// Most names: nothing to repair, transliterate or decompose – the
	// same result without the Unicode passes (every import folds every
	// row's name for its personenschluessel).
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= 'a' && c <= 'z', c >= '0' && c <= '9':
			dst = append(dst, c)
		case c >= 'A' && c <= 'Z':
			dst = append(dst, c+'a'-'A')
		}
	}
	return dst
}

var umlautReplacer = strings.NewReplacer(
	"ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss",
	"Ä", "ae", "Ö", "oe", "Ü", "ue", "ẞ", "ss",
)

// Transliterate writes German umlauts the way they are written without
// them. Other accented letters keep their accent (FoldLetters drops it).
func Transliterate(s string) string { return umlautReplacer.Replace(s) }

// NormalizeName cleans a name, street or cell text as written: repaired
// encoding, NFC, every kind of white space (also line breaks and
// non-breaking spaces) as a single blank, invisible characters removed,
// trimmed. Case, hyphens and spelling are kept.
func NormalizeName(s string) string {
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
// trailing or doubled blanks: NormalizeName would return it unchanged.
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

// Personenschluessel is the key a person is matched by when no register
// number is known: family name and given names folded (FoldLetters, so
// that case, umlaut spellings and punctuation do not matter) and the birth
// date, "mueller|mira|2021-03-04".
func Personenschluessel(familienname, vornamen string, geburt time.Time) string {
	// Built in one buffer: one allocation instead of five (every import
	// computes it for every row).
	b := make([]byte, 0, len(familienname)+len(vornamen)+len("||2006-01-02"))
	b = append(appendFolded(b, familienname), '|')
	b = append(appendFolded(b, vornamen), '|')
	return string(AppendDate(b, geburt))
}

// AppendDate appends t's date as t.AppendFormat(b, time.DateOnly) does,
// without reading the layout (a birth date per child was a fifth of
// writing a page of the cohort, and a tenth of a register row's key).
// Years outside 0–9999 take the library's way. Held to the library over
// 200,000 random instants by TestAppendTimes (adapters/httpapi, with the
// JSON writer's timestamps that build on it).
func AppendDate(b []byte, t time.Time) []byte {
	y, mo, d := t.Date()
	if y < 0 || y > 9999 {
		return t.AppendFormat(b, time.DateOnly)
	}
	return append(b, byte('0'+y/1000), byte('0'+y/100%10), byte('0'+y/10%10), byte('0'+y%10), '-',
		byte('0'+mo/10), byte('0'+mo%10), '-', byte('0'+d/10), byte('0'+d%10))
}

// Ungueltig is a value that cannot be read: the cleaned text and a German
// message that says what was expected.
type Ungueltig struct {
	Wert    string // the text as read (NormalizeName)
	Meldung string // German, for staff
}

func (e *Ungueltig) Error() string { return e.Meldung }

var reWholeNumber = regexp.MustCompile(`^(\d+)[.,]0+$`)

// DigitsText strips what a spreadsheet adds to a number stored as text or
// number: a leading apostrophe (Excel's "this is text" mark) and a
// fraction of zeros ("06108.0").
func DigitsText(s string) string {
	s = strings.TrimPrefix(s, "'")
	if strings.IndexAny(s, ".,") < 0 { // the common case, without the regexp
		return s
	}
	if m := reWholeNumber.FindStringSubmatch(s); m != nil {
		return m[1]
	}
	return s
}

// AllDigits reports whether s is not empty and only ASCII digits.
func AllDigits(s string) bool {
	if s == "" {
		return false
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// QuoteOr puts s in German quotes, or says what stands for an empty value.
func QuoteOr(s, empty string) string {
	if s == "" {
		return empty
	}
	return "„" + s + "“"
}

// ParsePLZ reads a German postcode. "06108", "6108" (a number cell that
// lost its leading zero), "06108.0" and "D-06108" give "06108". The error
// is an *Ungueltig.
func ParsePLZ(s string) (string, error) {
	s = NormalizeName(s)
	d := DigitsText(strings.TrimPrefix(strings.TrimPrefix(s, "D-"), "D "))
	if AllDigits(d) && len(d) == 4 {
		d = "0" + d
	}
	if !AllDigits(d) || len(d) != 5 || d < "01001" {
		return "", &Ungueltig{Wert: s,
			Meldung: fmt.Sprintf("%s ist keine gültige Postleitzahl. Erwartet: fünf Ziffern, z. B. 06108.", QuoteOr(s, "Eine leere Angabe"))}
	}
	return d, nil
}

var (
	reHausnummer = regexp.MustCompile(`^(\d{1,5}) ?([a-z]?)(?: ?(?:-|bis) ?(\d{1,5})? ?([a-z]?)| ?/ ?(\d{1,3}[a-z]?))?$`)
	// DashReplacer writes the dashes of typed text as "-".
	DashReplacer = strings.NewReplacer("–", "-", "—", "-", "‒", "-", "−", "-")
)

const hausnummerExpected = "Erwartet: eine Zahl mit optionalem Buchstaben, z. B. 12, 12a, 12-14 oder 12/1."

// plainHausnummer reads one to five digits and at most one letter a–z
// after them, and nothing else.
func plainHausnummer(in string) (n int, zusatz string, ok bool) {
	digits := 0
	for digits < len(in) && in[digits] >= '0' && in[digits] <= '9' {
		n = n*10 + int(in[digits]-'0')
		digits++
	}
	switch rest := in[digits:]; {
	case digits < 1 || digits > 5:
		return 0, "", false
	case rest == "":
		return n, "", true
	case len(rest) == 1 && rest[0] >= 'a' && rest[0] <= 'z':
		return n, rest, true
	}
	return 0, "", false
}

// ParseHausnummer reads "12", "12a", "12 A", "12-14", "12 bis 14",
// "7a-7f", "7a-f" and "12/1". A number cell's "12.0" is read as 12. The
// error is an *Ungueltig.
func ParseHausnummer(s string) (Hausnummer, error) {
	s = NormalizeName(s)
	in := strings.ToLower(DashReplacer.Replace(DigitsText(s)))
	if n, zusatz, ok := plainHausnummer(in); ok {
		// "12", "12a": most of a register, without the regexp.
		if n == 0 {
			return Hausnummer{}, HausnummerUngueltig(s, "Die Hausnummer 0 gibt es nicht.")
		}
		return Hausnummer{Nummer: n, Zusatz: zusatz}, nil
	}
	m := reHausnummer.FindStringSubmatch(in)
	if m == nil {
		return Hausnummer{}, HausnummerUngueltig(s, "")
	}
	h := Hausnummer{Nummer: atoi(m[1]), Zusatz: m[2]}
	if h.Nummer == 0 {
		return Hausnummer{}, HausnummerUngueltig(s, "Die Hausnummer 0 gibt es nicht.")
	}
	switch {
	case m[5] != "":
		if h.Zusatz != "" {
			return Hausnummer{}, HausnummerUngueltig(s, "")
		}
		h.Zusatz = "/" + m[5]
	case m[3] != "" || m[4] != "":
		h.BisNummer, h.BisZusatz = h.Nummer, m[4]
		if m[3] != "" {
			h.BisNummer = atoi(m[3])
		}
		upper := Hausnummer{Nummer: h.BisNummer, Zusatz: h.BisZusatz}
		if upper.Compare(Hausnummer{Nummer: h.Nummer, Zusatz: h.Zusatz}) <= 0 {
			return Hausnummer{}, HausnummerUngueltig(s, "Das Ende des Bereichs muss nach dem Anfang liegen.")
		}
	case strings.Contains(in, "-") || strings.Contains(in, "bis"):
		return Hausnummer{}, HausnummerUngueltig(s, "")
	}
	return h, nil
}

// HausnummerUngueltig says that s is no house number, and why if why is
// not empty.
func HausnummerUngueltig(s, why string) *Ungueltig {
	msg := fmt.Sprintf("%s ist keine gültige Hausnummer.", QuoteOr(s, "Eine leere Angabe"))
	if why != "" {
		msg = fmt.Sprintf("%s ist keine gültige Hausnummer: %s", QuoteOr(s, "Eine leere Angabe"), why)
	}
	return &Ungueltig{Wert: s, Meldung: msg + " " + hausnummerExpected}
}

func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

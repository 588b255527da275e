package schulpflicht

import "strings"

// Phonetik returns the Kölner Phonetik (Postel 1969) of a name: a string
// of digits that is the same for names that sound alike in German
// ("Meier", "Mayer", "Maier" → "67"; "Müller", "Mueller" → "657"). The
// name is folded first (Falte), so umlauts, ß, accents, case, hyphens and
// blanks do not matter; the words are coded as one.
//
// Codes per letter, by its neighbours (prev, next):
//
//	a e i j o u y                 0
//	h                             –  (no code; separates equal codes)
//	b, p not before h             1
//	d t not before c s z          2
//	f v w, p before h             3
//	g k q                         4
//	c at the start before a h k l o q r u x,
//	c before a h k o q u x unless after s z
//	                              4
//	x not after c k q             48
//	l                             5
//	m n                           6
//	r                             7
//	s z; c after s z; c at the start not before a h k l o q r u x;
//	c not before a h k o q u x; d t before c s z; x after c k q
//	                              8
//
// Then runs of the same code collapse to one, and every 0 except a
// leading one is removed. Umlauts count as vowels and ß as s, which is
// what folding gives anyway (ä → ae, ß → ss).
func Phonetik(name string) string {
	return phonetikGefaltet(strings.Join(Falte(name), ""))
}

// phonetikGefaltet codes an already folded word of letters a–z.
func phonetikGefaltet(w string) string {
	if w == "" {
		return ""
	}
	out := make([]byte, 0, len(w)+2)
	last := byte('/') // nothing coded yet
	emit := func(c byte) {
		if c != last && (c != '0' || last == '/') {
			out = append(out, c)
		}
		last = c
	}
	for i := 0; i < len(w); i++ {
		ch := w[i]
		var prev, next byte
		if i > 0 {
			prev = w[i-1]
		}
		if i+1 < len(w) {
			next = w[i+1]
		}
		switch ch {
		case 'a', 'e', 'i', 'j', 'o', 'u', 'y':
			emit('0')
		case 'h':
			last = '-'
		case 'b':
			emit('1')
		case 'p':
			if next == 'h' {
				emit('3')
			} else {
				emit('1')
			}
		case 'd', 't':
			if next == 'c' || next == 's' || next == 'z' {
				emit('8')
			} else {
				emit('2')
			}
		case 'f', 'v', 'w':
			emit('3')
		case 'g', 'k', 'q':
			emit('4')
		case 'c':
			var hard bool
			if i == 0 {
				hard = strings.IndexByte("ahkloqrux", next) >= 0 && next != 0
			} else {
				hard = strings.IndexByte("ahkoqux", next) >= 0 && next != 0 && prev != 's' && prev != 'z'
			}
			if hard {
				emit('4')
			} else {
				emit('8')
			}
		case 'x':
			if prev == 'c' || prev == 'k' || prev == 'q' {
				emit('8')
			} else {
				emit('4')
				emit('8')
			}
		case 'l':
			emit('5')
		case 'm', 'n':
			emit('6')
		case 'r':
			emit('7')
		case 's', 'z':
			emit('8')
		}
	}
	return string(out)
}

// umschriftErsetzungen merge the letter groups by which the common
// transliterations of one sound differ (German, English and scholarly
// romanisations of Cyrillic and Arabic, Polish and Turkish without their
// letters): tsch/tch/ch, sch/sh/zh, dsch/dzh/dj, ts/tz/z, kh/h, ph/f,
// w/v, x/ks, q/k. Upper-case letters are placeholders and never occur in
// a folded word.
var umschriftErsetzungen = strings.NewReplacer(
	"schtsch", "S", "shch", "S", "tsch", "C", "tch", "C", "dsch", "J", "dzh", "J", "sch", "S",
	"sh", "S", "zh", "S", "ch", "C", "kh", "h", "dj", "J", "ph", "f", "th", "t", "ts", "s", "tz", "s",
	"ck", "k", "x", "ks", "w", "v", "q", "k", "c", "k", "z", "s", "y", "i", "j", "i",
)

// Umschrift returns a key that is the same for the usual transliterations
// of one name: Oleksandr, Olexandr, Aleksandr; Kuznetsov, Kusnezow;
// Olha, Olga; Shevchenko, Schewtschenko, Ševčenko; Yusuf, Jusuf,
// Yussuf; Mohammed, Muhammad, Mohamed; Serhii, Sergej; Majd, Madschd.
// It works on one folded word (a–z, see Falte): a j, y or i before a
// vowel at the start is a consonant (Yulia, Julija, Iuliia), every other
// j, y and i a vowel; the letter groups above are merged; h is g
// (Ukrainian h is Russian g) except at the end (Sarah, Fatimah); every
// run of vowels becomes one "a", a run at the end and one before a
// final r are dropped (Yasmine, Alexander); doubled letters count once.
// Different names can share a key (Julia, Jule; Omar, Amir), so an equal
// key is a similar spelling, not an equal name. Scholarly
// transliteration folded (Ševčenko → sevcenko) is not covered: the fold
// has lost what č was.
func Umschrift(w string) string {
	if w == "" {
		return ""
	}
	start := ""
	if len(w) > 1 && (w[0] == 'j' || w[0] == 'y' || w[0] == 'i') && strings.IndexByte("aeiouy", w[1]) >= 0 {
		start, w = "J", w[1:]
	}
	w = umschriftErsetzungen.Replace(w)
	if strings.HasSuffix(w, "h") && len(w) > 1 {
		w = w[:len(w)-1]
	}
	out := make([]byte, 0, len(w)+1)
	out = append(out, start...)
	for i := 0; i < len(w); i++ {
		c := w[i]
		switch c {
		case 'a', 'e', 'i', 'o', 'u':
			c = 'a'
		case 'h':
			c = 'g'
		case 'J':
			if len(out) > 0 {
				c = 'a' // dsch inside a word: Madschd, Majd
			}
		}
		if n := len(out); n > 0 && out[n-1] == c {
			continue
		}
		out = append(out, c)
	}
	// a vowel run at the end, or before a final r, is dropped
	if n := len(out); n > 2 && out[n-1] == 'a' {
		out = out[:n-1]
	} else if n > 3 && out[n-1] == 'r' && out[n-2] == 'a' {
		out = append(out[:n-2], 'r')
	}
	return string(out)
}

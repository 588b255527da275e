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

package sheets

import (
	"bytes"
	"errors"
	"fmt"
	"io"
	"strconv"
	"unicode/utf8"
)

// xmlScanner is a pull tokenizer for the parts of an xlsx file that can be
// large: worksheets and the shared string table. It reads the inflated bytes
// into one buffer and hands out start and end tags as slices of it, so a
// cell costs no allocation; encoding/xml allocates for every token and
// attribute and is several times slower.
//
// It follows encoding/xml's RawToken where that matters for the values read:
// namespace prefixes are dropped from names (`<x:row>` is a row), character
// data is decoded (the five predefined entities, &#..; and &#x..;, "\r\n"
// and "\r" become "\n", CDATA sections are taken verbatim) and checked for
// invalid UTF-8 and characters XML forbids; comments, processing
// instructions and directives are skipped, and an XML declaration naming an
// encoding other than UTF-8 is refused. Unlike encoding/xml it does not check
// the syntax of elements it is not asked about: it is lenient, never unsafe.
// Whitespace is always kept (xml:space needs no handling: the readers never
// trim text, just as with encoding/xml).
type xmlScanner struct {
	r    io.Reader
	buf  []byte // buf[pos:end] is read but not yet consumed
	pos  int
	end  int
	rerr error // the reader's error (io.EOF at the end), returned once the buffer is spent
	zero int   // reads in a row that returned nothing

	// The current token; name and attrs are valid until the next call of next.
	name  []byte // local name of the element, without prefix
	attrs []byte // raw attributes of a start tag
	empty bool   // the start tag closes itself: its end follows without a token

	// capture, when set, receives the decoded character data.
	capture *[]byte
}

type xmlTok uint8

const (
	tokEOF xmlTok = iota
	tokStart
	tokEnd
	tokSkip // comment, processing instruction, directive, CDATA (internal)
)

const (
	xmlBufSize = 128 << 10
	// xmlMaxBuf bounds one tag and one run of captured text. Excel allows
	// 32,767 characters in a cell; even fully escaped that is far below.
	xmlMaxBuf = 8 << 20
)

var (
	errXMLSyntax   = errors.New("XML syntax error")
	errXMLTooLong  = errors.New("XML tag or text longer than 8 MB")
	errXMLEncoding = errors.New("XML encoding other than UTF-8")
)

func newXMLScanner(r io.Reader) *xmlScanner {
	return &xmlScanner{r: r, buf: make([]byte, xmlBufSize)}
}

func syntaxErr(format string, args ...any) error {
	return fmt.Errorf("%w: %s", errXMLSyntax, fmt.Sprintf(format, args...))
}

// more keeps buf[pos:end], moves it to the front and reads more after it,
// growing the buffer if it is full. It returns the reader's error only when
// nothing new was read.
func (s *xmlScanner) more() error {
	if s.rerr != nil {
		return s.rerr
	}
	if s.pos > 0 {
		s.end = copy(s.buf, s.buf[s.pos:s.end])
		s.pos = 0
	}
	if s.end == len(s.buf) {
		if len(s.buf) >= xmlMaxBuf {
			return errXMLTooLong
		}
		nb := make([]byte, min(2*len(s.buf), xmlMaxBuf))
		copy(nb, s.buf[:s.end])
		s.buf = nb
	}
	start := s.end
	for s.end < len(s.buf) {
		n, err := s.r.Read(s.buf[s.end:])
		s.end += n
		if err != nil {
			s.rerr = err
			break
		}
		if n == 0 {
			if s.zero++; s.zero > 100 {
				s.rerr = io.ErrNoProgress
				break
			}
			continue
		}
		s.zero = 0
	}
	if s.end == start {
		return s.rerr
	}
	return nil
}

// next returns the next start or end tag, or tokEOF at the end of the
// input. Character data before it goes to capture if that is set.
func (s *xmlScanner) next() (xmlTok, error) {
	for {
		var i int
		if s.pos < s.end && s.buf[s.pos] == '<' {
			i = 0 // tags mostly follow each other
		} else if i = bytes.IndexByte(s.buf[s.pos:s.end], '<'); i < 0 {
			if s.capture == nil {
				s.pos = s.end
			} else if s.end-s.pos+len(*s.capture) > xmlMaxBuf {
				return 0, errXMLTooLong
			}
			// captured text stays in the buffer until its '<' is there, so
			// references and line ends are decoded whole
			if err := s.more(); err != nil {
				if err == io.EOF {
					return tokEOF, nil
				}
				return 0, err
			}
			continue
		}
		if i > 0 && s.capture != nil {
			var err error
			if *s.capture, err = appendXMLText(*s.capture, s.buf[s.pos:s.pos+i], false); err != nil {
				return 0, err
			}
			if len(*s.capture) > xmlMaxBuf {
				return 0, errXMLTooLong
			}
		}
		s.pos += i
		tok, n, err := s.tag(s.buf[s.pos:s.end])
		if err != nil {
			return 0, err
		}
		if n == 0 { // the tag goes on after the buffer
			if err := s.more(); err != nil {
				if err == io.EOF {
					return 0, io.ErrUnexpectedEOF
				}
				return 0, err
			}
			continue
		}
		s.pos += n
		if tok != tokSkip {
			return tok, nil
		}
	}
}

// tag reads the markup at the start of b (b[0] == '<'). n == 0 means b ends
// before the markup does.
func (s *xmlScanner) tag(b []byte) (tok xmlTok, n int, err error) {
	if len(b) < 2 {
		return 0, 0, nil
	}
	switch b[1] {
	case '/':
		// end tag: name, optional blanks, '>'
		colon := 0
		k := 2
		for ; k < len(b); k++ {
			c := b[k]
			if c == '>' || isXMLSpace(c) {
				break
			}
			if c == ':' {
				colon = nextColon(colon, k)
			}
		}
		name := b[2:k]
		for ; k < len(b) && b[k] != '>'; k++ {
		}
		if k == len(b) {
			return 0, 0, nil
		}
		if len(name) == 0 {
			return 0, 0, syntaxErr("end tag without name")
		}
		s.name, s.attrs, s.empty = cutPrefix(name, colon-2), nil, false
		return tokEnd, k + 1, nil
	case '?':
		j := bytes.Index(b[2:], []byte("?>"))
		if j < 0 {
			return 0, 0, nil
		}
		if err := checkXMLDecl(b[2 : 2+j]); err != nil {
			return 0, 0, err
		}
		return tokSkip, 2 + j + 2, nil
	case '!':
		return s.bang(b)
	}
	colon := 0
	k := 1
	for ; k < len(b); k++ {
		c := b[k]
		if c == '>' || c == '/' || isXMLSpace(c) {
			break
		}
		if c == ':' {
			colon = nextColon(colon, k)
		}
	}
	if k == len(b) {
		return 0, 0, nil
	}
	if k == 1 {
		return 0, 0, syntaxErr("tag without name")
	}
	for j := k; j < len(b); j++ {
		switch c := b[j]; c {
		case '"', '\'':
			for j++; j < len(b) && b[j] != c; j++ {
			}
		case '<':
			return 0, 0, syntaxErr("'<' in tag %q", b[:k])
		case '>':
			s.name = cutPrefix(b[1:k], colon-1)
			s.empty = b[j-1] == '/'
			if s.empty {
				s.attrs = b[k : j-1]
			} else {
				s.attrs = b[k:j]
			}
			return tokStart, j + 1, nil
		}
	}
	return 0, 0, nil
}

// nextColon notes a colon at k in a name: the first one's index, or -1
// once there is more than one.
func nextColon(colon, k int) int {
	if colon == 0 {
		return k
	}
	return -1
}

// cutPrefix drops the namespace prefix before the colon at i (from
// nextColon, relative to name) the way encoding/xml does: "x:row" is "row";
// a name with an empty side or more than one colon stays whole.
func cutPrefix(name []byte, i int) []byte {
	if i <= 0 || i >= len(name)-1 {
		return name
	}
	return name[i+1:]
}

var (
	cdataStart   = []byte("<![CDATA[")
	commentStart = []byte("<!--")
)

// bang reads a comment, a CDATA section or a directive such as DOCTYPE.
func (s *xmlScanner) bang(b []byte) (xmlTok, int, error) {
	switch {
	case bytes.HasPrefix(b, commentStart):
		j := bytes.Index(b[4:], []byte("-->"))
		if j < 0 {
			return 0, 0, nil
		}
		return tokSkip, 4 + j + 3, nil
	case bytes.HasPrefix(b, cdataStart):
		j := bytes.Index(b[9:], []byte("]]>"))
		if j < 0 {
			return 0, 0, nil
		}
		if s.capture != nil {
			var err error
			if *s.capture, err = appendXMLText(*s.capture, b[9:9+j], true); err != nil {
				return 0, 0, err
			}
		}
		return tokSkip, 9 + j + 3, nil
	case len(b) < len(cdataStart) && (bytes.HasPrefix(cdataStart, b) || bytes.HasPrefix(commentStart, b)):
		return 0, 0, nil // cannot tell yet
	}
	// <!DOCTYPE ...> with an optional [internal subset]: skip to the '>' at
	// depth 0, outside quotes, as encoding/xml does, down to its quirks (the
	// character after "<!" is taken as it is; a comment inside is skipped).
	// Entities it declares are not expanded (a reference to one is an error
	// in appendXMLText).
	depth := 0
	var quote byte
	for j := 3; ; j++ {
		if j >= len(b) {
			return 0, 0, nil
		}
		c := b[j]
		if quote == 0 && c == '>' && depth == 0 {
			return tokSkip, j + 1, nil
		}
		for again := true; again; {
			again = false
			switch {
			case c == quote:
				quote = 0
			case quote != 0:
			case c == '"' || c == '\'':
				quote = c
			case c == '>':
				depth--
			case c == '<':
				comment := true
				for k := 0; k < 3 && comment; k++ {
					if j++; j >= len(b) {
						return 0, 0, nil
					}
					if b[j] != "!--"[k] {
						depth++
						c, again, comment = b[j], true, false
					}
				}
				if comment {
					end := bytes.Index(b[j+1:], []byte("-->"))
					if end < 0 {
						return 0, 0, nil
					}
					j += 1 + end + 2
				}
			}
		}
	}
}

// checkXMLDecl refuses an XML declaration that names an encoding other than
// UTF-8, as encoding/xml does without a CharsetReader (and finding the
// encoding as it does).
func checkXMLDecl(pi []byte) error {
	if !bytes.HasPrefix(pi, []byte("xml")) || len(pi) > 3 && !isXMLSpace(pi[3]) {
		return nil
	}
	if enc := procInst("encoding", pi[3:]); len(enc) > 0 && !bytes.EqualFold(enc, []byte("utf-8")) {
		return fmt.Errorf("%w: %q", errXMLEncoding, enc)
	}
	return nil
}

// procInst is encoding/xml's: the value of param="..." in a processing
// instruction, or nil.
func procInst(param string, s []byte) []byte {
	p := []byte(param + "=")
	i := 0
	var sep byte
	for i < len(s) {
		sub := s[i:]
		k := bytes.Index(sub, p)
		if k < 0 || len(p)+k >= len(sub) {
			return nil
		}
		i += len(p) + k + 1
		if c := sub[len(p)+k]; c == '\'' || c == '"' {
			sep = c
			break
		}
	}
	if sep == 0 {
		return nil
	}
	j := bytes.IndexByte(s[i:], sep)
	if j < 0 {
		return nil
	}
	return s[i : i+j]
}

func trimXMLSpaceRight(b []byte) []byte {
	for len(b) > 0 && isXMLSpace(b[len(b)-1]) {
		b = b[:len(b)-1]
	}
	return b
}

// localName drops a namespace prefix the way encoding/xml does: "x:row" is
// "row"; a name with an empty side or more than one colon stays whole.
func localName(name []byte) []byte {
	i := bytes.IndexByte(name, ':')
	if i <= 0 || i == len(name)-1 || bytes.IndexByte(name[i+1:], ':') >= 0 {
		return name
	}
	return name[i+1:]
}

// nextAttr reads the first attribute of a raw attribute list: its local
// name, its raw value (undecoded) and the rest of the list. ok is false at
// the end of the list.
func nextAttr(a []byte) (name, val, rest []byte, ok bool, err error) {
	i := 0
	for i < len(a) && isXMLSpace(a[i]) {
		i++
	}
	if i == len(a) {
		return nil, nil, nil, false, nil
	}
	start := i
	for i < len(a) && a[i] != '=' && !isXMLSpace(a[i]) {
		i++
	}
	name = a[start:i]
	for i < len(a) && isXMLSpace(a[i]) {
		i++
	}
	if i == len(a) || a[i] != '=' || len(name) == 0 {
		return nil, nil, nil, false, syntaxErr("attribute %q without value", name)
	}
	i++
	for i < len(a) && isXMLSpace(a[i]) {
		i++
	}
	if i == len(a) || (a[i] != '"' && a[i] != '\'') {
		return nil, nil, nil, false, syntaxErr("unquoted value of attribute %q", name)
	}
	q := a[i]
	j := bytes.IndexByte(a[i+1:], q)
	if j < 0 {
		return nil, nil, nil, false, syntaxErr("unterminated value of attribute %q", name)
	}
	return localName(name), a[i+1 : i+1+j], a[i+1+j+1:], true, nil
}

// attrValue decodes a raw attribute value into scratch if it holds a
// reference or a line end; otherwise it returns raw itself.
func attrValue(raw []byte, scratch *[]byte) ([]byte, error) {
	for _, c := range raw {
		if c == '&' || c == '\r' {
			var err error
			*scratch, err = appendXMLText((*scratch)[:0], raw, false)
			return *scratch, err
		}
	}
	return raw, nil
}

// appendXMLText appends character data to dst: references decoded (unless
// raw, for CDATA), "\r\n" and "\r" turned into "\n", and every character
// checked as encoding/xml checks it.
func appendXMLText(dst, src []byte, raw bool) ([]byte, error) {
	dst, _, err := appendXMLTextUS(dst, src, raw)
	return dst, err
}

// appendXMLTextUS is appendXMLText that also reports whether the text has
// an underscore (so it may hold an OOXML escape, see appendUnescapeOOXML).
func appendXMLTextUS(dst, src []byte, raw bool) (_ []byte, underscore bool, err error) {
	var class uint8
	for i := 0; i < len(src); {
		// a run of ordinary characters is copied at once
		j := i
		for j < len(src) {
			c := src[j]
			if k := xmlPlain[c]; k != 0 || c == '&' && raw {
				class |= k
				j++
				continue
			}
			if c >= utf8.RuneSelf {
				r, size := utf8.DecodeRune(src[j:])
				if r == utf8.RuneError && size == 1 {
					return dst, false, syntaxErr("invalid UTF-8")
				}
				if !isInCharacterRange(r) {
					return dst, false, syntaxErr("illegal character code %U", r)
				}
				j += size
				continue
			}
			break
		}
		dst = append(dst, src[i:j]...)
		if j == len(src) {
			break
		}
		switch c := src[j]; c {
		case '\r':
			dst = append(dst, '\n')
			if j+1 < len(src) && src[j+1] == '\n' {
				j++
			}
			i = j + 1
		case '&':
			k := bytes.IndexByte(src[j:], ';')
			if k < 0 {
				return dst, false, syntaxErr("invalid character entity (no semicolon)")
			}
			r, ok := xmlEntity(src[j+1 : j+k])
			if !ok {
				return dst, false, syntaxErr("invalid character entity &%s;", src[j+1:j+k])
			}
			dst = utf8.AppendRune(dst, r)
			i = j + k + 1
		default:
			return dst, false, syntaxErr("illegal character code %U", rune(c))
		}
	}
	return dst, class&plainUnderscore != 0, nil
}

// xmlPlain classifies the ASCII bytes character data holds as they are:
// all printable ones but '&', and tab and line feed; '_' is told apart.
var xmlPlain = func() (t [256]uint8) {
	for c := 0x20; c < 0x80; c++ {
		if c != '&' {
			t[c] = plainByte
		}
	}
	t['\t'], t['\n'], t['_'] = plainByte, plainByte, plainByte|plainUnderscore
	return t
}()

const (
	plainByte       = 1
	plainUnderscore = 2
)

// xmlEntity decodes the name of a reference between '&' and ';'.
func xmlEntity(name []byte) (rune, bool) {
	switch string(name) {
	case "lt":
		return '<', true
	case "gt":
		return '>', true
	case "amp":
		return '&', true
	case "apos":
		return '\'', true
	case "quot":
		return '"', true
	}
	if len(name) < 2 || name[0] != '#' {
		return 0, false
	}
	digits, base := name[1:], 10
	if digits[0] == 'x' {
		digits, base = digits[1:], 16
	}
	if len(digits) == 0 {
		return 0, false
	}
	for _, c := range digits {
		if !('0' <= c && c <= '9' || base == 16 && ('a' <= c && c <= 'f' || 'A' <= c && c <= 'F')) {
			return 0, false
		}
	}
	n, err := strconv.ParseUint(string(digits), base, 64)
	if err != nil || n > utf8.MaxRune {
		return 0, false
	}
	r := rune(n)
	if !utf8.ValidRune(r) {
		r = utf8.RuneError // as string(rune(n)) does for a surrogate
	}
	return r, isInCharacterRange(r)
}

// isInCharacterRange is XML's Char production, as encoding/xml checks it.
func isInCharacterRange(r rune) bool {
	return r == 0x09 ||
		r == 0x0A ||
		r == 0x0D ||
		r >= 0x20 && r <= 0xD7FF ||
		r >= 0xE000 && r <= 0xFFFD ||
		r >= 0x10000 && r <= 0x10FFFF
}

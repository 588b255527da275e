package httpapi

import (
	"slices"
	"sync"
	"time"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/untersuchung"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// The two lists the BMS pulls most, the children of a cohort and the
// change feed, are written by hand into a pooled buffer: the reflecting
// encoder (with two timestamps per feed entry, a date and six pointers per
// child) was a fifth of the gateway's CPU on them. Their output is byte
// for byte what encoding the structs einschulungKindJSON and changeJSON
// gives (TestHandWrittenJSONAsEncoder, FuzzAppendJSONString; their times
// as the time package writes them, TestAppendTimes); the structs
// stay the shape's description and what the tests decode into.

const hexDigits = "0123456789abcdef"

// appendJSONString appends s as a JSON string as the encoder (go-json) writes it:
// <, > and & escaped for HTML, U+2028 and U+2029 escaped, each invalid
// UTF-8 byte replaced by U+FFFD (the character, as go-json writes it).
func appendJSONString(b []byte, s string) []byte {
	b = append(b, '"')
	start := 0
	for i := 0; i < len(s); {
		// Eight bytes at a time while none needs a second look: most
		// names, ids and codes are plain ASCII.
		for len(s)-i >= 8 {
			w := s[i : i+8]
			if !plain8(uint64(w[0]) | uint64(w[1])<<8 | uint64(w[2])<<16 | uint64(w[3])<<24 |
				uint64(w[4])<<32 | uint64(w[5])<<40 | uint64(w[6])<<48 | uint64(w[7])<<56) {
				break
			}
			i += 8
		}
		if i >= len(s) {
			break
		}
		if c := s[i]; c < utf8.RuneSelf {
			if c >= 0x20 && c != '"' && c != '\\' && c != '<' && c != '>' && c != '&' {
				i++
				continue
			}
			b = append(b, s[start:i]...)
			switch c {
			case '"', '\\':
				b = append(b, '\\', c)
			case '\n':
				b = append(b, '\\', 'n')
			case '\r':
				b = append(b, '\\', 'r')
			case '\t':
				b = append(b, '\\', 't')
			case '\b':
				b = append(b, '\\', 'b')
			case '\f':
				b = append(b, '\\', 'f')
			default:
				b = append(b, '\\', 'u', '0', '0', hexDigits[c>>4], hexDigits[c&0xF])
			}
			i++
			start = i
			continue
		}
		r, size := utf8.DecodeRuneInString(s[i:])
		if r == utf8.RuneError && size == 1 {
			b = append(b, s[start:i]...)
			b = append(b, "\ufffd"...) // the character itself, as the encoder writes it
			i += size
			start = i
			continue
		}
		if r == '\u2028' || r == '\u2029' {
			b = append(b, s[start:i]...)
			b = append(b, '\\', 'u', '2', '0', '2', hexDigits[r&0xF])
			i += size
			start = i
			continue
		}
		i += size
	}
	b = append(b, s[start:]...)
	return append(b, '"')
}

// plain8 reports whether none of the eight bytes in w is a control
// character, '"', '\\', '<', '>', '&' or outside ASCII (SWAR: a byte's high
// bit is set in the masks below exactly when it is one of them).
func plain8(w uint64) bool {
	const ones = 0x0101010101010101
	q, bs, lt, gt, amp := w^('"'*ones), w^('\\'*ones), w^('<'*ones), w^('>'*ones), w^('&'*ones)
	// (x - ones) &^ x has a byte's high bit set where x has a zero byte;
	// w - 0x20*ones &^ w where w has a byte below 0x20.
	bad := w | (w-0x20*ones)&^w | (q-ones)&^q | (bs-ones)&^bs | (lt-ones)&^lt | (gt-ones)&^gt | (amp-ones)&^amp
	return bad&(0x80*ones) == 0
}

// appendJSONStringOrNull appends s, or null for "" (orNull).
func appendJSONStringOrNull(b []byte, s string) []byte {
	if s == "" {
		return append(b, "null"...)
	}
	return appendJSONString(b, s)
}

// appendPageEnd closes a page's items and appends next and its alias, as
// pageJSON's keys in sorted order.
func appendPageEnd(b []byte, next, alias string) []byte {
	b = append(b, `],"next":`...)
	n := len(b)
	b = appendJSONStringOrNull(b, next)
	if alias != "" {
		v := b[n:]
		b = append(b, ',')
		b = appendJSONString(b, alias)
		b = append(b, ':')
		b = append(b, v...)
	}
	return append(b, '}')
}

// appendBuffers hold hand-written answers between requests.
var appendBuffers = sync.Pool{New: func() any { b := make([]byte, 0, 32<<10); return &b }}

// sendAppended answers with the JSON b (SetBody copies it) and keeps b's
// memory in buf for the next answer.
func sendAppended(c *fiber.Ctx, buf *[]byte, b []byte) error {
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	c.Response().SetBody(b)
	*buf = b[:0]
	appendBuffers.Put(buf)
	return nil
}

// sendEinschulungKinder writes a page of the cohort as sendPage would
// write toEinschulungKindJSON of each.
func sendEinschulungKinder(c *fiber.Ctx, items []einschulung.Eintrag, p auth.Principal, ergebnisse map[string]untersuchung.Untersuchung, next, alias string) error {
	buf := appendBuffers.Get().(*[]byte)
	b := append(*buf, `{"items":[`...)
	anschrift := [2]bool{auth.Sieht(p, "EinschulungKind", "anschrift", false), auth.Sieht(p, "EinschulungKind", "anschrift", true)}
	untersucht := [2]bool{auth.Sieht(p, "EinschulungKind", "untersuchung", false), auth.Sieht(p, "EinschulungKind", "untersuchung", true)}
	var eigen renderedKind // a child without a rendering, written for this page
	for i := range items {
		if i > 0 {
			b = append(b, ',')
		}
		e := &items[i]
		sperre := 0
		if e.Kind.Auskunftssperre {
			sperre = 1
		}
		t, ok := e.Rendered.(*renderedKind)
		if !ok { // a page computed from its candidates: written for this page alone
			eigen.b = appendKind(eigen.b[:0], e, &eigen.adr, &eigen.mid)
			t = &eigen
		}
		b = append(b, t.b[:t.adr]...)
		if anschrift[sperre] {
			b = append(b, t.b[t.adr:t.mid]...)
		} else {
			b = append(b, "null"...)
		}
		b = append(b, t.b[t.mid:]...)
		if ergebnisse != nil && untersucht[sperre] {
			b = append(b, `,"untersuchung":{"untersucht_am":`...)
			if u, ok := ergebnisse[e.ID]; ok {
				b = append(werte.AppendDate(append(b, '"'), u.UntersuchtAm), '"')
				b = append(b, `,"ergebnis":`...)
				b = appendJSONStringOrNull(b, string(u.Ergebnis))
			} else {
				b = append(b, `null,"ergebnis":null`...)
			}
			b = append(b, '}')
		}
		b = append(b, '}')
	}
	b = appendPageEnd(b, next, alias)
	return sendAppended(c, buf, b)
}

// renderedKind is a child of the cohort as sendEinschulungKinder writes it up
// to its Untersuchung, prepared when its cohort was computed
// (RenderEinschulungKind), or for the page alone (sendEinschulungKinder): b[:adr] ends with "anschrift":, b[adr:mid] is
// the address object, written where the reader may see it, and b[mid:]
// goes from "schulnummer" to the value of "status".
type renderedKind struct {
	b        []byte
	adr, mid int
}

// RenderEinschulungKind is the HTTP adapter's rendering of a child of
// the cohort (einschulung.Service.WithRendering): its JSON, ready to be
// copied into every page that shows it. The pages the BMS pulls again and
// again cost a copy per child instead of checking every byte of twelve
// texts (about four fifths of writing a page of 100, docs/performance.md,
// session 22).
func RenderEinschulungKind(e *einschulung.Eintrag) any {
	t := &renderedKind{}
	t.b = rendered(func(b []byte) []byte { return appendKind(b, e, &t.adr, &t.mid) })
	return t
}

// appendKind appends e up to its Untersuchung, the address always; *adr
// and *mid are where the address begins and ends, counted from the end of
// b as it was given.
func appendKind(b []byte, e *einschulung.Eintrag, adr, mid *int) []byte {
	n, k := len(b), &e.Kind
	b = append(b, `{"id":`...)
	b = appendJSONString(b, e.ID)
	b = append(b, `,"familienname":`...)
	b = appendJSONString(b, k.Familienname)
	b = append(b, `,"vornamen":`...)
	b = appendJSONString(b, k.Vornamen)
	b = append(b, `,"geburtsdatum":"`...)
	b = werte.AppendDate(b, k.Geburtsdatum)
	b = append(b, `","geschlecht":`...)
	b = appendJSONStringOrNull(b, k.Geschlecht)
	b = append(b, `,"anschrift":`...)
	*adr = len(b) - n
	b = append(b, `{"strasse":`...)
	b = appendJSONString(b, k.Strasse)
	b = append(b, `,"hausnummer":`...)
	b = appendJSONString(b, k.Hausnummer)
	b = append(b, `,"plz":`...)
	b = appendJSONString(b, k.PLZ)
	b = append(b, `,"ort":`...)
	b = appendJSONString(b, k.Ort)
	b = append(b, '}')
	*mid = len(b) - n
	b = append(b, `,"schulnummer":`...)
	b = appendJSONStringOrNull(b, e.Schulnummer)
	b = append(b, `,"art":`...)
	b = appendJSONString(b, string(e.Art))
	b = append(b, `,"status":`...)
	b = appendJSONString(b, string(e.Status))
	return b
}

// rendered returns what appendTo appends to an empty buffer, in memory of
// its own of exactly that size (a rendering is kept as long as its cohort
// or the feed's cache keeps it); the buffer is a pooled one.
func rendered(appendTo func([]byte) []byte) []byte {
	buf := appendBuffers.Get().(*[]byte)
	b := appendTo((*buf)[:0])
	out := slices.Clone(b)
	*buf = b[:0]
	appendBuffers.Put(buf)
	return out
}

// sendChanges writes a page of the feed as sendJSON would write
// {"items": []changeJSON, "next": next}: next is never null here (a feed).
func sendChanges(c *fiber.Ctx, items []changefeed.Entry, next string) error {
	buf := appendBuffers.Get().(*[]byte)
	b := append(*buf, `{"items":[`...)
	var tag utcTag
	for i := range items {
		e := &items[i]
		if i > 0 {
			b = append(b, ',')
		}
		if d, ok := e.Rendered.(renderedChange); ok {
			b = append(b, d...)
		} else {
			b = appendChange(b, e, &tag)
		}
	}
	b = append(b, `],"next":`...)
	b = appendJSONString(b, next)
	b = append(b, '}')
	return sendAppended(c, buf, b)
}

// renderedChange is an entry of the feed as sendChanges writes it, prepared
// when the feed's cache kept it (RenderChange).
type renderedChange []byte

// RenderChange is the HTTP adapter's rendering of an entry of the
// feed (postgres.FeedStore.WithRendering): its JSON, copied into every
// page the cache answers with it. Writing the entries was a quarter of the
// gateway's CPU on a full page of the feed (docs/performance.md, session
// 22).
func RenderChange(e *changefeed.Entry) any {
	var tag utcTag
	return renderedChange(rendered(func(b []byte) []byte { return appendChange(b, e, &tag) }))
}

// appendChange appends e as changeJSON is encoded; tag is the date last
// written on the page.
func appendChange(b []byte, e *changefeed.Entry, tag *utcTag) []byte {
	b = append(b, `{"position":`...)
	b = appendJSONString(b, e.Position)
	b = append(b, `,"created_at":"`...)
	n := len(b)
	b = appendRFC3339NanoUTC(b, e.Time, tag)
	at := b[n:]
	b = append(b, `","time":"`...)
	b = append(b, at...)
	b = append(b, `","entity":`...)
	b = appendJSONString(b, e.Entity)
	b = append(b, `,"id":`...)
	b = appendJSONString(b, e.ID)
	b = append(b, `,"operation":`...)
	b = appendJSONString(b, string(e.Operation))
	if len(e.Key) > 0 {
		b = append(b, `,"key":{`...)
		keys := make([]string, 0, len(e.Key))
		for k := range e.Key {
			keys = append(keys, k)
		}
		slices.Sort(keys)
		for j, k := range keys {
			if j > 0 {
				b = append(b, ',')
			}
			b = appendJSONString(b, k)
			b = append(b, ':')
			b = appendJSONString(b, e.Key[k])
		}
		b = append(b, '}')
	}
	return append(b, '}')
}

// utcTag is the date part ("2026-12-06T") of the day last written by
// appendRFC3339NanoUTC: the entries of a page are mostly of one day.
type utcTag struct {
	tag  int64 // days since 1970-01-01; valid when text[0] != 0
	text [11]byte
}

// appendRFC3339NanoUTC appends t in UTC as t.UTC().AppendFormat(b,
// time.RFC3339Nano) does (the encoder's form of a time), without reading
// the layout for every time and computing the date only when the day
// differs from the last one's (c): two per feed entry were a third of
// writing a full page of the feed (docs/performance.md, session 11).
// Years outside 0–9999 take the library's way.
func appendRFC3339NanoUTC(b []byte, t time.Time, c *utcTag) []byte {
	sec := t.Unix()
	day := sec / 86400
	if sec%86400 < 0 {
		day--
	}
	if c.text[0] == 0 || c.tag != day {
		u := t.UTC()
		if y := u.Year(); y < 0 || y > 9999 {
			c.text[0] = 0
			return u.AppendFormat(b, time.RFC3339Nano)
		}
		c.tag, c.text[10] = day, 'T'
		werte.AppendDate(c.text[:0], u)
	}
	s := int(sec - day*86400)
	h, mi, s := s/3600, s/60%60, s%60
	b = append(b, c.text[:]...)
	b = append(b, byte('0'+h/10), byte('0'+h%10), ':', byte('0'+mi/10), byte('0'+mi%10), ':', byte('0'+s/10), byte('0'+s%10))
	if ns := t.Nanosecond(); ns != 0 {
		var frac [10]byte
		frac[0] = '.'
		for i := 9; i >= 1; i-- {
			frac[i] = byte('0' + ns%10)
			ns /= 10
		}
		n := 10
		for frac[n-1] == '0' { // the fraction's trailing zeros are left out
			n--
		}
		b = append(b, frac[:n]...)
	}
	return append(b, 'Z')
}

package sheets

import (
	"bytes"
	"strings"
	"testing"

	"golang.org/x/text/encoding/charmap"
	"golang.org/x/text/transform"
)

// decodeSmall runs t over src with a destination of room bytes at a time,
// as a transform.Reader does when its buffer is nearly full, and source
// chunks of step bytes.
func decodeSmall(t *testing.T, tr transform.Transformer, src []byte, room, step int) []byte {
	t.Helper()
	var out []byte
	dst := make([]byte, room)
	for i, end := 0, min(step, len(src)); i < len(src); {
		nDst, nSrc, err := tr.Transform(dst, src[i:end], end == len(src))
		out = append(out, dst[:nDst]...)
		i += nSrc
		switch {
		case err == transform.ErrShortSrc && nSrc == 0:
			end = min(end+step, len(src)) // a character split: more source
		case err == nil || err == transform.ErrShortDst || err == transform.ErrShortSrc:
			if nSrc == 0 && nDst == 0 {
				t.Fatalf("no progress with %d bytes of room at %d: %v", room, i, err)
			}
			end = max(end, min(i+step, len(src)))
		default:
			t.Fatal(err)
		}
	}
	return out
}

// The Windows-1252 decoder gives what golang.org/x/text's gives, for every
// byte and for texts of ASCII runs and other bytes, whatever room it has.
func TestFromWindows1252AsXText(t *testing.T) {
	var all []byte
	for b := range 256 {
		all = append(all, byte(b))
	}
	texts := [][]byte{all,
		[]byte("Müller;Weißenfelser Straße 12;06108 Halle (Saale)\r\n"),
		bytes.Repeat([]byte("abcdefgh\x80\x81\x8d\x8f\x90\x9d\xe4\xf6\xfc\xdf"), 50),
		[]byte(strings.Repeat("x", 17) + "\xfc"),
	}
	for _, src := range texts {
		want, err := charmap.Windows1252.NewDecoder().Bytes(src)
		if err != nil {
			t.Fatal(err)
		}
		for _, room := range []int{3, 4, 9, 4096} {
			for _, step := range []int{1, 7, len(src)} {
				if got := decodeSmall(t, fromWindows1252{}, src, room, step); !bytes.Equal(got, want) {
					t.Fatalf("room %d, step %d: %q, want %q", room, step, got, want)
				}
			}
		}
	}
}

// toValidUTF8 with its runs of ASCII is strings.ToValidUTF8 with U+FFFD,
// split anywhere.
func TestToValidUTF8AsStrings(t *testing.T) {
	for _, s := range []string{
		"Müller;Weißenfelser Straße 12\r\n",
		"abcdefghij\xff\xfeklmnopqrstu\xc3",
		"\xe2\x82abcdefgh\xe2\x82\xac" + strings.Repeat("y", 20) + "\xf0\x9f\x98",
		strings.Repeat("z", 33) + "\x80\x80" + strings.Repeat("z", 8) + "\x80",
	} {
		want := strings.ToValidUTF8(s, "\ufffd")
		for _, room := range []int{4, 5, 9, 4096} {
			for _, step := range []int{1, 3, len(s)} {
				if got := decodeSmall(t, &toValidUTF8{}, []byte(s), room, step); string(got) != want {
					t.Fatalf("%q, room %d, step %d: %q, want %q", s, room, step, got, want)
				}
			}
		}
	}
}

// Any bytes decode as x/text's Windows-1252 decoder and strings.ToValidUTF8
// have them.
func FuzzCSVDecoders(f *testing.F) {
	f.Add([]byte("M\xfcller;Stra\xdfe 1\r\n"), uint8(5))
	f.Add([]byte("abcdefgh\x80\xc3\xa4\xe2\x82"), uint8(3))
	f.Fuzz(func(t *testing.T, src []byte, room uint8) {
		r := int(room%16) + 4 // a rune's UTF-8 fits
		want, err := charmap.Windows1252.NewDecoder().Bytes(src)
		if err != nil {
			t.Fatal(err)
		}
		if got := decodeSmall(t, fromWindows1252{}, src, r, 7); !bytes.Equal(got, want) {
			t.Fatalf("Windows-1252 %q: %q, want %q", src, got, want)
		}
		if got, want := decodeSmall(t, &toValidUTF8{}, src, r, 5), strings.ToValidUTF8(string(src), "\ufffd"); string(got) != want {
			t.Fatalf("UTF-8 %q: %q, want %q", src, got, want)
		}
	})
}

// BenchmarkCSVDecoders: a register's text (Windows-1252 and UTF-8) through
// x/text's decoder and through the gateway's, as the CSV reader reads it.
func BenchmarkCSVDecoders(b *testing.B) {
	line := "100087;Becker;Ben;27.09.2019;m;Nordring;88;06108;Musterstadt;Mitte;Eltern Becker;Müller-Lüdenscheidt\r\n"
	utf := []byte(strings.Repeat(line, 100000))
	cp, err := charmap.Windows1252.NewEncoder().Bytes(utf)
	if err != nil {
		b.Fatal(err)
	}
	for _, c := range []struct {
		name string
		src  []byte
		tr   func() transform.Transformer
	}{
		{"windows1252/x-text", cp, func() transform.Transformer { return charmap.Windows1252.NewDecoder() }},
		{"windows1252/gateway", cp, func() transform.Transformer { return fromWindows1252{} }},
		{"utf8/gateway", utf, func() transform.Transformer { return &toValidUTF8{} }},
	} {
		b.Run(c.name, func(b *testing.B) {
			b.SetBytes(int64(len(c.src)))
			buf := make([]byte, csvReadSize)
			for b.Loop() {
				r := transform.NewReader(bytes.NewReader(c.src), c.tr())
				for {
					if _, err := r.Read(buf); err != nil {
						break
					}
				}
			}
		})
	}
}

package importing

import (
	"strings"
	"testing"
	"unicode/utf8"

	"golang.org/x/text/unicode/norm"
)

// The fuzz targets below run their seeds in `go test`; scripts/fuzz.sh
// (make test: a few seconds each, make fuzz: longer) explores further.

// FuzzParseDate: any text gives a date or a German problem, never a panic,
// and a date read is read again the same from the way staff see it.
func FuzzParseDate(f *testing.F) {
	for _, s := range []string{"01.07.2020", "1.7.20", "2020-07-01", "43831", "01.07.2020 00:00", "29.02.2021", "31.4.2020",
		"20200701", "1.7.", " 01 . 07 . 2020 ", "2020-07-01T00:00:00", "٠١.٠٧.٢٠٢٠", "99999999999999999999"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		d, p := ParseDate(s, 2026)
		if p != nil {
			if p.Message == "" || p.Code == "" {
				t.Fatalf("%q: problem without code or message: %+v", s, p)
			}
			return
		}
		if d.Year() < 1 || d.Year() > 9999 || d.Hour() != 0 || d.Location().String() != "UTC" {
			t.Fatalf("%q → %v", s, d)
		}
		again, p := ParseDate(d.Format("02.01.2006"), 2026)
		if p != nil || !again.Equal(d) {
			t.Fatalf("%q → %v, shown as %s → %v %+v", s, d, d.Format("02.01.2006"), again, p)
		}
	})
}

// FuzzNormalize: header and name normalisation are idempotent, keep valid
// UTF-8 and leave no surrounding or non-breaking space behind.
func FuzzNormalize(f *testing.F) {
	for _, s := range []string{"Geburts-datum", "  Straße\u00a0", "Müller-Lüdenscheidt", "Vorname(n)", "ÄÖÜäöüß", "e\u0301", "\xff\xfe", "N°", "Schul-Nr.",
		"", " ", "\u00a0\u200b", "\t\r\n", "\u00ad", "\x7f", " \u00a0x", "ß"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h := NormalizeHeader(s)
		if NormalizeHeader(h) != h || !utf8.ValidString(h) {
			t.Fatalf("NormalizeHeader(%q) = %q, again %q", s, h, NormalizeHeader(h))
		}
		n := NormalizeName(s)
		if NormalizeName(n) != n || !utf8.ValidString(n) || !norm.NFC.IsNormalString(n) {
			t.Fatalf("NormalizeName(%q) = %q, again %q", s, n, NormalizeName(n))
		}
		if strings.TrimSpace(n) != n || strings.ContainsRune(n, '\u00a0') {
			t.Fatalf("NormalizeName(%q) = %q keeps spaces", s, n)
		}
		if blankCell(s) != (cleanCell(s) == "") {
			t.Fatalf("blankCell(%q) = %v, but cleanCell gives %q", s, blankCell(s), cleanCell(s))
		}
	})
}

// FuzzParseHausnummer: a house number read is read the same from its text.
func FuzzParseHausnummer(f *testing.F) {
	for _, s := range []string{"12", "12a", "12 A", "12-14", "12 bis 14", "7a-7f", "7a-f", "12/1", "12.0", "0", "99999a"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		h, p := ParseHausnummer(s)
		if p != nil {
			if p.Message == "" {
				t.Fatalf("%q: problem without message", s)
			}
			return
		}
		if h.Nummer <= 0 {
			t.Fatalf("%q → %+v", s, h)
		}
	})
}

// FuzzDetectHeader: rows of any text (lines, cells split by ';') give a
// header match or a typed error, and a match points into the sheet.
func FuzzDetectHeader(f *testing.F) {
	f.Add("Melderegister\n\nOrdnungsmerkmal;Familienname;Vornamen;Geburtsdatum;Straße;Hausnummer\n1;Müller;Lena;03.04.2020;Rosenweg;12")
	f.Add("Name;Vorname;Geb.-Datum;Str.;Nr.\nA;B;1.1.20;C;1")
	f.Add(";;;\n;;;")
	f.Fuzz(func(t *testing.T, text string) {
		var s Sheet
		for i, line := range strings.Split(text, "\n") {
			if i >= 200 {
				break
			}
			s.Rows = append(s.Rows, Row{Number: i + 1, Cells: strings.Split(line, ";")})
		}
		s.Name = "T"
		for _, k := range Listenarten() {
			m, err := DetectHeader(k, s, nil)
			if err != nil {
				if _, ok := err.(*HeaderError); !ok {
					t.Fatalf("%s: untyped error %T %v", k, err, err)
				}
				continue
			}
			if m.RowNumber < 1 || m.RowNumber > len(s.Rows) {
				t.Fatalf("%s: header row %d of %d", k, m.RowNumber, len(s.Rows))
			}
			for field, col := range m.Columns {
				if col < 0 || col >= len(s.Rows[m.RowNumber-1].Cells) {
					t.Fatalf("%s: %s in column %d", k, field, col)
				}
			}
		}
	})
}

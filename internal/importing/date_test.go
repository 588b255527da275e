package importing

import (
	"fmt"
	"strings"
	"testing"
	"time"
)

func day(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

func TestParseDate(t *testing.T) {
	const ref = 2026
	valid := []struct {
		in   string
		want time.Time
	}{
		{"2020-03-31", day(2020, 3, 31)},
		{"2020-3-1", day(2020, 3, 1)},
		{"31.03.2020", day(2020, 3, 31)},
		{"1.4.2020", day(2020, 4, 1)},
		{" 31. 03. 2020 ", day(2020, 3, 31)},
		{"31.3.20", day(2020, 3, 31)},
		{"29.02.2020", day(2020, 2, 29)},
		{"31.03.2020 00:00:00", day(2020, 3, 31)},
		{"31.03.2020 00:00", day(2020, 3, 31)},
		{"2020-03-31 00:00:00", day(2020, 3, 31)},
		{"2020-03-31T00:00:00Z", day(2020, 3, 31)},
		{"2020-03-31T00:00:00.000+01:00", day(2020, 3, 31)},
		{"43921", day(2020, 3, 31)},
		{"43921.0", day(2020, 3, 31)},
		{"43921,75", day(2020, 3, 31)}, // time of day dropped
		{"44104", day(2020, 9, 30)},    // from the sample register list
		{"20200331", day(2020, 3, 31)},
		{"31032020", day(2020, 3, 31)},
		// two-digit years, reference 2026: 00–36 → 20xx, 37–99 → 19xx
		{"01.01.00", day(2000, 1, 1)},
		{"01.01.36", day(2036, 1, 1)},
		{"01.01.37", day(1937, 1, 1)},
		{"01.01.99", day(1999, 1, 1)},
	}
	for _, tt := range valid {
		got, p := ParseDate(tt.in, ref)
		if p != nil {
			t.Errorf("ParseDate(%q): unexpected problem %s", tt.in, p.Message)
			continue
		}
		if !got.Equal(tt.want) || got.Location() != time.UTC {
			t.Errorf("ParseDate(%q) = %v, want %v", tt.in, got, tt.want)
		}
	}

	invalid := []struct{ in, inMessage string }{
		{"31.02.2020", "Der Februar 2020 hat nur 29 Tage"},
		{"29.02.2021", "Der Februar 2021 hat nur 28 Tage"},
		{"31.04.2020", "April 2020 hat nur 30 Tage"},
		{"00.01.2020", "Einen Tag 0 gibt es nicht"},
		{"12.13.2020", "Einen Monat 13 gibt es nicht"},
		{"2020-02-30", "Februar"},
		{"01.01.1850", "Das Jahr 1850"},
		{"31.03", "Das Jahr fehlt"},
		{"31.03.", "Das Jahr fehlt"},
		{"2020", "kein vollständiges Datum"},
		{"61", "kein vollständiges Datum"},
		{"9999999", "kein vollständiges Datum"},
		{"03/31/2020", "kein gültiges Datum"},
		{"31.03.202", "kein gültiges Datum"},
		{"gestern", "kein gültiges Datum"},
		{"32032020", "kein gültiges Datum"},
		{"", "Kein Datum"},
	}
	for _, tt := range invalid {
		got, p := ParseDate(tt.in, ref)
		if p == nil {
			t.Errorf("ParseDate(%q) = %v, want a problem", tt.in, got)
			continue
		}
		if p.Code != CodeDatumUngueltig {
			t.Errorf("ParseDate(%q) code = %q", tt.in, p.Code)
		}
		if !strings.Contains(p.Message, tt.inMessage) || !strings.Contains(p.Message, "Erwartet: TT.MM.JJJJ") {
			t.Errorf("ParseDate(%q) message %q lacks %q or the expected form", tt.in, p.Message, tt.inMessage)
		}
	}
}

func TestParseDateMessageNamesValue(t *testing.T) {
	_, p := ParseDate("31.02.2020", 2026)
	want := "„31.02.2020“ ist kein gültiges Datum: Der Februar 2020 hat nur 29 Tage. Erwartet: TT.MM.JJJJ, z. B. 03.04.2020."
	if p == nil || p.Message != want || p.Value != "31.02.2020" {
		t.Fatalf("got %+v, want message %q", p, want)
	}
}

func TestTwoDigitYearFollowsReferenceYear(t *testing.T) {
	tests := []struct {
		in   string
		ref  int
		want int
	}{
		{"01.08.30", 2026, 2030},
		{"01.08.30", 2010, 1930},
		{"01.08.20", 2010, 2020},
		{"01.08.21", 2010, 1921},
	}
	for _, tt := range tests {
		got, p := ParseDate(tt.in, tt.ref)
		if p != nil || got.Year() != tt.want {
			t.Errorf("ParseDate(%q, %d) = %v, %v; want year %d", tt.in, tt.ref, got, p, tt.want)
		}
	}
}

func TestExcelSerialDate(t *testing.T) {
	tests := []struct {
		serial float64
		want   time.Time
		ok     bool
	}{
		{1, day(1900, 1, 1), true},
		{59, day(1900, 2, 28), true},
		{60, time.Time{}, false}, // Excel's 29 February 1900 that never was
		{61, day(1900, 3, 1), true},
		{43921, day(2020, 3, 31), true},
		{43921.999, day(2020, 3, 31), true},
		{2958465, day(9999, 12, 31), true},
		{2958466, time.Time{}, false},
		{0, time.Time{}, false},
		{-5, time.Time{}, false},
	}
	for _, tt := range tests {
		got, ok := ExcelSerialDate(tt.serial)
		if ok != tt.ok || !got.Equal(tt.want) {
			t.Errorf("ExcelSerialDate(%v) = %v, %v; want %v, %v", tt.serial, got, ok, tt.want, tt.ok)
		}
	}
}

// The regexp-free reading of d.m.yyyy takes exactly what reGermanDate
// takes with a four-digit year and no spaces, as the same numbers.
func TestGermanDateAgreesWithRegexp(t *testing.T) {
	inputs := []string{"02.07.2019", "2.7.2019", "31.12.1999", "1.1.0000", "00.00.2020", "02.07.19", "02.07.20190",
		"002.07.2019", "02..2019", ".07.2019", "02.07.", "02.07.2019.", "02 .07.2019", "a2.07.2019", "02.07.201x", "", "1.2.3.4",
		"29.02.2023", "12.13.2020", "02,07,2019"}
	for d := range 40 {
		for _, y := range []string{"2019", "19", "20190"} {
			inputs = append(inputs, fmt.Sprintf("%d.%d.%s", d, d%14, y), fmt.Sprintf("%02d.%02d.%s", d, d%14, y))
		}
	}
	for _, s := range inputs {
		got, ok := dottedDate(s)
		m := reGermanDate.FindStringSubmatch(s)
		want := m != nil && len(m[3]) == 4 && !strings.ContainsAny(s, " \t")
		if ok != want {
			t.Errorf("dottedDate(%q) ok = %v, reGermanDate says %v", s, ok, want)
			continue
		}
		if ok && got != [3]int{atoi(m[1]), atoi(m[2]), atoi(m[3])} {
			t.Errorf("dottedDate(%q) = %v, reGermanDate %v", s, got, m[1:])
		}
	}
}

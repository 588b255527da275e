package sheets

import (
	"github.com/schulgateway/schulgateway/internal/importing"
	"math"
	"testing"
)

func TestFormatNumber(t *testing.T) {
	for in, want := range map[float64]string{
		6108:                 "6108",
		12.5:                 "12.5",
		0.1 + 0.2:            "0.3",
		-0.25:                "-0.25",
		math.Copysign(0, -1): "0",
		1234567.891:          "1234567.891",
		123456789012:         "123456789012",
		1e21:                 "1e+21",
		1e-12:                "1e-12",
		0.0015:               "0.0015",
		2.675000000000001:    "2.675",
		100.00000000000001:   "100",
	} {
		if got := formatNumber(in); got != want {
			t.Errorf("formatNumber(%v) = %q, want %q", in, got, want)
		}
	}
}

func TestParseNumFmt(t *testing.T) {
	for code, want := range map[string]numFmt{
		"General":                               {},
		"0":                                     {},
		"0.00":                                  {},
		"#,##0.00 \"€\"":                        {},
		"#,##0.00 [$€-407];[RED]-#,##0.00":      {},
		"0.00E+00":                              {},
		"@":                                     {},
		"00000":                                 {},
		`"Tag "0`:                               {},
		"dd.mm.yyyy":                            {date: true},
		`dd\.mm\.yyyy`:                          {date: true},
		"DD.MM.YYYY":                            {date: true},
		"[$-407]dddd, d. mmmm yyyy;@":           {date: true},
		"[$-F800]dddd\\,\\ mmmm\\ dd\\,\\ yyyy": {date: true},
		"mmm-yy":                                {date: true},
		"mmmm":                                  {date: true},
		"d/m/yy h:mm":                           {date: true, time: true},
		"yyyy-mm-dd hh:mm:ss":                   {date: true, time: true},
		"hh:mm":                                 {time: true},
		"h:mm AM/PM":                            {time: true},
		"mm:ss":                                 {time: true},
		"[h]:mm:ss":                             {time: true},
		"[mm]:ss":                               {time: true},
		"[Red]0.00":                             {},
		"0.00;[Red]-0.00;\"-\";@":               {},
	} {
		if got := parseNumFmt(code); got != want {
			t.Errorf("parseNumFmt(%q) = %+v, want %+v", code, got, want)
		}
	}
	for id, want := range map[int]bool{0: false, 1: false, 13: false, 14: true, 17: true, 18: true, 22: true, 23: false, 44: false, 45: true, 47: true, 48: false, 49: false} {
		if got := builtinNumFmt(id).isDate(); got != want {
			t.Errorf("builtin %d date=%v", id, got)
		}
	}
}

func TestSerialToISO(t *testing.T) {
	date, dateTime, clock := numFmt{date: true}, numFmt{date: true, time: true}, numFmt{time: true}
	tests := []struct {
		v     float64
		nf    numFmt
		d1904 bool
		want  string
		ok    bool
	}{
		{44104, date, false, "2020-09-30", true},
		{43921, date, false, "2020-03-31", true},
		{43921.999, date, false, "2020-03-31", true}, // a date format hides the time
		{43921.34375, dateTime, false, "2020-03-31T08:15:00", true},
		{43921, dateTime, false, "2020-03-31", true},
		{43921.9999999, dateTime, false, "2020-04-01", true}, // rounds to the next midnight
		{0.34375, clock, false, "08:15:00", true},
		{0.34375, dateTime, false, "08:15:00", true},
		{1.5, clock, false, "", false}, // 36 hours is a duration
		{1, date, false, "1900-01-01", true},
		{59, date, false, "1900-02-28", true},
		{60, date, false, "", false}, // Excel's 1900-02-29
		{61, date, false, "1900-03-01", true},
		{0, date, false, "", false},
		{-1, date, false, "", false},
		{2958465, date, false, "9999-12-31", true},
		{2958466, date, false, "", false},
		{math.NaN(), date, false, "", false},
		{0, date, true, "1904-01-01", true},
		{42459, date, true, "2020-03-31", true},
	}
	for _, tc := range tests {
		got, ok := serialToISO(tc.v, tc.nf, tc.d1904)
		if got != tc.want || ok != tc.ok {
			t.Errorf("serialToISO(%v, %+v, 1904=%v) = %q %v, want %q %v", tc.v, tc.nf, tc.d1904, got, ok, tc.want, tc.ok)
		}
	}
}

func TestISODateTime(t *testing.T) {
	for in, want := range map[string]string{
		"2020-09-30":                "2020-09-30",
		"2020-09-30T00:00:00":       "2020-09-30",
		"2020-09-30T12:30:00":       "2020-09-30T12:30:00",
		"2020-09-30T12:30:00.123":   "2020-09-30T12:30:00",
		"2020-09-30T12:30:00+01:00": "2020-09-30T12:30:00",
		"2020-09-30T12:30":          "2020-09-30T12:30:00",
		"2020-02-30":                "",
		"30.09.2020":                "",
		"2020-09-30X":               "",
	} {
		got, ok := isoDateTime(in)
		if got != want || ok != (want != "") {
			t.Errorf("isoDateTime(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
	for in, want := range map[string]string{
		"PT08H15M00S":   "08:15:00",
		"PT8H15M0.6S":   "08:15:01",
		"P0DT23H59M59S": "23:59:59",
		"PT24H":         "",
		"P1DT1H":        "",
		"-PT1H":         "",
		"PT1X":          "",
		"08:15":         "",
		"PT00H00M00,4S": "00:00:00",
	} {
		got, ok := isoDuration(in)
		if got != want || ok != (want != "") {
			t.Errorf("isoDuration(%q) = %q %v, want %q", in, got, ok, want)
		}
	}
}

func TestColumnLetterAndCellRef(t *testing.T) {
	for i, want := range map[int]string{0: "A", 1: "B", 25: "Z", 26: "AA", 27: "AB", 51: "AZ", 52: "BA", 701: "ZZ", 702: "AAA", 16383: "XFD", -1: ""} {
		if got := importing.ColumnLetter(i); got != want {
			t.Errorf("importing.ColumnLetter(%d) = %q, want %q", i, got, want)
		}
		if i >= 0 {
			if got := columnIndex(want + "7"); got != i {
				t.Errorf("columnIndex(%q) = %d", want+"7", got)
			}
		}
	}
	if got := importing.CellRef(2, 10); got != "C10" {
		t.Errorf("importing.CellRef(2, 10) = %q", got)
	}
	if got := importing.CellRef(16383, 1048576); got != "XFD1048576" {
		t.Errorf("CellRef = %q", got)
	}
	for ref, want := range map[string]int{"C10": 10, "xfd1048576": 1048576, "A": 0, "10": 10, "A1B": 0} {
		if got := rowIndex(ref); got != want {
			t.Errorf("rowIndex(%q) = %d, want %d", ref, got, want)
		}
	}
	if columnIndex("") != -1 || columnIndex("7") != -1 {
		t.Error("columnIndex of no letters")
	}
}

package schulwechsel

import (
	"fmt"
	"strconv"
	"time"
)

// Datum is a calendar date that may be known only in part, as XBildung's
// "TeilbekanntesDatum" allows (year only, year and month, or the full day).
// Monat and Tag are 0 when unknown; the zero Datum means "no date".
type Datum struct {
	Jahr  int
	Monat int // 1–12, 0 = unbekannt
	Tag   int // 1–31, 0 = unbekannt
}

// Tagesdatum returns the full date y-m-d.
func Tagesdatum(y int, m time.Month, d int) Datum { return Datum{Jahr: y, Monat: int(m), Tag: d} }

// DatumAus returns the calendar day of t (in t's location).
func DatumAus(t time.Time) Datum {
	y, m, d := t.Date()
	return Datum{Jahr: y, Monat: int(m), Tag: d}
}

// IsZero reports whether no date is set.
func (d Datum) IsZero() bool { return d == Datum{} }

// Vollstaendig reports whether year, month and day are known.
func (d Datum) Vollstaendig() bool { return d.Jahr != 0 && d.Monat != 0 && d.Tag != 0 }

// Time returns the date as midnight UTC; ok is false unless the date is
// complete.
func (d Datum) Time() (t time.Time, ok bool) {
	if !d.Vollstaendig() {
		return time.Time{}, false
	}
	return time.Date(d.Jahr, time.Month(d.Monat), d.Tag, 0, 0, 0, 0, time.UTC), true
}

// Before reports whether d is certainly earlier than e. Both must be
// complete; otherwise it returns false (unknown).
func (d Datum) Before(e Datum) bool {
	a, ok1 := d.Time()
	b, ok2 := e.Time()
	return ok1 && ok2 && a.Before(b)
}

// String gives the ISO 8601 form at the known precision: "2019-02-26",
// "2019-02" or "2019"; "" for the zero Datum.
func (d Datum) String() string {
	switch {
	case d.IsZero():
		return ""
	case d.Monat == 0:
		return fmt.Sprintf("%04d", d.Jahr)
	case d.Tag == 0:
		return fmt.Sprintf("%04d-%02d", d.Jahr, d.Monat)
	default:
		return fmt.Sprintf("%04d-%02d-%02d", d.Jahr, d.Monat, d.Tag)
	}
}

// ParseDatum reads "YYYY-MM-DD", "YYYY-MM" or "YYYY" (four-digit years,
// no time zone) and checks that the date exists in the calendar.
func ParseDatum(s string) (Datum, error) {
	bad := fmt.Errorf("ungültiges Datum %q", s)
	num := func(p string) (int, bool) {
		for _, r := range p {
			if r < '0' || r > '9' {
				return 0, false
			}
		}
		n, err := strconv.Atoi(p)
		return n, err == nil
	}
	var d Datum
	var ok bool
	switch len(s) {
	case 4:
		d.Jahr, ok = num(s)
	case 7:
		if s[4] != '-' {
			return Datum{}, bad
		}
		var okM bool
		d.Jahr, ok = num(s[:4])
		d.Monat, okM = num(s[5:])
		ok = ok && okM
	case 10:
		if s[4] != '-' || s[7] != '-' {
			return Datum{}, bad
		}
		var okM, okD bool
		d.Jahr, ok = num(s[:4])
		d.Monat, okM = num(s[5:7])
		d.Tag, okD = num(s[8:])
		ok = ok && okM && okD
	}
	if !ok || d.Jahr < 1 {
		return Datum{}, bad
	}
	if len(s) >= 7 && (d.Monat < 1 || d.Monat > 12) {
		return Datum{}, bad
	}
	if len(s) == 10 {
		t := time.Date(d.Jahr, time.Month(d.Monat), d.Tag, 0, 0, 0, 0, time.UTC)
		if d.Tag < 1 || t.Day() != d.Tag {
			return Datum{}, bad
		}
	}
	return d, nil
}

package importing

import (
	"fmt"
	"math"
	"regexp"
	"strconv"
	"strings"
	"time"
)

const (
	minYear = 1900
	maxYear = 2099
	// minDateSerial is the smallest Excel serial ParseDate accepts
	// (1927-05-18): shorter numbers are more likely a year or a typo.
	minDateSerial = 10000
	// twoDigitHeadroom: two-digit years reach this many years past the
	// reference year.
	twoDigitHeadroom = 10
)

const dateExpected = "Erwartet: TT.MM.JJJJ, z. B. 03.04.2020."

var (
	reGermanDate = regexp.MustCompile(`^(\d{1,2})\s*\.\s*(\d{1,2})\s*\.\s*(\d{4}|\d{2})$`)
	reISODate    = regexp.MustCompile(`^(\d{4})-(\d{1,2})-(\d{1,2})$`)
	reTimeSuffix = regexp.MustCompile(`^(.*?)(?:[ T]\d{1,2}:\d{2}(?::\d{2}(?:[.,]\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?)$`)
	reSerial     = regexp.MustCompile(`^(\d+)(?:[.,](\d+))?$`)
	reCompact    = regexp.MustCompile(`^\d{8}$`)
	reNoYear     = regexp.MustCompile(`^\d{1,2}\s*\.\s*\d{1,2}\s*\.?$`)
)

// ParseDate reads a date in the forms school offices deliver (see the
// package documentation) and returns midnight UTC of that day.
// referenceYear places two-digit years; 0 means the current year.
func ParseDate(s string, referenceYear int) (time.Time, *Problem) {
	s = cleanCell(s)
	if s == "" {
		return time.Time{}, dateProblem(s, "Die Zelle ist leer.")
	}
	if referenceYear == 0 {
		referenceYear = time.Now().Year()
	}
	if t, ok := isoDate(s); ok {
		// Date cells arrive as ISO text: the common case, without regexps.
		return checkedDate(s, t[0], t[1], t[2])
	}
	if t, ok := dottedDate(s); ok {
		// dd.mm.yyyy, as a CSV export writes every date: without regexps.
		return checkedDate(s, t[2], t[1], t[0])
	}
	body := s
	if m := reTimeSuffix.FindStringSubmatch(s); m != nil {
		body = strings.TrimSpace(m[1])
	}
	if m := reGermanDate.FindStringSubmatch(body); m != nil {
		year := atoi(m[3])
		if len(m[3]) == 2 {
			year = expandTwoDigitYear(year, referenceYear)
		}
		return checkedDate(s, year, atoi(m[2]), atoi(m[1]))
	}
	if m := reISODate.FindStringSubmatch(body); m != nil {
		return checkedDate(s, atoi(m[1]), atoi(m[2]), atoi(m[3]))
	}
	if reCompact.MatchString(body) {
		// YYYYMMDD (register exports) or DDMMYYYY; with years limited to
		// 1900–2099 at most one reading is a valid date.
		if t, p := checkedDate(s, atoi(body[:4]), atoi(body[4:6]), atoi(body[6:])); p == nil {
			return t, nil
		}
		return checkedDate(s, atoi(body[4:]), atoi(body[2:4]), atoi(body[:2]))
	}
	if reNoYear.MatchString(body) {
		return time.Time{}, dateProblem(s, "Das Jahr fehlt.")
	}
	if m := reSerial.FindStringSubmatch(s); m != nil {
		n, err := strconv.Atoi(m[1])
		if err != nil || n < minDateSerial || len(m[1]) > 6 {
			return time.Time{}, dateProblem(s, "Eine Zahl ist hier kein vollständiges Datum.")
		}
		t, ok := ExcelSerialDate(float64(n))
		if !ok || t.Year() > maxYear {
			return time.Time{}, dateProblem(s, "Die Zahl ergibt kein Datum zwischen 1900 und 2099.")
		}
		return t, nil
	}
	return time.Time{}, dateProblem(s, "")
}

// ExcelSerialDate converts an Excel serial day number (1900 date system)
// to midnight UTC of that day; a fraction (the time of day) is dropped.
// Excel counts a 29 February 1900 that never was (serial 60): serials from
// 61 on are days since 30 December 1899, serials 1–59 days since
// 31 December 1899, and 60 is refused.
func ExcelSerialDate(serial float64) (time.Time, bool) {
	if math.IsNaN(serial) || serial < 1 || serial >= 2958466 { // 2958465 is 9999-12-31
		return time.Time{}, false
	}
	n := int(math.Floor(serial))
	switch {
	case n == 60:
		return time.Time{}, false
	case n < 60:
		return time.Date(1899, 12, 31+n, 0, 0, 0, 0, time.UTC), true
	default:
		return time.Date(1899, 12, 30+n, 0, 0, 0, 0, time.UTC), true
	}
}

// expandTwoDigitYear places yy in the hundred years that end
// twoDigitHeadroom years after the reference year.
func expandTwoDigitYear(yy, referenceYear int) int {
	last := referenceYear + twoDigitHeadroom
	y := last - (last%100-yy+100)%100
	return y
}

var monthNames = [...]string{"", "Januar", "Februar", "März", "April", "Mai", "Juni",
	"Juli", "August", "September", "Oktober", "November", "Dezember"}

func checkedDate(s string, year, month, day int) (time.Time, *Problem) {
	switch {
	case month < 1 || month > 12:
		return time.Time{}, dateProblem(s, fmt.Sprintf("Einen Monat %d gibt es nicht.", month))
	case year < minYear || year > maxYear:
		return time.Time{}, dateProblem(s, fmt.Sprintf("Das Jahr %d liegt nicht zwischen %d und %d.", year, minYear, maxYear))
	}
	last := daysIn(year, time.Month(month))
	if day < 1 {
		return time.Time{}, dateProblem(s, fmt.Sprintf("Einen Tag %d gibt es nicht.", day))
	}
	if day > last {
		return time.Time{}, dateProblem(s, fmt.Sprintf("Der %s %d hat nur %d Tage.", monthNames[month], year, last))
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), nil
}

func daysIn(year int, m time.Month) int {
	return time.Date(year, m+1, 0, 0, 0, 0, 0, time.UTC).Day()
}

func dateProblem(s, why string) *Problem {
	msg := fmt.Sprintf("„%s“ ist kein gültiges Datum.", s)
	if s == "" {
		msg = "Kein Datum angegeben."
	}
	if why != "" && s != "" {
		msg = fmt.Sprintf("„%s“ ist kein gültiges Datum: %s", s, why)
	}
	return &Problem{Code: CodeDatumUngueltig, Value: s, Message: msg + " " + dateExpected}
}

// atoi converts digits already checked by a regular expression.
func atoi(s string) int {
	n, _ := strconv.Atoi(s)
	return n
}

// dottedDate reads d.m.yyyy with one or two digits for day and month and
// nothing else (what reGermanDate matches with four-digit years and no
// spaces) as day, month, year.
func dottedDate(s string) ([3]int, bool) {
	var n [3]int
	part, digits := 0, 0
	for i := 0; i < len(s); i++ {
		switch c := s[i]; {
		case c >= '0' && c <= '9':
			n[part] = n[part]*10 + int(c-'0')
			digits++
		case c == '.' && part < 2 && digits >= 1 && digits <= 2:
			part, digits = part+1, 0
		default:
			return [3]int{}, false
		}
	}
	return n, part == 2 && digits == 4
}

// isoDate splits an exact "YYYY-MM-DD" into year, month and day.
func isoDate(s string) ([3]int, bool) {
	if len(s) != 10 || s[4] != '-' || s[7] != '-' {
		return [3]int{}, false
	}
	var n [3]int
	for i, part := range [3]string{s[:4], s[5:7], s[8:]} {
		for j := 0; j < len(part); j++ {
			if part[j] < '0' || part[j] > '9' {
				return [3]int{}, false
			}
			n[i] = n[i]*10 + int(part[j]-'0')
		}
	}
	return n, true
}

package sheets

import (
	"math"
	"strconv"
	"strings"
	"time"
)

// formatNumber writes a number the way a spreadsheet program shows it in
// the General format, without grouping: rounded to 15 significant digits
// (0.1+0.2 → "0.3"), no exponent for ordinary magnitudes, no "-0".
func formatNumber(f float64) string {
	var buf [32]byte
	return string(appendNumber(buf[:0], f))
}

// appendNumber appends formatNumber(f) to dst.
func appendNumber(dst []byte, f float64) []byte {
	if math.IsNaN(f) || math.IsInf(f, 0) {
		return strconv.AppendFloat(dst, f, 'g', -1, 64)
	}
	var buf [32]byte
	r, err := strconv.ParseFloat(string(strconv.AppendFloat(buf[:0], f, 'g', 15, 64)), 64)
	if err != nil {
		r = f
	}
	if r == 0 {
		return append(dst, '0')
	}
	if a := math.Abs(r); a >= 1e21 || a < 1e-10 {
		return strconv.AppendFloat(dst, r, 'g', -1, 64)
	}
	return strconv.AppendFloat(dst, r, 'f', -1, 64)
}

// numFmt says what a number format shows: a date, a time or both.
type numFmt struct {
	date, time bool
}

func (n numFmt) isDate() bool { return n.date || n.time }

// builtinNumFmt returns the meaning of Excel's built-in number formats that
// show dates and times (14–22, 45–47). Other ids show numbers.
func builtinNumFmt(id int) numFmt {
	switch {
	case id >= 14 && id <= 17:
		return numFmt{date: true}
	case id >= 18 && id <= 21, id >= 45 && id <= 47:
		return numFmt{time: true}
	case id == 22:
		return numFmt{date: true, time: true}
	}
	return numFmt{}
}

// parseNumFmt classifies a custom number format code: d, m, y tokens outside
// quotes, brackets and escapes make a date; h, s (and m next to them) a time.
// Only the first section (positive numbers) counts.
func parseNumFmt(code string) numFmt {
	var sawD, sawY, sawM, sawH, sawS bool
	lower := strings.ToLower(code)
	if t := strings.TrimSpace(lower); t == "general" || t == "standard" || t == "@" || t == "" {
		return numFmt{}
	}
	for i := 0; i < len(lower); i++ {
		c := lower[i]
		switch c {
		case ';':
			i = len(lower) // first section only
		case '"':
			j := strings.IndexByte(lower[i+1:], '"')
			if j < 0 {
				i = len(lower)
			} else {
				i += j + 1
			}
		case '\\', '_', '*':
			i++ // the next character is literal or padding
		case '[':
			j := strings.IndexByte(lower[i+1:], ']')
			if j < 0 {
				i = len(lower)
				break
			}
			inner := lower[i+1 : i+1+j]
			// elapsed time: [h], [hh], [m], [mm], [s], [ss]
			if inner != "" && strings.Trim(inner, "hms") == "" {
				sawH = sawH || strings.ContainsRune(inner, 'h')
				sawS = sawS || strings.ContainsRune(inner, 's')
				if strings.ContainsRune(inner, 'm') {
					sawH = true // minutes in brackets are a duration, not a month
				}
			}
			i += j + 1
		case 'a':
			switch {
			case strings.HasPrefix(lower[i:], "am/pm"):
				sawH = true
				i += 4
			case strings.HasPrefix(lower[i:], "a/p"):
				sawH = true
				i += 2
			}
		case 'd':
			sawD = true
		case 'y':
			sawY = true
		case 'm':
			sawM = true
		case 'h':
			sawH = true
		case 's':
			sawS = true
		case 'e':
			// exponent (0.00E+00); an era year without d/m/y is not a date here
		}
	}
	switch {
	case sawD || sawY:
		return numFmt{date: true, time: sawH || sawS}
	case sawH || sawS:
		return numFmt{time: true}
	case sawM:
		return numFmt{date: true}
	}
	return numFmt{}
}

var (
	epoch1900 = time.Date(1899, 12, 30, 0, 0, 0, 0, time.UTC)
	epoch1904 = time.Date(1904, 1, 1, 0, 0, 0, 0, time.UTC)
)

// serialToISO converts a spreadsheet serial date to ISO 8601 as the format
// shows it: a date ("2020-03-31"), a date and time ("2020-03-31T08:15:00",
// only if the time is not midnight) or a time ("08:15:00"). ok is false for
// values no spreadsheet program shows as a date (negative, beyond 9999, the
// fictitious 1900-02-29, a date format on 0, a time of day format on a
// duration of a day or more).
func serialToISO(v float64, nf numFmt, date1904 bool) (string, bool) {
	if math.IsNaN(v) || v < 0 || v >= 2958466 {
		return "", false
	}
	days := math.Floor(v)
	secs := math.Round((v - days) * 86400)
	if secs >= 86400 {
		days++
		secs -= 86400
	}
	d := int(days)
	clock := time.Duration(secs) * time.Second
	if !nf.date {
		if d > 0 {
			return "", false
		}
		return time.Time{}.Add(clock).Format("15:04:05"), true
	}
	var t time.Time
	switch {
	case date1904:
		t = epoch1904.AddDate(0, 0, d)
	case d == 0:
		if nf.time {
			return time.Time{}.Add(clock).Format("15:04:05"), true
		}
		return "", false
	case d < 60:
		t = epoch1900.AddDate(0, 0, d+1) // Excel counts the nonexistent 1900-02-29
	case d == 60:
		return "", false
	default:
		t = epoch1900.AddDate(0, 0, d)
	}
	if nf.time && secs > 0 {
		return t.Add(clock).Format("2006-01-02T15:04:05"), true
	}
	return t.Format("2006-01-02"), true
}

// isoDateTime normalises an ISO 8601 date or date-time (ODS date-value, xlsx
// t="d") to "2006-01-02" or "2006-01-02T15:04:05". ok is false if s is none.
func isoDateTime(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if len(s) < 10 {
		return "", false
	}
	d, err := time.Parse("2006-01-02", s[:10])
	if err != nil {
		return "", false
	}
	rest := s[10:]
	if rest == "" {
		return d.Format("2006-01-02"), true
	}
	if rest[0] != 'T' && rest[0] != ' ' {
		return "", false
	}
	clock := rest[1:]
	// drop fractions and zone: "12:30:00.123+01:00" → "12:30:00"
	if i := strings.IndexAny(clock, ".,Z+-"); i >= 0 {
		clock = clock[:i]
	}
	c, err := time.Parse("15:04:05", clock)
	if err != nil {
		if c, err = time.Parse("15:04", clock); err != nil {
			return "", false
		}
	}
	if c.Hour() == 0 && c.Minute() == 0 && c.Second() == 0 {
		return d.Format("2006-01-02"), true
	}
	return d.Format("2006-01-02") + "T" + c.Format("15:04:05"), true
}

// isoDuration converts an ODS time-value ("PT08H15M00S", "P0DT8H15M0.5S")
// of less than a day to "08:15:00".
func isoDuration(s string) (string, bool) {
	s = strings.TrimSpace(s)
	neg := strings.HasPrefix(s, "-")
	s = strings.TrimPrefix(s, "-")
	if neg || !strings.HasPrefix(s, "P") {
		return "", false
	}
	var total float64
	inTime := false
	num := ""
	for _, c := range s[1:] {
		switch {
		case c == 'T':
			inTime = true
		case (c >= '0' && c <= '9') || c == '.' || c == ',':
			if c == ',' {
				c = '.'
			}
			num += string(c)
		default:
			f, err := strconv.ParseFloat(num, 64)
			if err != nil {
				return "", false
			}
			num = ""
			switch {
			case c == 'D' && !inTime:
				total += f * 86400
			case c == 'H' && inTime:
				total += f * 3600
			case c == 'M' && inTime:
				total += f * 60
			case c == 'S' && inTime:
				total += f
			default:
				return "", false
			}
		}
	}
	if num != "" {
		return "", false
	}
	secs := math.Round(total)
	if secs >= 86400 {
		return "", false
	}
	return time.Time{}.Add(time.Duration(secs) * time.Second).Format("15:04:05"), true
}

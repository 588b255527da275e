// Package importing recognises the legacy lists that school offices upload:
// it finds the header row, maps the columns to the canonical fields of a
// list kind (see Kinds: the one list every message names) and turns cell
// texts into typed values. Every problem is reported with its cell and a
// German message for the person who has to fix the file.
//
// The package works on a neutral table (Sheet of Row of string cells) that
// an adapter fills from xlsx, xls, ods or CSV. It knows nothing of file
// formats.
//
// # Rules worth knowing
//
// Dates (ParseDate) accept ISO "2020-03-31", German "31.03.2020" and
// "31.3.20", an optional time of day that is dropped ("31.03.2020 00:00:00"),
// compact "20200331" or "31032020", and Excel serial numbers of at least
// five digits ("43921" → 2020-03-31; 10000 is 1927-05-18). Shorter numbers
// are refused because a bare "2020" is far more likely a year than a day in
// 1905. Years must lie in 1900–2099. A date is a time.Time at midnight UTC.
//
// Two-digit years are placed in the hundred years that end ten years after
// the reference year (Reader.ReferenceYear, default the current year): with
// 2026 as reference, 00–36 mean 2000–2036 and 37–99 mean 1937–1999. The
// children in these lists are born in this century, and the ten years of
// head room cover admission dates of the coming school years.
//
// Geschlecht (ParseGeschlecht) follows DSMeld: m, w, d, x (x = ohne Angabe).
// Spelled-out German forms are accepted, and so are the English "f",
// "female" and "male", because exports of international school software
// use them and "f" has no other meaning in this column. Numeric codes
// ("1", "2") are refused: systems disagree about what they mean.
//
// A Schulnummer is kept exactly as its digits are written: "01234" stays
// "01234", and a number cell "1234" stays "1234". When Reader.SchulnummerDigits
// is set and a number is shorter, the row gets the problem
// "schulnummer_zu_kurz" with the zero-padded form as Suggestion; the value is
// not padded silently, because a shortened number may just as well be a typo.
// A postcode, in contrast, is padded ("6108" → "06108"): German postcodes
// always have five digits, so a four-digit one can only have lost its
// leading zero.
//
// Text fields (names, streets) are trimmed, runs of white space are
// collapsed, and the Unicode form is normalised (NFC); the spelling is kept.
// Text that was UTF-8 decoded as Windows-1252 ("KÃ¶nig") is repaired to
// "König" in headers and values alike: that byte pattern does not occur in
// German text written on purpose.
package importing

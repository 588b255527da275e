package importing

import (
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"

	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// digitsText strips what a spreadsheet adds to a number stored as text or
// number (werte.DigitsText).
func digitsText(s string) string { return werte.DigitsText(s) }

func allDigits(s string) bool { return werte.AllDigits(s) }

// ---- PLZ ----

// ParsePLZ reads a German postcode (werte.ParsePLZ). "06108", "6108" (a
// number cell that lost its leading zero), "06108.0" and "D-06108" give
// "06108".
func ParsePLZ(s string) (string, *Problem) {
	plz, err := werte.ParsePLZ(s)
	if err != nil {
		return "", ungueltig(CodePLZUngueltig, err)
	}
	return plz, nil
}

// ungueltig is the cell's problem for a value werte could not read.
func ungueltig(code string, err error) *Problem {
	u, ok := err.(*werte.Ungueltig)
	if !ok {
		return &Problem{Code: code, Message: err.Error()}
	}
	return &Problem{Code: code, Value: u.Wert, Message: u.Meldung}
}

// quoteOr puts s in German quotes, or says what stands for an empty value.
func quoteOr(s, empty string) string { return werte.QuoteOr(s, empty) }

// ---- Geschlecht ----

// Geschlecht follows DSMeld 0701.
type Geschlecht string

const (
	GeschlechtMaennlich  Geschlecht = "m"
	GeschlechtWeiblich   Geschlecht = "w"
	GeschlechtDivers     Geschlecht = "d"
	GeschlechtOhneAngabe Geschlecht = "x" // "ohne Angabe" in the civil register (§ 22 (3) PStG)
)

// Label is the German word for the code.
func (g Geschlecht) Label() string {
	switch g {
	case GeschlechtMaennlich:
		return "männlich"
	case GeschlechtWeiblich:
		return "weiblich"
	case GeschlechtDivers:
		return "divers"
	case GeschlechtOhneAngabe:
		return "ohne Angabe"
	}
	return string(g)
}

// geschlechtForms maps folded spellings to codes. "keine Angabe",
// "unbekannt" and numeric codes are left out on purpose: they say that
// nothing is known, which is not the register's entry "ohne Angabe".
var geschlechtForms = map[string]Geschlecht{
	"m": GeschlechtMaennlich, "maennlich": GeschlechtMaennlich, "mannlich": GeschlechtMaennlich,
	"maennl": GeschlechtMaennlich, "mnl": GeschlechtMaennlich, "male": GeschlechtMaennlich,
	"junge": GeschlechtMaennlich, "knabe": GeschlechtMaennlich,
	"w": GeschlechtWeiblich, "weiblich": GeschlechtWeiblich, "weibl": GeschlechtWeiblich,
	"wbl": GeschlechtWeiblich, "f": GeschlechtWeiblich, "female": GeschlechtWeiblich,
	"maedchen": GeschlechtWeiblich, "madchen": GeschlechtWeiblich,
	"d": GeschlechtDivers, "divers": GeschlechtDivers, "diverse": GeschlechtDivers,
	"x": GeschlechtOhneAngabe, "ohneangabe": GeschlechtOhneAngabe, "oa": GeschlechtOhneAngabe,
}

// ParseGeschlecht reads m, w, d, x and their spelled-out forms
// ("männlich", "Weiblich", "maennlich", "divers", "ohne Angabe"), and the
// English "f", "female", "male".
func ParseGeschlecht(s string) (Geschlecht, *Problem) {
	s = cleanCell(s)
	if g, ok := geschlechtForms[foldLetters(s)]; ok {
		return g, nil
	}
	return "", &Problem{Code: CodeGeschlechtUngueltig, Value: s,
		Message: fmt.Sprintf("%s ist keine gültige Angabe zum Geschlecht. Erwartet: m, w, d oder x (auch männlich, weiblich, divers, ohne Angabe).",
			quoteOr(s, "Eine leere Angabe"))}
}

// ---- Hausnummer ----

var dashReplacer = werte.DashReplacer

// ParseHausnummer reads "12", "12a", "12 A", "12-14", "12 bis 14",
// "7a-7f", "7a-f" and "12/1" (werte.ParseHausnummer). A number cell's
// "12.0" is read as 12.
func ParseHausnummer(s string) (werte.Hausnummer, *Problem) {
	h, err := werte.ParseHausnummer(s)
	if err != nil {
		return werte.Hausnummer{}, ungueltig(CodeHausnummerUngueltig, err)
	}
	return h, nil
}

func hausnummerProblem(s, why string) *Problem {
	return ungueltig(CodeHausnummerUngueltig, werte.HausnummerUngueltig(s, why))
}

var reZusatz = regexp.MustCompile(`^(?:[a-z]{1,2}|/\d{1,3}[a-z]?)$`)

// ParseZusatz reads a house-number suffix: "a", "B" (→ "b"), "/1".
func ParseZusatz(s string) (string, *Problem) {
	s = cleanCell(s)
	z := strings.ToLower(strings.ReplaceAll(s, " ", ""))
	if !reZusatz.MatchString(z) {
		return "", &Problem{Code: CodeZusatzUngueltig, Value: s,
			Message: fmt.Sprintf("%s ist kein gültiger Hausnummernzusatz. Erwartet: ein Buchstabe wie a oder b, oder /1.", quoteOr(s, "Eine leere Angabe"))}
	}
	return z, nil
}

// ---- Jahrgangsstufe ----

var (
	reGradeWord   = `(?:klassenstufe|jahrgangsstufe|jahrgang|klasse|stufe|kl|jg)\.?`
	reGradePrefix = regexp.MustCompile(`^` + reGradeWord + ` ?`)
	reGradeSuffix = regexp.MustCompile(` ?` + reGradeWord + `$`)
	reGrade       = regexp.MustCompile(`^0*(\d{1,2})(?: ?\.)? ?(?:[a-z]{1,3}|[-/.] ?\d{1,2})?$`)
)

// ParseJahrgangsstufe reads the grade 1–13 from "1", "05", "1a", "3 b",
// "Klasse 3b", "3. Klasse", "Kl. 5", "Jg. 7" or "5/1".
func ParseJahrgangsstufe(s string) (int, *Problem) {
	s = cleanCell(s)
	in := strings.ToLower(transliterate(digitsText(s)))
	in = reGradePrefix.ReplaceAllString(in, "")
	in = reGradeSuffix.ReplaceAllString(in, "")
	if m := reGrade.FindStringSubmatch(in); m != nil {
		if n := atoi(m[1]); n >= 1 && n <= 13 {
			return n, nil
		}
	}
	return 0, &Problem{Code: CodeJahrgangsstufeUngueltig, Value: s,
		Message: fmt.Sprintf("%s ist keine gültige Jahrgangsstufe. Erwartet: eine Zahl von 1 bis 13, auch mit Klassenbuchstaben, z. B. 3 oder 3b.",
			quoteOr(s, "Eine leere Angabe"))}
}

// ---- ja/nein ----

var yesNoForms = map[string]bool{
	"ja": true, "j": true, "x": true, "1": true, "wahr": true, "true": true, "yes": true, "y": true,
	"gesperrt": true, "✓": true, "✔": true,
	"nein": false, "n": false, "0": false, "falsch": false, "false": false, "no": false,
	"-": false, "nichtgesperrt": false, "keine": false,
}

// ParseYesNo reads ja/nein, j/n, x/leer, 1/0, wahr/falsch, true/false (in
// any case). An empty cell means no: lists mark the few blocked records
// with an "x" and leave the rest empty.
func ParseYesNo(s string) (bool, *Problem) {
	s = cleanCell(s)
	if s == "" {
		return false, nil
	}
	key := foldLetters(s)
	if key == "" {
		key = s // symbols such as ✓ or -
	}
	if v, ok := yesNoForms[key]; ok {
		return v, nil
	}
	return false, &Problem{Code: CodeJaNeinUngueltig, Value: s,
		Message: fmt.Sprintf("„%s“ ist keine Ja/Nein-Angabe. Erwartet: ja oder nein (auch j/n, x/leer, 1/0, wahr/falsch).", s)}
}

// ---- Schulnummer ----

// ParseSchulnummer reads a Schulnummer: digits only, leading zeros kept as
// written ("01234" stays "01234", a number cell "1234" stays "1234").
// With digits > 0 a number of another length is refused; a shorter one
// gets the problem "schulnummer_zu_kurz" with the zero-padded form as
// Suggestion, because a number cell may have lost a leading zero – or the
// number may be mistyped, which only a person can tell.
func ParseSchulnummer(s string, digits int) (string, *Problem) {
	s = cleanCell(s)
	d := digitsText(s)
	if !allDigits(d) {
		return "", &Problem{Code: CodeSchulnummerUngueltig, Value: s,
			Message: fmt.Sprintf("%s ist keine gültige Schulnummer. Erwartet: nur Ziffern, z. B. 20101.", quoteOr(s, "Eine leere Angabe"))}
	}
	switch {
	case digits > 0 && len(d) < digits:
		padded := strings.Repeat("0", digits-len(d)) + d
		return "", &Problem{Code: CodeSchulnummerZuKurz, Value: s, Suggestion: padded,
			Message: fmt.Sprintf("„%s“ hat %d Ziffern, eine Schulnummer hat %d. Wenn in Excel eine führende Null verloren ging, ist „%s“ gemeint: bitte die Spalte als Text formatieren und die Nummer so eintragen.",
				s, len(d), digits, padded)}
	case digits > 0 && len(d) > digits:
		return "", &Problem{Code: CodeSchulnummerUngueltig, Value: s,
			Message: fmt.Sprintf("„%s“ hat %d Ziffern, eine Schulnummer hat %d.", s, len(d), digits)}
	}
	return d, nil
}

// Schulangabe names a school in a street directory: by Schulnummer, or by
// name where the directory writes the name. Exactly one is set.
type Schulangabe struct {
	Schulnummer string
	Name        string
}

// ParseSchulangabe reads a Schulnummer when the cell holds only digits,
// otherwise keeps the text as the school's name for a later lookup.
func ParseSchulangabe(s string, digits int) (Schulangabe, *Problem) {
	s = cleanCell(s)
	if allDigits(digitsText(s)) {
		n, p := ParseSchulnummer(s, digits)
		if p != nil {
			return Schulangabe{}, p
		}
		return Schulangabe{Schulnummer: n}, nil
	}
	if foldLetters(s) == "" {
		return Schulangabe{}, &Problem{Code: CodeSchulnummerUngueltig, Value: s,
			Message: fmt.Sprintf("%s ist weder eine Schulnummer noch ein Schulname. Erwartet: z. B. 20101 oder Grundschule Am Anger.", quoteOr(s, "Eine leere Angabe"))}
	}
	return Schulangabe{Name: s}, nil
}

// ---- Schulform ----

// Schulform is the school register's type (package schule), read here
// from the many ways lists write it.
type Schulform = schule.Schulform

var schulformForms = map[string]Schulform{
	"grundschule": schule.Grundschule, "gs": schule.Grundschule,
	"sekundarschule": schule.Sekundarschule, "sks": schule.Sekundarschule, "sek": schule.Sekundarschule, "sekschule": schule.Sekundarschule,
	"gemeinschaftsschule": schule.Gemeinschaftsschule, "gms": schule.Gemeinschaftsschule, "gemsch": schule.Gemeinschaftsschule,
	"gesamtschule": schule.Gesamtschule, "igs": schule.Gesamtschule, "kgs": schule.Gesamtschule,
	"integriertegesamtschule": schule.Gesamtschule, "kooperativegesamtschule": schule.Gesamtschule,
	"gymnasium": schule.Gymnasium, "gym": schule.Gymnasium, "gy": schule.Gymnasium,
	"foerderschule": schule.Foerderschule, "foes": schule.Foerderschule, "foerderzentrum": schule.Foerderschule,
	"sonderschule":         schule.Foerderschule,
	"berufsbildendeschule": schule.BerufsbildendeSchule, "berufsbildendeschulen": schule.BerufsbildendeSchule,
	"bbs": schule.BerufsbildendeSchule, "berufsschule": schule.BerufsbildendeSchule,
}

// ParseSchulform reads the names and usual abbreviations of the school
// types (Grundschule/GS, Sekundarschule/Sek, Gemeinschaftsschule/GMS,
// Gesamtschule/IGS/KGS, Gymnasium/Gym, Förderschule/FöS, Berufsbildende
// Schule/BbS), tolerating one typo in a long name.
func ParseSchulform(s string) (Schulform, *Problem) {
	s = cleanCell(s)
	if f, ok := lookupForm(schulformForms, s); ok {
		return f, nil
	}
	return "", &Problem{Code: CodeSchulformUngueltig, Value: s,
		Message: fmt.Sprintf("%s ist keine bekannte Schulform. Erwartet: Grundschule, Sekundarschule, Gemeinschaftsschule, Gesamtschule, Gymnasium, Förderschule oder Berufsbildende Schule.",
			quoteOr(s, "Eine leere Angabe"))}
}

// lookupForm finds s among folded forms: exactly, without a part in
// parentheses ("frei (Ersatzschule)"), or with one typo in a form of at
// least eight letters when exactly one value is that close.
func lookupForm[T comparable](forms map[string]T, s string) (T, bool) {
	var zero T
	for _, key := range []string{foldLetters(s), foldLetters(withoutParentheses(s))} {
		if v, ok := forms[key]; ok {
			return v, true
		}
	}
	key := foldLetters(s)
	near := map[T]bool{}
	var found T
	for form, v := range forms {
		if len(form) >= 8 && editDistance(key, form) <= 1 {
			near[v] = true
			found = v
		}
	}
	if len(near) == 1 {
		return found, true
	}
	return zero, false
}

var reParentheses = regexp.MustCompile(`\([^)]*\)|\[[^\]]*\]`)

func withoutParentheses(s string) string { return reParentheses.ReplaceAllString(s, " ") }

// ---- Trägerschaft ----

// Traegerschaft says who runs a school (the register's schule.Traeger).
type Traegerschaft = schule.Traeger

var traegerForms = map[string]Traegerschaft{
	"kommunal": schule.Kommunal, "oeffentlich": schule.Kommunal, "staedtisch": schule.Kommunal,
	"stadt": schule.Kommunal, "kommune": schule.Kommunal, "landkreis": schule.Kommunal,
	"frei": schule.Frei, "freiertraeger": schule.Frei, "freietraegerschaft": schule.Frei,
	"infreiertraegerschaft": schule.Frei, "ersatzschule": schule.Frei, "privat": schule.Frei,
	"privatschule": schule.Frei, "schuleinfreiertraegerschaft": schule.Frei,
}

// ParseTraegerschaft reads "kommunal" (also öffentlich, städtisch) and
// "frei" (also freier Träger, Ersatzschule, privat).
func ParseTraegerschaft(s string) (Traegerschaft, *Problem) {
	s = cleanCell(s)
	if t, ok := lookupForm(traegerForms, s); ok {
		return t, nil
	}
	return "", &Problem{Code: CodeTraegerschaftUngueltig, Value: s,
		Message: fmt.Sprintf("%s ist keine bekannte Trägerschaft. Erwartet: kommunal oder frei (Ersatzschule).", quoteOr(s, "Eine leere Angabe"))}
}

// ---- Parität ----

var paritaetForms = map[string]werte.Paritaet{
	"alle": werte.ParitaetAlle, "a": werte.ParitaetAlle, "beide": werte.ParitaetAlle, "gu": werte.ParitaetAlle, "geradeundungerade": werte.ParitaetAlle,
	"durchgehend": werte.ParitaetAlle, "fortlaufend": werte.ParitaetAlle, "beideseiten": werte.ParitaetAlle,
	"gerade": werte.ParitaetGerade, "g": werte.ParitaetGerade, "gr": werte.ParitaetGerade, "even": werte.ParitaetGerade,
	"ungerade": werte.ParitaetUngerade, "u": werte.ParitaetUngerade, "ug": werte.ParitaetUngerade, "odd": werte.ParitaetUngerade,
}

// ParseParitaet reads alle/gerade/ungerade and the short forms G and U.
func ParseParitaet(s string) (werte.Paritaet, *Problem) {
	s = cleanCell(s)
	key := werte.Schluesselform(s)
	for _, suffix := range []string{"hausnrn", "hausnr", "nrn", "nr", "seite"} {
		if k, found := strings.CutSuffix(key, suffix); found && k != "" {
			key = k
			break
		}
	}
	if p, ok := paritaetForms[key]; ok {
		return p, nil
	}
	return "", &Problem{Code: CodeParitaetUngueltig, Value: s,
		Message: fmt.Sprintf("%s ist keine gültige Straßenseite. Erwartet: alle, gerade oder ungerade (auch G oder U).", quoteOr(s, "Eine leere Angabe"))}
}

// ---- Anzahl ----

// ParseAnzahl reads a whole number ≥ 0 such as a number of classes or
// places; "24.0" from a number cell is 24.
func ParseAnzahl(s string) (int, *Problem) {
	s = cleanCell(s)
	d := digitsText(s)
	if allDigits(d) && len(d) <= 9 {
		return atoi(d), nil
	}
	return 0, &Problem{Code: CodeZahlUngueltig, Value: s,
		Message: fmt.Sprintf("%s ist keine gültige Anzahl. Erwartet: eine ganze Zahl ab 0, z. B. 24.", quoteOr(s, "Eine leere Angabe"))}
}

// parseID keeps an identifier as written, without a number cell's ".0".
func parseID(s string) string { return digitsText(cleanCell(s)) }

// ---- limits ----

// isBidiControl tells the characters that change the direction text is
// shown in: embeddings and overrides (U+202A–U+202E) and isolates
// (U+2066–U+2069). In a name or street they can make a cell look other
// than it is stored ("Trojan Source").
func isBidiControl(r rune) bool {
	return r >= '\u202a' && r <= '\u202e' || r >= '\u2066' && r <= '\u2069'
}

// checkCell is the first check of a mapped cell, before its field's
// parser: a control character other than tab and line break (which
// cleanCell turns into a blank), a bidi control, or more characters than
// the field takes. The value quoted in a problem is cut to a readable
// length.
func checkCell(f Field, cell string) *Problem {
	for i := 0; i < len(cell); {
		r, size := rune(cell[i]), 1
		if r >= 0x20 && r < 0x7f {
			i++ // printable ASCII: most cells are nothing else
			continue
		}
		if r >= utf8.RuneSelf {
			r, size = utf8.DecodeRuneInString(cell[i:])
		}
		i += size
		switch {
		case r == '\t' || r == '\n' || r == '\r':
		case unicode.IsControl(r):
			return &Problem{Code: CodeZeichenUnzulaessig, Value: shortValue(cleanCell(cell)),
				Message: fmt.Sprintf("Die Zelle enthält an Stelle %d ein unzulässiges Steuerzeichen (%U). Bitte das Zeichen löschen; oft stammt es aus dem Export eines anderen Programms.",
					utf8.RuneCountInString(cell[:i-size])+1, r)}
		case isBidiControl(r):
			return &Problem{Code: CodeZeichenUnzulaessig, Value: shortValue(cleanCell(cell)),
				Message: fmt.Sprintf("Die Zelle enthält an Stelle %d ein unsichtbares Steuerzeichen der Schreibrichtung (%U), das die Anzeige des Textes verfälschen kann. Bitte das Zeichen löschen und den Text prüfen.",
					utf8.RuneCountInString(cell[:i-size])+1, r)}
		}
	}
	max := f.MaxLength()
	if len(cell) <= max {
		return nil // fewer bytes than characters allowed
	}
	if n := utf8.RuneCountInString(cleanCell(cell)); n > max {
		return &Problem{Code: CodeZuLang, Value: shortValue(cleanCell(cell)),
			Message: fmt.Sprintf("Die Angabe ist %d Zeichen lang; „%s“ darf höchstens %d Zeichen haben. Bitte die Zelle prüfen und kürzen.", n, f.Label, max)}
	}
	return nil
}

// shortValue cuts a value quoted in a problem to 60 characters.
func shortValue(s string) string {
	const n = 60
	if len(s) <= n {
		return s
	}
	i := 0
	for j := range s {
		if i == n {
			return s[:j] + "…"
		}
		i++
	}
	return s
}

// ---- plausibility ----

// maxAgeYears is how old a person in a list of the kind may be: the
// register extract the city sends holds children and young people, pupil
// lists and confirmations pupils (adults at vocational schools too).
var maxAgeYears = map[Listenart]int{ListeMelderegister: 25, ListeSchueler: 30, ListeBestaetigungen: 30}

// schuljahrRange is how many school years before and after the current one
// a school-year field of the kind may name: a street directory and the
// years of entry look ahead, the pupil counts are history.
var schuljahrRange = map[Listenart][2]int{
	ListeSchulbezirke:   {50, 10},
	ListeSchuelerzahlen: {50, 1},
	ListeBevoelkerung:   {50, 10},
}

// Dates of validity (moving in and out, admission) lie within these
// bounds: at most a year ahead (registered in advance), and not before the
// person's birth or, without a birth date, more than 100 years back.
const (
	validityAheadYears = 1
	validityBackYears  = 100
)

func germanDate(t time.Time) string { return t.Format("02.01.2006") }

// plausible checks the valid values of a row against the day r.Today and
// against each other: a birth date neither in the future nor older than
// the kind's people are, dates of validity not before the birth and not
// far ahead, school years in the kind's range. Each problem names its cell
// and gives dates as TT.MM.JJJJ.
func (r Reader) plausible(rec *Record, mapped []Field, cols, slots []int, report func(Field, int, *Problem)) {
	today := r.Today
	var birth time.Time
	for i, f := range mapped {
		if f.Type != TypeDate && f.Type != TypeSchuljahr { // the only fields with time.Time and Schuljahr values
			continue
		}
		v, ok := rec.Values.LookupAt(slots[i])
		if !ok {
			continue
		}
		switch x := v.(type) {
		case time.Time:
			if f.Name == "geburtsdatum" {
				birth = x
			}
		case werte.Schuljahr:
			rng, ok := schuljahrRange[r.kind]
			if !ok || x.IsZero() {
				continue
			}
			cur := werte.SchuljahrAt(today).StartYear()
			lo, hi := werte.NewSchuljahr(cur-rng[0]), werte.NewSchuljahr(cur+rng[1])
			if x.StartYear() < lo.StartYear() || x.StartYear() > hi.StartYear() {
				rec.Values.Delete(f.Name)
				report(f, cols[i], &Problem{Code: CodeSchuljahrUnplausibel, Value: rec.Raw.Get(f.Name),
					Message: fmt.Sprintf("Das Schuljahr %s liegt außerhalb dessen, was „%s“ sinnvoll angibt (%s bis %s). Bitte die Angabe prüfen.",
						x, f.Label, lo, hi)})
			}
		}
	}
	maxAge := maxAgeYears[r.kind]
	for i, f := range mapped {
		if f.Type != TypeDate {
			continue
		}
		t, ok := rec.Values.At(slots[i]).(time.Time)
		if !ok {
			continue
		}
		var msg string
		switch {
		case f.Name == "geburtsdatum" && t.After(today):
			msg = fmt.Sprintf("Das Geburtsdatum %s liegt in der Zukunft (heute ist der %s). Bitte das Datum prüfen.", germanDate(t), germanDate(today))
		case f.Name == "geburtsdatum" && maxAge > 0 && t.Before(today.AddDate(-maxAge, 0, 0)):
			msg = fmt.Sprintf("Das Geburtsdatum %s liegt mehr als %d Jahre zurück; in einer Liste der Art „%s“ ist das nicht plausibel. Bitte das Datum prüfen.",
				germanDate(t), maxAge, r.kind.Label())
		case f.Name == "geburtsdatum":
		case t.After(today.AddDate(validityAheadYears, 0, 0)):
			msg = fmt.Sprintf("Das Datum %s („%s“) liegt mehr als ein Jahr in der Zukunft (heute ist der %s). Bitte das Datum prüfen.", germanDate(t), f.Label, germanDate(today))
		case !birth.IsZero() && t.Before(birth):
			msg = fmt.Sprintf("Das Datum %s („%s“) liegt vor dem Geburtsdatum %s. Bitte beide Daten prüfen.", germanDate(t), f.Label, germanDate(birth))
		case t.Before(today.AddDate(-validityBackYears, 0, 0)):
			msg = fmt.Sprintf("Das Datum %s („%s“) liegt mehr als %d Jahre zurück. Bitte das Datum prüfen.", germanDate(t), f.Label, validityBackYears)
		}
		if msg != "" {
			rec.Values.Delete(f.Name)
			report(f, cols[i], &Problem{Code: CodeDatumUnplausibel, Value: rec.Raw.Get(f.Name), Message: msg})
		}
	}
}

// Package schulbezirk answers which Grundschule is responsible for an
// address: the street directory (Straßenverzeichnis) of the Satzung over
// the Schulbezirke (§ 41 SchulG LSA), compiled into an in-memory index.
//
// Precedence, so that every address has one answer:
//  1. Only rows valid in the school year count (gueltig_ab not after it).
//     Of the rows that cover the address, those with the latest gueltig_ab
//     decide: a re-drawn Bezirk replaces the older rows for its addresses
//     from that school year on.
//  2. Among those, a row with suffix bounds ("7", "a"–"f") is more specific
//     than a row without, which covers its numbers with any suffix; the
//     more specific row decides.
//  3. Rows that then still disagree are an overlap. The import refuses a
//     directory with one (Overlaps); a lookup that meets one because the
//     address lacks the PLZ or Ortsteil that tells two streets of the same
//     name apart answers "mehrdeutig".
package schulbezirk

import (
	"cmp"
	"errors"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Regel is one row of the street directory.
type Regel struct {
	ID      int64
	Strasse string
	// Von and Bis bound the house numbers; 0 leaves that end open
	// ("ab 40" has Bis 0, a row for the whole street has both 0).
	Von, Bis int
	// Paritaet limits the row to one side of the street; "" is alle.
	Paritaet werte.Paritaet
	// ZusatzVon belongs to Von and ZusatzBis to Bis ("7a"–"7f"). A row
	// with either set is more specific than one without.
	ZusatzVon, ZusatzBis string
	// PLZ and Ortsteil tell streets of the same name apart; "" matches any.
	PLZ, Ortsteil          string
	Schulnummer, Schulname string
	// GueltigAb is the first year of the Schuljahr from which the row
	// applies (2027 = 2027/28); 0: always.
	GueltigAb int
	// Tabelle and Zeile say where the row stood in the uploaded directory;
	// Zeile 0 when not known (rows loaded by other means).
	Tabelle string
	Zeile   int
}

// Spezifisch reports whether the row has suffix bounds.
func (r Regel) Spezifisch() bool { return r.ZusatzVon != "" || r.ZusatzBis != "" }

// hausnummern describes the covered numbers: "7a–7f", "1–49 (ungerade)",
// "ab 40", "alle Hausnummern".
func (r Regel) hausnummern() string {
	von, bis := hausnummer(r.Von, r.ZusatzVon), hausnummer(r.Bis, r.ZusatzBis)
	var s string
	switch {
	case r.Von == 0 && r.Bis == 0:
		s = "alle Hausnummern"
	case r.Bis == 0:
		s = "ab " + von
	case r.Von == 0:
		s = "bis " + bis
	case von == bis:
		s = von
	default:
		s = von + "–" + bis
	}
	if r.Paritaet == werte.ParitaetGerade || r.Paritaet == werte.ParitaetUngerade {
		s += " (" + string(r.Paritaet) + ")"
	}
	return s
}

func hausnummer(nr int, zusatz string) string {
	if nr == 0 {
		return zusatz
	}
	return strconv.Itoa(nr) + zusatz
}

// String describes the row for people: "Hauptstraße 7a–7f",
// "Schulstraße alle Hausnummern, PLZ 06110, ab 2027/28".
func (r Regel) String() string {
	s := r.Strasse + " " + r.hausnummern()
	if r.PLZ != "" {
		s += ", PLZ " + r.PLZ
	}
	if r.Ortsteil != "" {
		s += ", Ortsteil " + r.Ortsteil
	}
	if r.GueltigAb != 0 {
		s += ", ab " + werte.NewSchuljahr(r.GueltigAb).String()
	}
	return s
}

// Fundstelle names the row: "Zeile 7" of the upload, or its number in the
// gateway when the row did not come from an upload.
func (r Regel) Fundstelle() string {
	if r.Zeile > 0 {
		return fmt.Sprintf("Zeile %d", r.Zeile)
	}
	return fmt.Sprintf("Regel Nr. %d", r.ID)
}

// Adresse is an address as it arrives: street in any spelling, house
// number with or without suffix ("12", "12a", "12 A", "12-14", "12/1").
// PLZ and Ortsteil may be empty.
type Adresse struct {
	Strasse, Hausnummer, PLZ, Ortsteil string
}

func (a Adresse) String() string {
	s := strings.TrimSpace(a.Strasse + " " + a.Hausnummer)
	if a.PLZ != "" {
		s += ", " + a.PLZ
	}
	if a.Ortsteil != "" {
		s += " (" + a.Ortsteil + ")"
	}
	return s
}

// Lookup errors, to be told apart with errors.Is. Both come wrapped in an
// *apperr.Error with a German detail.
var (
	// ErrKeineRegel: no row of the directory covers the address.
	ErrKeineRegel = errors.New("schulbezirk: keine Regel")
	// ErrMehrdeutig: rows of different schools cover the address because
	// it lacks the PLZ or Ortsteil that would decide, or the numbers of a
	// range ("12-14") belong to different schools.
	ErrMehrdeutig = errors.New("schulbezirk: mehrdeutig")
	// ErrAdresse: the address cannot be read (no street, a house number
	// that is none).
	ErrAdresse = errors.New("schulbezirk: adresse ungueltig")
)

// stelle is a position on a street: a house number and its suffix, ordered
// by number, then suffix, with "" before any suffix.
type stelle struct {
	nr     int
	zusatz string
}

// zusatzEnde sorts after every suffix: an upper bound without suffix
// covers its number with any suffix.
const zusatzEnde = "\uffff"

func (a stelle) compare(b stelle) int {
	if c := cmp.Compare(a.nr, b.nr); c != 0 {
		return c
	}
	return strings.Compare(a.zusatz, b.zusatz)
}

// eintrag is a compiled row.
type eintrag struct {
	lo, hi        stelle
	paritaet      werte.Paritaet
	plz, ortsteil string // normalised
	ab            int
	spezifisch    bool
	regel         int // index into Index.regeln
}

func compile(r Regel, i int) eintrag {
	e := eintrag{
		lo:       stelle{r.Von, r.ZusatzVon},
		hi:       stelle{r.Bis, r.ZusatzBis},
		paritaet: r.Paritaet, plz: r.PLZ, ortsteil: werte.Schluesselform(r.Ortsteil),
		ab: r.GueltigAb, spezifisch: r.Spezifisch(), regel: i,
	}
	if r.Bis == 0 {
		e.hi.nr = math.MaxInt
	}
	if e.hi.zusatz == "" {
		e.hi.zusatz = zusatzEnde
	}
	return e
}

func (e *eintrag) deckt(a *adresse, nr int, zusatz string) bool {
	if e.plz != "" && a.plz != "" && e.plz != a.plz {
		return false
	}
	if e.ortsteil != "" && a.ortsteil != "" && e.ortsteil != a.ortsteil {
		return false
	}
	if !paritaetPasst(e.paritaet, nr) {
		return false
	}
	s := stelle{nr, zusatz}
	return e.lo.compare(s) <= 0 && s.compare(e.hi) <= 0
}

func paritaetPasst(p werte.Paritaet, nr int) bool {
	switch p {
	case werte.ParitaetGerade:
		return nr%2 == 0
	case werte.ParitaetUngerade:
		return nr%2 == 1
	}
	return true
}

// Index is the compiled directory. It is read-only after NewIndex and
// safe for concurrent use.
type Index struct {
	regeln   []Regel
	strassen map[string][]eintrag // street key → rows, latest gueltig_ab first, specific before general
}

// StrassenSchluessel is the form in which street names are compared:
// case, umlauts and their transliterations, hyphens and spaces, and
// "Straße"/"Strasse"/"Str." do not matter.
func StrassenSchluessel(strasse string) string { return werte.Schluesselform(strasse) }

// NewIndex compiles the rows.
func NewIndex(regeln []Regel) *Index {
	ix := &Index{regeln: slices.Clone(regeln), strassen: map[string][]eintrag{}}
	for i, r := range ix.regeln {
		k := StrassenSchluessel(r.Strasse)
		ix.strassen[k] = append(ix.strassen[k], compile(r, i))
	}
	for _, es := range ix.strassen {
		slices.SortStableFunc(es, func(a, b eintrag) int {
			if c := cmp.Compare(b.ab, a.ab); c != 0 {
				return c
			}
			switch {
			case a.spezifisch && !b.spezifisch:
				return -1
			case b.spezifisch && !a.spezifisch:
				return 1
			}
			return 0
		})
	}
	return ix
}

// adresse is an Adresse read for lookup.
type adresse struct {
	strasse       string
	h             werte.Hausnummer
	plz, ortsteil string
}

func lesen(a Adresse) (adresse, error) {
	var fe []apperr.FieldError
	out := adresse{strasse: StrassenSchluessel(a.Strasse), ortsteil: werte.Schluesselform(a.Ortsteil)}
	if out.strasse == "" {
		fe = append(fe, apperr.FieldError{Pointer: "/strasse", Code: "pflichtfeld_leer", Message: "Die Straße fehlt."})
	}
	h, ok := einfacheHausnummer(a.Hausnummer)
	if !ok {
		var err error
		if h, err = werte.ParseHausnummer(a.Hausnummer); err != nil {
			// The code is the import's for the same fault.
			fe = append(fe, apperr.FieldError{Pointer: "/hausnummer", Code: "hausnummer_ungueltig", Message: err.Error()})
		}
	}
	out.h = h
	switch {
	case len(a.PLZ) == 5 && allDigits(a.PLZ) && a.PLZ >= "01001":
		out.plz = a.PLZ // the usual form, without the parser's cost
	case strings.TrimSpace(a.PLZ) != "":
		plz, err := werte.ParsePLZ(a.PLZ)
		if err != nil {
			fe = append(fe, apperr.FieldError{Pointer: "/plz", Code: "plz_ungueltig", Message: err.Error()})
		}
		out.plz = plz
	}
	if len(fe) > 0 {
		return adresse{}, &apperr.Error{Class: apperr.ClassInvalid, Detail: "Die Adresse ist unvollständig oder fehlerhaft.", Fields: fe, Err: ErrAdresse}
	}
	return out, nil
}

// einfacheHausnummer reads the forms nearly every address has, "12",
// "12a" and "12 A", as werte.ParseHausnummer would, at a fraction of
// its cost; ok is false for anything else, which goes to the parser.
func einfacheHausnummer(s string) (werte.Hausnummer, bool) {
	i := 0
	for i < len(s) && i < 5 && s[i] >= '0' && s[i] <= '9' {
		i++
	}
	if i == 0 || s[0] == '0' {
		return werte.Hausnummer{}, false
	}
	h := werte.Hausnummer{Nummer: atoi(s[:i])}
	rest := s[i:]
	if len(rest) == 2 && rest[0] == ' ' {
		rest = rest[1:]
	}
	switch {
	case rest == "":
		return h, true
	case len(rest) == 1 && (rest[0] >= 'a' && rest[0] <= 'z' || rest[0] >= 'A' && rest[0] <= 'Z'):
		h.Zusatz = strings.ToLower(rest)
		return h, true
	}
	return werte.Hausnummer{}, false
}

func atoi(s string) int {
	n := 0
	for i := 0; i < len(s); i++ {
		n = n*10 + int(s[i]-'0')
	}
	return n
}

func allDigits(s string) bool {
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return false
		}
	}
	return true
}

// Zuordnung returns the row that decides which Grundschule is responsible
// for the address in school year sj (its Schulnummer and Schulname say
// which). Errors wrap ErrKeineRegel (apperr not found), ErrMehrdeutig or
// ErrAdresse (apperr invalid).
func (ix *Index) Zuordnung(a Adresse, sj werte.Schuljahr) (Regel, error) {
	ad, err := lesen(a)
	if err != nil {
		return Regel{}, err
	}
	r, err := ix.suche(&ad, ad.h.Nummer, ad.h.Zusatz, sj.StartYear())
	if err != nil || !ad.h.IsRange() {
		return ix.fehler(r, err, a, sj)
	}
	// A building with several numbers ("12-14") has one answer only when
	// both ends have the same one.
	r2, err := ix.suche(&ad, ad.h.BisNummer, ad.h.BisZusatz, sj.StartYear())
	if err == nil && r2.Schulnummer != r.Schulnummer {
		err = ErrMehrdeutig
	}
	return ix.fehler(r, err, a, sj)
}

func (ix *Index) fehler(r Regel, err error, a Adresse, sj werte.Schuljahr) (Regel, error) {
	switch {
	case err == nil:
		return r, nil
	case errors.Is(err, ErrKeineRegel):
		return Regel{}, &apperr.Error{Class: apperr.ClassNotFound, Err: err,
			Detail: fmt.Sprintf("Für die Adresse „%s“ legt das Straßenverzeichnis im Schuljahr %s keine Grundschule fest.", a, sj)}
	}
	return Regel{}, &apperr.Error{Class: apperr.ClassInvalid, Err: err,
		Detail: fmt.Sprintf("Die Adresse „%s“ gehört im Schuljahr %s nicht eindeutig zu einer Grundschule.", a, sj),
		Fields: []apperr.FieldError{{Pointer: "/plz", Code: "adresse_mehrdeutig",
			Message: "Zu dieser Adresse passen Regeln verschiedener Schulen. Bitte die Postleitzahl oder den Ortsteil angeben, bei mehreren Hausnummern nur eine."}}}
}

// suche finds the deciding row for one house number.
func (ix *Index) suche(a *adresse, nr int, zusatz string, jahr int) (Regel, error) {
	es := ix.strassen[a.strasse]
	found := -1
	for i := range es {
		e := &es[i]
		if e.ab > jahr || !e.deckt(a, nr, zusatz) {
			continue
		}
		if found < 0 {
			found = i
			continue
		}
		f := &es[found]
		if e.ab != f.ab || e.spezifisch != f.spezifisch {
			break // a lower level: the found row decides
		}
		if ix.regeln[e.regel].Schulnummer != ix.regeln[f.regel].Schulnummer {
			return Regel{}, ErrMehrdeutig
		}
	}
	if found < 0 {
		return Regel{}, ErrKeineRegel
	}
	return ix.regeln[es[found].regel], nil
}

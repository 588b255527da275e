// Package schule holds the schools of the Schulträger: their master data,
// its rules, and the small store interface the domain needs.
package schule

import (
	"context"
	"fmt"
	"regexp"
	"strings"
	"time"
	"unicode/utf8"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Schulform is the type of school as Sachsen-Anhalt names it.
type Schulform string

const (
	Grundschule          Schulform = "grundschule"
	Sekundarschule       Schulform = "sekundarschule"
	Gemeinschaftsschule  Schulform = "gemeinschaftsschule"
	Gesamtschule         Schulform = "gesamtschule"
	Gymnasium            Schulform = "gymnasium"
	Foerderschule        Schulform = "foerderschule"
	BerufsbildendeSchule Schulform = "berufsbildende_schule"
)

const kmkBase = "http://xbildung.de/def/kmk/1.0/code/artderschule/"

// artDerSchule maps each Schulform to the KMK code list "ArtDerSchule"
// (urn:xbildung-de:kmk:codeliste:artderschule, version 1.0). Sachsen-Anhalt's
// Sekundarschule and Gemeinschaftsschule have no KMK code of their own; both
// lead to several qualifications, so they map to
// "schule_mit_mehreren_bildungsgaengen". A Berufsbildende Schule bundles
// several KMK types; without knowing which, it is "~wert_nicht_in_liste".
var artDerSchule = map[Schulform]string{
	Grundschule:          kmkBase + "grundschule_1_4",
	Sekundarschule:       kmkBase + "schule_mit_mehreren_bildungsgaengen",
	Gemeinschaftsschule:  kmkBase + "schule_mit_mehreren_bildungsgaengen",
	Gesamtschule:         kmkBase + "integrierte_gesamtschule",
	Gymnasium:            kmkBase + "gymnasium",
	Foerderschule:        kmkBase + "foerderschule_sonderschule",
	BerufsbildendeSchule: kmkBase + "~wert_nicht_in_liste",
}

// Schulformen lists the valid Schulform values in a stable order.
var Schulformen = []Schulform{Grundschule, Sekundarschule, Gemeinschaftsschule, Gesamtschule, Gymnasium, Foerderschule, BerufsbildendeSchule}

// ArtDerSchule returns the KMK code URI for the Schulform ("" if unknown).
func (f Schulform) ArtDerSchule() string { return artDerSchule[f] }

// Traeger says who runs a school: the city, or a free (Ersatzschul-) Träger.
type Traeger string

const (
	Kommunal Traeger = "kommunal"
	Frei     Traeger = "frei"
)

// Schule is one school's master data.
type Schule struct {
	Schulnummer     string
	Name            string
	Schulform       Schulform
	Traeger         Traeger
	Strasse         string
	Hausnummer      string
	PLZ             string
	Ort             string
	Zuege           *int // classes per grade
	Klassenfrequenz *int // pupils per class
	Kapazitaet      *int // places overall
	UpdatedAt       time.Time
	// Version changes with every change of the record (whoever made it)
	// and is never reused; the API shows it as the ETag.
	Version int64
}

// Store keeps schools. Implementations return apperr errors:
// ClassNotFound for a missing school, ClassUnavailable when storage is down.
type Store interface {
	List(ctx context.Context) ([]Schule, error)
	Get(ctx context.Context, schulnummer string) (Schule, error)
	// Put creates or replaces a school and reports whether it was created.
	Put(ctx context.Context, s Schule) (Schule, bool, error)
	// PutIf is Put after pruefe accepted the stored record (nil: none yet),
	// read and locked in the transaction that writes; pruefe's error ends
	// the write.
	PutIf(ctx context.Context, s Schule, pruefe func(alt *Schule) error) (Schule, bool, error)
	// Version changes whenever the stored schools may have changed, in any
	// instance; ok is false when the store cannot tell (then nothing
	// derived from a list may be reused).
	Version() (v uint64, ok bool)
}

var (
	schulnummerRe = regexp.MustCompile(`^[0-9]{4,8}$`)
	plzRe         = regexp.MustCompile(`^[0-9]{5}$`)
)

// ValidSchulnummer reports whether s has the form of a state school number:
// 4 to 8 digits, leading zeros significant.
func ValidSchulnummer(s string) bool { return schulnummerRe.MatchString(s) }

// Normalize trims surrounding spaces from every text field and fills the
// default Träger, so that stored values compare equal however they arrived.
func (s *Schule) Normalize() {
	for _, p := range []*string{&s.Schulnummer, &s.Name, &s.Strasse, &s.Hausnummer, &s.PLZ, &s.Ort} {
		*p = strings.TrimSpace(*p)
	}
	if s.Traeger == "" {
		s.Traeger = Kommunal
	}
}

// Validate checks every field and reports all failures at once, with JSON
// pointers into the request body.
func (s Schule) Validate() error {
	var fe []apperr.FieldError
	add := func(field, code, msg string) {
		fe = append(fe, apperr.FieldError{Pointer: "/" + field, Code: code, Message: msg})
	}
	switch {
	case s.Schulnummer == "":
		add("schulnummer", "pflichtfeld_leer", "Die Schulnummer fehlt.")
	case !ValidSchulnummer(s.Schulnummer):
		add("schulnummer", "schulnummer_ungueltig", fmt.Sprintf("„%s“ ist keine gültige Schulnummer. Erwartet: 4 bis 8 Ziffern, z. B. 20101.", s.Schulnummer))
	}
	switch n := utf8.RuneCountInString(s.Name); {
	case n == 0:
		add("name", "pflichtfeld_leer", "Der Name der Schule fehlt.")
	case n > 200:
		add("name", "zu_lang", fmt.Sprintf("Der Name ist %d Zeichen lang; erlaubt sind höchstens 200.", n))
	}
	if s.Schulform == "" {
		add("schulform", "pflichtfeld_leer", "Die Schulform fehlt.")
	} else if _, ok := artDerSchule[s.Schulform]; !ok {
		add("schulform", "schulform_unbekannt", fmt.Sprintf("„%s“ ist keine bekannte Schulform. Erlaubt: grundschule, sekundarschule, gemeinschaftsschule, gesamtschule, gymnasium, foerderschule, berufsbildende_schule.", s.Schulform))
	}
	if s.Traeger != Kommunal && s.Traeger != Frei {
		add("traeger", "traeger_unbekannt", fmt.Sprintf("„%s“ ist keine bekannte Trägerschaft. Erlaubt: kommunal, frei.", s.Traeger))
	}
	if s.PLZ != "" && !plzRe.MatchString(s.PLZ) {
		add("plz", "plz_ungueltig", fmt.Sprintf("„%s“ ist keine gültige Postleitzahl. Erwartet: 5 Ziffern, z. B. 06108.", s.PLZ))
	}
	for _, f := range []struct {
		name, label string
		v           *int
		min, max    int
	}{
		{"zuege", "Die Zügigkeit", s.Zuege, 1, 20},
		{"klassenfrequenz", "Die Klassenfrequenz", s.Klassenfrequenz, 1, 40},
		{"kapazitaet", "Die Kapazität", s.Kapazitaet, 0, 5000},
	} {
		if f.v != nil && (*f.v < f.min || *f.v > f.max) {
			add(f.name, "ausserhalb_bereich", fmt.Sprintf("%s %d liegt außerhalb des erlaubten Bereichs %d bis %d.", f.label, *f.v, f.min, f.max))
		}
	}
	for _, f := range []struct{ name, v string }{{"strasse", s.Strasse}, {"hausnummer", s.Hausnummer}, {"ort", s.Ort}} {
		if n := utf8.RuneCountInString(f.v); n > 200 {
			add(f.name, "zu_lang", fmt.Sprintf("Der Wert ist %d Zeichen lang; erlaubt sind höchstens 200.", n))
		}
	}
	return apperr.Invalid("Die Angaben zur Schule sind fehlerhaft. Bitte die markierten Felder korrigieren.", fe)
}

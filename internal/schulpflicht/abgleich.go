// Package schulpflicht finds every resident child of compulsory school age
// at a school (§§ 36–41 SchulG LSA) and makes cases of those it cannot find.
//
// This file is the contract between the matcher (Abgleichen, written in
// matcher.go) and the rest of the package, the store and the HTTP layer.
package schulpflicht

import "time"

// Person is one side of a comparison: a resident from the Melderegister or a
// pupil known from a school list, a BMS report, a Schulwechsel message or a
// confirmation from a school outside the city.
type Person struct {
	ID              string // internal id of the record (kinder.id or the pupil source's id)
	Ordnungsmerkmal string // the register's own id (residents only; may be empty)
	Familienname    string
	Vornamen        string // all given names as the source wrote them
	Rufname         string // the given name in use, when the source says
	Geburtsdatum    time.Time
	Geschlecht      string // m, w, d, x or empty
	Strasse         string
	Hausnummer      string
	PLZ             string
	Schulnummer     string // pupils: the school that reports the child
	Schuelernummer  string // pupils: the school's pupil number; residents: only if known
}

// Entscheidung is what the matcher decided for one resident.
type Entscheidung string

const (
	Auto   Entscheidung = "auto"   // matched automatically
	Review Entscheidung = "review" // a person must look
	Keine  Entscheidung = "none"   // no pupil found: a case
)

// Feld names a compared field in Zuordnung.Uebereinstimmend.
type Feld string

const (
	FeldSchuelernummer Feld = "schuelernummer"
	FeldFamilienname   Feld = "familienname"
	FeldVorname        Feld = "vorname"
	FeldGeburtsdatum   Feld = "geburtsdatum"
	FeldGeschlecht     Feld = "geschlecht"
	FeldAdresse        Feld = "adresse"
)

// Urteil is a reviewer's verdict on a proposed pair, remembered and applied
// in every later run.
type Urteil struct {
	ResidentID, PupilID string
	Bestaetigt          bool // true: the pair is the same child; false: it is not
}

// Konfiguration holds the thresholds. A pair whose score is at least Auto
// is matched automatically; at least Review goes to a person.
//
// Eindeutig (0: off) is the lower threshold of the unique-candidate rule:
// a pair scoring at least Eindeutig but below Auto is matched
// automatically when family name, given name and birth date all agree at
// least in part, not a name and the date both only in part, and neither
// the resident nor the pupil has any other candidate of Review or more.
type Konfiguration struct {
	Auto, Review float64
	Eindeutig    float64
}

// Zuordnung is the outcome for one resident. PupilID is empty for Keine.
type Zuordnung struct {
	ResidentID       string
	PupilID          string
	Entscheidung     Entscheidung
	Score            float64
	Uebereinstimmend []Feld // fields that agreed, so staff can see why
	Begruendung      string // short German reason, e.g. "Schülernummer stimmt überein", "bestätigt"
}

// The matcher (matcher.go) provides:
//
//	// Abgleichen returns one Zuordnung per resident, in the residents' order.
//	// A confirmed Urteil makes its pair Auto; a rejected one is never proposed again.
//	// A pupil number on both sides decides. Each pupil is given to at most one resident at Auto.
//	func Abgleichen(residents, pupils []Person, urteile []Urteil, cfg Konfiguration) []Zuordnung
//
//	// StandardKonfiguration returns the thresholds measured on the generated population.
//	func StandardKonfiguration() Konfiguration

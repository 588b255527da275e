// Package untersuchung records the outcome of the Schuleingangsuntersuchung
// (§ 37 (2) SchulG LSA) that matters for admission: examined, deferral to
// be considered, special needs to be checked, or that the child did not
// appear. Never a diagnosis: the outcome is one of four values and a date,
// without free text.
package untersuchung

import (
	"context"
	"fmt"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Ergebnis is the outcome that matters for admission.
type Ergebnis string

const (
	Untersucht             Ergebnis = "untersucht"
	ZurueckstellungPruefen Ergebnis = "zurueckstellung_pruefen"
	FoerderbedarfPruefen   Ergebnis = "foerderbedarf_pruefen"
	// NichtErschienen: the child did not come to its appointment (the
	// date is the appointment's); the school office follows it up.
	NichtErschienen Ergebnis = "nicht_erschienen"
)

// Ergebnisse are all outcomes, in the order staff read them.
var Ergebnisse = []Ergebnis{Untersucht, ZurueckstellungPruefen, FoerderbedarfPruefen, NichtErschienen}

// Label is the German text of the outcome.
func (e Ergebnis) Label() string {
	switch e {
	case Untersucht:
		return "untersucht"
	case ZurueckstellungPruefen:
		return "Zurückstellung prüfen"
	case FoerderbedarfPruefen:
		return "Förderbedarf prüfen"
	case NichtErschienen:
		return "nicht erschienen"
	}
	return ""
}

func (e Ergebnis) gueltig() bool {
	for _, x := range Ergebnisse {
		if x == e {
			return true
		}
	}
	return false
}

// Untersuchung is the recorded outcome for a child of a cohort, named by
// the cohort's pseudonymous child id.
type Untersuchung struct {
	Schuljahr    int // the year the school year starts
	KindID       string
	UntersuchtAm time.Time
	Ergebnis     Ergebnis
	CreatedBy    string
	CreatedAt    time.Time
}

// Store keeps the outcomes.
type Store interface {
	// Save stores u, replacing an earlier outcome of the child in that
	// school year; neu is true when there was none.
	Save(ctx context.Context, u Untersuchung) (neu bool, err error)
	// List returns the outcomes of a school year by child id.
	List(ctx context.Context, schuljahr int) (map[string]Untersuchung, error)
}

type Service struct {
	store Store
	now   func() time.Time
}

func NewService(s Store) *Service { return &Service{store: s, now: time.Now} }

// Pruefe reports every problem of u at once (apperr.Invalid); now is the
// current time (no outcome before the examination).
func (u Untersuchung) Pruefe(now time.Time) error {
	var fe []apperr.FieldError
	if !u.Ergebnis.gueltig() {
		fe = append(fe, apperr.FieldError{Pointer: "/ergebnis", Code: "ergebnis_ungueltig",
			Message: fmt.Sprintf("„%s“ ist kein Ergebnis. Erlaubt: untersucht, zurueckstellung_pruefen, foerderbedarf_pruefen, nicht_erschienen (keine Befunde, kein Freitext).", u.Ergebnis)})
	}
	switch {
	case u.UntersuchtAm.IsZero():
		fe = append(fe, apperr.FieldError{Pointer: "/untersucht_am", Code: "pflichtfeld_fehlt", Message: "Das Datum der Untersuchung fehlt (JJJJ-MM-TT)."})
	case u.UntersuchtAm.After(now):
		fe = append(fe, apperr.FieldError{Pointer: "/untersucht_am", Code: "datum_in_zukunft",
			Message: "Das Datum der Untersuchung liegt in der Zukunft; bitte erst nach der Untersuchung erfassen."})
	}
	if u.KindID == "" {
		fe = append(fe, apperr.FieldError{Pointer: "/kind_id", Code: "pflichtfeld_fehlt", Message: "Die Kennung des Kindes (id aus der Kohorte) fehlt."})
	}
	if len(fe) > 0 {
		return apperr.Invalid("Die Untersuchung ist unvollständig oder fehlerhaft.", fe)
	}
	return nil
}

// Erfasse validates and stores an outcome. imJahrgang says whether the
// child is in the cohort of the school year (the caller looked it up).
func (s *Service) Erfasse(ctx context.Context, u Untersuchung, imJahrgang bool) (Untersuchung, bool, error) {
	if err := u.Pruefe(s.now()); err != nil {
		return Untersuchung{}, false, err
	}
	if !imJahrgang {
		return Untersuchung{}, false, apperr.NotFound(fmt.Sprintf("Ein Kind mit der Kennung „%s“ gibt es in diesem Jahrgang nicht.", u.KindID))
	}
	neu, err := s.store.Save(ctx, u)
	return u, neu, err
}

// List returns the outcomes of a school year by child id.
func (s *Service) List(ctx context.Context, schuljahr int) (map[string]Untersuchung, error) {
	return s.store.List(ctx, schuljahr)
}

// Stand is how far the examination of a group of children has come: the
// children without an outcome and the children per outcome.
type Stand struct {
	Offen      int
	Ergebnisse map[Ergebnis]int
}

// StandJe counts the outcomes per group: gruppe names each child of the
// cohort (by id) with its group (the school whose list it is on; "" for
// none), ergebnisse are the outcomes by child id. An outcome of a child
// no longer in the cohort is not counted.
func StandJe(gruppe map[string]string, ergebnisse map[string]Untersuchung) map[string]Stand {
	out := map[string]Stand{}
	for id, g := range gruppe {
		st, ok := out[g]
		if !ok {
			st = Stand{Ergebnisse: map[Ergebnis]int{}}
		}
		if u, ok := ergebnisse[id]; ok {
			st.Ergebnisse[u.Ergebnis]++
		} else {
			st.Offen++
		}
		out[g] = st
	}
	return out
}

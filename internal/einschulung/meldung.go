package einschulung

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Typ is what a Meldung reports. Per school year a child has at most one
// Meldung of each Typ; a later one of the same Typ replaces it, which
// makes reporting idempotent.
type Typ string

const (
	TypAnmeldung       Typ = "anmeldung"       // the parents registered the child at a Grundschule
	TypAufnahme        Typ = "aufnahme"        // the school admitted the child
	TypZurueckstellung Typ = "zurueckstellung" // deferral (§ 37 (3)): application and decision
	TypGastschulantrag Typ = "gastschulantrag" // application for a school outside the Bezirk, with the city's decision
	TypAbmeldung       Typ = "abmeldung"       // the child will not start at a Grundschule of the city
)

var typen = []Typ{TypAnmeldung, TypAufnahme, TypZurueckstellung, TypGastschulantrag, TypAbmeldung}

// Entscheidung is the state of an application (Zurückstellung,
// Gastschulantrag).
type Entscheidung string

const (
	EntscheidungBeantragt Entscheidung = "beantragt"
	EntscheidungGenehmigt Entscheidung = "genehmigt"
	EntscheidungAbgelehnt Entscheidung = "abgelehnt"
)

var entscheidungen = []Entscheidung{EntscheidungBeantragt, EntscheidungGenehmigt, EntscheidungAbgelehnt}

// Meldung is a registration or decision as stored.
type Meldung struct {
	Schuljahr werte.Schuljahr
	// Kind is the child's register key (Kind.Schluessel).
	Kind        string
	Typ         Typ
	Schulnummer string
	// Art is the kind of admission an Anmeldung or Aufnahme names; ""
	// leaves it to the cohort (regular, early, after deferral).
	Art Art
	// Entscheidung is set for Zurückstellung and Gastschulantrag only.
	Entscheidung Entscheidung
	Geaendert    time.Time
}

// Eingabe is a Meldung as a client reports it. The child is named by its
// pseudonymous id, or – for a child not yet in the cohort, such as one
// registered for early admission – by name and birth date.
type Eingabe struct {
	KindID       string
	Person       *PersonEingabe
	Typ          string
	Schulnummer  string
	Art          string
	Entscheidung string
}

// PersonEingabe names a child as the register does.
type PersonEingabe struct {
	Familienname, Vornamen string
	Geburtsdatum           string // ISO 8601, 2021-03-04
}

// ErrEntscheidungNurSchulamt refuses a decision on a Gastschulantrag from
// anyone but the city's school office: the decision is the Schulträger's.
var ErrEntscheidungNurSchulamt = apperr.Forbidden("Über einen Gastschulantrag entscheidet der Schulträger: genehmigt oder abgelehnt darf nur das Schulamt melden.")

// Pruefen checks the Eingabe on its own, reporting every fault at once
// (apperr invalid), and returns the Meldung it asks for (without school
// year and child) and the birth date of a Person.
func (in Eingabe) Pruefen() (Meldung, time.Time, error) {
	var fe []apperr.FieldError
	add := func(ptr, code, msg string) {
		fe = append(fe, apperr.FieldError{Pointer: ptr, Code: code, Message: msg})
	}
	var geburt time.Time
	switch {
	case in.KindID == "" && in.Person == nil:
		add("/kind_id", "pflichtfeld_leer", "Das Kind fehlt: bitte kind_id angeben, für ein Kind, das noch nicht im Jahrgang steht, person.")
	case in.KindID != "" && in.Person != nil:
		add("/person", "kind_doppelt", "Bitte das Kind nur einmal nennen: kind_id oder person.")
	case in.KindID != "" && !GueltigeID(in.KindID):
		add("/kind_id", "kind_id_ungueltig", fmt.Sprintf("„%s“ ist keine Kennung eines Kindes. Erwartet: die id aus der Liste der Kinder.", in.KindID))
	case in.Person != nil:
		if strings.TrimSpace(in.Person.Familienname) == "" {
			add("/person/familienname", "pflichtfeld_leer", "Der Familienname fehlt.")
		}
		if strings.TrimSpace(in.Person.Vornamen) == "" {
			add("/person/vornamen", "pflichtfeld_leer", "Der Vorname fehlt.")
		}
		var err error
		if geburt, err = time.Parse(time.DateOnly, in.Person.Geburtsdatum); err != nil {
			add("/person/geburtsdatum", "datum_ungueltig", fmt.Sprintf("„%s“ ist kein gültiges Datum. Erwartet: JJJJ-MM-TT, z. B. 2021-03-04.", in.Person.Geburtsdatum))
		}
	}
	m := Meldung{Typ: Typ(in.Typ), Schulnummer: strings.TrimSpace(in.Schulnummer), Art: Art(in.Art), Entscheidung: Entscheidung(in.Entscheidung)}
	if !slices.Contains(typen, m.Typ) {
		add("/typ", "typ_unbekannt", fmt.Sprintf("„%s“ ist keine bekannte Meldung. Erlaubt: anmeldung, aufnahme, zurueckstellung, gastschulantrag, abmeldung.", in.Typ))
	}
	braucht := m.Typ == TypAnmeldung || m.Typ == TypAufnahme || m.Typ == TypGastschulantrag
	switch {
	case m.Schulnummer == "" && braucht:
		add("/schulnummer", "pflichtfeld_leer", "Die Schulnummer fehlt.")
	case m.Schulnummer != "" && !schule.ValidSchulnummer(m.Schulnummer):
		add("/schulnummer", "schulnummer_ungueltig", fmt.Sprintf("„%s“ ist keine gültige Schulnummer. Erwartet: 4 bis 8 Ziffern, z. B. 20101.", m.Schulnummer))
	}
	zulassung := m.Typ == TypAnmeldung || m.Typ == TypAufnahme
	switch {
	case m.Art == "":
	case !zulassung:
		add("/art", "art_nicht_erlaubt", "Eine Art der Schulaufnahme gehört nur zu einer Anmeldung oder Aufnahme.")
	case !slices.Contains(zulaessigeArten, m.Art):
		add("/art", "art_unbekannt", fmt.Sprintf("„%s“ ist keine Art der Einschulung aus der XSchule-Codeliste ArtDerSchulaufnahme (%s). "+
			"Erlaubt: %s…/regeleinschulung, vorzeitige_einschulung, einschulung_nach_zurueckstellung, flexible_einschulung, einschulung_mit_inklusion, einschulung_schule_freier_traegerschaft.",
			in.Art, ArtVersion, artBasis))
	}
	antrag := m.Typ == TypZurueckstellung || m.Typ == TypGastschulantrag
	switch {
	case m.Entscheidung == "" && antrag:
		m.Entscheidung = EntscheidungBeantragt
	case m.Entscheidung == "":
	case !antrag:
		add("/entscheidung", "entscheidung_nicht_erlaubt", "Eine Entscheidung gehört nur zu einer Zurückstellung oder einem Gastschulantrag.")
	case !slices.Contains(entscheidungen, m.Entscheidung):
		add("/entscheidung", "entscheidung_unbekannt", fmt.Sprintf("„%s“ ist keine bekannte Entscheidung. Erlaubt: beantragt, genehmigt, abgelehnt.", in.Entscheidung))
	}
	return m, geburt, apperr.Invalid("Die Meldung ist fehlerhaft. Bitte die markierten Felder korrigieren.", fe)
}

// brauchtSchulamt reports whether only the school office may report m.
func (m Meldung) brauchtSchulamt() bool {
	return m.Typ == TypGastschulantrag && m.Entscheidung != EntscheidungBeantragt
}

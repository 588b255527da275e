package schulwechsel

import (
	"strconv"
	"strings"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Codes of the field errors Validate reports.
const (
	CodePflichtfeldFehlt       = "pflichtfeld_fehlt"
	CodeDatumUnvollstaendig    = "datum_unvollstaendig"
	CodeSchuleUnbestimmt       = "schule_unbestimmt"
	CodeZeitraumUngueltig      = "zeitraum_ungueltig"
	CodeAbgangNachAufnahme     = "abgang_nach_aufnahme"
	CodeGeburtNachAufnahme     = "geburt_nach_aufnahme"
	CodePersonOderOrganisation = "person_oder_organisation"
)

// KrankheitMasern is the XSchule code for measles (code list Krankheit 1.0).
const KrankheitMasern = "http://xschule.digital/def/xschule/1.0/code/krankheit/masern"

// Masernschutz returns the vaccination record against measles, if any.
func (s Schueler) Masernschutz() (Impfung, bool) {
	for _, i := range s.Impfungen {
		if i.Krankheit.Value == KrankheitMasern {
			return i, true
		}
	}
	return Impfung{}, false
}

// Validate checks the domain rules of a change of school that do not depend
// on any wire format and reports every problem at once as apperr.Invalid.
// Pointers are JSON pointers (RFC 6901) into the model, with lower-camel
// field names and 0-based indices, e.g. "/aufnahme/datum" or
// "/sorgeberechtigte/1/art".
func (w *Schulwechsel) Validate() error {
	var fs []apperr.FieldError
	add := func(ptr, code, msg string) {
		fs = append(fs, apperr.FieldError{Pointer: ptr, Code: code, Message: msg})
	}

	if w.Dokument.Sprache.Value == "" {
		add("/dokument/sprache", CodePflichtfeldFehlt, "Die Sprache des Dokuments fehlt.")
	}

	s := w.Schueler
	if !namensteilGegeben(s.Name.Familienname) {
		add("/schueler/name/familienname", CodePflichtfeldFehlt, "Der Familienname des Schülers fehlt.")
	}
	if !namensteilGegeben(s.Name.Vorname) {
		add("/schueler/name/vorname", CodePflichtfeldFehlt, "Der Vorname des Schülers fehlt.")
	}
	if s.Geburt.Datum.IsZero() {
		add("/schueler/geburt/datum", CodePflichtfeldFehlt, "Das Geburtsdatum des Schülers fehlt.")
	}

	for i, sb := range w.Sorgeberechtigte {
		p := "/sorgeberechtigte/" + strconv.Itoa(i)
		if sb.Art.Value == "" {
			add(p+"/art", CodePflichtfeldFehlt, "Die Art des gesetzlichen Vertreters fehlt.")
		}
		if (sb.Person == nil) == (sb.Organisation == nil) {
			add(p, CodePersonOderOrganisation, "Ein Sorgeberechtigter ist entweder eine Person oder eine Organisation.")
		}
	}

	a := w.Aufnahme
	switch b := w.BisherigeSchule; {
	case a == nil && b == nil:
		add("/aufnahme", CodePflichtfeldFehlt, "Die aufnehmende Schule fehlt.")
	case a == nil:
		// An Abgang without an admission (yet): the school left and the day.
		if !schuleBestimmt(b.Schule) {
			add("/bisherigeSchule/schule", CodeSchuleUnbestimmt, "Die bisherige Schule braucht einen Namen oder eine Identifikation.")
		}
		switch {
		case b.Zeitraum == nil || b.Zeitraum.Ende.IsZero():
			add("/bisherigeSchule/zeitraum/ende", CodePflichtfeldFehlt, "Bei einem Abgang ohne Aufnahme fehlt das Abgangsdatum.")
		case !b.Zeitraum.Ende.Vollstaendig():
			add("/bisherigeSchule/zeitraum/ende", CodeDatumUnvollstaendig, "Das Abgangsdatum muss ein vollständiges Datum (Tag, Monat, Jahr) sein.")
		}
	}
	if a != nil {
		if !schuleBestimmt(a.Schule) {
			add("/aufnahme/schule", CodeSchuleUnbestimmt, "Die aufnehmende Schule braucht einen Namen oder eine Identifikation.")
		}
		switch {
		case a.Datum.IsZero():
			add("/aufnahme/datum", CodePflichtfeldFehlt, "Das Aufnahmedatum fehlt.")
		case !a.Datum.Vollstaendig():
			add("/aufnahme/datum", CodeDatumUnvollstaendig, "Das Aufnahmedatum muss ein vollständiges Datum (Tag, Monat, Jahr) sein.")
		}
		if a.Jahrgangsstufe.Value == "" {
			add("/aufnahme/jahrgangsstufe", CodePflichtfeldFehlt, "Die Jahrgangsstufe der Aufnahme fehlt.")
		}
		if a.Art.Code.Value == "" {
			add("/aufnahme/art", CodePflichtfeldFehlt, "Die Art der Schulaufnahme fehlt.")
		}
		if a.Datum.Before(s.Geburt.Datum) {
			add("/schueler/geburt/datum", CodeGeburtNachAufnahme, "Das Geburtsdatum liegt nach dem Aufnahmedatum.")
		}
	}

	if b := w.BisherigeSchule; b != nil && b.Zeitraum != nil {
		z := b.Zeitraum
		if z.Ende.Before(z.Beginn) {
			add("/bisherigeSchule/zeitraum", CodeZeitraumUngueltig, "Der Besuch der bisherigen Schule endet vor seinem Beginn.")
		}
		if a != nil && a.Datum.Before(z.Ende) {
			add("/bisherigeSchule/zeitraum/ende", CodeAbgangNachAufnahme, "Der Abgang von der bisherigen Schule liegt nach der Aufnahme an der neuen Schule.")
		}
	}

	return apperr.Invalid("Der Schulwechsel ist unvollständig oder widersprüchlich.", fs)
}

func namensteilGegeben(n Namensteil) bool {
	return strings.TrimSpace(n.Name) != "" || (n.NichtVorhanden != nil && *n.NichtVorhanden)
}

func schuleBestimmt(s Schule) bool {
	if s.Name != nil && strings.TrimSpace(s.Name.Name) != "" {
		return true
	}
	for _, id := range s.Identifikationen {
		if strings.TrimSpace(id.ID) != "" {
			return true
		}
	}
	return false
}

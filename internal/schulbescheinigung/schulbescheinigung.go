// Package schulbescheinigung is the domain model of a school certificate
// (XSchule 1.2 message "schueler.schulbescheinigung.0004"): a school
// confirms that a young person attends it. Schools outside the city send
// them; the Schulpflicht reconciliation counts a certificate whose
// validity (Gueltigkeit) covers the reference date as attendance.
//
// The parts the message shares with the Schulwechsel (document header,
// pupil, school) use the types of internal/schulwechsel, so both messages
// are read and written by the same code in adapters/xschule.
package schulbescheinigung

import (
	"context"
	"fmt"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// Schulbescheinigung is one certificate as the message carries it.
type Schulbescheinigung struct {
	Dokument    sw.Dokument
	Schueler    sw.Schueler
	Schulbesuch Schulbesuch
	Schule      Schule
	Erweiterung *sw.Erweiterung
	// SchemaLocation is the message's xsi:schemaLocation, kept so that the
	// message is written back as received; "" for the standard's.
	SchemaLocation string
}

// Schulbesuch is the attendance the certificate confirms.
type Schulbesuch struct {
	Jahrgangsstufe             sw.Code
	Schuljahr                  *Schuljahr
	Zeitraum                   *sw.Zeitraum
	VoraussichtlicherAbschluss *sw.Auswahl // KMK/Destatis ArtDesSchulabschlusses
}

// Schuljahr is the school year attended; either date may be partly known
// (a year only).
type Schuljahr struct {
	Beginn sw.Datum
	Ende   sw.Datum
}

// Schule is the certifying school.
type Schule struct {
	sw.Schule
	Schulformen    []sw.Auswahl
	Schulprofile   []sw.Text
	Bildungsgaenge []sw.Text
}

// Schulname returns the school's name, "" if the message has none.
func (b *Schulbescheinigung) Schulname() string {
	if b.Schule.Name == nil {
		return ""
	}
	return b.Schule.Name.Name
}

// Gueltigkeit returns the days the certificate confirms attendance for,
// both inclusive; a zero von means "from any day", bis is always set.
//
//   - von: the start of the attendance period (zeitraum/beginn), else the
//     start of the school year (1 August of its year when only the year is
//     known), else the date the document is valid from, else the date of
//     issue;
//   - bis: the end of the attendance period (zeitraum/ende), else the end
//     of the school year (31 July when only the year is known), else the
//     31 July that ends the school year of von (or of the issue): a
//     certificate without an end confirms one school year, not forever.
func (b *Schulbescheinigung) Gueltigkeit() (von, bis time.Time) {
	sb := b.Schulbesuch
	if z := sb.Zeitraum; z != nil && !z.Beginn.IsZero() {
		von, _ = z.Beginn.Time()
	}
	if sj := sb.Schuljahr; von.IsZero() && sj != nil && !sj.Beginn.IsZero() {
		von = anfang(sj.Beginn)
	}
	if von.IsZero() && !b.Dokument.Gueltigkeitsdatum.IsZero() {
		von, _ = b.Dokument.Gueltigkeitsdatum.Time()
	}
	ausgestellt := time.Time{}
	for _, a := range b.Dokument.Ausstellungen {
		if t, ok := a.Datum.Time(); ok && (ausgestellt.IsZero() || t.Before(ausgestellt)) {
			ausgestellt = t
		}
	}
	if von.IsZero() {
		von = ausgestellt
	}
	if z := sb.Zeitraum; z != nil && !z.Ende.IsZero() {
		bis, _ = z.Ende.Time()
	}
	if sj := sb.Schuljahr; bis.IsZero() && sj != nil && !sj.Ende.IsZero() {
		bis = ende(sj.Ende)
	}
	if bis.IsZero() {
		ref := von
		if ref.IsZero() {
			ref = ausgestellt
		}
		if ref.IsZero() {
			ref = time.Now().In(sw.Ortszeit)
		}
		y := ref.Year()
		if ref.Month() >= time.August {
			y++
		}
		bis = time.Date(y, time.July, 31, 0, 0, 0, 0, time.UTC)
	}
	return von, bis
}

// anfang is the first day a partly known date can mean; a year alone is
// the start of the school year (1 August).
func anfang(d sw.Datum) time.Time {
	switch {
	case d.Vollstaendig():
		t, _ := d.Time()
		return t
	case d.Monat != 0:
		return time.Date(d.Jahr, time.Month(d.Monat), 1, 0, 0, 0, 0, time.UTC)
	default:
		return time.Date(d.Jahr, time.August, 1, 0, 0, 0, 0, time.UTC)
	}
}

// ende is the last day a partly known date can mean; a year alone is the
// end of the school year (31 July).
func ende(d sw.Datum) time.Time {
	switch {
	case d.Vollstaendig():
		t, _ := d.Time()
		return t
	case d.Monat != 0:
		return time.Date(d.Jahr, time.Month(d.Monat)+1, 0, 0, 0, 0, 0, time.UTC)
	default:
		return time.Date(d.Jahr, time.July, 31, 0, 0, 0, 0, time.UTC)
	}
}

// Validate checks what the gateway needs beyond the schema: a name and a
// full birth date to match the pupil to residents, and a period that does
// not end before it begins. Pointers are model paths; adapters translate
// them.
func (b *Schulbescheinigung) Validate() error {
	var fe []apperr.FieldError
	add := func(p, code, msg string) { fe = append(fe, apperr.FieldError{Pointer: p, Code: code, Message: msg}) }
	n := b.Schueler.Name
	if n.Familienname.Name == "" {
		add("/schueler/name/familienname", sw.CodePflichtfeldFehlt, "Der Familienname des Schülers fehlt; ohne ihn lässt sich die Bescheinigung keinem Kind zuordnen.")
	}
	if n.Vorname.Name == "" {
		add("/schueler/name/vorname", sw.CodePflichtfeldFehlt, "Der Vorname des Schülers fehlt; ohne ihn lässt sich die Bescheinigung keinem Kind zuordnen.")
	}
	if !b.Schueler.Geburt.Datum.Vollstaendig() {
		add("/schueler/geburt/datum", sw.CodePflichtfeldFehlt, "Das vollständige Geburtsdatum (JJJJ-MM-TT) fehlt; ohne es lässt sich die Bescheinigung keinem Kind zuordnen.")
	}
	if b.Schulname() == "" {
		add("/schule/name", sw.CodePflichtfeldFehlt, "Der Name der bescheinigenden Schule fehlt.")
	}
	if z := b.Schulbesuch.Zeitraum; z != nil && !z.Beginn.IsZero() && !z.Ende.IsZero() && z.Ende.Before(z.Beginn) {
		add("/schulbesuch/zeitraum/ende", "zeitraum_ungueltig", fmt.Sprintf("Das Ende des Schulbesuchs (%s) liegt vor seinem Beginn (%s).", z.Ende, z.Beginn))
	}
	if len(fe) > 0 {
		return apperr.Invalid("Die Schulbescheinigung ist unvollständig.", fe)
	}
	return nil
}

// Format is how a certificate was received.
type Format = sw.Format

// Record is a stored certificate with what the gateway derived from it.
type Record struct {
	ID           string
	Ref          int64 // order of arrival; the reconciliation's pupil reference and the list's position
	Format       Format
	Nachricht    []byte // as received (JSON or XML)
	Familienname string
	Vornamen     string
	Geburtsdatum time.Time
	Geschlecht   string // m, w, d, x or ""
	Strasse      string // the pupil's first address, for matching
	Hausnummer   string
	PLZ          string
	Schulname    string
	GueltigVon   *time.Time
	GueltigBis   time.Time
	CreatedBy    string
	CreatedAt    time.Time
}

// Store keeps certificates.
type Store interface {
	Create(ctx context.Context, r Record) (Record, error)
	Get(ctx context.Context, id string) (Record, error)
	// List returns up to limit certificates with Ref above after, in Ref
	// order.
	List(ctx context.Context, after int64, limit int) ([]Record, error)
}

// Service accepts and lists certificates.
type Service struct{ store Store }

func NewService(s Store) *Service { return &Service{store: s} }

// Create validates b and stores it with its derived validity.
func (s *Service) Create(ctx context.Context, b *Schulbescheinigung, format Format, nachricht []byte, by string) (Record, error) {
	if err := b.Validate(); err != nil {
		return Record{}, err
	}
	geb, _ := b.Schueler.Geburt.Datum.Time()
	von, bis := b.Gueltigkeit()
	r := Record{Format: format, Nachricht: nachricht, Familienname: b.Schueler.Name.Familienname.Name,
		Vornamen: b.Schueler.Name.Vorname.Name, Geburtsdatum: geb, Schulname: b.Schulname(), GueltigBis: bis, CreatedBy: by}
	if !von.IsZero() {
		r.GueltigVon = &von
	}
	if g := b.Schueler.Geschlecht.Value; len(g) == 1 {
		r.Geschlecht = g
	}
	if as := b.Schueler.Anschriften; len(as) > 0 {
		r.Strasse, r.Hausnummer, r.PLZ = as[0].Strasse, as[0].Hausnummer, as[0].Postleitzahl
	}
	return s.store.Create(ctx, r)
}

func (s *Service) Get(ctx context.Context, id string) (Record, error) { return s.store.Get(ctx, id) }

func (s *Service) List(ctx context.Context, after int64, limit int) ([]Record, error) {
	return s.store.List(ctx, after, limit)
}

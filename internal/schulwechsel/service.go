package schulwechsel

import (
	"context"
	"fmt"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"strconv"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// Format is the wire format a change of school arrived in.
type Format string

const (
	FormatJSON Format = "json" // the gateway's own JSON schema
	FormatXML  Format = "xml"  // XSchule 1.2 schueler.wechsel.0001
)

// Bewegung says what a change meant for the city's pupil records.
type Bewegung string

const (
	Innerhalb  Bewegung = "innerhalb"  // from one school of the city to another
	Zuzug      Bewegung = "zuzug"      // into a school of the city from outside
	Wegzug     Bewegung = "wegzug"     // from a school of the city to one outside
	Ausserhalb Bewegung = "ausserhalb" // neither school is one of the city's
	Abgang     Bewegung = "abgang"     // deregistered and admitted nowhere yet: an open departure
)

// DefaultFrist is how many days a deregistered pupil may be admitted
// nowhere before the open departure is a Schulpflicht matter.
const DefaultFrist = 14

// Record is a stored change of school; Nachricht is the message exactly as
// it was received, in Format.
type Record struct {
	ID        string
	Format    Format
	Nachricht []byte
	Bewegung  Bewegung
	CreatedBy string
	CreatedAt time.Time
}

// Aenderung is everything that storing one change does. The Service
// decides it; the Store applies it in one transaction, together with the
// change-feed entry.
type Aenderung struct {
	Record Record // ID and CreatedAt are set by the Store
	// Schuelernummer (if known) and Personenschluessel (the folded
	// "p:familienname|vornamen|geburtsdatum" key the Melderegister uses)
	// name the pupil across schools.
	Schuelernummer     string
	Personenschluessel string
	// Abgegangen are the keys (schueler.schluessel) under which the pupil
	// may be recorded at the city's school it left; active records are
	// marked abgegangen.
	Abgegangen []string
	// Aufgenommen is the pupil's record at the city's school it joins,
	// stored as aktiv; nil if it joins none.
	Aufgenommen *SchuelerEintrag
	// Aufnahmedatum is the day of admission, zero for an Abgang. An
	// admission closes the pupil's open departures that began on or before
	// it; a departure is born closed if such an admission is already known.
	Aufnahmedatum time.Time
	// OffenerAbgang is set for a deregistration without admission.
	OffenerAbgang *OffenerAbgang
}

// SchuelerEintrag is a pupil's record at a school as the city keeps it
// (table schueler, also written by pupil-list imports).
type SchuelerEintrag struct {
	Schluessel             string // importing.Schluessel of kind schueler
	Schulnummer            string
	Schuelernummer         string
	Familienname, Vornamen string
	Geburtsdatum           time.Time
	Geschlecht             string // m, w, d, x or ""
	Jahrgangsstufe         int    // 1–13; 0 for a grade without a number (Einführungsphase, …)
	Eintrittsdatum         time.Time
	Anschrift              Anschrift
}

// OffenerAbgang is a pupil deregistered at a school and not (yet) admitted
// anywhere. Once Frist has passed without an admission it is a case for
// the Schulpflicht check.
type OffenerAbgang struct {
	Schule                 string // Schulnummer of the city's school, else the message's identifier or name
	Familienname, Vornamen string
	Geburtsdatum           time.Time
	Abgangsdatum, Frist    time.Time
}

// Store keeps changes of school and applies their effect on the pupil
// records.
type Store interface {
	// Schulen returns those of the given Schulnummern that are schools of
	// the city (table schulen, either Träger).
	Schulen(ctx context.Context, schulnummern []string) (map[string]bool, error)
	// Create applies a in one transaction and returns the stored record.
	Create(ctx context.Context, a Aenderung) (Record, error)
	// Get returns a record or apperr.NotFound.
	Get(ctx context.Context, id string) (Record, error)
	// List returns up to limit records created after since, oldest first
	// (by time, then id).
	List(ctx context.Context, since time.Time, limit int) ([]Record, error)
}

// Service holds the rules of a change of school; storage is the Store's.
type Service struct {
	store Store
	frist int
}

// NewService returns a service whose open departures fall due fristTage
// days after leaving (DefaultFrist if fristTage < 1).
func NewService(store Store, fristTage int) *Service {
	if fristTage < 1 {
		fristTage = DefaultFrist
	}
	return &Service{store: store, frist: fristTage}
}

// Create checks w, stores it with the message as received and lets the
// city's pupil records follow it: the pupil leaves the city's school it
// came from (marked abgegangen), is recorded as aktiv at the city's school
// that admits it, and a deregistration without admission is kept as an
// open departure until an admission closes it.
func (s *Service) Create(ctx context.Context, w *Schulwechsel, f Format, nachricht []byte, createdBy string) (Record, error) {
	if err := ValidateForCity(w); err != nil {
		return Record{}, err
	}
	var kandidaten []string
	if w.Aufnahme != nil {
		kandidaten = append(kandidaten, w.Aufnahme.Schule.Schulnummern()...)
	}
	if w.BisherigeSchule != nil {
		kandidaten = append(kandidaten, w.BisherigeSchule.Schule.Schulnummern()...)
	}
	bekannt, err := s.store.Schulen(ctx, kandidaten)
	if err != nil {
		return Record{}, err
	}
	return s.store.Create(ctx, s.aenderung(w, Record{Format: f, Nachricht: nachricht, CreatedBy: createdBy}, bekannt))
}

// Get returns one stored change.
func (s *Service) Get(ctx context.Context, id string) (Record, error) { return s.store.Get(ctx, id) }

// List returns up to limit changes created after since, oldest first. A
// full page never ends inside a group of records with the same time, so a
// client that passes the time of the last record as the next since skips
// none of them.
func (s *Service) List(ctx context.Context, since time.Time, limit int) ([]Record, error) {
	list, err := s.store.List(ctx, since, limit)
	if err != nil || len(list) < limit {
		return list, err
	}
	last := list[len(list)-1].CreatedAt
	n := len(list)
	for n > 0 && list[n-1].CreatedAt.Equal(last) {
		n--
	}
	if n == 0 { // the whole page shares one time: nothing better to do
		return list, nil
	}
	return list[:n], nil
}

// ValidateForCity is Validate plus what the city's records need: the
// pupil records and the Melderegister match pupils by name and birth date,
// so the birth date must be complete (XSchule allows partial dates).
// Every problem is reported at once.
func ValidateForCity(w *Schulwechsel) error {
	var fs []apperr.FieldError
	if e, ok := apperr.As(w.Validate()); ok {
		fs = e.Fields
	}
	if d := w.Schueler.Geburt.Datum; !d.IsZero() && !d.Vollstaendig() {
		fs = append(fs, apperr.FieldError{Pointer: "/schueler/geburt/datum", Code: CodeGeburtsdatumUnvollstaendig,
			Message: "Das Geburtsdatum des Schülers muss vollständig sein (Tag, Monat, Jahr)."})
	}
	return apperr.Invalid("Der Schulwechsel ist unvollständig oder widersprüchlich.", fs)
}

// CodeGeburtsdatumUnvollstaendig is the code for a birth date without
// day or month.
const CodeGeburtsdatumUnvollstaendig = "geburtsdatum_unvollstaendig"

// aenderung decides the effect of a checked change; bekannt holds the
// Schulnummern that are schools of the city.
func (s *Service) aenderung(w *Schulwechsel, rec Record, bekannt map[string]bool) Aenderung {
	p := w.Schueler
	sn, _ := p.Schuelernummer()
	sn = strings.TrimSpace(sn)
	fam, vor := strings.TrimSpace(p.Name.Familienname.Name), strings.TrimSpace(p.Name.Vorname.Name)
	geb := mustTime(p.Geburt.Datum)
	// The keys a pupil-list import gives the pupil's record at a school.
	schluessel := func(schulnummer, schuelernummer string) string {
		return importing.Schluessel(importing.KindSchueler, map[string]any{"schulnummer": schulnummer,
			"schuelernummer": schuelernummer, "familienname": fam, "vornamen": vor, "geburtsdatum": geb})
	}
	a := Aenderung{
		Schuelernummer: sn,
		// Without an Ordnungsmerkmal the Melderegister's key is "p:…".
		Personenschluessel: importing.Schluessel(importing.KindMelderegister,
			map[string]any{"familienname": fam, "vornamen": vor, "geburtsdatum": geb}),
	}

	var alt, neu string
	if b := w.BisherigeSchule; b != nil {
		alt = erste(b.Schule.Schulnummern(), bekannt)
	}
	if alt != "" {
		a.Abgegangen = []string{schluessel(alt, "")} // the school's list may have lacked the Schülernummer
		if sn != "" {
			a.Abgegangen = append(a.Abgegangen, schluessel(alt, sn))
		}
	}
	if auf := w.Aufnahme; auf != nil {
		a.Aufnahmedatum = mustTime(auf.Datum)
		if neu = erste(auf.Schule.Schulnummern(), bekannt); neu != "" {
			a.Aufgenommen = &SchuelerEintrag{
				Schluessel: schluessel(neu, sn), Schulnummer: neu, Schuelernummer: sn,
				Familienname: fam, Vornamen: vor, Geburtsdatum: geb, Geschlecht: p.Geschlecht.Value,
				Jahrgangsstufe: jahrgangsstufe(auf.Jahrgangsstufe), Eintrittsdatum: a.Aufnahmedatum,
			}
			if len(p.Anschriften) > 0 {
				a.Aufgenommen.Anschrift = p.Anschriften[0]
			}
		}
	} else {
		b := w.BisherigeSchule
		ab := mustTime(b.Zeitraum.Ende)
		schule := alt
		if schule == "" {
			schule = bezeichnung(b.Schule)
		}
		a.OffenerAbgang = &OffenerAbgang{Schule: schule, Familienname: fam, Vornamen: vor, Geburtsdatum: geb,
			Abgangsdatum: ab, Frist: ab.AddDate(0, 0, s.frist)}
	}

	switch {
	case w.Aufnahme == nil:
		rec.Bewegung = Abgang
	case alt != "" && neu != "":
		rec.Bewegung = Innerhalb
	case neu != "":
		rec.Bewegung = Zuzug
	case alt != "":
		rec.Bewegung = Wegzug
	default:
		rec.Bewegung = Ausserhalb
	}
	a.Record = rec
	return a
}

// Schulnummern lists the identifiers of a school that may be its
// Schulnummer, those described as "Schulnummer" first.
func (s Schule) Schulnummern() []string {
	var first, rest []string
	for _, id := range s.Identifikationen {
		v := strings.TrimSpace(id.ID)
		switch b := strings.ToLower(strings.TrimSpace(id.Beschreibung)); {
		case v == "":
		case b == "schulnummer":
			first = append(first, v)
		default:
			rest = append(rest, v)
		}
	}
	return append(first, rest...)
}

func erste(kandidaten []string, bekannt map[string]bool) string {
	for _, k := range kandidaten {
		if bekannt[k] {
			return k
		}
	}
	return ""
}

// bezeichnung names a school outside the city: its first identifier, else
// its name.
func bezeichnung(s Schule) string {
	if ids := s.Schulnummern(); len(ids) > 0 {
		return ids[0]
	}
	return strings.TrimSpace(s.Name.Name) // Check ensured one of the two
}

// jahrgangsstufe reads the number of a Jahrgangsstufe code
// (".../jahrgangsstufe/jahrgangsstufe_7" → 7); 0 for the codes without one.
func jahrgangsstufe(c Code) int {
	v, ok := strings.CutPrefix(c.Value[strings.LastIndex(c.Value, "/")+1:], "jahrgangsstufe_")
	if !ok {
		return 0
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 || n > 13 {
		return 0
	}
	return n
}

// mustTime converts a date that Check has found complete.
func mustTime(d Datum) time.Time {
	t, ok := d.Time()
	if !ok {
		panic(fmt.Sprintf("schulwechsel: incomplete date %q after Check", d))
	}
	return t
}

package schulwechsel

import (
	"context"
	"crypto/sha256"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
	"time"
	_ "time/tzdata" // Ortszeit without the system's zone database

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/werte"
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
	// Uebergang: admitted into Schuljahrgang 5 by the school office's
	// allocation (issue #20), from the start of the school year; it leaves
	// the pupil records as they are until the school's list brings them.
	Uebergang Bewegung = "uebergang"
)

// DefaultFrist is how many days a deregistered pupil may be admitted
// nowhere before the open departure is a Schulpflicht matter.
const DefaultFrist = 14

// Record is a stored change of school; Nachricht is the message as it is
// kept, in Format: as received, or in canonical form where the gateway
// normalised it (Hinweise say what).
type Record struct {
	ID        string
	Format    Format
	Nachricht []byte
	Bewegung  Bewegung
	CreatedBy string
	CreatedAt time.Time
	// Hinweise note what the gateway normalised in the message.
	Hinweise []Hinweis
	// Klaerung is set when the change was stored only as an open question
	// for the school office and left the pupil records as they were.
	Klaerung *Klaerung
	// Wiederholung is true when this record answers a repeat of an
	// earlier message (same content, same pupil, same day); not stored.
	Wiederholung bool
	// Zurueckgenommen is when the admission was withdrawn (zero: it
	// stands): an Übergang admission whose family declined the place or
	// whose child moved up to an earlier wish.
	Zurueckgenommen time.Time
}

// Eingang is a change of school as it arrived.
type Eingang struct {
	Format Format
	// Nachricht is the message as it is to be kept: as received, or in
	// canonical form when Hinweise say something was normalised.
	Nachricht []byte
	// Original is the message as received when it differs from Nachricht
	// (kept for evidence); nil otherwise.
	Original  []byte
	Hinweise  []Hinweis
	CreatedBy string
}

// Grounds of an open question (Klaerung.Grund).
const (
	// GrundSchuelerUnbekannt: the pupil is not found at the city's school
	// it is said to leave.
	GrundSchuelerUnbekannt = "schueler_unbekannt"
)

// Klaerung is an open question for the school office: a change of school
// the gateway stored but did not apply to the city's pupil records.
type Klaerung struct {
	SchulwechselID string // set by the Store
	Grund          string // GrundSchuelerUnbekannt
	// Schule is the city's school the pupil was not found at;
	// Aufnehmende the school that admits it ("" for none).
	Schule, Aufnehmende    string
	Familienname, Vornamen string
	Geburtsdatum           time.Time
	CreatedAt              time.Time // set by the Store
}

// Text says in German what the question is and what the school office
// does about it.
func (k Klaerung) Text() string {
	folge := "die Schülerdaten der Stadt bleiben aber unverändert"
	if k.Aufnehmende != "" {
		folge = "der Schüler wird aber an der Schule " + k.Aufnehmende + " nicht als aktiver Schüler geführt"
	}
	return fmt.Sprintf("Der Schüler ist an der bisherigen Schule %s nicht bekannt (weder unter der Schülernummer noch unter Name und Geburtsdatum). "+
		"Der Schulwechsel ist gespeichert, %s, bis das Schulamt mit der Schule geklärt hat, wo der Schüler geführt wird. "+
		"Der Fall steht in der Liste der offenen Schulwechsel des Schulamts.", k.Schule, folge)
}

// Aenderung is everything that storing one change does. The Service
// decides it; the Store applies it in one transaction, together with the
// change-feed entry.
type Aenderung struct {
	Record Record // ID and CreatedAt are set by the Store
	// Original is the message as received when Record.Nachricht is its
	// canonical form; nil otherwise.
	Original []byte
	// Inhalt identifies the content (SHA-256 of the model), for finding a
	// repeat of the same message.
	Inhalt []byte
	// Schuelernummer (if known) and Personenschluessel (the folded
	// "p:familienname|vornamen|geburtsdatum" key the Melderegister uses)
	// name the pupil across schools.
	Schuelernummer     string
	Personenschluessel string
	// Abgegangen are the pupil's active records (schueler.id) at the city's
	// school it left; they are marked abgegangen.
	Abgegangen []int64
	// Aufgenommen is the pupil's record at the city's school it joins,
	// stored as aktiv; nil if it joins none.
	Aufgenommen *SchuelerEintrag
	// Aufnahmedatum is the day of admission, zero for an Abgang. An
	// admission closes the pupil's open departures that began on or before
	// it; a departure is born closed if such an admission is already known.
	Aufnahmedatum time.Time
	// OffenerAbgang is set for a deregistration without admission.
	OffenerAbgang *OffenerAbgang
	// Klaerung is set when the change is kept only as an open question.
	Klaerung *Klaerung
	// Wiederholung is an earlier record that answers this change: nothing
	// is written.
	Wiederholung *Record
}

// SchuelerEintrag is a pupil's record at a school as the city keeps it
// (table schueler, also written by pupil-list imports).
type SchuelerEintrag struct {
	// ID is the existing record to update (schueler.id); 0 writes the record
	// under Schluessel (inserted, or updated if the key exists).
	ID                     int64
	Schluessel             string // importing.Schluessel of kind schueler (schuelerSchluessel)
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
	SchulwechselID         string // set by the Store
	Schule                 string // Schulnummer of the city's school, else the message's identifier or name
	Familienname, Vornamen string
	Geburtsdatum           time.Time
	Abgangsdatum, Frist    time.Time
}

// Anfrage is what the Store looks up for one change before it is decided.
type Anfrage struct {
	// Schulnummern are the identifiers of both schools that may be
	// Schulnummern of the city's schools.
	Schulnummern []string
	// The pupil: its active records at the city's schools among
	// Schulnummern with this Schülernummer (if given) or this birth date.
	Schuelernummer string
	Geburtsdatum   time.Time
	// A repeat: a record with this Inhalt and Personenschluessel created
	// in [Von, Bis).
	Inhalt             []byte
	Personenschluessel string
	Von, Bis           time.Time
}

// Lage is what the Store found for an Anfrage, read in the transaction
// that then applies the decision.
type Lage struct {
	Bekannt  map[string]bool // Schulnummern that are schools of the city
	Schueler []Bestand       // active records at those schools, by Schülernummer or birth date
	Frueher  *Record         // the earliest record of the same content, pupil and day
}

// Bestand is an active pupil record at a school of the city.
type Bestand struct {
	ID                     int64
	Schulnummer            string
	Schuelernummer         string
	Familienname, Vornamen string
	Geburtsdatum           time.Time
}

// Store keeps changes of school and applies their effect on the pupil
// records.
type Store interface {
	// Create runs one change in a transaction, one at a time: it reads the
	// Lage for q, lets entscheide decide the Aenderung (an error rolls
	// back) and applies it with its change-feed entry. An Aenderung with a
	// Wiederholung writes nothing and returns that record.
	Create(ctx context.Context, q Anfrage, entscheide func(Lage) (Aenderung, error)) (Record, error)
	// Get returns a record or apperr.NotFound.
	Get(ctx context.Context, id string) (Record, error)
	// List returns up to limit records created after since, oldest first
	// (by time, then id).
	List(ctx context.Context, since time.Time, limit int) ([]Record, error)
	// Offen returns the open questions, oldest first, and the open
	// departures whose frist ended before stichtag, longest overdue first.
	Offen(ctx context.Context, stichtag time.Time) ([]Klaerung, []OffenerAbgang, error)
}

// Service holds the rules of a change of school; storage is the Store's.
type Service struct {
	store Store
	frist int
	now   func() time.Time
}

// NewService returns a service whose open departures fall due fristTage
// days after leaving (DefaultFrist if fristTage < 1).
func NewService(store Store, fristTage int) *Service {
	if fristTage < 1 {
		fristTage = DefaultFrist
	}
	return &Service{store: store, frist: fristTage, now: time.Now}
}

// Ortszeit is the city's time zone: "the same day" and "overdue" are
// counted in it.
var Ortszeit = func() *time.Location {
	loc, err := time.LoadLocation("Europe/Berlin")
	if err != nil {
		panic(err) // time/tzdata is embedded
	}
	return loc
}()

// Create checks w, stores it and lets the city's pupil records follow it:
// the pupil is found at the city's school it leaves (by Schülernummer,
// else by name and birth date) and that record is marked abgegangen; it is
// recorded as aktiv at the city's school that admits it (its existing
// record there, if any), and a deregistration without admission is kept
// as an open departure until an admission closes it. A pupil the city's
// school it leaves does not know is kept as an open question (Klaerung)
// and recorded nowhere; several records that fit are refused (422), never
// guessed. A repeat of the same message (same content, pupil and day) is
// answered with the first record and changes nothing.
func (s *Service) Create(ctx context.Context, w *Schulwechsel, e Eingang) (Record, error) {
	if err := ValidateForCity(w); err != nil {
		return Record{}, err
	}
	a := s.aenderung(w, Record{Format: e.Format, Nachricht: e.Nachricht, CreatedBy: e.CreatedBy, Hinweise: e.Hinweise})
	a.Original = e.Original
	inhalt, err := json.Marshal(w)
	if err != nil {
		return Record{}, fmt.Errorf("schulwechsel: content hash: %w", err)
	}
	sum := sha256.Sum256(inhalt)
	a.Inhalt = sum[:]
	heute := s.now().In(Ortszeit)
	von := time.Date(heute.Year(), heute.Month(), heute.Day(), 0, 0, 0, 0, Ortszeit)
	q := Anfrage{
		Schuelernummer: a.Schuelernummer, Geburtsdatum: mustTime(w.Schueler.Geburt.Datum),
		Inhalt: a.Inhalt, Personenschluessel: a.Personenschluessel, Von: von, Bis: von.AddDate(0, 0, 1),
	}
	if w.Aufnahme != nil {
		q.Schulnummern = append(q.Schulnummern, w.Aufnahme.Schule.Schulnummern()...)
	}
	if w.BisherigeSchule != nil {
		q.Schulnummern = append(q.Schulnummern, w.BisherigeSchule.Schule.Schulnummern()...)
	}
	return s.store.Create(ctx, q, func(l Lage) (Aenderung, error) { return s.entscheide(w, a, l) })
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

// Offen returns the open questions and the open departures overdue today.
func (s *Service) Offen(ctx context.Context) ([]Klaerung, []OffenerAbgang, error) {
	heute := s.now().In(Ortszeit)
	return s.store.Offen(ctx, time.Date(heute.Year(), heute.Month(), heute.Day(), 0, 0, 0, 0, time.UTC))
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

// aenderung is the part of the decision that needs no stored state: the
// pupil's keys, the admission, the open departure.
func (s *Service) aenderung(w *Schulwechsel, rec Record) Aenderung {
	p := w.Schueler
	sn, _ := p.Schuelernummer()
	sn = strings.TrimSpace(sn)
	fam, vor := strings.TrimSpace(p.Name.Familienname.Name), strings.TrimSpace(p.Name.Vorname.Name)
	geb := mustTime(p.Geburt.Datum)
	a := Aenderung{
		Record:         rec,
		Schuelernummer: sn,
		// Without an Ordnungsmerkmal the Melderegister's key is "p:…".
		Personenschluessel: Personenschluessel(fam, vor, geb),
	}
	if auf := w.Aufnahme; auf != nil {
		a.Aufnahmedatum = mustTime(auf.Datum)
	}
	return a
}

// Personenschluessel is the key a change of school names its pupil by
// across schools: the Melderegister's key of a person without an
// Ordnungsmerkmal, as importing.Schluessel forms it ("p:…"; a test holds
// the two together).
func Personenschluessel(familienname, vornamen string, geburtsdatum time.Time) string {
	return "p:" + werte.Personenschluessel(familienname, vornamen, geburtsdatum)
}

// schuelerSchluessel is the key of a pupil list's record, as
// importing.Schluessel forms it for kind schueler: the school, then the
// Schülernummer where known, else the person.
func schuelerSchluessel(schulnummer, schuelernummer, familienname, vornamen string, geburtsdatum time.Time) string {
	if schuelernummer != "" {
		return schulnummer + "/sn:" + schuelernummer
	}
	return schulnummer + "/p:" + werte.Personenschluessel(familienname, vornamen, geburtsdatum)
}

// entscheide decides the effect of a checked change on the city's pupil
// records, given what the Store found.
func (s *Service) entscheide(w *Schulwechsel, a Aenderung, l Lage) (Aenderung, error) {
	if l.Frueher != nil {
		first := *l.Frueher
		first.Wiederholung = true
		return Aenderung{Wiederholung: &first}, nil
	}
	p := w.Schueler
	sn := a.Schuelernummer
	fam, vor := strings.TrimSpace(p.Name.Familienname.Name), strings.TrimSpace(p.Name.Vorname.Name)
	geb := mustTime(p.Geburt.Datum)

	var alt, neu string
	if b := w.BisherigeSchule; b != nil {
		alt = erste(b.Schule.Schulnummern(), l.Bekannt)
	}
	if auf := w.Aufnahme; auf != nil {
		neu = erste(auf.Schule.Schulnummern(), l.Bekannt)
	}

	unbekannt := false
	if alt != "" {
		ids, err := s.finde(alt, a, l.Schueler)
		if err != nil {
			return Aenderung{}, err
		}
		a.Abgegangen = ids
		unbekannt = len(ids) == 0
	}
	switch {
	case unbekannt:
		// Not a pupil of the school it is said to leave: nothing in the
		// records changes until the school office has cleared it.
		a.Klaerung = &Klaerung{Grund: GrundSchuelerUnbekannt, Schule: alt, Aufnehmende: neu,
			Familienname: fam, Vornamen: vor, Geburtsdatum: geb}
	case neu != "":
		auf := w.Aufnahme
		a.Aufgenommen = &SchuelerEintrag{
			Schluessel:  schuelerSchluessel(neu, sn, fam, vor, geb),
			Schulnummer: neu, Schuelernummer: sn,
			Familienname: fam, Vornamen: vor, Geburtsdatum: geb, Geschlecht: p.Geschlecht.Value,
			Jahrgangsstufe: jahrgangsstufe(auf.Jahrgangsstufe), Eintrittsdatum: a.Aufnahmedatum,
		}
		if len(p.Anschriften) > 0 {
			a.Aufgenommen.Anschrift = p.Anschriften[0]
		}
		// A record of the pupil the admitting school already has (its list
		// may have come first) is the one that becomes aktiv.
		ids, err := s.finde(neu, a, l.Schueler)
		if err != nil {
			return Aenderung{}, err
		}
		if len(ids) == 1 {
			a.Aufgenommen.ID = ids[0]
		}
	}
	if w.Aufnahme == nil {
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
		a.Record.Bewegung = Abgang
	case alt != "" && neu != "":
		a.Record.Bewegung = Innerhalb
	case neu != "":
		a.Record.Bewegung = Zuzug
	case alt != "":
		a.Record.Bewegung = Wegzug
	default:
		a.Record.Bewegung = Ausserhalb
	}
	a.Record.Klaerung = a.Klaerung
	return a, nil
}

// CodeSchuelerMehrdeutig is the code of the refusal when several records
// of a school fit the pupil.
const CodeSchuelerMehrdeutig = "schueler_mehrdeutig"

// finde returns the pupil's active records at the school: those with its
// Schülernummer, else those whose name and birth date fold to its key
// (the Melderegister's and the importer's comparison) and that carry no
// other Schülernummer. More than one is refused, never guessed.
func (s *Service) finde(schule string, a Aenderung, bestand []Bestand) ([]int64, error) {
	var nachNummer, nachName []int64
	for _, b := range bestand {
		if b.Schulnummer != schule {
			continue
		}
		bsn := strings.TrimSpace(b.Schuelernummer)
		switch {
		case a.Schuelernummer != "" && bsn == a.Schuelernummer:
			nachNummer = append(nachNummer, b.ID)
		case (bsn == "" || a.Schuelernummer == "") &&
			Personenschluessel(b.Familienname, b.Vornamen, b.Geburtsdatum) == a.Personenschluessel:
			nachName = append(nachName, b.ID)
		}
	}
	ids, wie := nachNummer, "mit der Schülernummer "+a.Schuelernummer
	if len(ids) == 0 {
		ids, wie = nachName, "mit demselben Namen und Geburtsdatum"
	}
	if len(ids) > 1 {
		return nil, apperr.Invalid("Der Schüler ist nicht eindeutig bestimmt.", []apperr.FieldError{{
			Pointer: "/schueler", Code: CodeSchuelerMehrdeutig,
			Message: fmt.Sprintf("An der Schule %s sind %d aktive Schüler %s geführt; welcher gemeint ist, bleibt offen. "+
				"Bitte die Schülernummer mitsenden oder die Schülerliste der Schule berichtigen.", schule, len(ids), wie),
		}})
	}
	return ids, nil
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

package schulpflicht

import (
	"context"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/page"
)

// Status is where a reconciliation (Abgleich) stands.
type Status string

const (
	StatusQueued    Status = "queued"
	StatusRunning   Status = "running"
	StatusSucceeded Status = "succeeded"
	StatusFailed    Status = "failed"
)

// Anzahl counts the outcome of a reconciliation.
type Anzahl struct {
	Residents int // resident children of full-time compulsory age on the stichtag
	Auto      int
	Review    int
	Keine     int
}

// Abgleich is one reconciliation of the register with the pupils known to
// the city, for a reference date. It runs as a background job.
type Abgleich struct {
	ID         string
	Stichtag   time.Time
	Status     Status
	CreatedBy  string
	CreatedAt  time.Time
	StartedAt  *time.Time
	FinishedAt *time.Time
	Anzahl     Anzahl
	Detail     string // German; the reason of a failure
}

// Quelle is where a pupil is known from.
type Quelle string

const (
	QuelleSchueler     Quelle = "schueler"     // a school list of the city (also Schulwechsel admissions)
	QuelleBestaetigung Quelle = "bestaetigung" // a confirmation from a school outside the city
	// QuelleAufnahme: an Einschulung admission the BMS reported for the
	// school year of the stichtag (first graders before any school list
	// has them); the pupil is the register's record of the child.
	QuelleAufnahme Quelle = "aufnahme"
	// QuelleSchulbescheinigung: an XSchule Schulbescheinigung of a school
	// (usually outside the city) whose validity covers the stichtag.
	QuelleSchulbescheinigung Quelle = "schulbescheinigung"
)

// PupilID names a pupil across sources, as Person.ID and in the API:
// "schueler:17", "bestaetigung:4", "aufnahme:12".
func PupilID(q Quelle, ref int64) string { return string(q) + ":" + strconv.FormatInt(ref, 10) }

// ParsePupilID reads a PupilID.
func ParsePupilID(s string) (Quelle, int64, bool) {
	q, n, ok := strings.Cut(s, ":")
	ref, err := strconv.ParseInt(n, 10, 64)
	if !ok || err != nil || ref <= 0 || !slices.Contains([]Quelle{QuelleSchueler, QuelleBestaetigung, QuelleAufnahme, QuelleSchulbescheinigung}, Quelle(q)) {
		return "", 0, false
	}
	return Quelle(q), ref, true
}

// Treffer is the pupil a resident was matched to, as a list shows it.
type Treffer struct {
	ID             string
	Quelle         Quelle
	Schulnummer    string
	Schulname      string // confirmations: the school outside the city
	Schuelernummer string
	Familienname   string
	Vornamen       string
	Geburtsdatum   time.Time
}

// Eintrag is one resident's line of a reconciliation.
type Eintrag struct {
	KindID           int64
	Ordnungsmerkmal  string
	Familienname     string
	Vornamen         string
	Geburtsdatum     time.Time
	Entscheidung     Entscheidung
	Score            float64
	Uebereinstimmend []Feld
	Begruendung      string
	Schueler         *Treffer // nil for none
}

// Zeile is a resident's outcome as stored: the matcher's Zuordnung with
// the school and pupil number of the matched pupil as the run saw them.
type Zeile struct {
	Zuordnung
	Schulnummer    string
	Schuelernummer string
	// NeuerFall: the child needs a case (Keine) and none is open; Anlass
	// says why when an earlier case of the child was closed.
	NeuerFall bool
	Anlass    string
}

// Store is what the Schulpflicht needs from storage.
type Store interface {
	// CreateAbgleich queues a reconciliation.
	CreateAbgleich(ctx context.Context, stichtag time.Time, by string) (Abgleich, error)
	// Abgleich reads one; NotFound when there is none.
	Abgleich(ctx context.Context, id string) (Abgleich, error)
	// Einwohner returns the children the register lists as resident
	// (status gemeldet) born between von and bis, inclusive, in id order.
	Einwohner(ctx context.Context, von, bis time.Time) ([]Einwohner, error)
	// Schueler returns every pupil known: active pupils of the city's
	// schools (not those who left, status abgegangen), confirmations of
	// schools outside, and admissions the BMS reported for the school year
	// that starts in schuljahr and that still stand (no Abmeldung, no
	// deferral granted since), and Schulbescheinigungen whose validity
	// covers the stichtag.
	Schueler(ctx context.Context, schuljahr int, stichtag time.Time) ([]Person, error)
	// Urteile returns every reviewer's verdict.
	Urteile(ctx context.Context) ([]Urteil, error)
	// ErledigteFaelle returns, per child without an open case, its latest
	// closed case.
	ErledigteFaelle(ctx context.Context) ([]ErledigterFall, error)
	// SaveErgebnis stores the outcome of reconciliation id in one
	// transaction: one line per resident, a case with its Anlass for each
	// line with NeuerFall (no second open case for a child), the counts,
	// status succeeded.
	SaveErgebnis(ctx context.Context, id string, zeilen []Zeile) (Anzahl, error)
	// Zuordnungen pages through a reconciliation's lines in kind_id order.
	Zuordnungen(ctx context.Context, id string, e Entscheidung, after int64, limit int) ([]Eintrag, error)
	// SaveUrteil stores a verdict in place of an earlier one on the same
	// pair; NotFound when the child or the pupil does not exist.
	SaveUrteil(ctx context.Context, u Urteil, by string) (neu bool, err error)
	// Faelle pages through the cases with the status ("" = all) in id order.
	Faelle(ctx context.Context, status FallStatus, after int64, limit int) ([]Fall, error)
	// Fall reads one case with its history; NotFound when there is none.
	Fall(ctx context.Context, id int64) (Fall, error)
	// Schuelerlisten returns every school of the city with when its pupil
	// list was last imported, in Schulnummer order.
	Schuelerlisten(ctx context.Context) ([]Schuelerliste, error)
	// AendereFall locks the case, applies change and, if it returns a
	// history entry, writes both in one transaction.
	AendereFall(ctx context.Context, id int64, change func(Fall) (Fall, *Historie, error)) (Fall, error)
}

// Service starts and runs reconciliations and keeps reviews and cases.
type Service struct {
	store      Store
	spanne     Spanne
	cfg        Konfiguration
	queued     func() // tells the local worker there is work; may be nil
	abgleichen func(residents, pupils []Person, urteile []Urteil, cfg Konfiguration) []Zuordnung
	// listenMaxAlter: days a pupil list may be old before it is reported.
	listenMaxAlter int
	now            func() time.Time
}

// NewService uses the matcher Abgleichen with cfg.
func NewService(store Store, spanne Spanne, cfg Konfiguration, queued func()) *Service {
	if spanne.Jahre <= 0 {
		spanne.Jahre = 9
	}
	return &Service{store: store, spanne: spanne, cfg: cfg, queued: queued, abgleichen: Abgleichen,
		listenMaxAlter: StandardListenMaxAlterTage, now: time.Now}
}

// SetQueued sets the function that wakes the local worker.
func (s *Service) SetQueued(f func()) { s.queued = f }

// PruefeStichtag reads the stichtag of a reconciliation ("YYYY-MM-DD").
func PruefeStichtag(stichtag string) (time.Time, error) {
	d, err := time.Parse(time.DateOnly, strings.TrimSpace(stichtag))
	if err != nil {
		msg := "Der Stichtag fehlt. Erwartet: JJJJ-MM-TT, z. B. 2026-09-15."
		code := "pflichtfeld_leer"
		if stichtag != "" {
			msg, code = fmt.Sprintf("„%s“ ist kein gültiges Datum. Erwartet: JJJJ-MM-TT, z. B. 2026-09-15.", stichtag), "datum_ungueltig"
		}
		return time.Time{}, apperr.Invalid("Die Angaben sind fehlerhaft.", []apperr.FieldError{{Pointer: "/stichtag", Code: code, Message: msg}})
	}
	if d.Year() < 2000 || d.Year() > 2100 {
		return time.Time{}, apperr.Invalid("Die Angaben sind fehlerhaft.", []apperr.FieldError{{Pointer: "/stichtag", Code: "ausserhalb_bereich",
			Message: "Der Stichtag muss zwischen 2000 und 2100 liegen."}})
	}
	return d, nil
}

// Starte queues a reconciliation for stichtag ("YYYY-MM-DD"). Without
// any pupil list it refuses (every child would become a case) unless
// trotzdem is set.
func (s *Service) Starte(ctx context.Context, stichtag, by string, trotzdem bool) (Abgleich, error) {
	d, err := PruefeStichtag(stichtag)
	if err != nil {
		return Abgleich{}, err
	}
	if !trotzdem {
		v, err := s.Voraussetzungen(ctx)
		if err != nil {
			return Abgleich{}, err
		}
		if v.KeineListe {
			return Abgleich{}, ohneListen(v)
		}
	}
	a, err := s.store.CreateAbgleich(ctx, d, by)
	if err != nil {
		return Abgleich{}, err
	}
	if s.queued != nil {
		s.queued()
	}
	return a, nil
}

// Abgleich reads a reconciliation.
func (s *Service) Abgleich(ctx context.Context, id string) (Abgleich, error) {
	return s.store.Abgleich(ctx, id)
}

// Fuehre runs a claimed reconciliation: residents of compulsory age on
// its stichtag against every known pupil, with every verdict, stored at
// once. The job's work; the worker calls it.
func (s *Service) Fuehre(ctx context.Context, id string) (Anzahl, error) {
	a, err := s.store.Abgleich(ctx, id)
	if err != nil {
		return Anzahl{}, err
	}
	von, bis := s.spanne.Geburtszeitraum(a.Stichtag)
	alle, err := s.store.Einwohner(ctx, von, bis)
	if err != nil {
		return Anzahl{}, err
	}
	residents := alle[:0]
	for _, e := range alle {
		if s.spanne.Vollzeitschulpflichtig(e, a.Stichtag) {
			residents = append(residents, e)
		}
	}
	pupils, err := s.store.Schueler(ctx, SchuljahrAm(a.Stichtag), a.Stichtag)
	if err != nil {
		return Anzahl{}, err
	}
	urteile, err := s.store.Urteile(ctx)
	if err != nil {
		return Anzahl{}, err
	}
	persons := make([]Person, len(residents))
	for i, e := range residents {
		persons[i] = e.Person
	}
	z := s.abgleichen(persons, pupils, urteile, s.cfg)
	if len(z) != len(residents) {
		return Anzahl{}, fmt.Errorf("matcher returned %d outcomes for %d residents", len(z), len(residents))
	}
	erledigte, err := s.store.ErledigteFaelle(ctx)
	if err != nil {
		return Anzahl{}, err
	}
	geschlossen := make(map[string]ErledigterFall, len(erledigte))
	for _, f := range erledigte {
		geschlossen[f.KindID] = f
	}
	byID := make(map[string]int, len(pupils))
	for i, p := range pupils {
		byID[p.ID] = i
	}
	zeilen := make([]Zeile, len(z))
	for i, x := range z {
		zeilen[i].Zuordnung = x
		if j, ok := byID[x.PupilID]; ok && x.PupilID != "" {
			zeilen[i].Schulnummer, zeilen[i].Schuelernummer = pupils[j].Schulnummer, pupils[j].Schuelernummer
		}
		if x.Entscheidung == Keine {
			// A closed case stays closed while its reason covers what
			// this run finds; otherwise a new case says why.
			f, zu := geschlossen[x.ResidentID]
			zeilen[i].Anlass = f.Wiederaufnahme(a.Stichtag)
			zeilen[i].NeuerFall = !zu || zeilen[i].Anlass != ""
		}
	}
	return s.store.SaveErgebnis(ctx, id, zeilen)
}

// Run is Fuehre for the worker.
func (s *Service) Run(ctx context.Context, id string) error {
	_, err := s.Fuehre(ctx, id)
	return err
}

// Zuordnungen lists a reconciliation's lines, filtered by decision
// ("" = all); after is the Next of the previous page.
func (s *Service) Zuordnungen(ctx context.Context, id, entscheidung, after string, limit int) (page.Page[Eintrag], error) {
	e := Entscheidung(entscheidung)
	var fe []apperr.FieldError
	if e != "" && e != Auto && e != Review && e != Keine {
		fe = append(fe, apperr.FieldError{Pointer: "/entscheidung", Code: "entscheidung_unbekannt",
			Message: fmt.Sprintf("„%s“ ist keine Entscheidung. Erlaubt: auto, review, none.", entscheidung)})
	}
	pos, ok := parseAfter(after)
	if !ok {
		fe = append(fe, afterUngueltig)
	}
	if err := apperr.Invalid("Die Parameter sind fehlerhaft.", fe); err != nil {
		return page.Page[Eintrag]{}, err
	}
	if _, err := s.store.Abgleich(ctx, id); err != nil {
		return page.Page[Eintrag]{}, err
	}
	items, err := s.store.Zuordnungen(ctx, id, e, pos, limit+1)
	if err != nil {
		return page.Page[Eintrag]{}, err
	}
	return seite(items, limit, func(x Eintrag) int64 { return x.KindID }), nil
}

// UrteilEingabe is a reviewer's verdict as the API takes it.
type UrteilEingabe struct {
	KindID     string
	SchuelerID string
	Bestaetigt *bool
}

// Pruefen reports every failing field of the verdict at once.
func (in UrteilEingabe) Pruefen() error {
	var fe []apperr.FieldError
	if n, err := strconv.ParseInt(in.KindID, 10, 64); err != nil || n <= 0 {
		fe = append(fe, apperr.FieldError{Pointer: "/kind_id", Code: "kennung_ungueltig",
			Message: "kind_id muss die Kennung eines Kindes aus einer Zuordnung sein."})
	}
	if _, _, ok := ParsePupilID(in.SchuelerID); !ok {
		fe = append(fe, apperr.FieldError{Pointer: "/schueler_id", Code: "kennung_ungueltig",
			Message: "schueler_id muss die Kennung eines Schülers aus einer Zuordnung sein, z. B. „schueler:17“, „bestaetigung:4“ oder „aufnahme:12“."})
	}
	if in.Bestaetigt == nil {
		fe = append(fe, apperr.FieldError{Pointer: "/bestaetigt", Code: "pflichtfeld_leer",
			Message: "bestaetigt fehlt: true, wenn es dasselbe Kind ist, sonst false."})
	}
	return apperr.Invalid("Das Urteil ist fehlerhaft.", fe)
}

// Urteile stores a verdict on a pair; it applies from the next run on.
func (s *Service) Urteile(ctx context.Context, in UrteilEingabe, by string) (Urteil, bool, error) {
	if err := in.Pruefen(); err != nil {
		return Urteil{}, false, err
	}
	u := Urteil{ResidentID: in.KindID, PupilID: in.SchuelerID, Bestaetigt: *in.Bestaetigt}
	neu, err := s.store.SaveUrteil(ctx, u, by)
	return u, neu, err
}

// Faelle lists cases with the status ("" = all).
func (s *Service) Faelle(ctx context.Context, status, after string, limit int) (page.Page[Fall], error) {
	st, err := ParseFallStatus(status)
	var fe []apperr.FieldError
	if e, ok := apperr.As(err); ok {
		fe = append(fe, e.Fields...)
	}
	pos, ok := parseAfter(after)
	if !ok {
		fe = append(fe, afterUngueltig)
	}
	if err := apperr.Invalid("Die Parameter sind fehlerhaft.", fe); err != nil {
		return page.Page[Fall]{}, err
	}
	items, err := s.store.Faelle(ctx, st, pos, limit+1)
	if err != nil {
		return page.Page[Fall]{}, err
	}
	return seite(items, limit, func(f Fall) int64 { return f.ID }), nil
}

// AlleFaelle lists every case with the status, for the export.
func (s *Service) AlleFaelle(ctx context.Context, status string) ([]Fall, error) {
	st, err := ParseFallStatus(status)
	if err != nil {
		return nil, err
	}
	return s.store.Faelle(ctx, st, 0, 0)
}

// Fall reads one case with its history.
func (s *Service) Fall(ctx context.Context, id string) (Fall, error) {
	n, ok := fallID(id)
	if !ok {
		return Fall{}, fallFehlt
	}
	return s.store.Fall(ctx, n)
}

// AendereFall applies a merge patch to a case and records it in the
// case's history, in one transaction.
func (s *Service) AendereFall(ctx context.Context, id string, a FallAenderung, wer string) (Fall, error) {
	return s.AendereFallWenn(ctx, id, a, wer, nil)
}

// AendereFallWenn is AendereFall for a client that read the case first:
// the change applies only while passt accepts the stored case (the
// version the client read, checked under the row lock of the change),
// else apperr.ClassPreconditionFailed. passt nil: no precondition.
func (s *Service) AendereFallWenn(ctx context.Context, id string, a FallAenderung, wer string, passt func(Fall) bool) (Fall, error) {
	n, ok := fallID(id)
	if !ok {
		return Fall{}, fallFehlt
	}
	return s.store.AendereFall(ctx, n, func(f Fall) (Fall, *Historie, error) {
		if passt != nil && !passt(f) {
			return Fall{}, nil, apperr.PreconditionFailed("Der Fall wurde inzwischen von jemand anderem geändert. Bitte den aktuellen Stand (unter „aktuell“) prüfen und die Änderung darauf erneut vornehmen.")
		}
		return f.Anwenden(a, wer)
	})
}

var fallFehlt = apperr.NotFound("Diesen Fall gibt es nicht.")

func fallID(s string) (int64, bool) {
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

var afterUngueltig = page.AfterError("position_ungueltig")

// parseAfter reads a list position; positions are the decimal key of the
// last item ("" = from the start).
func parseAfter(s string) (int64, bool) {
	if s == "" {
		return 0, true
	}
	n, err := strconv.ParseInt(s, 10, 64)
	return n, err == nil && n > 0
}

// seite cuts items (read with limit+1) to a page.
func seite[T any](items []T, limit int, key func(T) int64) page.Page[T] {
	return page.Cut(items, limit, func(x T) string { return strconv.FormatInt(key(x), 10) })
}

package uebergang

import (
	"cmp"
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Kind is a child of the register as an application is matched to it.
type Kind struct {
	Schluessel      string // kinder.schluessel
	Ordnungsmerkmal string
	Familienname    string
	Vornamen        string
	Rufname         string
	Geburtsdatum    time.Time
}

// Antrag is an application as it is sent (POST …/anmeldungen).
type Antrag struct {
	Ordnungsmerkmal string
	Familienname    string
	Vornamen        string
	Geburtsdatum    string // ISO 8601
	Grundschule     string
	Wuensche        []string
	Haertefall      bool
	Geschwister     []string
}

// Gespeichert is a stored application with the child it was matched to.
type Gespeichert struct {
	ID          string
	Schuljahr   werte.Schuljahr
	Kind        Kind
	Grundschule string
	Anmeldung   Anmeldung // ID, Wuensche, Haertefall, Geschwister
	Geaendert   time.Time
}

// Kapazitaet is the number of places in Schuljahrgang 5 of a school.
type Kapazitaet struct {
	Schule schule.Schule
	// Plaetze is nil when neither the school office nor the school's data
	// (Züge × Klassenfrequenz) give a number.
	Plaetze *int
	// Festgelegt: set by the school office for this school year (else
	// taken from the school's data).
	Festgelegt bool
}

// Lauf is a stored allocation run with everything it was computed from.
type Lauf struct {
	ID        string
	Schuljahr werte.Schuljahr
	Verfahren Verfahren
	Seed      string // 64 hex digits
	Kriterien []Kriterium
	Status    string // StatusBerechnet, StatusBestaetigt
	Erstellt  time.Time
	// Bestaetigt is when the school office confirmed the run (zero: not).
	Bestaetigt time.Time
	Plaetze    map[string]int
	// Anmeldungen are the applications as they were when the run was made.
	Anmeldungen []Anmeldung
	Ergebnis    Ergebnis
}

// Uebersicht is a run as a school year's list shows it: without its
// inputs and results, with the numbers of its report's headline (the
// result as computed, like the report).
type Uebersicht struct {
	ID         string
	Verfahren  Verfahren
	Seed       string
	Status     string
	Erstellt   time.Time
	Bestaetigt time.Time // zero: not confirmed
	Kinder     int
	// Wunsch counts the children admitted at their first, second, third
	// wish ([1]–[3]) and without a place ([0]).
	Wunsch [MaxWuensche + 1]int
}

// Status of a run: computed, or confirmed by the school office (at most
// one run per school year).
const (
	StatusBerechnet  = "berechnet"
	StatusBestaetigt = "bestaetigt"
)

// Store is what the Übergang needs from storage.
type Store interface {
	// KinderMitOrdnungsmerkmal returns the register's children with the
	// Ordnungsmerkmal (normally one).
	KinderMitOrdnungsmerkmal(ctx context.Context, om string) ([]Kind, error)
	// KinderGeborenAm returns the register's children born on tag.
	KinderGeborenAm(ctx context.Context, tag time.Time) ([]Kind, error)
	// SpeichereAnmeldung stores the child's application of a school year,
	// replacing an earlier one of the same child; it returns the stored
	// application (its id stays) and whether it is new.
	SpeichereAnmeldung(ctx context.Context, g Gespeichert) (Gespeichert, bool, error)
	// Anmeldungen returns up to limit applications of sj with id > after, by id.
	Anmeldungen(ctx context.Context, sj werte.Schuljahr, after string, limit int) ([]Gespeichert, error)
	// AlleAnmeldungen returns every application of sj.
	AlleAnmeldungen(ctx context.Context, sj werte.Schuljahr) ([]Anmeldung, error)
	// FestePlaetze returns the places the school office set for sj.
	FestePlaetze(ctx context.Context, sj werte.Schuljahr) (map[string]int, error)
	// SetzePlaetze sets the places of a school in sj while no run of sj is
	// confirmed; it returns ErrLaufBestaetigt, changing nothing, when one
	// is (confirmed meanwhile: setting places and confirming exclude each
	// other).
	SetzePlaetze(ctx context.Context, sj werte.Schuljahr, schulnummer string, plaetze int) error
	// SpeichereLauf stores a run and its results in one transaction and
	// returns it with id and time.
	SpeichereLauf(ctx context.Context, l Lauf) (Lauf, error)
	// Laeufe returns up to limit runs of sj created after run after ("":
	// from the first), oldest first; apperr invalid when after is no run of sj.
	Laeufe(ctx context.Context, sj werte.Schuljahr, after string, limit int) ([]Uebersicht, error)
	// Lauf returns a run of sj with its inputs and results; apperr not
	// found when there is none.
	Lauf(ctx context.Context, sj werte.Schuljahr, id string) (Lauf, error)
	// Bestaetige marks run id of sj confirmed by wer, feeds its admissions
	// and records them as Schulwechsel admissions, in one transaction;
	// apperr conflict naming the confirmed run when another run of sj is
	// confirmed already.
	Bestaetige(ctx context.Context, sj werte.Schuljahr, id, wer string) (time.Time, error)
	// Empfaenger returns the children of run id's applications as the
	// register has them now, by application id (a child no longer in the
	// register is missing).
	Empfaenger(ctx context.Context, id string) (map[string]Empfaenger, error)
	// Aenderungen returns the changes recorded in run id after its
	// confirmation, in order, without their moves (to replay them).
	Aenderungen(ctx context.Context, id string) ([]Aenderung, error)
	// Absagen returns up to limit declines of run id with id > after, in
	// order, each with its moves.
	Absagen(ctx context.Context, id string, after int64, limit int) ([]Aenderung, error)
	// SpeichereAenderung records a change of the confirmed run id (a
	// decline, or new places, which it sets as SetzePlaetze does) with the
	// moves it caused, and feeds them to the BMS, in one transaction;
	// apperr conflict when the run has other than bisher changes by then
	// (one recorded meanwhile).
	SpeichereAenderung(ctx context.Context, sj werte.Schuljahr, id string, bisher int, a Aenderung) (Aenderung, error)
	// BestaetigterLauf returns the id of the confirmed run of sj ("" none).
	BestaetigterLauf(ctx context.Context, sj werte.Schuljahr) (string, error)
}

// Schulen lists the city's schools.
type Schulen interface {
	List(ctx context.Context) ([]schule.Schule, error)
}

// Service takes applications and capacities and makes allocation runs.
type Service struct {
	store     Store
	schulen   Schulen
	Kriterien []Kriterium
	// Schwelle suppresses the report for planners (planung.StandardSchwelle).
	Schwelle int
	// Seed draws a run's seed; nil: crypto/rand.
	Seed func() ([SeedBytes]byte, error)
}

func NewService(store Store, schulen Schulen, schwelle int) *Service {
	return &Service{store: store, schulen: schulen, Kriterien: StandardKriterien, Schwelle: schwelle}
}

// Weiterfuehrend reports whether a school of form f takes children into
// Schuljahrgang 5.
func Weiterfuehrend(f schule.Schulform) bool {
	switch f {
	case schule.Sekundarschule, schule.Gemeinschaftsschule, schule.Gesamtschule, schule.Gymnasium:
		return true
	}
	return false
}

func (s *Service) schulMap(ctx context.Context) (map[string]schule.Schule, error) {
	list, err := s.schulen.List(ctx)
	if err != nil {
		return nil, err
	}
	m := make(map[string]schule.Schule, len(list))
	for _, sch := range list {
		m[sch.Schulnummer] = sch
	}
	return m, nil
}

// Kapazitaeten returns the places of every secondary school (and of every
// other school the school office set places for) in sj, by Schulnummer.
func (s *Service) Kapazitaeten(ctx context.Context, sj werte.Schuljahr) ([]Kapazitaet, error) {
	schulen, err := s.schulMap(ctx)
	if err != nil {
		return nil, err
	}
	fest, err := s.store.FestePlaetze(ctx, sj)
	if err != nil {
		return nil, err
	}
	var out []Kapazitaet
	for nr, sch := range schulen {
		n, ok := fest[nr]
		if !ok && !Weiterfuehrend(sch.Schulform) {
			continue
		}
		k := Kapazitaet{Schule: sch, Festgelegt: ok}
		if ok {
			k.Plaetze = &n
		} else if sch.Zuege != nil && sch.Klassenfrequenz != nil {
			p := *sch.Zuege * *sch.Klassenfrequenz
			k.Plaetze = &p
		}
		out = append(out, k)
	}
	slices.SortFunc(out, func(a, b Kapazitaet) int { return cmp.Compare(a.Schule.Schulnummer, b.Schule.Schulnummer) })
	return out, nil
}

// MaxPlaetze bounds the places of one school.
const MaxPlaetze = 2000

// ErrLaufBestaetigt is what Store.SetzePlaetze answers when a run of the
// school year is confirmed: places then change through the run's state.
var ErrLaufBestaetigt = errors.New("uebergang: a run of the school year is confirmed")

// SetzeKapazitaet sets the places of a school in sj. After a run of sj
// was confirmed, more places go down the school's waiting list in order as
// a declined place does (returned as moves, recorded with wer and fed to
// the BMS with the new places, in one transaction); fewer than the
// children admitted there now are refused (409).
func (s *Service) SetzeKapazitaet(ctx context.Context, sj werte.Schuljahr, schulnummer string, plaetze int, wer string) (Kapazitaet, []Bewegung, error) {
	schulen, err := s.schulMap(ctx)
	if err != nil {
		return Kapazitaet{}, nil, err
	}
	sch, ok := schulen[schulnummer]
	if !ok {
		return Kapazitaet{}, nil, apperr.NotFound(fmt.Sprintf("Eine Schule mit der Schulnummer „%s“ gibt es nicht.", schulnummer))
	}
	if plaetze < 0 || plaetze > MaxPlaetze {
		return Kapazitaet{}, nil, apperr.Invalid("Die Zahl der Plätze ist ungültig.", []apperr.FieldError{{Pointer: "/plaetze", Code: "plaetze_ungueltig",
			Message: fmt.Sprintf("plaetze muss eine ganze Zahl von 0 bis %d sein.", MaxPlaetze)}})
	}
	k := Kapazitaet{Schule: sch, Plaetze: &plaetze, Festgelegt: true}
	id, err := s.store.BestaetigterLauf(ctx, sj)
	if err != nil {
		return Kapazitaet{}, nil, err
	}
	if id == "" {
		err := s.store.SetzePlaetze(ctx, sj, schulnummer, plaetze)
		if !errors.Is(err, ErrLaufBestaetigt) {
			return k, nil, err
		}
		// A run was confirmed between the look and the write: the places
		// now go down its waiting lists.
		if id, err = s.store.BestaetigterLauf(ctx, sj); err != nil {
			return Kapazitaet{}, nil, err
		}
	}
	l, err := s.store.Lauf(ctx, sj, id)
	if err != nil {
		return Kapazitaet{}, nil, err
	}
	st, bisher, err := s.stand(ctx, l)
	if err != nil {
		return Kapazitaet{}, nil, err
	}
	kaps, err := s.Kapazitaeten(ctx, sj)
	if err != nil {
		return Kapazitaet{}, nil, err
	}
	vorher := 0
	for _, kp := range kaps {
		if kp.Schule.Schulnummer == schulnummer && kp.Plaetze != nil {
			vorher = *kp.Plaetze
		}
	}
	b, err := st.Plaetze(schulnummer, plaetze)
	if err != nil {
		return Kapazitaet{}, nil, err
	}
	if b == nil {
		b = []Bewegung{} // after confirmation: no moves, said so
	}
	audit.Count(ctx, len(b)) // written with the change's transaction
	a, err := s.store.SpeichereAenderung(ctx, sj, l.ID, bisher, Aenderung{Art: ArtPlaetze, Schulnummer: schulnummer, PlaetzeVorher: vorher,
		Plaetze: plaetze, ErfasstVon: wer, Bewegungen: b})
	return k, a.Bewegungen, err
}

// pruefen checks an application against the schools; it returns the
// birth date when the child is named by person.
func (a Antrag) pruefen(schulen map[string]schule.Schule) (time.Time, error) {
	var f []apperr.FieldError
	add := func(ptr, code, msg string) { f = append(f, apperr.FieldError{Pointer: ptr, Code: code, Message: msg}) }
	var geburt time.Time
	if strings.TrimSpace(a.Ordnungsmerkmal) == "" {
		if strings.TrimSpace(a.Familienname) == "" {
			add("/familienname", "pflichtfeld_leer", "Der Familienname fehlt. Ohne Ordnungsmerkmal wird das Kind über Namen und Geburtsdatum gefunden.")
		}
		if strings.TrimSpace(a.Vornamen) == "" {
			add("/vornamen", "pflichtfeld_leer", "Die Vornamen fehlen. Ohne Ordnungsmerkmal wird das Kind über Namen und Geburtsdatum gefunden.")
		}
		var err error
		if geburt, err = time.Parse(time.DateOnly, a.Geburtsdatum); err != nil {
			add("/geburtsdatum", "datum_ungueltig", fmt.Sprintf("„%s“ ist kein gültiges Datum. Erwartet: JJJJ-MM-TT, z. B. 2016-03-04.", a.Geburtsdatum))
		}
	}
	if a.Grundschule != "" {
		if _, ok := schulen[a.Grundschule]; !ok {
			add("/grundschule", "schule_unbekannt", fmt.Sprintf("Eine Schule mit der Schulnummer „%s“ gibt es nicht.", a.Grundschule))
		}
	}
	// Items are checked only in a list of allowed length: a hostile body
	// with thousands of wishes gets one error, not one per wish.
	if len(a.Wuensche) < 1 || len(a.Wuensche) > MaxWuensche {
		add("/wuensche", "wuensche_anzahl", fmt.Sprintf("Bitte 1 bis %d Wunschschulen in der Reihenfolge der Wünsche angeben.", MaxWuensche))
	} else {
		for i, w := range a.Wuensche {
			ptr := fmt.Sprintf("/wuensche/%d", i)
			sch, ok := schulen[w]
			switch {
			case !ok:
				add(ptr, "schule_unbekannt", fmt.Sprintf("Eine Schule mit der Schulnummer „%s“ gibt es nicht.", w))
			case !Weiterfuehrend(sch.Schulform):
				add(ptr, "schule_ohne_jahrgang_5", fmt.Sprintf("Die Schule %s (%s) nimmt keine Kinder in den Schuljahrgang 5 auf.", w, sch.Name))
			case slices.Index(a.Wuensche, w) < i:
				add(ptr, "wunsch_doppelt", fmt.Sprintf("Die Schule %s steht schon als %d. Wunsch in der Liste; jede Schule bitte nur einmal.", w, slices.Index(a.Wuensche, w)+1))
			}
		}
	}
	if len(a.Geschwister) > MaxWuensche {
		add("/geschwister", "geschwister_kein_wunsch", "Ein Geschwisterkind zählt nur an einer gewünschten Schule; bitte höchstens die Wunschschulen nennen.")
	} else {
		for i, g := range a.Geschwister {
			switch {
			case !slices.Contains(a.Wuensche, g):
				add(fmt.Sprintf("/geschwister/%d", i), "geschwister_kein_wunsch",
					fmt.Sprintf("Ein Geschwisterkind zählt nur an einer gewünschten Schule; %s steht nicht unter den Wünschen.", g))
			case slices.Index(a.Geschwister, g) < i:
				add(fmt.Sprintf("/geschwister/%d", i), "geschwister_doppelt", fmt.Sprintf("Die Schule %s steht schon in der Liste.", g))
			}
		}
	}
	return geburt, apperr.Invalid("Die Anmeldung ist unvollständig oder fehlerhaft.", f)
}

// Melde takes an application for sj: it is matched to the register (by
// Ordnungsmerkmal, else by name and birth date) and replaces an earlier
// application of the same child.
func (s *Service) Melde(ctx context.Context, sj werte.Schuljahr, a Antrag) (Gespeichert, bool, error) {
	pruefe, err := s.Pruefer(ctx)
	if err != nil {
		return Gespeichert{}, false, err
	}
	g, err := pruefe(ctx, sj, a)
	if err != nil {
		return Gespeichert{}, false, err
	}
	return s.Speichere(ctx, g)
}

// Pruefer returns a function that checks an application for sj and finds
// its child in the register, storing nothing: Melde for one application,
// an uploaded list (import kind uebergang) for each row. The schools are
// read once.
func (s *Service) Pruefer(ctx context.Context) (func(context.Context, werte.Schuljahr, Antrag) (Gespeichert, error), error) {
	schulen, err := s.schulMap(ctx)
	if err != nil {
		return nil, err
	}
	return func(ctx context.Context, sj werte.Schuljahr, a Antrag) (Gespeichert, error) {
		geburt, err := a.pruefen(schulen)
		if err != nil {
			return Gespeichert{}, err
		}
		kind, err := s.finde(ctx, a, geburt)
		if err != nil {
			return Gespeichert{}, err
		}
		g := Gespeichert{Schuljahr: sj, Kind: kind, Grundschule: a.Grundschule,
			Anmeldung: Anmeldung{Wuensche: a.Wuensche, Haertefall: a.Haertefall, Geschwister: a.Geschwister}}
		if g.Anmeldung.Geschwister == nil {
			g.Anmeldung.Geschwister = []string{}
		}
		return g, nil
	}, nil
}

// Speichere stores a checked application (Pruefer), replacing the child's
// earlier one of the school year; neu is true when there was none.
func (s *Service) Speichere(ctx context.Context, g Gespeichert) (Gespeichert, bool, error) {
	return s.store.SpeichereAnmeldung(ctx, g)
}

// Gleich reports whether g asks for what h asks for (Grundschule, wishes
// in order, Härtefall, Geschwister): storing g over h would change
// nothing, and must not make a run stale.
func (g Gespeichert) Gleich(h Gespeichert) bool {
	return g.Grundschule == h.Grundschule && slices.Equal(g.Anmeldung.Wuensche, h.Anmeldung.Wuensche) &&
		g.Anmeldung.Haertefall == h.Anmeldung.Haertefall && slices.Equal(g.Anmeldung.Geschwister, h.Anmeldung.Geschwister)
}

func (s *Service) finde(ctx context.Context, a Antrag, geburt time.Time) (Kind, error) {
	if om := strings.TrimSpace(a.Ordnungsmerkmal); om != "" {
		kinder, err := s.store.KinderMitOrdnungsmerkmal(ctx, om)
		if err != nil {
			return Kind{}, err
		}
		if len(kinder) != 1 {
			return Kind{}, apperr.Invalid("Das Kind ist nicht bekannt.", []apperr.FieldError{{Pointer: "/ordnungsmerkmal", Code: "kind_unbekannt",
				Message: fmt.Sprintf("Ein Kind mit dem Ordnungsmerkmal „%s“ steht nicht im Melderegister. Bitte das Ordnungsmerkmal prüfen oder ohne es Namen und Geburtsdatum angeben.", om)}})
		}
		return kinder[0], nil
	}
	kinder, err := s.store.KinderGeborenAm(ctx, geburt)
	if err != nil {
		return Kind{}, err
	}
	familie, vornamen := werte.Schluesselform(a.Familienname), werte.Schluesselform(a.Vornamen)
	var treffer []Kind
	for _, k := range kinder {
		if werte.Schluesselform(k.Familienname) == familie &&
			(werte.Schluesselform(k.Vornamen) == vornamen || k.Rufname != "" && werte.Schluesselform(k.Rufname) == vornamen) {
			treffer = append(treffer, k)
		}
	}
	switch len(treffer) {
	case 1:
		return treffer[0], nil
	case 0:
		return Kind{}, apperr.Invalid("Das Kind ist nicht bekannt.", []apperr.FieldError{{Pointer: "/familienname", Code: "kind_unbekannt",
			Message: "Ein Kind mit diesem Namen und Geburtsdatum steht nicht im Melderegister. Bitte Schreibweise und Geburtsdatum prüfen oder das Ordnungsmerkmal angeben."}})
	default:
		return Kind{}, apperr.Invalid("Das Kind ist nicht eindeutig.", []apperr.FieldError{{Pointer: "/familienname", Code: "kind_mehrdeutig",
			Message: "Mehrere Kinder im Melderegister haben diesen Namen und dieses Geburtsdatum. Bitte das Ordnungsmerkmal angeben."}})
	}
}

// Anmeldungen returns a page of the applications of sj.
func (s *Service) Anmeldungen(ctx context.Context, sj werte.Schuljahr, after string, limit int) (page.Page[Gespeichert], error) {
	if after != "" && !werte.IstUUID(after) {
		return page.Page[Gespeichert]{}, apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("position_ungueltig")})
	}
	if err := page.CheckLimit(limit); err != nil {
		return page.Page[Gespeichert]{}, err
	}
	items, err := s.store.Anmeldungen(ctx, sj, after, limit+1)
	if err != nil {
		return page.Page[Gespeichert]{}, err
	}
	return page.Cut(items, limit, func(g Gespeichert) string { return g.ID }), nil
}

// Verteile makes an allocation run of sj by procedure v. seed "" draws a
// new one (crypto/rand); a given seed replays a run for checking. Every
// wished school needs a number of places.
func (s *Service) Verteile(ctx context.Context, sj werte.Schuljahr, v Verfahren, seed string) (Lauf, error) {
	var f []apperr.FieldError
	if !v.Gueltig() {
		f = append(f, apperr.FieldError{Pointer: "/verfahren", Code: "verfahren_unbekannt",
			Message: fmt.Sprintf("„%s“ ist kein Verfahren. Erlaubt: erstwunsch, deferred_acceptance.", v)})
	}
	var sb [SeedBytes]byte
	if seed != "" {
		var err error
		if sb, err = PruefeSeed(seed); err != nil {
			f = append(f, apperr.FieldError{Pointer: "/seed", Code: "seed_ungueltig",
				Message: "seed muss aus 64 Hexadezimalziffern bestehen (der seed eines früheren Laufs); ohne seed zieht das Gateway einen neuen."})
		}
	}
	if err := apperr.Invalid("Der Lauf kann so nicht gestartet werden.", f); err != nil {
		return Lauf{}, err
	}
	if seed == "" {
		var err error
		if sb, err = s.zieheSeed(); err != nil {
			return Lauf{}, err
		}
	}
	anm, err := s.store.AlleAnmeldungen(ctx, sj)
	if err != nil {
		return Lauf{}, err
	}
	if len(anm) == 0 {
		return Lauf{}, apperr.Conflict(fmt.Sprintf("Für das Schuljahr %s liegen keine Anmeldungen vor; es gibt nichts zu verteilen.", sj))
	}
	kaps, err := s.Kapazitaeten(ctx, sj)
	if err != nil {
		return Lauf{}, err
	}
	plaetze := map[string]int{}
	for _, k := range kaps {
		if k.Plaetze != nil {
			plaetze[k.Schule.Schulnummer] = *k.Plaetze
		}
	}
	var ohne []string
	for _, a := range anm {
		for _, w := range a.Wuensche {
			if _, ok := plaetze[w]; !ok && !slices.Contains(ohne, w) {
				ohne = append(ohne, w)
			}
		}
	}
	if len(ohne) > 0 {
		slices.Sort(ohne)
		return Lauf{}, apperr.Conflict(fmt.Sprintf("Für %s ist die Zahl der Plätze im Schuljahr %s nicht bekannt. Bitte zuerst mit PUT …/kapazitaeten/{schulnummer} festlegen.",
			strings.Join(ohne, ", "), sj))
	}
	in := Eingabe{Anmeldungen: anm, Plaetze: plaetze, Kriterien: s.Kriterien, Seed: sb}
	e, err := Verteile(v, in)
	if err != nil {
		return Lauf{}, err
	}
	return s.store.SpeichereLauf(ctx, Lauf{Schuljahr: sj, Verfahren: v, Seed: hex.EncodeToString(sb[:]), Kriterien: in.Kriterien,
		Status: StatusBerechnet, Plaetze: plaetze, Anmeldungen: anm, Ergebnis: e})
}

func (s *Service) zieheSeed() ([SeedBytes]byte, error) {
	if s.Seed != nil {
		return s.Seed()
	}
	var b [SeedBytes]byte
	_, err := rand.Read(b[:])
	return b, err
}

// Laeufe returns a page of the runs of sj, oldest first.
func (s *Service) Laeufe(ctx context.Context, sj werte.Schuljahr, after string, limit int) (page.Page[Uebersicht], error) {
	if after != "" && !werte.IstUUID(after) {
		return page.Page[Uebersicht]{}, apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("position_ungueltig")})
	}
	if err := page.CheckLimit(limit); err != nil {
		return page.Page[Uebersicht]{}, err
	}
	items, err := s.store.Laeufe(ctx, sj, after, limit+1)
	if err != nil {
		return page.Page[Uebersicht]{}, err
	}
	return page.Cut(items, limit, func(u Uebersicht) string { return u.ID }), nil
}

// Lauf returns a run of sj.
func (s *Service) Lauf(ctx context.Context, sj werte.Schuljahr, id string) (Lauf, error) {
	if !werte.IstUUID(id) {
		return Lauf{}, apperr.NotFound(fmt.Sprintf("Einen Verteilungslauf „%s“ gibt es nicht.", id))
	}
	return s.store.Lauf(ctx, sj, id)
}

// Zuteilungen returns a page of a run's results, by application id.
func (s *Service) Zuteilungen(ctx context.Context, sj werte.Schuljahr, id, after string, limit int) (page.Page[Zuteilung], error) {
	if after != "" && !werte.IstUUID(after) {
		return page.Page[Zuteilung]{}, apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("position_ungueltig")})
	}
	if err := page.CheckLimit(limit); err != nil {
		return page.Page[Zuteilung]{}, err
	}
	l, err := s.Lauf(ctx, sj, id)
	if err != nil {
		return page.Page[Zuteilung]{}, err
	}
	z := l.Ergebnis.Zuteilungen
	if l.Status == StatusBestaetigt {
		// A confirmed run answers its current state: after declines and
		// places freed, who holds a place now and who waits where now.
		st, _, err := s.stand(ctx, l)
		if err != nil {
			return page.Page[Zuteilung]{}, err
		}
		z = st.Zuteilungen(l)
	}
	start, _ := slices.BinarySearchFunc(z, after, func(z Zuteilung, id string) int {
		if z.AnmeldungID <= id {
			return -1
		}
		return 1
	})
	return page.Cut(z[start:min(len(z), start+limit+1)], limit, func(z Zuteilung) string { return z.AnmeldungID }), nil
}

// Vergleiche compares run mit (B) with run id (A), both of sj.
func (s *Service) Vergleiche(ctx context.Context, sj werte.Schuljahr, id, mit string) (Lauf, Lauf, Vergleich, error) {
	if mit == "" {
		return Lauf{}, Lauf{}, Vergleich{}, apperr.Invalid("Der Vergleichslauf fehlt.", []apperr.FieldError{{Pointer: "/mit", Code: "pflichtfeld_leer",
			Message: "mit muss die id des Laufs nennen, mit dem verglichen wird."}})
	}
	a, err := s.Lauf(ctx, sj, id)
	if err != nil {
		return Lauf{}, Lauf{}, Vergleich{}, err
	}
	b, err := s.Lauf(ctx, sj, mit)
	if ae, ok := apperr.As(err); ok && ae.Class == apperr.ClassNotFound {
		return Lauf{}, Lauf{}, Vergleich{}, apperr.Invalid("Den Vergleichslauf gibt es nicht.", []apperr.FieldError{{Pointer: "/mit", Code: "lauf_unbekannt",
			Message: fmt.Sprintf("Einen Verteilungslauf „%s“ gibt es im Schuljahr %s nicht.", mit, sj)}})
	}
	if err != nil {
		return Lauf{}, Lauf{}, Vergleich{}, err
	}
	return a, b, Vergleiche(a, b), nil
}

// Bestaetige confirms run id of sj. A run is confirmed once and only one
// run per school year (409 otherwise; confirming the confirmed run again
// changes nothing). A run is refused as stale when the applications or the
// places changed since it was made: its result would not be what the
// procedure gives for them.
func (s *Service) Bestaetige(ctx context.Context, sj werte.Schuljahr, id, wer string) (Lauf, error) {
	l, err := s.Lauf(ctx, sj, id)
	if err != nil || l.Status == StatusBestaetigt {
		return l, err
	}
	anm, err := s.store.AlleAnmeldungen(ctx, sj)
	if err != nil {
		return Lauf{}, err
	}
	kaps, err := s.Kapazitaeten(ctx, sj)
	if err != nil {
		return Lauf{}, err
	}
	if grund := veraltet(l, anm, kaps); grund != "" {
		return Lauf{}, apperr.Conflict(fmt.Sprintf("Der Lauf kann nicht bestätigt werden: %s Bitte neu verteilen und den neuen Lauf bestätigen.", grund))
	}
	// The audit entry is written with the confirming transaction: count first.
	audit.Count(ctx, len(l.Ergebnis.Zuteilungen))
	if l.Bestaetigt, err = s.store.Bestaetige(ctx, sj, id, wer); err != nil {
		return Lauf{}, err
	}
	l.Status = StatusBestaetigt
	return l, nil
}

// veraltet says why run l no longer fits the applications and places
// ("" when it does).
func veraltet(l Lauf, anm []Anmeldung, kaps []Kapazitaet) string {
	jetzt := make(map[string]Anmeldung, len(anm))
	for _, a := range anm {
		jetzt[a.ID] = a
	}
	geaendert := 0
	for _, a := range l.Anmeldungen {
		b, ok := jetzt[a.ID]
		if !ok || !slices.Equal(a.Wuensche, b.Wuensche) || a.Haertefall != b.Haertefall || !slices.Equal(sortiertKopie(a.Geschwister), sortiertKopie(b.Geschwister)) {
			geaendert++
		}
		delete(jetzt, a.ID)
	}
	if n := geaendert + len(jetzt); n > 0 {
		if n == 1 {
			return "Seit dem Lauf wurde 1 Anmeldung neu gestellt, geändert oder zurückgezogen."
		}
		return fmt.Sprintf("Seit dem Lauf wurden %d Anmeldungen neu gestellt, geändert oder zurückgezogen.", n)
	}
	for _, k := range kaps {
		nr := k.Schule.Schulnummer
		if n, ok := l.Plaetze[nr]; ok && (k.Plaetze == nil || *k.Plaetze != n) {
			return fmt.Sprintf("Die Zahl der Plätze der Schule %s hat sich seit dem Lauf geändert.", nr)
		}
	}
	return ""
}

func sortiertKopie(s []string) []string {
	s = slices.Clone(s)
	slices.Sort(s)
	return s
}

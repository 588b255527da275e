package uebergang

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Stand is the state of a confirmed run after the declines so far: who
// holds which place and who still waits where. It starts as the run's
// result (NeuerStand) and changes only by Absage, so replaying the same
// declines in the same order gives the same state.
type Stand struct {
	Platz       map[string]string   // application id → school held ("" none)
	Wunsch      map[string]int      // application id → wish number held (0 none)
	Wartelisten map[string][]string // school → ids still waiting, first first
	Abgesagt    map[string]bool     // applications whose family declined
	wuensche    map[string][]string
}

// Bewegung is one change of a place. The decline itself has Nach "" (the
// family gave up the place at Von); a move up from the waiting list has
// Nach the school and Von the place the child gives up ("" when it had
// none), which frees that place in turn.
type Bewegung struct {
	AnmeldungID string
	Von, Nach   string
	Wunsch      int // wish number of Nach (0 for the decline)
}

// NeuerStand is the state right after the run l was confirmed.
func NeuerStand(l Lauf) *Stand {
	s := &Stand{Platz: map[string]string{}, Wunsch: map[string]int{}, Wartelisten: map[string][]string{},
		Abgesagt: map[string]bool{}, wuensche: map[string][]string{}}
	for _, a := range l.Anmeldungen {
		s.wuensche[a.ID] = a.Wuensche
	}
	for _, z := range l.Ergebnis.Zuteilungen {
		s.Platz[z.AnmeldungID] = z.Schulnummer
		s.Wunsch[z.AnmeldungID] = z.Wunsch
	}
	for nr, ids := range l.Ergebnis.Wartelisten {
		s.Wartelisten[nr] = slices.DeleteFunc(slices.Clone(ids), func(id string) bool { return id == "" })
	}
	return s
}

// wunschNr is the number of school nr among the wishes of id (0: not wished).
func (s *Stand) wunschNr(id, nr string) int {
	return slices.Index(s.wuensche[id], nr) + 1
}

// wartetAuf says whether id would take a place at nr: it wished nr and
// holds nothing or a later wish.
func (s *Stand) wartetAuf(id, nr string) bool {
	n := s.wunschNr(id, nr)
	return n > 0 && !s.Abgesagt[id] && (s.Platz[id] == "" || n < s.Wunsch[id])
}

func (s *Stand) streiche(id string, schulen ...string) {
	for _, nr := range schulen {
		s.Wartelisten[nr] = slices.DeleteFunc(s.Wartelisten[nr], func(x string) bool { return x == id })
	}
}

// Absage records that the family of application id declines its place.
// The child leaves the procedure (it no longer waits anywhere); its place
// goes to the first on that school's waiting list who still wants it; the
// place that child held is freed and moved on in turn, until a freed place
// finds nobody waiting. Every step is returned, the decline first. Each
// move gives a child a strictly earlier wish, so the loop ends.
func (s *Stand) Absage(id string) ([]Bewegung, error) {
	if _, ok := s.Platz[id]; !ok {
		return nil, apperr.Invalid("Die Anmeldung gehört nicht zu diesem Lauf.", []apperr.FieldError{{
			Pointer: "/anmeldung_id", Code: "anmeldung_unbekannt",
			Message: "Bitte die anmeldung_id einer Zuteilung dieses Laufs angeben.",
		}})
	}
	if s.Abgesagt[id] {
		return nil, apperr.Conflict(fmt.Sprintf("Für die Anmeldung %s ist die Absage schon erfasst.", id))
	}
	von := s.Platz[id]
	if von == "" {
		return nil, apperr.Conflict(fmt.Sprintf("Die Anmeldung %s hat keinen Platz; es gibt nichts abzusagen. Soll das Kind nicht mehr nachrücken, bitte die Anmeldung ändern.", id))
	}
	s.Abgesagt[id] = true
	s.Platz[id], s.Wunsch[id] = "", 0
	s.streiche(id, slices.Collect(maps.Keys(s.Wartelisten))...)
	return append([]Bewegung{{AnmeldungID: id, Von: von}}, s.nachruecken([]string{von})...), nil
}

// Belegt is the number of children holding a place at school nr.
func (s *Stand) Belegt(nr string) int {
	n := 0
	for _, p := range s.Platz {
		if p == nr {
			n++
		}
	}
	return n
}

// Plaetze records that school nr has plaetze places now. The places beyond
// those held are offered down nr's waiting list in order, each exactly as a
// declined place is (the first who still wants it takes it, and the place
// it held moves on in turn); places nobody waits for stay free. A number
// below the places held is refused: nobody loses an admission silently.
func (s *Stand) Plaetze(nr string, plaetze int) ([]Bewegung, error) {
	belegt := s.Belegt(nr)
	if plaetze < belegt {
		kinder := fmt.Sprintf("haben %d Kinder", belegt)
		if belegt == 1 {
			kinder = "hat 1 Kind"
		}
		return nil, apperr.Conflict(fmt.Sprintf("Im bestätigten Lauf %s einen Platz an der Schule %s; die Zahl der Plätze kann nicht unter %d sinken. "+
			"Gibt eine Familie ihren Platz ab, bitte ihre Absage erfassen.", kinder, nr, belegt))
	}
	frei := make([]string, plaetze-belegt)
	for i := range frei {
		frei[i] = nr
	}
	return s.nachruecken(frei), nil
}

// nachruecken gives each freed place (in order) to the first on that
// school's waiting list who still wants it; the place that child held is
// freed and moved on in turn, until a freed place finds nobody waiting.
// Each move gives a child a strictly earlier wish, so the loop ends.
func (s *Stand) nachruecken(frei []string) []Bewegung {
	var out []Bewegung
	for len(frei) > 0 {
		nr := frei[0]
		frei = frei[1:]
		for _, c := range s.Wartelisten[nr] {
			if !s.wartetAuf(c, nr) {
				continue
			}
			n, alt := s.wunschNr(c, nr), s.Platz[c]
			s.Platz[c], s.Wunsch[c] = nr, n
			// It waits no longer here nor at the schools it wished after.
			s.streiche(c, s.wuensche[c][n-1:]...)
			out = append(out, Bewegung{AnmeldungID: c, Von: alt, Nach: nr, Wunsch: n})
			if alt != "" {
				frei = append(frei, alt)
			}
			break
		}
	}
	return out
}

// Zuteilungen is the current state as results per application, in the
// order of l's: the place held now (none after a decline), its wish number,
// and the ranks on the waiting lists as they are now (counting only those
// still waiting).
func (s *Stand) Zuteilungen(l Lauf) []Zuteilung {
	rang := map[string]map[string]int{}
	for nr, ids := range s.Wartelisten {
		for i, id := range ids {
			if rang[id] == nil {
				rang[id] = map[string]int{}
			}
			rang[id][nr] = i + 1
		}
	}
	out := make([]Zuteilung, len(l.Ergebnis.Zuteilungen))
	for i, z := range l.Ergebnis.Zuteilungen {
		id := z.AnmeldungID
		out[i] = Zuteilung{AnmeldungID: id, Schulnummer: s.Platz[id], Wunsch: s.Wunsch[id], Losnummer: z.Losnummer,
			Warteliste: rang[id], Abgesagt: s.Abgesagt[id]}
		if out[i].Warteliste == nil {
			out[i].Warteliste = map[string]int{}
		}
	}
	return out
}

// Arten of a change after confirmation.
const (
	ArtAbsage  = "absage"  // a family declined its place
	ArtPlaetze = "plaetze" // the school office set a school's places
)

// Aenderung is a recorded change of a confirmed run: a decline
// (AnmeldungID) or new places at a school (Schulnummer, Plaetze), when, by
// whom, and the moves it caused. The current state is the run's result
// with its changes applied in the order of their ID.
type Aenderung struct {
	ID            int64
	Art           string
	AnmeldungID   string
	Schulnummer   string
	PlaetzeVorher int
	Plaetze       int
	Erfasst       time.Time
	ErfasstVon    string
	Bewegungen    []Bewegung
}

// anwenden applies a recorded change to the state again.
func (s *Stand) anwenden(a Aenderung) error {
	var err error
	switch a.Art {
	case ArtAbsage:
		_, err = s.Absage(a.AnmeldungID)
	case ArtPlaetze:
		_, err = s.Plaetze(a.Schulnummer, a.Plaetze)
	default:
		err = fmt.Errorf("unknown change %q", a.Art)
	}
	return err
}

// stand is the current state of the confirmed run l and the number of
// changes it was computed from (for SpeichereAenderung's check).
func (s *Service) stand(ctx context.Context, l Lauf) (*Stand, int, error) {
	bisher, err := s.store.Aenderungen(ctx, l.ID)
	if err != nil {
		return nil, 0, err
	}
	st := NeuerStand(l)
	for _, a := range bisher {
		if err := st.anwenden(a); err != nil {
			return nil, 0, fmt.Errorf("replay change %d of run %s: %w", a.ID, l.ID, err)
		}
	}
	return st, len(bisher), nil
}

// Absage records that the family of application anmeldung declines its
// place in the confirmed run id of sj, and moves the waiting lists on
// (Stand.Absage). wer is who records it (the token's subject).
func (s *Service) Absage(ctx context.Context, sj werte.Schuljahr, id, anmeldung, wer string) (Aenderung, error) {
	l, err := s.Lauf(ctx, sj, id)
	if err != nil {
		return Aenderung{}, err
	}
	if l.Status != StatusBestaetigt {
		return Aenderung{}, apperr.Conflict(fmt.Sprintf("Der Lauf %s ist nicht bestätigt; Absagen und Nachrücken gibt es nur im bestätigten Lauf. Bitte zuerst den Lauf bestätigen.", id))
	}
	st, bisher, err := s.stand(ctx, l)
	if err != nil {
		return Aenderung{}, err
	}
	b, err := st.Absage(anmeldung)
	if err != nil {
		return Aenderung{}, err
	}
	audit.Count(ctx, len(b)) // written with the decline's transaction
	return s.store.SpeichereAenderung(ctx, sj, l.ID, bisher, Aenderung{Art: ArtAbsage, AnmeldungID: anmeldung, ErfasstVon: wer, Bewegungen: b})
}

// Absagen returns a page of the declines recorded in run id of sj, in the
// order they were recorded, each with its moves; after is the id of the
// last decline of the previous page.
func (s *Service) Absagen(ctx context.Context, sj werte.Schuljahr, id, after string, limit int) (page.Page[Aenderung], error) {
	var nach int64
	if after != "" {
		n, err := strconv.ParseInt(after, 10, 64)
		if err != nil || n < 0 {
			return page.Page[Aenderung]{}, apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("position_ungueltig")})
		}
		nach = n
	}
	if err := page.CheckLimit(limit); err != nil {
		return page.Page[Aenderung]{}, err
	}
	l, err := s.Lauf(ctx, sj, id)
	if err != nil {
		return page.Page[Aenderung]{}, err
	}
	items, err := s.store.Absagen(ctx, l.ID, nach, limit+1)
	if err != nil {
		return page.Page[Aenderung]{}, err
	}
	return page.Cut(items, limit, func(a Aenderung) string { return strconv.FormatInt(a.ID, 10) }), nil
}

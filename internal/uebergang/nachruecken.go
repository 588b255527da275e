package uebergang

import (
	"context"
	"fmt"
	"maps"
	"slices"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
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
	out := []Bewegung{{AnmeldungID: id, Von: von}}
	frei := []string{von}
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
	return out, nil
}

// Absage is a recorded decline: when, by whom, and the moves it caused.
type Absage struct {
	ID         int64
	Erfasst    time.Time
	ErfasstVon string
	Bewegungen []Bewegung
}

// Absage records that the family of application anmeldung declines its
// place in the confirmed run id of sj, and moves the waiting lists on
// (Stand.Absage). wer is who records it (the token's subject).
func (s *Service) Absage(ctx context.Context, sj werte.Schuljahr, id, anmeldung, wer string) (Absage, error) {
	l, err := s.Lauf(ctx, sj, id)
	if err != nil {
		return Absage{}, err
	}
	if l.Status != StatusBestaetigt {
		return Absage{}, apperr.Conflict(fmt.Sprintf("Der Lauf %s ist nicht bestätigt; Absagen und Nachrücken gibt es nur im bestätigten Lauf. Bitte zuerst den Lauf bestätigen.", id))
	}
	bisher, err := s.store.Absagen(ctx, l.ID)
	if err != nil {
		return Absage{}, err
	}
	st := NeuerStand(l)
	for _, a := range bisher {
		if _, err := st.Absage(a); err != nil {
			return Absage{}, fmt.Errorf("replay decline %s of run %s: %w", a, l.ID, err)
		}
	}
	b, err := st.Absage(anmeldung)
	if err != nil {
		return Absage{}, err
	}
	return s.store.SpeichereAbsage(ctx, sj, l.ID, len(bisher), wer, b)
}

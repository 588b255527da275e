package uebergang

import (
	"cmp"
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Empfaenger is the child of an application as the register has it, for
// the letter to its family.
type Empfaenger struct {
	AnmeldungID     string
	Familienname    string
	Vornamen        string
	Geburtsdatum    time.Time
	Strasse         string
	Hausnummer      string
	PLZ             string
	Ort             string
	Auskunftssperre bool
	// Sorgeberechtigte are the guardians as the register lists them
	// (joined with "; "), to whom the letter is addressed.
	Sorgeberechtigte string
	Grundschule      string
}

// Brief is what a letter of admission or rejection says about one
// application of a confirmed run.
type Brief struct {
	Empfaenger
	Wuensche []string
	// Schulnummer and Schule name the school admitted ("" for none),
	// Wunsch its wish number (0 for none).
	Schulnummer, Schule string
	Wunsch              int
	// Wartelisten are the places on the waiting lists of the schools the
	// child wished before the one admitted, in the order of its wishes.
	Wartelisten []Wartelistenplatz
	// Abgesagt: the family declined the place; no letter of admission.
	Abgesagt bool
}

// Wartelistenplatz is a rank (1 = next) on a school's waiting list.
type Wartelistenplatz struct {
	Schulnummer, Schule string
	Rang                int
}

// Briefe returns the letters' data of run id of sj as it stands now
// (after declines and new places), by family name and given names. Only a confirmed run has letters (409 otherwise): the
// result of another run is not a decision.
func (s *Service) Briefe(ctx context.Context, sj werte.Schuljahr, id string) ([]Brief, error) {
	l, err := s.Lauf(ctx, sj, id)
	if err != nil {
		return nil, err
	}
	if l.Status != StatusBestaetigt {
		return nil, apperr.Conflict(fmt.Sprintf("Der Lauf %s ist nicht bestätigt; Bescheide gibt es nur für den bestätigten Lauf. Bitte zuerst den Lauf bestätigen.", id))
	}
	empf, err := s.store.Empfaenger(ctx, l.ID)
	if err != nil {
		return nil, err
	}
	namen := map[string]string{}
	if list, err := s.schulen.List(ctx); err == nil {
		for _, sc := range list {
			namen[sc.Schulnummer] = sc.Name
		}
	} else {
		return nil, err
	}
	wuensche := make(map[string][]string, len(l.Anmeldungen))
	for _, a := range l.Anmeldungen {
		wuensche[a.ID] = a.Wuensche
	}
	// The state now: after declines and new places, who holds which place
	// and who waits where (the letters of children who moved up change).
	st, _, err := s.stand(ctx, l)
	if err != nil {
		return nil, err
	}
	out := make([]Brief, 0, len(l.Ergebnis.Zuteilungen))
	for _, z := range st.Zuteilungen(l) {
		e, ok := empf[z.AnmeldungID]
		if !ok { // the child left the register since: no address to write to
			e = Empfaenger{AnmeldungID: z.AnmeldungID}
		}
		b := Brief{Empfaenger: e, Wuensche: wuensche[z.AnmeldungID], Schulnummer: z.Schulnummer, Schule: namen[z.Schulnummer], Wunsch: z.Wunsch, Abgesagt: z.Abgesagt}
		for _, w := range b.Wuensche {
			if r, ok := z.Warteliste[w]; ok {
				b.Wartelisten = append(b.Wartelisten, Wartelistenplatz{Schulnummer: w, Schule: namen[w], Rang: r})
			}
		}
		out = append(out, b)
	}
	slices.SortStableFunc(out, func(x, y Brief) int {
		return cmp.Or(cmp.Compare(x.Familienname, y.Familienname), cmp.Compare(x.Vornamen, y.Vornamen), cmp.Compare(x.AnmeldungID, y.AnmeldungID))
	})
	return out, nil
}

package uebergang

import (
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Worked by hand: x declines its place at A. The first on A's list, y,
// gives up its second wish B for it; B goes to z, whose C goes to w, who had
// nothing. v, second on A's list, waits on; when y declines too, v gets A.
func TestAbsageRueckenKetteNach(t *testing.T) {
	l := Lauf{
		Anmeldungen: []Anmeldung{
			{ID: "v", Wuensche: []string{"A"}},
			{ID: "w", Wuensche: []string{"C"}},
			{ID: "x", Wuensche: []string{"A"}},
			{ID: "y", Wuensche: []string{"A", "B"}},
			{ID: "z", Wuensche: []string{"B", "C"}},
		},
		Ergebnis: Ergebnis{
			Zuteilungen: []Zuteilung{
				{AnmeldungID: "v"}, {AnmeldungID: "w"},
				{AnmeldungID: "x", Schulnummer: "A", Wunsch: 1},
				{AnmeldungID: "y", Schulnummer: "B", Wunsch: 2},
				{AnmeldungID: "z", Schulnummer: "C", Wunsch: 2},
			},
			Wartelisten: map[string][]string{"A": {"y", "v"}, "B": {"z"}, "C": {"w"}},
		},
	}
	s := NeuerStand(l)
	got, err := s.Absage("x")
	if err != nil {
		t.Fatal(err)
	}
	want := []Bewegung{{"x", "A", "", 0}, {"y", "B", "A", 1}, {"z", "C", "B", 1}, {"w", "", "C", 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("moves %v, want %v", got, want)
	}
	if !reflect.DeepEqual(s.Wartelisten["A"], []string{"v"}) || len(s.Wartelisten["B"]) != 0 || len(s.Wartelisten["C"]) != 0 {
		t.Errorf("waiting lists after: %v", s.Wartelisten)
	}
	got, err = s.Absage("y")
	if err != nil || !reflect.DeepEqual(got, []Bewegung{{"y", "A", "", 0}, {"v", "", "A", 1}}) {
		t.Errorf("second decline: %v %v", got, err)
	}
	if _, err := s.Absage("y"); apperr.ClassOf(err) != apperr.ClassConflict {
		t.Errorf("declining twice: %v", err)
	}
	s2 := NeuerStand(l)
	if _, err := s2.Absage("w"); apperr.ClassOf(err) != apperr.ClassConflict {
		t.Errorf("declining without a place: %v", err)
	}
	if _, err := s2.Absage("nix"); apperr.ClassOf(err) != apperr.ClassInvalid {
		t.Errorf("declining an unknown application: %v", err)
	}
}

// After any sequence of declines on random instances of both procedures:
// no school holds more children than places, every child holds a school it
// wished (or none), a freed place went to the first on its waiting list who
// still wanted it (everybody ahead ended there or at an earlier wish), and no
// school has a free place while somebody still waits for it.
func TestAbsagenEigenschaften(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 55))
	for k := range 1500 {
		n, m, plaetze := 1+r.IntN(50), 1+r.IntN(6), r.IntN(10)
		in := instanz(r, n, m, plaetze)
		for _, v := range AlleVerfahren {
			e := mustVerteile(t, v, in)
			l := Lauf{Anmeldungen: in.Anmeldungen, Ergebnis: e}
			s := NeuerStand(l)
			wuensche := map[string][]string{}
			for _, a := range in.Anmeldungen {
				wuensche[a.ID] = a.Wuensche
			}
			for schritt := 0; schritt < 1+r.IntN(n); schritt++ {
				var mitPlatz []string
				for _, a := range in.Anmeldungen {
					if s.Platz[a.ID] != "" {
						mitPlatz = append(mitPlatz, a.ID)
					}
				}
				if len(mitPlatz) == 0 {
					break
				}
				id := mitPlatz[r.IntN(len(mitPlatz))]
				vorher := map[string][]string{}
				for nr, w := range s.Wartelisten {
					vorher[nr] = slices.Clone(w)
				}
				moves, err := s.Absage(id)
				if err != nil {
					t.Fatal(err)
				}
				if moves[0] != (Bewegung{AnmeldungID: id, Von: moves[0].Von}) || moves[0].Von == "" {
					t.Fatalf("instance %d %s: first move %v is not the decline of %s", k, v, moves[0], id)
				}
				for _, b := range moves[1:] {
					if b.Nach == "" || slices.Index(wuensche[b.AnmeldungID], b.Nach)+1 != b.Wunsch {
						t.Fatalf("instance %d %s: move %v to a school not wished as that number", k, v, b)
					}
					for _, x := range vorher[b.Nach] {
						if x == b.AnmeldungID {
							break
						}
						if x != id && (s.Wunsch[x] == 0 || s.Wunsch[x] > slices.Index(wuensche[x], b.Nach)+1) {
							t.Fatalf("instance %d %s: %s got %s before %s, who was ahead and ended with a later wish (%d)", k, v, b.AnmeldungID, b.Nach, x, s.Wunsch[x])
						}
					}
				}
				belegt := map[string]int{}
				for _, a := range in.Anmeldungen {
					nr := s.Platz[a.ID]
					if nr == "" {
						continue
					}
					belegt[nr]++
					if slices.Index(a.Wuensche, nr)+1 != s.Wunsch[a.ID] || s.Wunsch[a.ID] == 0 {
						t.Fatalf("instance %d %s: %s holds %s (wish %d), wishes %v", k, v, a.ID, nr, s.Wunsch[a.ID], a.Wuensche)
					}
				}
				for nr, c := range belegt {
					if c > in.Plaetze[nr] {
						t.Fatalf("instance %d %s: %s holds %d children, places %d", k, v, nr, c, in.Plaetze[nr])
					}
				}
				for nr, p := range in.Plaetze {
					if belegt[nr] >= p {
						continue
					}
					for _, a := range in.Anmeldungen {
						if s.wartetAuf(a.ID, nr) && slices.Contains(e.Wartelisten[nr], a.ID) {
							t.Fatalf("instance %d %s: %s has a free place while %s waits for it", k, v, nr, a.ID)
						}
					}
				}
			}
		}
	}
}

package uebergang

import (
	"maps"
	"math/rand/v2"
	"reflect"
	"slices"
	"strings"
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

// Worked by hand: A (two places, both taken) gets two more. The first goes
// to u, first on A's list, who leaves its second wish C (that place finds
// nobody waiting and stays free); the second to v, who had nothing. More
// places with nobody waiting move nobody; lowering A below the four now
// admitted there is refused and changes nothing.
func TestPlaetzeRueckenNach(t *testing.T) {
	l := Lauf{
		Anmeldungen: []Anmeldung{
			{ID: "u", Wuensche: []string{"A", "C"}},
			{ID: "v", Wuensche: []string{"A"}},
			{ID: "w", Wuensche: []string{"A", "C"}},
			{ID: "x", Wuensche: []string{"A"}},
		},
		Ergebnis: Ergebnis{
			Zuteilungen: []Zuteilung{
				{AnmeldungID: "u", Schulnummer: "C", Wunsch: 2, Losnummer: 3},
				{AnmeldungID: "v", Losnummer: 4},
				{AnmeldungID: "w", Schulnummer: "A", Wunsch: 1, Losnummer: 1},
				{AnmeldungID: "x", Schulnummer: "A", Wunsch: 1, Losnummer: 2},
			},
			Wartelisten: map[string][]string{"A": {"u", "v"}},
		},
	}
	s := NeuerStand(l)
	got, err := s.Plaetze("A", 4)
	if err != nil {
		t.Fatal(err)
	}
	// Two more places at A: u leaves C for its first wish (C's place finds
	// nobody), then v, who had nothing.
	want := []Bewegung{{"u", "C", "A", 1}, {"v", "", "A", 1}}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("moves %v, want %v", got, want)
	}
	if s.Belegt("A") != 4 || s.Belegt("C") != 0 || len(s.Wartelisten["A"]) != 0 {
		t.Errorf("after: A %d, C %d, waiting %v", s.Belegt("A"), s.Belegt("C"), s.Wartelisten)
	}
	if got, err := s.Plaetze("A", 9); err != nil || len(got) != 0 {
		t.Errorf("places nobody waits for: %v %v", got, err)
	}
	_, err = s.Plaetze("A", 3)
	if apperr.ClassOf(err) != apperr.ClassConflict || !strings.Contains(err.Error(), "4 Kinder einen Platz an der Schule A") {
		t.Errorf("lowering below the 4 admitted: %v", err)
	}
	if s.Belegt("A") != 4 {
		t.Errorf("a refused lowering changed the state: %v", s.Platz)
	}
	z := s.Zuteilungen(l)
	if z[0].Schulnummer != "A" || z[0].Wunsch != 1 || len(z[0].Warteliste) != 0 || z[1].Schulnummer != "A" || z[0].Losnummer != 3 {
		t.Errorf("current state: %+v", z)
	}
}

// After any sequence of declines and new places (raised, or lowered to no
// fewer than those admitted) on random instances of both procedures: no
// school holds more children than its places now, every child holds a
// school it wished (or none), a freed or new place went to the first on
// its waiting list who still wanted it, no school has a free place while
// somebody still waits for it, lowering below those admitted is refused
// and changes nothing, and the current state's waiting ranks count only
// those still waiting, in the run's order.
func TestPlaetzeUndAbsagenEigenschaften(t *testing.T) {
	r := rand.New(rand.NewPCG(20, 56))
	for k := range 1000 {
		n, m, plaetze := 1+r.IntN(40), 1+r.IntN(6), r.IntN(8)
		in := instanz(r, n, m, plaetze)
		schulen := slices.Sorted(maps.Keys(in.Plaetze))
		for _, v := range AlleVerfahren {
			e := mustVerteile(t, v, in)
			l := Lauf{Anmeldungen: in.Anmeldungen, Ergebnis: e}
			s := NeuerStand(l)
			jetzt := maps.Clone(in.Plaetze)
			wuensche := map[string][]string{}
			for _, a := range in.Anmeldungen {
				wuensche[a.ID] = a.Wuensche
			}
			for schritt := 0; schritt < 1+r.IntN(2*n); schritt++ {
				vorher := map[string][]string{}
				for nr, w := range s.Wartelisten {
					vorher[nr] = slices.Clone(w)
				}
				var moves []Bewegung
				var abgesagt string
				switch nr := schulen[r.IntN(len(schulen))]; r.IntN(3) {
				case 0: // a decline
					var mitPlatz []string
					for _, a := range in.Anmeldungen {
						if s.Platz[a.ID] != "" {
							mitPlatz = append(mitPlatz, a.ID)
						}
					}
					if len(mitPlatz) == 0 {
						continue
					}
					abgesagt = mitPlatz[r.IntN(len(mitPlatz))]
					var err error
					if moves, err = s.Absage(abgesagt); err != nil {
						t.Fatal(err)
					}
					moves = moves[1:]
				case 1: // more places
					jetzt[nr] += 1 + r.IntN(3)
					frei := map[string]int{nr: jetzt[nr] - s.Belegt(nr)}
					var err error
					if moves, err = s.Plaetze(nr, jetzt[nr]); err != nil {
						t.Fatal(err)
					}
					// Each move takes a new place at nr or one freed by an earlier move.
					for _, b := range moves {
						if frei[b.Nach] == 0 {
							t.Fatalf("instance %d %s: %v moved to %s without a free place there (%v)", k, v, b, b.Nach, moves)
						}
						frei[b.Nach]--
						if b.Von != "" {
							frei[b.Von]++
						}
					}
				case 2: // fewer places: refused below those admitted
					belegt, platz := s.Belegt(nr), maps.Clone(s.Platz)
					ziel := r.IntN(jetzt[nr] + 1)
					got, err := s.Plaetze(nr, ziel)
					if ziel < belegt {
						if apperr.ClassOf(err) != apperr.ClassConflict || !maps.Equal(platz, s.Platz) {
							t.Fatalf("instance %d %s: lowering %s to %d below %d admitted: %v", k, v, nr, ziel, belegt, err)
						}
						continue
					}
					if err != nil || len(got) != 0 {
						t.Fatalf("instance %d %s: lowering %s to %d (%d admitted): %v %v", k, v, nr, ziel, belegt, got, err)
					}
					jetzt[nr] = ziel
				}
				for _, b := range moves {
					if b.Nach == "" || slices.Index(wuensche[b.AnmeldungID], b.Nach)+1 != b.Wunsch {
						t.Fatalf("instance %d %s: move %v to a school not wished as that number", k, v, b)
					}
					for _, x := range vorher[b.Nach] {
						if x == b.AnmeldungID {
							break
						}
						if x != abgesagt && (s.Wunsch[x] == 0 || s.Wunsch[x] > slices.Index(wuensche[x], b.Nach)+1) {
							t.Fatalf("instance %d %s: %s got %s before %s, who was ahead and ended with a later wish (%d)", k, v, b.AnmeldungID, b.Nach, x, s.Wunsch[x])
						}
					}
				}
				belegt := map[string]int{}
				for _, a := range in.Anmeldungen {
					if nr := s.Platz[a.ID]; nr != "" {
						belegt[nr]++
						if slices.Index(a.Wuensche, nr)+1 != s.Wunsch[a.ID] {
							t.Fatalf("instance %d %s: %s holds %s (wish %d), wishes %v", k, v, a.ID, nr, s.Wunsch[a.ID], a.Wuensche)
						}
					}
				}
				for _, nr := range schulen {
					if belegt[nr] > jetzt[nr] {
						t.Fatalf("instance %d %s: %s holds %d children, places %d", k, v, nr, belegt[nr], jetzt[nr])
					}
					if belegt[nr] < jetzt[nr] {
						for _, a := range in.Anmeldungen {
							if s.wartetAuf(a.ID, nr) && slices.Contains(e.Wartelisten[nr], a.ID) {
								t.Fatalf("instance %d %s: %s has a free place while %s waits for it", k, v, nr, a.ID)
							}
						}
					}
				}
				// The current state as answered: ranks 1, 2, … in the run's order, only those still waiting.
				for _, z := range s.Zuteilungen(l) {
					if z.Schulnummer != s.Platz[z.AnmeldungID] || z.Abgesagt != s.Abgesagt[z.AnmeldungID] {
						t.Fatalf("instance %d %s: answered %+v, state %q", k, v, z, s.Platz[z.AnmeldungID])
					}
					for nr, rang := range z.Warteliste {
						if !s.wartetAuf(z.AnmeldungID, nr) || s.Wartelisten[nr][rang-1] != z.AnmeldungID {
							t.Fatalf("instance %d %s: %s rank %d at %s, list %v", k, v, z.AnmeldungID, rang, nr, s.Wartelisten[nr])
						}
					}
				}
				for nr, ids := range s.Wartelisten {
					pos := -1
					for _, id := range ids {
						p := slices.Index(e.Wartelisten[nr], id)
						if p <= pos {
							t.Fatalf("instance %d %s: waiting list of %s out of the run's order: %v, run %v", k, v, nr, ids, e.Wartelisten[nr])
						}
						pos = p
					}
				}
			}
		}
	}
}

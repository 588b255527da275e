// Package uebergang allocates the places in Schuljahrgang 5: the
// applications of the children leaving the Grundschulen (up to three
// wishes in order), the capacities of the secondary schools, and two
// published procedures – erstwunsch (the one most German cities use) and
// student-proposing deferred acceptance (Gale–Shapley). Both are pure and
// deterministic: the only chance is the lot, drawn from a seed the run
// records, so the same applications, capacities and seed always give the
// same result.
package uebergang

import (
	"cmp"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"math/rand/v2"
	"slices"
)

// Verfahren is a published allocation procedure.
type Verfahren string

const (
	// Erstwunsch: places go to first wishes first (by priority), the
	// remaining places to second wishes, then to third wishes.
	Erstwunsch Verfahren = "erstwunsch"
	// DeferredAcceptance: student-proposing deferred acceptance with the
	// same priorities; stable and strategy-proof for families.
	DeferredAcceptance Verfahren = "deferred_acceptance"
)

// AlleVerfahren lists the procedures in a stable order.
var AlleVerfahren = []Verfahren{Erstwunsch, DeferredAcceptance}

// Gueltig reports whether v is a published procedure.
func (v Verfahren) Gueltig() bool { return slices.Contains(AlleVerfahren, v) }

// Kriterium is a criterion of priority at a school, before the lot.
type Kriterium string

const (
	// Haertefall: a recognised hardship (applies at every wished school).
	Haertefall Kriterium = "haertefall"
	// Geschwisterkind: a sibling attends the school.
	Geschwisterkind Kriterium = "geschwisterkind"
)

// StandardKriterien is the configured order of criteria: Härtefall, then
// Geschwisterkind at that school; the lot decides among equals.
var StandardKriterien = []Kriterium{Haertefall, Geschwisterkind}

// MaxWuensche is the most wishes an application may name.
const MaxWuensche = 3

// Anmeldung is one child's application as the allocation sees it.
type Anmeldung struct {
	ID string
	// Wuensche are Schulnummern, first wish first (1..MaxWuensche, distinct).
	Wuensche   []string
	Haertefall bool
	// Geschwister are the wished schools a sibling attends.
	Geschwister []string
}

func (a Anmeldung) wunschNr(schule string) int {
	if i := slices.Index(a.Wuensche, schule); i >= 0 {
		return i + 1
	}
	return 0
}

// Zuteilung is one child's result.
type Zuteilung struct {
	AnmeldungID string
	// Schulnummer is the school admitted, "" for none.
	Schulnummer string
	// Wunsch is the number of the wish admitted (1..3), 0 for none.
	Wunsch int
	// Losnummer is the child's lottery number (1 = best), one per child
	// for the whole run.
	Losnummer int
	// Warteliste gives the child's rank (1 = first) on the waiting list of
	// every school it prefers to the one admitted (every wish when none).
	Warteliste map[string]int
	// Abgesagt: the family declined the place after confirmation (only in
	// the current state of a confirmed run, Stand.Zuteilungen).
	Abgesagt bool
}

// Ergebnis is the outcome of a run.
type Ergebnis struct {
	Verfahren Verfahren
	// Zuteilungen in the order of the applications' ids.
	Zuteilungen []Zuteilung
	// Aufgenommen per school: the admitted ids, in the procedure's order.
	Aufgenommen map[string][]string
	// Wartelisten per school: the ids waiting, first first. A place that
	// frees up goes to the first of the list.
	Wartelisten map[string][]string
}

// SeedBytes is the length of a seed; it is written as 64 hex digits.
const SeedBytes = 32

// PruefeSeed checks a seed given as text: 64 hex digits.
func PruefeSeed(seed string) ([SeedBytes]byte, error) {
	var s [SeedBytes]byte
	b, err := hex.DecodeString(seed)
	if err != nil || len(b) != SeedBytes {
		return s, fmt.Errorf("seed: %d hex digits expected", 2*SeedBytes)
	}
	copy(s[:], b)
	return s, nil
}

// Losnummern draws the lot: a permutation of the ids (sorted first, so
// that the order of the input does not matter) by ChaCha8 under the seed.
// The first id of the permutation gets number 1.
func Losnummern(ids []string, seed [SeedBytes]byte) map[string]int {
	sorted := slices.Clone(ids)
	slices.Sort(sorted)
	// The seed is hashed with a label, so that the lot of this procedure
	// cannot be mistaken for another use of the same seed.
	h := sha256.Sum256(append([]byte("schulgateway/uebergang/los/v1\x00"), seed[:]...))
	r := rand.New(rand.NewChaCha8(h))
	r.Shuffle(len(sorted), func(i, j int) { sorted[i], sorted[j] = sorted[j], sorted[i] })
	out := make(map[string]int, len(sorted))
	for i, id := range sorted {
		out[id] = i + 1
	}
	return out
}

// Eingabe is what a run allocates.
type Eingabe struct {
	Anmeldungen []Anmeldung
	// Plaetze per Schulnummer; a wished school missing here has none.
	Plaetze   map[string]int
	Kriterien []Kriterium // nil: StandardKriterien
	Seed      [SeedBytes]byte
}

// lauf is the state both procedures share.
type lauf struct {
	anm       []Anmeldung // by id
	los       []int       // lottery number per index
	kriterien []Kriterium
	plaetze   map[string]int
}

func neuerLauf(in Eingabe, nr map[string]int) *lauf {
	anm := slices.Clone(in.Anmeldungen)
	slices.SortFunc(anm, func(a, b Anmeldung) int { return cmp.Compare(a.ID, b.ID) })
	ids := make([]string, len(anm))
	for i, a := range anm {
		ids[i] = a.ID
	}
	l := &lauf{anm: anm, los: make([]int, len(anm)), kriterien: in.Kriterien, plaetze: in.Plaetze}
	if l.kriterien == nil {
		l.kriterien = StandardKriterien
	}
	for i, id := range ids {
		l.los[i] = nr[id]
	}
	return l
}

// erfuellt reports whether child i meets criterion k at school s.
func (l *lauf) erfuellt(i int, k Kriterium, s string) bool {
	switch k {
	case Haertefall:
		return l.anm[i].Haertefall
	case Geschwisterkind:
		return slices.Contains(l.anm[i].Geschwister, s)
	}
	return false
}

// vorrang compares children i and j at school s: negative when i comes
// first (criteria in their order, then the lower lottery number).
func (l *lauf) vorrang(s string, i, j int) int {
	for _, k := range l.kriterien {
		a, b := l.erfuellt(i, k, s), l.erfuellt(j, k, s)
		if a != b {
			if a {
				return -1
			}
			return 1
		}
	}
	return cmp.Compare(l.los[i], l.los[j])
}

// Verteile allocates the places by procedure v.
func Verteile(v Verfahren, in Eingabe) (Ergebnis, error) {
	ids := make([]string, len(in.Anmeldungen))
	for i, a := range in.Anmeldungen {
		ids[i] = a.ID
	}
	return verteileMitLos(v, in, Losnummern(ids, in.Seed))
}

// verteileMitLos allocates with the lottery numbers given (id → number).
func verteileMitLos(v Verfahren, in Eingabe, los map[string]int) (Ergebnis, error) {
	l := neuerLauf(in, los)
	var platz []string // school per child, "" none
	switch v {
	case Erstwunsch:
		platz = l.erstwunsch()
	case DeferredAcceptance:
		platz = l.deferredAcceptance()
	default:
		return Ergebnis{}, fmt.Errorf("unknown procedure %q", v)
	}
	return l.ergebnis(v, platz), nil
}

// erstwunsch: in round r every school takes, of the children still without
// a place whose r-th wish it is, as many as it has places left, by priority.
func (l *lauf) erstwunsch() []string {
	platz := make([]string, len(l.anm))
	frei := make(map[string]int, len(l.plaetze))
	for s, n := range l.plaetze {
		frei[s] = n
	}
	for r := range MaxWuensche {
		bewerber := map[string][]int{}
		for i, a := range l.anm {
			if platz[i] == "" && r < len(a.Wuensche) {
				bewerber[a.Wuensche[r]] = append(bewerber[a.Wuensche[r]], i)
			}
		}
		for _, s := range sortedKeys(bewerber) {
			b := bewerber[s]
			slices.SortFunc(b, func(i, j int) int { return l.vorrang(s, i, j) })
			for _, i := range b[:min(len(b), max(frei[s], 0))] {
				platz[i] = s
			}
			frei[s] -= min(len(b), max(frei[s], 0))
		}
	}
	return platz
}

// deferredAcceptance: every child without a held place proposes to its
// next wish; a school holds the best proposals up to its places and
// rejects the rest; it ends when no child is rejected.
func (l *lauf) deferredAcceptance() []string {
	naechster := make([]int, len(l.anm)) // index of the next wish to propose to
	gehalten := map[string][]int{}
	frei := make([]int, len(l.anm))
	for i := range frei {
		frei[i] = i
	}
	for len(frei) > 0 {
		i := frei[len(frei)-1]
		frei = frei[:len(frei)-1]
		a := l.anm[i]
		if naechster[i] >= len(a.Wuensche) {
			continue // no wish left: no place
		}
		s := a.Wuensche[naechster[i]]
		naechster[i]++
		h := gehalten[s]
		// Insert i in priority order.
		pos, _ := slices.BinarySearchFunc(h, i, func(j, i int) int { return l.vorrang(s, j, i) })
		h = slices.Insert(h, pos, i)
		if kap := max(l.plaetze[s], 0); len(h) > kap {
			frei = append(frei, h[kap])
			h = slices.Delete(h, kap, kap+1)
		}
		gehalten[s] = h
	}
	platz := make([]string, len(l.anm))
	for s, h := range gehalten {
		for _, i := range h {
			platz[i] = s
		}
	}
	return platz
}

// ergebnis builds the result and the waiting lists. A child waits at every
// school it prefers to the one admitted; a list is ordered as the
// procedure admits: by priority (deferred acceptance), by wish number and
// then priority (erstwunsch).
func (l *lauf) ergebnis(v Verfahren, platz []string) Ergebnis {
	e := Ergebnis{Verfahren: v, Zuteilungen: make([]Zuteilung, len(l.anm)), Aufgenommen: map[string][]string{}, Wartelisten: map[string][]string{}}
	aufg, warte := map[string][]int{}, map[string][]int{}
	for i, a := range l.anm {
		w := a.wunschNr(platz[i])
		if platz[i] != "" {
			aufg[platz[i]] = append(aufg[platz[i]], i)
		}
		bis := len(a.Wuensche)
		if w > 0 {
			bis = w - 1
		}
		for _, s := range a.Wuensche[:bis] {
			warte[s] = append(warte[s], i)
		}
		e.Zuteilungen[i] = Zuteilung{AnmeldungID: a.ID, Schulnummer: platz[i], Wunsch: w, Losnummer: l.los[i], Warteliste: map[string]int{}}
	}
	ordnung := func(s string) func(i, j int) int {
		return func(i, j int) int {
			if v == Erstwunsch {
				if c := cmp.Compare(l.anm[i].wunschNr(s), l.anm[j].wunschNr(s)); c != 0 {
					return c
				}
			}
			return l.vorrang(s, i, j)
		}
	}
	for s, ids := range aufg {
		slices.SortFunc(ids, ordnung(s))
		for _, i := range ids {
			e.Aufgenommen[s] = append(e.Aufgenommen[s], l.anm[i].ID)
		}
	}
	for s, ids := range warte {
		slices.SortFunc(ids, ordnung(s))
		for rang, i := range ids {
			e.Wartelisten[s] = append(e.Wartelisten[s], l.anm[i].ID)
			e.Zuteilungen[i].Warteliste[s] = rang + 1
		}
	}
	return e
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// Wiederherstellen rebuilds a stored run's result from its per-child
// results: the admitted lists (in the order of lottery numbers within a
// school; the stored order of the procedure is kept by the waiting lists'
// ranks) and the waiting lists by rank.
func Wiederherstellen(v Verfahren, z []Zuteilung) Ergebnis {
	z = slices.Clone(z)
	slices.SortFunc(z, func(a, b Zuteilung) int { return cmp.Compare(a.AnmeldungID, b.AnmeldungID) })
	e := Ergebnis{Verfahren: v, Zuteilungen: z, Aufgenommen: map[string][]string{}, Wartelisten: map[string][]string{}}
	los := map[string]int{}
	for _, x := range z {
		los[x.AnmeldungID] = x.Losnummer
		if x.Schulnummer != "" {
			e.Aufgenommen[x.Schulnummer] = append(e.Aufgenommen[x.Schulnummer], x.AnmeldungID)
		}
		for s, r := range x.Warteliste {
			l := e.Wartelisten[s]
			for len(l) < r {
				l = append(l, "")
			}
			l[r-1] = x.AnmeldungID
			e.Wartelisten[s] = l
		}
	}
	for _, l := range e.Aufgenommen {
		slices.SortFunc(l, func(a, b string) int { return cmp.Compare(los[a], los[b]) })
	}
	return e
}

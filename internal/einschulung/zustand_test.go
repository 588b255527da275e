package einschulung

import (
	"fmt"
	"maps"
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/schule"
)

// The child of the state machine tests lives in the Schulbezirk of B;
// G and H are other city Grundschulen, F one of a free Träger.
const (
	schuleB = "20101"
	schuleG = "20102"
	schuleH = "20103"
	schuleF = "20107"
)

func zustandSchulen() map[string]schule.Schule {
	m := map[string]schule.Schule{}
	for _, s := range testSchulen {
		m[s.Schulnummer] = s
	}
	m[schuleH] = schule.Schule{Schulnummer: schuleH, Name: "Grundschule Heide", Schulform: schule.Grundschule, Traeger: schule.Kommunal}
	return m
}

func regulaereLage() Lage {
	return Lage{Schuljahr: sj(2027), Herkunft: Regulaer, Stamm: true, Wohnt: true, Bezirksschule: schuleB, Schulen: zustandSchulen()}
}

// ereignis is a named Meldung.
type ereignis struct {
	name string
	m    Meldung
}

func ev(name string, typ Typ, nr string, e Entscheidung) ereignis {
	return ereignis{name, Meldung{Schuljahr: sj(2027), Kind: "k", Typ: typ, Schulnummer: nr, Entscheidung: e}}
}

// The events of the tests and the table.
var ereignisse = []ereignis{
	ev("Anmeldung B", TypAnmeldung, schuleB, ""),
	ev("Anmeldung G", TypAnmeldung, schuleG, ""),
	ev("Anmeldung F", TypAnmeldung, schuleF, ""),
	ev("Aufnahme B", TypAufnahme, schuleB, ""),
	ev("Aufnahme G", TypAufnahme, schuleG, ""),
	ev("Zurückstellung beantragt", TypZurueckstellung, "", EntscheidungBeantragt),
	ev("Zurückstellung genehmigt", TypZurueckstellung, "", EntscheidungGenehmigt),
	ev("Zurückstellung abgelehnt", TypZurueckstellung, "", EntscheidungAbgelehnt),
	ev("Gastschulantrag G beantragt", TypGastschulantrag, schuleG, EntscheidungBeantragt),
	ev("Gastschulantrag G genehmigt", TypGastschulantrag, schuleG, EntscheidungGenehmigt),
	ev("Gastschulantrag G abgelehnt", TypGastschulantrag, schuleG, EntscheidungAbgelehnt),
	ev("Abmeldung", TypAbmeldung, "", ""),
}

// The exhaustive tests add a second school outside the Bezirk: a
// Gastschulantrag for H replaces the one for G.
var alleEreignisse = append(slices.Clone(ereignisse), ev("Gastschulantrag H genehmigt", TypGastschulantrag, schuleH, EntscheidungGenehmigt),
	ev("Anmeldung H", TypAnmeldung, schuleH, ""))

func istZulassung(m Meldung) bool { return m.Typ == TypAnmeldung || m.Typ == TypAufnahme }

// kommutieren is the documented relation (docs/einschulung-zustaende.md):
// two Meldungen give the same state in either order unless
//   - they are of the same Typ (the later replaces the earlier),
//   - one is an Abmeldung and the other an Anmeldung or Aufnahme (the
//     later wins),
//   - one is a Gastschulantrag and the other an Anmeldung or Aufnahme (a
//     registration at a city school outside the Bezirk needs the
//     approval; the approval cannot be withdrawn while the registration
//     that counts rests on it, and any registration may replace that one),
//   - the child is not in the cohort without a Meldung (l.Stamm false)
//     and one is an Anmeldung or Aufnahme (it brings the child in; every
//     other Meldung waits for it).
func kommutieren(l Lage, a, b Meldung) bool {
	switch {
	case a == b:
		return true
	case a.Typ == b.Typ:
		return false
	case a.Typ == TypAbmeldung && istZulassung(b), b.Typ == TypAbmeldung && istZulassung(a):
		return false
	case a.Typ == TypGastschulantrag && istZulassung(b), b.Typ == TypGastschulantrag && istZulassung(a):
		return false
	case !l.Stamm && (istZulassung(a) || istZulassung(b)):
		return false
	}
	return true
}

// lauf applies the Meldungen in order; a refused one changes nothing.
func lauf(l Lage, z Zustand, ms ...Meldung) Zustand {
	for _, m := range ms {
		if neu, err := l.Anwenden(z, m); err == nil {
			z = neu
		}
	}
	return z
}

func gleich(l Lage, a, b Zustand) bool {
	return maps.Equal(a, b) && l.Stand(a) == l.Stand(b)
}

func zeige(z Zustand) string {
	var parts []string
	for _, t := range typen {
		if m, ok := z[t]; ok {
			parts = append(parts, strings.TrimSpace(fmt.Sprintf("%s %s %s", t, m.Schulnummer, m.Entscheidung)))
		}
	}
	return "{" + strings.Join(parts, ", ") + "}"
}

// permutationen calls f with every permutation of 0..n-1.
func permutationen(n int, f func([]int)) {
	p := make([]int, n)
	for i := range p {
		p[i] = i
	}
	var rec func(k int)
	rec = func(k int) {
		if k == n {
			f(p)
			return
		}
		for i := k; i < n; i++ {
			p[k], p[i] = p[i], p[k]
			rec(k + 1)
			p[k], p[i] = p[i], p[k]
		}
	}
	rec(0)
}

// folgen calls f with every sequence of 1..maxLen events (repetition
// allowed).
func folgen(events []ereignis, maxLen int, f func([]Meldung)) {
	seq := make([]Meldung, 0, maxLen)
	var rec func()
	rec = func() {
		if len(seq) > 0 {
			f(seq)
		}
		if len(seq) == maxLen {
			return
		}
		for _, e := range events {
			seq = append(seq, e.m)
			rec()
			seq = seq[:len(seq)-1]
		}
	}
	rec()
}

// Every sequence of up to four Meldungen, in every order that keeps the
// relative order of each pair that does not commute, ends in the same
// state (Meldungen and what they show): for a regular child and for one
// that only an early registration brings into the cohort.
func TestZustandOrderOfCommutingMeldungenDoesNotMatter(t *testing.T) {
	frueh := regulaereLage()
	frueh.Herkunft, frueh.Stamm = VorzeitigMoeglich, false
	fruehEreignisse := slices.DeleteFunc(slices.Clone(alleEreignisse), func(e ereignis) bool { return e.m.Typ == TypZurueckstellung })
	for _, tc := range []struct {
		name   string
		lage   Lage
		events []ereignis
		maxLen int
		min    int // orders compared at least
	}{
		{"regular child", regulaereLage(), alleEreignisse, 4, 100000},
		{"early entrant", frueh, fruehEreignisse, 4, 10000},
	} {
		t.Run(tc.name, func(t *testing.T) {
			l := tc.lage
			verglichen, fehler := 0, 0
			folgen(tc.events, tc.maxLen, func(seq []Meldung) {
				want := lauf(l, nil, seq...)
				permutationen(len(seq), func(p []int) {
					for i := range p {
						for j := i + 1; j < len(p); j++ {
							if p[i] > p[j] && !kommutieren(l, seq[p[i]], seq[p[j]]) {
								return // reorders a pair that does not commute
							}
						}
					}
					perm := make([]Meldung, len(seq))
					for i, k := range p {
						perm[i] = seq[k]
					}
					verglichen++
					if got := lauf(l, nil, perm...); !gleich(l, got, want) {
						fehler++
						if fehler <= 5 {
							t.Errorf("%s\n  gives %s %+v,\n  but %s gives %s %+v", namen(seq), zeige(want), l.Stand(want), namen(perm), zeige(got), l.Stand(got))
						}
					}
				})
			})
			if verglichen < tc.min {
				t.Errorf("only %d orders compared", verglichen)
			}
			t.Logf("%d orders compared", verglichen)
		})
	}
}

func namen(ms []Meldung) string {
	var out []string
	for _, m := range ms {
		for _, e := range alleEreignisse {
			if e.m == m {
				out = append(out, e.name)
			}
		}
	}
	return "[" + strings.Join(out, " → ") + "]"
}

// The relation is no wider than it must be: for each pair of different
// Typ it says does not commute, some reachable state gives a different
// result in the two orders. (Of two Meldungen of the same Typ the later
// replaces the earlier; that rule needs no witness.)
func TestZustandNonCommutingPairsReallyDependOnOrder(t *testing.T) {
	l := regulaereLage()
	var starts []Zustand
	starts = append(starts, nil)
	folgen(alleEreignisse, 2, func(seq []Meldung) { starts = append(starts, lauf(l, nil, seq...)) })
	for i, a := range alleEreignisse {
		for _, b := range alleEreignisse[i+1:] {
			if a.m.Typ == b.m.Typ || kommutieren(l, a.m, b.m) {
				continue
			}
			found := slices.ContainsFunc(starts, func(z Zustand) bool {
				return !gleich(l, lauf(l, z, a.m, b.m), lauf(l, z, b.m, a.m))
			})
			if !found {
				t.Errorf("%s and %s are documented as order-dependent but commute from every state", a.name, b.name)
			}
		}
	}
}

// The cases of issue 15, in both orders, with the documented outcome.
func TestZustandGastschulantragCases(t *testing.T) {
	l := regulaereLage()
	e := func(name string) Meldung {
		for _, x := range alleEreignisse {
			if x.name == name {
				return x.m
			}
		}
		t.Fatalf("no event %s", name)
		return Meldung{}
	}
	genehmigt, abgelehnt := e("Gastschulantrag G genehmigt"), e("Gastschulantrag G abgelehnt")

	// Registered at G on the approval, then the approval withdrawn: the
	// withdrawal is refused, the child stays registered at G – never
	// "angemeldet" at B, where it did not register.
	z := lauf(l, nil, genehmigt, e("Anmeldung G"))
	_, err := l.Anwenden(z, abgelehnt)
	if a, ok := apperr.As(err); !ok || a.Class != apperr.ClassConflict || !strings.Contains(a.Detail, "beruht auf dem genehmigten Gastschulantrag") {
		t.Errorf("withdrawal under a registration: %v", err)
	}
	if st := l.Stand(lauf(l, z, abgelehnt)); st.Status != StatusAngemeldet || st.Schulnummer != schuleG {
		t.Errorf("after the refused withdrawal: %+v", st)
	}
	// The other order: the registration at G is refused; expected at B.
	z = lauf(l, nil, genehmigt, abgelehnt)
	if _, err := l.Anwenden(z, e("Anmeldung G")); err == nil {
		t.Error("registration at G after the refusal accepted")
	}
	if st := l.Stand(lauf(l, z, e("Anmeldung G"))); st.Status != StatusErwartet || st.Schulnummer != schuleB {
		t.Errorf("refused, then registered at G: %+v", st)
	}
	// Registered at B after all, then the approval may be withdrawn.
	z = lauf(l, nil, genehmigt, e("Anmeldung G"), e("Anmeldung B"), abgelehnt)
	if st := l.Stand(z); st.Status != StatusAngemeldet || st.Schulnummer != schuleB || z[TypGastschulantrag].Entscheidung != EntscheidungAbgelehnt {
		t.Errorf("registered at B, approval withdrawn: %+v %s", st, zeige(z))
	}

	// Admitted at B, then the Gastschulantrag for G approved: the child
	// stays admitted at B (§ 41: the approval allows, it does not move),
	// the answer says so, and the other order gives the same state.
	vorher := lauf(l, nil, e("Aufnahme B"))
	nachher, err := l.Anwenden(vorher, genehmigt)
	if err != nil {
		t.Fatal(err)
	}
	if st := l.Stand(nachher); st.Status != StatusAufgenommen || st.Schulnummer != schuleB {
		t.Errorf("admitted at B, then approval for G: %+v", st)
	}
	if h := l.Hinweis(vorher, nachher); !strings.Contains(h, "aufgenommen und bleibt dort") || !strings.Contains(h, schuleG) {
		t.Errorf("hint %q", h)
	}
	if !gleich(l, nachher, lauf(l, nil, genehmigt, e("Aufnahme B"))) {
		t.Error("approval then admission at B gives another state")
	}
	// Only an admission at G moves it.
	if st := l.Stand(lauf(l, nachher, e("Anmeldung G"))); st.Status != StatusAufgenommen || st.Schulnummer != schuleB {
		t.Errorf("admitted at B, registered at G: %+v", st)
	}
	if st := l.Stand(lauf(l, nachher, e("Aufnahme G"))); st.Status != StatusAufgenommen || st.Schulnummer != schuleG {
		t.Errorf("admitted at G: %+v", st)
	}
}

// The table of docs/einschulung-zustaende.md is the one the code makes.
func TestZustandTableMatchesDoc(t *testing.T) {
	want := zustandsTabelle()
	doc, err := os.ReadFile("../../docs/einschulung-zustaende.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(doc), want) {
		if path := os.Getenv("ZUSTAND_TABELLE"); path != "" {
			os.WriteFile(path, []byte(want), 0o644)
		}
		t.Errorf("docs/einschulung-zustaende.md does not show the table as the code makes it (ZUSTAND_TABELLE=file writes it there):\n%s", want)
	}
}

// zustaende are the named states of the table (for the regular child).
var zustaende = []struct {
	name string
	seq  []string
}{
	{"Z0 nichts gemeldet", nil},
	{"Z1 angemeldet an B", []string{"Anmeldung B"}},
	{"Z2 aufgenommen an B", []string{"Aufnahme B"}},
	{"Z3 Gastschulantrag G beantragt", []string{"Gastschulantrag G beantragt"}},
	{"Z4 Gastschulantrag G genehmigt", []string{"Gastschulantrag G genehmigt"}},
	{"Z5 G genehmigt, angemeldet an G", []string{"Gastschulantrag G genehmigt", "Anmeldung G"}},
	{"Z6 G genehmigt, aufgenommen an G", []string{"Gastschulantrag G genehmigt", "Aufnahme G"}},
	{"Z7 G genehmigt, aufgenommen an B", []string{"Aufnahme B", "Gastschulantrag G genehmigt"}},
	{"Z8 angemeldet an F", []string{"Anmeldung F"}},
	{"Z9 angemeldet an B, Zurückstellung beantragt", []string{"Anmeldung B", "Zurückstellung beantragt"}},
	{"Z10 Zurückstellung genehmigt", []string{"Zurückstellung genehmigt"}},
	{"Z11 abgemeldet", []string{"Abmeldung"}},
	{"Z12 angemeldet an B, abgemeldet", []string{"Anmeldung B", "Abmeldung"}},
}

// zustandsTabelle renders the state × event table: each cell the status
// and list after the event (B, G, F for the schools), or the refusal
// (a footnote with its German text); "(H)" marks a cell whose answer has
// a hint.
func zustandsTabelle() string {
	l := regulaereLage()
	byName := map[string]Meldung{}
	for _, e := range ereignisse {
		byName[e.name] = e.m
	}
	kurz := strings.NewReplacer(schuleB, "B", schuleG, "G", schuleF, "F")
	zeigeStand := func(st Stand) string {
		s := string(st.Status)
		if st.Schulnummer != "" {
			s += " @" + kurz.Replace(st.Schulnummer)
		}
		return s
	}
	var b strings.Builder
	b.WriteString("| Zustand (Stand) |")
	for i := range ereignisse {
		fmt.Fprintf(&b, " E%d |", i+1)
	}
	b.WriteString("\n|---|")
	for range ereignisse {
		b.WriteString("---|")
	}
	b.WriteString("\n")
	var ablehnungen []string
	for _, zs := range zustaende {
		var z Zustand
		for _, n := range zs.seq {
			neu, err := l.Anwenden(z, byName[n])
			if err != nil {
				panic(zs.name + ": " + err.Error())
			}
			z = neu
		}
		fmt.Fprintf(&b, "| %s (%s) |", zs.name, zeigeStand(l.Stand(z)))
		for _, e := range ereignisse {
			neu, err := l.Anwenden(z, e.m)
			if err != nil {
				a, _ := apperr.As(err)
				text := a.Detail
				if len(a.Fields) > 0 {
					text = a.Fields[0].Message
				}
				text = fmt.Sprintf("%d: %s", map[apperr.Class]int{apperr.ClassConflict: 409, apperr.ClassInvalid: 422}[a.Class], kurz.Replace(text))
				i := slices.Index(ablehnungen, text)
				if i < 0 {
					ablehnungen = append(ablehnungen, text)
					i = len(ablehnungen) - 1
				}
				fmt.Fprintf(&b, " ✗ A%d |", i+1)
				continue
			}
			cell := zeigeStand(l.Stand(neu))
			if maps.Equal(neu, z) {
				cell = "= " + cell
			}
			if l.Hinweis(z, neu) != "" {
				cell += " (H)"
			}
			fmt.Fprintf(&b, " %s |", cell)
		}
		b.WriteString("\n")
	}
	b.WriteString("\nEreignisse: ")
	for i, e := range ereignisse {
		if i > 0 {
			b.WriteString("; ")
		}
		fmt.Fprintf(&b, "E%d %s", i+1, e.name)
	}
	b.WriteString(".\n\nAblehnungen (Status: Text der Antwort):\n\n")
	for i, a := range ablehnungen {
		fmt.Fprintf(&b, "- A%d – %s\n", i+1, a)
	}
	return b.String()
}

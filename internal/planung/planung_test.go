package planung

import (
	"errors"
	"math"
	"slices"
	"testing"
)

// The worked example (by hand):
//
//	Grundschule 1001 (1 Zug × 20, so 80 places), cohorts 2023–2027: 40 50 40 60 30
//	grade        2023 2024 2025
//	1              20   30   24   → Eingangsquote = (20/40 + 30/50 + 24/40)/3 = 1.7/3 = 0.5667
//	2              18   19   30   → Durchgangsquote 2 = (19/20 + 30/30)/2 = 0.975
//	3              20   18   19   → 1
//	4              20   20   18   → 1
//	Sekundarschule 2001: grade 5 2024: 10, 2025: 8 → Übergangsquote = (10/20 + 8/20)/2 = 0.45
//
//	2026: g1 = 60×0.5667 = 34, g2 = 24×0.975 = 23.4, g3 = 30, g4 = 19 → 106.4 → 106
//	2027: g1 = 30×0.5667 = 17, g2 = 34×0.975 = 33.15, g3 = 23.4, g4 = 30 → 103.55 → 104
//	2026: Sekundarschule g5 = 18×0.45 = 8.1 → 8; 2027: 19×0.45 = 8.55 → 9
func beispiel() Daten {
	d := Daten{
		Schulen: []Schule{
			{Schulnummer: "2001", Name: "Sek", Art: Sekundarschule},
			{Schulnummer: "1001", Name: "GS", Art: Grundschule, Zuege: 1, Klassenfrequenz: 20},
		},
		Kohorten: []Kohorte{{"1001", 2023, 40}, {"1001", 2024, 50}, {"1001", 2025, 40}, {"1001", 2026, 60}, {"1001", 2027, 30}},
	}
	gs := map[int][4]int{2023: {20, 18, 20, 20}, 2024: {30, 19, 18, 20}, 2025: {24, 30, 19, 18}}
	for t, gr := range gs {
		for g, n := range gr {
			d.Schueler = append(d.Schueler, Zahl{"1001", t, g + 1, n})
		}
	}
	d.Schueler = append(d.Schueler, Zahl{"2001", 2024, 5, 10}, Zahl{"2001", 2025, 5, 8})
	return d
}

func near(a, b float64) bool { return math.Abs(a-b) < 1e-9 }

func wert(t *testing.T, sp SchulPrognose, jahr, g int) Wert {
	t.Helper()
	for _, w := range sp.Werte {
		if w.Schuljahr == jahr && w.Jahrgangsstufe == g {
			return w
		}
	}
	t.Fatalf("%s: no value for %d grade %d", sp.Schule.Schulnummer, jahr, g)
	return Wert{}
}

func jahr(t *testing.T, sp SchulPrognose, j int) Jahr {
	t.Helper()
	for _, y := range sp.Jahre {
		if y.Schuljahr == j {
			return y
		}
	}
	t.Fatalf("no year %d", j)
	return Jahr{}
}

func TestBerechneHandgerechnet(t *testing.T) {
	p, err := Berechne(beispiel(), Parameter{Jahre: 3})
	if err != nil {
		t.Fatal(err)
	}
	if p.Ab != 2026 || p.Bis != 2028 || p.K != 3 {
		t.Fatalf("range %d–%d k %d", p.Ab, p.Bis, p.K)
	}
	gs, _ := p.Schule("1001")
	if gs.Eingangsquote == nil || !near(*gs.Eingangsquote, 1.7/3) {
		t.Fatalf("Eingangsquote %v", gs.Eingangsquote)
	}
	if !near(gs.Durchgangsquoten[2], 0.975) || !near(gs.Durchgangsquoten[3], 1) || !near(gs.Durchgangsquoten[4], 1) {
		t.Fatalf("Durchgangsquoten %v", gs.Durchgangsquoten)
	}
	for _, c := range []struct {
		jahr, g int
		wert    float64
		anzahl  int
	}{
		{2026, 1, 34, 34}, {2026, 2, 23.4, 23}, {2026, 3, 30, 30}, {2026, 4, 19, 19},
		{2027, 1, 17, 17}, {2027, 2, 33.15, 33}, {2027, 3, 23.4, 23}, {2027, 4, 30, 30},
		{2028, 1, 17, 17}, // cohort 2028 unknown: 2027's carried on
	} {
		w := wert(t, gs, c.jahr, c.g)
		if !near(w.Wert, c.wert) || w.Anzahl != c.anzahl {
			t.Errorf("%d grade %d: %v/%d, want %v/%d", c.jahr, c.g, w.Wert, w.Anzahl, c.wert, c.anzahl)
		}
	}
	j26 := jahr(t, gs, 2026)
	if j26.Anzahl != 106 || j26.Eingang != 34 {
		t.Errorf("2026 total %d entry %d", j26.Anzahl, j26.Eingang)
	}
	if !slices.Equal(j26.Flags, []string{FlagZugUeberKapazitaet, FlagUeberKapazitaet}) {
		t.Errorf("2026 flags %v", j26.Flags)
	}
	if j27 := jahr(t, gs, 2027); j27.Anzahl != 104 {
		t.Errorf("2027 total %d, want 104 (103.55 rounded)", j27.Anzahl)
	}
	if !slices.Contains(jahr(t, gs, 2028).Flags, FlagKohorteFortgeschr) {
		t.Errorf("2028 flags %v", jahr(t, gs, 2028).Flags)
	}
	if gs.Erstmals[FlagUeberKapazitaet] != 2026 || gs.Erstmals[FlagKohorteFortgeschr] != 2028 {
		t.Errorf("Erstmals %v", gs.Erstmals)
	}

	sek, _ := p.Schule("2001")
	if sek.Eingangsquote == nil || !near(*sek.Eingangsquote, 0.45) {
		t.Fatalf("Übergangsquote %v", sek.Eingangsquote)
	}
	if w := wert(t, sek, 2026, 5); !near(w.Wert, 8.1) || w.Anzahl != 8 {
		t.Errorf("2026 grade 5: %+v", w)
	}
	if w := wert(t, sek, 2027, 5); !near(w.Wert, 8.55) || w.Anzahl != 9 {
		t.Errorf("2027 grade 5: %+v", w)
	}
	f := jahr(t, sek, 2026).Flags
	for _, want := range []string{FlagUnterMindest, FlagUnterAusnahme, FlagEingangUnterMindest, FlagQuoteFehlt} {
		if !slices.Contains(f, want) {
			t.Errorf("Sekundarschule 2026 lacks %s: %v", want, f)
		}
	}
}

func TestMindestgroessenKonfigurierbar(t *testing.T) {
	mg := StandardMindestgroessen()
	mg[Grundschule] = Mindestgroesse{Schueler: 110, Eingangsklasse: 35}
	p, err := Berechne(beispiel(), Parameter{Jahre: 1, Mindestgroessen: mg})
	if err != nil {
		t.Fatal(err)
	}
	gs, _ := p.Schule("1001")
	f := jahr(t, gs, 2026).Flags // 106 pupils, 34 in grade 1
	if !slices.Contains(f, FlagUnterMindest) || !slices.Contains(f, FlagEingangUnterMindest) {
		t.Errorf("flags %v", f)
	}
}

func TestSzenario(t *testing.T) {
	basis, _ := Berechne(beispiel(), Parameter{Jahre: 2})
	// The new estate brings 10 more children a year from 2027:
	// 2027 grade 1 = 40 × 0.5667 = 22.67; total 109.22 → 109 against 104.
	sz, err := Berechne(beispiel(), Parameter{Jahre: 2, Zusaetze: []Zusatz{{Schulnummer: "1001", KinderProJahr: 10, Ab: 2027}}})
	if err != nil {
		t.Fatal(err)
	}
	gs, _ := sz.Schule("1001")
	if w := wert(t, gs, 2027, 1); !near(w.Wert, 40*1.7/3) || w.Anzahl != 23 {
		t.Errorf("2027 grade 1 %+v", w)
	}
	diffs := Vergleiche(basis, sz)
	var got []Differenz
	for _, d := range diffs {
		if d.Schulnummer == "1001" {
			got = append(got, d)
		}
	}
	if len(got) != 2 || got[0].Differenz != 0 || got[1].Basis != 104 || got[1].Szenario != 109 || got[1].Differenz != 5 {
		t.Errorf("differences %+v", got)
	}

	// An overridden Eingangsquote: 2026 grade 1 = 60 × 0.5 = 30.
	ov, _ := Berechne(beispiel(), Parameter{Jahre: 1, Quoten: Quoten{Eingang: map[string]float64{"1001": 0.5}, Durchgang: map[string]map[int]float64{"1001": {2: 1}}}})
	gs, _ = ov.Schule("1001")
	if w := wert(t, gs, 2026, 1); w.Anzahl != 30 {
		t.Errorf("override: %+v", w)
	}
	if w := wert(t, gs, 2026, 2); w.Anzahl != 24 {
		t.Errorf("override Durchgangsquote: %+v", w)
	}
}

// A forecast from 2025 sees only 2023 and 2024: Eingangsquote (0.5+0.6)/2
// = 0.55, grade 1 in 2025 = 40 × 0.55 = 22 (it was 24).
func TestRueckblickNutztNurFruehereJahre(t *testing.T) {
	p, err := Berechne(beispiel(), Parameter{Ab: 2025, Jahre: 1})
	if err != nil {
		t.Fatal(err)
	}
	gs, _ := p.Schule("1001")
	if !near(*gs.Eingangsquote, 0.55) {
		t.Fatalf("quota %v", *gs.Eingangsquote)
	}
	if w := wert(t, gs, 2025, 1); !near(w.Wert, 22) {
		t.Errorf("%+v", w)
	}
}

func TestKeineDaten(t *testing.T) {
	if _, err := Berechne(Daten{}, Parameter{}); !errors.Is(err, ErrKeineDaten) {
		t.Fatal("no error without data")
	}
}

func TestRound(t *testing.T) {
	for in, want := range map[float64]int{0.5: 1, 1.5: 2, 2.5: 3, -2.5: -3, 8.55: 9, 2.4999: 2} {
		if got := Round(in); got != want {
			t.Errorf("Round(%v) = %d, want %d", in, got, want)
		}
	}
}

func unterdrueckt(t Tabelle) (out []string) {
	for i, r := range t.Zellen {
		for j, z := range r {
			if z.Unterdrueckt {
				out = append(out, t.Zeilen[i]+"/"+string(rune('0'+t.Spalten[j])))
			}
		}
	}
	return out
}

func TestUnterdrueckungSekundaer(t *testing.T) {
	// A: 5 1 7 (13), B: 4 6 8 (18); columns 9 7 15, total 31.
	// Primary: A/2 (1). Row A then needs a second: its smallest, A/1 (5).
	// Column 2 needs B/2, column 1 needs B/1; row B then has two.
	tab := NeueTabelle([]string{"A", "B"}, []int{1, 2, 3}, [][]int{{5, 1, 7}, {4, 6, 8}})
	tab.Unterdruecke(0)
	if got := unterdrueckt(tab); !slices.Equal(got, []string{"A/1", "A/2", "B/1", "B/2"}) {
		t.Fatalf("suppressed %v", got)
	}
	if tab.ZeilenSummen[0].Unterdrueckt || tab.Gesamt.Unterdrueckt || tab.Gesamt.Wert != 31 {
		t.Errorf("totals %+v %+v", tab.ZeilenSummen, tab.Gesamt)
	}
	// No equation may be left with exactly one unknown.
	for i, r := range tab.Zellen {
		n := 0
		for _, z := range r {
			if z.Unterdrueckt {
				n++
			}
		}
		if n == 1 {
			t.Errorf("row %d has one suppressed cell", i)
		}
	}
}

func TestUnterdrueckungSchwelleUndEinzelzeile(t *testing.T) {
	// One row only: 2 and 0 → the row total 2 is itself small too.
	tab := NeueTabelle([]string{"A"}, []int{1, 2}, [][]int{{2, 0}})
	tab.Unterdruecke(3)
	if !tab.Zellen[0][0].Unterdrueckt || tab.Zellen[0][1].Unterdrueckt || !tab.ZeilenSummen[0].Unterdrueckt || !tab.Gesamt.Unterdrueckt {
		t.Errorf("%+v", tab)
	}
	// Threshold 2: only 1 is small.
	tab = NeueTabelle([]string{"A", "B"}, []int{1}, [][]int{{2}, {10}})
	tab.Unterdruecke(2)
	if got := unterdrueckt(tab); len(got) != 0 {
		t.Errorf("threshold 2 suppressed %v", got)
	}
	tab = NeueTabelle([]string{"A", "B"}, []int{1}, [][]int{{2}, {10}})
	tab.Unterdruecke(3)
	if got := unterdrueckt(tab); !slices.Equal(got, []string{"A/1", "B/1"}) || !tab.ZeilenSummen[1].Unterdrueckt {
		t.Errorf("threshold 3 suppressed %v", got)
	}
}

// A column whose other cells are all zero: its total goes, not a zero.
func TestUnterdrueckungNullenSchuetzenNicht(t *testing.T) {
	// A: 20 0, B: 8 2 → B/2 primary; row B: B/1 (8); column 1: A/1 (20);
	// column 2 has only a zero left: its total 2 is small anyway.
	tab := NeueTabelle([]string{"A", "B"}, []int{1, 2}, [][]int{{20, 0}, {8, 2}})
	tab.Unterdruecke(3)
	if tab.Zellen[0][1].Unterdrueckt || !tab.SpaltenSummen[1].Unterdrueckt {
		t.Errorf("%+v", tab)
	}
	// Row A: A/1 alone suppressed → its total 20 goes (the other cell is 0).
	if !tab.ZeilenSummen[0].Unterdrueckt {
		t.Errorf("row A total published: %+v", tab.ZeilenSummen)
	}
}

package httpapi

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/planung/angreifer"
)

// TestPlanungUnterdrueckungGegenAngreifer: the planners' published pupil
// numbers of every year (and the back-test's observed totals), read as
// role planung from a real database, given to an adversary who knows
// every published number, every total and that zeros are shown as 0. For
// no suppressed entry may it narrow the value to fewer than PLANUNG_SCHWELLE
// values. The data hold the tester's case: grade 1 in 2025/26 at 20101 =
// 119, at 20102 and 20103 one child each.
func TestPlanungUnterdrueckungGegenAngreifer(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	ctx := context.Background()
	wahr := map[string]int{} // "2025/20102/1" → count
	werte := map[int]map[string][]int{
		2023: {"20101": {110, 104, 98, 101}, "20102": {2, 0, 1, 0}, "20103": {0, 1, 0, 2}},
		2024: {"20101": {116, 108, 103, 97}, "20102": {1, 2, 0, 1}, "20103": {1, 0, 1, 0}},
		2025: {"20101": {119, 114, 107, 102}, "20102": {1, 1, 2, 0}, "20103": {1, 1, 0, 1}},
	}
	stmts := []string{`INSERT INTO schulen (schulnummer, name, schulform, zuege, klassenfrequenz) VALUES
		('20101', 'Grundschule Am Anger', 'grundschule', 5, 24), ('20102', 'Grundschule Am Park', 'grundschule', 1, 20),
		('20103', 'Grundschule Heide', 'grundschule', 1, 20), ('30101', 'Sekundarschule Nord', 'sekundarschule', 3, 25)`,
		`INSERT INTO planung_kohorten VALUES ('20101', 2023, 130), ('20101', 2024, 125), ('20101', 2025, 128), ('20101', 2026, 120),
		('20102', 2023, 3), ('20102', 2024, 2), ('20102', 2025, 1), ('20102', 2026, 2),
		('20103', 2023, 1), ('20103', 2024, 2), ('20103', 2025, 1), ('20103', 2026, 1)`}
	var rows []string
	for jahr, schulen := range werte {
		for nr, stufen := range schulen {
			for g, n := range stufen {
				rows = append(rows, fmt.Sprintf("('%s', %d, %d, %d)", nr, jahr, g+1, n))
				wahr[fmt.Sprintf("%d/%s/%d", jahr, nr, g+1)] = n
			}
		}
	}
	// The Sekundarschule: grade 6 of 2024 has 2 pupils, grade 5 of 2025 one.
	for _, r := range [][4]int{{2023, 5, 60}, {2023, 6, 58}, {2024, 5, 62}, {2024, 6, 2}, {2025, 5, 1}, {2025, 6, 61}} {
		rows = append(rows, fmt.Sprintf("('30101', %d, %d, %d)", r[0], r[1], r[2]))
		wahr[fmt.Sprintf("%d/30101/%d", r[0], r[1])] = r[2]
	}
	stmts = append(stmts, "INSERT INTO planung_schuelerzahlen VALUES "+strings.Join(rows, ", "))
	for _, s := range stmts {
		if _, err := pool.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}

	tok := e.token(auth.RolePlanung)
	resp, body := e.do(call{method: "GET", path: "/v1/planung/schuelerzahlen", token: tok})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var all schuelerzahlenJSON
	mustJSON(t, body, &all)
	if len(all.Jahre) != 3 || all.Schwelle != 3 {
		t.Fatalf("%s", body)
	}
	// The back-test publishes each school's observed total of a year: the
	// adversary learns every one that is shown there.
	resp, body = e.do(call{method: "GET", path: "/v1/planung/backtest?jahre=1&k=1", token: tok})
	if resp.StatusCode != 200 {
		t.Fatalf("backtest: %d %s", resp.StatusCode, body)
	}
	var bt backtestJSON
	mustJSON(t, body, &bt)
	ist := map[string]*int{}
	for _, v := range bt.Items {
		if v.Ist != nil {
			ist[v.Schuljahr+"/"+v.Schulnummer] = v.Ist
		}
	}

	var tabs []angreifer.Tabelle
	type ort struct {
		jahr, nr string
		stufe    int
	}
	orte := map[angreifer.Ort]ort{}
	suppressedSmall := 0
	for _, j := range all.Jahre {
		tab := angreifer.Tabelle{Name: j.Schuljahr, Gesamt: j.Gesamt.Anzahl}
		for i, row := range j.Items {
			var cells []*int
			for k, z := range row.Stufen {
				cells = append(cells, z.Anzahl)
				orte[angreifer.Ort{Tabelle: j.Schuljahr, Zeile: i, Spalte: k}] = ort{j.Schuljahr, row.Schulnummer, j.Jahrgangsstufen[k]}
				if z.Anzahl == nil && z.Unterdrueckt {
					suppressedSmall++
				}
				if z.Anzahl != nil && *z.Anzahl > 0 && *z.Anzahl < 3 {
					t.Errorf("%s %s grade %d: a count of %d is published", j.Schuljahr, row.Schulnummer, j.Jahrgangsstufen[k], *z.Anzahl)
				}
			}
			summe := row.Summe.Anzahl
			if summe == nil {
				summe = ist[j.Schuljahr+"/"+row.Schulnummer]
			}
			tab.Zellen, tab.ZeilenSummen = append(tab.Zellen, cells), append(tab.ZeilenSummen, summe)
		}
		for _, z := range j.Summen {
			tab.SpaltenSummen = append(tab.SpaltenSummen, z.Anzahl)
		}
		tabs = append(tabs, tab)
	}
	if suppressedSmall == 0 {
		t.Fatal("nothing suppressed: the data should have small counts")
	}
	grenzen, err := angreifer.Grenzen(tabs, 1)
	if err != nil {
		t.Fatal(err)
	}
	for o, s := range grenzen {
		if s.Max-s.Min < float64(all.Schwelle-1) {
			t.Errorf("%v: the adversary narrows it to %v..%v", o, s.Min, s.Max)
		}
		if x, ok := orte[o]; ok {
			w := wahr[fmt.Sprintf("%s/%s/%d", x.jahr[:4], x.nr, x.stufe)]
			if float64(w) < s.Min || float64(w) > s.Max {
				t.Errorf("%v: true %d outside %v..%v: the adversary's model is wrong", o, w, s.Min, s.Max)
			}
		}
	}
	t.Logf("%d suppressed entries over %d years, none recomputable", len(grenzen), len(tabs))
}

package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"reflect"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/auth"
)

type registerKind struct {
	om, familienname, vornamen string
	geburt                     time.Time
}

// uebergangEnv is a gateway with the demo schools (three secondary schools)
// and the register of the sample file melderegister.xlsx, imported as the
// school office does.
func uebergangEnv(t *testing.T) (*env, []registerKind) {
	e, pool := einschulungEnv(t)
	amt := e.token(auth.RoleSchulamt)
	_, imp, _ := e.upload(amt, "kind=melderegister", "melderegister.xlsx", sample(t, "melderegister.xlsx"))
	if done := e.await(amt, imp.ID); done.Status != "succeeded" {
		t.Fatalf("register: %+v", done)
	}
	rows, err := pool.Query(context.Background(), `SELECT ordnungsmerkmal, familienname, vornamen, geburtsdatum FROM kinder ORDER BY ordnungsmerkmal`)
	if err != nil {
		t.Fatal(err)
	}
	var kinder []registerKind
	for rows.Next() {
		var k registerKind
		if err := rows.Scan(&k.om, &k.familienname, &k.vornamen, &k.geburt); err != nil {
			t.Fatal(err)
		}
		kinder = append(kinder, k)
	}
	if len(kinder) < 60 {
		t.Fatalf("the sample register has %d children", len(kinder))
	}
	return e, kinder
}

func (e *env) postJSON(method, path, token string, v any) (int, []byte) {
	e.t.Helper()
	b, _ := json.Marshal(v)
	resp, body := e.do(call{method: method, path: path, token: token, body: string(b)})
	return resp.StatusCode, body
}

func fieldOf(t *testing.T, body []byte) (string, string) {
	t.Helper()
	p := problemOf(t, body)
	if len(p.Errors) == 0 {
		t.Fatalf("no field named: %s", body)
	}
	return p.Errors[0].Pointer, p.Errors[0].Code
}

const ueb = "/v1/uebergang/2027-28"

func TestUebergangEndToEnd(t *testing.T) {
	t.Parallel()
	e, kinder := uebergangEnv(t)
	amt, bms, plan := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS), e.token(auth.RolePlanung)

	// Places: from the schools' data (Züge × Klassenfrequenz), then set.
	resp, body := e.do(call{method: "GET", path: ueb + "/kapazitaeten", token: amt})
	var kaps struct{ Items []kapazitaetJSON }
	mustJSON(t, body, &kaps)
	var got []string
	for _, k := range kaps.Items {
		got = append(got, fmt.Sprintf("%s:%d:%s", k.Schulnummer, *k.Plaetze, k.Quelle))
	}
	if resp.StatusCode != 200 || !slices.Equal(got, []string{"20201:75:schuldaten", "20202:50:schuldaten", "20301:112:schuldaten"}) {
		t.Fatalf("places: %d %v", resp.StatusCode, got)
	}
	for nr, n := range map[string]int{"20301": 12, "20201": 15, "20202": 20} {
		if st, b := e.postJSON("PUT", ueb+"/kapazitaeten/"+nr, amt, map[string]int{"plaetze": n}); st != 200 {
			t.Fatalf("PUT places %s: %d %s", nr, st, b)
		}
	}
	if st, _ := e.postJSON("PUT", ueb+"/kapazitaeten/20301", bms, map[string]int{"plaetze": 99}); st != 403 {
		t.Errorf("BMS sets places: %d", st)
	}
	if st, _ := e.postJSON("PUT", ueb+"/kapazitaeten/99999", amt, map[string]int{"plaetze": 9}); st != 404 {
		t.Errorf("places of an unknown school: %d", st)
	}
	if st, b := e.postJSON("PUT", ueb+"/kapazitaeten/20301", amt, map[string]int{"plaetze": -1}); st != 422 {
		t.Errorf("negative places: %d", st)
	} else if ptr, _ := fieldOf(t, b); ptr != "/plaetze" {
		t.Errorf("negative places name %s", ptr)
	}
	_, body = e.do(call{method: "GET", path: ueb + "/kapazitaeten", token: amt})
	mustJSON(t, body, &kaps)
	if k := kaps.Items[2]; k.Schulnummer != "20301" || *k.Plaetze != 12 || k.Quelle != "schulamt" {
		t.Errorf("set places: %+v", k)
	}

	// 60 applications; the Gymnasium is wished first by most. Half name the
	// child by Ordnungsmerkmal, half by name and birth date as a person
	// types them (upper case, "ae" for "ä").
	schulen := []string{"20301", "20201", "20202"}
	ids := map[string]string{}
	for i, k := range kinder[:60] {
		w := slices.Clone(schulen)
		if i%4 == 3 {
			w[0], w[1] = w[1], w[0]
		}
		w = w[:1+i%3]
		in := map[string]any{"wuensche": w, "grundschule": "20101", "haertefall": i%17 == 0}
		if i%5 == 0 {
			in["geschwister"] = []string{w[0]}
		}
		if i%2 == 0 {
			in["ordnungsmerkmal"] = k.om
		} else {
			in["familienname"] = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "ß", "ss").Replace(strings.ToUpper(k.familienname))
			in["vornamen"] = k.vornamen
			in["geburtsdatum"] = k.geburt.Format(time.DateOnly)
		}
		tok := amt
		if i%3 == 0 {
			tok = bms
		}
		st, b := e.postJSON("POST", ueb+"/anmeldungen", tok, in)
		if st != 201 {
			t.Fatalf("application %d: %d %s", i, st, b)
		}
		var a uebergangAnmeldungJSON
		mustJSON(t, b, &a)
		if a.Familienname != k.familienname || !slices.Equal(a.Wuensche, w) || a.Geburtsdatum == nil || *a.Geburtsdatum != k.geburt.Format(time.DateOnly) {
			t.Fatalf("application %d matched to %+v", i, a)
		}
		// The BMS does not learn the register's Ordnungsmerkmal (field policy).
		if tok == bms && a.Ordnungsmerkmal != nil || tok == amt && (a.Ordnungsmerkmal == nil || *a.Ordnungsmerkmal != k.om) {
			t.Fatalf("application %d: ordnungsmerkmal %v for %s", i, a.Ordnungsmerkmal, map[bool]string{true: "bms", false: "schulamt"}[tok == bms])
		}
		ids[a.ID] = k.om
	}
	// The same child again replaces its application.
	st, b := e.postJSON("POST", ueb+"/anmeldungen", amt, map[string]any{"ordnungsmerkmal": kinder[0].om, "wuensche": []string{"20301"}})
	var again uebergangAnmeldungJSON
	mustJSON(t, b, &again)
	if st != 200 || ids[again.ID] != kinder[0].om {
		t.Errorf("second application of a child: %d %s", st, b)
	}

	// Refusals name the field; none stores anything.
	for _, tc := range []struct {
		in        map[string]any
		ptr, code string
	}{
		{map[string]any{"ordnungsmerkmal": "OM999999", "wuensche": []string{"20301"}}, "/ordnungsmerkmal", "kind_unbekannt"},
		{map[string]any{"familienname": "Niemand", "vornamen": "Nils", "geburtsdatum": "2016-01-01", "wuensche": []string{"20301"}}, "/familienname", "kind_unbekannt"},
		{map[string]any{"familienname": kinder[1].familienname, "vornamen": kinder[1].vornamen, "geburtsdatum": "1.2.2016", "wuensche": []string{"20301"}}, "/geburtsdatum", "datum_ungueltig"},
		{map[string]any{"ordnungsmerkmal": kinder[70].om, "wuensche": []string{"20101"}}, "/wuensche/0", "schule_ohne_jahrgang_5"},
		{map[string]any{"ordnungsmerkmal": kinder[70].om, "wuensche": []string{"20301", "20301"}}, "/wuensche/1", "wunsch_doppelt"},
		{map[string]any{"ordnungsmerkmal": kinder[70].om, "wuensche": []string{"20301", "20201", "20202", "99999"}}, "/wuensche", "wuensche_anzahl"},
		{map[string]any{"ordnungsmerkmal": kinder[70].om, "wuensche": []string{}}, "/wuensche", "wuensche_anzahl"},
		{map[string]any{"ordnungsmerkmal": kinder[70].om, "wuensche": []string{"20301"}, "geschwister": []string{"20202"}}, "/geschwister/0", "geschwister_kein_wunsch"},
		{map[string]any{"ordnungsmerkmal": kinder[70].om, "wuensche": "20301"}, "/wuensche", ""},
		{map[string]any{"ordnungsmerkmal": kinder[70].om, "wuensche": slices.Repeat([]string{"99999"}, 5000)}, "/wuensche", "wuensche_anzahl"},
	} {
		st, b := e.postJSON("POST", ueb+"/anmeldungen", amt, tc.in)
		if st != 422 {
			t.Errorf("%v: %d %s", tc.in, st, b)
			continue
		}
		if len(problemOf(t, b).Errors) != 1 {
			t.Errorf("%d errors: %.300s", len(problemOf(t, b).Errors), b)
		}
		if ptr, code := fieldOf(t, b); ptr != tc.ptr || tc.code != "" && code != tc.code {
			t.Errorf("%v: %s %s, want %s %s", tc.in, ptr, code, tc.ptr, tc.code)
		}
	}

	// The list pages, for the school office only.
	all := pageAll[uebergangAnmeldungJSON](e, amt, ueb+"/anmeldungen", 7, "")
	if len(all) != 60 {
		t.Fatalf("%d applications listed", len(all))
	}
	for _, a := range all {
		if _, ok := ids[a.ID]; !ok {
			t.Errorf("unknown application listed: %s", a.ID)
		}
	}
	for _, tok := range []string{bms, plan} {
		if resp, _ := e.do(call{method: "GET", path: ueb + "/anmeldungen", token: tok}); resp.StatusCode != 403 {
			t.Errorf("list for another role: %d", resp.StatusCode)
		}
	}

	// A run by deferred acceptance.
	st, b = e.postJSON("POST", ueb+"/verteilungen", amt, map[string]string{"verfahren": "deferred_acceptance"})
	if st != 201 {
		t.Fatalf("run: %d %s", st, b)
	}
	var da verteilungJSON
	mustJSON(t, b, &da)
	if !regexp.MustCompile(`^[0-9a-f]{64}$`).MatchString(da.Seed) || da.Verfahren != "deferred_acceptance" || da.Status != "berechnet" ||
		da.Anmeldungen != 60 || len(da.Zuteilungen) != 60 || !slices.Equal(da.Kriterien, []string{"haertefall", "geschwisterkind"}) {
		t.Fatalf("run: %+v", da)
	}
	pruefeLauf(t, da, all)

	// Replayed with its seed: the same result. Another procedure, same seed: same lot.
	st, b = e.postJSON("POST", ueb+"/verteilungen", amt, map[string]string{"verfahren": "deferred_acceptance", "seed": da.Seed})
	var replay verteilungJSON
	mustJSON(t, b, &replay)
	if st != 201 || replay.ID == da.ID || !reflect.DeepEqual(replay.Zuteilungen, da.Zuteilungen) || !reflect.DeepEqual(replay.Wartelisten, da.Wartelisten) {
		t.Errorf("replay with the seed differs: %d", st)
	}
	st, b = e.postJSON("POST", ueb+"/verteilungen", amt, map[string]string{"verfahren": "erstwunsch", "seed": da.Seed})
	var ew verteilungJSON
	mustJSON(t, b, &ew)
	if st != 201 {
		t.Fatalf("erstwunsch: %d %s", st, b)
	}
	pruefeLauf(t, ew, all)
	for i := range ew.Zuteilungen {
		if ew.Zuteilungen[i].Losnummer != da.Zuteilungen[i].Losnummer {
			t.Fatalf("same seed, other lot")
		}
	}

	// Read back: the run, and its results page by page.
	resp, body = e.do(call{method: "GET", path: ueb + "/verteilungen/" + da.ID, token: amt})
	var back verteilungJSON
	mustJSON(t, body, &back)
	if resp.StatusCode != 200 || !reflect.DeepEqual(back.Zuteilungen, da.Zuteilungen) || !reflect.DeepEqual(back.Wartelisten, da.Wartelisten) || back.Seed != da.Seed {
		t.Errorf("GET run differs from POST: %d", resp.StatusCode)
	}
	paged := pageAll[zuteilungJSON](e, amt, ueb+"/verteilungen/"+da.ID+"/zuteilungen", 9, "")
	if !reflect.DeepEqual(paged, da.Zuteilungen) {
		t.Errorf("paged results differ from the run's")
	}

	// The school year's runs, first first, paged: each with what it is and
	// the headline of its result, as counted from its allocations.
	laeufe := pageAll[verteilungEintragJSON](e, amt, ueb+"/verteilungen", 2, "")
	if len(laeufe) != 3 || laeufe[0].ID != da.ID || laeufe[1].ID != replay.ID || laeufe[2].ID != ew.ID {
		t.Fatalf("list of runs: %+v, want da, replay, erstwunsch", laeufe)
	}
	for i, l := range []verteilungJSON{da, replay, ew} {
		it := laeufe[i]
		n := map[int]int{}
		for _, z := range l.Zuteilungen {
			w := 0
			if z.Wunsch != nil {
				w = *z.Wunsch
			}
			n[w]++
		}
		if it.Verfahren != l.Verfahren || it.Seed != l.Seed || it.Status != "berechnet" || it.ConfirmedAt != nil || !it.CreatedAt.Equal(l.CreatedAt) ||
			it.Schuljahr != "2027/28" || it.Kinder != 60 || it.Wunsch1 != n[1] || it.Wunsch2 != n[2] || it.Wunsch3 != n[3] || it.Ohne != n[0] {
			t.Errorf("run %d in the list: %+v, counts %v", i, it, n)
		}
	}
	if !laeufe[0].CreatedAt.Before(laeufe[2].CreatedAt) && !laeufe[0].CreatedAt.Equal(laeufe[2].CreatedAt) {
		t.Errorf("list not in the order of making: %v after %v", laeufe[0].CreatedAt, laeufe[2].CreatedAt)
	}
	for _, tok := range []string{bms, plan} {
		if resp, _ := e.do(call{method: "GET", path: ueb + "/verteilungen", token: tok}); resp.StatusCode != 403 {
			t.Errorf("list of runs for another role: %d", resp.StatusCode)
		}
	}
	for _, after := range []string{"kein-lauf", "00000000-0000-0000-0000-000000000000"} {
		if resp, body := e.do(call{method: "GET", path: ueb + "/verteilungen?after=" + after, token: amt}); resp.StatusCode != 422 {
			t.Errorf("list after %s: %d %s", after, resp.StatusCode, body)
		}
	}
	if resp, body := e.do(call{method: "GET", path: "/v1/uebergang/2028-29/verteilungen", token: amt}); resp.StatusCode != 200 || !strings.Contains(string(body), `"items":[]`) {
		t.Errorf("another school year's runs: %d %s", resp.StatusCode, body)
	}

	// The report: counts agree with the results.
	bericht := func(tok, id string) berichtJSON {
		resp, body := e.do(call{method: "GET", path: ueb + "/verteilungen/" + id + "/bericht", token: tok})
		if resp.StatusCode != 200 {
			t.Fatalf("report: %d %s", resp.StatusCode, body)
		}
		var r berichtJSON
		mustJSON(t, body, &r)
		return r
	}
	r := bericht(amt, da.ID)
	wunsch := map[int]int{}
	proSchule := map[string]map[int]int{}
	for _, z := range da.Zuteilungen {
		w := 0
		if z.Wunsch != nil {
			w = *z.Wunsch
			if proSchule[*z.Schulnummer] == nil {
				proSchule[*z.Schulnummer] = map[int]int{}
			}
			proSchule[*z.Schulnummer][w]++
		}
		wunsch[w]++
	}
	g := r.Gesamt
	if r.Unterdrueckt || *g.Kinder.Anzahl != 60 || *g.Wunsch1.Anzahl != wunsch[1] || *g.Wunsch2.Anzahl != wunsch[2] || *g.Wunsch3.Anzahl != wunsch[3] ||
		*g.OhneWunsch.Anzahl != wunsch[0] || *g.Anteil1 != float64(wunsch[1])/60 {
		t.Errorf("report totals %+v, results %v", g, wunsch)
	}
	if wunsch[0] == 0 || wunsch[1] == 0 {
		t.Errorf("the instance should leave children without a place: %v", wunsch)
	}
	for _, s := range r.Schulen {
		p := proSchule[s.Schulnummer]
		if *s.Wunsch1.Anzahl != p[1] || *s.Wunsch2.Anzahl != p[2] || *s.Wunsch3.Anzahl != p[3] || *s.Aufgenommen.Anzahl > s.Plaetze ||
			*s.Abgewiesen != len(da.Wartelisten[s.Schulnummer]) || *s.Bewerbungen < *s.Erstwuensche {
			t.Errorf("report of %s: %+v, results %v", s.Schulnummer, s, p)
		}
	}

	// Planners get it suppressed: no count of 1 or 2 shown, no application
	// counts. With two places at 20202 its counts are small.
	if st, b := e.postJSON("PUT", ueb+"/kapazitaeten/20202", amt, map[string]int{"plaetze": 2}); st != 200 {
		t.Fatalf("PUT places: %d %s", st, b)
	}
	st, b = e.postJSON("POST", ueb+"/verteilungen", amt, map[string]string{"verfahren": "deferred_acceptance", "seed": da.Seed})
	var klein verteilungJSON
	mustJSON(t, b, &klein)
	if st != 201 {
		t.Fatalf("run: %d %s", st, b)
	}
	rp := bericht(plan, klein.ID)
	if !rp.Unterdrueckt || rp.Schwelle == nil || *rp.Schwelle != 3 {
		t.Errorf("planners' report not suppressed: %+v", rp)
	}
	zellen := []zelleJSON{rp.Gesamt.Kinder, rp.Gesamt.Wunsch1, rp.Gesamt.Wunsch2, rp.Gesamt.Wunsch3, rp.Gesamt.OhneWunsch}
	for _, s := range rp.Schulen {
		if s.Bewerbungen != nil || s.Erstwuensche != nil || s.Abgewiesen != nil {
			t.Errorf("planners see application counts of %s", s.Schulnummer)
		}
		zellen = append(zellen, s.Wunsch1, s.Wunsch2, s.Wunsch3, s.Aufgenommen)
	}
	unterdrueckt := 0
	for _, z := range zellen {
		if z.Unterdrueckt {
			unterdrueckt++
		} else if *z.Anzahl == 1 || *z.Anzahl == 2 {
			t.Errorf("planners see a count of %d", *z.Anzahl)
		}
	}
	voll := bericht(amt, klein.ID)
	if unterdrueckt == 0 || voll.Unterdrueckt || *voll.Schulen[1].Aufgenommen.Anzahl != 2 {
		t.Errorf("small counts: %d suppressed for planners; school office sees %+v", unterdrueckt, voll.Schulen[1])
	}
	if resp, _ := e.do(call{method: "GET", path: ueb + "/verteilungen/" + da.ID + "/bericht", token: bms}); resp.StatusCode != 403 {
		t.Errorf("BMS reads the report: %d", resp.StatusCode)
	}
	// The same as xlsx with a chart, for the council; the planners' file
	// shows "•" where the JSON has null.
	for _, tc := range []struct {
		tok string
		r   berichtJSON
	}{{amt, voll}, {plan, rp}} {
		resp, body := e.do(call{method: "GET", path: ueb + "/verteilungen/" + klein.ID + "/bericht?format=xlsx", token: tc.tok})
		if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "uebergang-2027-28-bericht.xlsx") {
			t.Fatalf("xlsx: %d %s", resp.StatusCode, resp.Header.Get("Content-Disposition"))
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		if got := slices.Sorted(slices.Values(f.GetSheetList())); !slices.Equal(got, []string{"Diagramm", "Gesamt", "Schulen"}) {
			t.Errorf("sheets %v", got)
		}
		rows, _ := f.GetRows("Schulen")
		if len(rows) != 1+len(tc.r.Schulen) {
			t.Fatalf("%d rows for %d schools", len(rows), len(tc.r.Schulen))
		}
		for i, s := range tc.r.Schulen {
			want := []string{s.Schulnummer, fmt.Sprint(s.Plaetze)}
			for _, z := range []zelleJSON{s.Wunsch1, s.Wunsch2, s.Wunsch3, s.Aufgenommen} {
				if z.Unterdrueckt {
					want = append(want, "•")
				} else {
					want = append(want, fmt.Sprint(*z.Anzahl))
				}
			}
			row := append(rows[i+1], make([]string, 9)...)
			if got := []string{row[0], row[1], row[4], row[5], row[6], row[7]}; !slices.Equal(got, want) {
				t.Errorf("xlsx row %v, JSON %v", got, want)
			}
			if (tc.tok == plan) != (row[2] == "") {
				t.Errorf("applications column %q for planners=%v", row[2], tc.tok == plan)
			}
		}
		f.Close()
	}

	eg := bericht(amt, ew.ID).Gesamt
	t.Logf("60 applications; deferred acceptance by wish (0 = none): %v; erstwunsch: 1:%d 2:%d 3:%d none:%d; planners: %d of %d cells suppressed",
		wunsch, *eg.Wunsch1.Anzahl, *eg.Wunsch2.Anzahl, *eg.Wunsch3.Anzahl, *eg.OhneWunsch.Anzahl, unterdrueckt, len(zellen))

	// The council's comparison: erstwunsch (A) against deferred acceptance
	// (B) with the same lot, counted from the results.
	resp, body = e.do(call{method: "GET", path: ueb + "/verteilungen/" + ew.ID + "/vergleich?mit=" + da.ID, token: amt})
	var vg laufVergleichJSON
	mustJSON(t, body, &vg)
	besser, schlechter, gleich, anders := 0, 0, 0, 0
	rangVon := func(w *int) int {
		if w == nil {
			return 4
		}
		return *w
	}
	for i := range ew.Zuteilungen {
		ra, rb := rangVon(ew.Zuteilungen[i].Wunsch), rangVon(da.Zuteilungen[i].Wunsch)
		switch {
		case rb < ra:
			besser++
		case rb > ra:
			schlechter++
		default:
			gleich++
		}
		if str(ew.Zuteilungen[i].Schulnummer) != str(da.Zuteilungen[i].Schulnummer) {
			anders++
		}
	}
	if resp.StatusCode != 200 || vg.A.Verfahren != "erstwunsch" || vg.B.Verfahren != "deferred_acceptance" || vg.B.Wunsch1 != wunsch[1] ||
		vg.BesserInB != besser || vg.SchlechterInB != schlechter || vg.Gleich != gleich || vg.AndereSchule != anders || vg.NurInA+vg.NurInB != 0 {
		t.Errorf("comparison %d %s; counted better %d worse %d same %d elsewhere %d", resp.StatusCode, body, besser, schlechter, gleich, anders)
	}
	t.Logf("erstwunsch → deferred acceptance: %d better, %d worse, %d same", besser, schlechter, gleich)
	for q, want := range map[string]int{"": 422, "?mit=nix": 422, "?mit=00000000-0000-0000-0000-000000000000": 422} {
		if resp, _ := e.do(call{method: "GET", path: ueb + "/verteilungen/" + ew.ID + "/vergleich" + q, token: amt}); resp.StatusCode != want {
			t.Errorf("comparison%s: %d", q, resp.StatusCode)
		}
	}
	if resp, _ := e.do(call{method: "GET", path: ueb + "/verteilungen/" + ew.ID + "/vergleich?mit=" + da.ID, token: plan}); resp.StatusCode != 403 {
		t.Errorf("planners compare runs: %d", resp.StatusCode)
	}

	// A later change of an application leaves the run as it was.
	e.postJSON("POST", ueb+"/anmeldungen", amt, map[string]any{"ordnungsmerkmal": kinder[2].om, "wuensche": []string{"20202"}})
	if r2 := bericht(amt, da.ID); !reflect.DeepEqual(r2, r) {
		t.Errorf("the report of a stored run changed with an application")
	}

	// Confirmation: a run made before applications and places changed is
	// stale; a fresh one is confirmed once, and then no other.
	bestaetige := func(id string) (int, verteilungJSON, []byte) {
		resp, body := e.do(call{method: "POST", path: ueb + "/verteilungen/" + id + "/bestaetigung", token: amt})
		var l verteilungJSON
		if resp.StatusCode == 200 {
			mustJSON(t, body, &l)
		}
		return resp.StatusCode, l, body
	}
	if st, _, b := bestaetige(da.ID); st != 409 || !strings.Contains(problemOf(t, b).Detail, "neu verteilen") {
		t.Errorf("stale run confirmed: %d %s", st, b)
	}
	var frisch [2]verteilungJSON
	for i := range frisch {
		st, b := e.postJSON("POST", ueb+"/verteilungen", amt, map[string]string{"verfahren": "deferred_acceptance"})
		mustJSON(t, b, &frisch[i])
		if st != 201 || frisch[i].Status != "berechnet" || frisch[i].Bestaetigt != nil {
			t.Fatalf("run: %d %s", st, b)
		}
	}
	st, ok, b := bestaetige(frisch[0].ID)
	if st != 200 || ok.Status != "bestaetigt" || ok.Bestaetigt == nil || !reflect.DeepEqual(ok.Zuteilungen, frisch[0].Zuteilungen) {
		t.Fatalf("confirm: %d %s", st, b)
	}
	if st, again, _ := bestaetige(frisch[0].ID); st != 200 || !again.Bestaetigt.Equal(*ok.Bestaetigt) {
		t.Errorf("confirming again: %d %v", st, again.Bestaetigt)
	}
	if st, _, b := bestaetige(frisch[1].ID); st != 409 || !strings.Contains(problemOf(t, b).Detail, frisch[0].ID) {
		t.Errorf("a second run confirmed: %d %s", st, b)
	}
	resp, body = e.do(call{method: "GET", path: ueb + "/verteilungen/" + frisch[0].ID, token: amt})
	mustJSON(t, body, &back)
	if back.Status != "bestaetigt" || back.Bestaetigt == nil {
		t.Errorf("GET after confirming: %s", back.Status)
	}

	// Bad runs.
	for _, tc := range []struct {
		in  map[string]string
		ptr string
	}{
		{map[string]string{"verfahren": "windhund"}, "/verfahren"},
		{map[string]string{"verfahren": "erstwunsch", "seed": "1234"}, "/seed"},
	} {
		if st, b := e.postJSON("POST", ueb+"/verteilungen", amt, tc.in); st != 422 {
			t.Errorf("%v: %d", tc.in, st)
		} else if ptr, _ := fieldOf(t, b); ptr != tc.ptr {
			t.Errorf("%v names %s", tc.in, ptr)
		}
	}
	if st, _ := e.postJSON("POST", "/v1/uebergang/2030-31/verteilungen", amt, map[string]string{"verfahren": "erstwunsch"}); st != 409 {
		t.Errorf("a run without applications: %d", st)
	}
	for _, path := range []string{ueb + "/verteilungen/00000000-0000-0000-0000-000000000000", ueb + "/verteilungen/nix",
		"/v1/uebergang/2028-29/verteilungen/" + da.ID, ueb + "/verteilungen/nix/bericht"} {
		if resp, _ := e.do(call{method: "GET", path: path, token: amt}); resp.StatusCode != 404 {
			t.Errorf("GET %s: %d", path, resp.StatusCode)
		}
	}
}

// pruefeLauf checks a run as a school office would: every application has
// one result at one of its wishes, no school takes more than its places,
// waiting lists hold the children who wished a school before the one they
// got, with the ranks the results show.
func pruefeLauf(t *testing.T, l verteilungJSON, anm []uebergangAnmeldungJSON) {
	t.Helper()
	wuensche := map[string][]string{}
	for _, a := range anm {
		wuensche[a.ID] = a.Wuensche
	}
	belegt := map[string]int{}
	lose := map[int]bool{}
	for _, z := range l.Zuteilungen {
		w := wuensche[z.AnmeldungID]
		lose[z.Losnummer] = true
		bis := len(w)
		if z.Schulnummer != nil {
			belegt[*z.Schulnummer]++
			if z.Wunsch == nil || w[*z.Wunsch-1] != *z.Schulnummer {
				t.Fatalf("%s admitted at %s, wishes %v", z.AnmeldungID, *z.Schulnummer, w)
			}
			bis = *z.Wunsch - 1
		}
		if len(z.Warteliste) != bis {
			t.Fatalf("%s waits at %v, wishes %v, got %v", z.AnmeldungID, z.Warteliste, w, z.Wunsch)
		}
		for s, r := range z.Warteliste {
			if !slices.Contains(w[:bis], s) || l.Wartelisten[s][r-1] != z.AnmeldungID {
				t.Fatalf("%s: rank %d at %s", z.AnmeldungID, r, s)
			}
		}
	}
	for s, n := range belegt {
		if n > l.Plaetze[s] {
			t.Fatalf("%s: %d admitted, %d places", s, n, l.Plaetze[s])
		}
	}
	if len(lose) != len(l.Zuteilungen) {
		t.Fatalf("lottery numbers not unique")
	}
}

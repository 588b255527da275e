package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// dreiAnmeldungen is a gateway with three applications from the sample
// register for 20301 (one place) and 20201 and a DA run of them, not yet
// confirmed: Henry Wolf (Härtefall) gets 20301, Mira Jung her second wish
// 20201 and waits at 20301, Emma Weber gets nothing and waits at 20301.
func dreiAnmeldungen(t *testing.T) (e *env, amt, bms, laufID string) {
	t.Helper()
	e, _ = uebergangEnv(t)
	amt, bms = e.token(auth.RoleSchulamt), e.token(auth.RoleBMS)
	for nr, n := range map[string]int{"20301": 1, "20201": 5, "20202": 5} {
		if st, b := e.postJSON("PUT", ueb+"/kapazitaeten/"+nr, amt, map[string]int{"plaetze": n}); st != 200 {
			t.Fatalf("PUT places %s: %d %s", nr, st, b)
		}
	}
	// From the sample register (melderegister_excel_export.csv shows the same children).
	for _, a := range []map[string]any{
		{"ordnungsmerkmal": "OM100000", "wuensche": []string{"20301", "20201"}},                                    // Jung, Mira Johanna: second wish
		{"ordnungsmerkmal": "OM100001", "wuensche": []string{"20301"}, "haertefall": true},                         // Wolf, Henry: the one place
		{"familienname": "Weber", "vornamen": "Emma", "geburtsdatum": "2021-04-24", "wuensche": []string{"20301"}}, // no place
	} {
		a["grundschule"] = "20101"
		if st, b := e.postJSON("POST", ueb+"/anmeldungen", amt, a); st != 201 {
			t.Fatalf("application %v: %d %s", a, st, b)
		}
	}
	st, b := e.postJSON("POST", ueb+"/verteilungen", amt, map[string]string{"verfahren": "deferred_acceptance"})
	if st != 201 {
		t.Fatalf("run: %d %s", st, b)
	}
	var lauf struct{ ID string }
	if err := json.Unmarshal(b, &lauf); err != nil {
		t.Fatal(err)
	}
	return e, amt, bms, lauf.ID
}

// feedOf reads the whole change feed as the BMS and keeps the entries of entity.
func feedOf(e *env, bms, entity string) []changeJSON {
	e.t.Helper()
	var out []changeJSON
	next := ""
	for {
		resp, body := e.do(call{method: "GET", path: "/v1/changes?limit=500&after=" + next, token: bms})
		if resp.StatusCode != 200 {
			e.t.Fatalf("feed: %d %s", resp.StatusCode, body)
		}
		var p feedPage
		mustJSON(e.t, body, &p)
		for _, it := range p.Items {
			if it.Entity == entity {
				out = append(out, it)
			}
		}
		if p.Next == next {
			return out
		}
		next = p.Next
	}
}

// zuteilungenOf reads every allocation of a run, keyed by application.
func zuteilungenOf(e *env, amt, laufID string) map[string]zuteilungJSON {
	e.t.Helper()
	out := map[string]zuteilungJSON{}
	for _, z := range pageAll[zuteilungJSON](e, amt, ueb+"/verteilungen/"+laufID+"/zuteilungen", 2, "") {
		out[z.AnmeldungID] = z
	}
	return out
}

// The letters' data of a confirmed run: one row per application with the
// child's address as the sample register has it, the school admitted and
// the waiting-list places; the same in a German-Excel CSV. Before the
// confirmation there are none (409), and the BMS gets none.
func TestUebergangBriefeXLSXundCSV(t *testing.T) {
	t.Parallel()
	e, amt, bms, laufID := dreiAnmeldungen(t)
	pfad := ueb + "/verteilungen/" + laufID + "/briefe"
	if resp, body := e.do(call{method: "GET", path: pfad + ".xlsx", token: amt}); resp.StatusCode != 409 {
		t.Errorf("letters of an unconfirmed run: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do(call{method: "POST", path: ueb + "/verteilungen/" + laufID + "/bestaetigung", token: amt}); resp.StatusCode != 200 {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do(call{method: "GET", path: pfad + ".csv", token: bms}); resp.StatusCode != 403 {
		t.Errorf("BMS reads the letters: %d", resp.StatusCode)
	}

	resp, body := e.do(call{method: "GET", path: pfad + ".xlsx", token: amt})
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "uebergang-2027-28-bescheide.xlsx") {
		t.Fatalf("xlsx: %d %s", resp.StatusCode, resp.Header.Get("Content-Disposition"))
	}
	wb, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows("Bescheide")
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 4 {
		t.Fatalf("%d rows, want header and 3 applications: %v", len(rows), rows)
	}
	kopf := map[string]int{}
	for i, h := range rows[0] {
		kopf[h] = i
	}
	zeile := map[string][]string{}
	for _, r := range rows[1:] {
		r = append(r, make([]string, len(rows[0])-len(r))...)
		zeile[r[kopf["Familienname"]]] = r
	}
	jung := zeile["Jung"]
	if jung == nil {
		t.Fatalf("no row of Mira Jung: %v", rows)
	}
	for feld, want := range map[string]string{"Bescheid": "Aufnahme (2. Wunsch)", "Vornamen": "Mira Johanna", "Geburtsdatum": "30.09.2020",
		"Straße": "Dr.-Külz-Straße", "Hausnummer": "40a", "PLZ": "06667", "Ort": "Musterstadt", "Grundschule": "20101",
		"1. Wunsch": "20301", "2. Wunsch": "20201", "3. Wunsch": "", "Aufgenommen Schulnummer": "20201", "Wunsch Nr.": "2"} {
		if got := jung[kopf[feld]]; got != want {
			t.Errorf("Jung, %s: %q, want %q", feld, got, want)
		}
	}
	if w := jung[kopf["Warteliste"]]; !strings.HasPrefix(w, "20301 ") || !strings.Contains(w, ": Platz ") || jung[kopf["Aufgenommen Schule"]] == "" {
		t.Errorf("Jung: waiting list %q, school %q", w, jung[kopf["Aufgenommen Schule"]])
	}
	if r := zeile["Wolf"]; r == nil || r[kopf["Bescheid"]] != "Aufnahme (1. Wunsch)" || r[kopf["Aufgenommen Schulnummer"]] != "20301" || r[kopf["Warteliste"]] != "" {
		t.Errorf("Wolf: %v", r)
	}
	if r := zeile["Weber"]; r == nil || r[kopf["Bescheid"]] != "Ablehnung" || r[kopf["Aufgenommen Schulnummer"]] != "" || r[kopf["Wunsch Nr."]] != "" ||
		!strings.HasPrefix(r[kopf["Warteliste"]], "20301 ") {
		t.Errorf("Weber: %v", r)
	}

	resp, body = e.do(call{method: "GET", path: pfad + ".csv", token: amt})
	text := string(body)
	if resp.StatusCode != 200 || !strings.HasPrefix(text, "\ufeffBescheid;Familienname;Vornamen;Geburtsdatum;") {
		t.Fatalf("csv: %d %.200q", resp.StatusCode, text)
	}
	if !strings.Contains(text, "Aufnahme (2. Wunsch);Jung;Mira Johanna;30.09.2020;;Dr.-Külz-Straße;40a;06667;Musterstadt;;20101;20301;20201;;20201;") {
		t.Errorf("csv lacks Mira Jung's row as in the xlsx:\n%s", text)
	}
	if n := strings.Count(strings.TrimSpace(text), "\n"); n != 3 {
		t.Errorf("csv has %d data lines, want 3", n)
	}
}

// A family declines: the place goes to the first on the school's waiting
// list (as the run ranked it), the chain ends where nobody waits; each step
// is answered, recorded and fed to the BMS (the decline as delete, a move
// up as upsert). Declining again, a child without a place, an unknown
// application and a run not confirmed are refused without a trace.
func TestUebergangAbsageRuecktNach(t *testing.T) {
	t.Parallel()
	e, amt, bms, laufID := dreiAnmeldungen(t)
	lauf := ueb + "/verteilungen/" + laufID
	_, body := e.do(call{method: "GET", path: lauf + "/zuteilungen", token: amt})
	var z struct{ Items []zuteilungJSON }
	mustJSON(t, body, &z)
	var wolf, erster, andere string
	for _, it := range z.Items {
		switch {
		case it.Schulnummer != nil && *it.Schulnummer == "20301":
			wolf = it.AnmeldungID
		case it.Warteliste["20301"] == 1:
			erster = it.AnmeldungID
		case it.Warteliste["20301"] == 2:
			andere = it.AnmeldungID
		}
	}
	if wolf == "" || erster == "" || andere == "" {
		t.Fatalf("run: %s", body)
	}
	absage := func(id string) (int, []byte) {
		return e.postJSON("POST", lauf+"/absagen", amt, map[string]string{"anmeldung_id": id})
	}
	if st, b := absage(wolf); st != 409 {
		t.Errorf("decline in an unconfirmed run: %d %s", st, b)
	}
	if resp, body := e.do(call{method: "POST", path: lauf + "/bestaetigung", token: amt}); resp.StatusCode != 200 {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}
	feed := func() []changeJSON { return feedOf(e, bms, "uebergang_zuteilung") }
	if n := len(feed()); n != 2 {
		t.Fatalf("%d admissions fed on confirmation, want 2", n)
	}

	st, b := absage(wolf)
	if st != 201 {
		t.Fatalf("decline: %d %s", st, b)
	}
	var a absageJSON
	mustJSON(t, b, &a)
	want := []string{wolf + " 20301→–"}
	// The lot decides who is first at 20301: Mira Jung leaves her place at
	// 20201 for her first wish, and nobody waits at 20201; Emma Weber had no
	// place. Either way the chain ends after one move.
	var jungVon string
	for _, it := range z.Items {
		if it.AnmeldungID == erster && it.Schulnummer != nil {
			jungVon = *it.Schulnummer
		}
	}
	want = append(want, erster+" "+map[bool]string{true: jungVon, false: "–"}[jungVon != ""]+"→20301")
	var got []string
	for _, m := range a.Bewegungen {
		von, nach := "–", "–"
		if m.Von != nil {
			von = *m.Von
		}
		if m.Nach != nil {
			nach = *m.Nach
		}
		got = append(got, m.AnmeldungID+" "+von+"→"+nach)
	}
	if !slices.Equal(got, want) || a.ErfasstVon == "" || a.ErfasstAm.IsZero() || a.Bewegungen[1].Wunsch == nil || *a.Bewegungen[1].Wunsch != 1 {
		t.Errorf("moves %v (%+v), want %v", got, a, want)
	}
	f := feed()
	if len(f) != 4 || f[2].ID != wolf || f[2].Operation != "delete" || f[2].Key["schulnummer"] != "20301" ||
		f[3].ID != erster || f[3].Operation != "upsert" || f[3].Key["schulnummer"] != "20301" || f[3].Key["kind_id"] == "" {
		t.Fatalf("feed after the decline: %+v", f)
	}
	for _, fr := range f[:2] { // the same child is named by the same pseudonym
		if fr.ID == f[2].ID && fr.Key["kind_id"] != f[2].Key["kind_id"] || fr.ID == f[3].ID && fr.Key["kind_id"] != f[3].Key["kind_id"] {
			t.Errorf("kind_id changed between entries: %+v", f)
		}
	}
	for _, it := range f {
		for _, v := range it.Key {
			if strings.HasPrefix(v, "om:") || strings.HasPrefix(v, "OM1") {
				t.Errorf("the feed names a register key: %+v", it)
			}
		}
	}

	// The letters' data follow the state now: Wolf's family gets no letter,
	// the child who moved up a letter of admission at 20301.
	resp, csvBody := e.do(call{method: "GET", path: lauf + "/briefe.csv", token: amt})
	zeilen := map[string]string{}
	for _, z := range strings.Split(string(csvBody), "\n") {
		for _, id := range []string{wolf, erster} {
			if strings.Contains(z, id) {
				zeilen[id] = z
			}
		}
	}
	if resp.StatusCode != 200 || !strings.HasPrefix(zeilen[wolf], "Absage der Familie erfasst (kein Bescheid);") ||
		!strings.HasPrefix(zeilen[erster], "Aufnahme (1. Wunsch);") || !strings.Contains(zeilen[erster], ";20301;") {
		t.Errorf("letters after the decline: %d %q", resp.StatusCode, zeilen)
	}

	// The decline read back, and the state now: Wolf declined and holds
	// nothing, the first of the list holds 20301 as first wish, the other
	// is first on the list now.
	if got := pageAll[absageJSON](e, amt, lauf+"/absagen", 5, ""); len(got) != 1 || !reflect.DeepEqual(got[0], a) || got[0].AnmeldungID != wolf {
		t.Errorf("declines read back: %+v, want %+v", got, a)
	}
	jetzt := zuteilungenOf(e, amt, laufID)
	if w := jetzt[wolf]; w.Schulnummer != nil || w.Wunsch != nil || !w.Abgesagt || len(w.Warteliste) != 0 {
		t.Errorf("declined child now: %+v", w)
	}
	if f := jetzt[erster]; f.Schulnummer == nil || *f.Schulnummer != "20301" || f.Wunsch == nil || *f.Wunsch != 1 || f.Abgesagt || len(f.Warteliste) != 0 {
		t.Errorf("moved-up child now: %+v", f)
	}
	if o := jetzt[andere]; o.Warteliste["20301"] != 1 {
		t.Errorf("the other child waits at 20301 as %d, want 1 now", o.Warteliste["20301"])
	}
	if resp, body := e.do(call{method: "GET", path: ueb + "/verteilungen/" + laufID, token: amt}); resp.StatusCode != 200 || !strings.Contains(string(body), `"abgesagt":false`) || strings.Contains(string(body), `"abgesagt":true`) {
		t.Errorf("the run itself keeps its computed result: %d", resp.StatusCode)
	}
	if resp, body := e.do(call{method: "GET", path: lauf + "/absagen?after=x", token: amt}); resp.StatusCode != 422 {
		t.Errorf("declines after x: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do(call{method: "GET", path: lauf + "/absagen", token: bms}); resp.StatusCode != 403 {
		t.Errorf("BMS reads declines: %d", resp.StatusCode)
	}

	// Emma Weber has no place unless the lot put her first.
	faelle := []struct {
		id   string
		want int
	}{{wolf, 409}, {"keine-anmeldung", 422}}
	if jungVon != "" {
		faelle = append(faelle, struct {
			id   string
			want int
		}{andere, 409})
	}
	for _, tc := range faelle {
		if st, b := absage(tc.id); st != tc.want {
			t.Errorf("decline %s: %d %s, want %d", tc.id, st, b, tc.want)
		}
	}
	if st, _ := e.postJSON("POST", lauf+"/absagen", bms, map[string]string{"anmeldung_id": erster}); st != 403 {
		t.Errorf("BMS declines: %d", st)
	}
	if n := len(feed()); n != 4 {
		t.Errorf("refused declines fed %d entries", n-4)
	}

	// The next decline starts from the recorded state: the one now at 20301
	// declines, and the second of the list moves up.
	st, b = absage(erster)
	mustJSON(t, b, &a)
	if st != 201 || len(a.Bewegungen) != 2 || a.Bewegungen[1].AnmeldungID != andere || *a.Bewegungen[1].Nach != "20301" {
		t.Errorf("second decline: %d %s", st, b)
	}
	if n := len(feed()); n != 6 {
		t.Errorf("%d entries after the second decline, want 6", n)
	}
	if got := pageAll[absageJSON](e, amt, lauf+"/absagen", 1, ""); len(got) != 2 || got[0].AnmeldungID != wolf || got[1].AnmeldungID != erster || got[1].ID <= got[0].ID {
		t.Errorf("two declines paged one by one: %+v", got)
	}
	// Each recorded decline is audited with its number of steps (2 each here).
	resp, body = e.do(call{method: "GET", path: "/v1/audit?limit=1000&operation=POST%20/v1/uebergang", token: e.token(auth.RoleAdmin)})
	var log auditPage
	mustJSON(t, body, &log)
	erfasst := 0
	for _, it := range log.Items {
		if strings.HasSuffix(it.Operation, "/absagen") && it.Ergebnis == 201 {
			erfasst++
			if it.Anzahl == nil || *it.Anzahl != 2 {
				t.Errorf("audit of a decline: %+v", it)
			}
		}
	}
	if resp.StatusCode != 200 || erfasst != 2 {
		t.Errorf("%d declines audited (%d), want 2", erfasst, resp.StatusCode)
	}
}

// More places after confirmation go down the school's waiting list in
// order, as a declined place does: recorded, answered with the moves, fed
// to the BMS and visible in the current state. Fewer places than children
// admitted there are refused (409 naming how many), and change nothing.
func TestUebergangMehrPlaetzeRueckenNach(t *testing.T) {
	t.Parallel()
	e, amt, bms, laufID := dreiAnmeldungen(t)
	z := zuteilungenOf(e, amt, laufID)
	var erster, zweiter string
	for id, it := range z {
		switch it.Warteliste["20301"] {
		case 1:
			erster = id
		case 2:
			zweiter = id
		}
	}
	if erster == "" || zweiter == "" {
		t.Fatalf("run: %+v", z)
	}
	aufruf := 0
	put := func(n int) (int, []byte) { // request ids plaetze-1, plaetze-2, … in order
		aufruf++
		resp, body := e.do(call{method: "PUT", path: ueb + "/kapazitaeten/20301", token: amt, body: fmt.Sprintf(`{"plaetze": %d}`, n),
			header: map[string]string{"X-Request-ID": fmt.Sprintf("plaetze-%d", aufruf)}})
		return resp.StatusCode, body
	}
	if resp, body := e.do(call{method: "POST", path: ueb + "/verteilungen/" + laufID + "/bestaetigung", token: amt}); resp.StatusCode != 200 {
		t.Fatalf("confirm: %d %s", resp.StatusCode, body)
	}
	vorher := len(feedOf(e, bms, "uebergang_zuteilung"))

	st, b := put(0)
	if st != 409 || !strings.Contains(problemOf(t, b).Detail, "hat 1 Kind einen Platz an der Schule 20301") {
		t.Errorf("fewer places than admitted: %d %s", st, b)
	}
	st, b = put(2)
	var k struct {
		Plaetze    int            `json:"plaetze"`
		Bewegungen []bewegungJSON `json:"bewegungen"`
	}
	mustJSON(t, b, &k)
	if st != 200 || k.Plaetze != 2 || len(k.Bewegungen) < 1 || k.Bewegungen[0].AnmeldungID != erster || *k.Bewegungen[0].Nach != "20301" || *k.Bewegungen[0].Wunsch != 1 {
		t.Fatalf("one more place: %d %s", st, b)
	}
	jetzt := zuteilungenOf(e, amt, laufID)
	if f := jetzt[erster]; f.Schulnummer == nil || *f.Schulnummer != "20301" || len(f.Warteliste) != 0 {
		t.Errorf("first of the list now: %+v", f)
	}
	if s := jetzt[zweiter]; s.Warteliste["20301"] != 1 {
		t.Errorf("second of the list now waits as %d, want 1", s.Warteliste["20301"])
	}
	f := feedOf(e, bms, "uebergang_zuteilung")
	if len(f) != vorher+len(k.Bewegungen) || f[vorher].ID != erster || f[vorher].Operation != "upsert" || f[vorher].Key["schulnummer"] != "20301" || f[vorher].Key["kind_id"] == "" {
		t.Errorf("feed after more places: %+v", f[vorher:])
	}

	st, b = put(3)
	mustJSON(t, b, &k)
	if st != 200 || len(k.Bewegungen) < 1 || k.Bewegungen[0].AnmeldungID != zweiter {
		t.Errorf("a third place: %d %s", st, b)
	}
	st, b = put(2)
	if st != 409 || !strings.Contains(problemOf(t, b).Detail, "haben 3 Kinder einen Platz an der Schule 20301") || !strings.Contains(problemOf(t, b).Detail, "nicht unter 3") {
		t.Errorf("lowering below the 3 admitted: %d %s", st, b)
	}
	resp, body := e.do(call{method: "GET", path: ueb + "/kapazitaeten", token: amt})
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"schulnummer":"20301","name":`) {
		t.Fatalf("places: %d %s", resp.StatusCode, body)
	}
	var kaps struct {
		Items []struct {
			Schulnummer string `json:"schulnummer"`
			Plaetze     int    `json:"plaetze"`
		} `json:"items"`
	}
	mustJSON(t, body, &kaps)
	for _, it := range kaps.Items {
		if it.Schulnummer == "20301" && it.Plaetze != 3 {
			t.Errorf("a refused lowering changed the places: %d", it.Plaetze)
		}
	}
	// No place at 20301 is free while someone waits, and nobody waits any more.
	for id, it := range zuteilungenOf(e, amt, laufID) {
		if it.Warteliste["20301"] != 0 {
			t.Errorf("%s still waits at 20301 with 3 places for 3 children", id)
		}
	}
	// More places with nobody waiting move nobody.
	st, b = put(5)
	mustJSON(t, b, &k)
	if st != 200 || len(k.Bewegungen) != 0 || !strings.Contains(string(b), `"bewegungen":[]`) {
		t.Errorf("places nobody waits for: %d %s", st, b)
	}
	// Audited: who changed the places, with how many moved up; the refusal too.
	resp, body = e.do(call{method: "GET", path: "/v1/audit?limit=1000&operation=PUT%20/v1/uebergang", token: e.token(auth.RoleAdmin)})
	var log auditPage
	mustJSON(t, body, &log)
	byRequest := map[string]auditEntryJSON{}
	for _, it := range log.Items {
		byRequest[it.RequestID] = it
	}
	if got := byRequest["plaetze-2"]; resp.StatusCode != 200 || got.Ergebnis != 200 || got.Subject == "" || got.Anzahl == nil || *got.Anzahl != 1 ||
		got.Ressource != "schuljahr=2027-28&schulnummer=20301" {
		t.Errorf("audit of one more place (1 moved up): %d %+v", resp.StatusCode, got)
	}
	if got := byRequest["plaetze-1"]; got.Ergebnis != 409 {
		t.Errorf("audit of the refused lowering: %+v", got)
	}
	resp, body = e.do(call{method: "GET", path: "/v1/audit?limit=1000&operation=POST%20/v1/uebergang", token: e.token(auth.RoleAdmin)})
	mustJSON(t, body, &log)
	for _, it := range log.Items {
		if strings.HasSuffix(it.Operation, "/bestaetigung") && (it.Ergebnis != 200 || it.Anzahl == nil || *it.Anzahl != 3) {
			t.Errorf("audit of the confirmation (3 applications): %+v", it)
		}
	}
}

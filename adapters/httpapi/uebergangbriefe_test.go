package httpapi

import (
	"bytes"
	"encoding/json"
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
	feed := func() []changeJSON {
		t.Helper()
		var out []changeJSON
		next := ""
		for {
			resp, body := e.do(call{method: "GET", path: "/v1/changes?limit=500&after=" + next, token: bms})
			if resp.StatusCode != 200 {
				t.Fatalf("feed: %d %s", resp.StatusCode, body)
			}
			var p feedPage
			mustJSON(t, body, &p)
			for _, it := range p.Items {
				if it.Entity == "uebergang_zuteilung" {
					out = append(out, it)
				}
			}
			if p.Next == next {
				return out
			}
			next = p.Next
		}
	}
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
}

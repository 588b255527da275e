package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// The letters' data of a confirmed run: one row per application with the
// child's address as the sample register has it, the school admitted and
// the waiting-list places; the same in a German-Excel CSV. Before the
// confirmation there are none (409), and the BMS gets none.
func TestUebergangBriefeXLSXundCSV(t *testing.T) {
	t.Parallel()
	e, _ := uebergangEnv(t)
	amt, bms := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS)
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
	pfad := ueb + "/verteilungen/" + lauf.ID + "/briefe"
	if resp, body := e.do(call{method: "GET", path: pfad + ".xlsx", token: amt}); resp.StatusCode != 409 {
		t.Errorf("letters of an unconfirmed run: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do(call{method: "POST", path: ueb + "/verteilungen/" + lauf.ID + "/bestaetigung", token: amt}); resp.StatusCode != 200 {
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

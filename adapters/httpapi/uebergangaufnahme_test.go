package httpapi

import (
	"encoding/json"
	"maps"
	"slices"
	"strings"
	"testing"
)

// The receiving schools see the Übergang where they see every other
// admission (issue #20 point 5): confirming a run makes each admitted child
// a Schulwechsel admission at its school (GET /v1/schulwechsel as the BMS,
// bewegung uebergang, Schuljahrgang 5 from 1 August, the Grundschule as the
// school left); confirming again creates none; a decline withdraws that
// child's admission (withdrawn_at) and the child moving up from the waiting
// list is admitted there, as is one moving up on more places. The change
// feed names Schulwechsel records by id only.
func TestUebergangAufnahmenAlsSchulwechsel(t *testing.T) {
	t.Parallel()
	e, amt, bms, laufID := dreiAnmeldungen(t)
	lauf := ueb + "/verteilungen/" + laufID
	name := map[string]string{} // application id -> family name
	for _, a := range pageAll[uebergangAnmeldungJSON](e, amt, ueb+"/anmeldungen", 10, "") {
		name[a.ID] = a.Familienname
	}
	aufnahmen := func() (aktiv, zurueck map[string]string) { // family name -> school
		t.Helper()
		resp, body := e.do(call{method: "GET", path: "/v1/schulwechsel?limit=1000", token: bms})
		if resp.StatusCode != 200 {
			t.Fatalf("Schulwechsel as BMS: %d %s", resp.StatusCode, body)
		}
		var p struct{ Items []schulwechselJSON }
		mustJSON(t, body, &p)
		aktiv, zurueck = map[string]string{}, map[string]string{}
		for _, w := range p.Items {
			if w.Bewegung != "uebergang" {
				continue
			}
			if w.Aufnahme == nil || w.Aufnahme.Datum != "2027-08-01" || w.Aufnahme.Jahrgangsstufe != "jahrgangsstufe_5" ||
				w.BisherigeSchule == nil || w.BisherigeSchule.Schulnummer != "20101" || w.BisherigeSchule.Abgangsdatum != "2027-07-31" ||
				w.Schueler.Geburtsdatum == "" || w.Schueler.Vornamen == "" {
				t.Errorf("admission as the school sees it: %+v %+v %+v", w.Schueler, w.Aufnahme, w.BisherigeSchule)
				continue
			}
			m := aktiv
			if w.WithdrawnAt != nil {
				m = zurueck
			}
			if _, doppelt := m[w.Schueler.Familienname]; doppelt {
				t.Errorf("%s admitted twice: %+v", w.Schueler.Familienname, p.Items)
			}
			m[w.Schueler.Familienname] = w.Aufnahme.Schulnummer
		}
		return aktiv, zurueck
	}
	// stand is who holds a place now, by family name.
	stand := func() map[string]string {
		out := map[string]string{}
		for id, z := range zuteilungenOf(e, amt, laufID) {
			if z.Schulnummer != nil {
				out[name[id]] = *z.Schulnummer
			}
		}
		return out
	}
	if a, _ := aufnahmen(); len(a) != 0 {
		t.Fatalf("admissions before the confirmation: %v", a)
	}

	for range 2 { // confirming again creates no second admission
		if resp, body := e.do(call{method: "POST", path: lauf + "/bestaetigung", token: amt}); resp.StatusCode != 200 {
			t.Fatalf("confirm: %d %s", resp.StatusCode, body)
		}
		aktiv, zurueck := aufnahmen()
		if want := map[string]string{"Wolf": "20301", "Jung": "20201"}; !maps.Equal(aktiv, want) || len(zurueck) != 0 {
			t.Errorf("admissions after confirming: %v (withdrawn %v), want %v", aktiv, zurueck, want)
		}
	}
	feed := feedOf(e, bms, "schulwechsel")
	if len(feed) != 2 {
		t.Errorf("%d Schulwechsel fed on confirmation, want 2", len(feed))
	}
	for _, f := range feed {
		if f.Operation != "upsert" || len(f.Key) != 0 {
			t.Errorf("Schulwechsel feed entry names more than its id: %+v", f)
		}
	}

	// Wolf declines: his admission is withdrawn, the first of 20301's list is admitted there.
	var wolf string
	for id, n := range name {
		if n == "Wolf" {
			wolf = id
		}
	}
	if st, b := e.postJSON("POST", lauf+"/absagen", amt, map[string]string{"anmeldung_id": wolf}); st != 201 {
		t.Fatalf("decline: %d %s", st, b)
	}
	aktiv, zurueck := aufnahmen()
	jetzt := stand()
	if !maps.Equal(aktiv, jetzt) || zurueck["Wolf"] != "20301" {
		t.Errorf("after Wolf's decline: admissions %v (withdrawn %v), places now %v", aktiv, zurueck, jetzt)
	}
	if jetzt["Jung"] == "20301" && zurueck["Jung"] != "20201" { // she left her second wish for her first
		t.Errorf("Jung moved up to 20301 but her admission at 20201 stands: withdrawn %v", zurueck)
	}

	// One more place at 20301: the next of its list is admitted there too.
	if st, b := e.postJSON("PUT", ueb+"/kapazitaeten/20301", amt, map[string]int{"plaetze": 2}); st != 200 {
		t.Fatalf("more places: %d %s", st, b)
	}
	aktiv, zurueck = aufnahmen()
	jetzt = stand()
	if !maps.Equal(aktiv, jetzt) || len(jetzt) != 2 || jetzt["Weber"] != "20301" || jetzt["Jung"] != "20301" || zurueck["Jung"] != "20201" {
		t.Errorf("after more places: admissions %v (withdrawn %v), places now %v", aktiv, zurueck, jetzt)
	}
	// Every admission and every withdrawal reached the feed, by id only.
	resp, body := e.do(call{method: "GET", path: "/v1/schulwechsel?limit=1000", token: bms})
	var p struct{ Items []schulwechselJSON }
	mustJSON(t, body, &p)
	var ids []string
	for _, w := range p.Items {
		if w.Bewegung == "uebergang" {
			ids = append(ids, w.ID)
		}
	}
	gefuettert := map[string]int{}
	for _, f := range feedOf(e, bms, "schulwechsel") {
		gefuettert[f.ID]++
		if len(f.Key) != 0 {
			t.Errorf("feed entry with a key: %+v", f)
		}
	}
	if resp.StatusCode != 200 || len(ids) != 4 {
		t.Fatalf("Übergang admissions in all: %d (%d) %s", len(ids), resp.StatusCode, body)
	}
	for _, id := range ids {
		want := 1
		if slices.ContainsFunc(p.Items, func(w schulwechselJSON) bool { return w.ID == id && w.WithdrawnAt != nil }) {
			want = 2 // admitted, then withdrawn
		}
		if gefuettert[id] != want {
			t.Errorf("Schulwechsel %s fed %d times, want %d", id, gefuettert[id], want)
		}
	}
	// The record reads as any other: JSON and XSchule.
	resp, body = e.do(call{method: "GET", path: "/v1/schulwechsel/" + ids[0], token: bms, header: map[string]string{"Accept": "application/xml"}})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "jahrgangsstufe_5") || !strings.Contains(string(body), "Übergang in Schuljahrgang 5") {
		t.Errorf("admission as XSchule: %d %s", resp.StatusCode, body)
	}
	var one schulwechselJSON
	resp, body = e.do(call{method: "GET", path: "/v1/schulwechsel/" + ids[0], token: bms})
	if err := json.Unmarshal(body, &one); err != nil || resp.StatusCode != 200 || one.Bewegung != "uebergang" {
		t.Errorf("admission as JSON: %d %s", resp.StatusCode, body)
	}
}

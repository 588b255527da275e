package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/changefeed"
)

type auditPage struct {
	Items []auditEntryJSON `json:"items"`
	Next  *string          `json:"next"`
}

// auditEntries reads the first 1,000 audit entries as the admin does.
func auditEntries(t *testing.T, e *env, admin string) []auditEntryJSON {
	t.Helper()
	resp, body := e.do(call{method: "GET", path: "/v1/audit?limit=1000", token: admin})
	if resp.StatusCode != 200 {
		t.Fatalf("audit: %d %s", resp.StatusCode, body)
	}
	var page auditPage
	mustJSON(t, body, &page)
	return page.Items
}

func TestAuditRecordsReadsChangesAndFailedLogins(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt, admin := e.token(auth.RoleSchulamt), e.token(auth.RoleAdmin)
	_, imp, _ := e.upload(amt, "kind=melderegister", "melderegister.xlsx", sample(t, "melderegister.xlsx"))
	if done := e.await(amt, imp.ID); done.Status != "succeeded" {
		t.Fatalf("import: %+v", done)
	}

	// A read of personal data, a change, a failed login, and a read of
	// master data that is not audited.
	resp, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/kinder?limit=5", token: amt,
		header: map[string]string{"X-Request-ID": "lesen-1"}})
	if resp.StatusCode != 200 {
		t.Fatalf("kinder: %d %s", resp.StatusCode, body)
	}
	_, one := e.do(call{method: "GET", path: "/v1/schulen/20101", token: amt})
	var schule map[string]any
	mustJSON(t, one, &schule)
	delete(schule, "art_der_schule")
	delete(schule, "updated_at")
	schule["name"] = "Grundschule Am Park (neu)"
	changed, _ := json.Marshal(schule)
	if resp, body := e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(changed),
		header: map[string]string{"X-Request-ID": "aendern-1"}}); resp.StatusCode != 200 {
		t.Fatalf("put: %d %s", resp.StatusCode, body)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/kinder", token: "forged.token.value",
		header: map[string]string{"X-Request-ID": "angriff-1"}}); resp.StatusCode != 401 {
		t.Fatalf("forged token: %d", resp.StatusCode)
	}

	resp, body = e.do(call{method: "GET", path: "/v1/audit?limit=1000", token: admin})
	if resp.StatusCode != 200 {
		t.Fatalf("audit: %d %s", resp.StatusCode, body)
	}
	var page auditPage
	mustJSON(t, body, &page)
	byRequest := map[string]auditEntryJSON{}
	for i, it := range page.Items {
		if it.Seq != int64(i+1) || len(it.Hash) != 64 {
			t.Errorf("entry %d: seq %d hash %q", i, it.Seq, it.Hash)
		}
		if strings.HasPrefix(it.Operation, "GET /v1/schulen") {
			t.Errorf("master data read audited: %+v", it)
		}
		byRequest[it.RequestID] = it
	}
	if got := byRequest["lesen-1"]; got.Subject != "test-user" || strings.Join(got.Rollen, ",") != "schulamt" ||
		got.Operation != "GET /v1/einschulung/:schuljahr/kinder" || got.Ressource != "schuljahr=2027-28" ||
		got.Ergebnis != 200 || got.Anzahl == nil || *got.Anzahl != 5 {
		t.Errorf("read entry: %+v", got)
	}
	if got := byRequest["aendern-1"]; got.Operation != "PUT /v1/schulen/:schulnummer" || got.Ressource != "schulnummer=20101" ||
		got.Subject != "test-user" || got.Ergebnis != 200 {
		t.Errorf("change entry: %+v", got)
	}
	if got := byRequest["angriff-1"]; got.Subject != "" || got.Ergebnis != 401 || got.Client == "" {
		t.Errorf("failed login entry: %+v", got)
	}
	// The import was audited by the worker in the uploader's name.
	var worker []auditEntryJSON
	for _, it := range page.Items {
		if it.Operation == "import.verarbeiten" {
			worker = append(worker, it)
		}
	}
	if len(worker) != 1 || worker[0].Subject != "test-user" || worker[0].Client != "worker" || worker[0].Anzahl == nil || *worker[0].Anzahl == 0 {
		t.Errorf("import entries: %+v", worker)
	}
	// Nothing personal in the trail: no name of the register appears.
	var name string
	if err := pool.QueryRow(context.Background(), "SELECT familienname FROM kinder LIMIT 1").Scan(&name); err != nil {
		t.Fatal(err)
	}
	if bytes.Contains(body, []byte(name)) {
		t.Errorf("audit trail holds the name %q", name)
	}

	// Filters and the export.
	resp, body = e.do(call{method: "GET", path: "/v1/audit?ergebnis=401", token: admin})
	mustJSON(t, body, &page)
	if resp.StatusCode != 200 || len(page.Items) != 1 || page.Items[0].RequestID != "angriff-1" {
		t.Errorf("filter ergebnis=401: %s", body)
	}
	if resp, body := e.do(call{method: "GET", path: "/v1/audit?von=gestern", token: admin}); resp.StatusCode != 422 {
		t.Errorf("bad filter: %d %s", resp.StatusCode, body)
	}
	resp, body = e.do(call{method: "GET", path: "/v1/audit.xlsx", token: admin})
	if resp.StatusCode != 200 {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	wb, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	rows, _ := wb.GetRows("Protokoll")
	if len(rows) < 5 || rows[0][0] != "Nr." || rows[0][2] != "Wer" {
		t.Errorf("xlsx rows: %d, header %v", len(rows), rows[0])
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/audit", token: amt}); resp.StatusCode != 403 {
		t.Errorf("schulamt reads the trail: %d", resp.StatusCode)
	}

	// The chain holds.
	n, bruch, err := postgres.NewAuditStore(pool).Verify(context.Background())
	if err != nil || bruch != nil || n < 6 {
		t.Errorf("verify: %d entries, %+v, %v", n, bruch, err)
	}
}

// Without its record, no work: when the audit entry cannot be written, a
// change is rolled back and a read of personal data is not answered.
func TestAuditWorkAndRecordStandOrFallTogether(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt := e.token(auth.RoleSchulamt)
	ctx := context.Background()
	// A CHECK that no entry can pass makes every audit insert fail.
	if _, err := pool.Exec(ctx, "ALTER TABLE audit_log ADD CONSTRAINT kaputt CHECK (ergebnis < 0) NOT VALID"); err != nil {
		t.Fatal(err)
	}
	_, one := e.do(call{method: "GET", path: "/v1/schulen/20101", token: amt})
	var schule map[string]any
	mustJSON(t, one, &schule)
	delete(schule, "art_der_schule")
	delete(schule, "updated_at")
	schule["name"] = "Nie gespeichert"
	changed, _ := json.Marshal(schule)
	if resp, body := e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(changed)}); resp.StatusCode < 500 {
		t.Errorf("put without audit: %d %s", resp.StatusCode, body)
	}
	var name string
	if err := pool.QueryRow(ctx, "SELECT name FROM schulen WHERE schulnummer = '20101'").Scan(&name); err != nil || name == "Nie gespeichert" {
		t.Errorf("the change was kept without its audit entry: %q %v", name, err)
	}
	resp, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/kinder", token: amt})
	if resp.StatusCode != 503 || bytes.Contains(body, []byte(`"items"`)) {
		t.Errorf("read without audit: %d %s", resp.StatusCode, body)
	}
}

// An audit entry records the status actually answered: 201 for a record
// created, with or without Idempotency-Key, also for its replay, and for
// a school created by PUT; a refusal its own status.
func TestAuditRecordsTheTrueStatus(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	// Lea is a pupil of 20101, so her change of school is applied (201).
	if _, err := pool.Exec(context.Background(), `INSERT INTO schueler (schluessel, schulnummer, schuelernummer, familienname, vornamen, geburtsdatum, jahrgangsstufe)
		VALUES ('20101/sn:4711', '20101', '4711', 'Müller', 'Lea Marie', '2018-03-04', 1)`); err != nil {
		t.Fatal(err)
	}
	amt, bms, admin := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS), e.token(auth.RoleAdmin)
	key := map[string]string{"Idempotency-Key": "a9a2f1d6-2c43-4b8e-9a57-0f3f7c0b1e11"}
	want := map[string]int{}
	post := func(id string, header map[string]string, body string) {
		t.Helper()
		h := map[string]string{"X-Request-ID": id}
		for k, v := range header {
			h[k] = v
		}
		resp, out := e.postSchulwechsel(bms, "application/json", body, h)
		want[id] = resp.StatusCode
		wantStatus := 201
		if id == "wechsel-unbekannt" {
			wantStatus = 202 // a pupil 20101 does not know: an open question
		}
		if id != "wechsel-falsch" && resp.StatusCode != wantStatus {
			t.Fatalf("%s: %d %s", id, resp.StatusCode, out)
		}
	}
	post("wechsel-ohne-key", nil, swLeaJSON)
	post("wechsel-mit-key", key, swLeaJSON)
	post("wechsel-wiederholt", key, swLeaJSON)
	post("wechsel-falsch", nil, `{"schueler":{}}`)
	post("wechsel-unbekannt", nil, strings.NewReplacer(`"4711"`, `"9998"`, `"Lea Marie"`, `"Mia"`).Replace(swLeaJSON))
	resp, body := e.do(call{method: "PUT", path: "/v1/schulen/20109", token: amt, header: map[string]string{"X-Request-ID": "schule-neu"},
		body: `{"schulnummer":"20109","name":"Grundschule Neubau","schulform":"grundschule","traeger":"kommunal"}`})
	if resp.StatusCode != 201 {
		t.Fatalf("new school: %d %s", resp.StatusCode, body)
	}
	want["schule-neu"] = 201
	got := map[string]int{}
	for _, x := range auditEntries(t, e, admin) {
		if _, ok := want[x.RequestID]; ok {
			got[x.RequestID] = x.Ergebnis
		}
	}
	if want["wechsel-falsch"] < 400 || len(got) != len(want) {
		t.Errorf("answers %v, entries %v", want, got)
	}
	for id, status := range want {
		if got[id] != status {
			t.Errorf("%s answered %d, audited %d", id, status, got[id])
		}
	}
}

// Reads answered from memory – pages of the cohort kept in memory, the
// feed's head – are recorded once each, with what they returned, as every
// read: whether the entry was written under the condition that memory was
// current, or, after a change made it stale, after a read from the database.
func TestAuditReadsFromMemoryRecordedOnce(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt, bms, admin := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS), e.token(auth.RoleAdmin)
	_, imp, _ := e.upload(amt, "kind=melderegister", "melderegister.xlsx", sample(t, "melderegister.xlsx"))
	if done := e.await(amt, imp.ID); done.Status != "succeeded" {
		t.Fatalf("import: %+v", done)
	}
	ctx := context.Background()
	anzahl := map[string]int{}
	lies := func(id, path, token string) []byte {
		t.Helper()
		resp, body := e.do(call{method: "GET", path: path, token: token, header: map[string]string{"X-Request-ID": id}})
		if resp.StatusCode != 200 {
			t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		var p struct {
			Items []json.RawMessage `json:"items"`
			Next  *string           `json:"next"`
		}
		mustJSON(t, body, &p)
		anzahl[id] = len(p.Items)
		if p.Next != nil && strings.HasPrefix(path, "/v1/changes") {
			return []byte(*p.Next)
		}
		return nil
	}
	for i := range 30 {
		if i == 20 { // a child moves: the cohort in memory is stale
			if _, err := pool.Exec(ctx, `UPDATE kinder SET hausnummer = hausnummer || 'a' WHERE id = (SELECT min(id) FROM kinder)`); err != nil {
				t.Fatal(err)
			}
		}
		lies(fmt.Sprint("kinder-", i), "/v1/einschulung/2027-28/kinder?limit=7", amt)
		time.Sleep(10 * time.Millisecond) // the cohort is computed in the background
	}
	kopf := string(lies("changes-start", "/v1/changes?limit=1000", bms))
	for i := range 10 {
		if i == 6 { // a new entry after the head
			if err := postgres.RecordChanges(ctx, pool, changefeed.Change{Entity: changefeed.EntitySchule, ID: "20101", Operation: changefeed.Upsert}); err != nil {
				t.Fatal(err)
			}
		}
		lies(fmt.Sprint("changes-", i), "/v1/changes?limit=1000&after="+kopf, bms)
	}
	if anzahl["changes-5"] != 0 || anzahl["changes-6"] != 1 {
		t.Fatalf("reads at the head: %v", anzahl)
	}

	gesehen := map[string]int{}
	for _, it := range auditEntries(t, e, admin) {
		if _, ok := anzahl[it.RequestID]; !ok {
			continue
		}
		gesehen[it.RequestID]++
		if it.Ergebnis != 200 || it.Anzahl == nil || *it.Anzahl != anzahl[it.RequestID] || it.Subject != "test-user" {
			t.Errorf("entry of %s (%d returned): %+v", it.RequestID, anzahl[it.RequestID], it)
		}
	}
	for id := range anzahl {
		if gesehen[id] != 1 {
			t.Errorf("%s recorded %d times", id, gesehen[id])
		}
	}
}

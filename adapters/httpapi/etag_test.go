package httpapi

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// TestSchuleNoLostUpdate: two people read school 20101; the first changes
// it, the second's change (with the ETag it read) is refused with 412 and
// the first one's state; without If-Match a change applies as before.
func TestSchuleNoLostUpdate(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	amt := e.token(auth.RoleSchulamt)
	resp, body := e.do(call{method: "GET", path: "/v1/schulen/20101", token: e.token(auth.RoleBMS)})
	read := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !strings.HasPrefix(read, `"`) || !strings.HasSuffix(read, `"`) || len(read) < 3 {
		t.Fatalf("GET: %d, ETag %q (want a strong ETag)", resp.StatusCode, read)
	}
	var s map[string]any
	mustJSON(t, body, &s)

	// The first person sends back what GET gave, with a new name.
	s["name"] = "Grundschule Erste Änderung"
	first, _ := json.Marshal(s)
	resp, body = e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(first), header: map[string]string{"If-Match": read}})
	now := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || now == "" || now == read {
		t.Fatalf("first PUT: %d, ETag %q (read %q): %s", resp.StatusCode, now, read, body)
	}
	// The same again changes nothing and keeps the ETag.
	again := map[string]any{}
	mustJSON(t, body, &again)
	same, _ := json.Marshal(again)
	if resp, body := e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(same), header: map[string]string{"If-Match": now}}); resp.StatusCode != 200 || resp.Header.Get("ETag") != now {
		t.Fatalf("unchanged PUT: %d, ETag %q, want %q: %s", resp.StatusCode, resp.Header.Get("ETag"), now, body)
	}

	// The second person still has the first read.
	s["name"] = "Grundschule Zweite Änderung"
	second, _ := json.Marshal(s)
	resp, body = e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(second), header: map[string]string{"If-Match": read}})
	if resp.StatusCode != 412 || resp.Header.Get("Content-Type") != "application/problem+json" {
		t.Fatalf("stale PUT: %d %s, want 412 problem+json", resp.StatusCode, body)
	}
	var p struct {
		Detail  string
		Aktuell schuleJSON
	}
	mustJSON(t, body, &p)
	if !strings.Contains(p.Detail, "inzwischen von jemand anderem geändert") || p.Aktuell.Name != "Grundschule Erste Änderung" || resp.Header.Get("ETag") != now {
		t.Errorf("412 says %q, current %q, ETag %q; want the German reason, the first change and its ETag %q", p.Detail, p.Aktuell.Name, resp.Header.Get("ETag"), now)
	}
	if resp, body := e.do(call{method: "GET", path: "/v1/schulen/20101", token: amt}); !strings.Contains(string(body), "Erste Änderung") || resp.Header.Get("ETag") != now {
		t.Errorf("after the refused PUT: %s (ETag %q)", body, resp.Header.Get("ETag"))
	}

	// A weak tag never matches; a tag not in quotes is a bad request; a
	// list with the current tag and "*" match.
	for _, c := range []struct {
		ifMatch string
		status  int
	}{{"W/" + now, 412}, {strings.Trim(now, `"`), 400}, {`"1", ` + now, 200}, {"*", 200}} {
		if resp, body := e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(same), header: map[string]string{"If-Match": c.ifMatch}}); resp.StatusCode != c.status {
			t.Errorf("If-Match %s: %d %s, want %d", c.ifMatch, resp.StatusCode, body, c.status)
		}
	}
	// If-Match on a school that does not exist: 412, nothing created.
	if resp, body := e.do(call{method: "PUT", path: "/v1/schulen/29999", token: amt, body: `{"name":"Neu","schulform":"grundschule"}`, header: map[string]string{"If-Match": now}}); resp.StatusCode != 412 {
		t.Errorf("If-Match on a missing school: %d %s, want 412", resp.StatusCode, body)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/schulen/29999", token: amt}); resp.StatusCode != 404 {
		t.Errorf("the refused PUT created the school: %d", resp.StatusCode)
	}

	// Without If-Match the last writer wins, as before (the read-only
	// updated_at it read would no longer be the stored one: 422, so a
	// client that sends it back is protected too; without it the change
	// applies).
	if resp, body := e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(second)}); resp.StatusCode != 422 || !strings.Contains(string(body), "/updated_at") {
		t.Errorf("PUT without If-Match but with an old updated_at: %d %s, want 422 naming updated_at", resp.StatusCode, body)
	}
	delete(s, "updated_at")
	second, _ = json.Marshal(s)
	resp, body = e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(second)})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "Zweite Änderung") || resp.Header.Get("ETag") == now {
		t.Errorf("PUT without If-Match: %d %s (ETag %q)", resp.StatusCode, body, resp.Header.Get("ETag"))
	}
}

// TestSchulePutAcceptsWhatGetReturns: GET then PUT of the same body works;
// read-only fields are ignored when unchanged and refused by name when
// changed (issue 17.6).
func TestSchulePutAcceptsWhatGetReturns(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	amt := e.token(auth.RoleSchulamt)
	_, body := e.do(call{method: "GET", path: "/v1/schulen/20101", token: amt})
	var s map[string]any
	mustJSON(t, body, &s)
	if s["art_der_schule"] == nil || s["updated_at"] == nil {
		t.Fatalf("GET gives no read-only fields: %s", body)
	}
	put := func(m map[string]any) (int, []byte) {
		b, _ := json.Marshal(m)
		resp, out := e.do(call{method: "PUT", path: "/v1/schulen/20101", token: amt, body: string(b)})
		return resp.StatusCode, out
	}
	if status, out := put(s); status != 200 || string(out) != string(body) {
		t.Fatalf("PUT of what GET returned: %d %s, want 200 and the same school %s", status, out, body)
	}

	fieldErrors := func(out []byte) map[string]string {
		var p struct {
			Errors []struct{ Pointer, Code, Message string }
		}
		mustJSON(t, out, &p)
		m := map[string]string{}
		for _, f := range p.Errors {
			m[f.Pointer] = f.Code + ": " + f.Message
		}
		return m
	}
	changed := map[string]any{}
	for k, v := range s {
		changed[k] = v
	}
	changed["art_der_schule"] = "http://xbildung.de/def/kmk/1.0/code/artderschule/gymnasium"
	changed["updated_at"] = "2020-01-01T00:00:00Z"
	changed["name"] = "Grundschule Umbenannt"
	status, out := put(changed)
	fe := fieldErrors(out)
	if status != 422 || len(fe) != 2 || !strings.HasPrefix(fe["/art_der_schule"], "nur_lesbar") || !strings.HasPrefix(fe["/updated_at"], "nur_lesbar") {
		t.Errorf("changed read-only fields: %d %v, want 422 naming art_der_schule and updated_at", status, fe)
	}
	if _, now := e.do(call{method: "GET", path: "/v1/schulen/20101", token: amt}); strings.Contains(string(now), "Umbenannt") {
		t.Error("the refused PUT changed the school")
	}

	// A new Schulform with the old art_der_schule (as GET gave it) is the
	// unchanged read-only field: accepted, and the code follows the form.
	form := map[string]any{}
	for k, v := range s {
		form[k] = v
	}
	form["schulform"] = "foerderschule"
	status, out = put(form)
	var got schuleJSON
	mustJSON(t, out, &got)
	if status != 200 || got.Schulform != "foerderschule" || !strings.HasSuffix(got.ArtDerSchule, "/foerderschule_sonderschule") {
		t.Errorf("new Schulform with the old art_der_schule: %d %s", status, out)
	}
	// Creating a school with updated_at: nothing to be unchanged from.
	b, _ := json.Marshal(map[string]any{"name": "Neue Schule", "schulform": "grundschule", "updated_at": "2026-01-01T00:00:00Z",
		"art_der_schule": "http://xbildung.de/def/kmk/1.0/code/artderschule/grundschule_1_4"})
	if resp, out := e.do(call{method: "PUT", path: "/v1/schulen/29998", token: amt, body: string(b)}); resp.StatusCode != 422 || len(fieldErrors(out)) != 1 || fieldErrors(out)["/updated_at"] == "" {
		t.Errorf("new school with updated_at: %d %s, want 422 naming updated_at only", resp.StatusCode, out)
	}
}

// TestFallNoLostUpdate: a Schulpflicht case changed by someone else (or by
// a reconciliation run) since it was read is not overwritten.
func TestFallNoLostUpdate(t *testing.T) {
	t.Parallel()
	e, _ := einschulungEnv(t)
	amt := e.token(auth.RoleSchulamt)
	for _, up := range []struct{ query, file, data string }{
		{"kind=melderegister", "register.csv", spRegister},
		{"kind=schueler&schulnummer=20101", "schueler.csv", spSchueler},
		{"kind=bestaetigungen", "bestaetigungen.csv", spBestaetigungen},
	} {
		status, imp, body := e.upload(amt, up.query, up.file, []byte(up.data))
		if status != 202 {
			t.Fatalf("%s: %d %s", up.file, status, body)
		}
		if done := e.await(amt, imp.ID); done.Status != "succeeded" {
			t.Fatalf("%s: %+v", up.file, done)
		}
	}
	e.startAbgleich(amt, "2026-09-15")
	faelle := e.faelle(amt, "")
	if len(faelle) != 1 {
		t.Fatalf("%d cases, want 1", len(faelle))
	}
	path := "/v1/schulpflicht/faelle/" + faelle[0].ID
	resp, _ := e.do(call{method: "GET", path: path, token: amt})
	read := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || !strings.HasPrefix(read, `"`) {
		t.Fatalf("GET: %d, ETag %q", resp.StatusCode, read)
	}
	patch := func(body, ifMatch string) (int, string, []byte) {
		h := map[string]string{}
		if ifMatch != "" {
			h["If-Match"] = ifMatch
		}
		resp, out := e.do(call{method: "PATCH", path: path, token: amt, body: body, header: h})
		return resp.StatusCode, resp.Header.Get("ETag"), out
	}
	status, now, out := patch(`{"status":"in_klaerung","bemerkung":"Eltern angeschrieben"}`, read)
	if status != 200 || now == "" || now == read {
		t.Fatalf("first PATCH: %d, ETag %q (read %q): %s", status, now, read, out)
	}
	status, cur, out := patch(`{"bemerkung":"Telefonisch nicht erreicht"}`, read)
	var p struct {
		Detail  string
		Aktuell fallJSON
	}
	mustJSON(t, out, &p)
	if status != 412 || cur != now || p.Aktuell.Bemerkung != "Eltern angeschrieben" || p.Aktuell.Status != "in_klaerung" ||
		!strings.Contains(p.Detail, "von jemand anderem geändert") {
		t.Fatalf("stale PATCH: %d, ETag %q (want %q): %s", status, cur, now, out)
	}
	// A reconciliation run changes the case too (what it found last).
	e.startAbgleich(amt, "2026-09-15")
	if status, _, out := patch(`{"bemerkung":"nach dem Abgleich"}`, now); status != 412 {
		t.Errorf("PATCH with the ETag from before a reconciliation run: %d %s, want 412", status, out)
	}
	// Without If-Match the change applies, as before.
	if status, _, out := patch(`{"bemerkung":"ohne Bedingung"}`, ""); status != 200 || !strings.Contains(string(out), "ohne Bedingung") {
		t.Errorf("PATCH without If-Match: %d %s", status, out)
	}
}

// TestHeaderMappingsNoLostUpdate: the saved header mappings of a kind
// carry an ETag; a PUT with an outdated one is refused, and what GET
// returned can be sent back.
func TestHeaderMappingsNoLostUpdate(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	amt := e.token(auth.RoleSchulamt)
	resp, body := e.do(call{method: "GET", path: "/v1/header-mappings/melderegister", token: amt})
	read := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || read == "" {
		t.Fatalf("GET: %d %s, ETag %q", resp.StatusCode, body, read)
	}
	resp, body = e.do(call{method: "PUT", path: "/v1/header-mappings/melderegister", token: amt,
		body: `{"kind":"melderegister","mappings":{"Name des Kindes":"familienname"}}`, header: map[string]string{"If-Match": read}})
	now := resp.Header.Get("ETag")
	if resp.StatusCode != 200 || now == "" || now == read {
		t.Fatalf("first PUT: %d %s, ETag %q (read %q)", resp.StatusCode, body, now, read)
	}
	resp, body = e.do(call{method: "PUT", path: "/v1/header-mappings/melderegister", token: amt,
		body: `{"mappings":{"Name des Kindes":""}}`, header: map[string]string{"If-Match": read}})
	var p struct{ Aktuell mappingJSON }
	mustJSON(t, body, &p)
	if resp.StatusCode != 412 || resp.Header.Get("ETag") != now || len(p.Aktuell.Mappings) != 1 || !strings.Contains(string(body), `"familienname"`) {
		t.Errorf("stale PUT: %d %s (ETag %q, want %q)", resp.StatusCode, body, resp.Header.Get("ETag"), now)
	}
	if resp, body := e.do(call{method: "PUT", path: "/v1/header-mappings/melderegister", token: amt,
		body: `{"kind":"schueler","mappings":{}}`}); resp.StatusCode != 422 || !strings.Contains(string(body), "/kind") {
		t.Errorf("PUT with another kind: %d %s, want 422 naming kind", resp.StatusCode, body)
	}
}

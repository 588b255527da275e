package httpapi

import (
	"bytes"
	"fmt"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// The register as the Meldebehörde delivers it (CSV, as staff export it).
const spRegister = `Ordnungsmerkmal;Familienname;Vornamen;Geburtsdatum;Geschlecht;Straße;Hausnummer;PLZ
OM-1;Müller;Anna Sophie;04.03.2015;w;Rosenweg;3;06108
OM-2;Weber;Jonas;11.02.2013;m;Am Anger;7;06108
OM-3;Neumann;Clara;01.01.2012;w;Lindenstraße;12;06110
OM-4;Wagner;Emil;09.09.2014;m;Hauptstraße;1;06108
OM-5;Krüger;Lotte;05.05.2022;w;Rosenweg;5;06108
OM-6;Schulze;Max;10.10.2008;m;Rosenweg;9;06108
`

// A pupil list of Grundschule 20101: Anna spelled with "ue"; Jonas with
// day and month swapped and another address; nobody for Clara.
const spSchueler = `Schülernummer;Familienname;Vornamen;Geburtsdatum;Geschlecht;Klasse;Straße;Hausnummer;PLZ
S-100;Mueller;Anna;04.03.2015;w;5a;Rosenweg;3;06108
S-200;Weber;Jonas;02.11.2013;m;7b;Bergstraße;20;06112
S-300;Fischer;Tom;03.03.2014;m;6a;Gartenweg;2;06108
`

// A school outside the city confirms Emil.
const spBestaetigungen = `Familienname;Vornamen;Geburtsdatum;Schule;Ort
Wagner;Emil;09.09.2014;Gymnasium Am Markt;Merseburg
`

type abgleichResp struct {
	ID     string `json:"id"`
	Status string `json:"status"`
	Counts struct {
		Residents, Auto, Review, None int
	} `json:"counts"`
	Detail string `json:"detail"`
}

type zuordnungenPage struct {
	Items     []zuordnungEintragJSON `json:"items"`
	NextAfter *string                `json:"next_after"`
}

type faellePage struct {
	Items     []fallJSON `json:"items"`
	NextAfter *string    `json:"next_after"`
}

// startAbgleich starts a reconciliation and waits for the worker.
func (e *env) startAbgleich(token, stichtag string) abgleichResp {
	e.t.Helper()
	return e.startAbgleichMit(token, `{"stichtag":"`+stichtag+`"}`)
}

// startAbgleichMit starts a reconciliation with the body given (e.g.
// with force) and waits for the worker.
func (e *env) startAbgleichMit(token, start string) abgleichResp {
	e.t.Helper()
	resp, body := e.do(call{method: "POST", path: "/v1/schulpflicht/abgleiche", token: token, body: start})
	if resp.StatusCode != 202 {
		e.t.Fatalf("start: %d %s", resp.StatusCode, body)
	}
	var a abgleichResp
	mustJSON(e.t, body, &a)
	if loc := resp.Header.Get("Location"); loc != "/v1/schulpflicht/abgleiche/"+a.ID {
		e.t.Errorf("Location = %q", loc)
	}
	deadline := time.Now().Add(60 * time.Second)
	for a.Status == "queued" || a.Status == "running" {
		if time.Now().After(deadline) {
			e.t.Fatalf("abgleich %s still %s after 60s", a.ID, a.Status)
		}
		time.Sleep(20 * time.Millisecond)
		resp, body = e.do(call{method: "GET", path: "/v1/schulpflicht/abgleiche/" + a.ID, token: token})
		if resp.StatusCode != 200 {
			e.t.Fatalf("get abgleich: %d %s", resp.StatusCode, body)
		}
		mustJSON(e.t, body, &a)
	}
	if a.Status != "succeeded" {
		e.t.Fatalf("abgleich ended %s: %s", a.Status, a.Detail)
	}
	return a
}

// zuordnungen pages through all lines of a reconciliation.
func (e *env) zuordnungen(token, id, query string, limit int) []zuordnungEintragJSON {
	e.t.Helper()
	var all []zuordnungEintragJSON
	after := ""
	for {
		resp, body := e.do(call{method: "GET", path: fmt.Sprintf("/v1/schulpflicht/abgleiche/%s/zuordnungen?limit=%d&after=%s%s", id, limit, after, query), token: token})
		if resp.StatusCode != 200 {
			e.t.Fatalf("zuordnungen: %d %s", resp.StatusCode, body)
		}
		var p zuordnungenPage
		mustJSON(e.t, body, &p)
		all = append(all, p.Items...)
		if p.NextAfter == nil {
			return all
		}
		if len(p.Items) != limit {
			e.t.Fatalf("a page of %d before the end", len(p.Items))
		}
		after = *p.NextAfter
	}
}

func byOM(list []zuordnungEintragJSON) map[string]zuordnungEintragJSON {
	m := map[string]zuordnungEintragJSON{}
	for _, z := range list {
		if z.Ordnungsmerkmal != nil {
			m[*z.Ordnungsmerkmal] = z
		}
	}
	return m
}

// From uploaded lists to reviewed matches, cases and their export.
func TestSchulpflichtEndToEnd(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
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

	// Schuljahr 2026/27: Lotte (born 2022) is too young, Max (born 2008)
	// has done his nine years; four children remain.
	a := e.startAbgleich(amt, "2026-09-15")
	if a.Counts.Residents != 4 || a.Counts.Auto+a.Counts.Review+a.Counts.None != 4 {
		t.Fatalf("counts = %+v", a.Counts)
	}
	lines := e.zuordnungen(amt, a.ID, "", 2)
	// zuordnungen reads next_after, the old name of next: it still works.
	assertSamePages(t, "zuordnungen", lines, pageAll[zuordnungEintragJSON](e, amt, "/v1/schulpflicht/abgleiche/"+a.ID+"/zuordnungen", 2, "next_after"))
	if len(lines) != 4 {
		t.Fatalf("%d lines, want 4", len(lines))
	}
	z := byOM(lines)
	anna := z["OM-1"]
	if anna.Entscheidung != "auto" || anna.Schueler == nil || anna.Schueler.Schulnummer == nil || *anna.Schueler.Schulnummer != "20101" ||
		anna.Schueler.Schuelernummer == nil || *anna.Schueler.Schuelernummer != "S-100" || anna.Schueler.Quelle != "schueler" ||
		!slices.Contains(anna.Uebereinstimmend, "geburtsdatum") {
		t.Errorf("Anna: %+v %+v", anna, anna.Schueler)
	}
	emil := z["OM-4"]
	if emil.Entscheidung != "auto" || emil.Schueler == nil || emil.Schueler.Quelle != "bestaetigung" ||
		emil.Schueler.Schulname == nil || *emil.Schueler.Schulname != "Gymnasium Am Markt" {
		t.Errorf("Emil: %+v %+v", emil, emil.Schueler)
	}
	clara := z["OM-3"]
	if clara.Entscheidung != "none" || clara.Schueler != nil {
		t.Errorf("Clara: %+v", clara)
	}
	jonas := z["OM-2"]
	if jonas.Entscheidung != "review" || jonas.Schueler == nil || !strings.HasPrefix(jonas.Schueler.ID, "schueler:") {
		t.Fatalf("Jonas (day and month swapped, other address) should be for review: %+v %+v", jonas, jonas.Schueler)
	}
	if only := e.zuordnungen(amt, a.ID, "&entscheidung=none", 10); len(only) != 1 || *only[0].Ordnungsmerkmal != "OM-3" {
		t.Errorf("filter none: %+v", only)
	}

	// Staff confirm Jonas's pair; the next run makes it auto.
	urteil := fmt.Sprintf(`{"kind_id":%q,"schueler_id":%q,"bestaetigt":true}`, jonas.KindID, jonas.Schueler.ID)
	if resp, body := e.do(call{method: "POST", path: "/v1/schulpflicht/urteile", token: amt, body: urteil}); resp.StatusCode != 201 {
		t.Fatalf("urteil: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do(call{method: "POST", path: "/v1/schulpflicht/urteile", token: amt, body: urteil}); resp.StatusCode != 200 {
		t.Fatalf("same urteil again: %d %s", resp.StatusCode, body)
	}

	// The case of Clara: one, offen, opened by the first run.
	faelle := e.faelle(amt, "")
	assertSamePages(t, "faelle", faelle, pageAll[fallJSON](e, amt, "/v1/schulpflicht/faelle", 1, "next_after"))
	if len(faelle) != 1 || faelle[0].Kind.Ordnungsmerkmal == nil || *faelle[0].Kind.Ordnungsmerkmal != "OM-3" ||
		faelle[0].Status != "offen" || faelle[0].AbgleichID != a.ID {
		t.Fatalf("faelle after first run: %+v", faelle)
	}
	fallID := faelle[0].ID

	b := e.startAbgleich(amt, "2026-09-15")
	z2 := byOM(e.zuordnungen(amt, b.ID, "", 100))
	if j := z2["OM-2"]; j.Entscheidung != "auto" || j.Schueler == nil || j.Schueler.ID != jonas.Schueler.ID || !strings.Contains(j.Begruendung, "bestätigt") {
		t.Errorf("Jonas after the verdict: %+v", j)
	}
	if b.Counts.Review != a.Counts.Review-1 || b.Counts.Auto != a.Counts.Auto+1 || b.Counts.None != a.Counts.None {
		t.Errorf("counts first %+v, second %+v", a.Counts, b.Counts)
	}
	// No second case for Clara; her case knows the newer run.
	faelle = e.faelle(amt, "")
	if len(faelle) != 1 || faelle[0].ID != fallID || faelle[0].LetzterAbgleichID != b.ID || faelle[0].LetzteEntscheidung != "none" {
		t.Fatalf("faelle after second run: %+v", faelle)
	}

	// Working the case: erledigt needs a Grund; a valid change is recorded.
	patch := func(body string) (int, fallJSON, []byte) {
		resp, out := e.do(call{method: "PATCH", path: "/v1/schulpflicht/faelle/" + fallID, token: amt, body: body,
			header: map[string]string{"Content-Type": "application/merge-patch+json"}})
		var f fallJSON
		if resp.StatusCode == 200 {
			mustJSON(t, out, &f)
		}
		return resp.StatusCode, f, out
	}
	if st, _, out := patch(`{"status":"erledigt"}`); st != 422 || problemOf(t, out).Errors[0].Code != "grund_fehlt" {
		t.Errorf("erledigt without grund: %d %s", st, out)
	}
	if st, _, out := patch(`{"status":"geschlossen","grund":"verreist"}`); st != 422 || len(problemOf(t, out).Errors) != 2 {
		t.Errorf("unknown status and grund: %d %s", st, out)
	}
	st, f, out := patch(`{"status":"in_klaerung","bemerkung":"Eltern angeschrieben"}`)
	if st != 200 || f.Status != "in_klaerung" || f.Bemerkung != "Eltern angeschrieben" {
		t.Fatalf("in_klaerung: %d %s", st, out)
	}
	st, f, out = patch(`{"status":"erledigt","grund":"schule_ausserhalb"}`)
	if st != 200 || f.Status != "erledigt" || f.Grund == nil || *f.Grund != "schule_ausserhalb" || f.Bemerkung != "Eltern angeschrieben" {
		t.Fatalf("erledigt: %d %s", st, out)
	}
	if st, _, out := patch(`{"status":"offen"}`); st != 422 || problemOf(t, out).Errors[0].Code != "uebergang_unzulaessig" {
		t.Errorf("erledigt → offen: %d %s", st, out)
	}
	if n := count(t, pool, "SELECT count(*) FROM fall_historie WHERE fall_id = $1", fallID); n != 3 {
		t.Errorf("%d history rows, want 3 (opened, in_klaerung, erledigt)", n)
	}
	resp, body := e.do(call{method: "GET", path: "/v1/schulpflicht/faelle/" + fallID, token: amt})
	var full fallJSON
	mustJSON(t, body, &full)
	if resp.StatusCode != 200 || len(full.Historie) != 3 || full.Historie[0].VonStatus != nil || full.Historie[2].Wer != "test-user" ||
		*full.Historie[2].VonStatus != "in_klaerung" || full.Historie[2].ZuStatus != "erledigt" || *full.Historie[2].ZuGrund != "schule_ausserhalb" {
		t.Errorf("history: %d %s", resp.StatusCode, body)
	}
	if open := e.faelle(amt, "&status=offen"); len(open) != 0 {
		t.Errorf("open cases: %+v", open)
	}

	// A third run in the same school year: Clara's case is closed as
	// schule_ausserhalb for it, so it stays closed and no new one opens.
	e.startAbgleich(amt, "2026-09-15")
	if open := e.faelle(amt, "&status=offen"); len(open) != 0 {
		t.Errorf("open cases after the third run: %+v", open)
	}
	// Closed because she was found at a school, she is a new case when a
	// run finds her at none, and the case says why.
	if st, f, out := patch(`{"grund":"schule_gefunden"}`); st != 200 || *f.Grund != "schule_gefunden" {
		t.Fatalf("schule_gefunden: %d %s", st, out)
	}
	c := e.startAbgleich(amt, "2026-09-15")
	if open := e.faelle(amt, "&status=offen"); len(open) != 1 || open[0].ID == fallID || open[0].AbgleichID != c.ID || open[0].Anlass == nil ||
		!strings.Contains(*open[0].Anlass, "Fall "+fallID+" wurde erledigt, weil das Kind an einer Schule gefunden wurde") {
		t.Errorf("open cases after the run that found her at no school: %+v", open)
	}

	// Clara turns up in another school's list: the next run finds her, but
	// closing her case is for staff, who see what the run found.
	status, imp, body := e.upload(amt, "kind=schueler&schulnummer=20102", "schueler-20102.csv",
		[]byte("Familienname;Vornamen;Geburtsdatum;Klasse\nNeumann;Clara;01.01.2012;8a\n"))
	if status != 202 || e.await(amt, imp.ID).Status != "succeeded" {
		t.Fatalf("upload 20102: %d %s", status, body)
	}
	d := e.startAbgleich(amt, "2026-09-15")
	if cl := byOM(e.zuordnungen(amt, d.ID, "", 100))["OM-3"]; cl.Entscheidung != "auto" || *cl.Schueler.Schulnummer != "20102" {
		t.Errorf("Clara in the fourth run: %+v", cl)
	}
	if open := e.faelle(amt, "&status=offen"); len(open) != 1 || open[0].LetzterAbgleichID != d.ID || open[0].LetzteEntscheidung != "auto" {
		t.Errorf("the open case after Clara was found: %+v", open)
	}

	// The export, read back as staff would.
	resp, body = e.do(call{method: "GET", path: "/v1/schulpflicht/faelle.xlsx", token: amt})
	if resp.StatusCode != 200 {
		t.Fatalf("xlsx: %d", resp.StatusCode)
	}
	x, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer x.Close()
	sheet := x.GetSheetName(0)
	rows, err := x.GetRows(sheet)
	if err != nil {
		t.Fatal(err)
	}
	if len(rows) != 3 || rows[0][0] != "Fall" || rows[0][6] != "Geburtsdatum" || rows[1][4] != "Neumann" || rows[1][6] != "01.01.2012" ||
		rows[1][1] != "erledigt" || rows[1][2] != "Schule gefunden" || rows[2][1] != "offen" || rows[0][16] != "Anlass" ||
		len(rows[2]) < 17 || !strings.Contains(rows[2][16], "an einer Schule gefunden") {
		t.Errorf("xlsx rows: %q", rows)
	}
	if typ, _ := x.GetCellType(sheet, "G2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Error("Geburtsdatum is text, not a date")
	}
	if panes, err := x.GetPanes(sheet); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header not frozen: %+v %v", panes, err)
	}

	// An exemption with an end; another reason drops the end; an end
	// without befreit is refused.
	if st, f, out := patch(`{"grund":"befreit","befreit_bis":"2026-12-31"}`); st != 200 || f.BefreitBis == nil || *f.BefreitBis != "2026-12-31" {
		t.Errorf("befreit_bis: %d %s", st, out)
	}
	if st, f, out := patch(`{"grund":"weggezogen"}`); st != 200 || f.BefreitBis != nil {
		t.Errorf("other reason: %d %s", st, out)
	}
	if st, _, out := patch(`{"befreit_bis":"2026-12-31"}`); st != 422 || problemOf(t, out).Errors[0].Pointer != "/befreit_bis" {
		t.Errorf("befreit_bis without befreit: %d %s", st, out)
	}
}

func (e *env) faelle(token, query string) []fallJSON {
	e.t.Helper()
	var all []fallJSON
	after := ""
	for {
		resp, body := e.do(call{method: "GET", path: "/v1/schulpflicht/faelle?limit=50&after=" + after + query, token: token})
		if resp.StatusCode != 200 {
			e.t.Fatalf("faelle: %d %s", resp.StatusCode, body)
		}
		var p faellePage
		mustJSON(e.t, body, &p)
		all = append(all, p.Items...)
		if p.NextAfter == nil {
			return all
		}
		after = *p.NextAfter
	}
}

func TestSchulpflichtRefusals(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	amt := e.token(auth.RoleSchulamt)
	for _, tt := range []struct {
		name, method, path, body string
		status                   int
		pointer                  string
	}{
		{"no stichtag", "POST", "/v1/schulpflicht/abgleiche", `{}`, 422, "/stichtag"},
		{"bad stichtag", "POST", "/v1/schulpflicht/abgleiche", `{"stichtag":"15.09.2026"}`, 422, "/stichtag"},
		{"unknown field", "POST", "/v1/schulpflicht/abgleiche", `{"stichtag":"2026-09-15","schnell":true}`, 422, "/schnell"},
		{"unknown field and no stichtag: both", "POST", "/v1/schulpflicht/abgleiche", `{"schnell":true}`, 422, "/stichtag"},
		{"stichtag out of range", "POST", "/v1/schulpflicht/abgleiche", `{"stichtag":"1926-09-15"}`, 422, "/stichtag"},
		{"unknown abgleich", "GET", "/v1/schulpflicht/abgleiche/00000000-0000-0000-0000-000000000000", "", 404, ""},
		{"malformed abgleich id", "GET", "/v1/schulpflicht/abgleiche/x/zuordnungen", "", 404, ""},
		{"bad entscheidung", "GET", "/v1/schulpflicht/abgleiche/x/zuordnungen?entscheidung=vielleicht", "", 422, "/entscheidung"},
		{"urteil without fields", "POST", "/v1/schulpflicht/urteile", `{}`, 422, "/kind_id"},
		{"urteil wrong type", "POST", "/v1/schulpflicht/urteile", `{"kind_id":"1","schueler_id":"schueler:1","bestaetigt":"ja"}`, 422, "/bestaetigt"},
		{"urteil unknown child", "POST", "/v1/schulpflicht/urteile", `{"kind_id":"99","schueler_id":"schueler:1","bestaetigt":false}`, 404, ""},
		{"bad fall status filter", "GET", "/v1/schulpflicht/faelle?status=zu", "", 422, "/status"},
		{"bad after", "GET", "/v1/schulpflicht/faelle?after=abc", "", 422, "/after"},
		{"unknown fall", "PATCH", "/v1/schulpflicht/faelle/77", `{"status":"offen"}`, 404, ""},
		{"patch wrong type", "PATCH", "/v1/schulpflicht/faelle/77", `{"status":null}`, 422, "/status"},
	} {
		t.Run(tt.name, func(t *testing.T) {
			resp, body := e.do(call{method: tt.method, path: tt.path, token: amt, body: tt.body})
			if resp.StatusCode != tt.status {
				t.Fatalf("%d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			p := problemOf(t, body)
			if tt.pointer != "" && (len(p.Errors) == 0 || !slices.ContainsFunc(p.Errors, func(f apperr.FieldError) bool { return f.Pointer == tt.pointer })) {
				t.Errorf("no error at %s: %s", tt.pointer, body)
			}
		})
	}
	// Planners see no names: every Schulpflicht route refuses them.
	plan := e.token(auth.RolePlanung)
	for _, p := range []string{"/v1/schulpflicht/faelle", "/v1/schulpflicht/faelle.xlsx"} {
		if resp, _ := e.do(call{method: "GET", path: p, token: plan}); resp.StatusCode != 403 {
			t.Errorf("%s as planung: %d", p, resp.StatusCode)
		}
	}
}

// A rejected pair is never proposed again: the child becomes a case.
func TestSchulpflichtRejectedPair(t *testing.T) {
	t.Parallel()
	e, _ := einschulungEnv(t)
	amt := e.token(auth.RoleAdmin)
	for _, up := range []struct{ query, file, data string }{
		{"kind=melderegister", "register.csv", "Ordnungsmerkmal;Familienname;Vornamen;Geburtsdatum;Straße;Hausnummer\nOM-1;Müller;Anna;04.03.2015;Rosenweg;3\n"},
		{"kind=schueler&schulnummer=20101", "schueler.csv", "Familienname;Vornamen;Geburtsdatum;Klasse\nMüller;Anna;04.03.2015;5a\n"},
	} {
		status, imp, body := e.upload(amt, up.query, up.file, []byte(up.data))
		if status != 202 || e.await(amt, imp.ID).Status != "succeeded" {
			t.Fatalf("%s: %d %s", up.file, status, body)
		}
	}
	a := e.startAbgleich(amt, "2026-09-15")
	anna := byOM(e.zuordnungen(amt, a.ID, "", 10))["OM-1"]
	if anna.Entscheidung != "auto" || anna.Schueler == nil {
		t.Fatalf("Anna: %+v", anna)
	}
	if len(e.faelle(amt, "")) != 0 {
		t.Fatal("a case for a child at school")
	}
	body := fmt.Sprintf(`{"kind_id":%q,"schueler_id":%q,"bestaetigt":false}`, anna.KindID, anna.Schueler.ID)
	if resp, out := e.do(call{method: "POST", path: "/v1/schulpflicht/urteile", token: amt, body: body}); resp.StatusCode != 201 {
		t.Fatalf("urteil: %d %s", resp.StatusCode, out)
	}
	b := e.startAbgleich(amt, "2026-09-15")
	if again := byOM(e.zuordnungen(amt, b.ID, "", 10))["OM-1"]; again.Entscheidung != "none" || again.Schueler != nil {
		t.Errorf("Anna after the rejection: %+v", again)
	}
	if f := e.faelle(amt, "&status=offen"); len(f) != 1 || f[0].AbgleichID != b.ID {
		t.Errorf("cases: %+v", f)
	}
}

// Before any pupil list the API says every school lacks one and refuses a
// run (it would make every child a case) unless forced; a list makes its
// school current, and a list older than the maximum age is called old.
func TestSchulpflichtVoraussetzungen(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt := e.token(auth.RoleSchulamt)
	type stand struct {
		Schulnummer string  `json:"schulnummer"`
		Stand       *string `json:"stand"`
		AlterTage   *int    `json:"alter_tage"`
		Fehlt       bool    `json:"fehlt"`
		Veraltet    bool    `json:"veraltet"`
	}
	var v struct {
		MaxAlterTage int     `json:"max_alter_tage"`
		KeineListe   bool    `json:"keine_liste"`
		Fehlend      int     `json:"fehlend"`
		Veraltet     int     `json:"veraltet"`
		Hinweis      *string `json:"hinweis"`
		Schulen      []stand `json:"schulen"`
	}
	lesen := func() map[string]stand {
		t.Helper()
		resp, body := e.do(call{method: "GET", path: "/v1/schulpflicht/voraussetzungen", token: amt})
		if resp.StatusCode != 200 {
			t.Fatalf("voraussetzungen: %d %s", resp.StatusCode, body)
		}
		mustJSON(t, body, &v)
		m := map[string]stand{}
		for _, s := range v.Schulen {
			m[s.Schulnummer] = s
		}
		return m
	}
	schulen := lesen()
	if !v.KeineListe || v.Fehlend != len(schulen) || len(schulen) < 5 || v.MaxAlterTage != 60 || v.Hinweis == nil ||
		!strings.Contains(*v.Hinweis, "keine Schülerliste") || !schulen["20101"].Fehlt {
		t.Fatalf("ohne Listen: %+v", v)
	}

	start := func(body string) (int, []byte) {
		resp, out := e.do(call{method: "POST", path: "/v1/schulpflicht/abgleiche", token: amt, body: body})
		return resp.StatusCode, out
	}
	status, body := start(`{"stichtag":"2026-09-15"}`)
	if status != 422 {
		t.Fatalf("Abgleich ohne Schülerliste: %d %s, erwartet 422", status, body)
	}
	p := problemOf(t, body)
	if !strings.Contains(p.Detail, "keine Schülerliste") || len(p.Errors) != 1 || p.Errors[0].Pointer != "/force" ||
		p.Errors[0].Code != "schuelerlisten_fehlen" {
		t.Errorf("Ablehnung: %s", body)
	}
	var n int
	if err := pool.QueryRow(t.Context(), "SELECT count(*) FROM abgleiche").Scan(&n); err != nil || n != 0 {
		t.Errorf("%d Abgleiche nach der Ablehnung (%v)", n, err)
	}
	if status, body = start(`{"stichtag":"2026-09-15","force":true}`); status != 202 {
		t.Errorf("erzwungener Abgleich: %d %s", status, body)
	}

	if st, imp, out := e.upload(amt, "kind=schueler&schulnummer=20101", "schueler.csv", []byte(spSchueler)); st != 202 {
		t.Fatalf("upload: %d %s", st, out)
	} else if done := e.await(amt, imp.ID); done.Status != "succeeded" {
		t.Fatalf("upload: %+v", done)
	}
	schulen = lesen()
	if s := schulen["20101"]; v.KeineListe || s.Fehlt || s.Veraltet || s.Stand == nil || s.AlterTage == nil || *s.AlterTage != 0 ||
		v.Fehlend != len(schulen)-1 || !schulen["20102"].Fehlt {
		t.Errorf("mit Liste der 20101: %+v", v)
	}
	if status, body = start(`{"stichtag":"2026-09-15"}`); status != 202 {
		t.Errorf("Abgleich mit einer Schülerliste: %d %s", status, body)
	}

	// The list was loaded 61 days ago: older than 60 days.
	if _, err := pool.Exec(t.Context(), "UPDATE imports SET finished_at = now() - interval '61 days' WHERE kind = 'schueler'"); err != nil {
		t.Fatal(err)
	}
	schulen = lesen()
	if s := schulen["20101"]; !s.Veraltet || s.AlterTage == nil || *s.AlterTage != 61 || v.Veraltet != 1 || !strings.Contains(*v.Hinweis, "älter als 60 Tage") {
		t.Errorf("alte Liste: %+v %+v", s, v)
	}
}

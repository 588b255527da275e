package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/importing"
)

func count(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

type kinderPage struct {
	Items      []einschulungKindJSON `json:"items"`
	NextCursor *string               `json:"next_cursor"`
}

// allKinder pages through the cohort as the BMS does.
func (e *env) allKinder(token, query string, limit int) []einschulungKindJSON {
	e.t.Helper()
	var all []einschulungKindJSON
	cursor := ""
	for {
		resp, body := e.do(call{method: "GET", path: fmt.Sprintf("/v1/einschulung/2027-28/kinder?limit=%d&cursor=%s%s", limit, cursor, query), token: token})
		if resp.StatusCode != 200 {
			e.t.Fatalf("kinder: %d %s", resp.StatusCode, body)
		}
		var p kinderPage
		mustJSON(e.t, body, &p)
		all = append(all, p.Items...)
		if p.NextCursor == nil {
			return all
		}
		if len(p.Items) != limit {
			e.t.Fatalf("a page of %d before the end", len(p.Items))
		}
		cursor = *p.NextCursor
	}
}

// From the uploaded lists (directory and register, as the sample files
// have them) to what the BMS and the school office get.
func TestEinschulungEndToEnd(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt, bms := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS)
	for _, up := range []struct{ kind, file string }{{"schulbezirke", "schulbezirke.xlsx"}, {"melderegister", "melderegister.xlsx"}} {
		_, imp, _ := e.upload(amt, "kind="+up.kind, up.file, sample(t, up.file))
		if done := e.await(amt, imp.ID); done.Status != "succeeded" {
			t.Fatalf("%s: %+v", up.file, done)
		}
	}

	// The row that decides is the uploaded row.
	resp, body := e.do(call{method: "GET", path: zuordnungPath("Hauptstr", "7b", "", "2027-28"), token: bms})
	var z zuordnungJSON
	mustJSON(t, body, &z)
	if resp.StatusCode != 200 || z.Schulnummer != "20103" || z.Regel.Zeile == nil || *z.Regel.Zeile != 7 || *z.Regel.Tabelle != "Verzeichnis" || z.Regel.Tabelle == nil {
		t.Errorf("lookup: %d %s", resp.StatusCode, body)
	}

	// Every child of the cohort, once, pseudonymous, born 2 July 2020 – 1 July 2021.
	all := e.allKinder(bms, "", 37)
	// allKinder reads by the old names (cursor, next_cursor): they still work.
	assertSamePages(t, "kinder", all, pageAll[einschulungKindJSON](e, bms, "/v1/einschulung/2027-28/kinder", 37, "next_cursor"))
	want := count(t, pool, `SELECT count(*) FROM kinder WHERE geburtsdatum BETWEEN '2020-07-02' AND '2021-07-01' AND status = 'gemeldet'`)
	if len(all) != want || want == 0 {
		t.Fatalf("%d children, the register has %d in the cohort", len(all), want)
	}
	ids := map[string]bool{}
	ohneAnschrift, ohneSchule := 0, 0
	for _, k := range all {
		if ids[k.ID] || len(k.ID) != 43 {
			t.Errorf("id %q", k.ID)
		}
		ids[k.ID] = true
		if k.Geburtsdatum < "2020-07-02" || k.Geburtsdatum > "2021-07-01" {
			t.Errorf("born %s", k.Geburtsdatum)
		}
		if k.Anschrift == nil {
			ohneAnschrift++
		}
		if k.Schulnummer == nil {
			ohneSchule++
		}
		if k.Status != "erwartet" || !strings.HasSuffix(k.Art, "/regeleinschulung") {
			t.Errorf("status %s, art %s", k.Status, k.Art)
		}
	}
	if gesperrt := count(t, pool, `SELECT count(*) FROM kinder WHERE geburtsdatum BETWEEN '2020-07-02' AND '2021-07-01' AND auskunftssperre`); ohneAnschrift != gesperrt {
		t.Errorf("%d children without address, %d with Auskunftssperre", ohneAnschrift, gesperrt)
	}
	// Nothing of the register's own ids reaches the BMS.
	shown, _ := json.Marshal(all)
	oms, err := pool.Query(context.Background(), `SELECT ordnungsmerkmal FROM kinder`)
	if err != nil {
		t.Fatal(err)
	}
	omList, err := pgx.CollectRows(oms, pgx.RowTo[string])
	if err != nil || len(omList) != 400 {
		t.Fatalf("%d Ordnungsmerkmale, %v", len(omList), err)
	}
	for _, om := range omList {
		if bytes.Contains(shown, []byte(om)) {
			t.Errorf("Ordnungsmerkmal %s shown to the BMS", om)
		}
	}

	// Per school: the overview, the filtered list and the export agree.
	resp, body = e.do(call{method: "GET", path: "/v1/einschulung/2027-28/uebersicht", token: bms})
	var u uebersichtJSON
	mustJSON(t, body, &u)
	if resp.StatusCode != 200 || u.Kinder != len(all) || u.OhneSchule != ohneSchule {
		t.Fatalf("overview: %d %s", resp.StatusCode, body)
	}
	sum := u.OhneSchule
	for _, s := range u.Items {
		sum += s.Erwartet + s.Angemeldet + s.Vorzeitig + s.Aufgenommen + s.Zurueckgestellt + s.Abgemeldet + s.FreieSchule
		if s.Schulnummer == "20103" {
			list := e.allKinder(bms, "&schulnummer=20103", 100)
			if len(list) != s.Erwartet || len(list) == 0 {
				t.Errorf("20103: list %d, overview %d", len(list), s.Erwartet)
			}
			for _, k := range list {
				if *k.Schulnummer != "20103" {
					t.Errorf("child of %s in the list of 20103", *k.Schulnummer)
				}
			}
		}
	}
	if sum != u.Kinder {
		t.Errorf("counts add up to %d, not %d", sum, u.Kinder)
	}
	// The ones the overview counts without a school are those the list
	// gives with ohne_schule=true, paged like every list.
	ohne := e.allKinder(amt, "&ohne_schule=true", 2)
	if len(ohne) != u.OhneSchule || len(ohne) < 3 {
		t.Errorf("ohne_schule=true lists %d children, the overview counts %d", len(ohne), u.OhneSchule)
	}
	for _, k := range ohne {
		if k.Schulnummer != nil || k.Anschrift == nil || k.Anschrift.Strasse == "" {
			t.Errorf("child without school listed as %+v", k)
		}
	}

	resp, body = e.do(call{method: "GET", path: "/v1/einschulung/2027-28/liste.xlsx", token: amt})
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "einschulung-2027-28.xlsx") {
		t.Fatalf("liste.xlsx: %d %v", resp.StatusCode, resp.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	sheets := f.GetSheetList()
	if !slices.Contains(sheets, "20101 Grundschule Am Anger") || !slices.Contains(sheets, "20103 Grundschule Mühlenviertel") {
		t.Errorf("sheets %v", sheets)
	}
	rows, _ := f.GetRows("20103 Grundschule Mühlenviertel")
	if len(rows) != 1+u.Items[slices.IndexFunc(u.Items, func(s schulzahlenJSON) bool { return s.Schulnummer == "20103" })].Erwartet ||
		strings.Join(rows[0][:4], ";") != "Familienname;Vornamen;Geburtsdatum;Geschlecht" {
		t.Fatalf("sheet of 20103: %d rows, header %v", len(rows), rows[0])
	}
	var keys []string
	for _, r := range rows[1:] {
		keys = append(keys, importing.NormalizeHeader(r[0])+"\x00"+importing.NormalizeHeader(r[1]))
		if !regexp.MustCompile(`^\d\d\.\d\d\.\d{4}$`).MatchString(r[2]) {
			t.Errorf("birth date shown as %q", r[2])
		}
	}
	if !slices.IsSorted(keys) {
		t.Errorf("not sorted by name: %v", keys)
	}
	if raw, _ := f.GetCellValue("20103 Grundschule Mühlenviertel", "C2", excelize.Options{RawCellValue: true}); !regexp.MustCompile(`^\d{5}$`).MatchString(raw) {
		t.Errorf("birth date is not a date cell: %q", raw)
	}

	resp, body = e.do(call{method: "GET", path: "/v1/einschulung/2027-28/liste.csv?schulnummer=20103", token: amt})
	lines := strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(lines[0], "\ufeffSchulnummer;Schule;Familienname;Vornamen;Geburtsdatum") || len(lines) != len(rows) {
		t.Fatalf("liste.csv: %d, %d lines: %q", resp.StatusCode, len(lines), lines[0])
	}
	if fields := strings.Split(lines[1], ";"); fields[0] != "20103" || !regexp.MustCompile(`^\d\d\.\d\d\.\d{4}$`).MatchString(fields[4]) {
		t.Errorf("csv row %q", lines[1])
	}
}

func TestEinschulungMeldungenAPI(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	seedDirectory(t, pool)
	if _, err := pool.Exec(context.Background(), `INSERT INTO kinder (schluessel, ordnungsmerkmal, familienname, vornamen, geburtsdatum, geschlecht, strasse, hausnummer, plz, ort) VALUES
		('om:OM1', 'OM1', 'Krause', 'Emil', '2021-03-04', 'm', 'Am Anger', '3', '06108', 'Musterstadt'),
		('om:OM2', 'OM2', 'Lößner', 'Niklas Moritz', '2021-09-09', 'm', 'Am Anger', '5', '06108', 'Musterstadt')`); err != nil {
		t.Fatal(err)
	}
	amt, bms := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS)
	kinder := e.allKinder(bms, "", 10)
	if len(kinder) != 1 || kinder[0].Familienname != "Krause" || *kinder[0].Schulnummer != "20101" || *kinder[0].Geschlecht != "m" {
		t.Fatalf("cohort %+v", kinder)
	}
	id := kinder[0].ID
	post := func(token, body string) (int, einschulungMeldungJSON, []byte) {
		t.Helper()
		resp, out := e.do(call{method: "POST", path: "/v1/einschulung/2027-28/meldungen", token: token, body: body})
		var m einschulungMeldungJSON
		if resp.StatusCode < 300 {
			mustJSON(t, out, &m)
		}
		return resp.StatusCode, m, out
	}

	anmeldung := fmt.Sprintf(`{"kind_id":%q,"typ":"anmeldung","schulnummer":"20101"}`, id)
	if status, m, body := post(bms, anmeldung); status != 201 || m.KindID != id || m.Typ != "anmeldung" || m.Art != nil {
		t.Fatalf("first: %d %s", status, body)
	}
	if status, _, body := post(bms, anmeldung); status != 200 {
		t.Errorf("retry: %d %s", status, body)
	}
	if status, _, body := post(bms, fmt.Sprintf(`{"kind_id":%q,"typ":"anmeldung","schulnummer":"20102"}`, id)); status != 409 {
		t.Errorf("other school without Gastschulantrag: %d %s", status, body)
	}
	gast := fmt.Sprintf(`{"kind_id":%q,"typ":"gastschulantrag","schulnummer":"20102","entscheidung":"genehmigt"}`, id)
	if status, _, body := post(bms, gast); status != 403 || !strings.Contains(string(body), "Schulträger") {
		t.Errorf("the BMS decides a Gastschulantrag: %d %s", status, body)
	}
	if status, m, body := post(amt, gast); status != 201 || *m.Entscheidung != "genehmigt" || !strings.Contains(m.Hinweis, "bleibt dort") {
		t.Errorf("the school office decides: %d %s", status, body)
	}
	// The approval moves no child registered at its Bezirksschule (§ 41):
	// it stays there until the registration at 20102 comes.
	if k := e.allKinder(bms, "", 10); *k[0].Schulnummer != "20101" || k[0].Status != "angemeldet" {
		t.Errorf("after the decision: %+v", k[0])
	}
	if status, _, body := post(bms, fmt.Sprintf(`{"kind_id":%q,"typ":"anmeldung","schulnummer":"20102"}`, id)); status != 200 {
		t.Errorf("registration at 20102 after the approval: %d %s", status, body)
	}
	if k := e.allKinder(bms, "", 10); *k[0].Schulnummer != "20102" || k[0].Status != "angemeldet" {
		t.Errorf("after the registration at 20102: %+v", k[0])
	}
	// Now the approval cannot be withdrawn: the registration rests on it.
	abgelehnt := fmt.Sprintf(`{"kind_id":%q,"typ":"gastschulantrag","schulnummer":"20102","entscheidung":"abgelehnt"}`, id)
	if status, _, body := post(amt, abgelehnt); status != 409 || !strings.Contains(string(body), "beruht auf dem genehmigten Gastschulantrag") {
		t.Errorf("withdrawing the approval: %d %s", status, body)
	}
	if k := e.allKinder(bms, "", 10); *k[0].Schulnummer != "20102" || k[0].Status != "angemeldet" {
		t.Errorf("after the refused withdrawal: %+v", k[0])
	}
	// Early entry: named by name and birth date; from then on in the cohort.
	status, m, body := post(bms, `{"person":{"familienname":"Loessner","vornamen":"Niklas Moritz","geburtsdatum":"2021-09-09"},"typ":"anmeldung","schulnummer":"20101"}`)
	if status != 201 || m.KindID == "" {
		t.Fatalf("early entry: %d %s", status, body)
	}
	if k := e.allKinder(bms, "&schulnummer=20101", 10); len(k) != 1 || k[0].ID != m.KindID || k[0].Status != "vorzeitig" || !strings.HasSuffix(k[0].Art, "/vorzeitige_einschulung") {
		t.Errorf("early entrant: %+v", k)
	}
	// Every fault at once.
	status, _, body = post(bms, `{"typ":"anmelden","art":"regel","schulnummer":12,"farbe":"blau"}`)
	p := problemOf(t, body)
	got := map[string]string{}
	for _, f := range p.Errors {
		got[f.Pointer] = f.Code
	}
	want := map[string]string{"/kind_id": "pflichtfeld_leer", "/typ": "typ_unbekannt", "/art": "art_nicht_erlaubt", "/schulnummer": "typ_falsch", "/farbe": "feld_unbekannt"}
	if status != 422 || fmt.Sprint(got) != fmt.Sprint(want) {
		t.Errorf("faults: %d %v, want %v", status, got, want)
	}
	// The BMS learns of each change from the feed, by the child's id only.
	resp, body := e.do(call{method: "GET", path: "/v1/changes", token: bms})
	var feed struct{ Items []changeJSON }
	mustJSON(t, body, &feed)
	var feedIDs []string
	for _, c := range feed.Items {
		if c.Entity == "kind" {
			feedIDs = append(feedIDs, c.ID)
		}
	}
	if resp.StatusCode != 200 || !slices.Equal(feedIDs, []string{id, id, id, m.KindID}) || bytes.Contains(body, []byte("OM")) {
		t.Errorf("feed %v: %s", feedIDs, body)
	}
}

func TestEinschulungAccess(t *testing.T) {
	t.Parallel()
	e, _ := einschulungEnv(t)
	for _, tc := range []struct {
		role   auth.Role
		method string
		path   string
		status int
	}{
		{auth.RolePlanung, "GET", "/v1/einschulung/2027-28/kinder", 403},
		{auth.RoleAdmin, "GET", "/v1/einschulung/2027-28/kinder", 403},
		// Per-school cohort counts are not suppressed: not for planners.
		{auth.RolePlanung, "GET", "/v1/einschulung/2027-28/uebersicht", 403},
		{auth.RoleBMS, "GET", "/v1/einschulung/2027-28/liste.xlsx", 403},
		{auth.RoleAdmin, "GET", "/v1/einschulung/2027-28/liste.csv", 403},
		{auth.RolePlanung, "POST", "/v1/einschulung/2027-28/meldungen", 403},
		{auth.RoleBMS, "GET", "/v1/einschulung/2027/kinder", 404},
		{auth.RoleBMS, "GET", "/v1/einschulung/2027-29/kinder", 404},
		{auth.RoleBMS, "GET", "/v1/einschulung/2027%2F28/kinder", 404},
		{auth.RoleBMS, "GET", "/v1/einschulung/2027-28/kinder?schulnummer=99999", 404},
		{auth.RoleBMS, "GET", "/v1/einschulung/2027-28/kinder?limit=0", 422},
		{auth.RoleBMS, "GET", "/v1/einschulung/2027-28/kinder?cursor=OM1", 422},
		{auth.RoleSchulamt, "GET", "/v1/einschulung/2027-28/kinder?ohne_schule=vielleicht", 422},
		{auth.RoleSchulamt, "GET", "/v1/einschulung/2027-28/kinder?ohne_schule=true&schulnummer=20101", 422},
		{auth.RoleSchulamt, "GET", "/v1/einschulung/2027-28/liste.xlsx?schulnummer=99999", 404},
		{auth.RoleSchulamt, "GET", "/v1/einschulung/2027-28/liste.csv", 200},
	} {
		c := call{method: tc.method, path: tc.path, token: e.token(tc.role)}
		if tc.method == "POST" {
			c.body = `{"typ":"abmeldung"}`
		}
		if resp, body := e.do(c); resp.StatusCode != tc.status {
			t.Errorf("%s %s %s: %d, want %d: %s", tc.role, tc.method, tc.path, resp.StatusCode, tc.status, body)
		}
	}
}

// The BMS cannot probe the register: a registration by name and birth
// date for a child not in the cohort gets the same answer whether the
// child is unknown, moved away (also under an Auskunftssperre) or too
// young; the audit trail records each with its true reason, and a new
// Meldung's entry records 201 as answered.
func TestEinschulungBMSCannotProbeTheRegister(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	seedDirectory(t, pool)
	if _, err := pool.Exec(context.Background(), `INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer, plz, ort, status, auskunftssperre) VALUES
		('om:A', 'Krause', 'Emil', '2021-03-04', 'Am Anger', '3', '06108', 'Musterstadt', 'gemeldet', false),
		('om:B', 'Fort', 'Fiete', '2021-04-04', 'Am Anger', '4', '06108', 'Musterstadt', 'weggezogen', false),
		('om:C', 'Geheim', 'Gesa', '2021-05-05', 'Am Anger', '5', '06108', 'Musterstadt', 'weggezogen', true),
		('om:D', 'Klein', 'Kai', '2023-01-01', 'Am Anger', '6', '06108', 'Musterstadt', 'gemeldet', false)`); err != nil {
		t.Fatal(err)
	}
	amt, bms, admin := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS), e.token(auth.RoleAdmin)
	person := func(name, vorname, geburt string) string {
		return fmt.Sprintf(`{"person":{"familienname":%q,"vornamen":%q,"geburtsdatum":%q},"typ":"anmeldung","schulnummer":"20101"}`, name, vorname, geburt)
	}
	probes := []struct{ name, body string }{
		{"1", person("Niemand", "Nina", "2021-04-04")}, // not in the register
		{"2", person("Fort", "Fiete", "2021-04-04")},   // moved away
		{"3", person("Geheim", "Gesa", "2021-05-05")},  // moved away, Auskunftssperre
		{"4", person("Klein", "Kai", "2023-01-01")},    // too young
		{"5", person("Keiner", "Kai", "2023-01-01")},   // not in the register, too young
	}
	var first Problem
	for i, p := range probes {
		resp, body := e.do(call{method: "POST", path: "/v1/einschulung/2027-28/meldungen", token: bms, body: p.body,
			header: map[string]string{"X-Request-ID": "probe-" + p.name}})
		got := problemOf(t, body)
		got.RequestID, got.Instance = "", ""
		if resp.StatusCode != 422 || len(got.Errors) != 1 || got.Errors[0].Code != "kind_nicht_meldbar" {
			t.Errorf("%s: %d %s", p.name, resp.StatusCode, body)
		}
		if i == 0 {
			first = got
		} else if fmt.Sprint(got) != fmt.Sprint(first) {
			t.Errorf("%s answers otherwise than an unknown child:\n%+v\n%+v", p.name, got, first)
		}
		if bytes.Contains(body, []byte("Melderegister")) || bytes.Contains(body, []byte("weggezogen")) {
			t.Errorf("%s: the answer names the register: %s", p.name, body)
		}
	}
	// The school office is told why.
	resp, body := e.do(call{method: "POST", path: "/v1/einschulung/2027-28/meldungen", token: amt, body: probes[1].body})
	if resp.StatusCode != 409 || !strings.Contains(string(body), "weggezogen") {
		t.Errorf("school office: %d %s", resp.StatusCode, body)
	}
	if n := count(t, pool, `SELECT count(*) FROM einschulung_meldungen`); n != 0 {
		t.Errorf("%d Meldungen stored", n)
	}
	// A Meldung that is new answers 201, and its audit entry says 201.
	resp, body = e.do(call{method: "POST", path: "/v1/einschulung/2027-28/meldungen", token: bms, body: person("Krause", "Emil", "2021-03-04"),
		header: map[string]string{"X-Request-ID": "neu-1"}})
	if resp.StatusCode != 201 {
		t.Fatalf("registration: %d %s", resp.StatusCode, body)
	}
	_, body = e.do(call{method: "GET", path: "/v1/audit?operation=POST%20/v1/einschulung&limit=100", token: admin})
	var page auditPage
	mustJSON(t, body, &page)
	byID := map[string]auditEntryJSON{}
	for _, x := range page.Items {
		byID[x.RequestID] = x
	}
	if x := byID["neu-1"]; x.Ergebnis != 201 {
		t.Errorf("new Meldung audited as %+v", x)
	}
	for _, p := range probes {
		x, ok := byID["probe-"+p.name]
		if !ok || x.Ergebnis != 422 || x.Subject == "" || !strings.HasPrefix(x.Detail, "Meldung ohne Registerauskunft abgewiesen") {
			t.Errorf("probe %s audited as %+v (found %v)", p.name, x, ok)
		}
	}
	if x := byID["probe-2"]; !strings.Contains(x.Detail, "weggezogen") {
		t.Errorf("the true reason is not in the audit trail: %+v", x)
	}
}

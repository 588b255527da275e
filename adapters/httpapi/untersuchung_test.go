package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"net/url"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// The health office's list of the cohort and the outcomes it reports:
// only the three outcomes, never a diagnosis or free text.
func TestUntersuchungThroughAPI(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt, bms := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS)
	for _, up := range []struct{ kind, file string }{{"schulbezirke", "schulbezirke.xlsx"}, {"melderegister", "melderegister.xlsx"}} {
		_, imp, _ := e.upload(amt, "kind="+up.kind, up.file, sample(t, up.file))
		if done := e.await(amt, imp.ID); done.Status != "succeeded" {
			t.Fatalf("%s: %+v", up.file, done)
		}
	}
	kinder := e.allKinder(amt, "", 1000)
	if len(kinder) < 2 {
		t.Fatalf("cohort of %d", len(kinder))
	}
	id := kinder[0].ID
	post := func(token, body string) (int, []byte) {
		resp, out := e.do(call{method: "POST", path: "/v1/einschulung/2027-28/untersuchungen", token: token, body: body})
		return resp.StatusCode, out
	}
	if st, out := post(amt, `{"kind_id":"`+id+`","untersucht_am":"2026-11-01","ergebnis":"zurueckstellung_pruefen"}`); st != 201 {
		t.Fatalf("first outcome: %d %s", st, out)
	}
	if st, out := post(amt, `{"kind_id":"`+id+`","untersucht_am":"2026-11-02","ergebnis":"untersucht"}`); st != 200 || !strings.Contains(string(out), `"ergebnis":"untersucht"`) {
		t.Fatalf("replaced outcome: %d %s", st, out)
	}
	// A diagnosis, free text, a date to come: all refused at once.
	st, out := post(amt, `{"kind_id":"`+id+`","untersucht_am":"2999-01-01","ergebnis":"adhs","befund":"Sprachentwicklung verzögert"}`)
	got := swFieldErrors(t, st, out)
	for _, p := range []string{"/ergebnis", "/untersucht_am", "/befund"} {
		if got[p] == "" {
			t.Errorf("no problem at %s: %s", p, out)
		}
	}
	if st, out := post(amt, `{"kind_id":"gibt-es-nicht","untersucht_am":"2026-11-01","ergebnis":"untersucht"}`); st != 404 {
		t.Errorf("unknown child: %d %s", st, out)
	}
	if st, _ := post(bms, `{"kind_id":"`+id+`","untersucht_am":"2026-11-01","ergebnis":"untersucht"}`); st != 403 {
		t.Errorf("BMS may record an outcome: %d", st)
	}
	if n := count(t, pool, "SELECT count(*) FROM schuleingangsuntersuchungen"); n != 1 {
		t.Errorf("%d outcomes stored, want 1", n)
	}

	resp, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/untersuchung.csv", token: amt})
	lines := strings.Split(strings.TrimSuffix(string(body), "\r\n"), "\r\n")
	if resp.StatusCode != 200 || !strings.HasPrefix(lines[0], "\ufeffKennung;Familienname;Vornamen;Geburtsdatum;Geschlecht;Straße") || len(lines) != len(kinder)+1 {
		t.Fatalf("untersuchung.csv: %d, %d lines for %d children: %q", resp.StatusCode, len(lines), len(kinder), lines[0])
	}
	var examined, open int
	for _, l := range lines[1:] {
		f := strings.Split(l, ";")
		switch {
		case f[0] == id || f[0] == "'"+id: // the table writer guards a leading - or = with '
			examined++
			// The id as the list shows it is accepted as it is copied.
			if st, out := post(amt, `{"kind_id":"`+f[0]+`","untersucht_am":"2026-11-02","ergebnis":"untersucht"}`); st != 200 {
				t.Errorf("outcome for the id copied from the list %q: %d %s", f[0], st, out)
			}
			if f[len(f)-2] != "02.11.2026" || f[len(f)-1] != "untersucht" {
				t.Errorf("examined child's row %q", l)
			}
		case f[len(f)-1] == "noch nicht untersucht" && f[len(f)-2] == "":
			open++
		}
	}
	if examined != 1 || open != len(kinder)-1 {
		t.Errorf("%d examined, %d not yet, of %d", examined, open, len(kinder))
	}
	resp, body = e.do(call{method: "GET", path: "/v1/einschulung/2027-28/untersuchung.xlsx", token: amt})
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "untersuchung-2027-28.xlsx") {
		t.Fatalf("untersuchung.xlsx: %d %v", resp.StatusCode, resp.Header)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	if rows, _ := f.GetRows("Untersuchung"); len(rows) != len(kinder)+1 {
		t.Errorf("%d rows in the workbook, want %d", len(rows), len(kinder)+1)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/untersuchung.csv", token: bms}); resp.StatusCode != 403 {
		t.Errorf("BMS reads the health office's list: %d", resp.StatusCode)
	}
}

// The health office reads the cohort page by page and records outcomes
// with PUT, including "did not appear"; it reaches nothing else (the
// authorization matrix checks every other operation).
func TestGesundheitsamtThroughAPI(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt, ga := e.token(auth.RoleSchulamt), e.token(auth.RoleGesundheitsamt)
	for _, up := range []struct{ kind, file string }{{"schulbezirke", "schulbezirke.xlsx"}, {"melderegister", "melderegister.xlsx"}} {
		_, imp, _ := e.upload(amt, "kind="+up.kind, up.file, sample(t, up.file))
		if done := e.await(amt, imp.ID); done.Status != "succeeded" {
			t.Fatalf("%s: %+v", up.file, done)
		}
	}
	kinder := e.allKinder(amt, "", 1000)
	gesperrt := count(t, pool, `SELECT count(*) FROM kinder WHERE geburtsdatum BETWEEN '2020-07-02' AND '2021-07-01' AND auskunftssperre AND status = 'gemeldet'`)
	if len(kinder) < 3 || gesperrt == 0 {
		t.Fatalf("cohort of %d, %d with Auskunftssperre: the sample does not test the list", len(kinder), gesperrt)
	}

	// The register names the guardians of one child (the samples have no
	// such column): the invitation goes to them.
	if _, err := pool.Exec(context.Background(), `UPDATE kinder SET sorgeberechtigte = 'Hanna Beispiel; Omar Beispiel'
		WHERE schluessel = (SELECT min(schluessel) FROM kinder WHERE geburtsdatum BETWEEN '2020-07-02' AND '2021-07-01' AND auskunftssperre)`); err != nil {
		t.Fatal(err)
	}
	type eintrag struct {
		Kennung, Familienname, Vornamen, Geburtsdatum string
		Sorgeberechtigte                              *string
		Strasse, Ort, Grundschule, UntersuchtAm       *string
		Ergebnis                                      *string `json:"ergebnis"`
		Auskunftssperre                               bool
	}
	liste := func() []eintrag {
		var all []eintrag
		after := ""
		for pages := 0; ; pages++ {
			resp, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/untersuchungen?limit=7&after=" + after, token: ga})
			var pg struct {
				Items []struct {
					eintrag
					UntersuchtAm *string `json:"untersucht_am"`
				}
				Next *string
			}
			if resp.StatusCode != 200 || json.Unmarshal(body, &pg) != nil || pages > 1000 {
				t.Fatalf("page after %q: %d %s", after, resp.StatusCode, body)
			}
			for _, it := range pg.Items {
				it.eintrag.UntersuchtAm = it.UntersuchtAm
				all = append(all, it.eintrag)
			}
			if pg.Next == nil {
				return all
			}
			after = *pg.Next
		}
	}
	l := liste()
	if len(l) != len(kinder) {
		t.Fatalf("the health office's list has %d children, the cohort %d", len(l), len(kinder))
	}
	ids := map[string]bool{}
	mitSperre := 0
	for _, x := range l {
		ids[x.Kennung] = true
		if x.Familienname == "" || x.Geburtsdatum == "" || x.Ergebnis != nil || x.UntersuchtAm != nil {
			t.Errorf("entry %+v: names and birth date wanted, no outcome yet", x)
		}
		if x.Auskunftssperre {
			mitSperre++
			// The health office must invite the child: the address stays, marked.
			if x.Strasse == nil || x.Ort == nil {
				t.Errorf("child with Auskunftssperre has no address for the invitation")
			}
		}
	}
	mitSorge := 0
	for _, x := range l {
		if x.Sorgeberechtigte != nil {
			mitSorge++
			if *x.Sorgeberechtigte != "Hanna Beispiel; Omar Beispiel" || !x.Auskunftssperre {
				t.Errorf("guardians %q (Auskunftssperre %v)", *x.Sorgeberechtigte, x.Auskunftssperre)
			}
		}
	}
	if mitSorge != 1 {
		t.Errorf("%d children with guardians on the list, want 1", mitSorge)
	}
	if len(ids) != len(kinder) || mitSperre != gesperrt {
		t.Errorf("%d distinct children of %d; %d marked with Auskunftssperre, register has %d", len(ids), len(kinder), mitSperre, gesperrt)
	}

	put := func(token, id, body string) (int, []byte) {
		resp, out := e.do(call{method: "PUT", path: "/v1/einschulung/2027-28/untersuchungen/" + url.PathEscape(id), token: token, body: body})
		return resp.StatusCode, out
	}
	a, b := l[0].Kennung, l[1].Kennung
	if st, out := put(ga, a, `{"untersucht_am":"2026-11-03","ergebnis":"nicht_erschienen"}`); st != 201 || !strings.Contains(string(out), `"ergebnis":"nicht_erschienen"`) {
		t.Fatalf("not appeared: %d %s", st, out)
	}
	if st, out := put(ga, b, `{"kind_id":"`+b+`","untersucht_am":"2026-11-04","ergebnis":"zurueckstellung_pruefen"}`); st != 201 {
		t.Fatalf("deferral to be considered: %d %s", st, out)
	}
	// The child comes to a second appointment: the outcome replaces the first.
	if st, out := put(ga, a, `{"untersucht_am":"2026-11-20","ergebnis":"untersucht"}`); st != 200 {
		t.Fatalf("second appointment: %d %s", st, out)
	}
	if st, out := put(ga, a, `{"kind_id":"`+b+`","untersucht_am":"2026-11-20","ergebnis":"untersucht"}`); st != 422 || swFieldErrors(t, st, out)["/kind_id"] == "" {
		t.Errorf("body naming another child than the path: %d %s", st, out)
	}
	st, out := put(ga, a, `{"untersucht_am":"2026-11-20","ergebnis":"sprachfoerderung","diagnose":"F80.1"}`)
	if got := swFieldErrors(t, st, out); got["/ergebnis"] == "" || got["/diagnose"] == "" {
		t.Errorf("a diagnosis is taken: %s", out)
	}
	if st, out := put(ga, "gibt-es-nicht", `{"untersucht_am":"2026-11-20","ergebnis":"untersucht"}`); st != 404 {
		t.Errorf("unknown child: %d %s", st, out)
	}
	var n int
	var erg string
	if err := pool.QueryRow(context.Background(), `SELECT count(*), string_agg(ergebnis, ',' ORDER BY ergebnis) FROM schuleingangsuntersuchungen`).Scan(&n, &erg); err != nil || n != 2 || erg != "untersucht,zurueckstellung_pruefen" {
		t.Errorf("stored %d outcomes %q (%v), want untersucht and zurueckstellung_pruefen", n, erg, err)
	}

	got := map[string]string{}
	for _, x := range liste() {
		if x.Ergebnis != nil {
			got[x.Kennung] = *x.UntersuchtAm + " " + *x.Ergebnis
		}
	}
	if len(got) != 2 || got[a] != "2026-11-20 untersucht" || got[b] != "2026-11-04 zurueckstellung_pruefen" {
		t.Errorf("outcomes on the list: %v", got)
	}
	resp, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/untersuchung.csv", token: ga})
	if resp.StatusCode != 200 || !strings.Contains(string(body), ";04.11.2026;Zurückstellung prüfen\r\n") ||
		!strings.Contains(string(body), ";Hanna Beispiel; Omar Beispiel;ja – nicht weitergeben;") && !strings.Contains(string(body), `;"Hanna Beispiel; Omar Beispiel";ja – nicht weitergeben;`) {
		t.Errorf("untersuchung.csv for the health office: %d", resp.StatusCode)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/untersuchung.xlsx", token: ga}); resp.StatusCode != 200 {
		t.Errorf("untersuchung.xlsx for the health office: %d", resp.StatusCode)
	}
	if resp, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/untersuchungen?after=unbekannt", token: ga}); resp.StatusCode != 422 {
		t.Errorf("unknown after: %d %s", resp.StatusCode, body)
	}
	// The school office sees the outcomes on the cohort and counted per
	// school in the overview; the BMS sees neither.
	type kohorte struct {
		Items []struct {
			ID           string
			Schulnummer  *string
			Untersuchung *struct {
				UntersuchtAm *string `json:"untersucht_am"`
				Ergebnis     *string
			}
		}
	}
	seen := func(token string) (k kohorte, raw string) {
		resp, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/kinder?limit=1000", token: token})
		if resp.StatusCode != 200 || json.Unmarshal(body, &k) != nil {
			t.Fatalf("cohort: %d %s", resp.StatusCode, body)
		}
		return k, string(body)
	}
	k, _ := seen(amt)
	offen, schuleVonB := 0, ""
	for _, x := range k.Items {
		switch {
		case x.Untersuchung == nil:
			t.Fatalf("school office: child without the untersuchung field")
		case x.ID == b:
			if x.Untersuchung.Ergebnis == nil || *x.Untersuchung.Ergebnis != "zurueckstellung_pruefen" {
				t.Errorf("child b on the cohort: %+v", x.Untersuchung)
			}
			if x.Schulnummer != nil {
				schuleVonB = *x.Schulnummer
			}
		case x.ID == a:
			if x.Untersuchung.Ergebnis == nil || *x.Untersuchung.Ergebnis != "untersucht" {
				t.Errorf("child a on the cohort: %+v", x.Untersuchung)
			}
		case x.Untersuchung.Ergebnis == nil:
			offen++
		}
	}
	if offen != len(kinder)-2 {
		t.Errorf("%d children not yet examined on the cohort, want %d", offen, len(kinder)-2)
	}
	if _, raw := seen(e.token(auth.RoleBMS)); strings.Contains(raw, "untersuchung") || strings.Contains(raw, "zurueckstellung_pruefen") {
		t.Errorf("the BMS sees the health office's outcomes on the cohort")
	}
	type stand struct {
		Offen, Untersucht      int
		ZurueckstellungPruefen int `json:"zurueckstellung_pruefen"`
		FoerderbedarfPruefen   int `json:"foerderbedarf_pruefen"`
		NichtErschienen        int `json:"nicht_erschienen"`
	}
	var ueb struct {
		Items []struct {
			Schulnummer    string
			Untersuchungen *stand `json:"untersuchungen"`
		}
		OhneSchule *stand `json:"untersuchungen_ohne_schule"`
	}
	resp, body = e.do(call{method: "GET", path: "/v1/einschulung/2027-28/uebersicht", token: amt})
	if resp.StatusCode != 200 || json.Unmarshal(body, &ueb) != nil || ueb.OhneSchule == nil {
		t.Fatalf("overview: %d %s", resp.StatusCode, body)
	}
	alle := func(u *stand) int {
		return u.Offen + u.Untersucht + u.ZurueckstellungPruefen + u.FoerderbedarfPruefen + u.NichtErschienen
	}
	summe, zurueck := alle(ueb.OhneSchule), ueb.OhneSchule.ZurueckstellungPruefen
	for _, it := range ueb.Items {
		u := it.Untersuchungen
		if u == nil {
			t.Fatalf("overview without counts for the school office: %s", body)
		}
		summe += alle(u)
		if it.Schulnummer == schuleVonB && u.ZurueckstellungPruefen != 1 {
			t.Errorf("school %s: %+v, want the one deferral to consider", it.Schulnummer, u)
		}
		zurueck += u.ZurueckstellungPruefen
	}
	if summe != len(kinder) || zurueck != 1 {
		t.Errorf("overview counts %d children (%d deferrals to consider), cohort has %d", summe, zurueck, len(kinder))
	}
	if _, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/uebersicht", token: e.token(auth.RoleBMS)}); strings.Contains(string(body), "untersuch") {
		t.Errorf("the BMS sees examination counts: %s", body)
	}
	// Nothing beyond the examination: not the cohort with its decisions, not the register's imports.
	for _, p := range []string{"/v1/einschulung/2027-28/kinder", "/v1/einschulung/2027-28/liste.csv", "/v1/imports", "/v1/schulpflicht/faelle"} {
		if resp, _ := e.do(call{method: "GET", path: p, token: ga}); resp.StatusCode != 403 {
			t.Errorf("GET %s as gesundheitsamt: %d, want 403", p, resp.StatusCode)
		}
	}
}

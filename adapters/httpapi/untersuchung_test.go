package httpapi

import (
	"bytes"
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

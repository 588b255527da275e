package httpapi

import (
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/auth"
)

const sbExample = "../xschule/testdata/beispiele/XSchule_Schulbescheinigung_01.xml"

func readSBExample(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile(sbExample)
	if err != nil {
		t.Fatal(err)
	}
	return string(b)
}

func (e *env) postSchulbescheinigung(token, contentType, body string, header map[string]string) (int, []byte, string) {
	e.t.Helper()
	h := map[string]string{"Content-Type": contentType}
	for k, v := range header {
		h[k] = v
	}
	resp, out := e.do(call{method: "POST", path: "/v1/schulbescheinigungen", token: token, body: body, header: h})
	return resp.StatusCode, out, resp.Header.Get("Location")
}

func sbEnv(t *testing.T) (*env, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t)
	return newEnv(t, pool), pool
}

// The official example is accepted, and comes back value for value as
// XML and as the same JSON the POST answered.
func TestSchulbescheinigungOfficialExampleThroughAPI(t *testing.T) {
	t.Parallel()
	e, pool := sbEnv(t)
	orig := readSBExample(t)
	status, body, loc := e.postSchulbescheinigung(e.token(auth.RoleBMS), "application/xml", orig, map[string]string{"Idempotency-Key": "sb-1"})
	if status != 201 {
		t.Fatalf("POST = %d: %s", status, body)
	}
	var created schulbescheinigungJSON
	mustJSON(t, body, &created)
	if loc != "/v1/schulbescheinigungen/"+created.ID || created.Format != "xml" {
		t.Errorf("Location %q, answer %s", loc, body)
	}
	if created.Schueler.Familienname != "Muster" || created.Schueler.Vornamen != "Schülerin" || created.Schueler.Geburtsdatum != "2008-09-01" ||
		created.Schule.Name != "Kippenberg-Gymnasium" || created.Schule.Ort != "Bremen" || created.Schulbesuch.Ende != "2026-06-30" ||
		created.Schulbesuch.Jahrgangsstufe != "qualifikationsphase_2" || created.AusgestelltAm == nil || *created.AusgestelltAm != "2026-03-01" ||
		created.GueltigVon == nil || *created.GueltigVon != "2026-03-01" || created.GueltigBis != "2026-06-30" {
		t.Errorf("answer does not carry the example's values: %s", body)
	}

	resp, out := e.do(call{method: "GET", path: loc, token: e.token(auth.RoleSchulamt), header: map[string]string{"Accept": "application/xml"}})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
		t.Fatalf("GET as XML = %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), out)
	}
	want, got := swXMLLeaves(t, []byte(orig)), swXMLLeaves(t, out)
	if len(want) < 30 {
		t.Fatalf("only %d values in the example; the walker is broken", len(want))
	}
	for path, v := range want {
		if got[path] != v {
			t.Errorf("%s = %q, want %q", path, got[path], v)
		}
	}
	resp, js := e.do(call{method: "GET", path: loc, token: e.token(auth.RoleBMS)})
	var shown schulbescheinigungJSON
	mustJSON(t, js, &shown)
	if resp.StatusCode != 200 || !reflect.DeepEqual(shown, created) {
		t.Errorf("GET as JSON = %d %+v, want the answer to POST %+v", resp.StatusCode, shown, created)
	}

	// The same request with the same key: the first answer, no second record.
	status, again, loc2 := e.postSchulbescheinigung(e.token(auth.RoleBMS), "application/xml", orig, map[string]string{"Idempotency-Key": "sb-1"})
	if status != 201 || loc2 != loc || string(again) != string(body) {
		t.Errorf("replay = %d %q %s", status, loc2, again)
	}
	status, other, _ := e.postSchulbescheinigung(e.token(auth.RoleBMS), "application/xml", strings.Replace(orig, "Kippenberg", "Altes", 1),
		map[string]string{"Idempotency-Key": "sb-1"})
	if status != 422 {
		t.Errorf("same key, other body = %d %s", status, other)
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schulbescheinigungen"); n != 1 {
		t.Errorf("%d certificates stored, want 1", n)
	}
	// Every read of the certificate is in the audit trail, with its id.
	if n := swCount(t, pool, "SELECT count(*) FROM audit_log WHERE operation = 'GET /v1/schulbescheinigungen/:id' AND ressource LIKE '%' || $1 || '%'", created.ID); n != 2 {
		t.Errorf("%d audited reads of the certificate, want 2", n)
	}
}

// Problems come back all at once with XML paths (422); malformed XML is
// 400; JSON problems carry JSON pointers. Nothing is stored.
func TestSchulbescheinigungRefusals(t *testing.T) {
	t.Parallel()
	e, pool := sbEnv(t)
	amt := e.token(auth.RoleSchulamt)
	orig := readSBExample(t)
	broken := strings.Replace(orig, "<xsc:name>Muster</xsc:name>", "", 1)
	broken = strings.Replace(broken, "<xbd:jahrMonatTag>2008-09-01</xbd:jahrMonatTag>", "<xbd:jahrMonatTag>2008-02-30</xbd:jahrMonatTag>", 1)
	broken = strings.Replace(broken, "artderschule/gymnasium", "artderschule/lyzeum", 1)
	status, body, _ := e.postSchulbescheinigung(amt, "application/xml", broken, nil)
	root := "/xsc:" + xschule.NachrichtSchulbescheinigung
	got := swFieldErrors(t, status, body)
	for _, p := range []string{
		root + "/xsc:schueler/xsc:nameNatuerlichePerson/xsc:familienname",
		root + "/xsc:schueler/xsc:geburt/xsc:datum/xbd:jahrMonatTag",
		root + "/xsc:schule/xsc:schulform[1]/xsc:code/code",
	} {
		if got[p] == "" {
			t.Errorf("no problem at %s: %s", p, body)
		}
	}
	resp, body := e.do(call{method: "POST", path: "/v1/schulbescheinigungen", token: amt, body: orig[:400],
		header: map[string]string{"Content-Type": "application/xml"}})
	if resp.StatusCode != 400 {
		t.Errorf("malformed XML = %d %s", resp.StatusCode, body)
	}
	status, body, _ = e.postSchulbescheinigung(amt, "application/json",
		`{"schueler": {"familienname": "", "vornamen": "Clara", "geburtsdatum": "2012-13-01"}, "schule": {"name": ""},
		  "schulbesuch": {"beginn": "2026-08-01", "ende": "2026-07-31", "jahrgangsstufe": "klasse_9"}, "bemerkung": "x"}`, nil)
	got = swFieldErrors(t, status, body)
	for _, p := range []string{"/schueler/familienname", "/schueler/geburtsdatum", "/schule/name", "/schulbesuch/ende", "/schulbesuch/jahrgangsstufe", "/bemerkung"} {
		if got[p] == "" {
			t.Errorf("no problem at %s: %s", p, body)
		}
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schulbescheinigungen"); n != 0 {
		t.Errorf("%d certificates stored from refused input", n)
	}
	resp, _ = e.do(call{method: "GET", path: "/v1/schulbescheinigungen/00000000-0000-0000-0000-000000000000", token: amt})
	if resp.StatusCode != 404 {
		t.Errorf("unknown id = %d", resp.StatusCode)
	}
}

// JSON in, XSchule out; the list pages with items and next.
func TestSchulbescheinigungJSONAndList(t *testing.T) {
	t.Parallel()
	e, _ := sbEnv(t)
	bms := e.token(auth.RoleBMS)
	var ids []string
	for i, name := range []string{"Neumann", "Wagner", "Krüger"} {
		in := fmt.Sprintf(`{"schueler": {"familienname": %q, "vornamen": "Kind %d", "geburtsdatum": "2012-01-0%d", "geschlecht": "w"},
			"schule": {"name": "Gymnasium Am Markt", "ort": "Merseburg"}, "schulbesuch": {"beginn": "2026-08-01", "jahrgangsstufe": "jahrgangsstufe_9"},
			"ausgestellt_am": "2026-08-20"}`, name, i, i+1)
		status, body, _ := e.postSchulbescheinigung(bms, "application/json", in, nil)
		if status != 201 {
			t.Fatalf("POST %d = %d %s", i, status, body)
		}
		var c schulbescheinigungJSON
		mustJSON(t, body, &c)
		// Without an end the certificate confirms the school year it starts in.
		if c.GueltigVon == nil || *c.GueltigVon != "2026-08-01" || c.GueltigBis != "2027-07-31" || c.Format != "json" {
			t.Errorf("validity %v – %s", c.GueltigVon, c.GueltigBis)
		}
		ids = append(ids, c.ID)
	}
	resp, out := e.do(call{method: "GET", path: "/v1/schulbescheinigungen/" + ids[0], token: bms, header: map[string]string{"Accept": "application/xml"}})
	if resp.StatusCode != 200 {
		t.Fatalf("GET XML = %d %s", resp.StatusCode, out)
	}
	b, _, err := xschule.DecodeSchulbescheinigung(out)
	if err != nil {
		t.Fatalf("the message does not decode: %v\n%s", err, out)
	}
	if b.Schueler.Name.Familienname.Name != "Neumann" || b.Schulname() != "Gymnasium Am Markt" || b.Schulbesuch.Zeitraum.Beginn.String() != "2026-08-01" ||
		b.Schulbesuch.Jahrgangsstufe.Value != "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_9" {
		t.Errorf("message lost values: %s", out)
	}
	type pg struct {
		Items []schulbescheinigungJSON `json:"items"`
		Next  *string                  `json:"next"`
	}
	var p1, p2 pg
	_, body := e.do(call{method: "GET", path: "/v1/schulbescheinigungen?limit=2", token: e.token(auth.RoleSchulamt)})
	mustJSON(t, body, &p1)
	if len(p1.Items) != 2 || p1.Items[0].ID != ids[0] || p1.Items[1].ID != ids[1] || p1.Next == nil {
		t.Fatalf("first page %s", body)
	}
	_, body = e.do(call{method: "GET", path: "/v1/schulbescheinigungen?limit=2&after=" + *p1.Next, token: e.token(auth.RoleSchulamt)})
	mustJSON(t, body, &p2)
	if len(p2.Items) != 1 || p2.Items[0].ID != ids[2] || p2.Next != nil {
		t.Fatalf("second page %s", body)
	}
	if resp, body := e.do(call{method: "GET", path: "/v1/schulbescheinigungen?after=x", token: bms}); resp.StatusCode != 422 {
		t.Errorf("after=x = %d %s", resp.StatusCode, body)
	}
}

// sbFor is the official example, made out for another child and period.
func sbFor(t *testing.T, familienname, vorname, geburtsdatum, beginn, ende string) string {
	t.Helper()
	s := readSBExample(t)
	for _, r := range [][2]string{
		{"<xsc:name>Muster</xsc:name>", "<xsc:name>" + familienname + "</xsc:name>"},
		{"<xsc:name>Schülerin</xsc:name>", "<xsc:name>" + vorname + "</xsc:name>"},
		{"<xbd:jahrMonatTag>2008-09-01</xbd:jahrMonatTag>", "<xbd:jahrMonatTag>" + geburtsdatum + "</xbd:jahrMonatTag>"},
		{"<xsc:ende>2026-06-30</xsc:ende>", "<xsc:beginn>" + beginn + "</xsc:beginn><xsc:ende>" + ende + "</xsc:ende>"},
	} {
		if !strings.Contains(s, r[0]) {
			t.Fatalf("example changed: %s missing", r[0])
		}
		s = strings.Replace(s, r[0], r[1], 1)
	}
	return s
}

// The reconciliation counts a certificate whose validity covers the
// stichtag as attendance, matched like every other source; the child's
// case shows it and is closed with schule_ausserhalb.
func TestSchulpflichtCountsSchulbescheinigung(t *testing.T) {
	t.Parallel()
	e, _ := einschulungEnv(t)
	amt := e.token(auth.RoleSchulamt)
	status, imp, body := e.upload(amt, "kind=melderegister", "register.csv", []byte(spRegister))
	if status != 202 {
		t.Fatalf("register: %d %s", status, body)
	}
	if done := e.await(amt, imp.ID); done.Status != "succeeded" {
		t.Fatalf("register: %+v", done)
	}
	// Clara's certificate for the last school year does not cover the stichtag.
	if st, b, _ := e.postSchulbescheinigung(e.token(auth.RoleBMS), "application/xml", sbFor(t, "Neumann", "Clara", "2012-01-01", "2025-08-01", "2026-07-31"), nil); st != 201 {
		t.Fatalf("old certificate: %d %s", st, b)
	}
	// Only certificates, no pupil list: the run is forced on purpose.
	a := e.startAbgleichMit(amt, `{"stichtag":"2026-09-15","force":true}`)
	if c := byOM(e.zuordnungen(amt, a.ID, "", 100))["OM-3"]; c.Entscheidung != "none" || c.Schueler != nil {
		t.Fatalf("Clara with an expired certificate: %+v", c)
	}
	faelle := e.faelle(amt, "")
	var fallID string
	for _, f := range faelle {
		if f.Kind.Ordnungsmerkmal != nil && *f.Kind.Ordnungsmerkmal == "OM-3" && f.Status == "offen" {
			fallID = f.ID
		}
	}
	if fallID == "" {
		t.Fatalf("no open case for Clara: %+v", faelle)
	}

	// Her school sends this year's certificate (first name spelled with an
	// accent, as schools do): the next run finds her there.
	st, b, _ := e.postSchulbescheinigung(e.token(auth.RoleSchulamt), "application/xml", sbFor(t, "Neumann", "Clára", "2012-01-01", "2026-08-01", "2027-07-31"), nil)
	if st != 201 {
		t.Fatalf("certificate: %d %s", st, b)
	}
	a2 := e.startAbgleichMit(amt, `{"stichtag":"2026-09-15","force":true}`)
	c := byOM(e.zuordnungen(amt, a2.ID, "", 100))["OM-3"]
	if c.Entscheidung != "auto" || c.Schueler == nil || c.Schueler.Quelle != "schulbescheinigung" || !strings.HasPrefix(c.Schueler.ID, "schulbescheinigung:") ||
		c.Schueler.Schulname == nil || *c.Schueler.Schulname != "Kippenberg-Gymnasium" || c.Begruendung == "" {
		t.Fatalf("Clara with this year's certificate: %+v %+v", c, c.Schueler)
	}
	if a2.Counts.None != a.Counts.None-1 || a2.Counts.Auto != a.Counts.Auto+1 {
		t.Errorf("counts %+v after %+v", a2.Counts, a.Counts)
	}
	var fall fallJSON
	for _, f := range e.faelle(amt, "") {
		if f.ID == fallID {
			fall = f
		}
	}
	if fall.LetzterAbgleichID != a2.ID || fall.LetzteEntscheidung != "auto" {
		t.Errorf("the case does not show the certificate's match: %+v", fall)
	}
	resp, out := e.do(call{method: "PATCH", path: "/v1/schulpflicht/faelle/" + fallID, token: amt, body: `{"status":"erledigt","grund":"schule_ausserhalb"}`,
		header: map[string]string{"Content-Type": "application/merge-patch+json"}})
	if resp.StatusCode != 200 {
		t.Fatalf("close case: %d %s", resp.StatusCode, out)
	}
	// A reviewer may reject the pair like any other.
	urteil := fmt.Sprintf(`{"kind_id":%q,"schueler_id":%q,"bestaetigt":false}`, c.KindID, c.Schueler.ID)
	if resp, body := e.do(call{method: "POST", path: "/v1/schulpflicht/urteile", token: amt, body: urteil}); resp.StatusCode != 201 {
		t.Errorf("urteil on a certificate: %d %s", resp.StatusCode, body)
	}
}

package httpapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"io"
	"net/http"
	"os"
	"path/filepath"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"sync"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"
	"github.com/getkin/kin-openapi/openapi3filter"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/auth"
)

func init() {
	// kin-openapi has no XML decoder; an XSchule message is checked as a string.
	openapi3filter.RegisterBodyDecoder("application/xml", func(r io.Reader, _ http.Header, _ *openapi3.SchemaRef, _ openapi3filter.EncodingFn) (any, error) {
		b, err := io.ReadAll(r)
		return string(b), err
	})
}

// schulwechselEnv is a gateway with the city's schools 20101, 20102
// (kommunal) and 20107 (frei).
func schulwechselEnv(t *testing.T) (*env, *pgxpool.Pool) {
	t.Helper()
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	if _, err := pool.Exec(context.Background(), `INSERT INTO schulen (schulnummer, name, schulform, traeger) VALUES
		('20101', 'Grundschule Am Anger', 'grundschule', 'kommunal'),
		('20102', 'Grundschule Lindenplatz', 'grundschule', 'kommunal'),
		('20107', 'Freie Grundschule Regenbogen', 'grundschule', 'frei')`); err != nil {
		t.Fatal(err)
	}
	return e, pool
}

func (e *env) postSchulwechsel(token, contentType, body string, header map[string]string) (*http.Response, []byte) {
	e.t.Helper()
	h := map[string]string{"Content-Type": contentType}
	for k, v := range header {
		h[k] = v
	}
	return e.do(call{method: "POST", path: "/v1/schulwechsel", token: token, body: body, header: h})
}

func swCount(t *testing.T, pool *pgxpool.Pool, sql string, args ...any) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// swFieldErrors gives pointer → code of a 422 problem.
func swFieldErrors(t *testing.T, status int, body []byte) map[string]string {
	t.Helper()
	if status != 422 {
		t.Fatalf("status %d, want 422: %s", status, body)
	}
	got := map[string]string{}
	for _, f := range problemOf(t, body).Errors {
		if f.Message == "" {
			t.Errorf("%s has no message", f.Pointer)
		}
		got[f.Pointer] = f.Code
	}
	return got
}

// swXMLLeaves lists every text value and attribute of a document by its path
// (namespace URIs, 1-based index among same-named siblings).
func swXMLLeaves(t *testing.T, data []byte) map[string]string {
	t.Helper()
	type frame struct {
		path     string
		counts   map[string]int
		text     strings.Builder
		hasChild bool
	}
	stack := []*frame{{counts: map[string]int{}}}
	out := map[string]string{}
	dec := xml.NewDecoder(bytes.NewReader(data))
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			return out
		}
		if err != nil {
			t.Fatal(err)
		}
		switch tk := tok.(type) {
		case xml.StartElement:
			p := stack[len(stack)-1]
			p.hasChild = true
			n := "{" + tk.Name.Space + "}" + tk.Name.Local
			p.counts[n]++
			f := &frame{path: p.path + "/" + n + "[" + strconv.Itoa(p.counts[n]) + "]", counts: map[string]int{}}
			for _, a := range tk.Attr {
				if a.Name.Space != "xmlns" && a.Name.Local != "xmlns" {
					out[f.path+"/@{"+a.Name.Space+"}"+a.Name.Local] = a.Value
				}
			}
			stack = append(stack, f)
		case xml.EndElement:
			f := stack[len(stack)-1]
			stack = stack[:len(stack)-1]
			if !f.hasChild {
				out[f.path] = f.text.String()
			}
		case xml.CharData:
			stack[len(stack)-1].text.Write(tk)
		}
	}
}

func TestSchulwechselOfficialExamplesRoundTrip(t *testing.T) {
	t.Parallel()
	e, _ := schulwechselEnv(t)
	files, err := filepath.Glob("../xschule/testdata/beispiele/XSchule_Wechsel_*.xml")
	if err != nil || len(files) != 4 {
		t.Fatalf("examples: %v, %v", files, err)
	}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			orig, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			resp, body := e.postSchulwechsel(e.token(auth.RoleBMS), "application/xml", string(orig), nil)
			if resp.StatusCode != 201 {
				t.Fatalf("POST = %d: %s", resp.StatusCode, body)
			}
			var created schulwechselJSON
			mustJSON(t, body, &created)
			if loc := resp.Header.Get("Location"); loc != "/v1/schulwechsel/"+created.ID || created.Format != "xml" || created.Bewegung != "ausserhalb" {
				t.Errorf("Location %q, answer %+v", loc, created)
			}

			resp, out := e.do(call{method: "GET", path: "/v1/schulwechsel/" + created.ID, token: e.token(auth.RoleSchulamt),
				header: map[string]string{"Accept": "application/xml"}})
			if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/xml") {
				t.Fatalf("GET as XML = %d %s: %s", resp.StatusCode, resp.Header.Get("Content-Type"), out)
			}
			want, got := swXMLLeaves(t, orig), swXMLLeaves(t, out)
			if len(want) < 40 {
				t.Fatalf("only %d values in the example; the walker is broken", len(want))
			}
			for path, v := range want {
				if got[path] != v {
					t.Errorf("%s = %q, want %q", path, got[path], v)
				}
			}

			resp, js := e.do(call{method: "GET", path: "/v1/schulwechsel/" + created.ID, token: e.token(auth.RoleAdmin)})
			var shown schulwechselJSON
			mustJSON(t, js, &shown)
			if resp.StatusCode != 200 || !reflect.DeepEqual(shown, created) {
				t.Errorf("GET as JSON = %d %+v, want the answer to POST %+v", resp.StatusCode, shown, created)
			}
		})
	}
}

// The JSON view of an XSchule message carries its values.
func TestSchulwechselXMLShownAsJSON(t *testing.T) {
	t.Parallel()
	e, _ := schulwechselEnv(t)
	orig, err := os.ReadFile("../xschule/testdata/beispiele/XSchule_Wechsel_01.xml")
	if err != nil {
		t.Fatal(err)
	}
	resp, body := e.postSchulwechsel(e.token(auth.RoleBMS), "application/xml; charset=utf-8", string(orig), nil)
	if resp.StatusCode != 201 {
		t.Fatalf("POST = %d: %s", resp.StatusCode, body)
	}
	var got schulwechselJSON
	mustJSON(t, body, &got)
	want := schulwechselJSON{
		ID: got.ID, Format: "xml", Bewegung: "ausserhalb", CreatedAt: got.CreatedAt,
		Schueler: schuelerJSON{Familienname: "Mustermann", Vornamen: "Maximilian", Geburtsdatum: "2019-02-26", Schuelernummer: "7568522"},
		Sorgeberechtigte: []sorgeberechtigterJSON{
			{Art: "1", Familienname: "Mustermann", Vornamen: "Peter", Anschrift: &anschriftJSON{Strasse: "Musterstraße", Hausnummer: "84", PLZ: "79104", Ort: "Freiburg im Breisgau"}},
			{Art: "2", Familienname: "Mustermann", Vornamen: "Sabine", Anschrift: &anschriftJSON{Strasse: "Musterstraße", Hausnummer: "84", PLZ: "79104", Ort: "Freiburg im Breisgau"}},
		},
		Aufnahme: &aufnahmeJSON{Schulnummer: "BY_106345", Name: "Musterschule im Breisgau", Datum: "2025-09-01",
			Jahrgangsstufe: "jahrgangsstufe_2", ArtDerSchulaufnahme: "schulwechsel_ausserhalb_schulbezirk"},
		BisherigeSchule: &bisherigeSchuleJSON{Schulnummer: "BB_106124", Name: "Grundschule Potsdam", Abgangsdatum: "2025-07-01"},
	}
	if !reflect.DeepEqual(got, want) {
		t.Errorf("got  %+v\nwant %+v", got, want)
	}
}

const swLeaJSON = `{
	"schueler": {"familienname": "Müller", "vornamen": "Lea Marie", "geburtsdatum": "2018-03-04", "geschlecht": "w",
		"schuelernummer": "4711", "anschrift": {"strasse": "Rosenweg", "hausnummer": "12a", "plz": "06108", "ort": "Musterstadt", "ortsteil": "Altstadt"}},
	"sorgeberechtigte": [
		{"art": "2", "familienname": "Müller", "vornamen": "Anna", "anschrift": {"strasse": "Rosenweg", "hausnummer": "12a", "plz": "06108", "ort": "Musterstadt"},
		 "zukuenftige_anschrift": {"strasse": "Parkallee", "hausnummer": "3", "plz": "06110", "ort": "Musterstadt"}},
		{"art": "9", "organisation": "Jugendamt Musterstadt"}
	],
	"aufnahme": {"schulnummer": "20107", "name": "Freie Grundschule Regenbogen", "datum": "2026-02-02", "jahrgangsstufe": "jahrgangsstufe_2",
		"art_der_schulaufnahme": "einschulung_schule_freier_traegerschaft"},
	"bisherige_schule": {"schulnummer": "20101", "name": "Grundschule Am Anger", "abgangsdatum": "2026-01-30"}
}`

func TestSchulwechselJSON(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	if _, err := pool.Exec(context.Background(), `INSERT INTO schueler (schluessel, schulnummer, schuelernummer, familienname, vornamen, geburtsdatum, jahrgangsstufe)
		VALUES ('20101/sn:4711', '20101', '4711', 'Müller', 'Lea Marie', '2018-03-04', 1)`); err != nil {
		t.Fatal(err)
	}
	resp, body := e.postSchulwechsel(e.token(auth.RoleSchulamt), "application/json", swLeaJSON, nil)
	if resp.StatusCode != 201 {
		t.Fatalf("POST = %d: %s", resp.StatusCode, body)
	}
	var created schulwechselJSON
	mustJSON(t, body, &created)
	var in schulwechselInput
	mustJSON(t, []byte(swLeaJSON), &in)
	want := schulwechselJSON{ID: created.ID, Format: "json", Bewegung: "innerhalb", CreatedAt: created.CreatedAt,
		Schueler: in.Schueler, Sorgeberechtigte: in.Sorgeberechtigte, Aufnahme: in.Aufnahme, BisherigeSchule: in.BisherigeSchule}
	if !reflect.DeepEqual(created, want) {
		t.Errorf("answer %+v\nwant   %+v", created, want)
	}
	// The pupil left the city's school and is recorded at the free school.
	if n := swCount(t, pool, `SELECT count(*) FROM schueler WHERE (schulnummer, status) IN (('20101', 'abgegangen'), ('20107', 'aktiv'))
		AND schuelernummer = '4711'`); n != 2 {
		t.Errorf("pupil records not moved (%d of 2)", n)
	}

	resp, out := e.do(call{method: "GET", path: "/v1/schulwechsel/" + created.ID, token: e.token(auth.RoleBMS),
		header: map[string]string{"Accept": "text/html, application/xml;q=0.9, application/json;q=0.5"}})
	if resp.StatusCode != 200 || resp.Header.Get("Vary") != "Accept" {
		t.Fatalf("GET as XML = %d %v: %s", resp.StatusCode, resp.Header, out)
	}
	w, err := xschule.Decode(out)
	if err != nil {
		t.Fatalf("the message does not decode: %v\n%s", err, out)
	}
	if sn, _ := w.Schueler.Schuelernummer(); sn != "4711" || w.Schueler.Geschlecht.Value != "w" ||
		w.Aufnahme.Art.Code.Value != "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/einschulung_schule_freier_traegerschaft" ||
		w.Aufnahme.Jahrgangsstufe.Value != "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_2" ||
		w.Sorgeberechtigte[0].ZukuenftigeAnschrift.Anschrift.Strasse != "Parkallee" || w.Sorgeberechtigte[1].Organisation.Name.Name != "Jugendamt Musterstadt" ||
		w.BisherigeSchule.Zeitraum.Ende.String() != "2026-01-30" {
		t.Errorf("message lost values: %s", out)
	}

	// A second change, then the list in pages.
	resp, body = e.postSchulwechsel(e.token(auth.RoleBMS), "application/json", strings.Replace(swLeaJSON, `"20101", "name": "Grundschule Am Anger"`, `"BB_1", "name": "Grundschule Potsdam"`, 1), nil)
	if resp.StatusCode != 201 {
		t.Fatalf("second POST = %d: %s", resp.StatusCode, body)
	}
	var second schulwechselJSON
	mustJSON(t, body, &second)
	if second.Bewegung != "zuzug" {
		t.Errorf("Bewegung %q, want zuzug", second.Bewegung)
	}
	type page struct {
		Items []schulwechselJSON `json:"items"`
		Next  *string            `json:"next"`
	}
	var p1, p2, p3 page
	_, b := e.do(call{method: "GET", path: "/v1/schulwechsel?limit=1", token: e.token(auth.RoleAdmin)})
	mustJSON(t, b, &p1)
	if len(p1.Items) != 1 || p1.Items[0].ID != created.ID || p1.Next == nil {
		t.Fatalf("first page %s", b)
	}
	_, b = e.do(call{method: "GET", path: "/v1/schulwechsel?limit=1&since=" + *p1.Next, token: e.token(auth.RoleAdmin)})
	mustJSON(t, b, &p2)
	if len(p2.Items) != 1 || p2.Items[0].ID != second.ID || !reflect.DeepEqual(p2.Items[0], second) {
		t.Fatalf("second page %s", b)
	}
	_, b = e.do(call{method: "GET", path: "/v1/schulwechsel?since=" + *p2.Next, token: e.token(auth.RoleAdmin)})
	mustJSON(t, b, &p3)
	if len(p3.Items) != 0 || p3.Next == nil || *p3.Next != *p2.Next {
		t.Errorf("third page %s", b)
	}
	// since is the old name of after: both read the same page.
	var byAfter page
	_, b = e.do(call{method: "GET", path: "/v1/schulwechsel?limit=1&after=" + *p1.Next, token: e.token(auth.RoleAdmin)})
	mustJSON(t, b, &byAfter)
	if !reflect.DeepEqual(byAfter, p2) {
		t.Errorf("after=%s gave %s, since gave %+v", *p1.Next, b, p2)
	}
	_, b = e.do(call{method: "GET", path: "/v1/schulwechsel?since=2999-01-01T00:00:00Z", token: e.token(auth.RoleAdmin)})
	if !strings.Contains(string(b), `"items":[]`) {
		t.Errorf("future since: %s", b)
	}
}

func TestSchulwechselAbgangOhneAufnahme(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	if _, err := pool.Exec(context.Background(), `INSERT INTO schueler (schluessel, schulnummer, familienname, vornamen, geburtsdatum, jahrgangsstufe)
		VALUES ('20101/p:schulz|tom|2018-06-05', '20101', 'Schulz', 'Tom', '2018-06-05', 2)`); err != nil {
		t.Fatal(err)
	}
	abgang := `{"schueler": {"familienname": "Schulz", "vornamen": "Tom", "geburtsdatum": "2018-06-05"},
		"bisherige_schule": {"schulnummer": "20101", "abgangsdatum": "2026-03-02"}}`
	resp, body := e.postSchulwechsel(e.token(auth.RoleBMS), "application/json", abgang, nil)
	if resp.StatusCode != 201 {
		t.Fatalf("POST = %d: %s", resp.StatusCode, body)
	}
	var got schulwechselJSON
	mustJSON(t, body, &got)
	if got.Bewegung != "abgang" || got.Aufnahme != nil || got.BisherigeSchule.Abgangsdatum != "2026-03-02" {
		t.Errorf("answer %s", body)
	}
	if n := swCount(t, pool, "SELECT count(*) FROM offene_abgaenge WHERE schulwechsel_id = $1 AND frist = '2026-03-16' AND geschlossen_durch IS NULL", got.ID); n != 1 {
		t.Error("no open departure recorded")
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schueler WHERE familienname = 'Schulz' AND status = 'aktiv'"); n != 0 {
		t.Error("the pupil is still active at the school he left")
	}
	resp, body = e.do(call{method: "GET", path: "/v1/schulwechsel/" + got.ID, token: e.token(auth.RoleBMS), header: map[string]string{"Accept": "application/xml"}})
	if resp.StatusCode != 200 || !strings.Contains(string(body), "<xsc:ende>2026-03-02</xsc:ende>") || strings.Contains(string(body), "aufnehmendeSchule") {
		t.Errorf("GET as XML = %d, want an XSchule Abgang without aufnehmendeSchule: %s", resp.StatusCode, body)
	}

	// Without the day of leaving it is refused.
	resp, body = e.postSchulwechsel(e.token(auth.RoleBMS), "application/json", strings.Replace(abgang, `, "abgangsdatum": "2026-03-02"`, "", 1), nil)
	if got := swFieldErrors(t, resp.StatusCode, body); !reflect.DeepEqual(got, map[string]string{"/bisherige_schule/abgangsdatum": "pflichtfeld_fehlt"}) {
		t.Errorf("errors %v", got)
	}
}

func TestSchulwechselReportsAllProblems(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	tok := e.token(auth.RoleBMS)
	orig, err := os.ReadFile("../xschule/testdata/beispiele/XSchule_Wechsel_01.xml")
	if err != nil {
		t.Fatal(err)
	}
	const root = "/xsc:schueler.wechsel.0001"
	tests := []struct {
		name, contentType, body string
		want                    map[string]string
	}{
		{"JSON: every field at once", "application/json", `{
			"schueler": {"familienname": "", "vornamen": 7, "geburtsdatum": "2018-02-30", "geschlecht": "q", "farbe": "blau"},
			"sorgeberechtigte": [{"art": "1"}, {"art": "2", "familienname": "A", "organisation": "B"}],
			"aufnahme": {"schulnummer": "20101", "datum": "2026-08", "jahrgangsstufe": "jahrgangsstufe_99", "art_der_schulaufnahme": "umzug"},
			"bisherige_schule": {"abgangsdatum": "gestern"},
			"notiz": "x"}`,
			map[string]string{
				"/schueler/familienname": "pflichtfeld_fehlt", "/schueler/vornamen": "typ_falsch", "/schueler/geburtsdatum": "datum_ungueltig",
				"/schueler/geschlecht": "code_unbekannt", "/schueler/farbe": "feld_unbekannt",
				"/sorgeberechtigte/0/familienname": "pflichtfeld_fehlt", "/sorgeberechtigte/1": "person_oder_organisation",
				"/aufnahme/datum": "datum_ungueltig", "/aufnahme/jahrgangsstufe": "code_unbekannt",
				"/aufnahme/art_der_schulaufnahme": "code_unbekannt", "/bisherige_schule/abgangsdatum": "datum_ungueltig", "/notiz": "feld_unbekannt",
			}},
		{"JSON: neither admission nor previous school", "application/json", `{"schueler": {"familienname": "A", "vornamen": "B", "geburtsdatum": "2018-01-01"}}`,
			map[string]string{"/aufnahme": "pflichtfeld_fehlt"}},
		{"XML: unknown code and missing name", "application/xml", strings.NewReplacer(
			"jahrgangsstufe/jahrgangsstufe_2<", "jahrgangsstufe/jahrgangsstufe_99<",
			"<xsc:familienname>\n                <xsc:name>Mustermann</xsc:name>\n            </xsc:familienname>", "").Replace(string(orig)),
			map[string]string{
				root + "/xsc:aufnehmendeSchule/xsc:aufnahme/xsc:jahrgang/code":    "code_unbekannt",
				root + "/xsc:schueler/xsc:nameNatuerlichePerson/xsc:familienname": "pflichtfeld_fehlt",
			}},
		{"XML: birth date without day", "application/xml",
			strings.Replace(string(orig), "<xbd:jahrMonatTag>2019-02-26</xbd:jahrMonatTag>", "<xbd:jahrMonat>2019-02</xbd:jahrMonat>", 1),
			map[string]string{root + "/xsc:schueler/xsc:geburt/xsc:datum": "geburtsdatum_unvollstaendig"}},
		{"XML: DOCTYPE", "application/xml", `<?xml version="1.0"?><!DOCTYPE x [<!ENTITY a "b">]><x>&a;</x>`,
			map[string]string{"/": "doctype_verboten"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			resp, body := e.postSchulwechsel(tok, tc.contentType, tc.body, nil)
			if got := swFieldErrors(t, resp.StatusCode, body); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors\n got  %v\n want %v", got, tc.want)
			}
		})
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schulwechsel"); n != 0 {
		t.Errorf("%d refused changes were stored", n)
	}
}

func TestSchulwechselRefusals(t *testing.T) {
	t.Parallel()
	e, _ := schulwechselEnv(t)
	tests := []struct {
		name   string
		call   call
		roles  []auth.Role
		status int
	}{
		{"POST without token", call{method: "POST", path: "/v1/schulwechsel", body: swLeaJSON}, nil, 401},
		{"POST as planung", call{method: "POST", path: "/v1/schulwechsel", body: swLeaJSON}, []auth.Role{auth.RolePlanung}, 403},
		{"POST as admin", call{method: "POST", path: "/v1/schulwechsel", body: swLeaJSON}, []auth.Role{auth.RoleAdmin}, 403},
		{"POST as text", call{method: "POST", path: "/v1/schulwechsel", body: swLeaJSON, header: map[string]string{"Content-Type": "text/plain"}}, []auth.Role{auth.RoleBMS}, 415},
		{"POST broken JSON", call{method: "POST", path: "/v1/schulwechsel", body: `{"schueler":`}, []auth.Role{auth.RoleBMS}, 400},
		{"POST JSON array", call{method: "POST", path: "/v1/schulwechsel", body: `[{}]`}, []auth.Role{auth.RoleBMS}, 400},
		{"POST JSON too large", call{method: "POST", path: "/v1/schulwechsel", body: `{"x":"` + strings.Repeat("x", BodyLimit) + `"}`}, []auth.Role{auth.RoleBMS}, 413},
		{"POST with a bad Idempotency-Key", call{method: "POST", path: "/v1/schulwechsel", body: swLeaJSON, header: map[string]string{"Idempotency-Key": "mit leerzeichen"}},
			[]auth.Role{auth.RoleBMS}, 400},
		{"GET as planung", call{method: "GET", path: "/v1/schulwechsel"}, []auth.Role{auth.RolePlanung}, 403},
		{"GET unknown", call{method: "GET", path: "/v1/schulwechsel/00000000-0000-0000-0000-000000000000"}, []auth.Role{auth.RoleAdmin}, 404},
		{"GET malformed id", call{method: "GET", path: "/v1/schulwechsel/abc"}, []auth.Role{auth.RoleAdmin}, 404},
		{"list with bad since and limit", call{method: "GET", path: "/v1/schulwechsel?since=gestern&limit=0"}, []auth.Role{auth.RoleBMS}, 422},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			c := tt.call
			if tt.roles != nil {
				c.token = e.token(tt.roles...)
			}
			resp, body := e.do(c)
			if resp.StatusCode != tt.status {
				t.Fatalf("status %d, want %d: %s", resp.StatusCode, tt.status, body)
			}
			if p := problemOf(t, body); p.Status != tt.status || p.Detail == "" {
				t.Errorf("incomplete problem %+v", p)
			}
		})
	}
}

func TestSchulwechselIdempotencyKey(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	if _, err := pool.Exec(context.Background(), `INSERT INTO schueler (schluessel, schulnummer, schuelernummer, familienname, vornamen, geburtsdatum, jahrgangsstufe)
		VALUES ('20101/sn:4711', '20101', '4711', 'Müller', 'Lea Marie', '2018-03-04', 1)`); err != nil {
		t.Fatal(err)
	}
	tok := e.token(auth.RoleBMS)
	key := map[string]string{"Idempotency-Key": "8e03978e-40d5-43e8-bc93-6894a57f9324"}

	r1, b1 := e.postSchulwechsel(tok, "application/json", swLeaJSON, key)
	r2, b2 := e.postSchulwechsel(tok, "application/json", swLeaJSON, key)
	if r1.StatusCode != 201 || r2.StatusCode != r1.StatusCode || !bytes.Equal(b1, b2) || r2.Header.Get("Location") != r1.Header.Get("Location") {
		t.Errorf("retry answered %d %s, first %d %s", r2.StatusCode, b2, r1.StatusCode, b1)
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schulwechsel"); n != 1 {
		t.Errorf("%d records after a retry, want 1", n)
	}
	r3, b3 := e.postSchulwechsel(tok, "application/json", strings.Replace(swLeaJSON, "2026-02-02", "2026-02-03", 1), key)
	if r3.StatusCode != 422 || problemOf(t, b3).Detail == "" {
		t.Errorf("same key, other body: %d %s", r3.StatusCode, b3)
	}
	// Without a key, the same body on the same day is recognised as the
	// same message (issue 15; it used to be stored again).
	if r, b := e.postSchulwechsel(tok, "application/json", swLeaJSON, nil); r.StatusCode != 201 || !bytes.Equal(b, b1) {
		t.Errorf("without key: %d %s", r.StatusCode, b)
	}

	// Retries racing each other: one write, one answer.
	before := swCount(t, pool, "SELECT count(*) FROM schulwechsel")
	xml, err := os.ReadFile("../xschule/testdata/beispiele/XSchule_Wechsel_02.xml")
	if err != nil {
		t.Fatal(err)
	}
	const n = 8
	bodies := make([][]byte, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			resp, body := e.postSchulwechsel(tok, "application/xml", string(xml), map[string]string{"Idempotency-Key": "race"})
			if resp.StatusCode != 201 {
				t.Errorf("request %d: %d %s", i, resp.StatusCode, body)
			}
			bodies[i] = body
		}()
	}
	wg.Wait()
	for i := range n {
		if !bytes.Equal(bodies[i], bodies[0]) {
			t.Errorf("request %d answered %s, request 0 %s", i, bodies[i], bodies[0])
		}
	}
	if got := swCount(t, pool, "SELECT count(*) FROM schulwechsel") - before; got != 1 {
		t.Errorf("%d concurrent retries wrote %d records, want 1", n, got)
	}
	var keys []string
	rows, err := pool.Query(context.Background(), "SELECT subject || ' ' || key FROM idempotency_keys")
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var k string
		rows.Scan(&k) //nolint:errcheck
		keys = append(keys, k)
	}
	sort.Strings(keys)
	if want := []string{"test-user 8e03978e-40d5-43e8-bc93-6894a57f9324", "test-user race"}; !reflect.DeepEqual(keys, want) {
		t.Errorf("stored keys %q, want %q", keys, want)
	}
}

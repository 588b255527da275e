package httpapi

import (
	"bytes"
	"context"
	"encoding/xml"
	"errors"
	"io"
	"net/url"
	"os"
	"path/filepath"
	"reflect"
	"regexp"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// sharedBeispiele is the publisher's example material as shipped beside the
// repository; the repository keeps a copy of the Schulwechsel examples in
// ../xschule/testdata/beispiele.
const sharedBeispiele = "/work/shared/xschule/examples"

// swBeispiele returns the official XSchule examples that are Schulwechsel
// messages (root schueler.wechsel.0001), from the repository's copy and,
// where present, the shipped material; other messages (Schulbescheinigung)
// are left out by their root element, not by name.
func swBeispiele(t *testing.T) map[string][]byte {
	t.Helper()
	out := map[string][]byte{}
	for _, dir := range []string{"../xschule/testdata/beispiele", sharedBeispiele} {
		files, err := filepath.Glob(filepath.Join(dir, "*.xml"))
		if err != nil {
			t.Fatal(err)
		}
		for _, f := range files {
			data, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			dec := xml.NewDecoder(bytes.NewReader(data))
			for {
				tok, err := dec.Token()
				if errors.Is(err, io.EOF) || err != nil {
					t.Fatalf("%s: no root element: %v", f, err)
				}
				if se, ok := tok.(xml.StartElement); ok {
					if se.Name.Local == "schueler.wechsel.0001" {
						out[f] = data
					}
					break
				}
			}
		}
	}
	if len(out) < 4 {
		t.Fatalf("only %d Schulwechsel examples found", len(out))
	}
	return out
}

// swVersionVariant rewrites an example as another release of the standard
// might write it: other version segments in the code URIs of the embedded
// lists and other listVersionIDs (see adapters/xschule versionVariant). n
// is the number of code elements changed.
func swVersionVariant(data []byte) (out []byte, n int) {
	s := string(data)
	for _, r := range [][2]string{
		{"/def/kmk/1.0/code/", "/def/kmk/2019/code/"},
		{"/def/xschule/2025-11-13/code/versetzungstyp/", "/def/xschule/2025-11-01/code/versetzungstyp/"},
		{"/def/xschule/1.0/code/", "/def/xschule/1.1/code/"},
		{"/def/xbildung/1.0/code/", "/def/xbildung/2020/code/"},
		{"/def/xschule/2025-02-25/code/artderschulaufnahme/", "/def/xschule/2025-11-13/code/artderschulaufnahme/"},
	} {
		n += strings.Count(s, "<code>http://xschule.digital"+r[0]) + strings.Count(s, "<code>http://xbildung.de"+r[0])
		s = strings.ReplaceAll(s, r[0], r[1])
	}
	s = regexp.MustCompile(`<xsc:code>(\s*<code>[^<]*/versetzungstyp/)`).ReplaceAllString(s, `<xsc:code listVersionID="2025-11-01">$1`)
	s = regexp.MustCompile(`(listURI="urn:xschule-digital:kmk:codeliste:foerderschwerpunkt"\s*listVersionID=)"1.0"`).ReplaceAllString(s, `$1"2019"`)
	return []byte(s), n
}

func TestSchulwechselEveryOfficialExampleAccepted(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	for name, data := range swBeispiele(t) {
		t.Run(filepath.Base(filepath.Dir(name))+"/"+filepath.Base(name), func(t *testing.T) {
			resp, body := e.postSchulwechsel(e.token(auth.RoleBMS), "application/xml", string(data), nil)
			if resp.StatusCode != 201 {
				t.Fatalf("POST = %d: %s", resp.StatusCode, body)
			}
			var got schulwechselJSON
			mustJSON(t, body, &got)
			if len(got.Hinweise) != 0 || got.Klaerung != nil {
				t.Errorf("the official example needed notes: %s", body)
			}
			// Nothing to normalise: kept exactly as received.
			var stored, eingang []byte
			if err := pool.QueryRow(context.Background(), "SELECT nachricht, nachricht_eingang FROM schulwechsel WHERE id = $1", got.ID).
				Scan(&stored, &eingang); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(stored, data) || eingang != nil {
				t.Error("the message was not kept as received")
			}
		})
	}
}

func TestSchulwechselVersionVariantsStoredCanonical(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	for name, orig := range swBeispiele(t) {
		if strings.HasPrefix(name, sharedBeispiele) {
			continue // the same messages as the repository's copy: their variants would be repeats
		}
		t.Run(filepath.Base(name), func(t *testing.T) {
			variant, n := swVersionVariant(orig)
			if n < 5 {
				t.Fatalf("only %d codes changed", n)
			}
			resp, body := e.postSchulwechsel(e.token(auth.RoleBMS), "application/xml", string(variant), nil)
			if resp.StatusCode != 201 {
				t.Fatalf("POST = %d: %s", resp.StatusCode, body)
			}
			var created schulwechselJSON
			mustJSON(t, body, &created)
			if len(created.Hinweise) != n {
				t.Errorf("%d notes for %d changed codes: %s", len(created.Hinweise), n, body)
			}
			for _, h := range created.Hinweise {
				if h.Code != "code_normalisiert" || !strings.HasPrefix(h.Pointer, "/xsc:schueler.wechsel.0001/") || h.Message == "" {
					t.Errorf("note %+v", h)
				}
			}

			// Stored in canonical form: every value of the official example,
			// no old version; the message as received kept beside it.
			var stored, eingang []byte
			if err := pool.QueryRow(context.Background(), "SELECT nachricht, nachricht_eingang FROM schulwechsel WHERE id = $1", created.ID).
				Scan(&stored, &eingang); err != nil {
				t.Fatal(err)
			}
			if !bytes.Equal(eingang, variant) {
				t.Error("the message as received is not kept")
			}
			for _, old := range []string{"/kmk/2019/", "2025-11-01", "/xschule/1.1/", "/xbildung/2020/", `"2019"`} {
				if bytes.Contains(stored, []byte(old)) {
					t.Errorf("stored message still has %s", old)
				}
			}
			want, got := swXMLLeaves(t, orig), swXMLLeaves(t, stored)
			for path, v := range want {
				if got[path] != v {
					t.Errorf("stored %s = %q, want %q", path, got[path], v)
				}
			}

			// Sent back canonical, with the notes.
			resp, out := e.do(call{method: "GET", path: "/v1/schulwechsel/" + created.ID, token: e.token(auth.RoleSchulamt),
				header: map[string]string{"Accept": "application/xml"}})
			if resp.StatusCode != 200 || !bytes.Equal(out, stored) {
				t.Errorf("GET as XML = %d, not the stored canonical message", resp.StatusCode)
			}
			resp, js := e.do(call{method: "GET", path: "/v1/schulwechsel/" + created.ID, token: e.token(auth.RoleBMS)})
			var shown schulwechselJSON
			mustJSON(t, js, &shown)
			if resp.StatusCode != 200 || !reflect.DeepEqual(shown, created) {
				t.Errorf("GET as JSON = %d %s, want the answer to POST", resp.StatusCode, js)
			}
		})
	}
}

func TestSchulwechselCodeInNoVersionRefused(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	orig, err := os.ReadFile("../xschule/testdata/beispiele/XSchule_Wechsel_02.xml")
	if err != nil {
		t.Fatal(err)
	}
	const p = "/xsc:schueler.wechsel.0001/xsc:aufnehmendeSchule/xsc:aufnahme"
	for name, tc := range map[string]struct {
		old, new string
		want     map[string]string
	}{
		"unknown grade in another version": {"http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_9",
			"http://xschule.digital/def/xschule/2.0/code/jahrgangsstufe/jahrgangsstufe_14",
			map[string]string{p + "/xsc:jahrgang/code": "code_unbekannt"}},
		"known code under no version": {"http://xschule.digital/def/xschule/2025-11-13/code/versetzungstyp/versetzung",
			"http://xschule.digital/def/xschule/aktuell/code/versetzungstyp/versetzung",
			map[string]string{p + "/xsc:versetzungsOderAusnahmetatbestandstyp/xsc:code/code": "code_unbekannt"}},
	} {
		t.Run(name, func(t *testing.T) {
			if !bytes.Contains(orig, []byte(tc.old)) {
				t.Fatalf("%s not in the example", tc.old)
			}
			resp, body := e.postSchulwechsel(e.token(auth.RoleBMS), "application/xml", string(bytes.Replace(orig, []byte(tc.old), []byte(tc.new), 1)), nil)
			if got := swFieldErrors(t, resp.StatusCode, body); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("errors %v, want %v", got, tc.want)
			}
		})
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schulwechsel"); n != 0 {
		t.Errorf("%d refused messages stored", n)
	}
}

func TestSchulwechselMalformedXMLIs400(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	orig, err := os.ReadFile("../xschule/testdata/beispiele/XSchule_Wechsel_01.xml")
	if err != nil {
		t.Fatal(err)
	}
	for name, body := range map[string]string{
		"unclosed root":         `<xsc:schueler.wechsel.0001 xmlns:xsc="http://xschule.digital/def/xschule/1.2/xsd">`,
		"truncated example":     string(orig[:len(orig)/2]),
		"mismatched end tag":    strings.Replace(string(orig), "</xsc:schueler>", "</xsc:schuler>", 1),
		"two root elements":     string(orig) + "<x/>",
		"text after the root":   string(orig) + "Ende",
		"empty":                 "",
		"not XML at all":        "Schüler Lea wechselt",
		"unescaped ampersand":   strings.Replace(string(orig), "<xsc:name>Mustermann</xsc:name>", "<xsc:name>Mustermann & Co</xsc:name>", 1),
		"attribute not guarded": strings.Replace(string(orig), `listVersionID="2024-08-01"`, `listVersionID=2024-08-01`, 1),
	} {
		t.Run(name, func(t *testing.T) {
			resp, out := e.postSchulwechsel(e.token(auth.RoleBMS), "application/xml", body, nil)
			if resp.StatusCode != 400 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "application/problem+json") {
				t.Fatalf("status %d %s, want 400 problem+json: %s", resp.StatusCode, resp.Header.Get("Content-Type"), out)
			}
			if p := problemOf(t, out); p.Status != 400 || !strings.Contains(p.Detail, "XML") {
				t.Errorf("problem %+v", p)
			}
		})
	}
	// Well-formed but not the message: 422 with the XML path.
	resp, out := e.postSchulwechsel(e.token(auth.RoleBMS), "application/xml", `<schulwechsel><schueler/></schulwechsel>`, nil)
	if got := swFieldErrors(t, resp.StatusCode, out); !reflect.DeepEqual(got, map[string]string{"/schulwechsel": "wurzelelement_falsch"}) {
		t.Errorf("wrong root: %v", got)
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schulwechsel"); n != 0 {
		t.Errorf("%d refused messages stored", n)
	}
}

// Issue 15, point 1, through the API.
func TestSchulwechselOnePupilOnePlace(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO schueler (schluessel, schulnummer, schuelernummer, familienname, vornamen, geburtsdatum, jahrgangsstufe) VALUES
		('20101/sn:4711', '20101', '4711', 'Müller', 'Lea Marie', '2018-03-04', 1),
		('20101/p:schulz|tom|2018-06-05', '20101', NULL, 'Schulz', 'Tom', '2018-06-05', 2),
		('20101/sn:999', '20101', '999', 'Schulz', 'Tom', '2018-06-05', 3),
		('20101/p:alt|anton|2017-01-09', '20101', NULL, 'Alt', 'Anton', '2017-01-09', 3)`); err != nil {
		t.Fatal(err)
	}
	bms, amt := e.token(auth.RoleBMS), e.token(auth.RoleSchulamt)
	aktiv := func(geburtsdatum string) []string {
		t.Helper()
		rows, err := pool.Query(ctx, "SELECT schulnummer FROM schueler WHERE geburtsdatum = $1 AND status = 'aktiv' ORDER BY 1", geburtsdatum)
		if err != nil {
			t.Fatal(err)
		}
		defer rows.Close()
		var out []string
		for rows.Next() {
			var s string
			if err := rows.Scan(&s); err != nil {
				t.Fatal(err)
			}
			out = append(out, s)
		}
		return out
	}

	// Without Schülernummer: found by name and birth date, the old record closed.
	ohneNummer := strings.Replace(swLeaJSON, `"schuelernummer": "4711", `, "", 1)
	resp, body := e.postSchulwechsel(bms, "application/json", ohneNummer, nil)
	if resp.StatusCode != 201 {
		t.Fatalf("POST = %d: %s", resp.StatusCode, body)
	}
	if got := aktiv("2018-03-04"); !reflect.DeepEqual(got, []string{"20107"}) {
		t.Errorf("Lea active at %v, want only 20107", got)
	}

	// Two Toms with that name and birth date at 20101: refused, naming the count.
	tom := `{"schueler": {"familienname": "Schulz", "vornamen": "Tom", "geburtsdatum": "2018-06-05"},
		"aufnahme": {"schulnummer": "20102", "datum": "2026-02-02", "jahrgangsstufe": "jahrgangsstufe_3", "art_der_schulaufnahme": "schulwechsel_ausserhalb_schulbezirk"},
		"bisherige_schule": {"schulnummer": "20101", "abgangsdatum": "2026-01-30"}}`
	resp, body = e.postSchulwechsel(bms, "application/json", tom, nil)
	if got := swFieldErrors(t, resp.StatusCode, body); !reflect.DeepEqual(got, map[string]string{"/schueler": "schueler_mehrdeutig"}) {
		t.Errorf("errors %v", got)
	}
	if p := problemOf(t, body); len(p.Errors) != 1 || !strings.Contains(p.Errors[0].Message, "2 aktive Schüler") {
		t.Errorf("the refusal does not name the count: %s", body)
	}
	if got := aktiv("2018-06-05"); !reflect.DeepEqual(got, []string{"20101", "20101"}) {
		t.Errorf("Toms active at %v", got)
	}

	// A pupil 20101 does not know: an open question, no active pupil.
	nina := `{"schueler": {"familienname": "Neu", "vornamen": "Nina", "geburtsdatum": "2017-04-04"},
		"aufnahme": {"schulnummer": "20102", "datum": "2026-02-02", "jahrgangsstufe": "jahrgangsstufe_3", "art_der_schulaufnahme": "schulwechsel_ausserhalb_schulbezirk"},
		"bisherige_schule": {"schulnummer": "20101", "abgangsdatum": "2026-01-30"}}`
	r1, b1 := e.postSchulwechsel(bms, "application/json", nina, nil)
	if r1.StatusCode != 202 {
		t.Fatalf("unknown pupil: %d %s", r1.StatusCode, b1)
	}
	var q schulwechselJSON
	mustJSON(t, b1, &q)
	if q.Klaerung == nil || q.Klaerung.Grund != "schueler_unbekannt" || q.Klaerung.Schule != "20101" || !strings.Contains(q.Klaerung.Text, "nicht als aktiver Schüler") ||
		q.Bewegung != "innerhalb" || r1.Header.Get("Location") != "/v1/schulwechsel/"+q.ID {
		t.Errorf("answer %s", b1)
	}
	if got := aktiv("2017-04-04"); len(got) != 0 {
		t.Errorf("unknown pupil active at %v", got)
	}

	// The same message again without Idempotency-Key: the first answer, one feed entry.
	r2, b2 := e.postSchulwechsel(bms, "application/json", nina, nil)
	if r2.StatusCode != r1.StatusCode || !bytes.Equal(b2, b1) || r2.Header.Get("Location") != r1.Header.Get("Location") {
		t.Errorf("repeat answered %d %s, first %d %s", r2.StatusCode, b2, r1.StatusCode, b1)
	}
	if n := swCount(t, pool, "SELECT count(*) FROM change_feed_eintraege WHERE entity = 'schulwechsel' AND entity_id = $1", q.ID); n != 1 {
		t.Errorf("%d feed entries, want 1", n)
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schulwechsel WHERE personenschluessel = 'p:neu|nina|2017-04-04'"); n != 1 {
		t.Errorf("%d records, want 1", n)
	}

	// An Abgang long past its frist.
	resp, body = e.postSchulwechsel(bms, "application/json", `{"schueler": {"familienname": "Alt", "vornamen": "Anton", "geburtsdatum": "2017-01-09"},
		"bisherige_schule": {"schulnummer": "20101", "abgangsdatum": "2026-03-02"}}`, nil)
	if resp.StatusCode != 201 {
		t.Fatalf("Abgang: %d %s", resp.StatusCode, body)
	}
	var abgang schulwechselJSON
	mustJSON(t, body, &abgang)

	// The school office's list: the open question and the overdue departure.
	resp, body = e.do(call{method: "GET", path: "/v1/schulwechsel/offen", token: amt})
	if resp.StatusCode != 200 {
		t.Fatalf("GET offen = %d %s", resp.StatusCode, body)
	}
	var offen struct {
		Items []offenerPunktJSON `json:"items"`
	}
	mustJSON(t, body, &offen)
	if len(offen.Items) != 2 {
		t.Fatalf("items %s", body)
	}
	k, a := offen.Items[0], offen.Items[1]
	if k.Art != "klaerung" || k.SchulwechselID != q.ID || k.Familienname != "Neu" || k.Geburtsdatum != "2017-04-04" || k.Schule != "20101" ||
		k.Aufnehmende == nil || *k.Aufnehmende != "20102" || k.Text == "" {
		t.Errorf("open question %+v", k)
	}
	if a.Art != "abgang_ueberfaellig" || a.SchulwechselID != abgang.ID || a.Seit != "2026-03-02" || a.Frist == nil || *a.Frist != "2026-03-16" ||
		a.Schule != "20101" || !strings.Contains(a.Text, "16.03.2026") {
		t.Errorf("overdue departure %+v", a)
	}
	// Paged like every list: one entry a page, the second through next.
	var p1, p2 struct {
		Items []offenerPunktJSON `json:"items"`
		Next  *string            `json:"next"`
	}
	_, body = e.do(call{method: "GET", path: "/v1/schulwechsel/offen?limit=1", token: amt})
	mustJSON(t, body, &p1)
	if len(p1.Items) != 1 || p1.Next == nil || p1.Items[0].SchulwechselID != k.SchulwechselID {
		t.Fatalf("first page %s", body)
	}
	_, body = e.do(call{method: "GET", path: "/v1/schulwechsel/offen?limit=1&after=" + url.QueryEscape(*p1.Next), token: amt})
	mustJSON(t, body, &p2)
	if len(p2.Items) != 1 || p2.Next != nil || p2.Items[0].SchulwechselID != a.SchulwechselID {
		t.Errorf("second page %s", body)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/schulwechsel/offen", token: bms}); resp.StatusCode != 403 {
		t.Errorf("BMS reads the school office's list: %d", resp.StatusCode)
	}
}

// The case on a list the gateway did not write: a pupil of the
// LibreOffice sample list of 20101 (with Schüler-ID) changes to 20102 by a
// message without Schülernummer, with name and birth date as the list has
// them. The city still counts one active pupil per child.
func TestSchulwechselSampleListPupilKeepsOnePlace(t *testing.T) {
	t.Parallel()
	e, pool := schulwechselEnv(t)
	amt := e.token(auth.RoleSchulamt)
	status, imp, body := e.upload(amt, "kind=schueler&schulnummer=20101", "schueler_20101_libreoffice.xlsx", sample(t, "schueler_20101_libreoffice.xlsx"))
	if status != 202 {
		t.Fatalf("upload: %d %s", status, body)
	}
	if done := e.await(amt, imp.ID); done.Status != "succeeded" {
		t.Fatalf("import: %+v", done)
	}
	const aktiv = "SELECT count(*) FROM schueler WHERE status = 'aktiv'"
	before := swCount(t, pool, aktiv)
	if before < 100 {
		t.Fatalf("only %d pupils imported", before)
	}
	var fam, vor, geb, sn string
	if err := pool.QueryRow(context.Background(), `SELECT familienname, vornamen, geburtsdatum::text, schuelernummer FROM schueler
		WHERE schuelernummer IS NOT NULL ORDER BY id LIMIT 1`).Scan(&fam, &vor, &geb, &sn); err != nil {
		t.Fatal(err)
	}
	msg := `{"schueler": {"familienname": "` + fam + `", "vornamen": "` + vor + `", "geburtsdatum": "` + geb + `"},
		"aufnahme": {"schulnummer": "20102", "datum": "2026-02-02", "jahrgangsstufe": "jahrgangsstufe_2", "art_der_schulaufnahme": "schulwechsel_ausserhalb_schulbezirk"},
		"bisherige_schule": {"schulnummer": "20101", "abgangsdatum": "2026-01-30"}}`
	resp, body := e.postSchulwechsel(e.token(auth.RoleBMS), "application/json", msg, nil)
	if resp.StatusCode != 201 {
		t.Fatalf("POST = %d: %s", resp.StatusCode, body)
	}
	if after := swCount(t, pool, aktiv); after != before {
		t.Errorf("%d active pupils after the change, %d before", after, before)
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schueler WHERE status = 'aktiv' AND geburtsdatum = $1 AND familienname = $2 AND vornamen = $3", geb, fam, vor); n != 1 {
		t.Errorf("the child is active %d times", n)
	}
	if n := swCount(t, pool, "SELECT count(*) FROM schueler WHERE status = 'abgegangen' AND schulnummer = '20101' AND schuelernummer = $1", sn); n != 1 {
		t.Error("the record of the list was not closed")
	}
}

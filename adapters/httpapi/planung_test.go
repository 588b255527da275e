package httpapi

import (
	"archive/zip"
	"bytes"
	"context"
	"encoding/csv"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/jackc/pgx/v5/pgxpool"
	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// planungEnv: Grundschule 1001 (1 Zug × 20) and Sekundarschule 2001 with
// the history of the worked example in internal/planung (2022–2024 here),
// and a resident child whose name must never show.
func planungEnv(t *testing.T) (*env, *pgxpool.Pool) {
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	ctx := context.Background()
	stmts := []string{
		`INSERT INTO schulen (schulnummer, name, schulform, zuege, klassenfrequenz) VALUES
			('1001', 'Grundschule Am Anger', 'grundschule', 1, 20), ('2001', 'Sekundarschule Nord', 'sekundarschule', 2, 25)`,
		`INSERT INTO planung_kohorten VALUES ('1001', 2022, 40), ('1001', 2023, 50), ('1001', 2024, 40), ('1001', 2025, 60), ('1001', 2026, 30)`,
		`INSERT INTO planung_schuelerzahlen VALUES
			('1001', 2022, 1, 20), ('1001', 2022, 2, 18), ('1001', 2022, 3, 20), ('1001', 2022, 4, 20),
			('1001', 2023, 1, 30), ('1001', 2023, 2, 19), ('1001', 2023, 3, 18), ('1001', 2023, 4, 20),
			('1001', 2024, 1, 24), ('1001', 2024, 2, 30), ('1001', 2024, 3, 19), ('1001', 2024, 4, 18),
			('2001', 2023, 5, 10), ('2001', 2024, 5, 8), ('2001', 2024, 6, 2)`,
		`INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer) VALUES
			('p:geheim', 'Geheimname', 'Vertraulich', '2021-01-01', 'Am Anger', '1')`,
	}
	for _, s := range stmts {
		if _, err := pool.Exec(ctx, s); err != nil {
			t.Fatal(err)
		}
	}
	return e, pool
}

func TestPlanungSchuelerzahlenUnterdrueckt(t *testing.T) {
	t.Parallel()
	e, _ := planungEnv(t)
	tok := e.token(auth.RolePlanung)
	resp, body := e.do(call{method: "GET", path: "/v1/planung/schuelerzahlen?von=2024-25&bis=2024-25", token: tok})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var all schuelerzahlenJSON
	mustJSON(t, body, &all)
	if len(all.Jahre) != 1 || !slices.Equal(all.Schuljahre, []string{"2022/23", "2023/24", "2024/25"}) || all.Schwelle != 3 {
		t.Fatalf("%s", body)
	}
	out := all.Jahre[0]
	if out.Schuljahr != "2024/25" || !slices.Equal(out.Jahrgangsstufen, []int{1, 2, 3, 4, 5, 6}) || len(out.Items) != 2 {
		t.Fatalf("%s", body)
	}
	// 2001 has 8 in grade 5 and 2 in grade 6: the 2 is suppressed, and so
	// is the 8, else the row total 10 gives it back. The column of grade
	// 6 has no other non-zero cell: a zero of 1001 goes with it.
	sek := out.Items[1]
	if sek.Schulnummer != "2001" || !sek.Stufen[5].Unterdrueckt || sek.Stufen[5].Anzahl != nil || !sek.Stufen[4].Unterdrueckt {
		t.Errorf("2001 row %+v", sek)
	}
	if sek.Summe.Anzahl == nil || *sek.Summe.Anzahl != 10 {
		t.Errorf("2001 total %+v", sek.Summe)
	}
	if strings.Contains(string(body), `"anzahl":2,`) || strings.Contains(string(body), `"anzahl":2}`) {
		t.Errorf("a 2 is published: %s", body)
	}
	if gs := out.Items[0]; gs.Stufen[0].Anzahl == nil || *gs.Stufen[0].Anzahl != 24 {
		t.Errorf("1001 row %+v", gs)
	}

	// Without bounds: every year, oldest first.
	_, body = e.do(call{method: "GET", path: "/v1/planung/schuelerzahlen", token: tok})
	mustJSON(t, body, &all)
	if len(all.Jahre) != 3 || all.Jahre[0].Schuljahr != "2022/23" {
		t.Errorf("years %s", body)
	}
	for path, want := range map[string]int{
		"/v1/planung/schuelerzahlen?von=neunzehn":            422,
		"/v1/planung/schuelerzahlen?von=2024-25&bis=2023-24": 422,
		"/v1/planung/schuelerzahlen?format=pdf":              422,
	} {
		if resp, body := e.do(call{method: "GET", path: path, token: tok}); resp.StatusCode != want {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}

// readCSV checks the form German Excel needs and gives the records.
func readCSV(t *testing.T, body []byte) [][]string {
	t.Helper()
	if !bytes.HasPrefix(body, []byte("\xef\xbb\xbf")) {
		t.Fatalf("no byte order mark: %q", body[:min(len(body), 20)])
	}
	r := csv.NewReader(bytes.NewReader(body[3:]))
	r.Comma = ';'
	r.FieldsPerRecord = -1
	recs, err := r.ReadAll()
	if err != nil {
		t.Fatal(err)
	}
	return recs
}

func TestPlanungSchuelerzahlenExporte(t *testing.T) {
	t.Parallel()
	e, _ := planungEnv(t)
	tok := e.token(auth.RoleSchulamt)
	resp, body := e.do(call{method: "GET", path: "/v1/planung/schuelerzahlen?von=2024-25&format=csv", token: tok})
	if resp.StatusCode != 200 || !strings.HasPrefix(resp.Header.Get("Content-Type"), "text/csv") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	recs := readCSV(t, body)
	want := [][]string{
		{"Schuljahr", "Schulnummer", "Schule", "Jahrgangsstufe 1", "Jahrgangsstufe 2", "Jahrgangsstufe 3", "Jahrgangsstufe 4", "Jahrgangsstufe 5", "Jahrgangsstufe 6", "Summe"},
	}
	if !slices.Equal(recs[0], want[0]) || len(recs) != 4 {
		t.Fatalf("%q", recs)
	}
	// 2001: 8 and 2 both suppressed, total 10 shown.
	if got := recs[2]; got[1] != "2001" || got[7] != "•" || got[8] != "•" || got[9] != "10" {
		t.Errorf("2001 %q", got)
	}
	if got := recs[3]; got[2] != "Alle Schulen" {
		t.Errorf("total row %q", got)
	}

	resp, body = e.do(call{method: "GET", path: "/v1/planung/schuelerzahlen?format=xlsx", token: tok})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Schülerzahlen", "Daten Grundschulen", "Diagramm Grundschulen", "Daten Sekundarschulen", "Diagramm Sekundarschulen"}) {
		t.Fatalf("sheets %v", got)
	}
	if panes, err := f.GetPanes("Schülerzahlen"); err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row not frozen: %+v", panes)
	}
	// Daten Sekundarschulen: 2001's totals 10 (2023/24) and 10 (2024/25), none in 2022/23.
	if got, _ := f.GetRows("Daten Sekundarschulen"); len(got) != 2 || got[0][5] != "Schüler 2023/24" || got[1][5] != "10" || got[1][6] != "10" {
		t.Errorf("chart data %q", got)
	}
	if n := bytes.Count(unzipNames(t, body), []byte("xl/chartsheets/sheet")); n != 2 {
		t.Errorf("%d chart sheets, want 2", n)
	}
	// 2022/23, 1001, grade 1 = 20: a number, not text.
	if v, _ := f.GetCellValue("Schülerzahlen", "D2"); v != "20" {
		t.Errorf("D2 %q", v)
	}
	if typ, _ := f.GetCellType("Schülerzahlen", "D2"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Errorf("D2 is text")
	}
}

// The numbers of internal/planung's worked example, one year earlier:
// grade 1 in 2025 = 60 × 1.7/3 = 34, grade 2 = 24 × 0.975 = 23.4,
// grade 3 = 30 × 1 = 30, grade 4 = 19 × 1 = 19; total 106.4 → 106, over 80 places.
func TestPlanungPrognoseHandgerechnet(t *testing.T) {
	t.Parallel()
	e, _ := planungEnv(t)
	tok := e.token(auth.RolePlanung)
	resp, body := e.do(call{method: "GET", path: "/v1/planung/prognose?ab=2025-26&jahre=2&k=3&schulnummer=1001", token: tok})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var p prognoseJSON
	mustJSON(t, body, &p)
	if len(p.Schulen) != 1 || p.Ab != "2025/26" || p.Bis != "2026/27" || p.K != 3 {
		t.Fatalf("%s", body)
	}
	s := p.Schulen[0]
	if s.Eingangsquote == nil || s.Eingangsquote.Wert == nil || fmt.Sprintf("%.4f", *s.Eingangsquote.Wert) != "0.5667" ||
		s.Durchgangsquoten["2"].Wert == nil || fmt.Sprintf("%.3f", *s.Durchgangsquoten["2"].Wert) != "0.975" || s.Uebergangsquote != nil {
		t.Errorf("quotas %+v %+v", s.Eingangsquote, s.Durchgangsquoten)
	}
	if *s.Jahre[0].Anzahl != 106 || *s.Jahre[0].Eingang != 34 || *s.Jahre[1].Anzahl != 104 || s.Kapazitaet != 80 || s.Zugkapazitaet != 20 {
		t.Errorf("years %+v", s.Jahre)
	}
	if !slices.Contains(s.Jahre[0].Flags, "ueber_kapazitaet") || s.Erstmals["ueber_kapazitaet"] != "2025/26" {
		t.Errorf("flags %+v %v", s.Jahre[0].Flags, s.Erstmals)
	}
	var g2 *prognoseItemJSON
	for i, it := range p.Items {
		if it.Schuljahr == "2025/26" && it.Jahrgangsstufe == 2 {
			g2 = &p.Items[i]
		}
	}
	if g2 == nil || g2.Schulnummer != "1001" || math.Abs(*g2.Wert-23.4) > 1e-9 || *g2.Anzahl != 23 {
		t.Errorf("grade 2 of 2025: %+v", g2)
	}
	if len(s.Kohorten) != 2 || *s.Kohorten[0].Anzahl != 60 || s.Kohorten[0].Schuljahr != "2025/26" {
		t.Errorf("cohorts %+v", s.Kohorten)
	}
	if strings.Contains(string(body), "Geheimname") {
		t.Error("a name in a planner's answer")
	}

	for path, want := range map[string]int{
		"/v1/planung/prognose?jahre=0":            422,
		"/v1/planung/prognose?k=x":                422,
		"/v1/planung/prognose?format=docx":        422,
		"/v1/planung/prognose?schulnummer=999999": 404,
		"/v1/planung/prognose?ab=2019-20":         404, // no data before
	} {
		if resp, body := e.do(call{method: "GET", path: path, token: tok}); resp.StatusCode != want {
			t.Errorf("%s: %d %s", path, resp.StatusCode, body)
		}
	}
}

// A Bezirk with 2 children due in 2026: that cohort is suppressed, and
// with it everything computed from it – grade 1 of 2026 (2 × 0.5667),
// grade 2 of 2027 (that × 0.975) and both years' totals – while 2025,
// computed from a cohort of 60, is shown.
func TestPlanungPrognoseKohorteUnterdrueckt(t *testing.T) {
	t.Parallel()
	e, pool := planungEnv(t)
	if _, err := pool.Exec(context.Background(), `UPDATE planung_kohorten SET anzahl = 2 WHERE schuljahr = 2026`); err != nil {
		t.Fatal(err)
	}
	resp, body := e.do(call{method: "GET", path: "/v1/planung/prognose?ab=2025-26&jahre=3&schulnummer=1001", token: e.token(auth.RolePlanung)})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var p prognoseJSON
	mustJSON(t, body, &p)
	s := p.Schulen[0]
	for _, k := range s.Kohorten {
		if hidden := k.Schuljahr != "2025/26"; k.Unterdrueckt != hidden || (k.Anzahl == nil) != hidden {
			t.Errorf("cohort %+v", k)
		}
	}
	for _, it := range p.Items {
		hidden := (it.Schuljahr == "2026/27" && it.Jahrgangsstufe == 1) || (it.Schuljahr == "2027/28" && it.Jahrgangsstufe <= 2)
		if it.Unterdrueckt != hidden || (it.Wert == nil) != hidden || (it.Anzahl == nil) != hidden {
			t.Errorf("item %+v", it)
		}
	}
	for _, j := range s.Jahre {
		if hidden := j.Schuljahr != "2025/26"; j.Unterdrueckt != hidden || (j.Anzahl == nil) != hidden {
			t.Errorf("year %+v", j)
		}
	}
	// No published number gives the 2 back: neither it nor 2 × quota.
	if regexp.MustCompile(`"(anzahl|wert)":(2|1\.13\d*)[,}]`).Match(body) {
		t.Errorf("suppressed value published: %s", body)
	}
}

func TestPlanungSzenario(t *testing.T) {
	t.Parallel()
	e, _ := planungEnv(t)
	tok := e.token(auth.RoleAdmin)
	// 10 more children a year from 2026: grade 1 2026 = 40 × 0.5667 = 22.67,
	// total 109.22 → 109 against 104.
	resp, body := e.do(call{method: "POST", path: "/v1/planung/prognose", token: tok,
		body: `{"ab": "2025-26", "jahre": 2, "zusaetze": [{"schulnummer": "1001", "kinder_pro_jahr": 10, "ab": "2026-27"}]}`})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var out prognoseJSON
	mustJSON(t, body, &out)
	var got []differenzJSON
	for _, d := range out.Differenzen {
		if d.Schulnummer == "1001" {
			got = append(got, d)
		}
	}
	if len(got) != 2 || *got[0].Differenz != 0 || *got[1].Basis != 104 || *got[1].Szenario != 109 || *got[1].Differenz != 5 {
		t.Errorf("%+v", got)
	}
	// Any quota: Durchgangsquote 2 of 1001 set to 1: grade 2 of 2025 = 24 × 1 = 24.
	resp, body = e.do(call{method: "POST", path: "/v1/planung/prognose?schulnummer=1001", token: tok,
		body: `{"ab": "2025-26", "jahre": 1, "durchgangsquoten": {"1001": {"2": 1}}}`})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	mustJSON(t, body, &out)
	if q := out.Schulen[0].Durchgangsquoten["2"]; q.Wert == nil || *q.Wert != 1 {
		t.Errorf("quota used %+v", q)
	}
	for _, it := range out.Items {
		if it.Jahrgangsstufe == 2 && *it.Wert != 24 {
			t.Errorf("grade 2 %+v", it)
		}
	}

	// The scenario as CSV: grade 2 of 2025 with the overridden quota 1.
	resp, body = e.do(call{method: "POST", path: "/v1/planung/prognose?schulnummer=1001&format=csv", token: tok,
		body: `{"ab": "2025-26", "jahre": 1, "durchgangsquoten": {"1001": {"2": 1}}}`})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if recs := readCSV(t, body); len(recs) != 6 || !slices.Equal(recs[2][4:8], []string{"2", "24", "24", "1"}) {
		t.Errorf("scenario csv %q", recs)
	}

	resp, body = e.do(call{method: "POST", path: "/v1/planung/prognose", token: tok,
		body: `{"jahre": 50, "eingangsquoten": {"1001": -1}, "zusaetze": [{"kinder_pro_jahr": 3}]}`})
	if resp.StatusCode != 422 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if p := problemOf(t, body); len(p.Errors) != 3 {
		t.Errorf("errors %+v", p.Errors)
	}
	// Children for the Bezirk of a Sekundarschule, a quota of no school.
	resp, body = e.do(call{method: "POST", path: "/v1/planung/prognose", token: tok,
		body: `{"uebergangsquoten": {"777777": 0.5}, "zusaetze": [{"schulnummer": "2001", "kinder_pro_jahr": 3}]}`})
	if resp.StatusCode != 422 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	if p := problemOf(t, body); len(p.Errors) != 2 {
		t.Errorf("errors %+v", p.Errors)
	}
}

func TestPlanungPrognoseCSV(t *testing.T) {
	t.Parallel()
	e, _ := planungEnv(t)
	resp, body := e.do(call{method: "GET", path: "/v1/planung/prognose?ab=2025-26&jahre=1&format=csv", token: e.token(auth.RolePlanung)})
	if resp.StatusCode != 200 || !strings.Contains(resp.Header.Get("Content-Disposition"), "prognose.csv") {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	recs := readCSV(t, body)
	if !slices.Equal(recs[0], []string{"Schulnummer", "Schule", "Schulart", "Schuljahr", "Jahrgangsstufe", "Anzahl", "Wert (ungerundet)", "Quote", "Kapazität", "Mindestgröße", "Hinweise"}) {
		t.Fatalf("header %q", recs[0])
	}
	// 1001 grade 2 of 2025: 24 × 0,975 = 23,4 → 23; the sum row 106,4 → 106.
	if got := recs[2]; !slices.Equal(got[:9], []string{"1001", "Grundschule Am Anger", "grundschule", "2025/26", "2", "23", "23,4", "0,975", "20"}) {
		t.Errorf("grade 2 row %q", got)
	}
	if got := recs[5]; got[4] != "Summe" || got[5] != "106" || got[6] != "106,4" || got[8] != "80" || !strings.Contains(got[10], "über Kapazität") {
		t.Errorf("sum row %q", got)
	}
}

func TestPlanungPrognoseXLSX(t *testing.T) {
	t.Parallel()
	e, _ := planungEnv(t)
	resp, body := e.do(call{method: "GET", path: "/v1/planung/prognose?ab=2025-26&jahre=3&format=xlsx", token: e.token(auth.RolePlanung)})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if got := f.GetSheetList(); !slices.Equal(got, []string{"Prognose", "Daten Grundschulen", "Diagramm Grundschulen", "Daten Sekundarschulen", "Diagramm Sekundarschulen"}) {
		t.Fatalf("sheets %v", got)
	}
	rows, err := f.GetRows("Prognose")
	if err != nil {
		t.Fatal(err)
	}
	if rows[0][0] != "Schulnummer" || rows[0][6] != "Wert (ungerundet)" || rows[2][4] != "2" || rows[2][5] != "23" {
		t.Errorf("rows %q", rows[:3])
	}
	raw, _ := f.GetCellValue("Prognose", "G3", excelize.Options{RawCellValue: true})
	if raw != "23.4" {
		t.Errorf("G3 raw %q, want the number 23.4", raw)
	}
	if typ, _ := f.GetCellType("Prognose", "G3"); typ == excelize.CellTypeSharedString || typ == excelize.CellTypeInlineString {
		t.Error("G3 is text, not a number")
	}
	panes, err := f.GetPanes("Prognose")
	if err != nil || !panes.Freeze || panes.YSplit != 1 {
		t.Errorf("header row not frozen: %+v %v", panes, err)
	}
	if w, _ := f.GetColWidth("Prognose", "B"); w < float64(len("Grundschule Am Anger")) {
		t.Errorf("column B %v wide, too narrow for the school's name", w)
	}
	// Daten Grundschulen: 1001 with 80 places, minimum 60, 106 in 2025/26.
	if got, _ := f.GetRows("Daten Grundschulen"); len(got) != 2 || got[1][2] != "80" || got[1][3] != "60" || got[1][4] != "106" {
		t.Errorf("chart data %q", got)
	}
	zr, err := zip.NewReader(bytes.NewReader(body), int64(len(body)))
	if err != nil {
		t.Fatal(err)
	}
	charts, chartsheets := 0, 0
	for _, zf := range zr.File {
		if strings.HasPrefix(zf.Name, "xl/charts/chart") {
			charts++
		}
		if strings.HasPrefix(zf.Name, "xl/chartsheets/sheet") {
			chartsheets++
		}
	}
	if charts != 2 || chartsheets != 2 {
		t.Errorf("%d charts on %d chart sheets, want one per school type", charts, chartsheets)
	}
}

// Back-test of the last year (2024) from 2022 and 2023 (k = 3, two there):
//
//	1001: Eingangsquote (20/40 + 30/50)/2 = 0.55 → grade 1 = 40 × 0.55 = 22
//	      Durchgangsquote 2 = 19/20 = 0.95 → grade 2 = 30 × 0.95 = 28.5
//	      grade 3 = 19 × 18/18 = 19, grade 4 = 18 × 20/20 = 18 → 87.5
//	      observed 24 + 30 + 19 + 18 = 91: error −3.5, APE 3.5/91 = 3.846 %
//	2001: Übergangsquote 10/20 → grade 5 = 20 × 0.5 = 10, grade 6 no quota:
//	      listed (10 against 10) but not in the MAPE.
//	MAPE = 3.846 % over n = 1.
func TestPlanungBacktest(t *testing.T) {
	t.Parallel()
	e, _ := planungEnv(t)
	resp, body := e.do(call{method: "GET", path: "/v1/planung/backtest?jahre=1&k=3", token: e.token(auth.RolePlanung)})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var b backtestJSON
	mustJSON(t, body, &b)
	if b.Ab != "2024/25" || b.Bis != "2024/25" || b.N != 1 || b.OhneQuote != 1 || b.OhneIst != 0 || len(b.Items) != 2 {
		t.Fatalf("%s", body)
	}
	gs := b.Items[0]
	if gs.Schulnummer != "1001" || *gs.Prognose != 87.5 || *gs.Ist != 91 || *gs.Fehler != -3.5 || math.Abs(*gs.APE-350.0/91) > 1e-9 {
		t.Errorf("1001 %+v", gs)
	}
	if b.MAPE == nil || math.Abs(*b.MAPE-350.0/91) > 1e-9 {
		t.Errorf("MAPE %v", b.MAPE)
	}
	resp, body = e.do(call{method: "GET", path: "/v1/planung/backtest?jahre=1&format=csv", token: e.token(auth.RolePlanung)})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	recs := readCSV(t, body)
	if got := recs[1]; !slices.Equal(got[:5], []string{"1001", "2024/25", "87,5", "91", "-3,5"}) || !strings.HasPrefix(got[5], "3,846") {
		t.Errorf("csv %q", got)
	}
	if last := recs[len(recs)-1]; last[0] != "MAPE" || !strings.HasPrefix(last[5], "3,846") {
		t.Errorf("MAPE row %q", last)
	}
	resp, body = e.do(call{method: "GET", path: "/v1/planung/backtest?jahre=1&format=xlsx", token: e.token(auth.RolePlanung)})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	f, err := excelize.OpenReader(bytes.NewReader(body))
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	if v, _ := f.GetCellValue("Rückblick", "C2", excelize.Options{RawCellValue: true}); v != "87.5" {
		t.Errorf("C2 %q", v)
	}
	if v, _ := f.GetCellValue("Rückblick", "A4"); v != "MAPE" {
		t.Errorf("A4 %q", v)
	}
	if v, _ := f.GetCellValue("Rückblick", "F4", excelize.Options{RawCellValue: true}); !strings.HasPrefix(v, "3.846") {
		t.Errorf("MAPE cell %q", v)
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/planung/backtest?jahre=3", token: e.token(auth.RolePlanung)}); resp.StatusCode != 404 {
		t.Errorf("no year before the back-test: %d", resp.StatusCode)
	}
}

func TestPlanungRollen(t *testing.T) {
	t.Parallel()
	e, _ := planungEnv(t)
	for r, want := range map[auth.Role]int{auth.RoleBMS: 403, auth.RoleSchulamt: 200, auth.RolePlanung: 200, auth.RoleAdmin: 200} {
		resp, _ := e.do(call{method: "GET", path: "/v1/planung/prognose", token: e.token(r)})
		if resp.StatusCode != want {
			t.Errorf("%s: %d", r, resp.StatusCode)
		}
	}
	if resp, _ := e.do(call{method: "GET", path: "/v1/planung/schuelerzahlen"}); resp.StatusCode != 401 {
		t.Errorf("no token: %d", resp.StatusCode)
	}
}

// personFields are the fields that describe a person (a child, a pupil).
var personFields = []string{"familienname", "vornamen", "vorname", "rufname", "geburtsdatum", "geschlecht", "sorgeberechtigte",
	"ordnungsmerkmal", "schuelernummer", "auskunftssperre", "kind_id", "pseudonym"}

// schemaFields collects every property name a schema can hold.
func schemaFields(s *openapi3.SchemaRef, seen map[*openapi3.Schema]bool, out map[string]bool) {
	if s == nil || s.Value == nil || seen[s.Value] {
		return
	}
	v := s.Value
	seen[v] = true
	for name, p := range v.Properties {
		out[name] = true
		schemaFields(p, seen, out)
	}
	schemaFields(v.Items, seen, out)
	if v.AdditionalProperties.Schema != nil {
		schemaFields(v.AdditionalProperties.Schema, seen, out)
	}
	for _, group := range []openapi3.SchemaRefs{v.AllOf, v.AnyOf, v.OneOf} {
		for _, x := range group {
			schemaFields(x, seen, out)
		}
	}
}

// The planung role reaches no operation that returns a person: derived
// from the contract (every operation whose x-roles name planung answers
// only schemas without a person's fields), then checked live – each such
// GET, as planung, on a database with a resident child and a pupil, must
// not mention them.
func TestPlanungRolleSiehtKeinePersonen(t *testing.T) {
	t.Parallel()
	doc := loadSpec(t)
	var reach []string
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			raw, _ := op.Extensions["x-roles"].([]any)
			if !slices.Contains(raw, any(string(auth.RolePlanung))) {
				continue
			}
			reach = append(reach, method+" "+path)
			fields := map[string]bool{}
			for code, r := range op.Responses.Map() {
				if !strings.HasPrefix(code, "2") || r.Value == nil {
					continue
				}
				for _, mt := range r.Value.Content {
					schemaFields(mt.Schema, map[*openapi3.Schema]bool{}, fields)
				}
			}
			for _, f := range personFields {
				if fields[f] {
					t.Errorf("%s %s is open to planung and answers %q", method, path, f)
				}
			}
		}
	}
	for _, want := range []string{"GET /v1/planung/prognose", "POST /v1/planung/prognose", "GET /v1/planung/backtest", "GET /v1/planung/schuelerzahlen"} {
		if !slices.Contains(reach, want) {
			t.Errorf("planung cannot reach %s", want)
		}
	}

	e, pool := planungEnv(t)
	if _, err := pool.Exec(context.Background(), `INSERT INTO schueler (schluessel, schulnummer, familienname, vornamen, geburtsdatum, jahrgangsstufe)
		VALUES ('1001/p:x', '1001', 'Schülername', 'Geheim', '2018-03-04', 2)`); err != nil {
		t.Fatal(err)
	}
	tok := e.token(auth.RolePlanung)
	param := regexp.MustCompile(`\{[^}]+\}`)
	for _, r := range reach {
		method, path, _ := strings.Cut(r, " ")
		if method != "GET" {
			continue
		}
		url := param.ReplaceAllString(path, "1001")
		if strings.Contains(path, "{schuljahr}") {
			url = strings.Replace(path, "{schuljahr}", "2027-28", 1)
		}
		if strings.Contains(path, "zuordnung") {
			url += "?strasse=Am%20Anger&hausnummer=1"
		}
		for _, format := range []string{"", "csv", "xlsx"} {
			u := url
			if format != "" {
				if !strings.HasPrefix(path, "/v1/planung/") {
					continue
				}
				u += "?format=" + format
			}
			_, body := e.do(call{method: method, path: u, token: tok})
			if format == "xlsx" {
				body = unzipAll(t, body)
			}
			for _, secret := range []string{"Geheimname", "Vertraulich", "Schülername", "2018-03-04", "04.03.2018", "2021-01-01"} {
				if bytes.Contains(body, []byte(secret)) {
					t.Errorf("%s as planung shows %q", u, secret)
				}
			}
		}
	}
}

// unzipAll is the text of every part of a workbook, to search it.
func unzipAll(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, zf := range zr.File {
		r, err := zf.Open()
		if err != nil {
			t.Fatal(err)
		}
		_, _ = out.ReadFrom(r)
		r.Close()
	}
	if !bytes.Contains(out.Bytes(), []byte("<worksheet")) {
		t.Fatal("no worksheet in the workbook")
	}
	return out.Bytes()
}

// The planners' history as they keep it (German Excel CSV: BOM,
// semicolons), uploaded by the school office with the import kinds
// schuelerzahlen and bevoelkerung, gives the worked example's forecast:
// 2025/26 at 1001 = 34 + 23.4 + 30 + 19 = 106.4 → 106.
func TestPlanungAusImportierterHistorie(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	if _, err := pool.Exec(context.Background(), `INSERT INTO schulen (schulnummer, name, schulform, zuege, klassenfrequenz) VALUES
		('1001', 'Grundschule Am Anger', 'grundschule', 1, 20), ('2001', 'Sekundarschule Nord', 'sekundarschule', 2, 25)`); err != nil {
		t.Fatal(err)
	}
	amt := e.token(auth.RoleSchulamt)
	zahlen := "\ufeffSchulnummer;Schuljahr;Jahrgangsstufe;Anzahl\r\n"
	for y, gs := range map[string][4]int{"2022/23": {20, 18, 20, 20}, "2023/24": {30, 19, 18, 20}, "2024/25": {24, 30, 19, 18}} {
		for g, n := range gs {
			zahlen += fmt.Sprintf("1001;%s;%d;%d\r\n", y, g+1, n)
		}
	}
	zahlen += "2001;2023/24;5;10\r\n2001;2024/25;5;8\r\n"
	kinder := "\ufeffGrundschulbezirk;Einschulungsjahr;Kinder\r\n" +
		"Grundschule Am Anger;2022/23;40\r\nGrundschule Am Anger;2023/24;50\r\nGrundschule Am Anger;2024/25;40\r\n1001;2025/26;60\r\n1001;2026/27;30\r\n"
	for kind, file := range map[string]string{"schuelerzahlen": zahlen, "bevoelkerung": kinder} {
		status, imp, body := e.upload(amt, "kind="+kind, kind+".csv", []byte(file))
		if status != 202 {
			t.Fatalf("%s: %d %s", kind, status, body)
		}
		if done := e.await(amt, imp.ID); done.Status != "succeeded" || done.Counts.Invalid != 0 {
			t.Fatalf("%s: %+v", kind, done)
		}
	}
	resp, body := e.do(call{method: "GET", path: "/v1/planung/prognose?ab=2025-26&jahre=1&schulnummer=1001", token: e.token(auth.RolePlanung)})
	if resp.StatusCode != 200 {
		t.Fatalf("%d %s", resp.StatusCode, body)
	}
	var p prognoseJSON
	mustJSON(t, body, &p)
	if j := p.Schulen[0].Jahre[0]; j.Anzahl == nil || *j.Anzahl != 106 || math.Abs(*j.Wert-106.4) > 1e-9 {
		t.Errorf("2025/26: %+v", j)
	}
}

func unzipNames(t *testing.T, b []byte) []byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatal(err)
	}
	var out bytes.Buffer
	for _, zf := range zr.File {
		out.WriteString(zf.Name + "\n")
	}
	return out.Bytes()
}

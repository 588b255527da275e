package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
)

// devToken signs in over HTTP as the pages do in dev mode.
func devToken(t *testing.T, gw *gateway, role string) string {
	t.Helper()
	resp, err := http.Post(gw.url+"/app/dev-token", "application/json", strings.NewReader(`{"role":"`+role+`"}`))
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out struct {
		AccessToken string `json:"access_token"`
	}
	if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode != 200 {
		t.Fatalf("dev-token: %d %v", resp.StatusCode, err)
	}
	return out.AccessToken
}

// importRegister imports a register through the API and waits for it.
func importRegister(t *testing.T, gw *gateway, rows [][]any) {
	t.Helper()
	tok := devToken(t, gw, "schulamt")
	f := excelize.NewFile()
	for i, r := range rows {
		f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r) //nolint:errcheck // fixed test data
	}
	var file, body bytes.Buffer
	if err := f.Write(&file); err != nil {
		t.Fatal(err)
	}
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", "register.xlsx")
	fw.Write(file.Bytes())
	mw.Close()
	req, _ := http.NewRequest("POST", gw.url+"/v1/imports?kind=melderegister", &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("upload: %v %v", resp.StatusCode, err)
	}
	loc := resp.Header.Get("Location")
	resp.Body.Close()
	deadline := time.Now().Add(timeout)
	for time.Now().Before(deadline) {
		req, _ := http.NewRequest("GET", gw.url+loc, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var imp struct{ Status, Detail string }
		json.NewDecoder(resp.Body).Decode(&imp) //nolint:errcheck // checked below
		resp.Body.Close()
		switch imp.Status {
		case "succeeded":
			return
		case "failed", "rejected":
			t.Fatalf("import %s: %s", imp.Status, imp.Detail)
		}
		time.Sleep(50 * time.Millisecond)
	}
	t.Fatal("import not done after 30s")
}

// seedHistory gives the planners five past school years of pupil counts
// and entry cohorts, as their own spreadsheets would.
func seedHistory(t *testing.T, gw *gateway) {
	t.Helper()
	var b strings.Builder
	b.WriteString("INSERT INTO planung_schuelerzahlen VALUES ")
	sep := ""
	schulen := map[string][2]int{"20101": {1, 4}, "20102": {1, 4}, "20103": {1, 4}, "20104": {1, 4}, "20105": {1, 4}, "20106": {1, 4},
		"20201": {5, 10}, "20202": {5, 10}, "20301": {5, 12}}
	i := 0
	for nr, st := range schulen {
		i++
		for y := 2021; y <= 2026; y++ {
			for g := st[0]; g <= st[1]; g++ {
				fmt.Fprintf(&b, "%s('%s', %d, %d, %d)", sep, nr, y, g, 30+(i*11+g*5+y*3)%35)
				sep = ", "
			}
		}
	}
	if _, err := gw.pool.Exec(t.Context(), b.String()); err != nil {
		t.Fatal(err)
	}
	b.Reset()
	b.WriteString("INSERT INTO planung_kohorten VALUES ")
	sep = ""
	for i, nr := range []string{"20101", "20102", "20103", "20104", "20105", "20106"} {
		for y := 2021; y <= 2032; y++ {
			fmt.Fprintf(&b, "%s('%s', %d, %d)", sep, nr, y, 45+(i*7+y*5)%30)
			sep = ", "
		}
	}
	if _, err := gw.pool.Exec(t.Context(), b.String()); err != nil {
		t.Fatal(err)
	}
}

// TestEinschulungAndPlanungPages: the school office sees the overview per
// school and downloads the list; a planner sees the forecast as table and
// chart, and no page with names.
func TestEinschulungAndPlanungPages(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	importRegister(t, gw, register(40, false))
	seedHistory(t, gw)
	ctx := startBrowser(t)
	downloads := allowDownloads(t, ctx)

	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Einschulung", chromedp.Navigate(gw.url+"/app/einschulung.html?schuljahr=2027-28"))
	waitFor(t, ctx, "Übersicht", `document.querySelectorAll('#schulen tbody tr').length > 0`)
	checkA11y(t, ctx, "Einschulung")
	rows := rowsOf(t, ctx, "#schulen")
	erwartet := 0
	for _, r := range rows {
		var n int
		fmt.Sscan(r[1], &n)
		erwartet += n
	}
	if erwartet != 40 {
		t.Errorf("erwartet zusammen %d, alle 40 Kinder des Registers gehören zum Jahrgang 2027/28: %v", erwartet, rows)
	}
	if summe := eval[string](t, ctx, `document.getElementById('summen').textContent`); !strings.HasPrefix(summe, "40 Kinder") {
		t.Errorf("Summen: %q", summe)
	}
	screenshot(t, ctx, "einschulung")
	do(t, ctx, "Einschulungsliste laden", chromedp.Click("#listen button"))
	wb, err := excelize.OpenFile(awaitDownload(t, downloads, ".xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	if n := len(wb.GetSheetList()); n < 2 {
		t.Errorf("Einschulungsliste mit %d Tabellen, erwartet eine je Schule", n)
	}

	// A planner: forecast and chart, no Importe in the navigation.
	do(t, ctx, "abmelden", chromedp.Click("#nav button"))
	waitFor(t, ctx, "abgemeldet", `location.pathname.endsWith('/index.html') && sessionStorage.length === 0`)
	signIn(t, ctx, gw, "planung")
	if path := eval[string](t, ctx, `location.pathname`); path != "/app/planung.html" {
		t.Fatalf("die Planung landet auf %s", path)
	}
	waitFor(t, ctx, "Prognose", `document.querySelectorAll('#uebersicht tbody tr').length > 0 && document.querySelectorAll('#schulen section').length > 0`)
	checkA11y(t, ctx, "Planung")
	// Planners see aggregates only: no imports, and not the Einschulung overview
	// (its per-school cohort counts are not suppressed; the API answers 403).
	if nav := eval[string](t, ctx, `document.getElementById('nav').textContent`); strings.Contains(nav, "Importe") || strings.Contains(nav, "Einschulung") {
		t.Errorf("Navigation der Planung zeigt Importe oder Einschulung: %q", nav)
	}
	// The overview: one row per school with a small chart of its course.
	n := eval[int](t, ctx, `document.querySelectorAll('#uebersicht tbody tr').length`)
	sparks := eval[int](t, ctx, `document.querySelectorAll('#uebersicht tbody svg[role=img] polyline').length`)
	// The free Grundschule has no history: it says so once, without a chart.
	ohne := eval[int](t, ctx, `Array.from(document.querySelectorAll('#uebersicht tbody tr')).filter(r => r.textContent.includes('keine Schülerzahlen vorhanden')).length`)
	if n != 10 || sparks != 9 || ohne != 1 {
		t.Errorf("Überblick mit %d Schulen, %d Verläufen, %d ohne Schülerzahlen; erwartet alle 10 Schulen Musterstadts, 9 mit Verlauf, die freie Grundschule ohne", n, sparks, ohne)
	}
	// One school at a time in detail: its chart draws the table's numbers,
	// one point per forecast year.
	if d := eval[int](t, ctx, `document.querySelectorAll('#schulen section').length`); d != 1 {
		t.Errorf("%d Schulen in den Einzelheiten, erwartet eine", d)
	}
	points := eval[int](t, ctx, `document.querySelector('#schulen section svg polyline').getAttribute('points').trim().split(' ').length`)
	years := eval[int](t, ctx, `document.querySelector('#schulen section tbody').rows.length`)
	if points != years || years != 10 {
		t.Errorf("Diagramm mit %d Punkten, Tabelle mit %d Jahren, erwartet je 10", points, years)
	}
	// Another school's details from its row.
	do(t, ctx, "Einzelheiten der dritten Schule", chromedp.Click(`#uebersicht tbody tr:nth-child(3) button`))
	want := eval[string](t, ctx, `document.querySelector('#uebersicht tbody tr:nth-child(3) th').firstChild.textContent`)
	waitFor(t, ctx, "Einzelheiten gewechselt", `document.querySelector('#schulen section h3').textContent.startsWith(`+"`"+`${document.querySelector('#uebersicht tbody tr:nth-child(3) th').firstChild.textContent}`+"`"+`)`)
	if got := eval[string](t, ctx, `document.querySelector('#schulen section h3').textContent`); !strings.HasPrefix(got, want) {
		t.Errorf("Einzelheiten zeigen %q, gewählt war %q", got, want)
	}
	// The school without history, in detail: one sentence, not ten rows of 0.
	do(t, ctx, "freie Grundschule wählen", chromedp.Evaluate[chromedp.Void](`(() => { const s = document.getElementById('schule-wahl'); s.value = Array.from(s.options).find(o => o.textContent.includes('20107')).value; s.dispatchEvent(new Event('change')); })()`))
	waitFor(t, ctx, "Einzelheiten 20107", `document.querySelector('#schulen section h3').textContent.includes('20107')`)
	if rows, text := eval[int](t, ctx, `document.querySelectorAll('#schulen section tbody tr').length`), eval[string](t, ctx, `document.querySelector('#schulen section').textContent`); rows != 0 || !strings.Contains(text, "keine Schülerzahlen früherer Jahre") {
		t.Errorf("Schule ohne Schülerzahlen: %d Tabellenzeilen, Text %q", rows, text)
	}
	if h := eval[int](t, ctx, `document.documentElement.scrollHeight`); h > 4000 {
		t.Errorf("die Planungsseite ist %d px lang; der Überblick soll auf wenige Bildschirme passen", h)
	}
	shoot(t, ctx, "planung", chromedp.CaptureScreenshot()) // the first schools; the page is long
	do(t, ctx, "Prognose als Excel", chromedp.Click("#downloads button"))
	if got := filepath.Base(awaitDownload(t, downloads, "rognose.xlsx")); got == "" {
		t.Error("kein Download der Prognose")
	}
}

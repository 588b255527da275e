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

// TestEinschulungOhneSchuleInBrowser (issue 16, point 7): "davon 55 ohne
// zuständige Grundschule" says who. For the school office the phrase is a
// button that lists the children – name, birth date, address, a page of 50
// at a time – with what to do about them; an administrator sees the count
// only. An invalid school year clears the list with the overview.
func TestEinschulungOhneSchuleInBrowser(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	rows := register(60, false)
	for i := 5; i < 60; i++ { // a street the directory does not know
		rows[3+i][3], rows[3+i][4] = "Feldweg", fmt.Sprint(i)
	}
	importRegister(t, gw, rows)
	ctx := startBrowser(t)

	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Einschulung", chromedp.Navigate(gw.url+"/app/einschulung.html?schuljahr=2027-28"))
	waitFor(t, ctx, "Übersicht", `document.querySelectorAll('#schulen tbody tr').length > 0`)
	if s := eval[string](t, ctx, `document.getElementById('summen').textContent`); s != "60 Kinder im Einschulungsjahrgang, davon 55 ohne zuständige Grundschule." {
		t.Errorf("Summen: %q", s)
	}
	if b := eval[string](t, ctx, `document.querySelector('#summen button').textContent`); b != "55 ohne zuständige Grundschule" {
		t.Errorf("Knopf im Satz: %q", b)
	}
	tabTo(t, ctx, "ohne-schule-zeigen")
	do(t, ctx, "Enter auf „55 ohne zuständige Grundschule“", chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "Liste der Kinder ohne Schule", `!document.getElementById('ohne-schule').hidden && document.querySelectorAll('#ohne-schule-liste tbody tr').length > 0`)
	if f := eval[string](t, ctx, `document.activeElement.id`); f != "h-ohne-schule" {
		t.Errorf("nach dem Öffnen hat #%s den Fokus, erwartet die Überschrift der Liste", f)
	}
	if x := eval[string](t, ctx, `document.getElementById('ohne-schule-zeigen').getAttribute('aria-expanded')`); x != "true" {
		t.Errorf("aria-expanded = %q", x)
	}
	checkA11y(t, ctx, "Einschulung: Kinder ohne Schule")
	screenshot(t, ctx, "einschulung-ohne-schule")
	liste := rowsOf(t, ctx, "#ohne-schule-liste")
	if len(liste) != 50 {
		t.Errorf("erste Seite mit %d Kindern, erwartet 50", len(liste))
	}
	do(t, ctx, "weitere laden", chromedp.Click("#ohne-schule-mehr"))
	waitFor(t, ctx, "alle 55", `document.querySelectorAll('#ohne-schule-liste tbody tr').length === 55`)
	if hidden := eval[bool](t, ctx, `document.getElementById('ohne-schule-mehr').hidden`); !hidden {
		t.Error("„Weitere Kinder laden“ nach der letzten Seite noch sichtbar")
	}
	if f := eval[string](t, ctx, `document.activeElement === document.querySelector('#ohne-schule-liste tbody tr:nth-child(51) th') ? 'erstes neues Kind' : document.activeElement.tagName + '#' + document.activeElement.id`); f != "erstes neues Kind" {
		t.Errorf("nach „Weitere Kinder laden“ hat %s den Fokus, erwartet das erste neu geladene Kind", f)
	}
	// Each shown child is one of the register's rows in the Feldweg, as the
	// register has it: name, birth date, address.
	want := map[string]int{}
	for _, r := range rows[3+5:] {
		want[fmt.Sprintf("%s, %s|%s|Feldweg %s, 06108", r[0], r[1], r[2], r[4])]++
	}
	for _, r := range rowsOf(t, ctx, "#ohne-schule-liste") {
		key := strings.Join(r[:3], "|")
		if want[key] == 0 {
			t.Errorf("Zeile %v ist kein Kind im Feldweg (oder doppelt)", r)
		}
		want[key]--
	}

	// At 390 px the list scrolls inside its card, not the page.
	do(t, ctx, "Fenster 390 px", chromedp.EmulateViewport(390, 900))
	if over := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		t.Errorf("bei 390 px ist die Seite mit der Liste %d px breiter als das Fenster", over)
	}
	do(t, ctx, "Fenster 1280 px", chromedp.EmulateViewport(1280, 900))

	// An invalid year: no old list beside the error.
	do(t, ctx, "falsches Schuljahr", chromedp.SetValue("#schuljahr", "2027/29"), chromedp.Click("#wahl button"))
	waitFor(t, ctx, "Fehler", `document.getElementById('status').classList.contains('fehler')`)
	if hidden := eval[bool](t, ctx, `document.getElementById('ohne-schule').hidden && document.querySelectorAll('#ohne-schule-liste tbody tr').length === 0`); !hidden {
		t.Error("die Liste der Kinder ohne Schule bleibt neben dem Fehler stehen")
	}

	// An administrator sees the overview with the count, not the names.
	do(t, ctx, "abmelden", chromedp.Click("#nav button"))
	waitFor(t, ctx, "abgemeldet", `location.pathname.endsWith('/index.html') && sessionStorage.length === 0`)
	signIn(t, ctx, gw, "admin")
	do(t, ctx, "Einschulung als Admin", chromedp.Navigate(gw.url+"/app/einschulung.html?schuljahr=2027-28"))
	waitFor(t, ctx, "Übersicht", `document.querySelectorAll('#schulen tbody tr').length > 0`)
	if s, b := eval[string](t, ctx, `document.getElementById('summen').textContent`), eval[int](t, ctx, `document.querySelectorAll('#summen button').length`); !strings.Contains(s, "davon 55 ohne zuständige Grundschule") || b != 0 {
		t.Errorf("Admin: Summen %q mit %d Knöpfen, erwartet die Zahl ohne Knopf", s, b)
	}
}

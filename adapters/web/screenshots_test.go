package web_test

import (
	"context"
	"encoding/json"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/adapters/xschule"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/schulpflicht"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// seedDemoCity loads the whole demo city Musterstadt as `schulgateway
// seed-demo` does (registers, pupil lists, registrations, planning
// history, a reconciliation), with the gateway's pseudonymizer.
func seedDemoCity(t *testing.T, gw *gateway) postgres.DemoErgebnis {
	t.Helper()
	start := time.Now()
	e, err := postgres.SeedDemo(context.Background(), gw.pool, postgres.DemoOptionen{
		Open: sheets.Uploads{}.Open, Encode: xschule.Encode, Pseudonymizer: testPseudonymizer(t),
		Einschulung: einschulung.GesetzlicheRegel(), Schulpflicht: schulpflicht.StandardKonfiguration(), SchulpflichtJahre: 9,
		SchulwechselFrist: schulwechsel.DefaultFrist, ImportMaxBytes: 8 << 20, Now: time.Now(),
	})
	if err != nil {
		t.Fatalf("Demo-Stadt: %v", err)
	}
	t.Logf("Demo-Stadt geladen in %v: %d Kinder, %d Listen", time.Since(start).Round(time.Millisecond), len(e.Stadt.Kinder), e.Listen)
	return e
}

// TestDemoScreenshots takes the README's screenshots of every page from
// the demo city (make screenshots): a cohort per school, items to review,
// open cases, a forecast with flags. Then a school outside the city
// confirms two children with open cases, a second run finds them, and
// the Schulpflicht page offers to close their cases.
func TestDemoScreenshots(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemoCity(t, gw)
	ctx := startBrowser(t)

	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Importe", chromedp.Navigate(gw.url+"/app/imports.html"))
	waitFor(t, ctx, "bisherige Importe", `document.querySelectorAll('#verlauf tbody tr').length > 5`)
	screenshot(t, ctx, "importe")

	do(t, ctx, "Einschulung", chromedp.Navigate(gw.url+"/app/einschulung.html"))
	waitFor(t, ctx, "Jahrgang je Schule", `document.querySelectorAll('#schulen tbody tr').length > 3`)
	if s := eval[string](t, ctx, `document.getElementById('summen').textContent`); strings.HasPrefix(s, "0 ") {
		t.Errorf("Einschulung der Demo-Stadt ohne Kinder: %q", s)
	}
	screenshot(t, ctx, "einschulung")

	// A school outside the city confirms two children who have open cases.
	var id string
	var stichtag time.Time
	if err := gw.pool.QueryRow(t.Context(), `SELECT id, stichtag FROM abgleiche`).Scan(&id, &stichtag); err != nil {
		t.Fatal(err)
	}
	rows, err := gw.pool.Query(t.Context(), `SELECT k.familienname, k.vornamen, to_char(k.geburtsdatum, 'DD.MM.YYYY') FROM faelle f
		JOIN kinder k ON k.id = f.kind_id WHERE f.status = 'offen' ORDER BY f.id LIMIT 2`)
	if err != nil {
		t.Fatal(err)
	}
	csv := "Familienname;Vornamen;Geburtsdatum;Schule;Ort\n"
	for rows.Next() {
		var n, v, g string
		if err := rows.Scan(&n, &v, &g); err != nil {
			t.Fatal(err)
		}
		csv += fmt.Sprintf("%s;%s;%s;Gymnasium Am Markt;Merseburg\n", n, v, g)
	}
	rows.Close()
	tok := devToken(t, gw, "schulamt")
	uploadCSV(t, gw, tok, "kind=bestaetigungen", "bestaetigungen-merseburg.csv", csv)
	neu := startRun(t, gw, tok, stichtag.Format(time.DateOnly))

	do(t, ctx, "Schulpflicht", chromedp.Navigate(gw.url+"/app/schulpflicht.html?abgleich="+neu))
	waitFor(t, ctx, "Vorschläge und Fälle", `document.querySelectorAll('#vorschlaege article').length > 0 && document.querySelectorAll('#faelle button[data-fall]').length > 0`)
	waitFor(t, ctx, "Schülerlisten", `document.getElementById('listen-text').textContent !== ''`)
	if n := eval[int](t, ctx, `[...document.querySelectorAll('#faelle button[data-fall]')].filter(b => b.textContent === 'Prüfen und schließen').length`); n != 2 {
		t.Errorf("%d Fälle mit gefundener Schule, erwartet die 2 bestätigten Kinder", n)
	}
	if msg := eval[string](t, ctx, `document.getElementById('listen-text').textContent`); strings.Contains(msg, "keine Schülerliste vor") {
		t.Errorf("die Demo-Stadt hat Schülerlisten, die Seite sagt: %q", msg)
	}
	if eval[bool](t, ctx, `document.getElementById('trotzdem').offsetParent !== null`) {
		t.Error("„trotzdem starten“ steht da, obwohl jede Schule eine Schülerliste hat")
	}
	shoot(t, ctx, "schulpflicht", chromedp.CaptureScreenshot()) // the run and the first proposal; the page is long
	do(t, ctx, "zu den Fällen", chromedp.Evaluate[chromedp.Void](`document.getElementById('h-faelle').scrollIntoView()`))
	shoot(t, ctx, "schulpflicht-faelle", chromedp.CaptureScreenshot())
	do(t, ctx, "Fall mit gefundener Schule", chromedp.Evaluate[chromedp.Void](`[...document.querySelectorAll('#faelle button[data-fall]')].find(b => b.textContent === 'Prüfen und schließen').click()`))
	waitFor(t, ctx, "Angebot", `!document.getElementById('fall-gefunden').hidden`)
	do(t, ctx, "zum Fall", chromedp.Evaluate[chromedp.Void](`document.getElementById('fall-box').scrollIntoView()`))
	shoot(t, ctx, "schulpflicht-fall", chromedp.CaptureScreenshot())

	signIn(t, ctx, gw, "planung")
	do(t, ctx, "Planung", chromedp.Navigate(gw.url+"/app/planung.html"))
	waitFor(t, ctx, "Prognose", `document.querySelectorAll('#uebersicht tbody tr').length > 3`)
	shoot(t, ctx, "planung", chromedp.CaptureScreenshot()) // the overview; the page is long
}

// startRun starts a reconciliation through the API and waits until the
// gateway's worker has run it.
func startRun(t *testing.T, gw *gateway, tok, stichtag string) string {
	t.Helper()
	call := func(method, path, body string) map[string]any {
		req, _ := http.NewRequest(method, gw.url+path, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		var out map[string]any
		if err := json.NewDecoder(resp.Body).Decode(&out); err != nil || resp.StatusCode >= 300 {
			t.Fatalf("%s %s: %d %v %v", method, path, resp.StatusCode, out, err)
		}
		return out
	}
	a := call("POST", "/v1/schulpflicht/abgleiche", `{"stichtag":"`+stichtag+`"}`)
	id := a["id"].(string)
	for deadline := time.Now().Add(timeout); a["status"] == "queued" || a["status"] == "running"; time.Sleep(100 * time.Millisecond) {
		if time.Now().After(deadline) {
			t.Fatalf("Abgleich %s läuft nach %v noch", id, timeout)
		}
		a = call("GET", "/v1/schulpflicht/abgleiche/"+id, "")
	}
	if a["status"] != "succeeded" {
		t.Fatalf("Abgleich: %v", a)
	}
	return id
}

package web_test

import (
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
)

// TestPagesFitFrom390To1280 opens every page a school office sees at a
// phone's width and at a laptop's: the page itself never scrolls
// sideways (wide tables scroll inside their card), sign-out is on the
// screen and on one line.
func TestPagesFitFrom390To1280(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	importRegister(t, gw, register(40, false))
	seedHistory(t, gw)
	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")

	pages := map[string]string{
		"imports.html":      `document.querySelector('#verlauf tbody tr') !== null`,
		"einschulung.html":  `document.querySelectorAll('#schulen tbody tr').length > 0`,
		"planung.html":      `document.querySelectorAll('#schulen section, #schulen tr').length > 0`,
		"schulpflicht.html": `document.getElementById('nav').children.length > 0`,
		"uebergang.html":    `document.querySelectorAll('#plaetze tbody tr').length > 0`,
	}
	for _, width := range []int64{390, 1280} {
		do(t, ctx, fmt.Sprintf("Fenster %d px", width), chromedp.EmulateViewport(width, 900))
		for p, ready := range pages {
			do(t, ctx, p, chromedp.Navigate(gw.url+"/app/"+p))
			waitFor(t, ctx, p+" geladen", ready)
			where := fmt.Sprintf("%s bei %d px", p, width)
			if over := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
				wide := eval[string](t, ctx, `Array.from(document.querySelectorAll('body *')).filter(e => e.getBoundingClientRect().right > window.innerWidth + 1 && (!e.parentElement.closest('.karte, .breit'))).slice(0, 4).map(e => e.tagName + '#' + e.id + '.' + e.className).join(', ')`)
				t.Errorf("%s: die Seite ist %d px breiter als das Fenster (%s)", where, over, wide)
			}
			out := eval[[]float64](t, ctx, `(() => { const b = Array.from(document.querySelectorAll('#nav button')).find(x => x.textContent.trim() === 'Abmelden'); if (!b) return []; const r = b.getBoundingClientRect(); return [r.left, r.right, r.top, r.height, parseFloat(getComputedStyle(b).lineHeight) || 24]; })()`)
			if len(out) != 5 {
				t.Errorf("%s: kein Knopf „Abmelden“", where)
				continue
			}
			if out[0] < 0 || out[1] > float64(width) || out[2] < 0 {
				t.Errorf("%s: „Abmelden“ liegt außerhalb des Fensters (links %.0f, rechts %.0f)", where, out[0], out[1])
			}
			if out[3] > 2*out[4]+4 { // one line plus padding and border
				t.Errorf("%s: „Abmelden“ bricht um (%.0f px hoch)", where, out[3])
			}
		}
	}
}

// TestEinschulungSchoolYearAsPeopleWriteIt: the page takes 2027/28 as it
// writes school years itself, and an invalid year leaves no old table on
// the screen beside the error.
func TestEinschulungSchoolYearAsPeopleWriteIt(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	importRegister(t, gw, register(40, false))
	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Einschulung", chromedp.Navigate(gw.url+"/app/einschulung.html?schuljahr=2026-27"))
	waitFor(t, ctx, "Übersicht 2026/27", `document.getElementById('h-uebersicht').textContent.includes('2026/27')`)

	do(t, ctx, "2027/28 eingeben", chromedp.SetValue("#schuljahr", "2027/28"), chromedp.Click("#wahl button"))
	waitFor(t, ctx, "Übersicht 2027/28", `document.getElementById('h-uebersicht').textContent.includes('2027/28') && document.querySelectorAll('#schulen tbody tr').length > 0`)
	if s := eval[string](t, ctx, `document.getElementById('summen').textContent`); !strings.HasPrefix(s, "40 Kinder") {
		t.Errorf("2027/28: %q, erwartet die 40 Kinder des Registers", s)
	}

	do(t, ctx, "falsches Schuljahr", chromedp.SetValue("#schuljahr", "2027/29"), chromedp.Click("#wahl button"))
	waitFor(t, ctx, "Fehlermeldung", `document.getElementById('status').classList.contains('fehler')`)
	if msg := eval[string](t, ctx, `document.getElementById('status').textContent`); !strings.Contains(msg, "kein Schuljahr") {
		t.Errorf("Meldung %q nennt nicht, was falsch ist", msg)
	}
	if rows := eval[int](t, ctx, `document.getElementById('uebersicht').hidden ? 0 : document.querySelectorAll('#schulen tbody tr').length`); rows != 0 {
		t.Errorf("nach dem Fehler stehen noch %d Zeilen der alten Übersicht da", rows)
	}
}

// TestExpiredSessionLeadsToSignIn: a token that runs out while a page is
// open leads to the sign-in page with a German sentence, never to a
// technical message about a header.
func TestExpiredSessionLeadsToSignIn(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Einschulung", chromedp.Navigate(gw.url+"/app/einschulung.html"))
	waitFor(t, ctx, "Übersicht", `document.querySelectorAll('#schulen tbody tr').length > 0`)
	// The gateway refuses the token from now on, as after its expiry; the
	// page still holds it (its clock says it is valid).
	do(t, ctx, "Token verfälschen", chromedp.Evaluate[chromedp.Void](`sessionStorage.setItem('schulgateway.token', sessionStorage.getItem('schulgateway.token').slice(0, -4) + 'AAAA')`))
	do(t, ctx, "neu laden", chromedp.Click("#wahl button"))
	waitFor(t, ctx, "Anmeldeseite", `location.pathname.endsWith('/index.html') && document.getElementById('status').textContent.length > 0`)
	msg := eval[string](t, ctx, `document.getElementById('status').textContent`)
	if !strings.Contains(msg, "Anmeldung ist abgelaufen") || strings.Contains(msg, "Authorization") {
		t.Errorf("Anmeldeseite sagt %q", msg)
	}
	if n := eval[int](t, ctx, `sessionStorage.length`); n != 0 {
		t.Errorf("nach dem Ablauf liegen noch %d Einträge in der Sitzung", n)
	}
}

// TestBackAfterSignOutShowsNothing: after signing out, the browser's Back
// button (back-forward cache included) shows no figures or names of the
// page before, only the sign-in page.
func TestBackAfterSignOutShowsNothing(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	importRegister(t, gw, register(40, false))
	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Einschulung", chromedp.Navigate(gw.url+"/app/einschulung.html?schuljahr=2027-28"))
	waitFor(t, ctx, "Übersicht", `document.querySelectorAll('#schulen tbody tr').length > 0`)
	do(t, ctx, "abmelden", chromedp.Click("#nav button"))
	waitFor(t, ctx, "abgemeldet", `location.pathname.endsWith('/index.html') && sessionStorage.length === 0`)
	do(t, ctx, "zurück", chromedp.NavigateBack())
	waitFor(t, ctx, "wieder auf der Anmeldeseite", `location.pathname.endsWith('/index.html') && document.readyState === 'complete'`)
	if rows := eval[int](t, ctx, `document.querySelectorAll('#schulen tbody tr').length`); rows != 0 {
		t.Errorf("nach Abmelden und Zurück zeigt die Seite %d Zeilen der Übersicht", rows)
	}
}

// TestEinschulungShowsTheSchuleingangsuntersuchung: the school office sees
// on the Einschulung page, per school, which children are not yet
// examined, did not appear, or need a deferral or special needs checked
// (issue #19); the outcomes come from the health office.
func TestEinschulungShowsTheSchuleingangsuntersuchung(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	importRegister(t, gw, register(40, false))
	tok := devToken(t, gw, "schulamt")
	get := func(path string) []byte {
		req, _ := http.NewRequest("GET", gw.url+path, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		if resp.StatusCode != 200 {
			t.Fatalf("GET %s: %d %s", path, resp.StatusCode, b)
		}
		return b
	}
	var liste struct {
		Items []struct {
			Kennung     string `json:"kennung"`
			Schulnummer string `json:"schulnummer"`
		} `json:"items"`
	}
	if err := json.Unmarshal(get("/v1/einschulung/2027-28/untersuchungen?limit=100"), &liste); err != nil || len(liste.Items) < 3 {
		t.Fatalf("Untersuchungsliste: %d Kinder, %v", len(liste.Items), err)
	}
	// Three outcomes for children of the first child's school.
	schule := liste.Items[0].Schulnummer
	ergebnisse := []string{"nicht_erschienen", "zurueckstellung_pruefen", "untersucht"}
	n := 0
	for _, k := range liste.Items {
		if k.Schulnummer != schule || n == len(ergebnisse) {
			continue
		}
		req, _ := http.NewRequest("PUT", gw.url+"/v1/einschulung/2027-28/untersuchungen/"+url.PathEscape(k.Kennung),
			strings.NewReader(`{"untersucht_am":"2026-11-02","ergebnis":"`+ergebnisse[n]+`"}`))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 201 {
			t.Fatalf("PUT Ergebnis: %v %v", resp, err)
		}
		resp.Body.Close()
		n++
	}
	if n != len(ergebnisse) {
		t.Fatalf("nur %d Kinder an der Schule %s", n, schule)
	}

	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Einschulung", chromedp.Navigate(gw.url+"/app/einschulung.html?schuljahr=2027-28"))
	waitFor(t, ctx, "Übersicht", `document.querySelectorAll('#schulen tbody tr').length > 0`)
	if hidden := eval[bool](t, ctx, `document.getElementById('sp-untersuchung').hidden`); hidden {
		t.Fatal("keine Spalte zur Schuleingangsuntersuchung für das Schulamt")
	}
	zelle := eval[string](t, ctx, `[...document.querySelectorAll('#schulen tbody tr')].find(tr => tr.querySelector('th').textContent.includes('`+schule+`')).querySelector('td.untersuchung').textContent`)
	for _, want := range []string{"1 nicht erschienen", "1 Zurückstellung prüfen", "1 untersucht", "noch nicht untersucht"} {
		if !strings.Contains(zelle, want) {
			t.Errorf("Schule %s: %q, fehlt %q", schule, zelle, want)
		}
	}
	checkA11y(t, ctx, "Einschulung mit Untersuchung")

	// The BMS sees the overview without health data.
	do(t, ctx, "abmelden", chromedp.Click("#nav button"))
	waitFor(t, ctx, "abgemeldet", `location.pathname.endsWith('/index.html')`)
	signIn(t, ctx, gw, "bms")
	do(t, ctx, "Einschulung als BMS", chromedp.Navigate(gw.url+"/app/einschulung.html?schuljahr=2027-28"))
	waitFor(t, ctx, "Übersicht BMS", `document.querySelectorAll('#schulen tbody tr').length > 0`)
	if hidden := eval[bool](t, ctx, `document.getElementById('sp-untersuchung').hidden && document.querySelectorAll('td.untersuchung').length === 0`); !hidden {
		t.Error("das BMS sieht die Schuleingangsuntersuchung")
	}
}

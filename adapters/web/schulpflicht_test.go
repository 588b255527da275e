package web_test

import (
	"bytes"
	"context"
	"encoding/json"
	"fmt"
	"mime/multipart"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
)

// The lists of the API's Schulpflicht test: Jonas is found with day and
// month swapped and another address (for review), Clara nowhere (a case).
const (
	spRegister = `Ordnungsmerkmal;Familienname;Vornamen;Geburtsdatum;Geschlecht;Straße;Hausnummer;PLZ
OM-1;Müller;Anna Sophie;04.03.2015;w;Rosenweg;3;06108
OM-2;Weber;Jonas;11.02.2013;m;Am Anger;7;06108
OM-3;Neumann;Clara;01.01.2012;w;Lindenstraße;12;06110
OM-4;Wagner;Emil;09.09.2014;m;Hauptstraße;1;06108
`
	spSchueler = `Schülernummer;Familienname;Vornamen;Geburtsdatum;Geschlecht;Klasse;Straße;Hausnummer;PLZ
S-100;Mueller;Anna;04.03.2015;w;5a;Rosenweg;3;06108
S-200;Weber;Jonas;02.11.2013;m;7b;Bergstraße;20;06112
`
	spBestaetigungen = `Familienname;Vornamen;Geburtsdatum;Schule;Ort
Wagner;Emil;09.09.2014;Gymnasium Am Markt;Merseburg
`
)

// abgleichStarten starts a run on the Schulpflicht page once its script
// has filled in the Stichtag (its submit handler is attached in the same
// step) and has shown which pupil lists are missing: on a busy machine a
// click before the first submitted the form natively and started nothing
// (CI, session 7: "offene Fälle" timed out, no status); a click before
// the second aimed at where the button was before the table of missing
// lists pushed it down, and hit the page beside it (CI, stop 28:
// "Vorschläge" timed out, focus on the main element, no status).
func abgleichStarten(t *testing.T, ctx context.Context) {
	t.Helper()
	waitFor(t, ctx, "Seite bereit", `document.getElementById('stichtag').value !== '' && document.getElementById('listen-text').textContent !== ''`)
	do(t, ctx, "Abgleich starten", chromedp.SetValue("#stichtag", "15.09.2026"), chromedp.Click("#starten"))
}

func uploadCSV(t *testing.T, gw *gateway, tok, query, name, data string) {
	t.Helper()
	var body bytes.Buffer
	mw := multipart.NewWriter(&body)
	fw, _ := mw.CreateFormFile("file", name)
	fw.Write([]byte(data))
	mw.Close()
	req, _ := http.NewRequest("POST", gw.url+"/v1/imports?"+query, &body)
	req.Header.Set("Content-Type", mw.FormDataContentType())
	req.Header.Set("Authorization", "Bearer "+tok)
	resp, err := http.DefaultClient.Do(req)
	if err != nil || resp.StatusCode != 202 {
		t.Fatalf("upload %s: %v %v", name, resp.StatusCode, err)
	}
	loc := resp.Header.Get("Location")
	resp.Body.Close()
	for deadline := time.Now().Add(30 * time.Second); time.Now().Before(deadline); time.Sleep(50 * time.Millisecond) {
		req, _ := http.NewRequest("GET", gw.url+loc, nil)
		req.Header.Set("Authorization", "Bearer "+tok)
		resp, err := http.DefaultClient.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		var imp struct{ Status, Detail string }
		json.NewDecoder(resp.Body).Decode(&imp) //nolint:errcheck // checked below
		resp.Body.Close()
		if imp.Status == "succeeded" {
			return
		}
		if imp.Status == "failed" || imp.Status == "rejected" {
			t.Fatalf("%s: %s %s", name, imp.Status, imp.Detail)
		}
	}
	t.Fatalf("%s not imported after 30s", name)
}

// TestSchulpflichtPage: the school office starts a reconciliation, sees
// Jonas's two records side by side with the agreeing fields highlighted,
// confirms the match, and finds Clara among the open cases.
func TestSchulpflichtPage(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	tok := devToken(t, gw, "schulamt")
	uploadCSV(t, gw, tok, "kind=melderegister", "register.csv", spRegister)
	uploadCSV(t, gw, tok, "kind=schueler&schulnummer=20101", "schueler.csv", spSchueler)
	uploadCSV(t, gw, tok, "kind=bestaetigungen", "bestaetigungen.csv", spBestaetigungen)

	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Schulpflicht", chromedp.Navigate(gw.url+"/app/schulpflicht.html"), chromedp.WaitVisible("#stichtag"))
	checkA11y(t, ctx, "Schulpflicht")
	abgleichStarten(t, ctx)
	waitFor(t, ctx, "Vorschläge", `document.querySelectorAll('#vorschlaege article').length > 0`)
	if n := eval[string](t, ctx, `document.querySelector('[data-zahl=residents]').textContent + '/' + document.querySelector('[data-zahl=review]').textContent`); n != "4/1" {
		t.Errorf("Kinder/zu prüfen = %s, erwartet 4/1", n)
	}
	card := rowsOf(t, ctx, "#vorschlaege article")
	gleich := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#vorschlaege article tr.gleich th'), th => th.textContent)`)
	if title := eval[string](t, ctx, `document.querySelector('#vorschlaege article h3').textContent`); !strings.HasPrefix(title, "Weber, Jonas") {
		t.Fatalf("Vorschlag für %q, erwartet Jonas Weber", title)
	}
	// The reconciliation counts the swapped birth date as agreeing; the page
	// shows both dates and calls it similar, not equal.
	if strings.Join(gleich, ",") != "Familienname,Vornamen,Geburtsdatum" {
		t.Errorf("hervorgehoben: %v; Karte: %v", gleich, card)
	}
	for _, r := range card {
		if r[0] == "Geburtsdatum" && (r[1] != "11.02.2013" || r[2] != "02.11.2013" || r[3] != "ähnlich") {
			t.Errorf("Geburtsdaten nebeneinander: %v", r)
		}
		if r[0] == "Familienname" && r[3] != "stimmt überein" {
			t.Errorf("Familienname: %v", r)
		}
	}
	screenshot(t, ctx, "schulpflicht")
	do(t, ctx, "bestätigen", chromedp.Click("#vorschlaege article button"))
	waitFor(t, ctx, "Urteil", `document.querySelector('#vorschlaege article .urteil').textContent.startsWith('Bestätigt')`)
	faelle := rowsOf(t, ctx, "#faelle")
	if len(faelle) != 1 || faelle[0][0] != "Neumann, Clara" || faelle[0][1] != "01.01.2012" {
		t.Errorf("offene Fälle = %v, erwartet Clara Neumann", faelle)
	}
	var urteile int
	if err := gw.pool.QueryRow(t.Context(), "SELECT count(*) FROM schulpflicht_urteile WHERE bestaetigt").Scan(&urteile); err != nil || urteile != 1 {
		t.Errorf("%d bestätigte Urteile gespeichert (%v)", urteile, err)
	}
}

// TestSchulpflichtFallKonflikt: a person edits Clara's case on the page
// while a colleague changes it; saving does not overwrite the colleague's
// change but says so in German and shows the current state. Saving again
// (now knowingly) applies the person's input.
func TestSchulpflichtFallKonflikt(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	tok := devToken(t, gw, "schulamt")
	uploadCSV(t, gw, tok, "kind=melderegister", "register.csv", spRegister)
	uploadCSV(t, gw, tok, "kind=schueler&schulnummer=20101", "schueler.csv", spSchueler)
	uploadCSV(t, gw, tok, "kind=bestaetigungen", "bestaetigungen.csv", spBestaetigungen)

	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Schulpflicht", chromedp.Navigate(gw.url+"/app/schulpflicht.html"), chromedp.WaitVisible("#stichtag"))
	abgleichStarten(t, ctx)
	waitFor(t, ctx, "offene Fälle", `document.querySelectorAll('#faelle button[data-fall]').length === 1`)
	id := eval[string](t, ctx, `document.querySelector('#faelle button[data-fall]').dataset.fall`)
	do(t, ctx, "Bearbeiten", chromedp.Click("#faelle button[data-fall]"), chromedp.WaitVisible("#fall-box"))
	do(t, ctx, "Bemerkung eingeben", chromedp.SetValue("#fall-bemerkung", "Schule angerufen"))

	// Meanwhile a colleague changes the case through the API.
	patch := func(body string) {
		req, _ := http.NewRequest("PATCH", gw.url+"/v1/schulpflicht/faelle/"+id, strings.NewReader(body))
		req.Header.Set("Authorization", "Bearer "+tok)
		req.Header.Set("Content-Type", "application/json")
		resp, err := http.DefaultClient.Do(req)
		if err != nil || resp.StatusCode != 200 {
			t.Fatalf("colleague's PATCH: %v %v", resp, err)
		}
		resp.Body.Close()
	}
	patch(`{"status":"in_klaerung","bemerkung":"Eltern angeschrieben"}`)
	bemerkung := func() string {
		var b string
		if err := gw.pool.QueryRow(t.Context(), "SELECT bemerkung FROM faelle WHERE id = $1", id).Scan(&b); err != nil {
			t.Fatal(err)
		}
		return b
	}

	do(t, ctx, "Speichern", chromedp.Click("#fall-speichern"))
	waitFor(t, ctx, "Konflikt", `!document.getElementById('fall-konflikt').hidden`)
	msg := eval[string](t, ctx, `document.getElementById('fall-konflikt').textContent`)
	if !strings.Contains(msg, "Jemand anderes hat diesen Fall inzwischen geändert") || !strings.Contains(msg, "Eltern angeschrieben") ||
		!strings.Contains(msg, "in Klärung") {
		t.Errorf("Konfliktmeldung = %q, erwartet den Hinweis und den aktuellen Stand des Kollegen", msg)
	}
	if b := bemerkung(); b != "Eltern angeschrieben" {
		t.Errorf("Bemerkung nach dem Konflikt = %q: die Seite hat die Änderung des Kollegen überschrieben", b)
	}
	if v := eval[string](t, ctx, `document.getElementById('fall-bemerkung').value`); v != "Schule angerufen" {
		t.Errorf("Eingabe nach dem Konflikt = %q, erwartet die eigene Eingabe", v)
	}
	screenshot(t, ctx, "schulpflicht-konflikt")

	// Saving again, now against the state shown, applies the input.
	do(t, ctx, "erneut speichern", chromedp.Click("#fall-speichern"))
	waitFor(t, ctx, "gespeichert", `document.getElementById('fall-konflikt').hidden`)
	if b := bemerkung(); b != "Schule angerufen" {
		t.Errorf("Bemerkung nach erneutem Speichern = %q", b)
	}
}

// TestSchulpflichtOhneSchuelerlisten: before any pupil list the page says
// so and names every school; starting a run is refused in German and
// creates nothing; ticking "trotzdem starten" runs it (every child a
// case). After a school's list is loaded, only the other schools are
// named.
func TestSchulpflichtOhneSchuelerlisten(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	tok := devToken(t, gw, "schulamt")
	uploadCSV(t, gw, tok, "kind=melderegister", "register.csv", spRegister)

	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Schulpflicht", chromedp.Navigate(gw.url+"/app/schulpflicht.html"), chromedp.WaitVisible("#stichtag"))
	waitFor(t, ctx, "Schülerlisten", `document.getElementById('listen-text').textContent !== ''`)
	if msg := eval[string](t, ctx, `document.getElementById('listen-text').textContent`); !strings.Contains(msg, "keine Schülerliste") {
		t.Errorf("Hinweis vor dem Abgleich = %q", msg)
	}
	schulen := rowsOf(t, ctx, "#listen-tabelle")
	if len(schulen) < 5 || schulen[0][4] != "fehlt" || schulen[0][2] != "keine" {
		t.Errorf("Schulen ohne Liste = %v", schulen)
	}
	if eval[bool](t, ctx, `document.getElementById('trotzdem').checked`) || !eval[bool](t, ctx, `document.getElementById('trotzdem').offsetParent !== null`) {
		t.Error("„trotzdem starten“ ist vorab angekreuzt oder nicht zu sehen")
	}
	checkA11y(t, ctx, "Schulpflicht ohne Schülerlisten")
	screenshot(t, ctx, "schulpflicht-ohne-listen")

	abgleichStarten(t, ctx)
	waitFor(t, ctx, "Ablehnung", `document.getElementById('status').classList.contains('fehler')`)
	if msg := statusText(ctx); !strings.Contains(msg, "Der Abgleich wurde nicht gestartet") || !strings.Contains(msg, "trotzdem starten") {
		t.Errorf("Ablehnung = %q", msg)
	}
	abgleiche := func() int {
		var n int
		if err := gw.pool.QueryRow(t.Context(), "SELECT count(*) FROM abgleiche").Scan(&n); err != nil {
			t.Fatal(err)
		}
		return n
	}
	if n := abgleiche(); n != 0 {
		t.Fatalf("%d Abgleiche nach der Ablehnung", n)
	}

	do(t, ctx, "trotzdem starten", chromedp.Click("#trotzdem"), chromedp.Click("#starten"))
	waitFor(t, ctx, "erzwungener Abgleich", `document.getElementById('status').classList.contains('ok')`)
	if n := eval[string](t, ctx, `document.querySelector('[data-zahl=none]').textContent`); n != "4" {
		t.Errorf("Fälle nach dem erzwungenen Abgleich = %s, erwartet alle 4 Kinder", n)
	}
	if n := abgleiche(); n != 1 {
		t.Errorf("%d Abgleiche nach „trotzdem starten“", n)
	}

	uploadCSV(t, gw, tok, "kind=schueler&schulnummer=20101", "schueler.csv", spSchueler)
	do(t, ctx, "neu laden", chromedp.Navigate(gw.url+"/app/schulpflicht.html"), chromedp.WaitVisible("#stichtag"))
	waitFor(t, ctx, "Schülerlisten", `document.getElementById('listen-text').textContent !== ''`)
	msg := eval[string](t, ctx, `document.getElementById('listen-text').textContent`)
	nach := rowsOf(t, ctx, "#listen-tabelle")
	if strings.Contains(msg, "keine Schülerliste vor") || len(nach) != len(schulen)-1 || eval[bool](t, ctx, `document.getElementById('trotzdem').offsetParent !== null`) {
		t.Errorf("mit Liste der 20101: %q %v", msg, nach)
	}
	for _, r := range nach {
		if r[1] == "20101" {
			t.Errorf("20101 hat eine Liste und wird trotzdem genannt: %v", r)
		}
	}
}

// A register with two more children nobody finds: Elif and Paul.
const spRegisterFaelle = spRegister + `OM-5;Yılmaz;Elif;14.06.2014;w;Gartenweg;4;06108
OM-6;Nowak;Paul;22.08.2013;m;Am Anger;9;06108
`

// TestSchulpflichtFallarbeit: the school office filters the cases, opens
// one with its history, closes Paul's with reason and remark; a later run
// finds Clara at a school: her case says so and is closed with "Schule
// gefunden" in one step (against the version shown: a colleague's change
// in between is not overwritten).
func TestSchulpflichtFallarbeit(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	tok := devToken(t, gw, "schulamt")
	uploadCSV(t, gw, tok, "kind=melderegister", "register.csv", spRegisterFaelle)
	uploadCSV(t, gw, tok, "kind=schueler&schulnummer=20101", "schueler.csv", spSchueler)
	uploadCSV(t, gw, tok, "kind=bestaetigungen", "bestaetigungen.csv", spBestaetigungen)

	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	do(t, ctx, "Schulpflicht", chromedp.Navigate(gw.url+"/app/schulpflicht.html"), chromedp.WaitVisible("#stichtag"))
	abgleichStarten(t, ctx)
	waitFor(t, ctx, "drei Fälle", `document.querySelectorAll('#faelle button[data-fall]').length === 3`)
	// The cases of one run are created together; the list's order among
	// them is not the point here: compare the names sorted.
	namen := func() string {
		n := eval[[]string](t, ctx, `Array.from(document.querySelectorAll('#faelle tbody th'), th => th.textContent)`)
		slices.Sort(n)
		return strings.Join(n, "|")
	}
	if n := namen(); n != "Neumann, Clara|Nowak, Paul|Yılmaz, Elif" {
		t.Fatalf("Fälle = %s", n)
	}

	// Text filter: a part of the name, any case, either order.
	do(t, ctx, "Textfilter", chromedp.SendKeys("#f-text", "paul NOW"))
	if n := namen(); n != "Nowak, Paul" {
		t.Errorf("Filter „paul NOW“: %s", n)
	}

	// Open Paul's case: its history says it was opened by the run.
	do(t, ctx, "Paul öffnen", chromedp.Click("#faelle button[data-fall]"), chromedp.WaitVisible("#fall-box"))
	if h := rowsOf(t, ctx, "#fall-historie"); len(h) != 1 || !strings.HasPrefix(h[0][2], "angelegt") {
		t.Errorf("Verlauf beim Öffnen = %v", h)
	}
	if a := eval[string](t, ctx, `document.getElementById('fall-angaben').textContent`); !strings.Contains(a, "22.08.2013") || !strings.Contains(a, "OM-6") {
		t.Errorf("Angaben = %q", a)
	}
	if !eval[bool](t, ctx, `document.getElementById('fall-gefunden').hidden`) {
		t.Error("Angebot „Schule gefunden“ für einen Fall, bei dem keine Schule gefunden wurde")
	}
	// Close with reason and remark.
	do(t, ctx, "erledigt: weggezogen",
		chromedp.SetValue("#fall-status", "erledigt"), chromedp.SetValue("#fall-grund", "weggezogen"),
		chromedp.SetValue("#fall-bemerkung", "Familie nach Leipzig verzogen, Meldebehörde informiert"), chromedp.Click("#fall-speichern"))
	waitFor(t, ctx, "Verlauf mit Änderung", `document.querySelectorAll('#fall-historie tbody tr').length === 2`)
	h := rowsOf(t, ctx, "#fall-historie")
	if h[1][2] != "offen → erledigt, Grund: weggezogen" || h[1][3] != "Familie nach Leipzig verzogen, Meldebehörde informiert" || h[1][1] == "" {
		t.Errorf("Verlauf nach dem Speichern = %v", h)
	}
	var st, grund string
	if err := gw.pool.QueryRow(t.Context(), "SELECT f.status, coalesce(f.grund, '') FROM faelle f JOIN kinder k ON k.id = f.kind_id WHERE k.vornamen = 'Paul'").Scan(&st, &grund); err != nil || st != "erledigt" || grund != "weggezogen" {
		t.Errorf("Pauls Fall gespeichert als %s/%s (%v)", st, grund, err)
	}
	// Paul is closed: he leaves the default list and is under "erledigt".
	waitFor(t, ctx, "Paul nicht mehr offen", `document.querySelector('#faelle tbody td[colspan]') !== null`)
	// filter chooses a value as a person would; the page answers the
	// event the control fires.
	filter := func(id, value string) {
		t.Helper()
		ev := "change"
		if id == "f-text" {
			ev = "input"
		}
		do(t, ctx, "Filter "+id, chromedp.Evaluate[chromedp.Void](fmt.Sprintf(`(() => { const e = document.getElementById(%q); e.value = %q; e.dispatchEvent(new Event(%q)); })()`, id, value, ev)))
	}
	filter("f-text", "")
	if n := namen(); n != "Neumann, Clara|Yılmaz, Elif" {
		t.Errorf("offene Fälle = %s", n)
	}
	filter("f-status", "erledigt")
	if n := namen(); n != "Nowak, Paul" {
		t.Errorf("erledigt: %s", n)
	}
	filter("f-status", "")
	filter("f-grund", "schule_gefunden")
	if n := namen(); n != "" {
		t.Errorf("Grund Schule gefunden vor dem zweiten Abgleich: %s", n)
	}
	filter("f-grund", "weggezogen")
	if n := namen(); n != "Nowak, Paul" {
		t.Errorf("Grund weggezogen: %s", n)
	}
	filter("f-grund", "")
	filter("f-status", "aktiv")

	// Clara's school sends its list; the next run finds her there.
	uploadCSV(t, gw, tok, "kind=schueler&schulnummer=20201", "schueler-20201.csv",
		"Schülernummer;Familienname;Vornamen;Geburtsdatum;Geschlecht;Klasse\nS-900;Neumann;Clara;01.01.2012;w;8c\n")
	do(t, ctx, "zweiter Abgleich", chromedp.SetValue("#stichtag", "01.10.2026"), chromedp.Click("#starten"))
	waitFor(t, ctx, "Clara gefunden", `[...document.querySelectorAll('#faelle tbody tr')].some(tr => tr.textContent.includes('Prüfen und schließen'))`)
	for _, r := range rowsOf(t, ctx, "#faelle") {
		if strings.HasPrefix(r[5], "Schule gefunden") && (r[0] != "Neumann, Clara" || !strings.Contains(r[5], "schließen") || r[6] != "Prüfen und schließen") {
			t.Errorf("Fall mit gefundener Schule ohne Angebot: %v", r)
		}
	}
	filter("f-schule", "auto")
	if n := namen(); n != "Neumann, Clara" {
		t.Errorf("letzter Abgleich: Schule gefunden: %s", n)
	}

	do(t, ctx, "Clara öffnen", chromedp.Click("#faelle button[data-fall]"))
	waitFor(t, ctx, "Angebot", `!document.getElementById('fall-gefunden').hidden`)
	if msg := eval[string](t, ctx, `document.getElementById('fall-gefunden-text').textContent`); !strings.Contains(msg, "01.10.2026") ||
		!strings.Contains(msg, "Schulnummer 20201") || !strings.Contains(msg, "S-900") {
		t.Errorf("Befund = %q", msg)
	}
	checkA11y(t, ctx, "Schulpflicht Fall")

	// A colleague notes something meanwhile: the one-step close does not
	// overwrite it unseen.
	id := eval[string](t, ctx, `document.querySelector('#faelle button[data-fall]').dataset.fall`)
	req, _ := http.NewRequest("PATCH", gw.url+"/v1/schulpflicht/faelle/"+id, strings.NewReader(`{"bemerkung":"Schule ruft zurück"}`))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 200 {
		t.Fatalf("PATCH des Kollegen: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	fall := func() (string, string, string) {
		var st, grund, bem string
		if err := gw.pool.QueryRow(t.Context(), "SELECT status, coalesce(grund, ''), bemerkung FROM faelle WHERE id = $1", id).Scan(&st, &grund, &bem); err != nil {
			t.Fatal(err)
		}
		return st, grund, bem
	}
	// Clara's school is a city school on its own list: "Schule gefunden".
	if b := eval[string](t, ctx, `document.getElementById('fall-schliessen').textContent`); b != "Fall schließen: Schule gefunden" {
		t.Errorf("Knopf %q", b)
	}
	do(t, ctx, "Schule gefunden (veraltet)", chromedp.Click("#fall-schliessen"))
	waitFor(t, ctx, "Konflikt", `!document.getElementById('fall-konflikt').hidden`)
	if st, _, _ := fall(); st != "offen" {
		t.Errorf("nach dem Konflikt: %s", st)
	}
	do(t, ctx, "Schule gefunden", chromedp.Click("#fall-schliessen"))
	waitFor(t, ctx, "geschlossen", `document.getElementById('fall-konflikt').hidden && document.querySelectorAll('#fall-historie tbody tr').length === 3`)
	if st, grund, bem := fall(); st != "erledigt" || grund != "schule_gefunden" || bem != "Schule ruft zurück" {
		t.Errorf("Claras Fall = %s/%s/%q, erwartet erledigt/schule_gefunden mit der Bemerkung des Kollegen", st, grund, bem)
	}
	if h := rowsOf(t, ctx, "#fall-historie"); h[2][2] != "offen → erledigt, Grund: Schule gefunden" {
		t.Errorf("Verlauf = %v", h)
	}
	if !eval[bool](t, ctx, `document.getElementById('fall-gefunden').hidden`) {
		t.Error("Angebot steht nach dem Schließen noch da")
	}
	if n := namen(); n != "" {
		t.Errorf("offen mit gefundener Schule nach dem Schließen: %s", n)
	}

	// Elif's school in Leipzig sends an XSchule Schulbescheinigung (here as
	// the gateway's JSON); the next run counts it, and her case is closed in
	// one step as "Schule außerhalb" (issue #19).
	sb := `{"schueler":{"familienname":"Yılmaz","vornamen":"Elif","geburtsdatum":"2014-06-14","geschlecht":"w"},` +
		`"schule":{"name":"Thomasschule","ort":"Leipzig"},"schulbesuch":{"beginn":"2026-08-01","ende":"2027-07-31","jahrgangsstufe":"jahrgangsstufe_7"},` +
		`"ausgestellt_am":"2026-09-01"}`
	req, _ = http.NewRequest("POST", gw.url+"/v1/schulbescheinigungen", strings.NewReader(sb))
	req.Header.Set("Authorization", "Bearer "+tok)
	req.Header.Set("Content-Type", "application/json")
	if resp, err := http.DefaultClient.Do(req); err != nil || resp.StatusCode != 201 {
		t.Fatalf("Schulbescheinigung: %v %v", resp, err)
	} else {
		resp.Body.Close()
	}
	do(t, ctx, "dritter Abgleich", chromedp.SetValue("#stichtag", "15.10.2026"), chromedp.Click("#starten"))
	waitFor(t, ctx, "Elif gefunden", `[...document.querySelectorAll('#faelle tbody tr')].some(tr => tr.textContent.includes('Yılmaz') && tr.textContent.includes('Prüfen und schließen'))`)
	do(t, ctx, "Elif öffnen", chromedp.Click("#faelle button[data-fall]"))
	waitFor(t, ctx, "Angebot für Elif", `!document.getElementById('fall-gefunden').hidden && document.getElementById('fall-gefunden-text').textContent.includes('Elif')`)
	if msg := eval[string](t, ctx, `document.getElementById('fall-gefunden-text').textContent`); !strings.Contains(msg, "Schulbescheinigung (XSchule)") ||
		!strings.Contains(msg, "Thomasschule") || !strings.Contains(msg, "„Schule außerhalb“") {
		t.Errorf("Befund für Elif = %q", msg)
	}
	if b := eval[string](t, ctx, `document.getElementById('fall-schliessen').textContent`); b != "Fall schließen: Schule außerhalb" {
		t.Errorf("Knopf für Elif %q", b)
	}
	elif := eval[string](t, ctx, `document.querySelector('#faelle button[data-fall]').dataset.fall`)
	do(t, ctx, "Schule außerhalb", chromedp.Click("#fall-schliessen"))
	waitFor(t, ctx, "Elifs Fall geschlossen", `document.getElementById('fall-gefunden').hidden`)
	var elifSt, elifGrund string
	if err := gw.pool.QueryRow(t.Context(), "SELECT status, coalesce(grund, '') FROM faelle WHERE id = $1", elif).Scan(&elifSt, &elifGrund); err != nil || elifSt != "erledigt" || elifGrund != "schule_ausserhalb" {
		t.Errorf("Elifs Fall = %s/%s (%v), erwartet erledigt/schule_ausserhalb", elifSt, elifGrund, err)
	}
}

package web_test

import (
	"bytes"
	"encoding/json"
	"mime/multipart"
	"net/http"
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
	do(t, ctx, "Abgleich starten", chromedp.SetValue("#stichtag", "15.09.2026"), chromedp.Click("#starten"))
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
	do(t, ctx, "Abgleich starten", chromedp.SetValue("#stichtag", "15.09.2026"), chromedp.Click("#starten"))
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

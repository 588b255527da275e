package web_test

import (
	"bytes"
	"encoding/json"
	"fmt"
	"net/http"
	"os"
	"path/filepath"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
)

// getJSON reads an API answer as the given role, for comparing the page
// with the gateway.
func getJSON(t *testing.T, gw *gateway, role, path string, out any) {
	t.Helper()
	req, _ := http.NewRequest("GET", gw.url+path, nil)
	req.Header.Set("Authorization", "Bearer "+devToken(t, gw, role))
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 200 {
		t.Fatalf("GET %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

// postJSON sends a JSON body as the given role and decodes the answer.
func postJSON(t *testing.T, gw *gateway, role, path string, in, out any) {
	t.Helper()
	b, _ := json.Marshal(in)
	req, _ := http.NewRequest("POST", gw.url+path, bytes.NewReader(b))
	req.Header.Set("Authorization", "Bearer "+devToken(t, gw, role))
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	if resp.StatusCode != 201 {
		t.Fatalf("POST %s: %d", path, resp.StatusCode)
	}
	if err := json.NewDecoder(resp.Body).Decode(out); err != nil {
		t.Fatal(err)
	}
}

type zelle struct {
	Anzahl *int `json:"anzahl"`
}

func (z zelle) String() string {
	if z.Anzahl == nil {
		return "–"
	}
	return fmt.Sprint(*z.Anzahl)
}

type bericht struct {
	G struct {
		Kinder  zelle `json:"kinder"`
		Wunsch1 zelle `json:"wunsch_1"`
		Wunsch2 zelle `json:"wunsch_2"`
		Wunsch3 zelle `json:"wunsch_3"`
		Ohne    zelle `json:"ohne_platz"`
	} `json:"gesamt"`
	S []struct {
		Schulnummer string `json:"schulnummer"`
		Plaetze     int    `json:"plaetze"`
		Bewerbungen *int   `json:"bewerbungen"`
		Wunsch1     zelle  `json:"wunsch_1"`
		Wunsch2     zelle  `json:"wunsch_2"`
		Wunsch3     zelle  `json:"wunsch_3"`
		Aufgenommen zelle  `json:"aufgenommen"`
	} `json:"schulen"`
}

// TestUebergangPageInBrowser (issue 20, "the page for the school office"):
// the school office uploads an application list on the page, sets the
// places of the Gymnasium, runs both procedures, compares them and
// confirms one; every number the page shows is the API's report.
func TestUebergangPageInBrowser(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	// Twelve children of Grundschule age for a Übergang in 2027 (born 2016/17).
	rows := [][]any{{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "PLZ"}}
	born := time.Date(2016, 9, 3, 0, 0, 0, 0, time.UTC)
	var csv strings.Builder
	csv.WriteString("Name;Vorname;Geb.-Datum;Erstwunsch;Zweitwunsch;Drittwunsch;Härtefall\r\n")
	for i := range 12 {
		s := strassen[i%len(strassen)]
		geb := born.AddDate(0, 0, i*17).Format("02.01.2006")
		rows = append(rows, []any{familien[i], vornamen[i], geb, s[0], s[1], "06108"})
		// Everyone wants the Gymnasium first; half then Am Park, half Nord.
		zweit, dritt := "20201", "20202"
		if i%2 == 1 {
			zweit, dritt = "20202", "20201"
		}
		haerte := ""
		if i == 7 {
			haerte = "ja"
		}
		fmt.Fprintf(&csv, "%s;%s;%s;20301;%s;%s;%s\r\n", familien[i], vornamen[i], geb, zweit, dritt, haerte)
	}
	csv.WriteString("Unbekannt;Max;01.01.2016;20301;20201;;\r\n")
	importRegister(t, gw, rows)
	file := filepath.Join(t.TempDir(), "anmeldungen.csv")
	if err := os.WriteFile(file, []byte(csv.String()), 0o600); err != nil {
		t.Fatal(err)
	}

	ctx := startBrowser(t)
	signIn(t, ctx, gw, "schulamt")
	if nav := eval[string](t, ctx, `document.getElementById('nav').textContent`); !strings.Contains(nav, "Übergang") {
		t.Errorf("Navigation des Schulamts ohne Übergang: %q", nav)
	}
	do(t, ctx, "Übergang", chromedp.Navigate(gw.url+"/app/uebergang.html?schuljahr=2027/28"))
	waitFor(t, ctx, "Plätze und Anmeldungen", `!document.getElementById('bereich').hidden && document.querySelectorAll('#plaetze tbody tr').length > 0`)
	if got := eval[string](t, ctx, `document.getElementById('anzahl-anmeldungen').textContent`); !strings.HasPrefix(got, "0 Anmeldungen") {
		t.Errorf("vor dem Hochladen: %q", got)
	}

	// The list: twelve applications, the unknown child an error with its cell.
	setFiles(t, ctx, "datei", file)
	do(t, ctx, "hochladen", chromedp.Click("#hochladen-knopf"))
	waitFor(t, ctx, "Importergebnis", `!document.getElementById('import-ergebnis').hidden && document.activeElement.id === 'import-text'`)
	if got := eval[string](t, ctx, `document.getElementById('import-text').textContent`); !strings.Contains(got, "13 Zeilen gelesen, 12 neue") || !strings.Contains(got, "1 fehlerhafte") {
		t.Errorf("Importergebnis: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('import-fehler').textContent`); !strings.Contains(got, "Zeile 14") && !strings.Contains(got, "A14") {
		t.Errorf("Fehler ohne Zeile 14 des unbekannten Kindes: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('import-link').getAttribute('href')`); !strings.HasPrefix(got, "imports.html") {
		t.Errorf("Verweis auf die Importe: %q", got)
	}
	if got := eval[string](t, ctx, `document.getElementById('anzahl-anmeldungen').textContent`); !strings.HasPrefix(got, "12 Anmeldungen") {
		t.Errorf("nach dem Hochladen: %q", got)
	}
	checkA11y(t, ctx, "Übergang")

	// Three places at the Gymnasium.
	do(t, ctx, "Plätze Gymnasium", chromedp.SetValue("#plaetze-20301", "3"), chromedp.Click(`#plaetze tr[data-schulnummer="20301"] button`))
	waitFor(t, ctx, "gespeichert", `document.getElementById('status').textContent.startsWith('Gespeichert')`)
	var kap struct {
		Items []struct {
			Schulnummer string `json:"schulnummer"`
			Plaetze     *int   `json:"plaetze"`
		} `json:"items"`
	}
	getJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/kapazitaeten", &kap)
	for _, k := range kap.Items {
		if k.Schulnummer == "20301" && (k.Plaetze == nil || *k.Plaetze != 3) {
			t.Errorf("Plätze des Gymnasiums nach dem Speichern: %v", k.Plaetze)
		}
	}

	// Both procedures; each report on the page is the API's.
	var ids []string
	for i, v := range []string{"#v-erstwunsch", "#v-da"} {
		do(t, ctx, "Verfahren "+v, chromedp.Click(v), chromedp.Click("#starten"))
		waitFor(t, ctx, "Bericht", fmt.Sprintf(`!document.getElementById('bericht').hidden && document.getElementById('h-bericht').textContent.includes('Lauf %d') && document.activeElement.id === 'h-bericht'`, i+1))
		id := eval[string](t, ctx, `document.getElementById('bericht').dataset.id`)
		ids = append(ids, id)
		var b bericht
		getJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/verteilungen/"+id+"/bericht", &b)
		gesamt := map[string]string{}
		for _, r := range rowsOf(t, ctx, "#gesamt") {
			gesamt[r[0]] = r[1]
		}
		for label, z := range map[string]zelle{"1. Wunsch erfüllt": b.G.Wunsch1, "2. Wunsch erfüllt": b.G.Wunsch2, "3. Wunsch erfüllt": b.G.Wunsch3,
			"ohne Platz an einer Wunschschule": b.G.Ohne, "Kinder insgesamt": b.G.Kinder} {
			if gesamt[label] != z.String() {
				t.Errorf("Lauf %d, %s: Seite %q, Bericht %s", i+1, label, gesamt[label], z)
			}
		}
		if b.G.Wunsch1.String() != "3" || b.G.Kinder.String() != "12" {
			t.Errorf("Lauf %d: %s von %s mit Erstwunsch, erwartet 3 von 12 (drei Plätze am Gymnasium)", i+1, b.G.Wunsch1, b.G.Kinder)
		}
		schulen := map[string][]string{}
		for _, r := range rowsOf(t, ctx, "#je-schule") {
			for _, s := range b.S {
				if strings.Contains(r[0], s.Schulnummer) {
					schulen[s.Schulnummer] = r
				}
			}
		}
		if len(schulen) != len(b.S) || len(b.S) == 0 {
			t.Errorf("Lauf %d: %d Schulen auf der Seite, %d im Bericht", i+1, len(schulen), len(b.S))
		}
		for _, s := range b.S {
			r := schulen[s.Schulnummer]
			want := []string{fmt.Sprint(s.Plaetze), fmt.Sprint(*s.Bewerbungen), s.Wunsch1.String(), s.Wunsch2.String(), s.Wunsch3.String(), s.Aufgenommen.String()}
			if len(r) < 8 || r[1] != want[0] || r[2] != want[1] || r[4] != want[2] || r[5] != want[3] || r[6] != want[4] || r[7] != want[5] {
				t.Errorf("Lauf %d, Schule %s: Seite %v, Bericht %v", i+1, s.Schulnummer, r, want)
			}
		}
	}

	// A third run made elsewhere (through the API, another workplace); the
	// page is opened anew and lists all three runs of the year with the
	// numbers of the API's list, not only those started in this tab.
	var dritter struct {
		ID string `json:"id"`
	}
	postJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/verteilungen", map[string]string{"verfahren": "deferred_acceptance"}, &dritter)
	ids = append(ids, dritter.ID)
	do(t, ctx, "Übergang neu geöffnet", chromedp.Navigate(gw.url+"/app/uebergang.html?schuljahr=2027/28"))
	waitFor(t, ctx, "Liste der Verteilungen", `!document.getElementById('bereich').hidden && document.querySelectorAll('#laeufe tbody tr').length === 3`)
	var liste struct {
		Items []struct {
			ID      string `json:"id"`
			Kinder  int    `json:"kinder"`
			Wunsch1 int    `json:"wunsch_1"`
			Wunsch2 int    `json:"wunsch_2"`
			Wunsch3 int    `json:"wunsch_3"`
			Ohne    int    `json:"ohne_platz"`
		} `json:"items"`
	}
	getJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/verteilungen", &liste)
	zeilen := rowsOf(t, ctx, "#laeufe")
	if len(liste.Items) != 3 || len(zeilen) != 3 {
		t.Fatalf("Liste: API %d, Seite %d Verteilungen", len(liste.Items), len(zeilen))
	}
	for i, it := range liste.Items {
		r := zeilen[i]
		want := []string{fmt.Sprint(it.Kinder), fmt.Sprint(it.Wunsch1), fmt.Sprint(it.Wunsch2), fmt.Sprint(it.Wunsch3), fmt.Sprint(it.Ohne)}
		if it.ID != ids[i] || !strings.HasPrefix(r[0], fmt.Sprintf("Lauf %d", i+1)) || !slices.Equal(r[2:7], want) {
			t.Errorf("Verteilung %d: Seite %v, API %v (%s, erwartet %s)", i+1, r, want, it.ID, ids[i])
		}
	}
	if !strings.Contains(zeilen[0][0], "Erstwunsch") || !strings.Contains(zeilen[2][0], "Zurückgestellte") {
		t.Errorf("Verfahren in der Liste: %v", zeilen)
	}

	// Compare any two: the first (from this tab) with the third (made elsewhere).
	waitFor(t, ctx, "Vergleich", `!document.getElementById('vergleich-karte').hidden`)
	do(t, ctx, "Läufe wählen", chromedp.SetValue("#lauf-a", ids[0]), chromedp.SetValue("#lauf-b", ids[2]))
	do(t, ctx, "vergleichen", chromedp.Click(`#vergleichen button[type=submit]`))
	waitFor(t, ctx, "Vergleich gezeigt", `!document.getElementById('vergleich').hidden && document.activeElement.id === 'vergleich-titel'`)
	if got := eval[string](t, ctx, `document.getElementById('vergleich-titel').textContent`); !strings.HasPrefix(got, "A = Lauf 1") || !strings.Contains(got, "B = Lauf 3") {
		t.Errorf("Vergleichstitel: %q", got)
	}
	var v struct {
		A, B   map[string]any
		Gleich int `json:"gleich"`
	}
	getJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/verteilungen/"+ids[0]+"/vergleich?mit="+ids[2], &v)
	for _, r := range rowsOf(t, ctx, "#vergleich-tabelle") {
		if r[0] == "1. Wunsch erfüllt" && (r[1] != fmt.Sprint(v.A["wunsch_1"]) || r[2] != fmt.Sprint(v.B["wunsch_1"])) {
			t.Errorf("Vergleich 1. Wunsch: Seite %v, API %v / %v", r, v.A["wunsch_1"], v.B["wunsch_1"])
		}
		if r[0] == "Kinder" && (r[1] != "12" || r[2] != "12") {
			t.Errorf("Vergleich Kinder: %v", r)
		}
	}
	if got := eval[string](t, ctx, `document.getElementById('vergleich-kinder').textContent`); !strings.Contains(got, fmt.Sprintf("%d gleich", v.Gleich)) {
		t.Errorf("Vergleich je Kind: %q, API %d gleich", got, v.Gleich)
	}
	checkA11y(t, ctx, "Übergang mit Bericht")

	// Confirm the second run, chosen from the list, after a question; then it says so, without the button.
	do(t, ctx, "Lauf 2 anzeigen", chromedp.Click(`#laeufe tr[data-id="`+ids[1]+`"] button`))
	waitFor(t, ctx, "Lauf 2", `document.getElementById('bericht').dataset.id === '`+ids[1]+`' && document.activeElement.id === 'h-bericht'`)
	do(t, ctx, "bestätigen", chromedp.Click("#bestaetigen"))
	waitFor(t, ctx, "Frage", `!document.getElementById('frage').hidden && document.activeElement.id === 'frage-text'`)
	if got := eval[string](t, ctx, `document.getElementById('frage-text').textContent`); !strings.HasPrefix(got, "Soll „Lauf 2") {
		t.Errorf("Frage: %q", got)
	}
	do(t, ctx, "ja", chromedp.Click("#ja-bestaetigen"))
	waitFor(t, ctx, "bestätigt", `!document.getElementById('bestaetigt').hidden && document.getElementById('bestaetigen').hidden && document.getElementById('frage').hidden`)
	if got := eval[string](t, ctx, `document.getElementById('bestaetigt').textContent`); !strings.HasPrefix(got, "Diese Verteilung ist bestätigt") {
		t.Errorf("nach der Bestätigung: %q", got)
	}
	if got := rowsOf(t, ctx, "#laeufe"); len(got) != 3 || !strings.Contains(got[1][0], "(bestätigt)") || strings.Contains(got[0][0]+got[2][0], "bestätigt") {
		t.Errorf("Liste nach der Bestätigung: %v", got)
	}
	var lauf struct {
		Bestaetigt *string `json:"bestaetigt_am"`
	}
	getJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/verteilungen/"+ids[1], &lauf)
	if lauf.Bestaetigt == nil {
		t.Error("die API kennt keine Bestätigung")
	}

	// After the confirmation a fourth place at the Gymnasium goes to its
	// waiting list at once, and the page says so; fewer places than
	// children admitted are refused with the gateway's reason.
	do(t, ctx, "vierter Platz", chromedp.SetValue("#plaetze-20301", "4"), chromedp.Click(`#plaetze tr[data-schulnummer="20301"] button`))
	waitFor(t, ctx, "nachgerückt", `document.getElementById('status').textContent.startsWith('Gespeichert')`)
	if got := eval[string](t, ctx, `document.getElementById('status').textContent`); !regexp.MustCompile(`(1 Kind ist|\d+ Kinder sind) von (der Warteliste|Wartelisten) nachgerückt`).MatchString(got) {
		t.Errorf("Status nach dem vierten Platz: %q", got)
	}
	var zut struct {
		Items []struct {
			Schulnummer *string `json:"schulnummer"`
		} `json:"items"`
	}
	getJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/verteilungen/"+ids[1]+"/zuteilungen", &zut)
	amGymnasium := 0
	for _, z := range zut.Items {
		if z.Schulnummer != nil && *z.Schulnummer == "20301" {
			amGymnasium++
		}
	}
	if amGymnasium != 4 {
		t.Errorf("%d Kinder haben jetzt einen Platz am Gymnasium, erwartet 4", amGymnasium)
	}
	do(t, ctx, "weniger Plätze", chromedp.SetValue("#plaetze-20301", "2"), chromedp.Click(`#plaetze tr[data-schulnummer="20301"] button`))
	waitFor(t, ctx, "abgelehnt", `document.getElementById('status').classList.contains('fehler')`)
	if got := eval[string](t, ctx, `document.getElementById('status').textContent`); !strings.Contains(got, "haben 4 Kinder einen Platz an der Schule 20301") {
		t.Errorf("Status nach zu wenigen Plätzen: %q", got)
	}

	// The state after the confirmation, child by child, as the API has it;
	// a family declines a place at the Gymnasium on the page, and the first
	// of its waiting list (if any) moves up.
	waitFor(t, ctx, "Plätze nach der Bestätigung", `!document.getElementById('zusagen-karte').hidden && document.querySelectorAll('#zusagen tbody tr').length === 12`)
	type zuteilung struct {
		AnmeldungID string         `json:"anmeldung_id"`
		Schulnummer *string        `json:"schulnummer"`
		Warteliste  map[string]int `json:"warteliste"`
		Abgesagt    bool           `json:"abgesagt"`
	}
	var stand struct {
		Items []zuteilung `json:"items"`
	}
	getJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/verteilungen/"+ids[1]+"/zuteilungen", &stand)
	var absage, nachruecker string
	for _, z := range stand.Items {
		if z.Schulnummer != nil && *z.Schulnummer == "20301" && absage == "" {
			absage = z.AnmeldungID
		}
		if z.Warteliste["20301"] == 1 {
			nachruecker = z.AnmeldungID
		}
	}
	platzJetzt := func(id string) string {
		return eval[string](t, ctx, `document.querySelector('#zusagen tr[data-anmeldung="`+id+`"] td:nth-of-type(2)').textContent`)
	}
	for _, z := range stand.Items {
		if got := platzJetzt(z.AnmeldungID); z.Schulnummer != nil && !strings.Contains(got, "("+*z.Schulnummer+")") || z.Schulnummer == nil && got != "ohne Platz" {
			t.Errorf("Platz jetzt von %s: Seite %q, API %v", z.AnmeldungID, got, z.Schulnummer)
		}
	}
	do(t, ctx, "Absage erfassen", chromedp.Click(`#zusagen tr[data-anmeldung="`+absage+`"] button`))
	waitFor(t, ctx, "Rückfrage", `document.activeElement.textContent.startsWith('Absage für')`)
	do(t, ctx, "ja, Absage", chromedp.Click(`#zusagen tr[data-anmeldung="`+absage+`"] button:not(.zweit)`))
	waitFor(t, ctx, "Absage erfasst", `document.getElementById('status').textContent.startsWith('Die Absage für') && document.activeElement.id === 'h-zusagen'`)
	getJSON(t, gw, "schulamt", "/v1/uebergang/2027-28/verteilungen/"+ids[1]+"/zuteilungen", &stand)
	for _, z := range stand.Items {
		if z.AnmeldungID == absage && !z.Abgesagt {
			t.Error("die API kennt die Absage nicht")
		}
		if z.AnmeldungID == nachruecker && (z.Schulnummer == nil || *z.Schulnummer != "20301") {
			t.Errorf("der Erste der Warteliste (%s) ist nicht nachgerückt: %v", nachruecker, z.Schulnummer)
		}
	}
	if got := platzJetzt(absage); got != "abgesagt" {
		t.Errorf("Platz jetzt nach der Absage: %q", got)
	}
	if nachruecker != "" && !strings.Contains(platzJetzt(nachruecker), "(20301)") {
		t.Errorf("Nachrücker auf der Seite: %q", platzJetzt(nachruecker))
	}
	eintraege := eval[[]string](t, ctx, `[...document.querySelectorAll('#absagen li')].map((li) => li.textContent)`)
	if len(eintraege) != 1 || !strings.Contains(eintraege[0], "Absage für") || (nachruecker != "") != strings.Contains(eintraege[0], "rückt an") {
		t.Errorf("erfasste Absagen auf der Seite: %q (Nachrücker %q)", eintraege, nachruecker)
	}
	do(t, ctx, "suchen", chromedp.SendKeys("#zusagen-filter", "zzz-niemand"))
	waitFor(t, ctx, "Suche", `document.querySelectorAll('#zusagen tbody tr').length === 0`)
	eval[bool](t, ctx, `(() => { const f = document.getElementById('zusagen-filter'); f.value = ''; return f.dispatchEvent(new Event('input')); })()`)
	waitFor(t, ctx, "alle wieder", `document.querySelectorAll('#zusagen tbody tr').length === 12`)
	checkA11y(t, ctx, "Übergang nach der Bestätigung")
	screenshot(t, ctx, "uebergang")
	// On a phone the report's tables scroll inside their card, not the page.
	do(t, ctx, "390 px", chromedp.EmulateViewport(390, 900))
	if over := eval[int](t, ctx, `document.documentElement.scrollWidth - window.innerWidth`); over > 0 {
		t.Errorf("bei 390 px ist die Seite mit Bericht und Vergleich %d px breiter als das Fenster", over)
	}
	screenshot(t, ctx, "uebergang-390")

	// The administrator finds the page but no data: the API serves the school office only.
	do(t, ctx, "abmelden", chromedp.Click("#nav button"))
	waitFor(t, ctx, "abgemeldet", `location.pathname.endsWith('/index.html') && sessionStorage.length === 0`)
	signIn(t, ctx, gw, "admin")
	do(t, ctx, "Übergang als admin", chromedp.Navigate(gw.url+"/app/uebergang.html"))
	waitFor(t, ctx, "Hinweis", `!document.getElementById('nur-schulamt').hidden`)
	if eval[bool](t, ctx, `!document.getElementById('bereich').hidden || document.getElementById('status').classList.contains('fehler')`) {
		t.Error("admin sieht Daten des Übergangs oder einen Fehler statt des Hinweises")
	}
}

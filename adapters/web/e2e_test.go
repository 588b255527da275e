package web_test

import (
	"context"
	"fmt"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/cdproto/browser"
	"github.com/chromedp/chromedp"
	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/adapters/httpapi"
)

var (
	familien = []string{"Krause", "Lehmann", "Wolf", "Schulze", "Hoffmann", "König", "Richter", "Braun", "Zimmermann", "Hartmann", "Neumann", "Schmitt"}
	vornamen = []string{"Emil", "Mia", "Ben", "Lina", "Paul", "Emma", "Noah", "Hanna", "Leon", "Sophie", "Finn", "Marie"}
	strassen = [][2]string{{"Rosenweg", "4"}, {"Hauptstraße", "12"}, {"Am Anger", "3"}, {"Kirchgasse", "8"}, {"Mühlenstraße", "15"},
		{"Lindenplatz", "2"}, {"Parkallee", "21"}, {"Heideweg", "5"}, {"Nordring", "7"}, {"Rosenweg", "9"}}
)

// register is a Melderegister extract of n children of the 2027/28 cohort
// in Musterstadt's streets, under a title row as real exports have it.
// broken puts two mistakes in: an empty Hausnummer in E5 and the 31
// February in C6.
func register(n int, broken bool) [][]any {
	rows := [][]any{{"Melderegister-Auszug Musterstadt – Stand 01.03.2027"}, {},
		{"Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "PLZ"}}
	born := time.Date(2020, 7, 2, 0, 0, 0, 0, time.UTC)
	for i := range n {
		s := strassen[i%len(strassen)]
		rows = append(rows, []any{familien[i%len(familien)], vornamen[(i*5)%len(vornamen)],
			born.AddDate(0, 0, i*13%360).Format("02.01.2006"), s[0], s[1], "06108"})
	}
	if broken {
		rows[4][4] = ""           // E5
		rows[5][2] = "31.02.2020" // C6
	}
	return rows
}

func writeXLSX(t *testing.T, path string, rows [][]any) string {
	t.Helper()
	f := excelize.NewFile()
	for i, r := range rows {
		if err := f.SetSheetRow("Sheet1", fmt.Sprintf("A%d", i+1), &r); err != nil {
			t.Fatal(err)
		}
	}
	if err := f.SaveAs(path); err != nil {
		t.Fatal(err)
	}
	return path
}

// screenshot saves the whole page as PNG in SCREENSHOT_DIR (make
// screenshots sets docs/screenshots), else in the test's temp dir.
func screenshot(t *testing.T, ctx context.Context, name string) {
	t.Helper()
	shoot(t, ctx, name, chromedp.FullScreenshot(100))
}

func shoot(t *testing.T, ctx context.Context, name string, action chromedp.Action[[]byte]) {
	t.Helper()
	dir := os.Getenv("SCREENSHOT_DIR")
	if dir == "" {
		dir = t.TempDir()
	}
	png, err := chromedp.Run(ctx, action)
	if err != nil {
		t.Fatalf("Bildschirmfoto %s: %v", name, err)
	}
	if err := os.WriteFile(filepath.Join(dir, name+".png"), png, 0o644); err != nil {
		t.Fatal(err)
	}
}

// unlabelled lists the form controls a screen reader could not name.
const unlabelled = `Array.from(document.querySelectorAll('input:not([type=hidden]), select, textarea'))
	.filter(e => e.labels.length === 0 && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
	.map(e => e.id || e.name || e.outerHTML.slice(0, 60))`

// lowContrast lists visible text whose colour has a contrast below 4.5:1
// (3:1 for large text) against the background it is drawn on.
const lowContrast = `(() => {
	const rgb = (c) => (c.match(/[\d.]+/g) || []).map(Number);
	const lum = ([r, g, b]) => [r, g, b].map((v) => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); })
		.reduce((s, v, i) => s + v * [0.2126, 0.7152, 0.0722][i], 0);
	const bg = (e) => { for (; e; e = e.parentElement) { const c = rgb(getComputedStyle(e).backgroundColor); if (c.length === 3 || c[3] > 0) return c; } return [255, 255, 255]; };
	const bad = [];
	for (const e of document.querySelectorAll('body *')) {
		if (!e.offsetParent && getComputedStyle(e).position !== 'fixed') continue;
		if (![...e.childNodes].some((n) => n.nodeType === 3 && n.textContent.trim())) continue;
		if (e.closest('.unsichtbar, .sprung, svg')) continue;
		const st = getComputedStyle(e);
		const a = lum(rgb(st.color)), b = lum(bg(e));
		const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
		const large = parseFloat(st.fontSize) >= 24 || (parseFloat(st.fontSize) >= 18.66 && Number(st.fontWeight) >= 700);
		if (ratio < (large ? 3 : 4.5)) bad.push(e.tagName + ' „' + e.textContent.trim().slice(0, 30) + '“ ' + ratio.toFixed(2));
	}
	return bad;
})()`

func checkA11y(t *testing.T, ctx context.Context, page string) {
	t.Helper()
	if bad := eval[[]string](t, ctx, lowContrast); len(bad) > 0 {
		t.Errorf("%s: zu wenig Kontrast: %v", page, bad)
	}
	if bad := eval[[]string](t, ctx, unlabelled); len(bad) > 0 {
		t.Errorf("%s: Eingabefelder ohne Beschriftung: %v", page, bad)
	}
	if n := eval[int](t, ctx, `document.querySelectorAll('main, nav, header').length`); n < 3 && page != "Anmeldung" {
		t.Errorf("%s: Landmarken main, nav, header fehlen (%d gefunden)", page, n)
	}
}

// tabTo presses Tab from the top of the page until the element with id
// has the focus, as a keyboard user would.
func tabTo(t *testing.T, ctx context.Context, id string) {
	t.Helper()
	do(t, ctx, "Fokus an den Seitenanfang", chromedp.Evaluate[chromedp.Void](`document.activeElement && document.activeElement.blur()`))
	var seen []string
	for range 40 {
		do(t, ctx, "Tab", chromedp.KeyEvent("\t"))
		got := eval[string](t, ctx, `document.activeElement ? (document.activeElement.id || document.activeElement.tagName) : ''`)
		if got == id {
			return
		}
		seen = append(seen, got)
	}
	t.Fatalf("Tab erreicht #%s nicht; besucht: %v", id, seen)
}

func rowsOf(t *testing.T, ctx context.Context, sel string) [][]string {
	t.Helper()
	return eval[[][]string](t, ctx, `Array.from(document.querySelectorAll('`+sel+` tbody tr'), tr => Array.from(tr.cells, c => c.textContent.trim()))`)
}

// awaitDownload waits for a finished download in dir whose name ends in suffix.
func awaitDownload(t *testing.T, dir, suffix string) string {
	t.Helper()
	deadline := time.Now().Add(timeout)
	last := int64(-1)
	for time.Now().Before(deadline) {
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			if !strings.HasSuffix(e.Name(), suffix) {
				continue
			}
			// Chromium may write the file under its own name while it
			// downloads (CI once read a half-written xlsx): done when its
			// size stayed the same for one poll.
			info, err := e.Info()
			if err == nil && info.Size() > 0 && info.Size() == last {
				return filepath.Join(dir, e.Name())
			}
			if err == nil {
				last = info.Size()
			}
		}
		time.Sleep(100 * time.Millisecond)
	}
	t.Fatalf("kein Download *%s in %s", suffix, dir)
	return ""
}

func allowDownloads(t *testing.T, ctx context.Context) string {
	t.Helper()
	dir := t.TempDir()
	if _, err := chromedp.CallBrowser(ctx, browser.SetDownloadBehavior, browser.SetDownloadBehaviorParams{
		Behavior: browser.SetDownloadBehaviorBehaviorAllow, DownloadPath: dir}); err != nil {
		t.Fatal(err)
	}
	return dir
}

func signIn(t *testing.T, ctx context.Context, gw *gateway, role string) {
	t.Helper()
	do(t, ctx, "Anmeldeseite", chromedp.Navigate(gw.url+"/app/"), chromedp.WaitVisible("#dev"))
	do(t, ctx, "als "+role+" anmelden", chromedp.SetValue("#rolle", role), chromedp.Click("#dev-anmelden"))
	waitFor(t, ctx, "Seite nach der Anmeldung", `!location.pathname.endsWith('/index.html') && document.getElementById('nav').children.length > 0`)
}

// TestImportInBrowser is the school office's path through the imports
// page in headless Chromium against the real gateway: sign in, upload a
// list with mistakes (kind guessed), read the errors by cell, download the
// marked workbook, upload the corrected list, import it, see it among the
// past imports, undo it.
func TestImportInBrowser(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	ctx := startBrowser(t)
	downloads := allowDownloads(t, ctx)
	dir := t.TempDir()
	faulty := writeXLSX(t, filepath.Join(dir, "Melderegister_März.xlsx"), register(24, true))
	fixed := writeXLSX(t, filepath.Join(dir, "Melderegister_März_korrigiert.xlsx"), register(24, false))

	do(t, ctx, "Anmeldeseite", chromedp.Navigate(gw.url+"/app/"), chromedp.WaitVisible("#dev"))
	checkA11y(t, ctx, "Anmeldung")
	screenshot(t, ctx, "anmeldung")
	signIn(t, ctx, gw, "schulamt")
	if path := eval[string](t, ctx, `location.pathname`); path != "/app/imports.html" {
		t.Fatalf("das Schulamt landet auf %s, erwartet /app/imports.html", path)
	}
	waitFor(t, ctx, "Liste bisheriger Importe", `document.querySelector('#verlauf tbody tr') !== null`)
	checkA11y(t, ctx, "Importe")

	// A keyboard user reaches the upload button with Tab and starts with Enter.
	setFiles(t, ctx, "datei", faulty)
	tabTo(t, ctx, "pruefen")
	do(t, ctx, "Enter auf „Hochladen und prüfen“", chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "Fehlertabelle", `!document.getElementById('fehler-box').hidden && document.querySelectorAll('#fehler tbody tr').length > 0`)

	if kind := eval[string](t, ctx, `document.getElementById('art').value`); kind != "melderegister" {
		t.Errorf("erkannte Listenart %q, erwartet melderegister", kind)
	}
	if txt := eval[string](t, ctx, `document.getElementById('erkannt-text').textContent`); !strings.Contains(txt, "Kopfzeile in Zeile 3") {
		t.Errorf("Erkannt: %q, erwartet die Kopfzeile in Zeile 3", txt)
	}
	cols := rowsOf(t, ctx, "#spalten")
	if len(cols) != 6 || cols[2][0] != "C" || cols[2][1] != "Geburtsdatum" {
		t.Errorf("erkannte Spalten = %v", cols)
	}
	if field := eval[string](t, ctx, `document.querySelector('#spalten tbody tr:nth-child(3) select').value`); field != "geburtsdatum" {
		t.Errorf("Spalte C ist %q zugeordnet, erwartet geburtsdatum", field)
	}
	errs := rowsOf(t, ctx, "#fehler")
	cells := map[string]string{}
	for _, r := range errs {
		cells[r[0]] = r[3]
	}
	if msg := cells["E5"]; !strings.Contains(msg, "Hausnummer") {
		t.Errorf("Fehler in E5 = %q, erwartet die leere Hausnummer; Tabelle: %v", msg, errs)
	}
	if msg := cells["C6"]; !strings.Contains(msg, "31.02.2020") {
		t.Errorf("Fehler in C6 = %q, erwartet das ungültige Datum; Tabelle: %v", msg, errs)
	}
	if n := eval[string](t, ctx, `document.querySelector('[data-zahl=invalid]').textContent`); n != "2" {
		t.Errorf("fehlerhaft = %s, erwartet 2", n)
	}
	if visible := eval[bool](t, ctx, `!document.getElementById('importieren').hidden`); visible {
		t.Error("„Jetzt importieren“ wird trotz Fehlern angeboten")
	}
	checkA11y(t, ctx, "Importe mit Fehlern")
	screenshot(t, ctx, "importe-fehler")

	// The marked workbook: the rows as uploaded, with a Fehler column.
	do(t, ctx, "Fehlerliste herunterladen", chromedp.Click("#fehler-xlsx"))
	wb, err := excelize.OpenFile(awaitDownload(t, downloads, ".xlsx"))
	if err != nil {
		t.Fatal(err)
	}
	rows, err := wb.GetRows(wb.GetSheetList()[0])
	if err != nil {
		t.Fatal(err)
	}
	fehlerCol := -1
	for r := range rows {
		if i := slices.Index(rows[r], "Fehler"); i >= 0 && r == 2 {
			fehlerCol = i
		}
	}
	if fehlerCol < 0 {
		t.Fatalf("keine Spalte „Fehler“ in der Kopfzeile: %v", rows[:min(3, len(rows))])
	}
	fehler := func(row int) string {
		if len(rows[row-1]) > fehlerCol {
			return rows[row-1][fehlerCol]
		}
		return ""
	}
	if !strings.Contains(fehler(5), "Hausnummer") || !strings.Contains(fehler(6), "31.02.2020") || fehler(4) != "" {
		t.Errorf("Fehler-Spalte: Zeile 4 %q, 5 %q, 6 %q", fehler(4), fehler(5), fehler(6))
	}

	// The corrected list passes the dry run and is imported.
	setFiles(t, ctx, "datei", fixed)
	// Record what the progress area shows while the list is processed.
	eval[chromedp.Void](t, ctx, `window.fortschritt = [];
		new MutationObserver(() => { const b = document.getElementById('fortschritt-box');
			if (!b.hidden) window.fortschritt.push(b.textContent.trim()); })
		.observe(document.getElementById('fortschritt-box'), {attributes: true, childList: true, subtree: true, characterData: true})`)
	do(t, ctx, "korrigierte Datei hochladen", chromedp.Click("#pruefen"))
	waitFor(t, ctx, "Probelauf ohne Fehler", `!document.getElementById('importieren').hidden`)
	if seen := eval[[]string](t, ctx, `window.fortschritt`); len(seen) == 0 || !strings.Contains(strings.Join(seen, " "), "Die Liste") {
		t.Errorf("keine Fortschrittsanzeige während der Verarbeitung: %q", seen)
	}
	if hidden := eval[bool](t, ctx, `document.getElementById('fortschritt-box').hidden`); !hidden {
		t.Error("die Fortschrittsanzeige bleibt nach dem Ende stehen")
	}
	if n := eval[string](t, ctx, `document.querySelector('[data-zahl=created]').textContent + '/' + document.querySelector('[data-zahl=invalid]').textContent`); n != "24/0" {
		t.Errorf("Probelauf neu/fehlerhaft = %s, erwartet 24/0", n)
	}
	if hidden := eval[bool](t, ctx, `document.getElementById('fehler-box').hidden`); !hidden {
		t.Error("die Fehlertabelle des ersten Versuchs steht noch da")
	}
	do(t, ctx, "importieren", chromedp.Click("#importieren"))
	waitFor(t, ctx, "Import fertig", `document.getElementById('status').textContent === 'Import fertig.'`)
	var kinder int
	if err := gw.pool.QueryRow(t.Context(), "SELECT count(*) FROM kinder").Scan(&kinder); err != nil || kinder != 24 {
		t.Fatalf("nach dem Import %d Kinder gespeichert (%v), erwartet 24", kinder, err)
	}
	past := rowsOf(t, ctx, "#verlauf")
	if len(past) < 3 || past[0][1] != "Melderegister_März_korrigiert.xlsx" || past[0][3] != "Import" || past[0][4] != "fertig" ||
		!strings.HasPrefix(past[0][5], "24 neu") || past[0][6] != "Rückgängig machen" {
		t.Fatalf("bisherige Importe = %v", past)
	}
	if !strings.HasPrefix(past[0][0], time.Now().Format("02.01.2006")) {
		t.Errorf("Datum %q nicht als TT.MM.JJJJ von heute", past[0][0])
	}

	// Undo asks once more, then takes the import back.
	do(t, ctx, "rückgängig machen", chromedp.Click("#verlauf tbody tr:first-child button"))
	waitFor(t, ctx, "Rückfrage", `document.querySelector('#verlauf tbody tr:first-child button').textContent.startsWith('Wirklich')`)
	do(t, ctx, "bestätigen", chromedp.Click("#verlauf tbody tr:first-child button"))
	waitFor(t, ctx, "rückgängig gemacht", `document.querySelector('#verlauf tbody tr:first-child').textContent.includes('rückgängig gemacht am')`)
	var gemeldet int
	if err := gw.pool.QueryRow(t.Context(), "SELECT count(*) FROM kinder WHERE created_by_import IS NOT NULL").Scan(&gemeldet); err != nil || gemeldet != 0 {
		t.Errorf("nach dem Rückgängigmachen noch %d Kinder aus dem Import (%v)", gemeldet, err)
	}
}

// TestCorrectMappingInBrowser: a list whose Straße column has a header
// the gateway does not know. The page shows the column unmapped and the
// missing field; staff map it, the mapping is saved for the kind, and the
// same file passes the dry run.
func TestCorrectMappingInBrowser(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	ctx := startBrowser(t)
	rows := register(5, false)
	rows[2][3] = "Wohnanschrift Kind"
	file := writeXLSX(t, filepath.Join(t.TempDir(), "Liste.xlsx"), rows)

	signIn(t, ctx, gw, "schulamt")
	setFiles(t, ctx, "datei", file)
	do(t, ctx, "Melderegister hochladen", chromedp.SetValue("#art", "melderegister"), chromedp.Click("#pruefen"))
	waitFor(t, ctx, "Ergebnis", `!document.getElementById('ergebnis').hidden`)
	if p := eval[string](t, ctx, `document.getElementById('erkannt-problem').textContent`); !strings.Contains(p, "Straße") {
		t.Fatalf("Problem der Kopfzeile: %q, erwartet die fehlende Straße", p)
	}
	if st := eval[string](t, ctx, `document.getElementById('ergebnis-text').textContent`); !strings.Contains(st, "gescheitert") {
		t.Errorf("Ergebnis ohne Straßenspalte: %q", st)
	}
	if field := eval[string](t, ctx, `document.querySelector('#spalten tbody tr:nth-child(4) select').value`); field != "" {
		t.Fatalf("Spalte D ist %q zugeordnet, erwartet keine Zuordnung", field)
	}
	checkA11y(t, ctx, "Zuordnung")
	do(t, ctx, "Spalte D zuordnen", chromedp.SetValue("#spalten tbody tr:nth-child(4) select", "strasse"), chromedp.Click("#zuordnung-speichern"))
	waitFor(t, ctx, "erneuter Probelauf", `!document.getElementById('importieren').hidden`)
	if p := eval[string](t, ctx, `document.getElementById('erkannt-problem').hidden ? '' : document.getElementById('erkannt-problem').textContent`); p != "" {
		t.Errorf("nach der Zuordnung noch ein Problem: %q", p)
	}
	var field string
	if err := gw.pool.QueryRow(t.Context(), "SELECT field FROM header_mappings WHERE kind = 'melderegister'").Scan(&field); err != nil || field != "strasse" {
		t.Errorf("gespeicherte Zuordnung %q (%v), erwartet strasse", field, err)
	}
}

// TestConfirmRemovalsInBrowser (issue 14): a register of 24 children is
// imported; the next file lists only 4 of them. The dry run does not say
// the list can be imported: it names the 20 children that would be marked
// weggezogen and offers one button that confirms exactly that number, and
// which fields the list does not deliver. Nothing changes until it is
// pressed; then the 20 are weggezogen.
func TestConfirmRemovalsInBrowser(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	ctx := startBrowser(t)
	dir := t.TempDir()
	all := writeXLSX(t, filepath.Join(dir, "Melderegister.xlsx"), register(24, false))
	part := writeXLSX(t, filepath.Join(dir, "Melderegister_Teil.xlsx"), register(4, false))

	signIn(t, ctx, gw, "schulamt")
	setFiles(t, ctx, "datei", all)
	do(t, ctx, "ganze Liste prüfen", chromedp.Click("#pruefen"))
	waitFor(t, ctx, "Probelauf ohne Fehler", `!document.getElementById('importieren').hidden`)
	do(t, ctx, "importieren", chromedp.Click("#importieren"))
	waitFor(t, ctx, "Import fertig", `document.getElementById('status').textContent === 'Import fertig.'`)

	setFiles(t, ctx, "datei", part)
	do(t, ctx, "Teilliste prüfen", chromedp.Click("#pruefen"))
	waitFor(t, ctx, "Bestätigung verlangt", `!document.getElementById('entfernen-box').hidden`)
	if st := statusText(ctx); strings.Contains(st, "kann importiert werden") || !strings.Contains(st, "20") {
		t.Errorf("Status nach dem Probelauf: %q", st)
	}
	if cls := eval[string](t, ctx, `document.getElementById('status').className`); strings.Contains(cls, "ok") {
		t.Errorf("Status als %q gezeigt, erwartet eine Warnung", cls)
	}
	if visible := eval[bool](t, ctx, `!document.getElementById('importieren').hidden`); visible {
		t.Error("„Jetzt importieren“ wird ohne Bestätigung angeboten")
	}
	text := eval[string](t, ctx, `document.getElementById('entfernen-text').textContent`)
	button := eval[string](t, ctx, `document.getElementById('entfernen-bestaetigen').textContent`)
	if !strings.Contains(text, "20 Kinder als weggezogen markiert") || !strings.HasPrefix(button, "20 Kinder als weggezogen markiert") {
		t.Errorf("Hinweis %q, Knopf %q: erwartet 20 Kinder als weggezogen markiert", text, button)
	}
	if nd := eval[string](t, ctx, `document.getElementById('nicht-geliefert').textContent`); !strings.Contains(nd, "Nicht geliefert – bleiben unverändert") || !strings.Contains(nd, "Auskunftssperre") {
		t.Errorf("nicht geliefert: %q", nd)
	}
	checkA11y(t, ctx, "Importe mit Bestätigung")
	screenshot(t, ctx, "importe-bestaetigung")
	var weg int
	if err := gw.pool.QueryRow(t.Context(), "SELECT count(*) FROM kinder WHERE status = 'weggezogen'").Scan(&weg); err != nil || weg != 0 {
		t.Fatalf("vor der Bestätigung %d Kinder weggezogen (%v)", weg, err)
	}

	do(t, ctx, "bestätigen", chromedp.Click("#entfernen-bestaetigen"))
	waitFor(t, ctx, "Import fertig", `document.getElementById('status').textContent === 'Import fertig.'`)
	if err := gw.pool.QueryRow(t.Context(), "SELECT count(*) FROM kinder WHERE status = 'weggezogen'").Scan(&weg); err != nil || weg != 20 {
		t.Errorf("nach der Bestätigung %d Kinder weggezogen (%v), erwartet 20", weg, err)
	}
	if hidden := eval[bool](t, ctx, `document.getElementById('entfernen-box').hidden`); !hidden {
		t.Error("die Bestätigung steht nach dem Import noch da")
	}
}

// tabsTo presses Tab from where the focus is until the element with id
// has it and returns how many presses that took (at most limit).
func tabsTo(t *testing.T, ctx context.Context, id string, limit int) int {
	t.Helper()
	var seen []string
	for n := 1; n <= limit; n++ {
		do(t, ctx, "Tab", chromedp.KeyEvent("\t"))
		got := eval[string](t, ctx, `document.activeElement ? (document.activeElement.id || document.activeElement.tagName) : ''`)
		if got == id {
			return n
		}
		seen = append(seen, got)
	}
	t.Fatalf("#%s nach %d Tab nicht erreicht; besucht: %v", id, limit, seen)
	return 0
}

// TestImportOnlyValidRowsInBrowser (issue 16, point 7): a register with
// two faulty rows, uploaded with the default "nichts importieren, solange
// Fehler da sind", is refused – and the result offers to import only the
// valid rows, saying how many are taken and that the faulty ones stay as
// stored. After each run the focus is on the result, one Tab from the next
// step. A dry run with on_error=skip comes first; the import then changes
// the valid rows and leaves the child of a faulty row untouched.
func TestImportOnlyValidRowsInBrowser(t *testing.T) {
	gw := startGateway(t, nil, httpapi.WebDeps{})
	seedDemo(t, gw.pool)
	// Stored: every child but the one whose birth date the new list breaks
	// (C6), so that the faulty E5 row names a stored child.
	stored := register(24, false)
	importRegister(t, gw, append(slices.Clone(stored[:5]), stored[6:]...))
	rows := register(24, true)
	rows[6][4] = "99" // a valid row that changes a stored child (E7)
	file := writeXLSX(t, filepath.Join(t.TempDir(), "Melderegister_April.xlsx"), rows)
	ctx := startBrowser(t)

	signIn(t, ctx, gw, "schulamt")
	setFiles(t, ctx, "datei", file)
	tabTo(t, ctx, "pruefen")
	do(t, ctx, "Enter auf „Hochladen und prüfen“", chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "Angebot: nur fehlerfreie Zeilen", `!document.getElementById('fehlerfrei-box').hidden && document.querySelectorAll('#fehler tbody tr').length > 0`)
	waitFor(t, ctx, "Fokus auf der Überschrift des Ergebnisses", `document.activeElement && document.activeElement.id === 'h-ergebnis'`)
	if n := tabsTo(t, ctx, "fehlerfrei", 10); n > 2 {
		t.Errorf("„Nur die fehlerfreien Zeilen importieren“ ist %d Tab vom Ergebnis entfernt, erwartet 1–2", n)
	}
	if b := eval[string](t, ctx, `document.getElementById('fehlerfrei').textContent`); b != "Nur die fehlerfreien Zeilen importieren" {
		t.Errorf("Knopf %q", b)
	}
	if txt := eval[string](t, ctx, `document.getElementById('fehlerfrei-text').textContent`); !strings.Contains(txt, "22 fehlerfreie Zeilen werden übernommen, 2 fehlerhafte bleiben unverändert") || !strings.Contains(txt, "Probelauf") {
		t.Errorf("Erklärung %q", txt)
	}
	if st := statusText(ctx); !strings.Contains(st, "nur die fehlerfreien Zeilen importieren") {
		t.Errorf("Status nach dem Probelauf: %q", st)
	}
	checkA11y(t, ctx, "Importe: nur fehlerfreie Zeilen")
	screenshot(t, ctx, "importe-fehlerfrei")

	// Enter: the same file as a dry run with on_error=skip; nothing written.
	do(t, ctx, "Enter auf „Nur die fehlerfreien Zeilen importieren“", chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "Probelauf ohne die fehlerhaften Zeilen", `!document.getElementById('importieren').hidden`)
	// The focus moves once the result is drawn; on a busy machine that is
	// a moment after the button appears. It must get there.
	waitFor(t, ctx, "Fokus auf der Überschrift des Ergebnisses", `document.activeElement && document.activeElement.id === 'h-ergebnis'`)
	if n := eval[string](t, ctx, `['created', 'updated', 'unchanged', 'invalid'].map(k => document.querySelector('[data-zahl=' + k + ']').textContent).join('/')`); n != "0/1/21/2" {
		t.Errorf("Probelauf neu/geändert/unverändert/fehlerhaft = %s, erwartet 0/1/21/2", n)
	}
	if hidden := eval[bool](t, ctx, `document.getElementById('fehlerfrei-box').hidden`); !hidden {
		t.Error("das Angebot steht nach dem Probelauf mit on_error=skip noch da")
	}
	var geaendert int
	if err := gw.pool.QueryRow(t.Context(), "SELECT count(*) FROM kinder WHERE hausnummer = '99'").Scan(&geaendert); err != nil || geaendert != 0 {
		t.Fatalf("nach dem Probelauf %d Kinder geändert (%v)", geaendert, err)
	}
	if n := tabsTo(t, ctx, "importieren", 10); n > 2 {
		t.Errorf("„Jetzt importieren“ ist %d Tab vom Ergebnis entfernt, erwartet 1–2", n)
	}
	do(t, ctx, "Enter auf „Jetzt importieren“", chromedp.KeyEvent("\r"))
	waitFor(t, ctx, "Import fertig", `document.getElementById('status').textContent.startsWith('Import fertig')`)
	if st := statusText(ctx); !strings.Contains(st, "2 fehlerhafte Zeilen wurden ausgelassen") {
		t.Errorf("Status nach dem Import: %q", st)
	}
	var kinder, leer, weg int
	if err := gw.pool.QueryRow(t.Context(), `SELECT count(*), count(*) FILTER (WHERE hausnummer = '99'), count(*) FILTER (WHERE hausnummer = ''),
		count(*) FILTER (WHERE status = 'weggezogen') FROM kinder`).Scan(&kinder, &geaendert, &leer, &weg); err != nil {
		t.Fatal(err)
	}
	if kinder != 23 || geaendert != 1 || leer != 0 || weg != 0 {
		t.Errorf("nach dem Import %d Kinder, %d geändert, %d ohne Hausnummer, %d weggezogen; erwartet 23, 1, 0, 0 (die fehlerhafte Zeile E5 lässt ihr Kind unverändert, C6 legt keins an)", kinder, geaendert, leer, weg)
	}
}

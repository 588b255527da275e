package httpapi

import (
	"bytes"
	"fmt"
	"os"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/schulgateway/schulgateway/internal/auth"
)

type anmeldungListe struct {
	Items []struct {
		Familienname, Vornamen, Grundschule string
		Wuensche, Geschwister               []string
		Haertefall                          bool
	}
}

// An application list written by hand in a school office's style
// (Windows-1252, semicolons, German dates, its own headers): every row is
// matched to the register, and every problem is reported at its cell.
func TestUebergangImportCSV(t *testing.T) {
	t.Parallel()
	e, kinder := uebergangEnv(t)
	amt := e.token(auth.RoleSchulamt)
	umlaut := -1
	for i, k := range kinder {
		if strings.ContainsAny(k.familienname+k.vornamen, "äöüßÄÖÜéèçıİşŞ") && i > 4 {
			umlaut = i
			break
		}
	}
	if umlaut < 0 {
		t.Fatal("the sample register has no child with an umlaut in its name")
	}
	a, b, c, d := kinder[0], kinder[umlaut], kinder[2], kinder[3]
	dat := func(k registerKind) string { return k.geburt.Format("02.01.2006") }
	csv := strings.Join([]string{
		"Anmeldungen zum Schuljahrgang 5;;;;;;;;;",
		"Name;Vorname;Geb.-Datum;Grundschule;Erstwunsch;Zweitwunsch;Drittwunsch;Härtefall;Geschwisterkind;Schuljahr",
		fmt.Sprintf("%s;%s;%s;20101;20301;20201;;ja;20301;2027/28", a.familienname, a.vornamen, dat(a)),
		// The family name in capitals, as some offices write it.
		fmt.Sprintf("%s;%s;%s;20102;20201;;;nein;;2027/28", strings.ToUpper(b.familienname), b.vornamen, dat(b)),
		"Unbekannt;Max;01.01.2016;20101;20301;;;;;2027/28",
		fmt.Sprintf("%s;%s;%s;20101;20104;20202;;;;2027/28", c.familienname, c.vornamen, dat(c)),
		fmt.Sprintf("%s;%s;%s;20101;20202;20301;;;ja;2027/28", d.familienname, d.vornamen, dat(d)),
		fmt.Sprintf("%s;%s;%s;20101;20202;;;;;2027/28", a.familienname, a.vornamen, dat(a)),
	}, "\r\n") + "\r\n"
	file, err := charmap.Windows1252.NewEncoder().Bytes([]byte(csv))
	if err != nil {
		t.Fatal(err)
	}
	st, imp, out := e.upload(amt, "kind=uebergang&on_error=skip", "anmeldungen.csv", file)
	if st != 202 {
		t.Fatalf("upload: %d %s", st, out)
	}
	done := e.await(amt, imp.ID)
	resp, body := e.do(call{method: "GET", path: "/v1/imports/" + imp.ID + "/errors", token: amt})
	if done.Status != "succeeded" || done.Counts.Rows != 6 || done.Counts.Created != 2 || done.Counts.Invalid != 4 {
		t.Fatalf("import: %+v\nerrors: %s", done.Counts, body)
	}
	var fehler struct{ Items []importErrorJSON }
	mustJSON(t, body, &fehler)
	got := map[string]string{}
	for _, p := range fehler.Items {
		got[p.Cell] = p.Code
	}
	// Rows 5–8 of the file: unknown child at its name, a Grundschule as
	// first wish, "ja" instead of a school, the same child again.
	want := map[string]string{"A5": "kind_unbekannt", "E6": "schule_ohne_jahrgang_5", "I7": "geschwister_ohne_schule", "A8": "zeile_doppelt"}
	if resp.StatusCode != 200 || len(got) != len(want) {
		t.Errorf("errors: %d %v, want %v", resp.StatusCode, got, want)
	}
	for cell, code := range want {
		if got[cell] != code {
			t.Errorf("cell %s: %q, want %q (all: %v)", cell, got[cell], code, got)
		}
	}

	resp, body = e.do(call{method: "GET", path: ueb + "/anmeldungen", token: amt})
	var l anmeldungListe
	mustJSON(t, body, &l)
	if resp.StatusCode != 200 || len(l.Items) != 2 {
		t.Fatalf("applications: %d %s", resp.StatusCode, body)
	}
	byName := map[string]int{}
	for i, x := range l.Items {
		byName[x.Familienname] = i
	}
	x := l.Items[byName[a.familienname]]
	if strings.Join(x.Wuensche, ",") != "20301,20201" || !x.Haertefall || strings.Join(x.Geschwister, ",") != "20301" || x.Grundschule != "20101" {
		t.Errorf("application of row 3: %+v", x)
	}
	if i, ok := byName[b.familienname]; !ok || strings.Join(l.Items[i].Wuensche, ",") != "20201" || l.Items[i].Haertefall {
		t.Errorf("the child with %q (Windows-1252) has no or a wrong application: %+v", b.familienname, l.Items)
	}

	// The same list again: nothing changes, nothing is written; undo is refused.
	_, again, _ := e.upload(amt, "kind=uebergang&on_error=skip", "anmeldungen.csv", file)
	if done := e.await(amt, again.ID); done.Counts.Unchanged != 2 || done.Counts.Created+done.Counts.Updated != 0 {
		t.Errorf("same list again: %+v", done.Counts)
	}
	if resp, body := e.do(call{method: "DELETE", path: "/v1/imports/" + imp.ID, token: amt}); resp.StatusCode != 409 {
		t.Errorf("undo of an application list: %d %s", resp.StatusCode, body)
	}
}

// An xlsx list naming the children by Ordnungsmerkmal, without a school
// year column (the coming school year), with on_error=reject: one bad row
// and nothing is written; corrected, it replaces an application and keeps
// the ones it does not name.
func TestUebergangImportXLSX(t *testing.T) {
	t.Parallel()
	e, kinder := uebergangEnv(t)
	amt := e.token(auth.RoleSchulamt)
	jetzt := time.Now()
	jahr := jetzt.Year()
	if !jetzt.Before(time.Date(jahr, time.August, 1, 0, 0, 0, 0, jetzt.Location())) {
		jahr++
	}
	pfad := fmt.Sprintf("/v1/uebergang/%d-%02d/anmeldungen", jahr, (jahr+1)%100)
	// One application made by API stays when a list does not name it.
	k := kinder[10]
	if st, body := e.postJSON("POST", pfad, amt, map[string]any{"ordnungsmerkmal": k.om, "familienname": k.familienname, "vornamen": k.vornamen,
		"geburtsdatum": k.geburt.Format(time.DateOnly), "wuensche": []string{"20202"}}); st != 201 {
		t.Fatalf("application by API: %d %s", st, body)
	}
	book := func(om2 string) []byte {
		f := excelize.NewFile()
		rows := [][]any{
			{"Ordnungsmerkmal", "1. Wunsch", "2. Wunsch", "3. Wunsch", "Härtefall"},
			{kinder[0].om, "20201", "20202", "20301", "nein"},
			{om2, "20301", nil, nil, "ja"},
		}
		for i, r := range rows {
			cell, _ := excelize.CoordinatesToCellName(1, i+1)
			if err := f.SetSheetRow("Sheet1", cell, &r); err != nil {
				t.Fatal(err)
			}
		}
		var buf bytes.Buffer
		if err := f.Write(&buf); err != nil {
			t.Fatal(err)
		}
		return buf.Bytes()
	}
	_, imp, _ := e.upload(amt, "kind=uebergang", "anmeldungen.xlsx", book("OM-GIBT-ES-NICHT"))
	done := e.await(amt, imp.ID)
	resp, body := e.do(call{method: "GET", path: "/v1/imports/" + imp.ID + "/errors", token: amt})
	if done.Status != "rejected" || done.Counts.Invalid != 1 {
		t.Fatalf("list with an unknown Ordnungsmerkmal: %+v\nerrors: %s", done.Counts, body)
	}
	if resp.StatusCode != 200 || !strings.Contains(string(body), `"cell":"A3"`) || !strings.Contains(string(body), "kind_unbekannt") {
		t.Errorf("unknown Ordnungsmerkmal not at A3: %s", body)
	}
	var l anmeldungListe
	_, body = e.do(call{method: "GET", path: pfad, token: amt})
	mustJSON(t, body, &l)
	if len(l.Items) != 1 {
		t.Fatalf("a rejected list wrote applications: %s", body)
	}

	_, imp, _ = e.upload(amt, "kind=uebergang", "anmeldungen.xlsx", book(k.om))
	if done := e.await(amt, imp.ID); done.Status != "succeeded" || done.Counts.Created != 1 || done.Counts.Updated != 1 || done.Counts.Removed != 0 {
		t.Fatalf("corrected list: %+v", done)
	}
	_, body = e.do(call{method: "GET", path: pfad, token: amt})
	l = anmeldungListe{}
	mustJSON(t, body, &l)
	if len(l.Items) != 2 {
		t.Fatalf("applications after the list: %s", body)
	}
	for _, x := range l.Items {
		if x.Familienname == k.familienname && (strings.Join(x.Wuensche, ",") != "20301" || !x.Haertefall) {
			t.Errorf("the API's application was not replaced by the list's row: %+v", x)
		}
	}
}

// An application list written by exceljs, not by the gateway's excelize
// (testdata/gen_uebergang_exceljs.js): a title above the header, no
// Ordnungsmerkmal and no school-year column, school numbers as number
// cells, birth dates as date cells, Härtefall as booleans and "x", an empty
// row, a trailing blank in a name, and a child the register does not know.
func TestUebergangImportExceljs(t *testing.T) {
	t.Parallel()
	e, _ := uebergangEnv(t)
	amt := e.token(auth.RoleSchulamt)
	file, err := os.ReadFile("testdata/uebergang_exceljs.xlsx")
	if err != nil {
		t.Fatal(err)
	}
	_, imp, _ := e.upload(amt, "kind=uebergang&on_error=skip", "anmeldungen.xlsx", file)
	done := e.await(amt, imp.ID)
	_, errs := e.do(call{method: "GET", path: "/v1/imports/" + imp.ID + "/errors", token: amt})
	if done.Status != "succeeded" || done.Counts.Created != 4 || done.Counts.Invalid != 1 {
		t.Fatalf("exceljs list: %s %+v\nerrors: %s", done.Status, done.Counts, errs)
	}
	if !strings.Contains(string(errs), `"cell":"A8"`) || !strings.Contains(string(errs), "kind_unbekannt") {
		t.Errorf("the unknown child is not reported at A8: %s", errs)
	}
	jetzt := time.Now()
	jahr := jetzt.Year()
	if !jetzt.Before(time.Date(jahr, time.August, 1, 0, 0, 0, 0, jetzt.Location())) {
		jahr++
	}
	var l anmeldungListe
	_, body := e.do(call{method: "GET", path: fmt.Sprintf("/v1/uebergang/%d-%02d/anmeldungen", jahr, (jahr+1)%100), token: amt})
	mustJSON(t, body, &l)
	type anmeldung struct {
		grundschule, wuensche, geschwister string
		haertefall                         bool
	}
	want := map[string]anmeldung{ // by family name, as the register has it
		"Jung":     {"20101", "20301,20201", "20301", true},
		"Franke":   {"20102", "20201", "", false},
		"Hoffmann": {"20101", "20202,20301,20201", "", true},
		"Krämer":   {"20102", "20301", "", false},
	}
	if len(l.Items) != len(want) {
		t.Fatalf("%d applications, want %d: %s", len(l.Items), len(want), body)
	}
	for _, x := range l.Items {
		got := anmeldung{x.Grundschule, strings.Join(x.Wuensche, ","), strings.Join(x.Geschwister, ","), x.Haertefall}
		if w, ok := want[x.Familienname]; !ok || got != w {
			t.Errorf("%s: %+v, want %+v", x.Familienname, got, w)
		}
	}
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"
	"golang.org/x/text/encoding/charmap"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// A register written by hand as an office exports it: semicolons,
// Windows-1252, an Auskunftssperre column with "ja", "x", "nein" and
// empty cells. Every row but Krause's has a problem.
func handwrittenRegister(t *testing.T) []byte {
	t.Helper()
	text := strings.Join([]string{
		"Familienname;Vornamen;Geburtsdatum;Straße;Hausnummer;PLZ;Auskunftssperre",
		"Müller;Lena;03.04.2020;Geheimweg;12x!;06108;ja", // 2: blocked, bad house number
		"Schmidt;Tom;01.01.2031;Rosenweg;3;06108;nein",   // 3: not blocked, birth date in the future
		"Weber;Ida;15.09.2019;Versteckgasse;7;ABCDE;",    // 4: unknown, bad PLZ
		"Krause;Emil;01.07.2020;Lindenweg;5;06108;nein",  // 5: fine
		"Wolf;Ben;32.01.2020;Sperrstraße;9;06108;x",      // 6: blocked, bad date
	}, "\r\n") + "\r\n"
	b, err := charmap.Windows1252.NewEncoder().Bytes([]byte(text))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

// Error lists show what the role may see (issue 14, point 7): admin sees
// no address of a row that has, or may have, an Auskunftssperre, neither
// quoted in /errors nor in errors.xlsx; the school office sees it all.
// errors.xlsx holds only the rows with problems; an import without
// errors has none (404).
func TestImportErrorsWithinFieldPolicy(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	admin, amt := e.token(auth.RoleAdmin), e.token(auth.RoleSchulamt)
	status, imp, body := e.upload(admin, "kind=melderegister&on_error=reject", "melderegister.csv", handwrittenRegister(t))
	if status != 202 {
		t.Fatalf("upload: %d %s", status, body)
	}
	if done := e.await(admin, imp.ID); done.Status != "rejected" || done.Counts.Invalid != 4 {
		t.Fatalf("import: %+v", done)
	}
	secrets := []string{"Geheimweg", "12x!", "Versteckgasse", "ABCDE", "Sperrstraße"}

	errorsOf := func(tok string) map[string]importErrorJSON {
		t.Helper()
		resp, body := e.do(call{method: "GET", path: "/v1/imports/" + imp.ID + "/errors", token: tok})
		if resp.StatusCode != 200 {
			t.Fatalf("errors: %d %s", resp.StatusCode, body)
		}
		var out struct{ Items []importErrorJSON }
		mustJSON(t, body, &out)
		m := map[string]importErrorJSON{}
		for _, p := range out.Items {
			m[p.Cell] = p
		}
		return m
	}
	asAdmin, asAmt := errorsOf(admin), errorsOf(amt)
	for _, cell := range []string{"E2", "C3", "F4", "C6"} {
		if asAdmin[cell].Code == "" || asAdmin[cell].Code != asAmt[cell].Code {
			t.Errorf("%s: admin %+v, schulamt %+v: both must see the cell and its code", cell, asAdmin[cell], asAmt[cell])
		}
	}
	adminJSON, _ := json.Marshal(asAdmin)
	for _, s := range secrets {
		if strings.Contains(string(adminJSON), s) {
			t.Errorf("admin's /errors quotes %q", s)
		}
	}
	if !strings.Contains(asAdmin["E2"].Message, "E2") || !strings.Contains(asAdmin["E2"].Message, "Auskunftssperre") {
		t.Errorf("the withheld message does not say which cell and why: %q", asAdmin["E2"].Message)
	}
	if !strings.Contains(asAdmin["C3"].Message, "01.01.2031") {
		t.Errorf("a birth date is no address; admin sees it: %q", asAdmin["C3"].Message)
	}
	if !strings.Contains(asAmt["E2"].Message, "12x!") || !strings.Contains(asAmt["F4"].Message, "ABCDE") {
		t.Errorf("the school office sees the values: %q, %q", asAmt["E2"].Message, asAmt["F4"].Message)
	}

	xlsxOf := func(tok string) (*excelize.File, string) {
		t.Helper()
		resp, body := e.do(call{method: "GET", path: "/v1/imports/" + imp.ID + "/errors.xlsx", token: tok})
		if resp.StatusCode != 200 {
			t.Fatalf("errors.xlsx: %d %s", resp.StatusCode, body)
		}
		f, err := excelize.OpenReader(bytes.NewReader(body))
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(func() { f.Close() })
		return f, f.GetSheetName(0)
	}
	f, sheet := xlsxOf(admin)
	get := func(f *excelize.File, cell string) string { v, _ := f.GetCellValue(sheet, cell); return v }
	rows, _ := f.GetRows(sheet)
	var all strings.Builder
	for _, r := range rows {
		all.WriteString(strings.Join(r, "|") + "\n")
	}
	for _, s := range secrets {
		if strings.Contains(all.String(), s) {
			t.Errorf("admin's errors.xlsx holds %q:\n%s", s, all.String())
		}
	}
	want := map[string]string{
		"A1": "Familienname", "H1": "Fehler",
		"A2": "Müller", "D2": "", "E2": "", "F2": "", // blocked: names, no address
		"A3": "Schmidt", "D3": "Rosenweg", "E3": "3", // explicitly not blocked
		"A4": "Weber", "D4": "", // the Sperre cell is empty: may be blocked
		"A5": "", // no problem: not in the download
		"A6": "Wolf", "D6": "",
	}
	for cell, w := range want {
		if got := get(f, cell); got != w {
			t.Errorf("admin's errors.xlsx %s = %q, want %q", cell, got, w)
		}
	}
	g, _ := xlsxOf(amt)
	for cell, w := range map[string]string{"D2": "Geheimweg", "E2": "12x!", "F4": "ABCDE", "A5": ""} {
		if got := get(g, cell); got != w {
			t.Errorf("schulamt's errors.xlsx %s = %q, want %q", cell, got, w)
		}
	}

	// An import without errors: nothing to download.
	_, clean, _ := e.upload(admin, "kind=melderegister&dry_run=true", "melderegister.csv",
		[]byte("Familienname;Vornamen;Geburtsdatum;Straße;Hausnummer\r\nKrause;Emil;01.07.2020;Lindenweg;5\r\n"))
	if done := e.await(admin, clean.ID); done.Status != "succeeded" || done.Counts.Invalid != 0 {
		t.Fatalf("clean import: %+v", done)
	}
	resp, body := e.do(call{method: "GET", path: "/v1/imports/" + clean.ID + "/errors.xlsx", token: admin})
	var p Problem
	if resp.StatusCode != 404 || resp.Header.Get("Content-Type") != "application/problem+json" || json.Unmarshal(body, &p) != nil ||
		!strings.Contains(p.Detail, "keine Fehler") {
		t.Errorf("errors.xlsx of an import without errors: %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do(call{method: "GET", path: "/v1/imports/" + clean.ID + "/errors", token: admin}); resp.StatusCode != 200 || !strings.Contains(string(body), `"items":[]`) {
		t.Errorf("errors of an import without errors: %d %s", resp.StatusCode, body)
	}
}

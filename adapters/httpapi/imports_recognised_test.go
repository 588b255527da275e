package httpapi

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// recognisedGolden holds what GET /v1/imports/{id} answered as
// "recognised" for real uploads when the gateway still read the header
// from the stored file (before it was stored with the import). Rewrite it
// with UPDATE_GOLDEN=1 only on purpose.
const recognisedGolden = "testdata/recognised_golden.json"

// The header an import recognised is answered the same way as when it was
// read from the file again – lists written by LibreOffice and Excel, a
// list with a typo in its header, a list whose header is incomplete – and
// it is answered without the file: its parts are gone, the answer stays.
func TestFinishedImportAnswersItsStoredHeader(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	e := newEnv(t, pool)
	tok := e.token(auth.RoleSchulamt)
	uploads := []struct{ name, query, filename string }{
		{"ods", "kind=melderegister&dry_run=true", "melderegister_libreoffice.ods"},
		{"csv", "kind=melderegister&dry_run=true", "melderegister_excel_export.csv"},
		{"xls", "kind=melderegister&dry_run=true", "melderegister_legacy.xls"},
		{"schueler", "kind=schueler&dry_run=true", "schueler_20101_libreoffice.xlsx"},
	}
	files := map[string][]byte{}
	for _, u := range uploads {
		files[u.name] = sample(t, u.filename)
	}
	// A header with a typo and a column the list does not know.
	files["typo"] = []byte("Familiennamme;Vornamen;Geburtsdatum;Straße;Hausnummer;PLZ;Lieblingsfarbe\nKrause;Emil;01.07.2020;Rosenweg;1;06108;blau\n")
	uploads = append(uploads, struct{ name, query, filename string }{"typo", "kind=melderegister&dry_run=true", "tippfehler.csv"})
	// A header without required columns: the import fails, the header says why.
	files["incomplete"] = []byte("Familienname;Vornamen\nKrause;Emil\n")
	uploads = append(uploads, struct{ name, query, filename string }{"incomplete", "kind=melderegister", "unvollstaendig.csv"})

	got := map[string]json.RawMessage{}
	ids := map[string]string{}
	for _, u := range uploads {
		status, imp, body := e.upload(tok, u.query, u.filename, files[u.name])
		if status != 202 {
			t.Fatalf("%s: upload %d %s", u.name, status, body)
		}
		ids[u.name] = e.await(tok, imp.ID).ID
		got[u.name] = recognisedOf(t, e, tok, imp.ID)
	}
	if os.Getenv("UPDATE_GOLDEN") == "1" {
		b, _ := json.MarshalIndent(got, "", "  ")
		if err := os.WriteFile(recognisedGolden, append(b, '\n'), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	b, err := os.ReadFile(recognisedGolden)
	if err != nil {
		t.Fatal(err)
	}
	var want map[string]json.RawMessage
	mustJSON(t, b, &want)
	if len(want) != len(uploads) {
		t.Fatalf("golden file has %d uploads, the test makes %d", len(want), len(uploads))
	}
	for name, w := range want {
		if !sameJSON(t, w, got[name]) {
			t.Errorf("%s: recognised = %s\nwant %s", name, got[name], w)
		}
	}

	// Without the file the answer is the same.
	if _, err := pool.Exec(context.Background(), "DELETE FROM import_file_parts"); err != nil {
		t.Fatal(err)
	}
	for name, id := range ids {
		if again := recognisedOf(t, e, tok, id); !sameJSON(t, again, got[name]) {
			t.Errorf("%s without its file: recognised = %s\nwant %s", name, again, got[name])
		}
	}

	// An import finished before headers were kept answers without one
	// (the file is not read for it either), with its sheet and header row.
	if _, err := pool.Exec(context.Background(), "UPDATE imports SET kopfzeile = NULL WHERE id = $1", ids["ods"]); err != nil {
		t.Fatal(err)
	}
	if r := recognisedOf(t, e, tok, ids["ods"]); string(r) != "null" {
		t.Errorf("old import: recognised = %s, want none", r)
	}
	old := e.await(tok, ids["ods"])
	if old.Sheet != "Auszug" || old.HeaderRow != 3 {
		t.Errorf("old import: sheet %q header row %d, want Auszug 3", old.Sheet, old.HeaderRow)
	}
}

// recognisedOf returns the "recognised" member of GET /v1/imports/{id}
// ("null" when there is none).
func recognisedOf(t *testing.T, e *env, tok, id string) json.RawMessage {
	t.Helper()
	resp, body := e.do(call{method: "GET", path: "/v1/imports/" + id, token: tok})
	if resp.StatusCode != 200 {
		t.Fatalf("GET import %s: %d %s", id, resp.StatusCode, body)
	}
	var out struct {
		Recognised json.RawMessage `json:"recognised"`
	}
	mustJSON(t, body, &out)
	if out.Recognised == nil {
		return json.RawMessage("null")
	}
	return out.Recognised
}

func sameJSON(t *testing.T, a, b []byte) bool {
	t.Helper()
	var x, y bytes.Buffer
	if err := json.Compact(&x, a); err != nil {
		t.Fatal(err)
	}
	if err := json.Compact(&y, b); err != nil {
		t.Fatal(err)
	}
	return bytes.Equal(x.Bytes(), y.Bytes())
}

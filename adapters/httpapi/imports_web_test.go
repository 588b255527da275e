package httpapi

import (
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/auth"
)

// An upload without kind: the gateway names the list it recognised, and
// the answer shows which column feeds which field.
func TestUploadWithoutKindIsRecognised(t *testing.T) {
	e := newEnv(t, pgtest.Pool(t))
	tok := e.token(auth.RoleSchulamt)
	status, imp, body := e.upload(tok, "dry_run=true", "liste.xlsx", faultyRegister(t))
	if status != 202 {
		t.Fatalf("upload: %d %s", status, body)
	}
	if imp.Kind != "melderegister" || !imp.KindDetected {
		t.Fatalf("kind %q detected %v, want melderegister detected", imp.Kind, imp.KindDetected)
	}
	r := imp.Recognised
	if r == nil || r.Sheet != "Sheet1" || r.HeaderRow != 3 || r.Problem != "" {
		t.Fatalf("recognised = %+v, want Sheet1 row 3 without problem", r)
	}
	byCol := map[string]string{}
	for _, c := range r.Columns {
		byCol[c.Column] = c.Field
	}
	if byCol["C"] != "geburtsdatum" || byCol["F"] != "plz" {
		t.Errorf("columns = %+v, want C geburtsdatum, F plz", r.Columns)
	}
	done := e.await(tok, imp.ID)
	if done.Recognised == nil || done.Recognised.HeaderRow != 3 {
		t.Errorf("finished import without recognition: %+v", done.Recognised)
	}

	// A file with no known header at all is refused with a reason.
	csv := []byte("Farbe;Größe\nrot;3\n")
	status, _, body = e.upload(tok, "", "x.csv", csv)
	if status != 422 || problemOf(t, body).Errors[0].Code != "listenart_nicht_erkannt" {
		t.Fatalf("unrecognisable list: %d %s", status, body)
	}
}

func TestListImportsNewestFirstInPages(t *testing.T) {
	e := newEnv(t, pgtest.Pool(t))
	tok := e.token(auth.RoleSchulamt)
	var ids []string
	for range 3 {
		_, imp, body := e.upload(tok, "kind=melderegister&dry_run=true", "liste.xlsx", faultyRegister(t))
		if imp.ID == "" {
			t.Fatalf("upload: %s", body)
		}
		ids = append(ids, imp.ID)
	}
	var page struct {
		Items []importJSON `json:"items"`
		Next  *string      `json:"next"`
	}
	resp, body := e.do(call{method: "GET", path: "/v1/imports?limit=2", token: tok})
	if resp.StatusCode != 200 {
		t.Fatalf("list: %d %s", resp.StatusCode, body)
	}
	mustJSON(t, body, &page)
	if len(page.Items) != 2 || page.Items[0].ID != ids[2] || page.Items[1].ID != ids[1] || page.Next == nil {
		t.Fatalf("first page = %s", body)
	}
	resp, body = e.do(call{method: "GET", path: "/v1/imports?limit=2&after=" + *page.Next, token: tok})
	mustJSON(t, body, &page)
	if resp.StatusCode != 200 || len(page.Items) != 1 || page.Items[0].ID != ids[0] || page.Next != nil {
		t.Fatalf("second page = %d %s", resp.StatusCode, body)
	}
	if resp, body := e.do(call{method: "GET", path: "/v1/imports?limit=0", token: tok}); resp.StatusCode != 422 {
		t.Fatalf("limit=0: %d %s", resp.StatusCode, body)
	}
}

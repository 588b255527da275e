package httpapi

import (
	"encoding/json"
	"fmt"
	"net/url"
	"reflect"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// pageAll reads a list to its end the way the paging convention says:
// limit and after in, items and next out. oldField is the deprecated name
// of next the list answered before ("" for none); every page must carry
// it with next's value.
func pageAll[T any](e *env, token, path string, limit int, oldField string) []T {
	e.t.Helper()
	sep := "?"
	if strings.Contains(path, "?") {
		sep = "&"
	}
	var all []T
	after := ""
	for range 1000 {
		resp, body := e.do(call{method: "GET", path: fmt.Sprintf("%s%slimit=%d&after=%s", path, sep, limit, url.QueryEscape(after)), token: token})
		if resp.StatusCode != 200 {
			e.t.Fatalf("%s: %d %s", path, resp.StatusCode, body)
		}
		var p map[string]json.RawMessage
		mustJSON(e.t, body, &p)
		var items []T
		mustJSON(e.t, p["items"], &items)
		all = append(all, items...)
		next, ok := p["next"]
		if !ok {
			e.t.Fatalf("%s: no next in %s", path, body)
		}
		if oldField != "" && string(p[oldField]) != string(next) {
			e.t.Fatalf("%s: %s = %s, next = %s; the old field must keep next's value", path, oldField, p[oldField], next)
		}
		if string(next) == "null" {
			return all
		}
		if len(items) != limit {
			e.t.Fatalf("%s: a page of %d before the end", path, len(items))
		}
		mustJSON(e.t, next, &after)
	}
	e.t.Fatalf("%s: no end after 1000 pages", path)
	return nil
}

// Every list takes the same limit: the same range, default, error code
// and message, whichever list it is.
func TestListsShareOneLimit(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	all := e.token(auth.RoleBMS, auth.RoleSchulamt, auth.RoleAdmin)
	lists := []string{
		"/v1/changes",
		"/v1/imports",
		"/v1/schulwechsel",
		"/v1/einschulung/2027-28/kinder",
		"/v1/schulpflicht/abgleiche/1/zuordnungen",
		"/v1/schulpflicht/faelle",
		"/v1/audit",
		"/v1/schulen",
		"/v1/imports/00000000-0000-0000-0000-000000000000/errors",
	}
	want := `{"pointer":"/limit","code":"limit_ungueltig","message":"limit muss eine ganze Zahl von 1 bis 1000 sein; ohne limit sind es 100."}`
	for _, path := range lists {
		for _, limit := range []string{"0", "1001", "-3", "zehn", "2.5"} {
			resp, body := e.do(call{method: "GET", path: path + "?limit=" + limit, token: all})
			if resp.StatusCode != 422 || !strings.Contains(string(body), want) {
				t.Errorf("%s?limit=%s: %d %s\nwant 422 with %s", path, limit, resp.StatusCode, body, want)
			}
		}
		if strings.Contains(path, "abgleiche") || strings.Contains(path, "/errors") {
			continue // needs a reconciliation to list; the limit is checked first
		}
		for _, limit := range []string{"", "1", "1000"} {
			if resp, body := e.do(call{method: "GET", path: path + "?limit=" + limit, token: all}); resp.StatusCode != 200 {
				t.Errorf("%s?limit=%s: %d %s", path, limit, resp.StatusCode, body)
			}
		}
	}
}

// The deprecated name of after and after itself must not disagree.
func TestOldAfterNameMustAgreeWithAfter(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	all := e.token(auth.RoleBMS, auth.RoleSchulamt, auth.RoleAdmin)
	for _, c := range []struct{ path, alias, a, b string }{
		{"/v1/einschulung/2027-28/kinder", "cursor", "abc", "def"},
		{"/v1/schulwechsel", "since", "2026-08-01T00:00:00Z", "2026-09-01T00:00:00Z"},
	} {
		resp, body := e.do(call{method: "GET", path: fmt.Sprintf("%s?after=%s&%s=%s", c.path, c.a, c.alias, c.b), token: all})
		if resp.StatusCode != 422 || !strings.Contains(string(body), `"pointer":"/`+c.alias+`","code":"parameter_doppelt"`) {
			t.Errorf("%s with after and %s: %d %s", c.path, c.alias, resp.StatusCode, body)
		}
		// The same value under both names is one request, not two.
		if resp, body := e.do(call{method: "GET", path: fmt.Sprintf("%s?after=%s&%s=%s", c.path, c.a, c.alias, c.a), token: all}); resp.StatusCode == 422 &&
			strings.Contains(string(body), "parameter_doppelt") {
			t.Errorf("%s with equal after and %s refused: %s", c.path, c.alias, body)
		}
	}
}

// assertSamePages fails when reading a list by the new names gave
// something else than by the old ones.
func assertSamePages[T any](t *testing.T, what string, byOld, byNew []T) {
	t.Helper()
	if len(byOld) == 0 || !reflect.DeepEqual(byOld, byNew) {
		t.Errorf("%s: old names gave %d items, after/next %d (or different ones)", what, len(byOld), len(byNew))
	}
}

// The schools, once the only list without pages: page by page the same
// as the old answer without limit, which still comes whole.
func TestSchulenInPages(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	tok := e.token(auth.RoleBMS)
	resp, body := e.do(call{method: "GET", path: "/v1/schulen", token: tok})
	var whole struct {
		Items []schuleJSON `json:"items"`
		Next  *string      `json:"next"`
	}
	mustJSON(t, body, &whole)
	if resp.StatusCode != 200 || whole.Next != nil || len(whole.Items) < 3 {
		t.Fatalf("without limit: %d, %d schools, next %v", resp.StatusCode, len(whole.Items), whole.Next)
	}
	assertSamePages(t, "schulen", whole.Items, pageAll[schuleJSON](e, tok, "/v1/schulen", 2, ""))
	last := whole.Items[len(whole.Items)-1].Schulnummer
	_, body = e.do(call{method: "GET", path: "/v1/schulen?after=" + last, token: tok})
	if string(body) != `{"items":[],"next":null}` {
		t.Errorf("after the last school: %s", body)
	}
}

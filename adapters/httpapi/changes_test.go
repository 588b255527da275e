package httpapi

import (
	"testing"

	"github.com/schulgateway/schulgateway/internal/auth"
)

type feedPage struct {
	Items []changeJSON
	Next  string
}

// The BMS reads the schools' changes in order and continues where it
// stopped; a change made later appears after its last position.
func TestChangeFeed(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	bms := e.token(auth.RoleBMS)
	read := func(after string, limit string) feedPage {
		t.Helper()
		resp, body := e.do(call{method: "GET", path: "/v1/changes?after=" + after + "&limit=" + limit, token: bms})
		if resp.StatusCode != 200 {
			t.Fatalf("GET /v1/changes: %d %s", resp.StatusCode, body)
		}
		var p feedPage
		mustJSON(t, body, &p)
		return p
	}
	var seen []string
	next := ""
	for range 10 {
		p := read(next, "4")
		for _, it := range p.Items {
			seen = append(seen, it.ID)
			if it.Entity != "schule" || it.Operation != "upsert" {
				t.Errorf("entry %+v", it)
			}
		}
		if p.Next == next {
			break
		}
		next = p.Next
	}
	if len(seen) != 10 || seen[0] != "20101" {
		t.Fatalf("read %v, want the 10 seeded schools in order of writing", seen)
	}

	resp, _ := e.do(call{method: "PUT", path: "/v1/schulen/20102", token: e.token(auth.RoleSchulamt),
		body: `{"name":"Grundschule Rosenweg (neu)","schulform":"grundschule"}`})
	if resp.StatusCode != 200 {
		t.Fatalf("PUT: %d", resp.StatusCode)
	}
	// An identical PUT changes nothing and adds no entry.
	e.do(call{method: "PUT", path: "/v1/schulen/20102", token: e.token(auth.RoleSchulamt),
		body: `{"name":"Grundschule Rosenweg (neu)","schulform":"grundschule"}`})
	p := read(next, "100")
	if len(p.Items) != 1 || p.Items[0].ID != "20102" {
		t.Errorf("after the change: %+v, want one entry for 20102", p.Items)
	}

	for _, tc := range []struct {
		path   string
		role   auth.Role
		status int
	}{
		{"/v1/changes?after=kaputt", auth.RoleBMS, 422},
		{"/v1/changes?limit=5000", auth.RoleBMS, 422},
		{"/v1/changes", auth.RoleSchulamt, 403},
	} {
		if resp, body := e.do(call{method: "GET", path: tc.path, token: e.token(tc.role)}); resp.StatusCode != tc.status {
			t.Errorf("GET %s as %s: %d, want %d: %s", tc.path, tc.role, resp.StatusCode, tc.status, body)
		}
	}
}

package httpapi

import (
	"testing"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// Timestamps are named <event>_at in every answer (docs/glossary.md); the
// old names time (change feed) and zeit (audit) are still answered, with
// the same value, for clients written against them.
func TestTimestampNamesAndTheirOldAliases(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	var feed struct {
		Items []map[string]any `json:"items"`
	}
	_, body := e.do(call{method: "GET", path: "/v1/changes?limit=5", token: e.token(auth.RoleBMS)})
	mustJSON(t, body, &feed)
	if len(feed.Items) == 0 {
		t.Fatalf("no changes: %s", body)
	}
	for _, it := range feed.Items {
		if it["created_at"] == nil || it["created_at"] != it["time"] {
			t.Errorf("change %v: created_at %v, time %v", it["position"], it["created_at"], it["time"])
		}
	}
	var log struct {
		Items []map[string]any `json:"items"`
	}
	_, body = e.do(call{method: "GET", path: "/v1/audit?limit=5", token: e.token(auth.RoleAdmin)})
	mustJSON(t, body, &log)
	if len(log.Items) == 0 {
		t.Fatalf("no audit entries: %s", body)
	}
	for _, it := range log.Items {
		if it["created_at"] == nil || it["created_at"] != it["zeit"] {
			t.Errorf("audit entry %v: created_at %v, zeit %v", it["seq"], it["created_at"], it["zeit"])
		}
	}
}

package httpapi

import (
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// TestAuthorizationMatrix calls every operation of the contract with no
// token and with a token of each role: without a token the answer is 401,
// with a role the operation does not name in x-roles it is 403, and with
// a role it names it is neither. The matrix comes from openapi.yaml, so a
// new route is checked as soon as it is described (and TestRoutesMatchSpec
// makes sure every route is).
func TestAuthorizationMatrix(t *testing.T) {
	t.Parallel()
	e := seeded(t)
	doc := loadSpec(t)
	param := regexp.MustCompile(`\{[^}]+\}`)
	tokens := map[auth.Role]string{}
	for _, r := range auth.AllRoles {
		tokens[r] = e.token(r)
	}
	checked := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			raw, ok := op.Extensions["x-roles"]
			if !ok {
				continue // public (healthz, docs, ...): covered by TestRoutesMatchSpec
			}
			var allowed []auth.Role
			for _, r := range raw.([]any) {
				allowed = append(allowed, auth.Role(r.(string)))
			}
			// Any value fills a path parameter: authorization is decided
			// before the handler looks at it.
			url := param.ReplaceAllString(path, "20101")
			if strings.Contains(path, "schuljahr") {
				url = strings.Replace(url, "20101", "2027-28", 1)
			}
			body := ""
			if method == "POST" || method == "PUT" || method == "PATCH" {
				body = "{}"
			}
			resp, _ := e.do(call{method: method, path: url, body: body})
			if resp.StatusCode != 401 {
				t.Errorf("%s %s without token: %d, want 401", method, path, resp.StatusCode)
			}
			for _, role := range auth.AllRoles {
				resp, b := e.do(call{method: method, path: url, body: body, token: tokens[role]})
				may := slices.Contains(allowed, role)
				switch {
				case may && (resp.StatusCode == 401 || resp.StatusCode == 403):
					t.Errorf("%s %s as %s: %d, but x-roles allows %s: %s", method, path, role, resp.StatusCode, role, b)
				case !may && resp.StatusCode != 403:
					t.Errorf("%s %s as %s: %d, want 403", method, path, role, resp.StatusCode)
				}
				checked++
			}
		}
	}
	if checked < 4*20 {
		t.Errorf("checked only %d operation×role pairs; the spec should have more operations", checked)
	}
}

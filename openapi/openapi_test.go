package openapi_test

import (
	"context"
	"html"
	"maps"
	"slices"
	"strings"
	"testing"

	"github.com/getkin/kin-openapi/openapi3"

	"github.com/schulgateway/schulgateway/adapters/apidocs"
	"github.com/schulgateway/schulgateway/openapi"
)

// The served reference page (/docs) is rendered from this very contract:
// it must render, and show every operation of it.
func TestDocsShowEveryOperation(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	if err := doc.Validate(context.Background()); err != nil {
		t.Fatalf("openapi.yaml is invalid: %v", err)
	}
	page, err := apidocs.Render(openapi.Spec)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	text := html.UnescapeString(string(page))
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			if !strings.Contains(text, path) || !strings.Contains(text, op.Summary) {
				t.Errorf("/docs lacks %s %s (%q)", method, path, op.Summary)
			}
		}
	}
}

// reports are the operations whose answer has items but is one report
// with totals, not a list to page through (x-report: true in the
// contract). A new one must be added here on purpose.
var reports = map[string]bool{
	"GET /v1/einschulung/{schuljahr}/uebersicht": true, // counts per school and in all
	"GET /v1/schulbezirke/abdeckung":             true, // gaps of the directory with the totals
	"GET /v1/planung/prognose":                   true, // a forecast with its parameters
	"POST /v1/planung/prognose":                  true, // a scenario's forecast
	"GET /v1/planung/backtest":                   true, // comparisons with their MAPE
	"GET /v1/uebergang/{schuljahr}/kapazitaeten": true, // the places of every secondary school
}

// Every list operation of the contract (its 200 answer has items) pages
// the one way (package page): limit (1–1000, default 100) and after in,
// items and next out. A name a list had before stays only as deprecated.
func TestEveryListPagesOneWay(t *testing.T) {
	doc, err := openapi3.NewLoader().LoadFromData(openapi.Spec)
	if err != nil {
		t.Fatal(err)
	}
	lists := 0
	for path, item := range doc.Paths.Map() {
		for method, op := range item.Operations() {
			name := method + " " + path
			ok := op.Responses.Status(200)
			if ok == nil || ok.Value == nil || ok.Value.Content.Get("application/json") == nil {
				continue
			}
			body := ok.Value.Content.Get("application/json").Schema.Value
			items := body.Properties["items"]
			if items == nil || items.Value.Type == nil || !items.Value.Type.Is("array") {
				continue
			}
			if report, _ := op.Extensions["x-report"].(bool); report || reports[name] {
				if !report || !reports[name] {
					t.Errorf("%s: a report must be marked x-report in the contract and listed in this test", name)
				}
				continue
			}
			lists++
			params := map[string]*openapi3.Parameter{}
			for _, group := range []openapi3.Parameters{item.Parameters, op.Parameters} {
				for _, p := range group {
					if p.Value.In == "query" {
						params[p.Value.Name] = p.Value
					}
				}
			}
			limit, after := params["limit"], params["after"]
			switch {
			case limit == nil || after == nil:
				t.Errorf("%s: a list takes limit and after; it has %v", name, slices.Sorted(maps.Keys(params)))
			case limit.Deprecated || after.Deprecated:
				t.Errorf("%s: limit and after must not be deprecated", name)
			case limit.Schema.Value.Min == nil || *limit.Schema.Value.Min != 1 || limit.Schema.Value.Max == nil ||
				*limit.Schema.Value.Max != 1000 || limit.Schema.Value.Default != float64(100):
				t.Errorf("%s: limit must be 1–1000 with default 100", name)
			}
			for n, p := range params {
				if oldPagingParam[n] && !p.Deprecated {
					t.Errorf("%s: %s is an old name of after and must be deprecated", name, n)
				}
			}
			if body.Properties["next"] == nil || !slices.Contains(body.Required, "next") || !slices.Contains(body.Required, "items") {
				t.Errorf("%s: a list answers items and next, both required", name)
			}
			for field, s := range body.Properties {
				if strings.HasPrefix(field, "next_") && !s.Value.Deprecated {
					t.Errorf("%s: %s is an old name of next and must be deprecated", name, field)
				}
			}
		}
	}
	if lists < 9 {
		t.Errorf("found %d list operations; the walk does not see the contract's lists", lists)
	}
}

var oldPagingParam = map[string]bool{"cursor": true, "since": true, "offset": true, "page": true}

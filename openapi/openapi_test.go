package openapi_test

import (
	"context"
	"html"
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

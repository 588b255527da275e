package web_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// Every place that names the list kinds names the same ones as
// importing.Kinds: the contract's enums, the README's import section, the
// import page's choice and its labels (issue 14, point 10).
func TestKindListsAgree(t *testing.T) {
	want := make([]string, 0, len(importing.Listenarten()))
	for _, k := range importing.Listenarten() {
		want = append(want, string(k))
	}
	sorted := func(s []string) []string { s = slices.Clone(s); slices.Sort(s); return s }
	read := func(path string) string {
		t.Helper()
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		return string(b)
	}

	// openapi.yaml: every enum that holds a kind holds all of them.
	spec := read("../../openapi/openapi.yaml")
	enums := regexp.MustCompile(`enum: \[([^\]]*)\]`).FindAllStringSubmatch(spec, -1)
	found := 0
	for _, m := range enums {
		vals := strings.Split(m[1], ", ")
		if !slices.Contains(vals, "melderegister") {
			continue
		}
		found++
		if !slices.Equal(vals, want) {
			t.Errorf("openapi.yaml enum %v, want %v", vals, want)
		}
	}
	if found < 3 {
		t.Errorf("openapi.yaml: %d kind enums found, want the upload, mapping and Import ones", found)
	}

	// README: the import section names each kind.
	readme := read("../../README.md")
	i := strings.Index(readme, "## Uploading lists (imports)")
	if i < 0 {
		t.Fatal("README has no import section")
	}
	section := readme[i:]
	if j := strings.Index(section[3:], "\n## "); j >= 0 {
		section = section[:j+3]
	}
	for _, k := range want {
		if !strings.Contains(section, "`"+k+"`") {
			t.Errorf("README import section does not name `%s`", k)
		}
	}

	// The page: the select's options and the labels of the history.
	html := read("static/imports.html")
	sel := html[strings.Index(html, `<select id="art"`):]
	sel = sel[:strings.Index(sel, "</select>")]
	var opts []string
	for _, m := range regexp.MustCompile(`<option value="([a-z]+)">`).FindAllStringSubmatch(sel, -1) {
		opts = append(opts, m[1])
	}
	if !slices.Equal(sorted(opts), sorted(want)) {
		t.Errorf("imports.html offers %v, want %v", opts, want)
	}
	js := read("static/imports.js")
	arten := js[strings.Index(js, "export const ARTEN"):]
	arten = arten[:strings.Index(arten, "};")]
	var labels []string
	for _, m := range regexp.MustCompile(`(?m)^\s+([a-z]+): '`).FindAllStringSubmatch(arten, -1) {
		labels = append(labels, m[1])
	}
	if !slices.Equal(sorted(labels), sorted(want)) {
		t.Errorf("imports.js ARTEN names %v, want %v", labels, want)
	}
}

// The Schulpflicht page has a German label for every source of a
// reconciliation the contract names (a new source – Schulbescheinigung –
// must not show as its bare code or as „Schülerdaten“).
func TestQuelleLabelsAgree(t *testing.T) {
	spec, err := os.ReadFile("../../openapi/openapi.yaml")
	if err != nil {
		t.Fatal(err)
	}
	m := regexp.MustCompile(`quelle: \{type: string, enum: \[([^\]]*schueler[^\]]*)\]`).FindSubmatch(spec)
	if m == nil {
		t.Fatal("openapi.yaml: no enum of the reconciliation's sources (quelle) found")
	}
	want := strings.Split(string(m[1]), ", ")
	js, err := os.ReadFile("static/schulpflicht.js")
	if err != nil {
		t.Fatal(err)
	}
	q := string(js)[strings.Index(string(js), "const QUELLE = {"):]
	q = q[:strings.Index(q, "};")]
	labels := map[string]string{}
	for _, m := range regexp.MustCompile(`(?m)^\s+([a-z_]+): '([^']+)'`).FindAllStringSubmatch(q, -1) {
		labels[m[1]] = m[2]
	}
	for _, k := range want {
		if labels[k] == "" {
			t.Errorf("schulpflicht.js QUELLE has no label for %q (has %v)", k, labels)
		}
	}
	if got := labels["schulbescheinigung"]; got != "Schulbescheinigung (XSchule)" {
		t.Errorf("label of schulbescheinigung %q", got)
	}
}

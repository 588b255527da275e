package apidocs

import (
	"bytes"
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/getkin/kin-openapi/openapi3"
	"golang.org/x/net/html"
)

const fixture = "testdata/schulgateway.yaml"

// ---- helpers --------------------------------------------------------------

func readFixture(t *testing.T) []byte {
	t.Helper()
	spec, err := os.ReadFile(fixture)
	if err != nil {
		t.Fatal(err)
	}
	return spec
}

// render renders spec and parses the result as HTML.
func render(t *testing.T, spec []byte) ([]byte, *html.Node) {
	t.Helper()
	out, err := Render(spec)
	if err != nil {
		t.Fatalf("Render: %v", err)
	}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatalf("output is not parsable HTML: %v", err)
	}
	return out, doc
}

func renderFixture(t *testing.T) ([]byte, *html.Node) {
	t.Helper()
	return render(t, readFixture(t))
}

func walk(n *html.Node, fn func(*html.Node)) {
	fn(n)
	for c := n.FirstChild; c != nil; c = c.NextSibling {
		walk(c, fn)
	}
}

func findAll(root *html.Node, pred func(*html.Node) bool) []*html.Node {
	var out []*html.Node
	walk(root, func(n *html.Node) {
		if pred(n) {
			out = append(out, n)
		}
	})
	return out
}

func elements(root *html.Node, tag string) []*html.Node {
	return findAll(root, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == tag })
}

func first(root *html.Node, tag string) *html.Node {
	if all := elements(root, tag); len(all) > 0 {
		return all[0]
	}
	return nil
}

func attr(n *html.Node, key string) string {
	for _, a := range n.Attr {
		if a.Key == key {
			return a.Val
		}
	}
	return ""
}

func hasClass(n *html.Node, class string) bool {
	return slices.Contains(strings.Fields(attr(n, "class")), class)
}

func byID(t *testing.T, root *html.Node, id string) *html.Node {
	t.Helper()
	found := findAll(root, func(n *html.Node) bool { return n.Type == html.ElementNode && attr(n, "id") == id })
	if len(found) != 1 {
		t.Fatalf("want exactly one element with id %q, found %d", id, len(found))
	}
	return found[0]
}

var spaces = regexp.MustCompile(`\s+`)

var blockElements = map[string]bool{
	"p": true, "div": true, "li": true, "ul": true, "td": true, "th": true, "tr": true, "table": true,
	"h1": true, "h2": true, "h3": true, "h4": true, "dt": true, "dd": true, "section": true, "br": true,
}

// text is the element's text content as a reader sees it: block elements
// separated by spaces, whitespace collapsed.
func text(n *html.Node) string {
	var sb strings.Builder
	var visit func(*html.Node)
	visit = func(c *html.Node) {
		switch {
		case c.Type == html.TextNode:
			sb.WriteString(c.Data)
			return
		case c.Type == html.ElementNode && blockElements[c.Data]:
			sb.WriteByte(' ')
			defer sb.WriteByte(' ')
		}
		for k := c.FirstChild; k != nil; k = k.NextSibling {
			visit(k)
		}
	}
	visit(n)
	return strings.TrimSpace(spaces.ReplaceAllString(sb.String(), " "))
}

func linksTo(root *html.Node, anchor string) []*html.Node {
	return findAll(root, func(n *html.Node) bool {
		return n.Type == html.ElementNode && n.Data == "a" && attr(n, "href") == "#"+anchor
	})
}

// tableRows maps the first cell's text to the row's cell texts, for the
// first table with the given class inside root.
func tableRows(t *testing.T, root *html.Node, class string) map[string][]string {
	t.Helper()
	tables := findAll(root, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "table" && hasClass(n, class) })
	if len(tables) == 0 {
		t.Fatalf("no table.%s found", class)
	}
	rows := map[string][]string{}
	tbody := first(tables[0], "tbody")
	for r := tbody.FirstChild; r != nil; r = r.NextSibling {
		if r.Type != html.ElementNode || r.Data != "tr" {
			continue
		}
		var cells []string
		for c := r.FirstChild; c != nil; c = c.NextSibling {
			if c.Type == html.ElementNode && c.Data == "td" {
				cells = append(cells, text(c))
			}
		}
		rows[cells[0]] = cells
	}
	return rows
}

// rowCell returns the td elements of the row whose first cell reads key.
func rowCells(t *testing.T, root *html.Node, class, key string) []*html.Node {
	t.Helper()
	for _, table := range findAll(root, func(n *html.Node) bool { return n.Type == html.ElementNode && n.Data == "table" && hasClass(n, class) }) {
		for r := first(table, "tbody").FirstChild; r != nil; r = r.NextSibling {
			if r.Type != html.ElementNode || r.Data != "tr" {
				continue
			}
			var cells []*html.Node
			for c := r.FirstChild; c != nil; c = c.NextSibling {
				if c.Type == html.ElementNode && c.Data == "td" {
					cells = append(cells, c)
				}
			}
			if len(cells) > 0 && text(cells[0]) == key {
				return cells
			}
		}
	}
	t.Fatalf("no row %q in table.%s", key, class)
	return nil
}

// ---- tests ----------------------------------------------------------------

type wantOp struct {
	method, path, anchor, summary string
}

// In path order, and per path GET, POST, PUT, PATCH, DELETE.
var fixtureOps = []wantOp{
	{"GET", "/health", "op-getHealth", "Betriebsbereitschaft prüfen"},
	{"GET", "/organisation", "op-getOrganisation", "Organisationsbaum der Schulaufsicht"},
	{"GET", "/schueler/{schuelerId}", "op-getSchueler", "Schülerdatensatz abrufen"},
	{"GET", "/schulen", "op-listSchulen", "Schulen auflisten"},
	{"GET", "/schulen/{schulnummer}", "op-getSchule", "Eine Schule abrufen"},
	{"PUT", "/schulen/{schulnummer}", "op-updateSchule", "Stammdaten einer Schule ersetzen"},
	{"DELETE", "/schulen/{schulnummer}", "op-deleteSchule", "Schule schließen"},
}

func TestRenderListsEveryOperationWithAnchorAndTOCLink(t *testing.T) {
	_, doc := renderFixture(t)
	toc := byID(t, doc, "inhalt")

	for _, want := range fixtureOps {
		sec := byID(t, doc, want.anchor)
		h := first(sec, "h3")
		if h == nil {
			t.Fatalf("%s: no heading", want.anchor)
		}
		if got := text(h); !strings.HasPrefix(got, want.method+" "+want.path) {
			t.Errorf("%s: heading %q, want it to start with %q", want.anchor, got, want.method+" "+want.path)
		}
		badges := findAll(h, func(n *html.Node) bool { return hasClass(n, "badge") })
		if len(badges) != 1 || !hasClass(badges[0], "m-"+strings.ToLower(want.method)) {
			t.Errorf("%s: want one method badge with class m-%s", want.anchor, strings.ToLower(want.method))
		}
		body := text(sec)
		for _, s := range []string{want.summary, "operationId " + strings.TrimPrefix(want.anchor, "op-")} {
			if !strings.Contains(body, s) {
				t.Errorf("%s: section lacks %q", want.anchor, s)
			}
		}
		if len(linksTo(toc, want.anchor)) == 0 {
			t.Errorf("%s: table of contents does not link to the operation", want.anchor)
		}
	}

	var order []string
	for _, n := range findAll(doc, func(n *html.Node) bool { return n.Data == "section" && hasClass(n, "op") }) {
		order = append(order, attr(n, "id"))
	}
	var want []string
	for _, op := range fixtureOps {
		want = append(want, op.anchor)
	}
	if !slices.Equal(order, want) {
		t.Errorf("operation order\n got %v\nwant %v", order, want)
	}
}

func TestRenderTableOfContentsGroupsByTag(t *testing.T) {
	_, doc := renderFixture(t)
	toc := byID(t, doc, "inhalt")

	var groups []string
	for _, h := range elements(toc, "h3") {
		groups = append(groups, text(h))
	}
	if want := []string{"Schulen", "Schüler", "Allgemein"}; !slices.Equal(groups, want) {
		t.Fatalf("TOC groups %v, want %v (declared tags in order, fallback last)", groups, want)
	}

	// The list following each group heading holds exactly its operations.
	wantOps := map[string][]string{
		"Schulen":   {"op-getOrganisation", "op-listSchulen", "op-getSchule", "op-updateSchule", "op-deleteSchule"},
		"Schüler":   {"op-getSchueler"},
		"Allgemein": {"op-getHealth"},
	}
	for _, h := range elements(toc, "h3") {
		list := h.NextSibling
		for list != nil && !(list.Type == html.ElementNode && list.Data == "ul") {
			list = list.NextSibling
		}
		if list == nil {
			t.Fatalf("group %q has no list", text(h))
		}
		var got []string
		for _, a := range elements(list, "a") {
			got = append(got, strings.TrimPrefix(attr(a, "href"), "#"))
		}
		if want := wantOps[text(h)]; !slices.Equal(got, want) {
			t.Errorf("group %q lists %v, want %v", text(h), got, want)
		}
	}
}

func TestRenderHeader(t *testing.T) {
	_, doc := renderFixture(t)
	if got := attr(first(doc, "html"), "lang"); got != "de" {
		t.Errorf(`html lang=%q, want "de"`, got)
	}
	if got := text(first(doc, "h1")); got != "Schulgateway API" {
		t.Errorf("h1 %q", got)
	}
	header := first(doc, "header")
	if !strings.Contains(text(header), "Version 1.4.0") {
		t.Errorf("header lacks version: %q", text(header))
	}
	var paras []string
	for _, p := range elements(header, "p") {
		paras = append(paras, text(p))
	}
	for _, want := range []string{
		"Schnittstelle der Schulverwaltung für Schulen, Schulamt und Bildungsministerium.",
		"Alle Zeitangaben sind in UTC. Fehler werden als application/problem+json (RFC 9457) geliefert.",
	} {
		if !slices.Contains(paras, want) {
			t.Errorf("description paragraph %q missing; paragraphs: %q", want, paras)
		}
	}
	var download *html.Node
	for _, a := range elements(doc, "a") {
		if text(a) == "Vertrag als OpenAPI-YAML herunterladen" {
			download = a
		}
	}
	if download == nil || attr(download, "href") != "/openapi.yaml" {
		t.Errorf("no download link to /openapi.yaml")
	}
}

func TestRenderParameters(t *testing.T) {
	_, doc := renderFixture(t)

	// path-level parameter is inherited, operation parameter added
	rows := tableRows(t, byID(t, doc, "op-getSchule"), "params")
	checks := map[string][]string{
		// name, in, required, type, description
		"schulnummer": {"schulnummer", "path", "ja", "string pattern: ^[0-9]{6}$", "Sechsstellige amtliche Schulnummer."},
		"stichtag":    {"stichtag", "query", "nein", "string (date)", "Stand der Daten zu diesem Datum."},
	}
	for name, want := range checks {
		if got := rows[name]; !slices.Equal(got, want) {
			t.Errorf("getSchule parameter %s:\n got %q\nwant %q", name, got, want)
		}
	}
	if len(rows) != len(checks) {
		t.Errorf("getSchule has %d parameters, want %d", len(rows), len(checks))
	}

	rows = tableRows(t, byID(t, doc, "op-listSchulen"), "params")
	if got, want := rows["limit"], []string{"limit", "query", "nein", "integer (int32) minimum: 1; maximum: 100; Standardwert: 20", "Maximale Anzahl Einträge pro Seite."}; !slices.Equal(got, want) {
		t.Errorf("limit parameter:\n got %q\nwant %q", got, want)
	}
	schulform := rowCells(t, byID(t, doc, "op-listSchulen"), "params", "schulform")
	if len(linksTo(schulform[3], "schema-Schulform")) != 1 {
		t.Errorf("schulform parameter type does not link to the Schulform schema")
	}

	rows = tableRows(t, byID(t, doc, "op-getSchueler"), "params")
	if got := rows["X-Request-ID"]; len(got) < 3 || got[1] != "header" || got[2] != "nein" {
		t.Errorf("header parameter X-Request-ID: %q", got)
	}
}

func TestRenderRoles(t *testing.T) {
	_, doc := renderFixture(t)
	for anchor, want := range map[string]string{
		"op-listSchulen":  "Rollen: bms, schulamt",
		"op-getSchule":    "Rollen: bms, schulamt, schule",
		"op-updateSchule": "Rollen: schulamt",
	} {
		roles := findAll(byID(t, doc, anchor), func(n *html.Node) bool { return hasClass(n, "roles") })
		if len(roles) != 1 || text(roles[0]) != want {
			t.Errorf("%s: want %q, got %d role lines", anchor, want, len(roles))
			for _, r := range roles {
				t.Logf("  %q", text(r))
			}
		}
	}
	for _, anchor := range []string{"op-getHealth", "op-getSchueler"} {
		if strings.Contains(text(byID(t, doc, anchor)), "Rollen:") {
			t.Errorf("%s has no x-roles but shows roles", anchor)
		}
	}
}

func TestRenderAuthentication(t *testing.T) {
	_, doc := renderFixture(t)
	auth := byID(t, doc, "authentifizierung")
	body := text(auth)
	for _, want := range []string{"bearerAuth", "HTTP Bearer (JWT)", "Authorization: Bearer <Token>", "Zugriffstoken des städtischen Identitätsdienstes.", "Ohne Token aufrufbar"} {
		if !strings.Contains(body, want) {
			t.Errorf("authentication section lacks %q:\n%s", want, body)
		}
	}
	var public []string
	for _, a := range elements(auth, "a") {
		if strings.HasPrefix(attr(a, "href"), "#op-") {
			public = append(public, attr(a, "href"))
		}
	}
	if want := []string{"#op-getHealth"}; !slices.Equal(public, want) {
		t.Errorf("operations listed as needing no token: %v, want %v", public, want)
	}

	if got := text(byID(t, doc, "op-getHealth")); !strings.Contains(got, "Kein Token erforderlich") {
		t.Errorf("getHealth (security: []) not marked as public")
	}
	got := text(byID(t, doc, "op-listSchulen"))
	if strings.Contains(got, "Kein Token erforderlich") || !strings.Contains(got, "Authentifizierung bearerAuth") {
		t.Errorf("listSchulen should require bearerAuth: %q", got)
	}
}

func TestRenderRequestBodyAndResponses(t *testing.T) {
	_, doc := renderFixture(t)
	put := byID(t, doc, "op-updateSchule")
	body := text(put)
	if !strings.Contains(body, "Request-Body (Pflicht) application/json: SchuleUpdate") {
		t.Errorf("request body not shown: %q", body)
	}
	media := findAll(put, func(n *html.Node) bool { return hasClass(n, "media") })
	if len(media) == 0 || len(linksTo(media[0], "schema-SchuleUpdate")) != 1 {
		t.Errorf("request body schema does not link to SchuleUpdate")
	}

	var statuses []string
	for _, n := range findAll(put, func(n *html.Node) bool { return hasClass(n, "status") }) {
		statuses = append(statuses, text(n))
	}
	if want := []string{"200", "400", "401"}; !slices.Equal(statuses, want) {
		t.Errorf("response statuses %v, want %v", statuses, want)
	}
	bad := rowCells(t, put, "responses", "400")
	if got := text(bad[2]); got != "application/problem+json: Problem" {
		t.Errorf("400 content %q", got)
	}
	if len(linksTo(bad[2], "schema-Problem")) != 1 {
		t.Errorf("400 response does not link to Problem schema")
	}
	// a $ref'd component response is resolved
	if got := text(rowCells(t, put, "responses", "401")[1]); got != "Token fehlt oder ist ungültig." {
		t.Errorf("401 description %q", got)
	}
	if got := text(rowCells(t, byID(t, doc, "op-deleteSchule"), "responses", "204")[2]); got != "kein Inhalt" {
		t.Errorf("204 content %q", got)
	}
	// array of $ref
	if got := text(rowCells(t, byID(t, doc, "op-listSchulen"), "responses", "200")[2]); got != "application/json: array<Schule>" {
		t.Errorf("listSchulen 200 content %q", got)
	}
	// inline object schema with enum
	health := rowCells(t, byID(t, doc, "op-getHealth"), "responses", "200")[2]
	if got := text(rowCells(t, health, "props", "status")[1]); got != "string Werte: ok" {
		t.Errorf("inline response property: %q", got)
	}
}

func TestRenderSchemaSections(t *testing.T) {
	spec := readFixture(t)
	_, doc := render(t, spec)

	loaded, err := openapi3.NewLoader().LoadFromData(spec)
	if err != nil {
		t.Fatal(err)
	}
	schemas := byID(t, doc, "schemas")
	if len(loaded.Components.Schemas) == 0 {
		t.Fatal("fixture has no component schemas")
	}
	for name := range loaded.Components.Schemas {
		sec := byID(t, schemas, "schema-"+name)
		if got := text(first(sec, "h3")); got != name {
			t.Errorf("schema section heading %q, want %q", got, name)
		}
	}

	schule := byID(t, doc, "schema-Schule")
	var order []string
	for r := first(first(schule, "table"), "tbody").FirstChild; r != nil; r = r.NextSibling {
		if r.Type == html.ElementNode {
			order = append(order, text(first(r, "td")))
		}
	}
	if want := []string{"schulnummer", "name", "schulform", "schuelerzahl", "adresse", "aktualisiertAm"}; !slices.Equal(order, want) {
		t.Errorf("Schule properties %v, want contract order %v", order, want)
	}
	rows := tableRows(t, schule, "props")
	for name, want := range map[string][]string{
		// name, type, required, description, constraints
		"name":           {"name", "string", "ja", "Offizieller Name, z. B. <b>Goethe-Gymnasium</b>.", "minLength: 1 maxLength: 120"},
		"schulnummer":    {"schulnummer", "string", "ja", "", "pattern: ^[0-9]{6}$ nur lesend (readOnly)"},
		"schuelerzahl":   {"schuelerzahl", "integer", "nein", "", "minimum: 0"},
		"aktualisiertAm": {"aktualisiertAm", "string (date-time)", "nein", "", ""},
		"schulform":      {"schulform", "Schulform", "ja", "", ""},
	} {
		if got := rows[name]; !slices.Equal(got, want) {
			t.Errorf("Schule.%s:\n got %q\nwant %q", name, got, want)
		}
	}
	if len(linksTo(rowCells(t, schule, "props", "schulform")[1], "schema-Schulform")) != 1 {
		t.Errorf("Schule.schulform does not link to Schulform")
	}
	// nested inline object
	adresse := rowCells(t, schule, "props", "adresse")
	if got := text(rowCells(t, adresse[1], "props", "plz")[4]); got != "pattern: ^[0-9]{5}$" {
		t.Errorf("nested adresse.plz constraints %q", got)
	}

	if got := text(byID(t, doc, "schema-Schulform")); !strings.Contains(got, "Typ: string Erlaubte Werte: grundschule, oberschule, gymnasium, foerderschule") {
		t.Errorf("enum schema: %q", got)
	}

	upd := byID(t, doc, "schema-SchuleUpdate")
	if got := text(upd); !strings.Contains(got, "(allOf)") || !strings.Contains(got, "grund") {
		t.Errorf("allOf schema: %q", got)
	}
	if len(linksTo(upd, "schema-Schule")) != 1 {
		t.Errorf("SchuleUpdate's allOf does not link to Schule")
	}

	kontakt := rowCells(t, byID(t, doc, "schema-Schueler"), "props", "kontakt")[1]
	if !strings.Contains(text(kontakt), "(oneOf)") || len(linksTo(kontakt, "schema-EmailKontakt")) != 1 || len(linksTo(kontakt, "schema-TelefonKontakt")) != 1 {
		t.Errorf("oneOf property: %q", text(kontakt))
	}

	org := byID(t, doc, "schema-Organisationseinheit")
	if got := text(rowCells(t, org, "props", "untereinheiten")[1]); got != "array<Organisationseinheit>" {
		t.Errorf("recursive array property %q", got)
	}
	if n := len(linksTo(org, "schema-Organisationseinheit")); n != 2 {
		t.Errorf("recursive schema should link to itself twice, got %d", n)
	}
}

func TestRenderInternalLinksResolve(t *testing.T) {
	_, doc := renderFixture(t)
	ids := map[string]int{}
	walk(doc, func(n *html.Node) {
		if id := attr(n, "id"); n.Type == html.ElementNode && id != "" {
			ids[id]++
		}
	})
	for id, n := range ids {
		if n > 1 {
			t.Errorf("id %q used %d times", id, n)
		}
	}
	links := 0
	for _, a := range elements(doc, "a") {
		href := attr(a, "href")
		if target, ok := strings.CutPrefix(href, "#"); ok {
			links++
			if ids[target] == 0 {
				t.Errorf("link %q has no target", href)
			}
		}
	}
	if links < 20 {
		t.Errorf("only %d internal links; expected TOC, tag and schema links", links)
	}
}

func TestRenderEscapesSpecText(t *testing.T) {
	out, doc := renderFixture(t)
	if bytes.Contains(out, []byte("<script>alert(1)</script>")) {
		t.Error("description markup reached the page unescaped")
	}
	if !bytes.Contains(out, []byte("&lt;script&gt;alert(1)&lt;/script&gt;")) {
		t.Error("description text with markup is not shown escaped")
	}
	if got := text(byID(t, doc, "op-updateSchule")); !strings.Contains(got, "Hinweis an Integratoren: <script>alert(1)</script> wird nicht ausgeführt.") {
		t.Errorf("escaped description not readable as text: %q", got)
	}
	for _, tag := range []string{"script", "b"} {
		if n := len(elements(doc, tag)); n != 0 {
			t.Errorf("found %d <%s> elements from spec text", n, tag)
		}
	}
}

// hostileSpec puts markup and attribute breakouts into every kind of
// string the page shows.
const hostileSpec = `
openapi: 3.0.3
info:
  title: "</title><script>alert('title')</script>"
  version: '1"><img src=x onerror=alert(1)>'
  description: "<iframe src=javascript:alert(1)></iframe>"
tags:
  - name: '"><svg onload=alert(1)>'
    description: "<style>body{display:none}</style>"
paths:
  /a/{id}:
    get:
      operationId: 'x" onmouseover="alert(1)'
      tags: ['"><svg onload=alert(1)>']
      summary: "<a href=https://evil.example>klick</a>"
      x-roles: ["<i>admin</i>", "javascript:alert(1)"]
      parameters:
        - name: id
          in: path
          required: true
          description: "<img src=https://evil.example/p.png>"
          schema:
            type: string
            pattern: "</td><script>alert(1)</script>"
            enum: ["<b>x</b>"]
      responses:
        "200":
          description: "<object data=https://evil.example></object>"
          content:
            "text/html<script>":
              schema:
                $ref: "#/components/schemas/Ding"
components:
  schemas:
    Ding:
      type: object
      description: "<link rel=stylesheet href=https://evil.example/x.css>"
      properties:
        '"><script>alert(2)</script>':
          type: string
          format: "<u>f</u>"
`

var safeAnchor = regexp.MustCompile(`^[A-Za-z0-9_-]+$`)

func TestRenderHostileSpecCannotInjectMarkup(t *testing.T) {
	out, doc := render(t, []byte(hostileSpec))
	for _, tag := range []string{"script", "img", "iframe", "svg", "object", "link", "i", "b", "u"} {
		if n := len(elements(doc, tag)); n != 0 {
			t.Errorf("found %d injected <%s> elements", n, tag)
		}
	}
	if n := len(elements(first(doc, "body"), "style")); n != 0 {
		t.Errorf("found %d injected <style> elements in the body", n)
	}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		for _, a := range n.Attr {
			if strings.HasPrefix(a.Key, "on") {
				t.Errorf("<%s> has event handler attribute %s=%q", n.Data, a.Key, a.Val)
			}
			if a.Key == "id" && !safeAnchor.MatchString(a.Val) {
				t.Errorf("unsafe id %q", a.Val)
			}
			if a.Key == "href" && a.Val != "/openapi.yaml" && !(strings.HasPrefix(a.Val, "#") && safeAnchor.MatchString(a.Val[1:])) {
				t.Errorf("unexpected href %q", a.Val)
			}
		}
	})
	// the hostile text is still shown, as text
	if !bytes.Contains(out, []byte("&lt;/title&gt;&lt;script&gt;")) {
		t.Error("hostile title not shown as escaped text")
	}
	if got := text(first(doc, "title")); !strings.Contains(got, "</title><script>alert('title')</script>") {
		t.Errorf("title text %q", got)
	}
}

func TestRenderIsSelfContained(t *testing.T) {
	out, doc := renderFixture(t)
	// The fixture contains absolute URLs (servers, contact, externalDocs),
	// so a renderer that linked them would fail below.
	if !bytes.Contains(out, []byte("https://api.schulen.example.de/v1")) {
		t.Fatal("server URL should be shown as text")
	}
	urlAttrs := []string{"src", "href", "srcset", "action", "formaction", "poster", "data", "background", "cite", "xlink:href", "manifest", "ping"}
	walk(doc, func(n *html.Node) {
		if n.Type != html.ElementNode {
			return
		}
		switch n.Data {
		case "script", "link", "img", "iframe", "object", "embed", "video", "audio", "source", "form", "base":
			t.Errorf("page contains a <%s> element", n.Data)
		}
		for _, a := range n.Attr {
			if !slices.Contains(urlAttrs, a.Key) {
				continue
			}
			v := strings.ToLower(strings.TrimSpace(a.Val))
			if strings.Contains(v, "http://") || strings.Contains(v, "https://") || strings.HasPrefix(v, "//") {
				t.Errorf("<%s %s=%q> references an external resource", n.Data, a.Key, a.Val)
			}
		}
	})
	for _, style := range elements(doc, "style") {
		css := text(style)
		for _, bad := range []string{"url(", "@import", "http:", "https:"} {
			if strings.Contains(css, bad) {
				t.Errorf("inline CSS contains %q", bad)
			}
		}
	}
	if len(elements(doc, "style")) != 1 {
		t.Errorf("want exactly one inline <style>")
	}
}

func TestRenderRecursiveSchemasTerminate(t *testing.T) {
	spec := []byte(`
openapi: 3.0.3
info: {title: Rekursion, version: "1"}
paths:
  /baum:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Knoten"}
components:
  schemas:
    Knoten:
      type: object
      properties:
        kinder: {type: array, items: {$ref: "#/components/schemas/Knoten"}}
        partner: {$ref: "#/components/schemas/Partner"}
        variante:
          oneOf:
            - {$ref: "#/components/schemas/Knoten"}
            - type: object
              properties:
                zurueck: {$ref: "#/components/schemas/Partner"}
    Partner:
      allOf:
        - {$ref: "#/components/schemas/Knoten"}
        - type: object
          properties:
            gegenueber: {$ref: "#/components/schemas/Partner"}
    Huelle:
      type: object
      properties:
        inhalt:
          type: object
          properties:
            weiter: {$ref: "#/components/schemas/Huelle/properties/inhalt"}
`)
	done := make(chan struct{})
	var out []byte
	var err error
	go func() {
		defer close(done)
		out, err = Render(spec)
	}()
	select {
	case <-done:
	case <-time.After(10 * time.Second):
		t.Fatal("rendering recursive schemas did not terminate")
	}
	if err != nil {
		t.Fatal(err)
	}
	doc, err := html.Parse(bytes.NewReader(out))
	if err != nil {
		t.Fatal(err)
	}
	for _, id := range []string{"schema-Knoten", "schema-Partner"} {
		byID(t, doc, id)
	}
	partner := byID(t, doc, "schema-Partner")
	if len(linksTo(partner, "schema-Knoten")) != 1 || len(linksTo(partner, "schema-Partner")) != 1 {
		t.Errorf("mutually recursive schemas should link to each other: %q", text(partner))
	}
	// A $ref into a schema (not to a component) is expanded inline; the
	// cycle it forms is cut off and marked.
	inhalt := rowCells(t, byID(t, doc, "schema-Huelle"), "props", "inhalt")[1]
	if got := text(rowCells(t, inhalt, "props", "weiter")[1]); got != "… (#/components/schemas/Huelle/properties/inhalt)" {
		t.Errorf("inline cycle: %q", got)
	}
}

func TestRenderWithoutTagsOrSecurity(t *testing.T) {
	spec := []byte(`{
  "openapi": "3.0.3",
  "info": {"title": "Minimal", "version": "0.1.0"},
  "paths": {
    "/ping": {"post": {"responses": {"204": {"description": "pong"}}}},
    "/ping/{n}": {"patch": {
      "parameters": [{"name": "n", "in": "path", "required": true, "schema": {"type": "integer"}}],
      "responses": {"default": {"description": "Fehler"}, "200": {"description": "ok"}}}}
  }
}`)
	_, doc := render(t, spec)
	toc := byID(t, doc, "inhalt")
	if got := text(first(toc, "h3")); got != "Allgemein" {
		t.Errorf("untagged operations grouped under %q, want Allgemein", got)
	}
	// anchors are derived from method and path when there is no operationId
	for _, id := range []string{"op-post-ping", "op-patch-ping-n"} {
		byID(t, doc, id)
		if len(linksTo(toc, id)) != 1 {
			t.Errorf("TOC does not link to %s", id)
		}
	}
	if got := text(byID(t, doc, "authentifizierung")); !strings.Contains(got, "Der Vertrag definiert keine Authentifizierung.") {
		t.Errorf("auth section without schemes: %q", got)
	}
	if got := text(byID(t, doc, "op-post-ping")); !strings.Contains(got, "Kein Token erforderlich") {
		t.Errorf("operation without any security should be public: %q", got)
	}
	var statuses []string
	for _, n := range findAll(byID(t, doc, "op-patch-ping-n"), func(n *html.Node) bool { return hasClass(n, "status") }) {
		statuses = append(statuses, text(n))
	}
	if want := []string{"200", "default"}; !slices.Equal(statuses, want) {
		t.Errorf("statuses %v, want %v", statuses, want)
	}
}

func TestRenderIsDeterministic(t *testing.T) {
	spec := readFixture(t)
	a, err := Render(spec)
	if err != nil {
		t.Fatal(err)
	}
	for range 5 {
		b, err := Render(spec)
		if err != nil {
			t.Fatal(err)
		}
		if !bytes.Equal(a, b) {
			t.Fatal("two renderings of the same spec differ")
		}
	}
}

func TestRenderRejectsInvalidSpecs(t *testing.T) {
	for name, spec := range map[string]string{
		"empty":           "",
		"whitespace":      " \n\t ",
		"not yaml":        "openapi: [3.0.3\ninfo: {",
		"not openapi":     "hello: world\n",
		"missing info":    `{"openapi": "3.0.3", "paths": {}}`,
		"missing version": "openapi: 3.0.3\ninfo: {title: X}\npaths: {}\n",
		"dangling $ref": `openapi: 3.0.3
info: {title: X, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {$ref: "#/components/schemas/Fehlt"}
`,
		"external file $ref": `openapi: 3.0.3
info: {title: X, version: "1"}
paths:
  /x:
    get:
      responses:
        "200": {$ref: "testdata/schulgateway.yaml#/components/responses/Unauthorized"}
`,
		"remote $ref": `openapi: 3.0.3
info: {title: X, version: "1"}
paths:
  /x:
    get:
      responses:
        "200": {$ref: "https://example.invalid/spec.yaml#/components/responses/Ok"}
`,
		"invalid schema": `openapi: 3.0.3
info: {title: X, version: "1"}
paths:
  /x:
    get:
      responses:
        "200":
          description: ok
          content:
            application/json:
              schema: {type: strnig}
`,
		"duplicate operationId": `openapi: 3.0.3
info: {title: X, version: "1"}
paths:
  /a: {get: {operationId: same, responses: {"200": {description: ok}}}}
  /b: {get: {operationId: same, responses: {"200": {description: ok}}}}
`,
	} {
		t.Run(name, func(t *testing.T) {
			out, err := Render([]byte(spec))
			if err == nil {
				t.Fatalf("want error, got %d bytes of output", len(out))
			}
			if out != nil {
				t.Errorf("want no output on error")
			}
		})
	}
}

// Package apidocs renders the gateway's OpenAPI 3 contract as a readable,
// self-contained HTML reference page (served at GET /docs).
//
// The page is produced once at startup from the embedded contract. It uses
// no JavaScript, no external fonts, scripts or stylesheets and makes no
// network requests: everything the browser needs is in the one document.
// All text taken from the contract is escaped by html/template, so the
// contract cannot inject markup into the page.
package apidocs

import (
	"bytes"
	_ "embed"
	"errors"
	"fmt"
	"html/template"
	"net/http"
	"regexp"
	"slices"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// SpecPath is where the gateway serves the raw contract; the page links to it.
const SpecPath = "/openapi.yaml"

// fallbackTag groups operations that carry no tag.
const fallbackTag = "Allgemein"

//go:embed page.gohtml
var pageSource string

var pageTemplate = template.Must(template.New("page").Parse(pageSource))

// Render parses and validates an OpenAPI 3 contract (YAML or JSON) and
// returns a complete HTML5 reference page (lang="de") describing it.
//
// External $refs are not followed, so rendering never touches the file
// system or the network. An unparsable or invalid contract is an error.
func Render(spec []byte) ([]byte, error) {
	if len(bytes.TrimSpace(spec)) == 0 {
		return nil, errors.New("apidocs: empty OpenAPI spec")
	}
	loader := openapi3.NewLoader()
	loader.IsExternalRefsAllowed = false
	loader.IncludeOrigin = true // positions let schema properties keep the contract's order
	doc, err := loader.LoadFromData(spec)
	if err != nil {
		return nil, fmt.Errorf("apidocs: load OpenAPI spec: %w", err)
	}
	if err := doc.Validate(loader.Context); err != nil {
		return nil, fmt.Errorf("apidocs: invalid OpenAPI spec: %w", err)
	}
	if doc.Info == nil {
		return nil, errors.New("apidocs: invalid OpenAPI spec: info is required")
	}

	var buf bytes.Buffer
	if err := pageTemplate.Execute(&buf, newBuilder(doc).page()); err != nil {
		return nil, fmt.Errorf("apidocs: render page: %w", err)
	}
	return buf.Bytes(), nil
}

// ---- view model -----------------------------------------------------------

type pageView struct {
	Title       string
	Version     string
	OpenAPI     string
	Description []string
	SpecPath    string
	Servers     []serverView
	Contact     string

	Schemes        []schemeView
	DefaultAuth    []string // alternatives required unless an operation overrides them
	PublicOps      []*operationView
	Groups         []*groupView
	Operations     []*operationView
	Schemas        []*schemaView
	HasOperations  bool
	HasSchemas     bool
	HasAuthSection bool
}

type serverView struct {
	URL         string
	Description string
}

type schemeView struct {
	Name        string
	Kind        string
	Usage       string
	Details     []string
	Description []string
}

type groupView struct {
	Name        string
	Anchor      string
	Description []string
	Ops         []*operationView
}

type tagLink struct {
	Name   string
	Anchor string
}

type operationView struct {
	Anchor      string
	Method      string
	MethodClass string
	Path        string
	Summary     string
	Description []string
	OperationID string
	Deprecated  bool
	Tags        []tagLink
	Roles       []string
	Auth        authView
	Params      []paramView
	Body        *bodyView
	Responses   []responseView

	rawTags []string // distinct, non-empty tags as written in the contract
}

// authView describes what an operation requires to be called.
type authView struct {
	Public       bool     // no token needed at all
	Optional     bool     // a token may be sent but is not required
	Alternatives []string // each entry is one acceptable requirement
}

type paramView struct {
	Name        string
	In          string
	Required    bool
	Deprecated  bool
	Type        *typeView
	ContentType string // set when the parameter is described by content instead of schema
	Description []string
}

type bodyView struct {
	Required    bool
	Description []string
	Content     []mediaView
}

type mediaView struct {
	Type   string
	Schema *typeView
}

type responseView struct {
	Status      string
	StatusClass string
	Description []string
	Content     []mediaView
}

type schemaView struct {
	Name        string
	Anchor      string
	Description []string
	Type        *typeView
}

// ---- builder --------------------------------------------------------------

type builder struct {
	doc           *openapi3.T
	usedAnchors   map[string]bool
	schemaAnchors map[string]string // component schema name -> anchor
	tagAnchors    map[string]string // tag name -> anchor
}

// fixed section ids used by the template.
var reservedAnchors = []string{"inhalt", "authentifizierung", "operationen", "schemas"}

func newBuilder(doc *openapi3.T) *builder {
	b := &builder{
		doc:           doc,
		usedAnchors:   map[string]bool{},
		schemaAnchors: map[string]string{},
		tagAnchors:    map[string]string{},
	}
	for _, a := range reservedAnchors {
		b.usedAnchors[a] = true
	}
	return b
}

// anchor returns a document-unique id derived from base. Ids only contain
// [A-Za-z0-9_-], so they read the same in id="…" and in href="#…".
func (b *builder) anchor(prefix, base string) string {
	s := slug(base)
	if s == "" {
		s = "x"
	}
	a := prefix + s
	for i := 2; b.usedAnchors[a]; i++ {
		a = fmt.Sprintf("%s%s-%d", prefix, s, i)
	}
	b.usedAnchors[a] = true
	return a
}

func (b *builder) page() *pageView {
	doc := b.doc
	p := &pageView{
		Title:       doc.Info.Title,
		Version:     doc.Info.Version,
		OpenAPI:     doc.OpenAPI,
		Description: paragraphs(doc.Info.Description),
		SpecPath:    SpecPath,
	}
	for _, s := range doc.Servers {
		if s != nil {
			p.Servers = append(p.Servers, serverView{URL: s.URL, Description: s.Description})
		}
	}
	if c := doc.Info.Contact; c != nil {
		p.Contact = strings.Join(nonEmpty(c.Name, c.Email, c.URL), " · ")
	}

	// Schema anchors first, so operations can link to them.
	var schemaNames []string
	if doc.Components != nil {
		schemaNames = sortedKeys(doc.Components.Schemas)
	}
	for _, name := range schemaNames {
		b.schemaAnchors[name] = b.anchor("schema-", name)
	}

	p.Operations = b.operations()
	p.HasOperations = len(p.Operations) > 0
	p.Groups = b.groups(p.Operations)

	p.Schemes = b.schemes()
	p.DefaultAuth = requirementTexts(doc.Security)
	for _, op := range p.Operations {
		if op.Auth.Public || op.Auth.Optional {
			p.PublicOps = append(p.PublicOps, op)
		}
	}
	p.HasAuthSection = len(p.Schemes) > 0 || len(p.DefaultAuth) > 0

	for _, name := range schemaNames {
		ref := doc.Components.Schemas[name]
		sv := &schemaView{Name: name, Anchor: b.schemaAnchors[name]}
		if ref != nil && ref.Ref == "" && ref.Value != nil {
			sv.Description = paragraphs(ref.Value.Description)
			sv.Type = b.expand(ref.Value, nil)
		} else {
			// an alias for another schema
			sv.Type = b.typeOf(ref, nil)
		}
		p.Schemas = append(p.Schemas, sv)
	}
	p.HasSchemas = len(p.Schemas) > 0
	return p
}

// methodOrder is the order operations of one path are listed in.
var methodOrder = []string{
	http.MethodGet, http.MethodPost, http.MethodPut, http.MethodPatch, http.MethodDelete,
	http.MethodHead, http.MethodOptions, http.MethodTrace, http.MethodConnect,
}

func methodRank(m string) int {
	if i := slices.Index(methodOrder, m); i >= 0 {
		return i
	}
	return len(methodOrder)
}

func (b *builder) operations() []*operationView {
	var ops []*operationView
	for _, path := range b.doc.Paths.Keys() { // sorted by path
		item := b.doc.Paths.Value(path)
		if item == nil {
			continue
		}
		byMethod := item.Operations()
		methods := sortedKeys(byMethod)
		slices.SortStableFunc(methods, func(x, y string) int { return methodRank(x) - methodRank(y) })
		for _, method := range methods {
			if op := byMethod[method]; op != nil {
				ops = append(ops, b.operation(path, method, item, op))
			}
		}
	}
	return ops
}

func (b *builder) operation(path, method string, item *openapi3.PathItem, op *openapi3.Operation) *operationView {
	base := op.OperationID
	if base == "" {
		base = strings.ToLower(method) + "-" + path
	}
	v := &operationView{
		Anchor:      b.anchor("op-", base),
		Method:      method,
		MethodClass: methodClass(method),
		Path:        path,
		Summary:     op.Summary,
		Description: paragraphs(op.Description),
		OperationID: op.OperationID,
		Deprecated:  op.Deprecated,
		Roles:       stringList(op.Extensions["x-roles"]),
		Auth:        b.auth(op),
		Params:      b.params(item.Parameters, op.Parameters),
		Responses:   b.responses(op.Responses),
	}
	for _, t := range op.Tags {
		if t = strings.TrimSpace(t); t != "" && !slices.Contains(v.rawTags, t) {
			v.rawTags = append(v.rawTags, t)
		}
	}
	if rb := op.RequestBody; rb != nil && rb.Value != nil {
		v.Body = &bodyView{
			Required:    rb.Value.Required,
			Description: paragraphs(rb.Value.Description),
			Content:     b.content(rb.Value.Content),
		}
	}
	return v
}

func methodClass(method string) string {
	switch m := strings.ToLower(method); m {
	case "get", "post", "put", "patch", "delete":
		return m
	default:
		return "other"
	}
}

// groups builds the table of contents: declared tags in declaration order,
// then undeclared tags in order of first use, then the fallback group.
func (b *builder) groups(ops []*operationView) []*groupView {
	var order []string
	byName := map[string]*groupView{}
	add := func(name, description string) *groupView {
		if g, ok := byName[name]; ok {
			if len(g.Description) == 0 {
				g.Description = paragraphs(description)
			}
			return g
		}
		g := &groupView{Name: name, Anchor: b.anchor("tag-", name), Description: paragraphs(description)}
		b.tagAnchors[name] = g.Anchor
		byName[name] = g
		order = append(order, name)
		return g
	}
	for _, t := range b.doc.Tags {
		if t != nil {
			add(t.Name, t.Description)
		}
	}
	for _, op := range ops {
		for _, t := range op.rawTags {
			add(t, "")
		}
	}
	var untagged []*operationView
	for _, op := range ops {
		tags := op.rawTags
		if len(tags) == 0 {
			untagged = append(untagged, op)
			continue
		}
		for _, t := range tags {
			g := byName[t]
			g.Ops = append(g.Ops, op)
			op.Tags = append(op.Tags, tagLink{Name: t, Anchor: g.Anchor})
		}
	}
	if len(untagged) > 0 {
		g := add(fallbackTag, "")
		g.Ops = append(g.Ops, untagged...)
		for _, op := range untagged {
			op.Tags = append(op.Tags, tagLink{Name: fallbackTag, Anchor: g.Anchor})
		}
	}
	var out []*groupView
	for _, name := range order {
		if g := byName[name]; len(g.Ops) > 0 {
			out = append(out, g)
		}
	}
	return out
}

// ---- security -------------------------------------------------------------

func (b *builder) schemes() []schemeView {
	if b.doc.Components == nil {
		return nil
	}
	var out []schemeView
	for _, name := range sortedKeys(b.doc.Components.SecuritySchemes) {
		ref := b.doc.Components.SecuritySchemes[name]
		if ref == nil || ref.Value == nil {
			continue
		}
		s := ref.Value
		v := schemeView{Name: name, Description: paragraphs(s.Description)}
		switch strings.ToLower(s.Type) {
		case "http":
			switch scheme := strings.ToLower(s.Scheme); scheme {
			case "bearer":
				v.Kind = "HTTP Bearer"
				if s.BearerFormat != "" {
					v.Kind += " (" + s.BearerFormat + ")"
				}
				v.Usage = "Header Authorization: Bearer <Token>"
			case "basic":
				v.Kind = "HTTP Basic"
				v.Usage = "Header Authorization: Basic <Base64(Benutzer:Passwort)>"
			default:
				v.Kind = "HTTP " + s.Scheme
				v.Usage = "Header Authorization: " + s.Scheme + " <Zugangsdaten>"
			}
		case "apikey":
			v.Kind = "API-Schlüssel"
			v.Usage = fmt.Sprintf("%s „%s“", locationLabel(s.In), s.Name)
		case "oauth2":
			v.Kind = "OAuth 2.0"
			v.Details = oauthFlows(s.Flows)
		case "openidconnect":
			v.Kind = "OpenID Connect"
			v.Usage = "Discovery: " + s.OpenIdConnectUrl
		case "mutualtls":
			v.Kind = "Mutual TLS (Client-Zertifikat)"
		default:
			v.Kind = s.Type
		}
		out = append(out, v)
	}
	return out
}

func locationLabel(in string) string {
	switch in {
	case "header":
		return "Header"
	case "query":
		return "Query-Parameter"
	case "cookie":
		return "Cookie"
	default:
		return in
	}
}

func oauthFlows(flows *openapi3.OAuthFlows) []string {
	if flows == nil {
		return nil
	}
	var out []string
	add := func(name string, f *openapi3.OAuthFlow) {
		if f == nil {
			return
		}
		parts := []string{"Flow " + name}
		if f.AuthorizationURL != "" {
			parts = append(parts, "Autorisierungs-URL "+f.AuthorizationURL)
		}
		if f.TokenURL != "" {
			parts = append(parts, "Token-URL "+f.TokenURL)
		}
		if len(f.Scopes) > 0 {
			parts = append(parts, "Scopes: "+strings.Join(sortedKeys(f.Scopes), ", "))
		}
		out = append(out, strings.Join(parts, "; "))
	}
	add("authorizationCode", flows.AuthorizationCode)
	add("clientCredentials", flows.ClientCredentials)
	add("implicit", flows.Implicit)
	add("password", flows.Password)
	return out
}

func (b *builder) auth(op *openapi3.Operation) authView {
	reqs := b.doc.Security
	if op.Security != nil {
		reqs = *op.Security
	}
	if len(reqs) == 0 {
		return authView{Public: true}
	}
	v := authView{}
	for _, r := range reqs {
		if len(r) == 0 {
			v.Optional = true
		}
	}
	v.Alternatives = requirementTexts(reqs)
	return v
}

// requirementTexts renders each security requirement as "scheme" or
// "scheme (scope, scope)", several schemes of one requirement joined by " + ".
func requirementTexts(reqs openapi3.SecurityRequirements) []string {
	var out []string
	for _, r := range reqs {
		if len(r) == 0 {
			continue
		}
		var parts []string
		for _, name := range sortedKeys(r) {
			if scopes := r[name]; len(scopes) > 0 {
				parts = append(parts, name+" ("+strings.Join(scopes, ", ")+")")
			} else {
				parts = append(parts, name)
			}
		}
		out = append(out, strings.Join(parts, " + "))
	}
	return out
}

// ---- parameters, bodies, responses ---------------------------------------

var locationRank = map[string]int{"path": 0, "query": 1, "header": 2, "cookie": 3}

// params merges path-level and operation-level parameters (the operation
// wins on equal name and location) and orders them path, query, header, cookie.
func (b *builder) params(pathLevel, opLevel openapi3.Parameters) []paramView {
	var list []*openapi3.Parameter
	index := map[string]int{}
	for _, group := range []openapi3.Parameters{pathLevel, opLevel} {
		for _, ref := range group {
			if ref == nil || ref.Value == nil {
				continue
			}
			p := ref.Value
			key := p.In + "\x00" + p.Name
			if i, ok := index[key]; ok {
				list[i] = p
				continue
			}
			index[key] = len(list)
			list = append(list, p)
		}
	}
	slices.SortStableFunc(list, func(x, y *openapi3.Parameter) int {
		return rank(locationRank, x.In) - rank(locationRank, y.In)
	})
	out := make([]paramView, 0, len(list))
	for _, p := range list {
		v := paramView{
			Name:        p.Name,
			In:          p.In,
			Required:    p.Required,
			Deprecated:  p.Deprecated,
			Description: paragraphs(p.Description),
		}
		switch {
		case p.Schema != nil:
			v.Type = b.typeOf(p.Schema, nil)
		case len(p.Content) > 0:
			ct := sortedKeys(p.Content)[0]
			v.ContentType = ct
			if mt := p.Content[ct]; mt != nil {
				v.Type = b.typeOf(mt.Schema, nil)
			}
		}
		if v.Type == nil {
			v.Type = anyType()
		}
		v.Type.ShowConstraints = true
		out = append(out, v)
	}
	return out
}

func rank(m map[string]int, k string) int {
	if r, ok := m[k]; ok {
		return r
	}
	return len(m)
}

func (b *builder) content(c openapi3.Content) []mediaView {
	var out []mediaView
	for _, ct := range sortedKeys(c) {
		mv := mediaView{Type: ct}
		if mt := c[ct]; mt != nil && mt.Schema != nil {
			mv.Schema = b.typeOf(mt.Schema, nil)
			mv.Schema.ShowConstraints = true
		}
		out = append(out, mv)
	}
	return out
}

func (b *builder) responses(rs *openapi3.Responses) []responseView {
	if rs == nil {
		return nil
	}
	codes := rs.Keys()
	slices.SortStableFunc(codes, func(x, y string) int { return strings.Compare(statusSortKey(x), statusSortKey(y)) })
	var out []responseView
	for _, code := range codes {
		ref := rs.Value(code)
		if ref == nil || ref.Value == nil {
			continue
		}
		v := responseView{Status: code, StatusClass: statusClass(code), Content: b.content(ref.Value.Content)}
		if d := ref.Value.Description; d != nil {
			v.Description = paragraphs(*d)
		}
		out = append(out, v)
	}
	return out
}

// statusSortKey orders 200 < 2XX < 404 < 4XX < default.
func statusSortKey(code string) string {
	if strings.EqualFold(code, "default") {
		return "9999"
	}
	return strings.ToUpper(code)
}

func statusClass(code string) string {
	if code != "" && code[0] >= '1' && code[0] <= '5' {
		return "s" + code[:1]
	}
	return "sd"
}

// ---- small helpers --------------------------------------------------------

var blankLine = regexp.MustCompile(`\n[ \t]*\n`)

// paragraphs splits plain text on blank lines; single line breaks are kept
// inside a paragraph (the browser folds them into spaces).
func paragraphs(s string) []string {
	s = strings.ReplaceAll(strings.ReplaceAll(s, "\r\n", "\n"), "\r", "\n")
	var out []string
	for _, p := range blankLine.Split(s, -1) {
		if p = strings.TrimSpace(p); p != "" {
			out = append(out, p)
		}
	}
	return out
}

// stringList reads an extension value that should be a list of strings
// (x-roles). A single string is accepted as a one-element list.
func stringList(v any) []string {
	var out []string
	add := func(s string) {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	switch x := v.(type) {
	case nil:
	case string:
		add(x)
	case []string:
		for _, s := range x {
			add(s)
		}
	case []any:
		for _, e := range x {
			if e != nil {
				add(fmt.Sprint(e))
			}
		}
	default:
		add(fmt.Sprint(x))
	}
	return out
}

func nonEmpty(ss ...string) []string {
	var out []string
	for _, s := range ss {
		if s = strings.TrimSpace(s); s != "" {
			out = append(out, s)
		}
	}
	return out
}

func sortedKeys[V any](m map[string]V) []string {
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

var transliterations = map[rune]string{'ä': "ae", 'ö': "oe", 'ü': "ue", 'Ä': "Ae", 'Ö': "Oe", 'Ü': "Ue", 'ß': "ss"}

// slug maps s to [A-Za-z0-9_-]+, transliterating German umlauts and
// collapsing everything else into single dashes.
func slug(s string) string {
	var sb strings.Builder
	dash := false
	for _, r := range s {
		switch {
		case r >= 'a' && r <= 'z', r >= 'A' && r <= 'Z', r >= '0' && r <= '9', r == '_':
			sb.WriteRune(r)
			dash = false
		case transliterations[r] != "":
			sb.WriteString(transliterations[r])
			dash = false
		default:
			if !dash && sb.Len() > 0 {
				sb.WriteByte('-')
				dash = true
			}
		}
	}
	return strings.TrimRight(sb.String(), "-")
}

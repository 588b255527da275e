package apidocs

import (
	"cmp"
	"encoding/json"
	"math"
	"slices"
	"strconv"
	"strings"

	"github.com/getkin/kin-openapi/openapi3"
)

// maxInlineDepth bounds how deep inline (non-$ref) schemas are expanded.
// References to component schemas are never expanded but linked, so
// recursive component schemas cannot loop; this is a second safety net.
const maxInlineDepth = 8

const componentSchemaPrefix = "#/components/schemas/"

// typeView is the display form of a schema as used in a table cell.
type typeView struct {
	RefName   string // set for a $ref to a component schema: rendered as a link
	RefAnchor string
	RefText   string // any other $ref, shown as text

	Label      string // "string", "integer", "object", "array", "beliebig", "string | integer", …
	Format     string
	Nullable   bool
	Enum       []string
	Items      *typeView
	Combinator []combinatorView
	Props      []propView
	Additional *typeView // schema of additionalProperties
	Truncated  bool      // expansion stopped (cycle in inline schemas, or too deep)

	Constraints     []constraint
	ShowConstraints bool // render constraints next to the type (false where a table column shows them)
}

type combinatorView struct {
	Keyword string // allOf, oneOf, anyOf, not
	Label   string
	Parts   []*typeView
}

type propView struct {
	Name        string
	Type        *typeView
	Required    bool
	Description []string
	Constraints []constraint
}

type constraint struct {
	Name  string
	Value string
}

func anyType() *typeView { return &typeView{Label: "beliebig"} }

// HasLabel reports whether the type has a short label (the "Typ:" line).
func (t *typeView) HasLabel() bool {
	return t.RefName != "" || t.Label != "" || t.Items != nil || t.Truncated
}

// HasDetail reports whether the type has more to show than its label.
func (t *typeView) HasDetail() bool {
	if t.RefName != "" {
		return false
	}
	return len(t.Enum) > 0 || len(t.Combinator) > 0 || len(t.Props) > 0 || t.Additional != nil ||
		(t.ShowConstraints && len(t.Constraints) > 0) || (t.Items != nil && t.Items.HasDetail())
}

// componentName returns the component schema a $ref points to, if any.
func (b *builder) componentName(ref string) (string, bool) {
	rest, ok := strings.CutPrefix(ref, componentSchemaPrefix)
	if !ok || rest == "" || strings.Contains(rest, "/") {
		return "", false
	}
	name := strings.ReplaceAll(strings.ReplaceAll(rest, "~1", "/"), "~0", "~")
	if _, ok := b.schemaAnchors[name]; !ok {
		return "", false
	}
	return name, true
}

// typeOf describes a schema reference: component schemas become links,
// everything else is expanded inline.
func (b *builder) typeOf(ref *openapi3.SchemaRef, stack []*openapi3.Schema) *typeView {
	if ref == nil {
		return anyType()
	}
	if ref.Ref != "" {
		if name, ok := b.componentName(ref.Ref); ok {
			return &typeView{RefName: name, RefAnchor: b.schemaAnchors[name]}
		}
		v := b.expand(ref.Value, stack)
		v.RefText = ref.Ref
		return v
	}
	return b.expand(ref.Value, stack)
}

// expand describes a schema's own content. stack holds the inline schemas
// currently being expanded, to stop on cycles.
func (b *builder) expand(s *openapi3.Schema, stack []*openapi3.Schema) *typeView {
	if s == nil {
		return anyType()
	}
	if slices.Contains(stack, s) || len(stack) >= maxInlineDepth {
		return &typeView{Label: "…", Truncated: true}
	}
	stack = append(stack[:len(stack):len(stack)], s)

	v := &typeView{Format: s.Format, Nullable: s.Nullable}
	var types []string
	for _, t := range s.Type.Slice() {
		if t == openapi3.TypeNull {
			v.Nullable = true
			continue
		}
		types = append(types, t)
	}
	v.Label = strings.Join(types, " | ")

	for _, e := range s.Enum {
		v.Enum = append(v.Enum, displayValue(e))
	}
	if s.Items != nil {
		v.Items = b.typeOf(s.Items, stack)
		v.Items.ShowConstraints = true
	}
	for _, c := range []struct {
		keyword, label string
		refs           openapi3.SchemaRefs
	}{
		{"allOf", "Alle der folgenden (allOf)", s.AllOf},
		{"oneOf", "Genau eines der folgenden (oneOf)", s.OneOf},
		{"anyOf", "Mindestens eines der folgenden (anyOf)", s.AnyOf},
	} {
		if len(c.refs) == 0 {
			continue
		}
		cv := combinatorView{Keyword: c.keyword, Label: c.label}
		for _, r := range c.refs {
			part := b.typeOf(r, stack)
			part.ShowConstraints = true
			cv.Parts = append(cv.Parts, part)
		}
		v.Combinator = append(v.Combinator, cv)
	}
	if s.Not != nil {
		part := b.typeOf(s.Not, stack)
		part.ShowConstraints = true
		v.Combinator = append(v.Combinator, combinatorView{Keyword: "not", Label: "Darf nicht entsprechen (not)", Parts: []*typeView{part}})
	}

	for _, name := range propertyOrder(s.Properties) {
		prop := s.Properties[name]
		pv := propView{Name: name, Required: slices.Contains(s.Required, name)}
		pv.Type = b.typeOf(prop, stack)
		pv.Constraints = pv.Type.Constraints // shown in their own column
		if prop != nil && prop.Ref == "" && prop.Value != nil {
			pv.Description = paragraphs(prop.Value.Description)
		}
		v.Props = append(v.Props, pv)
	}
	if ap := s.AdditionalProperties; ap.Schema != nil {
		v.Additional = b.typeOf(ap.Schema, stack)
		v.Additional.ShowConstraints = true
	}

	if v.Label == "" {
		switch {
		case len(s.Properties) > 0 || v.Additional != nil:
			v.Label = openapi3.TypeObject
		case s.Items != nil:
			v.Label = openapi3.TypeArray
		case len(v.Combinator) == 0 && len(v.Enum) == 0:
			v.Label = "beliebig"
		}
	}
	v.Constraints = constraints(s)
	return v
}

// propertyOrder returns property names in the order the contract lists
// them (from the loader's origin information), falling back to name order
// for properties without a known position.
func propertyOrder(props openapi3.Schemas) []string {
	pos := func(name string) (line, col int) {
		if r := props[name]; r != nil && r.Origin != nil && r.Origin.Key != nil {
			return r.Origin.Key.Line, r.Origin.Key.Column
		}
		return math.MaxInt, 0
	}
	names := sortedKeys(props)
	slices.SortStableFunc(names, func(x, y string) int {
		xl, xc := pos(x)
		yl, yc := pos(y)
		if c := cmp.Compare(xl, yl); c != 0 {
			return c
		}
		return cmp.Compare(xc, yc)
	})
	return names
}

// constraints lists a schema's validation keywords in a readable form.
func constraints(s *openapi3.Schema) []constraint {
	var out []constraint
	add := func(name, value string) { out = append(out, constraint{Name: name, Value: value}) }
	u := func(n uint64) string { return strconv.FormatUint(n, 10) }

	if s.MinLength > 0 {
		add("minLength", u(s.MinLength))
	}
	if s.MaxLength != nil {
		add("maxLength", u(*s.MaxLength))
	}
	if s.Pattern != "" {
		add("pattern", s.Pattern)
	}
	if s.Min != nil {
		if s.ExclusiveMin.IsTrue() {
			add("minimum (exklusiv)", num(*s.Min))
		} else {
			add("minimum", num(*s.Min))
		}
	}
	if s.ExclusiveMin.Value != nil {
		add("exclusiveMinimum", num(*s.ExclusiveMin.Value))
	}
	if s.Max != nil {
		if s.ExclusiveMax.IsTrue() {
			add("maximum (exklusiv)", num(*s.Max))
		} else {
			add("maximum", num(*s.Max))
		}
	}
	if s.ExclusiveMax.Value != nil {
		add("exclusiveMaximum", num(*s.ExclusiveMax.Value))
	}
	if s.MultipleOf != nil {
		add("multipleOf", num(*s.MultipleOf))
	}
	if s.MinItems > 0 {
		add("minItems", u(s.MinItems))
	}
	if s.MaxItems != nil {
		add("maxItems", u(*s.MaxItems))
	}
	if s.UniqueItems {
		add("uniqueItems", "")
	}
	if s.MinProps > 0 {
		add("minProperties", u(s.MinProps))
	}
	if s.MaxProps != nil {
		add("maxProperties", u(*s.MaxProps))
	}
	if ap := s.AdditionalProperties.Has; ap != nil && !*ap {
		add("keine weiteren Eigenschaften erlaubt", "")
	}
	if s.Const != nil {
		add("const", displayValue(s.Const))
	}
	if s.Default != nil {
		add("Standardwert", displayValue(s.Default))
	}
	if s.Example != nil {
		add("Beispiel", displayValue(s.Example))
	}
	if s.ReadOnly {
		add("nur lesend (readOnly)", "")
	}
	if s.WriteOnly {
		add("nur schreibend (writeOnly)", "")
	}
	if s.Deprecated {
		add("veraltet (deprecated)", "")
	}
	if d := s.Discriminator; d != nil && d.PropertyName != "" {
		add("discriminator", d.PropertyName)
	}
	return out
}

func num(f float64) string { return strconv.FormatFloat(f, 'g', -1, 64) }

// displayValue renders an enum/default/example value: strings as they
// are, everything else as JSON, cut to a readable length.
func displayValue(v any) string {
	var s string
	switch x := v.(type) {
	case string:
		s = x
	default:
		b, err := json.Marshal(x)
		if err != nil {
			s = "?"
		} else {
			s = string(b)
		}
	}
	const maxLen = 200
	if r := []rune(s); len(r) > maxLen {
		s = string(r[:maxLen]) + "…"
	}
	return s
}

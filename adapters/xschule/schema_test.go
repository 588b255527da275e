package xschule

import (
	"os"
	"path/filepath"
	"regexp"
	"sort"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

const nsXS = "http://www.w3.org/2001/XMLSchema"

// schemaTypes reads the named top-level types of the XSDs in testdata/xsd,
// keyed "xsc:Name" / "xbd:Name".
func schemaTypes(t *testing.T) map[string]*node {
	t.Helper()
	files := map[string]string{
		"xschule-baukasten.xsd":        "xsc:",
		"xschule-nachweise.xsd":        "xsc:",
		"xbildung-baukasten.xsd":       "xbd:",
		"xbildung-basisdatentypen.xsd": "xbd:",
	}
	out := map[string]*node{}
	for f, prefix := range files {
		data, err := os.ReadFile(filepath.Join("testdata", "xsd", f))
		if err != nil {
			t.Fatal(err)
		}
		root, err := parse(data)
		if err != nil {
			t.Fatalf("%s: %v", f, err)
		}
		for _, c := range root.kids {
			if c.name.Space == nsXS && (c.name.Local == "complexType" || c.name.Local == "simpleType") {
				name, _ := attr(c, "", "name")
				out[prefix+name] = c
			}
		}
	}
	return out
}

// find returns all descendants of n with the XSD element name local.
func find(n *node, local string) []*node {
	var out []*node
	for _, c := range n.kids {
		if c.name.Space == nsXS && c.name.Local == local {
			out = append(out, c)
		}
		out = append(out, find(c, local)...)
	}
	return out
}

// TestCodeSpecsMatchSchema checks every code type the decoder uses against
// the XSD: fixed listURI and listVersionID, mandatory attributes, the name
// element, and – where the XSD enumerates the codes – that the embedded
// genericode list has exactly the same values and version.
func TestCodeSpecsMatchSchema(t *testing.T) {
	types := schemaTypes(t)
	for _, spec := range allCodeSpecs {
		t.Run(spec.typ, func(t *testing.T) {
			ct, ok := types[spec.typ]
			if !ok {
				t.Fatalf("type %s not in the XSD", spec.typ)
			}
			attrs := map[string]*node{}
			for _, a := range find(ct, "attribute") {
				n, _ := attr(a, "", "name")
				attrs[n] = a
			}
			check := func(name, want string) {
				a := attrs[name]
				if a == nil {
					t.Fatalf("no attribute %s", name)
				}
				fixed, hasFixed := attr(a, "", "fixed")
				use, _ := attr(a, "", "use")
				if want == "" {
					if hasFixed || use != "required" {
						t.Errorf("%s: spec says open/required, XSD has fixed=%q use=%q", name, fixed, use)
					}
				} else if fixed != want {
					t.Errorf("%s: spec %q, XSD fixed %q", name, want, fixed)
				}
			}
			check("listURI", spec.uri)
			if spec.version != "" || spec.uri == "" {
				check("listVersionID", spec.version)
			} else if use, _ := attr(attrs["listVersionID"], "", "use"); use != "required" {
				t.Errorf("listVersionID: spec has no version, XSD use=%q", use)
			}
			var hasName bool
			var codeType string
			for _, e := range find(ct, "element") {
				n, _ := attr(e, "", "name")
				if n == "name" {
					hasName = true
				}
				if n == "code" {
					codeType, _ = attr(e, "", "type")
				}
			}
			if hasName != spec.withName {
				t.Errorf("name element: spec %v, XSD %v", spec.withName, hasName)
			}
			if !strings.HasSuffix(codeType, "-Codes") {
				return
			}
			enum, ok := types[codeType]
			if !ok {
				t.Fatalf("enumeration %s not found", codeType)
			}
			var xsdValues []string
			for _, e := range find(enum, "enumeration") {
				v, _ := attr(e, "", "value")
				xsdValues = append(xsdValues, v)
			}
			l, ok := codelisten[spec.uri]
			if !ok {
				t.Fatalf("XSD enumerates %s, but no genericode list %s is embedded", codeType, spec.uri)
			}
			if l.version != spec.version {
				t.Errorf("embedded list version %s, XSD fixed %s", l.version, spec.version)
			}
			var embedded []string
			for v := range l.values {
				embedded = append(embedded, v)
			}
			sort.Strings(xsdValues)
			sort.Strings(embedded)
			if strings.Join(xsdValues, "\n") != strings.Join(embedded, "\n") {
				t.Errorf("values differ:\n XSD      %q\n embedded %q", xsdValues, embedded)
			}
		})
	}
}

func TestEmbeddedCodelistenAreUsed(t *testing.T) {
	open := map[string]bool{
		"urn:xschule-digital:kmk:codeliste:kdsfach":                true,
		"urn:xschule-digital:kmk:codeliste:foerderschwerpunkt":     true,
		"urn:xschule-digital:xschule:codeliste:anforderungsniveau": true,
	}
	fixed := map[string]bool{}
	for _, s := range allCodeSpecs {
		fixed[s.uri] = true
	}
	if len(codelisten) != 20 { // 19 for the Schulwechsel, ArtDesSchulabschlusses for the Schulbescheinigung
		t.Errorf("%d code lists embedded, want 20", len(codelisten))
	}
	for uri, l := range codelisten {
		if !fixed[uri] && !open[uri] {
			t.Errorf("embedded list %s is used by no code type", uri)
		}
		if len(l.values) == 0 {
			t.Errorf("list %s is empty", uri)
		}
	}
}

// TestDomainPathsComplete triggers every rule of schulwechsel.Validate and
// checks that each pointer has an XML path and each table row is needed.
func TestDomainPathsComplete(t *testing.T) {
	a := &sw.Schulwechsel{
		Sorgeberechtigte: []sw.Sorgeberechtigter{{}, {}},
		Aufnahme:         &sw.Aufnahme{},
		BisherigeSchule:  &sw.BisherigeSchule{Zeitraum: &sw.Zeitraum{Beginn: sw.Tagesdatum(2020, 8, 1), Ende: sw.Tagesdatum(2019, 7, 31)}},
	}
	b := &sw.Schulwechsel{
		Schueler:        sw.Schueler{Geburt: sw.Geburt{Datum: sw.Tagesdatum(2020, 1, 1)}},
		Aufnahme:        &sw.Aufnahme{Datum: sw.Tagesdatum(2019, 9, 1)},
		BisherigeSchule: &sw.BisherigeSchule{Zeitraum: &sw.Zeitraum{Ende: sw.Tagesdatum(2019, 9, 2)}},
	}
	c := &sw.Schulwechsel{}
	d := &sw.Schulwechsel{Aufnahme: &sw.Aufnahme{Datum: sw.Datum{Jahr: 2020}}}
	usedPatterns := map[string]bool{}
	codes := map[string]bool{}
	for _, w := range []*sw.Schulwechsel{a, b, c, d} {
		e, ok := apperr.As(w.Validate())
		if !ok {
			t.Fatal("no validation error")
		}
		for _, f := range e.Fields {
			codes[f.Code] = true
			p, ok := xmlPath(f.Pointer)
			if !ok {
				t.Errorf("no XML path for %s", f.Pointer)
				continue
			}
			if !strings.HasPrefix(p, rootPath+"/") {
				t.Errorf("%s -> %s", f.Pointer, p)
			}
			usedPatterns[regexp.MustCompile(`/[0-9]+`).ReplaceAllString(f.Pointer, "/*")] = true
		}
	}
	for _, d := range domainPaths {
		if !usedPatterns[d.pattern] {
			t.Errorf("table row %s is never used", d.pattern)
		}
	}
	for _, code := range []string{sw.CodePflichtfeldFehlt, sw.CodeDatumUnvollstaendig, sw.CodeSchuleUnbestimmt, sw.CodeZeitraumUngueltig,
		sw.CodeAbgangNachAufnahme, sw.CodeGeburtNachAufnahme, sw.CodePersonOderOrganisation} {
		if !codes[code] {
			t.Errorf("rule %s not triggered", code)
		}
	}
	if p, _ := xmlPath("/sorgeberechtigte/1/art"); p != rootPath+"/xsc:erziehungsberechtigter[2]/xsc:gesetzlicherVertreterSchluessel" {
		t.Errorf("index translation: %s", p)
	}
	if _, ok := xmlPath("/sorgeberechtigte/x/art"); ok {
		t.Error("non-numeric index accepted")
	}
}

package xschule

import (
	"bytes"
	"reflect"
	"regexp"
	"strings"
	"testing"
)

// versionVariant rewrites an official example as another release of the
// standard might have written it: the version segment of every code URI
// of the embedded lists replaced (kmk 1.0 → 2019 as in older examples,
// versetzungstyp 2025-11-13 → 2025-11-01 as before the list's last
// release, the other XSchule/XBildung lists 1.0 → 0.9, ArtDerSchulaufnahme
// 2025-02-25 → 2024-08-01), and listVersionID="2025-11-01" on the
// versetzungstyp codes and listVersionID="2019" on the Förderschwerpunkt
// (an open list the message names). n is the number of code elements changed.
func versionVariant(data []byte) (out []byte, n int) {
	s := string(data)
	for _, r := range []struct{ old, new string }{
		{"/def/kmk/1.0/code/", "/def/kmk/2019/code/"},
		{"/def/xschule/2025-11-13/code/versetzungstyp/", "/def/xschule/2025-11-01/code/versetzungstyp/"},
		{"/def/xschule/1.0/code/", "/def/xschule/0.9/code/"},
		{"/def/xbildung/1.0/code/", "/def/xbildung/0.9/code/"},
		{"/def/xschule/2025-02-25/code/artderschulaufnahme/", "/def/xschule/2024-08-01/code/artderschulaufnahme/"},
	} {
		n += strings.Count(s, "<code>http://xschule.digital"+r.old) + strings.Count(s, "<code>http://xbildung.de"+r.old)
		s = strings.ReplaceAll(s, r.old, r.new)
	}
	s = regexp.MustCompile(`<xsc:code>(\s*<code>[^<]*/versetzungstyp/)`).ReplaceAllString(s, `<xsc:code listVersionID="2025-11-01">$1`)
	s = regexp.MustCompile(`(listURI="urn:xschule-digital:kmk:codeliste:foerderschwerpunkt"\s*listVersionID=)"1.0"`).ReplaceAllString(s, `$1"2019"`)
	return []byte(s), n
}

func TestVersionVariantsAreTheSameCode(t *testing.T) {
	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			orig := readExample(t, name)
			variant, n := versionVariant(orig)
			if n < 5 {
				t.Fatalf("only %d codes changed; the variant is too weak", n)
			}
			want, hw, err := DecodeMitHinweisen(orig)
			if err != nil || len(hw) != 0 {
				t.Fatalf("the example itself: %v %v", hw, describe(err))
			}
			got, hinweise, err := DecodeMitHinweisen(variant)
			if err != nil {
				t.Fatalf("variant refused: %s", describe(err))
			}
			if !reflect.DeepEqual(got, want) {
				t.Error("the variant decodes to another model than the example")
			}
			if len(hinweise) != n {
				t.Errorf("%d notes for %d changed codes", len(hinweise), n)
			}
			for _, h := range hinweise {
				if h.Code != CodeCodeNormalisiert || !strings.HasPrefix(h.Pointer, rootPath+"/") || !strings.Contains(h.Message, "derselbe Code") {
					t.Errorf("note %+v", h)
				}
			}
			if !bytes.Equal(mustEncode(t, got), mustEncode(t, want)) {
				t.Error("the variant is not written back in the canonical form")
			}
			if bytes.Contains(mustEncode(t, got), []byte("/2019/")) || bytes.Contains(mustEncode(t, got), []byte("2025-11-01")) {
				t.Error("an old version segment is written back")
			}
		})
	}
}

func TestCodeInNoVersionRefused(t *testing.T) {
	for _, tc := range []struct{ name, old, new string }{
		{"unknown code, other version segment", "/def/kmk/1.0/code/artderschule/grundschule_1_4", "/def/kmk/2019/code/artderschule/grundschule_1_9"},
		{"known code, segment is no version", "/def/xschule/2025-11-13/code/versetzungstyp/versetzung", "/def/xschule/neu/code/versetzungstyp/versetzung"},
		{"known code, other list in the path", "/def/xschule/2025-11-13/code/versetzungstyp/versetzung", "/def/xschule/2025-11-13/code/versetzungsart/versetzung"},
		{"known code, other host", "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_2", "https://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_2"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			data := readExample(t, "XSchule_Wechsel_01.xml")
			if !bytes.Contains(data, []byte(tc.old)) {
				t.Fatalf("%s not in the example", tc.old)
			}
			_, _, err := DecodeMitHinweisen(bytes.Replace(data, []byte(tc.old), []byte(tc.new), 1))
			fs := fields(t, err)
			if len(fs) != 1 || fs[0].Code != CodeCodeUnbekannt || !strings.HasSuffix(fs[0].Pointer, "/code") {
				t.Errorf("got %s", describe(err))
			}
		})
	}
}

// A list the gateway holds, named with a version label that is no version,
// is not taken unchecked.
func TestVersionLabelOfAHeldListRefused(t *testing.T) {
	data := readExample(t, "XSchule_Wechsel_Journey_Schulform.xml")
	variant := regexp.MustCompile(`(listURI="urn:xschule-digital:kmk:codeliste:foerderschwerpunkt"\s*listVersionID=)"1.0"`).ReplaceAll(data, []byte(`$1"aktuell"`))
	if bytes.Equal(variant, data) {
		t.Fatal("no Förderschwerpunkt with listVersionID in the example")
	}
	_, _, err := DecodeMitHinweisen(variant)
	fs := fields(t, err)
	if len(fs) != 1 || fs[0].Code != CodeCodelisteAbweichend || !strings.HasSuffix(fs[0].Pointer, "/xsc:schwerpunkt[1]/@listVersionID") {
		t.Errorf("got %s", describe(err))
	}
}

func TestVersionStem(t *testing.T) {
	for v, want := range map[string]string{
		"http://xschule.digital/def/kmk/2019/code/foerderschwerpunkt/lernen":      "http://xschule.digital/def/kmk/*/code/foerderschwerpunkt/lernen",
		"http://xschule.digital/def/xschule/2025-11-01/code/versetzungstyp/x":     "http://xschule.digital/def/xschule/*/code/versetzungstyp/x",
		"http://xschule.digital/def/xschule/latest/code/versetzungstyp/x":         "",
		"urn:xoev-de:xinneres:codeliste:geschlecht":                               "",
		"http://publications.europa.eu/resource/authority/language/DEU":           "",
		"http://xschule.digital/def/xschule/1.0.2/code/jahrgangsstufe/1_halbjahr": "http://xschule.digital/def/xschule/*/code/jahrgangsstufe/1_halbjahr",
	} {
		got, ok := versionStem(v)
		if got != want || ok != (want != "") {
			t.Errorf("versionStem(%q) = %q, %v; want %q", v, got, ok, want)
		}
	}
}

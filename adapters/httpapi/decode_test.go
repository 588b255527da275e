package httpapi

import (
	"encoding/json"
	"reflect"
	"strconv"
	"strings"
	"testing"
	"unicode"
	"unicode/utf8"
)

func TestTextProblems(t *testing.T) {
	def := textRule{max: MaxText}
	for _, tc := range []struct {
		name string
		doc  string
		rule textRule
		want map[string]string // pointer → code
	}{
		{"clean", `{"a":"Müller-Lüdenscheidt","b":[1,"x",null,{"c":"y"}]}`, def, map[string]string{}},
		{"NUL at depth", `{"a":{"b":["ok","Mül\u0000ler"]}}`, def, map[string]string{"/a/b/1": "steuerzeichen"}},
		{"tab in a one-line field", `{"a":"Lea\tMarie"}`, def, map[string]string{"/a": "steuerzeichen"}},
		{"C1 control", `{"a":"x\u0085y"}`, def, map[string]string{"/a": "steuerzeichen"}},
		{"DEL", `{"a":"x\u007fy"}`, def, map[string]string{"/a": "steuerzeichen"}},
		{"lines allowed where the field says so", `{"a":"eins\r\nzwei\tdrei"}`, textRule{max: 20, lines: true}, map[string]string{}},
		{"NUL not allowed even in lines", `{"a":"eins\u0000"}`, textRule{max: 20, lines: true}, map[string]string{"/a": "steuerzeichen"}},
		{"exactly the limit", `{"a":"` + strings.Repeat("ß", MaxText) + `"}`, def, map[string]string{}},
		{"one over the limit", `{"a":"` + strings.Repeat("ß", MaxText+1) + `"}`, def, map[string]string{"/a": "zu_lang"}},
		{"a key with a control character", `{"a":{"x\u0001/y~":1}}`, def, map[string]string{"/a/x\x01~1y~0": "steuerzeichen"}},
		{"not JSON is left to the decoder", `{"a":"\u0000"`, def, map[string]string{}},
		{"Latin-1 bytes", "{\"a\":[\"ok\",{\"b\":\"M\xfcller\"}],\"c\":\"x\"}", def, map[string]string{"/a/1/b": "kodierung"}},
		{"Latin-1 in a key", "{\"a\":{\"Stra\xdfe\":\"x\"},\"b\":[1,{},\"\xe4\"]}", def, map[string]string{"/a/Stra\ufffde": "kodierung", "/b/2": "kodierung"}},
	} {
		got := map[string]string{}
		for _, f := range textProblems(json.RawMessage(tc.doc), "", tc.rule) {
			if f.Message == "" {
				t.Errorf("%s: %s has no message", tc.name, f.Pointer)
			}
			got[f.Pointer] = f.Code
		}
		if !reflect.DeepEqual(got, tc.want) {
			t.Errorf("%s: %v, want %v", tc.name, got, tc.want)
		}
	}
	many := `{"a":[` + strings.Repeat(`"\u0000",`, 500) + `"x"]}`
	if n := len(textProblems(json.RawMessage(many), "", def)); n != maxTextProblems {
		t.Errorf("500 bad strings gave %d problems, want the first %d", n, maxTextProblems)
	}
	if r := textRuleOf(reflect.TypeOf(struct {
		A string `json:"a" text:"max=2000,lines"`
	}{}).Field(0)); r != (textRule{max: 2000, lines: true}) {
		t.Errorf("textRuleOf = %+v", r)
	}
}

// resolve follows a JSON pointer (RFC 6901) into a decoded document.
func resolve(doc any, ptr string) (any, bool) {
	if ptr == "" {
		return doc, true
	}
	for _, tok := range strings.Split(ptr[1:], "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch v := doc.(type) {
		case map[string]any:
			x, ok := v[tok]
			if !ok {
				return nil, false
			}
			doc = x
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(v) {
				return nil, false
			}
			doc = v[i]
		default:
			return nil, false
		}
	}
	return doc, true
}

// Every problem points at a place in the document; a document whose
// strings and keys are all short and free of control characters has none,
// and one with such a string has at least one.
func FuzzTextProblems(f *testing.F) {
	for _, s := range []string{`{"a":"b"}`, `{"a":["\u0000",{"b/~":"\t"}]}`, `[1,2,"` + strings.Repeat("x", 1001) + `"]`, `"x"`, `{`} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, doc string) {
		rule := textRule{max: 8}
		problems := textProblems(json.RawMessage(doc), "", rule)
		var v any
		if json.Unmarshal([]byte(doc), &v) != nil {
			if len(problems) > 0 {
				t.Fatalf("problems %v for a document that is no JSON", problems)
			}
			return
		}
		for _, p := range problems {
			if _, ok := resolve(v, p.Pointer); !ok {
				t.Fatalf("pointer %q does not resolve in %s", p.Pointer, doc)
			}
		}
		bad := false
		var walk func(any)
		check := func(s string) {
			bad = bad || utf8.RuneCountInString(s) > rule.max || strings.IndexFunc(s, unicode.IsControl) >= 0
		}
		walk = func(x any) {
			switch x := x.(type) {
			case string:
				check(x)
			case []any:
				for _, y := range x {
					walk(y)
				}
			case map[string]any:
				for k, y := range x {
					check(k)
					walk(y)
				}
			}
		}
		walk(v)
		bad = bad || !utf8.ValidString(doc) // only strings can hold bytes that are not UTF-8
		if bad != (len(problems) > 0) {
			t.Fatalf("document %s: bad text %v, problems %v", doc, bad, problems)
		}
	})
}

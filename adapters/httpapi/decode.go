package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"reflect"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// decodeJSON reads a JSON object into the struct pointed to by v. The media
// type must be JSON and the body one object (else 415/400). Unknown fields
// and values of the wrong type do not stop decoding: each is returned as a
// field error, all at once, so the caller can report them together with
// the domain's own validation.
func decodeJSON(c *fiber.Ctx, v any) ([]apperr.FieldError, error) {
	mt, _, err := mime.ParseMediaType(c.Get(fiber.HeaderContentType))
	if err != nil || (mt != "application/json" && !strings.HasSuffix(mt, "+json")) {
		return nil, apperr.Unsupported("Der Inhalt muss JSON sein (Content-Type: application/json).")
	}
	if len(c.Body()) > BodyLimit {
		return nil, apperr.TooLarge(fmt.Sprintf("Der Inhalt ist zu groß; erlaubt sind höchstens %d KB.", BodyLimit>>10))
	}
	var obj map[string]json.RawMessage
	dec := json.NewDecoder(bytes.NewReader(c.Body()))
	if err := dec.Decode(&obj); err != nil || obj == nil || dec.More() {
		return nil, apperr.BadRequest("Der Inhalt ist kein gültiges JSON-Objekt.")
	}
	rv := reflect.ValueOf(v).Elem()
	fields := jsonFields(rv.Type())
	names := make([]string, 0, len(obj))
	for name := range obj {
		names = append(names, name)
	}
	sort.Strings(names) // stable order of reported errors
	var fe []apperr.FieldError
	for _, name := range names {
		idx, ok := fields[name]
		if !ok {
			fe = append(fe, apperr.FieldError{Pointer: "/" + escapePointer(name), Code: "feld_unbekannt",
				Message: fmt.Sprintf("Das Feld „%s“ gibt es nicht.", name)})
			continue
		}
		f := rv.Field(idx)
		fe = append(fe, textProblems(obj[name], "/"+escapePointer(name), textRuleOf(rv.Type().Field(idx)))...)
		if err := json.Unmarshal(obj[name], f.Addr().Interface()); err != nil {
			f.Set(reflect.Zero(f.Type()))
			fe = append(fe, apperr.FieldError{Pointer: "/" + name, Code: "typ_falsch",
				Message: "Erwartet wird " + jsonTypeName(f.Type()) + "."})
		}
	}
	return fe, nil
}

// MaxText is the longest text (in characters) a JSON string may hold
// unless its field says otherwise with a `text:"max=N"` tag. Names,
// addresses and codes are far shorter; the limit keeps values that no
// column or index is made for from reaching the database.
const MaxText = 1000

// maxTextProblems bounds the text problems reported for one value: enough
// to correct a body, and a hostile one cannot make the answer large.
const maxTextProblems = 100

// textRule is what a field's strings may hold: at most max characters; no
// control characters, except line breaks and tabs where lines is set
// (`text:"max=2000,lines"` on a free-text field).
type textRule struct {
	max   int
	lines bool
}

func textRuleOf(f reflect.StructField) textRule {
	r := textRule{max: MaxText}
	for opt := range strings.SplitSeq(f.Tag.Get("text"), ",") {
		if v, ok := strings.CutPrefix(opt, "max="); ok {
			if n, err := strconv.Atoi(v); err == nil && n > 0 {
				r.max = n
			}
		}
		if opt == "lines" {
			r.lines = true
		}
	}
	return r
}

// textProblems checks every string in a JSON value (at any depth, the
// keys of objects included) against the rule, naming each failing one by
// its JSON pointer: a control character (a NUL byte \u0000 first of all)
// or a text over the limit is refused here, before PostgreSQL would refuse
// it with an error the client could not place. Invalid JSON is left to the
// decoder to report.
func textProblems(raw json.RawMessage, ptr string, rule textRule) []apperr.FieldError {
	var v any
	if err := json.Unmarshal(raw, &v); err != nil {
		return nil
	}
	var fe []apperr.FieldError
	if !utf8.Valid(raw) { // json.Unmarshal would quietly store U+FFFD instead
		for _, p := range notUTF8(raw, ptr) {
			fe = append(fe, apperr.FieldError{Pointer: p, Code: "kodierung",
				Message: "Der Text ist kein gültiges UTF-8 (vielleicht Latin-1 oder Windows-1252). Bitte als UTF-8 senden."})
		}
	}
	// The pointer is joined only for a problem: joined at every level, a
	// deeply nested body would cost its depth squared.
	path := []string{ptr}
	pointer := func() string { return strings.Join(path, "/") }
	check := func(s string) {
		if len(fe) >= maxTextProblems {
			return
		}
		n := 0
		for _, r := range s {
			n++
			if unicode.IsControl(r) && !(rule.lines && (r == '\n' || r == '\r' || r == '\t')) {
				msg := fmt.Sprintf("Der Text enthält an Stelle %d ein unzulässiges Steuerzeichen (U+%04X). Bitte ohne Steuerzeichen senden.", n, r)
				if r == 0 {
					msg = fmt.Sprintf("Der Text enthält an Stelle %d ein Nullbyte (U+0000). Bitte ohne Steuerzeichen senden.", n)
				}
				fe = append(fe, apperr.FieldError{Pointer: pointer(), Code: "steuerzeichen", Message: msg})
				return
			}
		}
		if n > rule.max {
			fe = append(fe, apperr.FieldError{Pointer: pointer(), Code: "zu_lang",
				Message: fmt.Sprintf("Der Text ist %d Zeichen lang; erlaubt sind höchstens %d.", n, rule.max)})
		}
	}
	var walk func(v any)
	walk = func(v any) {
		switch v := v.(type) {
		case string:
			check(v)
		case []any:
			for i, item := range v {
				path = append(path, strconv.Itoa(i))
				walk(item)
				path = path[:len(path)-1]
			}
		case map[string]any:
			keys := make([]string, 0, len(v))
			for k := range v {
				keys = append(keys, k)
			}
			sort.Strings(keys)
			for _, k := range keys {
				path = append(path, escapePointer(k))
				check(k)
				walk(v[k])
				path = path[:len(path)-1]
			}
		}
	}
	walk(v)
	return fe
}

// jsonFields maps JSON names to struct field indexes.
func jsonFields(t reflect.Type) map[string]int {
	m := make(map[string]int, t.NumField())
	for i := range t.NumField() {
		name, _, _ := strings.Cut(t.Field(i).Tag.Get("json"), ",")
		if name != "" && name != "-" {
			m[name] = i
		}
	}
	return m
}

func jsonTypeName(t reflect.Type) string {
	for t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Int, reflect.Int64, reflect.Int32:
		return "eine ganze Zahl"
	case reflect.Float64, reflect.Float32:
		return "eine Zahl"
	case reflect.String:
		return "ein Text"
	case reflect.Bool:
		return "true oder false"
	case reflect.Slice:
		return "eine Liste"
	}
	return "ein Objekt"
}

func escapePointer(s string) string {
	return strings.ReplaceAll(strings.ReplaceAll(s, "~", "~0"), "/", "~1")
}

// invalidInput joins decoding errors with the domain's validation result
// into one 422; a field already reported as wrongly typed is not reported
// again as, say, empty.
func invalidInput(decodeErrs []apperr.FieldError, validation error) error {
	seen := map[string]bool{}
	all := append([]apperr.FieldError(nil), decodeErrs...)
	for _, f := range decodeErrs {
		seen[f.Pointer] = true
	}
	if e, ok := apperr.As(validation); ok && e.Class == apperr.ClassInvalid {
		for _, f := range e.Fields {
			if !seen[f.Pointer] {
				all = append(all, f)
			}
		}
	}
	return apperr.Invalid("Die Angaben sind fehlerhaft. Bitte die markierten Felder korrigieren.", all)
}

// notUTF8 returns the pointers of the strings and keys in a JSON value
// whose bytes are not UTF-8, reading it token by token.
func notUTF8(raw []byte, ptr string) []string {
	type frame struct {
		obj     bool
		wantKey bool
		key     string
		idx     int
	}
	var stack []frame
	path := func() string {
		var b strings.Builder
		b.WriteString(ptr)
		for _, f := range stack {
			if f.obj {
				b.WriteString("/" + escapePointer(f.key))
			} else {
				b.WriteString("/" + strconv.Itoa(f.idx))
			}
		}
		return b.String()
	}
	valueDone := func() {
		if n := len(stack); n > 0 {
			if stack[n-1].obj {
				stack[n-1].wantKey = true
			} else {
				stack[n-1].idx++
			}
		}
	}
	var out []string
	dec := json.NewDecoder(bytes.NewReader(raw))
	for {
		start := dec.InputOffset()
		tok, err := dec.Token()
		if err != nil {
			return out
		}
		valid := utf8.Valid(raw[start:dec.InputOffset()])
		switch t := tok.(type) {
		case json.Delim:
			switch t {
			case '{':
				stack = append(stack, frame{obj: true, wantKey: true})
			case '[':
				stack = append(stack, frame{})
			default:
				stack = stack[:len(stack)-1]
				valueDone()
			}
		case string:
			if n := len(stack); n > 0 && stack[n-1].obj && stack[n-1].wantKey {
				stack[n-1].key, stack[n-1].wantKey = t, false
				if !valid && len(out) < maxTextProblems {
					out = append(out, path())
				}
				continue
			}
			if !valid && len(out) < maxTextProblems {
				out = append(out, path())
			}
			valueDone()
		default:
			valueDone()
		}
	}
}

// checkQuery refuses query parameters with a control character or bytes
// that are not UTF-8 (422 naming each by "/name", as the handlers name
// their parameters), before a handler hands them to the database.
func checkQuery(c *fiber.Ctx) error {
	var fe []apperr.FieldError
	c.Context().QueryArgs().VisitAll(func(k, v []byte) {
		name := string(k)
		switch {
		case len(fe) >= maxTextProblems:
		case !utf8.Valid(k) || !utf8.Valid(v):
			fe = append(fe, apperr.FieldError{Pointer: "/" + escapePointer(strings.ToValidUTF8(name, "\uFFFD")), Code: "kodierung",
				Message: "Der Parameter ist kein gültiges UTF-8. Bitte als UTF-8 (URL-kodiert) senden."})
		case bytes.IndexFunc(k, unicode.IsControl) >= 0 || bytes.IndexFunc(v, unicode.IsControl) >= 0:
			fe = append(fe, apperr.FieldError{Pointer: "/" + escapePointer(name), Code: "steuerzeichen",
				Message: "Der Parameter enthält ein unzulässiges Steuerzeichen (z. B. ein Nullbyte)."})
		}
	})
	if err := apperr.Invalid("Die Parameter der Anfrage sind fehlerhaft.", fe); err != nil {
		return err
	}
	return c.Next()
}

package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"mime"
	"reflect"
	"sort"
	"strings"

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
		if err := json.Unmarshal(obj[name], f.Addr().Interface()); err != nil {
			f.Set(reflect.Zero(f.Type()))
			fe = append(fe, apperr.FieldError{Pointer: "/" + name, Code: "typ_falsch",
				Message: "Erwartet wird " + jsonTypeName(f.Type()) + "."})
		}
	}
	return fe, nil
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

package httpapi

import (
	"bytes"
	"sync"

	gojson "github.com/goccy/go-json"
	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/page"
)

// pageQuery reads the paging parameters every list takes: limit
// (page.ParseLimit) and after. alias is the deprecated name a list took
// for after before the paging convention was one ("cursor", "since"; ""
// for none); it is still accepted when after is not given.
func pageQuery(c *fiber.Ctx, alias string) (limit int, after string, err error) {
	limit, err = page.ParseLimit(c.Query("limit"))
	after = c.Query("after")
	if alias != "" {
		if old := c.Query(alias); old != "" {
			if after != "" && after != old {
				return 0, "", apperr.Invalid("Die Parameter der Abfrage widersprechen sich.", []apperr.FieldError{{Pointer: "/" + alias,
					Code: "parameter_doppelt", Message: alias + " ist der alte Name von after; bitte nur after angeben."}})
			}
			after = old
		}
	}
	return limit, after, err
}

// pageJSON is the answer of a list: items and next (null on the last page
// of a finite list). alias is the deprecated name of next the list
// answered before (next_cursor, next_after; "" for none); it carries the
// same value during the deprecation.
func pageJSON(items any, next string, alias string) fiber.Map {
	out := fiber.Map{"items": items, "next": orNull(next)}
	if alias != "" {
		out[alias] = out["next"]
	}
	return out
}

// answerBuffers hold encoded answers between requests.
var answerBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// sendJSON writes v as the JSON answer, as c.JSON does, but encoded into a
// buffer kept between requests: lists use it, whose pages (about 37 KB for
// 100 children) c.JSON would allocate anew for every request.
func sendJSON(c *fiber.Ctx, v any) error {
	buf := answerBuffers.Get().(*bytes.Buffer)
	defer answerBuffers.Put(buf)
	buf.Reset()
	if err := gojson.NewEncoder(buf).Encode(v); err != nil {
		return err
	}
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	c.Response().SetBody(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))) // a copy; without Encode's newline, as c.JSON
	return nil
}

// sendPage writes a list's answer (pageJSON).
func sendPage(c *fiber.Ctx, items any, next string, alias string) error {
	return sendJSON(c, pageJSON(items, next, alias))
}

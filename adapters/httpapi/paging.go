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

// pageBuffers hold the encoded answers of lists between requests.
var pageBuffers = sync.Pool{New: func() any { return new(bytes.Buffer) }}

// sendPage writes a list's answer (pageJSON), encoded into a buffer kept
// between requests: a page of 100 children is about 37 KB, which c.JSON
// would allocate anew for every request.
func sendPage(c *fiber.Ctx, items any, next string, alias string) error {
	buf := pageBuffers.Get().(*bytes.Buffer)
	defer pageBuffers.Put(buf)
	buf.Reset()
	if err := gojson.NewEncoder(buf).Encode(pageJSON(items, next, alias)); err != nil {
		return err
	}
	c.Response().Header.SetContentType(fiber.MIMEApplicationJSON)
	c.Response().SetBody(bytes.TrimSuffix(buf.Bytes(), []byte("\n"))) // a copy; as c.JSON writes it
	return nil
}

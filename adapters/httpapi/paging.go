package httpapi

import (
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

package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/audit"
)

type changeJSON struct {
	Position  string            `json:"position"`
	CreatedAt time.Time         `json:"created_at"`
	Time      time.Time         `json:"time"` // deprecated name of created_at
	Entity    string            `json:"entity"`
	ID        string            `json:"id"`
	Operation string            `json:"operation"`
	Key       map[string]string `json:"key,omitempty"`
}

func (s *server) getChanges(c *fiber.Ctx) error {
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	page, err := s.Changes.Read(c.UserContext(), after, limit)
	if err != nil {
		return err
	}
	audit.Count(c.UserContext(), len(page.Items))
	// A feed: next is the position to go on from, never null once there
	// is one (package page).
	return sendChanges(c, page.Items, page.Next)
}

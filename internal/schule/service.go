package schule

import (
	"context"
	"fmt"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// Service is what callers (HTTP, import, CLI) use; it owns the rules and
// leaves storage to the Store.
type Service struct{ store Store }

func NewService(store Store) *Service { return &Service{store: store} }

func (s *Service) List(ctx context.Context) ([]Schule, error) { return s.store.List(ctx) }

// Version tells callers that keep something derived from the list (an
// encoded answer) whether it is still current; see Store.Version.
func (s *Service) Version() (uint64, bool) { return s.store.Version() }

func (s *Service) Get(ctx context.Context, schulnummer string) (Schule, error) {
	if !ValidSchulnummer(schulnummer) {
		return Schule{}, apperr.NotFound(fmt.Sprintf("Eine Schule mit der Schulnummer „%s“ gibt es nicht.", schulnummer))
	}
	return s.store.Get(ctx, schulnummer)
}

// Put validates and stores a school under the number from the path.
func (s *Service) Put(ctx context.Context, schulnummer string, sch Schule) (Schule, bool, error) {
	sch, err := Check(schulnummer, sch)
	if err != nil {
		return Schule{}, false, err
	}
	return s.store.Put(ctx, sch)
}

// Check normalises sch for storage under schulnummer and validates it,
// without storing. A body that names another number is refused rather
// than silently renamed.
func Check(schulnummer string, sch Schule) (Schule, error) {
	sch.Normalize()
	if sch.Schulnummer == "" {
		sch.Schulnummer = schulnummer
	}
	if err := sch.Validate(); err != nil {
		return Schule{}, err
	}
	if sch.Schulnummer != schulnummer {
		return Schule{}, apperr.Invalid("Die Schulnummer im Pfad und im Inhalt stimmen nicht überein.", []apperr.FieldError{{
			Pointer: "/schulnummer", Code: "schulnummer_abweichend",
			Message: fmt.Sprintf("Im Inhalt steht „%s“, im Pfad „%s“. Eine Schulnummer wird nicht geändert.", sch.Schulnummer, schulnummer),
		}})
	}
	return sch, nil
}

package schule

import (
	"context"
	"fmt"
	"time"

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

// Vorgaben is what a client sends with a change besides the fields it may
// write: the version it read (If-Match) and the read-only fields of the
// representation it got (GET then PUT).
type Vorgaben struct {
	// PasstZu, if set, says whether the stored version is the one the
	// client read; nil: no precondition (the change applies as before).
	PasstZu func(version int64) bool
	// ArtDerSchule and UpdatedAt are the read-only fields as sent (nil:
	// not sent).
	ArtDerSchule *string
	UpdatedAt    *time.Time
}

// Aendere is Put for a client that read the school first: the change
// applies only if the stored school is still the version it read (else
// apperr.ClassPreconditionFailed), and read-only fields in its body are accepted when
// they are what is stored (or, for art_der_schule, what the new Schulform
// gives) and refused, naming them, when they differ.
func (s *Service) Aendere(ctx context.Context, schulnummer string, sch Schule, v Vorgaben) (Schule, bool, error) {
	sch, err := Check(schulnummer, sch)
	if err != nil {
		return Schule{}, false, err
	}
	return s.store.PutIf(ctx, sch, func(alt *Schule) error {
		if v.PasstZu != nil && (alt == nil || !v.PasstZu(alt.Version)) {
			if alt == nil {
				return apperr.PreconditionFailed(fmt.Sprintf("Die Schule %s gibt es nicht (mehr); die Bedingung If-Match trifft auf nichts zu. Bitte die Liste neu laden.", schulnummer))
			}
			return apperr.PreconditionFailed(fmt.Sprintf("Die Schule %s wurde inzwischen von jemand anderem geändert. Bitte den aktuellen Stand (unter „aktuell“) prüfen und die Änderung darauf erneut vornehmen.", schulnummer))
		}
		return NurLesbarePruefen(alt, sch, v)
	})
}

// NurLesbarePruefen accepts read-only fields that say what is stored and
// refuses those that would change something, naming each.
func NurLesbarePruefen(alt *Schule, neu Schule, v Vorgaben) error {
	var fe []apperr.FieldError
	if v.ArtDerSchule != nil {
		ok := *v.ArtDerSchule == neu.Schulform.ArtDerSchule() || alt != nil && *v.ArtDerSchule == alt.Schulform.ArtDerSchule()
		if !ok {
			fe = append(fe, apperr.FieldError{Pointer: "/art_der_schule", Code: "nur_lesbar",
				Message: fmt.Sprintf("art_der_schule wird aus der Schulform abgeleitet und kann nicht gesetzt werden; zur Schulform „%s“ gehört „%s“. Bitte das Feld weglassen oder unverändert lassen und die Schulform ändern.", neu.Schulform, neu.Schulform.ArtDerSchule())})
		}
	}
	if v.UpdatedAt != nil && (alt == nil || !v.UpdatedAt.Equal(alt.UpdatedAt)) {
		msg := "updated_at setzt der Server; für eine neue Schule bitte das Feld weglassen."
		if alt != nil {
			msg = fmt.Sprintf("updated_at setzt der Server; gespeichert ist %s. Weicht der Wert ab, wurde die Schule vermutlich inzwischen geändert: bitte neu laden oder das Feld weglassen.", alt.UpdatedAt.UTC().Format(time.RFC3339Nano))
		}
		fe = append(fe, apperr.FieldError{Pointer: "/updated_at", Code: "nur_lesbar", Message: msg})
	}
	return apperr.Invalid("Die Angaben enthalten Felder, die nur gelesen werden können, mit geänderten Werten.", fe)
}

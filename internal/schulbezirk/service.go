package schulbezirk

import (
	"cmp"
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
)

// Store is what the Schulbezirk capability needs from storage.
type Store interface {
	// Index returns the compiled directory with every row, whatever its
	// gueltig_ab (lookups choose by school year).
	Index(ctx context.Context) (*Index, error)
	// Einwohner returns the children the Melderegister lists as resident,
	// sorted by name.
	Einwohner(ctx context.Context) ([]Einwohner, error)
}

// Einwohner is a resident child and its Hauptwohnsitz.
type Einwohner struct {
	Familienname, Vornamen string
	Geburtsdatum           time.Time
	Adresse                Adresse
	Auskunftssperre        bool // §§ 51, 52 BMG: the address is for the school office only
}

// Service answers lookups and the coverage report.
type Service struct{ store Store }

func NewService(store Store) *Service { return &Service{store: store} }

// Zuordnung returns the row that decides the Grundschule of an address in
// school year sj (see Index.Zuordnung).
func (s *Service) Zuordnung(ctx context.Context, a Adresse, sj werte.Schuljahr) (Regel, error) {
	ix, err := s.store.Index(ctx)
	if err != nil {
		return Regel{}, err
	}
	return ix.Zuordnung(a, sj)
}

// Grund says why an address has no Grundschule.
type Grund string

const (
	GrundKeineRegel Grund = "keine_regel" // no row covers it
	GrundMehrdeutig Grund = "mehrdeutig"  // rows of different schools cover it
	GrundAdresse    Grund = "adresse"     // the address cannot be read
)

// Luecke is an address of resident children that no row places, as the
// register writes it for the first of them.
type Luecke struct {
	Adresse Adresse
	Grund   Grund
	Kinder  []Einwohner
}

// Gesperrt reports whether a child living at the address has an
// Auskunftssperre: then the address is the school office's only.
func (l Luecke) Gesperrt() bool {
	return slices.ContainsFunc(l.Kinder, func(e Einwohner) bool { return e.Auskunftssperre })
}

// Abdeckung is the coverage report of the directory for a school year.
type Abdeckung struct {
	Schuljahr werte.Schuljahr
	Einwohner int      // resident children checked
	Luecken   []Luecke // sorted by street and house number
}

// Abdeckung checks the address of every resident child against the
// directory valid in sj and returns those it does not place, grouped by
// address (however spelled), so that staff can complete the directory.
func (s *Service) Abdeckung(ctx context.Context, sj werte.Schuljahr) (Abdeckung, error) {
	ix, err := s.store.Index(ctx)
	if err != nil {
		return Abdeckung{}, err
	}
	kinder, err := s.store.Einwohner(ctx)
	if err != nil {
		return Abdeckung{}, err
	}
	out := Abdeckung{Schuljahr: sj, Einwohner: len(kinder)}
	byAddress := map[string]int{}
	for _, k := range kinder {
		_, err := ix.Zuordnung(k.Adresse, sj)
		if err == nil {
			continue
		}
		grund := GrundKeineRegel
		switch {
		case errors.Is(err, ErrMehrdeutig):
			grund = GrundMehrdeutig
		case errors.Is(err, ErrAdresse):
			grund = GrundAdresse
		case !errors.Is(err, ErrKeineRegel):
			return Abdeckung{}, err
		}
		key := StrassenSchluessel(k.Adresse.Strasse) + "|" + strings.ToLower(strings.ReplaceAll(k.Adresse.Hausnummer, " ", "")) +
			"|" + k.Adresse.PLZ + "|" + werte.Schluesselform(k.Adresse.Ortsteil)
		i, ok := byAddress[key]
		if !ok {
			i = len(out.Luecken)
			byAddress[key] = i
			out.Luecken = append(out.Luecken, Luecke{Adresse: k.Adresse, Grund: grund})
		}
		out.Luecken[i].Kinder = append(out.Luecken[i].Kinder, k)
	}
	slices.SortFunc(out.Luecken, func(a, b Luecke) int {
		return cmp.Or(
			cmp.Compare(StrassenSchluessel(a.Adresse.Strasse), StrassenSchluessel(b.Adresse.Strasse)),
			compareHausnummer(a.Adresse.Hausnummer, b.Adresse.Hausnummer),
			cmp.Compare(a.Adresse.PLZ, b.Adresse.PLZ),
			cmp.Compare(a.Adresse.Ortsteil, b.Adresse.Ortsteil))
	})
	return out, nil
}

func compareHausnummer(a, b string) int {
	ha, pa := werte.ParseHausnummer(a)
	hb, pb := werte.ParseHausnummer(b)
	if pa != nil || pb != nil {
		return cmp.Compare(a, b)
	}
	return ha.Compare(hb)
}

package httpapi

import (
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// zuordnungJSON answers an address lookup (schema "Zuordnung").
type zuordnungJSON struct {
	Schulnummer string    `json:"schulnummer"`
	Name        string    `json:"name"`
	Schuljahr   string    `json:"schuljahr"`
	Regel       regelJSON `json:"regel"`
}

// regelJSON is the directory row that decided (schema "Bezirksregel").
type regelJSON struct {
	ID           int64   `json:"id"`
	Beschreibung string  `json:"beschreibung"`
	GueltigAb    *string `json:"gueltig_ab"`
	Tabelle      *string `json:"tabelle"`
	Zeile        *int    `json:"zeile"`
}

func toRegelJSON(r schulbezirk.Regel) regelJSON {
	out := regelJSON{ID: r.ID, Beschreibung: r.String()}
	if r.GueltigAb != 0 {
		s := werte.NewSchuljahr(r.GueltigAb).String()
		out.GueltigAb = &s
	}
	if r.Zeile > 0 {
		out.Tabelle, out.Zeile = &r.Tabelle, &r.Zeile
	}
	return out
}

// querySchuljahr reads the required query parameter schuljahr ("2027-28"
// or "2027/28").
func querySchuljahr(c *fiber.Ctx) (werte.Schuljahr, error) {
	sj, p := importing.ParseSchuljahr(c.Query("schuljahr"))
	if p != nil {
		return sj, apperr.Invalid("Der Parameter schuljahr fehlt oder ist ungültig.", []apperr.FieldError{{Pointer: "/schuljahr", Code: p.Code, Message: p.Message}})
	}
	return sj, nil
}

func (s *server) getZuordnung(c *fiber.Ctx) error {
	sj, err := querySchuljahr(c)
	if err != nil {
		return err
	}
	r, err := s.Einschulung.Schulbezirke.Zuordnung(c.UserContext(), schulbezirk.Adresse{
		Strasse: c.Query("strasse"), Hausnummer: c.Query("hausnummer"), PLZ: c.Query("plz"), Ortsteil: c.Query("ortsteil")}, sj)
	if err != nil {
		return err
	}
	return c.JSON(zuordnungJSON{Schulnummer: r.Schulnummer, Name: r.Schulname, Schuljahr: sj.String(), Regel: toRegelJSON(r)})
}

// abdeckungJSON is the coverage report (schema "Abdeckung").
type abdeckungJSON struct {
	Schuljahr  string       `json:"schuljahr"`
	Einwohner  int          `json:"einwohner"`
	OhneSchule int          `json:"ohne_schule"`
	Items      []lueckeJSON `json:"items"`
}

type lueckeJSON struct {
	// The address is null where a child living there has an
	// Auskunftssperre and the caller is not the school office.
	Strasse    *string `json:"strasse"`
	Hausnummer *string `json:"hausnummer"`
	PLZ        *string `json:"plz"`
	Ortsteil   *string `json:"ortsteil"`
	Grund      string  `json:"grund"`
	Anzahl     int     `json:"anzahl"`
	// Kinder names the children; only the school office sees them.
	Kinder []einwohnerJSON `json:"kinder,omitempty"`
}

type einwohnerJSON struct {
	Familienname string `json:"familienname"`
	Vornamen     string `json:"vornamen"`
	Geburtsdatum string `json:"geburtsdatum"`
}

// getAbdeckung answers the coverage report within the field policy
// (resource Abdeckungsluecke). It names people, so it is audited with the
// number of children it reports.
func (s *server) getAbdeckung(c *fiber.Ctx) error {
	sj, err := querySchuljahr(c)
	if err != nil {
		return err
	}
	a, err := s.Einschulung.Schulbezirke.Abdeckung(c.UserContext(), sj)
	if err != nil {
		return err
	}
	p := principal(c)
	out := abdeckungJSON{Schuljahr: sj.String(), Einwohner: a.Einwohner, Items: make([]lueckeJSON, len(a.Luecken))}
	for i, l := range a.Luecken {
		gesperrt := l.Gesperrt()
		feld := func(name, v string) *string {
			if !auth.Sieht(p, "Abdeckungsluecke", name, gesperrt) {
				return nil
			}
			return &v
		}
		item := lueckeJSON{Strasse: feld("strasse", l.Adresse.Strasse), Hausnummer: feld("hausnummer", l.Adresse.Hausnummer),
			PLZ: feld("plz", l.Adresse.PLZ), Ortsteil: feld("ortsteil", l.Adresse.Ortsteil), Grund: string(l.Grund), Anzahl: len(l.Kinder)}
		if auth.Sieht(p, "Abdeckungsluecke", "kinder", gesperrt) {
			for _, k := range l.Kinder {
				item.Kinder = append(item.Kinder, einwohnerJSON{Familienname: k.Familienname, Vornamen: k.Vornamen, Geburtsdatum: k.Geburtsdatum.Format(time.DateOnly)})
			}
		}
		out.OhneSchule += item.Anzahl
		out.Items[i] = item
	}
	audit.Count(c.UserContext(), out.OhneSchule)
	return c.JSON(out)
}

// pathSchuljahr reads the school year of a path, written "2027-28".
func pathSchuljahr(c *fiber.Ctx) (werte.Schuljahr, error) {
	raw := c.Params("schuljahr")
	sj, ok := importing.ParseSchuljahrPfad(raw)
	if !ok {
		return sj, apperr.NotFound(fmt.Sprintf("Ein Schuljahr „%s“ gibt es nicht. Erwartet: JJJJ-JJ, z. B. 2027-28.", raw))
	}
	return sj, nil
}

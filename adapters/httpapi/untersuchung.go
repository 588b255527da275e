package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/untersuchung"
)

// UntersuchungDeps is what the Schuleingangsuntersuchung routes need
// besides the Einschulung (whose cohort they use).
type UntersuchungDeps struct {
	Service *untersuchung.Service
}

func (s *server) untersuchungRoutes() []route {
	schulamt := []auth.Role{auth.RoleSchulamt}
	return []route{
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/untersuchung.xlsx", schulamt, s.getUntersuchungXLSX},
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/untersuchung.csv", schulamt, s.getUntersuchungCSV},
		{fiber.MethodPost, "/v1/einschulung/:schuljahr/untersuchungen", schulamt, s.postUntersuchung},
	}
}

// untersuchungJSON is schema Untersuchung (input and answer).
type untersuchungJSON struct {
	KindID       string `json:"kind_id"`
	UntersuchtAm string `json:"untersucht_am"`
	Ergebnis     string `json:"ergebnis"`
}

var untersuchungKopf = []string{"Kennung", "Familienname", "Vornamen", "Geburtsdatum", "Geschlecht", "Straße", "Hausnummer", "PLZ", "Ort",
	"Auskunftssperre", "Schulnummer", "Grundschule", "Untersucht am", "Ergebnis"}

// untersuchungTabelle is the cohort as the health office needs it for its
// invitations, with the outcome recorded so far. The address is kept with
// an Auskunftssperre (the health office is an authority and must invite
// the child), marked so it is not passed on (auth.Feldrichtlinien,
// Untersuchungsliste).
func (s *server) untersuchungTabelle(c *fiber.Ctx) (sheets.Table, string, error) {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return sheets.Table{}, "", err
	}
	listen, err := s.Einschulung.Einschulung.Listen(c.UserContext(), sj, "")
	if err != nil {
		return sheets.Table{}, "", err
	}
	ergebnisse, err := s.Untersuchung.Service.List(c.UserContext(), sj.StartYear())
	if err != nil {
		return sheets.Table{}, "", err
	}
	p := principal(c)
	t := sheets.Table{Sheet: "Untersuchung", Columns: columns(16, untersuchungKopf...)}
	for _, l := range listen {
		for _, e := range l.Eintraege {
			k := e.Kind
			strasse, hausnummer, plz, ort, sperre := k.Strasse, k.Hausnummer, k.PLZ, k.Ort, ""
			if !auth.Sieht(p, "Untersuchungsliste", "strasse", k.Auskunftssperre) {
				strasse, hausnummer, plz, ort = "", "", "", ""
			}
			if k.Auskunftssperre {
				sperre = "ja – nicht weitergeben"
			}
			var am any = ""
			erg := "noch nicht untersucht"
			if u, ok := ergebnisse[e.ID]; ok {
				am, erg = u.UntersuchtAm, u.Ergebnis.Label()
			}
			t.Rows = append(t.Rows, []any{e.ID, k.Familienname, k.Vornamen, k.Geburtsdatum, importing.Geschlecht(k.Geschlecht).Label(),
				strasse, hausnummer, plz, ort, sperre, l.Schule.Schulnummer, l.Schule.Name, am, erg})
		}
	}
	audit.Count(c.UserContext(), len(t.Rows))
	return t, "untersuchung-" + sj.PathString(), nil
}

func (s *server) getUntersuchungXLSX(c *fiber.Ctx) error {
	t, name, err := s.untersuchungTabelle(c)
	if err != nil {
		return err
	}
	return sendXLSX(c, name+".xlsx", []sheets.Table{t})
}

func (s *server) getUntersuchungCSV(c *fiber.Ctx) error {
	t, name, err := s.untersuchungTabelle(c)
	if err != nil {
		return err
	}
	return sendCSV(c, name+".csv", t)
}

// postUntersuchung records the outcome for a child of the cohort: 201 the
// first time, 200 when it replaces one.
func (s *server) postUntersuchung(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	body := c.Body()
	if t := bytes.TrimSpace(body); !json.Valid(t) || len(t) == 0 || t[0] != '{' {
		return apperr.BadRequest("Der Inhalt ist kein gültiges JSON-Objekt.")
	}
	var in untersuchungJSON
	var fe []apperr.FieldError
	decodeStrict(body, reflect.ValueOf(&in).Elem(), "", &fe)
	// The lists guard a value starting with - or = with an apostrophe
	// (package sheets); an id copied from one is taken without it.
	in.KindID = strings.TrimPrefix(in.KindID, "'")
	u := untersuchung.Untersuchung{Schuljahr: sj.StartYear(), KindID: in.KindID, Ergebnis: untersuchung.Ergebnis(in.Ergebnis), CreatedBy: principal(c).Subject}
	if in.UntersuchtAm != "" {
		d, err := time.Parse(time.DateOnly, in.UntersuchtAm)
		if err != nil {
			fe = append(fe, apperr.FieldError{Pointer: "/untersucht_am", Code: "datum_ungueltig",
				Message: fmt.Sprintf("„%s“ ist kein gültiges Datum. Erwartet: JJJJ-MM-TT, z. B. 2027-03-15.", in.UntersuchtAm)})
		}
		u.UntersuchtAm = d
	}
	imJahrgang := false
	if in.KindID != "" {
		k, err := s.Einschulung.Einschulung.Kohorte(c.UserContext(), sj)
		if err != nil {
			return err
		}
		for _, e := range k.Eintraege {
			if e.ID == in.KindID {
				imJahrgang = true
				break
			}
		}
	}
	if len(fe) > 0 {
		return invalidInput(fe, u.Pruefe(time.Now()))
	}
	u, neu, err := s.Untersuchung.Service.Erfasse(c.UserContext(), u, imJahrgang)
	if err != nil {
		return err
	}
	status := fiber.StatusOK
	if neu {
		status = fiber.StatusCreated
	}
	return c.Status(status).JSON(untersuchungJSON{KindID: u.KindID, UntersuchtAm: u.UntersuchtAm.Format(time.DateOnly), Ergebnis: string(u.Ergebnis)})
}

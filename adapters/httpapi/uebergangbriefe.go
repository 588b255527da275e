package httpapi

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// briefeKopf are the columns of the letters' data (mail merge), one row per
// application of the confirmed run.
var briefeKopf = []string{"Bescheid", "Familienname", "Vornamen", "Geburtsdatum", "Sorgeberechtigte", "Straße", "Hausnummer",
	"PLZ", "Ort", "Auskunftssperre", "Grundschule", "1. Wunsch", "2. Wunsch", "3. Wunsch",
	"Aufgenommen Schulnummer", "Aufgenommen Schule", "Wunsch Nr.", "Warteliste", "Anmeldung"}

func (s *server) getUebergangBriefeXLSX(c *fiber.Ctx) error {
	t, name, err := s.briefeTabelle(c)
	if err != nil {
		return err
	}
	return sendXLSX(c, name+".xlsx", []sheets.Table{t})
}

func (s *server) getUebergangBriefeCSV(c *fiber.Ctx) error {
	t, name, err := s.briefeTabelle(c)
	if err != nil {
		return err
	}
	return sendCSV(c, name+".csv", t)
}

// briefeTabelle is the letters' data of a confirmed run. The address stays
// under an Auskunftssperre, marked (auth.Feldrichtlinien, UebergangBriefe):
// the letter goes to the family itself.
func (s *server) briefeTabelle(c *fiber.Ctx) (sheets.Table, string, error) {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return sheets.Table{}, "", err
	}
	briefe, err := s.Uebergang.Service.Briefe(c.UserContext(), sj, c.Params("id"))
	if err != nil {
		return sheets.Table{}, "", err
	}
	audit.Count(c.UserContext(), len(briefe))
	p := principal(c)
	t := sheets.Table{Sheet: "Bescheide", Columns: columns(16, briefeKopf...), Rows: make([][]any, len(briefe))}
	for i, b := range briefe {
		t.Rows[i] = briefZeile(b, p)
	}
	return t, "uebergang-" + sj.PathString() + "-bescheide", nil
}

func briefZeile(b uebergang.Brief, p auth.Principal) []any {
	strasse, hausnummer, plz, ort, sperre := b.Strasse, b.Hausnummer, b.PLZ, b.Ort, ""
	if !auth.Sieht(p, "UebergangBriefe", "strasse", b.Auskunftssperre) {
		strasse, hausnummer, plz, ort = "", "", "", ""
	}
	if b.Auskunftssperre {
		sperre = "ja – nicht weitergeben"
	}
	w := make([]any, 3)
	for i := range w {
		w[i] = ""
		if i < len(b.Wuensche) {
			w[i] = b.Wuensche[i]
		}
	}
	bescheid, wunsch := "Ablehnung", any("")
	switch {
	case b.Abgesagt: // the family gave the place up: it gets no letter of this run
		bescheid = "Absage der Familie erfasst (kein Bescheid)"
	case b.Schulnummer != "":
		bescheid, wunsch = fmt.Sprintf("Aufnahme (%d. Wunsch)", b.Wunsch), b.Wunsch
	}
	var warte []string
	for _, wl := range b.Wartelisten {
		warte = append(warte, fmt.Sprintf("%s %s: Platz %d", wl.Schulnummer, wl.Schule, wl.Rang))
	}
	var geburt any = ""
	if !b.Geburtsdatum.IsZero() {
		geburt = b.Geburtsdatum
	}
	return []any{bescheid, b.Familienname, b.Vornamen, geburt, b.Sorgeberechtigte, strasse, hausnummer, plz, ort, sperre, b.Grundschule,
		w[0], w[1], w[2], b.Schulnummer, b.Schule, wunsch, strings.Join(warte, "; "), b.AnmeldungID}
}

// ---- declines and moving up ----

type absageInput struct {
	AnmeldungID string `json:"anmeldung_id"`
}

type bewegungJSON struct {
	AnmeldungID string  `json:"anmeldung_id"`
	Von         *string `json:"von"`
	Nach        *string `json:"nach"`
	Wunsch      *int    `json:"wunsch"`
}

// absageJSON is schema "UebergangAbsage".
type absageJSON struct {
	ID          int64          `json:"id"`
	AnmeldungID string         `json:"anmeldung_id"`
	ErfasstAm   time.Time      `json:"erfasst_am"`
	ErfasstVon  string         `json:"erfasst_von"`
	Bewegungen  []bewegungJSON `json:"bewegungen"`
}

func toBewegungenJSON(b []uebergang.Bewegung) []bewegungJSON {
	out := make([]bewegungJSON, len(b))
	for i, m := range b {
		out[i] = bewegungJSON{AnmeldungID: m.AnmeldungID, Von: orNull(m.Von), Nach: orNull(m.Nach)}
		if m.Wunsch > 0 {
			w := m.Wunsch
			out[i].Wunsch = &w
		}
	}
	return out
}

func toAbsageJSON(a uebergang.Aenderung) absageJSON {
	return absageJSON{ID: a.ID, AnmeldungID: a.AnmeldungID, ErfasstAm: a.Erfasst.UTC(), ErfasstVon: a.ErfasstVon, Bewegungen: toBewegungenJSON(a.Bewegungen)}
}

func (s *server) postUebergangAbsage(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	var in absageInput
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if len(decodeErrs) > 0 {
		return invalidInput(decodeErrs, nil)
	}
	// The entry written with the decline's transaction records the answer's status.
	audit.Result(c.UserContext(), fiber.StatusCreated, "")
	a, err := s.Uebergang.Service.Absage(c.UserContext(), sj, c.Params("id"), in.AnmeldungID, principal(c).Subject)
	if err != nil {
		return err
	}
	audit.Count(c.UserContext(), len(a.Bewegungen))
	return c.Status(fiber.StatusCreated).JSON(toAbsageJSON(a))
}

// getUebergangAbsagen lists the declines of a run in the order they were
// recorded, each with the moves it caused.
func (s *server) getUebergangAbsagen(c *fiber.Ctx) error {
	id := c.Params("id")
	return sendUebergangPage(c, func(ctx context.Context, sj werte.Schuljahr, after string, limit int) (page.Page[uebergang.Aenderung], error) {
		return s.Uebergang.Service.Absagen(ctx, sj, id, after, limit)
	}, func(_ werte.Schuljahr, a uebergang.Aenderung) absageJSON { return toAbsageJSON(a) })
}

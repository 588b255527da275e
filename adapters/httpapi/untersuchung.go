package httpapi

import (
	"bytes"
	"encoding/json"
	"fmt"
	"reflect"
	"slices"
	"strings"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/untersuchung"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// UntersuchungDeps is what the Schuleingangsuntersuchung routes need
// besides the Einschulung (whose cohort they use).
type UntersuchungDeps struct {
	Service *untersuchung.Service
}

func (s *server) untersuchungRoutes() []route {
	// The health office reads the cohort for its invitations and reports
	// outcomes; the school office does both too (it may type an outcome
	// sent on paper). Nothing else is open to the health office.
	roles := []auth.Role{auth.RoleSchulamt, auth.RoleGesundheitsamt}
	return []route{
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/untersuchung.xlsx", roles, s.getUntersuchungXLSX},
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/untersuchung.csv", roles, s.getUntersuchungCSV},
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/untersuchungen", roles, s.listUntersuchungen},
		{fiber.MethodPost, "/v1/einschulung/:schuljahr/untersuchungen", roles, s.postUntersuchung},
		{fiber.MethodPut, "/v1/einschulung/:schuljahr/untersuchungen/:kind_id", roles, s.putUntersuchung},
	}
}

// untersuchungJSON is schema Untersuchung (input and answer).
type untersuchungJSON struct {
	KindID       string `json:"kind_id"`
	UntersuchtAm string `json:"untersucht_am"`
	Ergebnis     string `json:"ergebnis"`
}

// untersuchungslisteJSON is schema Untersuchungsliste: one child of the
// cohort as the health office needs it for its invitation, with the
// outcome so far (null when none).
type untersuchungslisteJSON struct {
	Kennung      string  `json:"kennung"`
	Familienname string  `json:"familienname"`
	Vornamen     string  `json:"vornamen"`
	Geburtsdatum string  `json:"geburtsdatum"`
	Geschlecht   *string `json:"geschlecht"`
	Strasse      *string `json:"strasse"`
	Hausnummer   *string `json:"hausnummer"`
	PLZ          *string `json:"plz"`
	Ort          *string `json:"ort"`
	// Sorgeberechtigte as the register has them: the invitation goes to them.
	Sorgeberechtigte *string `json:"sorgeberechtigte"`
	Auskunftssperre  bool    `json:"auskunftssperre"`
	Schulnummer      *string `json:"schulnummer"`
	Grundschule      *string `json:"grundschule"`
	UntersuchtAm     *string `json:"untersucht_am"`
	Ergebnis         *string `json:"ergebnis"`
}

var untersuchungKopf = []string{"Kennung", "Familienname", "Vornamen", "Geburtsdatum", "Geschlecht", "Straße", "Hausnummer", "PLZ", "Ort",
	"Sorgeberechtigte", "Auskunftssperre", "Schulnummer", "Grundschule", "Untersucht am", "Ergebnis"}

// untersuchungTabelle is the cohort as the health office needs it for its
// invitations, with the outcome recorded so far. The address is kept with
// an Auskunftssperre (the health office is an authority and must invite
// the child), marked so it is not passed on (auth.Feldrichtlinien,
// Untersuchungsliste).
func (s *server) untersuchungTabelle(c *fiber.Ctx) (sheets.Table, string, error) {
	sj, zeilen, err := s.untersuchungsliste(c)
	if err != nil {
		return sheets.Table{}, "", err
	}
	t := sheets.Table{Sheet: "Untersuchung", Columns: columns(16, untersuchungKopf...)}
	for _, z := range zeilen {
		k := z.eintrag.Kind
		sperre := ""
		if k.Auskunftssperre {
			sperre = "ja – nicht weitergeben"
		}
		var am any = ""
		erg := "noch nicht untersucht"
		if u := z.ergebnis; u != nil {
			am, erg = u.UntersuchtAm, u.Ergebnis.Label()
		}
		t.Rows = append(t.Rows, []any{z.eintrag.ID, k.Familienname, k.Vornamen, k.Geburtsdatum, importing.Geschlecht(k.Geschlecht).Label(),
			k.Strasse, k.Hausnummer, k.PLZ, k.Ort, k.Sorgeberechtigte, sperre, z.schule.Schulnummer, z.schule.Name, am, erg})
	}
	audit.Count(c.UserContext(), len(t.Rows))
	return t, "untersuchung-" + sj.PathString(), nil
}

// untersuchungszeile is one child of the health office's list.
type untersuchungszeile struct {
	eintrag  einschulung.Eintrag
	schule   schule.Schule
	ergebnis *untersuchung.Untersuchung
}

// untersuchungsliste is the cohort of the path's school year in the order
// of the Einschulung lists (per school, by name), with each child's
// outcome and the address withheld where the field policy
// (Untersuchungsliste) says so for the caller.
func (s *server) untersuchungsliste(c *fiber.Ctx) (werte.Schuljahr, []untersuchungszeile, error) {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return sj, nil, err
	}
	listen, err := s.Einschulung.Einschulung.Listen(c.UserContext(), sj, "")
	if err != nil {
		return sj, nil, err
	}
	ergebnisse, err := s.Untersuchung.Service.List(c.UserContext(), sj.StartYear())
	if err != nil {
		return sj, nil, err
	}
	p := principal(c)
	var out []untersuchungszeile
	for _, l := range listen {
		for _, e := range l.Eintraege {
			if !auth.Sieht(p, "Untersuchungsliste", "strasse", e.Kind.Auskunftssperre) {
				e.Kind.Strasse, e.Kind.Hausnummer, e.Kind.PLZ, e.Kind.Ort = "", "", "", ""
			}
			z := untersuchungszeile{eintrag: e, schule: l.Schule}
			if u, ok := ergebnisse[e.ID]; ok {
				z.ergebnis = &u
			}
			out = append(out, z)
		}
	}
	return sj, out, nil
}

// listUntersuchungen is the list as JSON, a finite list in the order of
// the files; next is the kennung of the page's last child.
func (s *server) listUntersuchungen(c *fiber.Ctx) error {
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	_, zeilen, err := s.untersuchungsliste(c)
	if err != nil {
		return err
	}
	if after != "" {
		i := slices.IndexFunc(zeilen, func(z untersuchungszeile) bool { return z.eintrag.ID == after })
		if i < 0 {
			return apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("after_unbekannt")})
		}
		zeilen = zeilen[i+1:]
	}
	pg := page.Cut(zeilen, limit, func(z untersuchungszeile) string { return z.eintrag.ID })
	items := make([]untersuchungslisteJSON, 0, len(pg.Items))
	for _, z := range pg.Items {
		k := z.eintrag.Kind
		j := untersuchungslisteJSON{Kennung: z.eintrag.ID, Familienname: k.Familienname, Vornamen: k.Vornamen,
			Geburtsdatum: k.Geburtsdatum.Format(time.DateOnly), Geschlecht: orNull(k.Geschlecht),
			Strasse: orNull(k.Strasse), Hausnummer: orNull(k.Hausnummer), PLZ: orNull(k.PLZ), Ort: orNull(k.Ort), Sorgeberechtigte: orNull(k.Sorgeberechtigte),
			Auskunftssperre: k.Auskunftssperre, Schulnummer: orNull(z.schule.Schulnummer), Grundschule: orNull(z.schule.Name)}
		if u := z.ergebnis; u != nil {
			j.UntersuchtAm, j.Ergebnis = orNull(u.UntersuchtAm.Format(time.DateOnly)), orNull(string(u.Ergebnis))
		}
		items = append(items, j)
	}
	audit.Count(c.UserContext(), len(items))
	return sendPage(c, items, pg.Next, "")
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
	return s.erfasseUntersuchung(c, "")
}

// putUntersuchung is postUntersuchung with the child named by the path;
// a kind_id in the body must name the same child.
func (s *server) putUntersuchung(c *fiber.Ctx) error {
	return s.erfasseUntersuchung(c, strings.TrimPrefix(c.Params("kind_id"), "'"))
}

func (s *server) erfasseUntersuchung(c *fiber.Ctx, pfad string) error {
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
	if pfad != "" {
		if in.KindID != "" && in.KindID != pfad {
			fe = append(fe, apperr.FieldError{Pointer: "/kind_id", Code: "widerspruch",
				Message: "kind_id im Inhalt nennt ein anderes Kind als der Pfad; bitte weglassen oder gleich angeben."})
		}
		in.KindID = pfad
	}
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

package httpapi

import (
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/untersuchung"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// EinschulungDeps is what the Schulbezirk and Einschulung routes need.
type EinschulungDeps struct {
	Schulbezirke *schulbezirk.Service
	Einschulung  *einschulung.Service
}

func (s *server) einschulungRoutes() []route {
	bmsSchulamt := []auth.Role{auth.RoleBMS, auth.RoleSchulamt}
	schulamt := []auth.Role{auth.RoleSchulamt}
	return []route{
		{fiber.MethodGet, "/v1/schulbezirke/zuordnung", readers, s.getZuordnung},
		{fiber.MethodGet, "/v1/schulbezirke/abdeckung", editors, s.getAbdeckung},
		{fiber.MethodPost, "/v1/einschulung/:schuljahr/meldungen", bmsSchulamt, s.postMeldung},
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/kinder", bmsSchulamt, s.getEinschulungKinder},
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/uebersicht", []auth.Role{auth.RoleBMS, auth.RoleSchulamt, auth.RoleAdmin}, s.getEinschulungUebersicht},
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/liste.xlsx", schulamt, s.getEinschulungListeXLSX},
		{fiber.MethodGet, "/v1/einschulung/:schuljahr/liste.csv", schulamt, s.getEinschulungListeCSV},
	}
}

// ---- Meldungen ----

// einschulungMeldungInput is the body of POST …/meldungen (schema "EinschulungMeldungInput").
type einschulungMeldungInput struct {
	KindID       string       `json:"kind_id"`
	Person       *personInput `json:"person"`
	Typ          string       `json:"typ"`
	Schulnummer  string       `json:"schulnummer"`
	Art          string       `json:"art"`
	Entscheidung string       `json:"entscheidung"`
}

type personInput struct {
	Familienname string `json:"familienname"`
	Vornamen     string `json:"vornamen"`
	Geburtsdatum string `json:"geburtsdatum"`
}

// einschulungMeldungJSON is a stored Meldung (schema "EinschulungMeldung").
type einschulungMeldungJSON struct {
	KindID       string    `json:"kind_id"`
	Schuljahr    string    `json:"schuljahr"`
	Typ          string    `json:"typ"`
	Schulnummer  *string   `json:"schulnummer"`
	Art          *string   `json:"art"`
	Entscheidung *string   `json:"entscheidung"`
	UpdatedAt    time.Time `json:"updated_at"`
	GeaendertAm  time.Time `json:"geaendert_am"` // deprecated name of updated_at
	Hinweis      string    `json:"hinweis,omitempty"`
}

// orNull turns "" into JSON null.
func orNull(s string) *string {
	if s == "" {
		return nil
	}
	return &s
}

func (s *server) postMeldung(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	var in einschulungMeldungInput
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	e := einschulung.Eingabe{KindID: in.KindID, Typ: in.Typ, Schulnummer: in.Schulnummer, Art: in.Art, Entscheidung: in.Entscheidung}
	if in.Person != nil {
		e.Person = &einschulung.PersonEingabe{Familienname: in.Person.Familienname, Vornamen: in.Person.Vornamen, Geburtsdatum: in.Person.Geburtsdatum}
	}
	if len(decodeErrs) > 0 {
		_, _, verr := e.Pruefen()
		return invalidInput(decodeErrs, verr)
	}
	p := principal(c)
	r, err := s.Einschulung.Einschulung.Melde(c.UserContext(), sj, e, p.HasAny(auth.RoleSchulamt))
	if err != nil {
		return err
	}
	if r.Neu {
		c.Status(fiber.StatusCreated)
	}
	m := r.Meldung
	return c.JSON(einschulungMeldungJSON{KindID: r.KindID, Schuljahr: sj.String(), Typ: string(m.Typ), Schulnummer: orNull(m.Schulnummer),
		Art: orNull(string(m.Art)), Entscheidung: orNull(string(m.Entscheidung)), UpdatedAt: m.Geaendert.UTC(), GeaendertAm: m.Geaendert.UTC(),
		Hinweis: r.Hinweis})
}

// ---- the cohort for the BMS ----

// einschulungKindJSON is a child of the cohort with only what the school
// needs (schema "EinschulungKind").
type einschulungKindJSON struct {
	ID           string                    `json:"id"`
	Familienname string                    `json:"familienname"`
	Vornamen     string                    `json:"vornamen"`
	Geburtsdatum string                    `json:"geburtsdatum"`
	Geschlecht   *string                   `json:"geschlecht"`
	Anschrift    *einschulungAnschriftJSON `json:"anschrift"`
	Schulnummer  *string                   `json:"schulnummer"`
	Art          string                    `json:"art"`
	Status       string                    `json:"status"`
	// Untersuchung is the outcome of the Schuleingangsuntersuchung, for
	// the roles the field policy lets see it (absent for the others).
	Untersuchung *untersuchungStandJSON `json:"untersuchung,omitempty"`
}

// untersuchungStandJSON is a child's outcome as the cohort shows it
// (schema EinschulungUntersuchung): both null while none is recorded.
type untersuchungStandJSON struct {
	UntersuchtAm *string `json:"untersucht_am"`
	Ergebnis     *string `json:"ergebnis"`
}

type einschulungAnschriftJSON struct {
	Strasse    string `json:"strasse"`
	Hausnummer string `json:"hausnummer"`
	PLZ        string `json:"plz"`
	Ort        string `json:"ort"`
}

// untersuchungenFuer are the outcomes of sj when p may see them on the
// cohort (field policy EinschulungKind, untersuchung), else nil.
func (s *server) untersuchungenFuer(c *fiber.Ctx, sj werte.Schuljahr) (map[string]untersuchung.Untersuchung, error) {
	if s.Untersuchung.Service == nil || !auth.Sieht(principal(c), "EinschulungKind", "untersuchung", false) {
		return nil, nil
	}
	return s.Untersuchung.Service.List(c.UserContext(), sj.StartYear())
}

func (s *server) getEinschulungKinder(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	limit, after, err := pageQuery(c, "cursor")
	if err != nil {
		return err
	}
	var fe []apperr.FieldError
	auswahl := einschulung.Auswahl{Schulnummer: c.Query("schulnummer"), OhneSchule: boolParam(c, "ohne_schule", &fe)}
	if len(fe) > 0 {
		return apperr.Invalid("Die Parameter der Abfrage sind fehlerhaft.", fe)
	}
	page, err := s.Einschulung.Einschulung.Kinder(c.UserContext(), sj, auswahl, after, limit)
	if err != nil {
		return err
	}
	ergebnisse, err := s.untersuchungenFuer(c, sj)
	if err != nil {
		return err
	}
	audit.Count(c.UserContext(), len(page.Items))
	return sendEinschulungKinder(c, page.Items, principal(c), ergebnisse, page.Next, "next_cursor")
}

// ---- overview ----

type uebersichtJSON struct {
	Schuljahr  string            `json:"schuljahr"`
	Kinder     int               `json:"kinder"`
	OhneSchule int               `json:"ohne_schule"`
	Items      []schulzahlenJSON `json:"items"`
	// Untersuchungen counts the children without a school (school office only).
	Untersuchungen *untersuchungenJSON `json:"untersuchungen_ohne_schule,omitempty"`
}

type schulzahlenJSON struct {
	Schulnummer     string `json:"schulnummer"`
	Name            string `json:"name"`
	Erwartet        int    `json:"erwartet"`
	Angemeldet      int    `json:"angemeldet"`
	Vorzeitig       int    `json:"vorzeitig"`
	Aufgenommen     int    `json:"aufgenommen"`
	Zurueckgestellt int    `json:"zurueckgestellt"`
	Abgemeldet      int    `json:"abgemeldet"`
	FreieSchule     int    `json:"freie_schule"`
	Nachfrage       int    `json:"nachfrage"`
	Kapazitaet      *int   `json:"kapazitaet"`
	UeberKapazitaet bool   `json:"ueber_kapazitaet"`
	// Untersuchungen is how far the Schuleingangsuntersuchung of the
	// school's list has come, for the school office only.
	Untersuchungen *untersuchungenJSON `json:"untersuchungen,omitempty"`
}

// untersuchungenJSON is schema EinschulungUntersuchungen.
type untersuchungenJSON struct {
	Offen                  int `json:"offen"`
	Untersucht             int `json:"untersucht"`
	ZurueckstellungPruefen int `json:"zurueckstellung_pruefen"`
	FoerderbedarfPruefen   int `json:"foerderbedarf_pruefen"`
	NichtErschienen        int `json:"nicht_erschienen"`
}

func toUntersuchungenJSON(st untersuchung.Stand) *untersuchungenJSON {
	e := st.Ergebnisse
	return &untersuchungenJSON{Offen: st.Offen, Untersucht: e[untersuchung.Untersucht], ZurueckstellungPruefen: e[untersuchung.ZurueckstellungPruefen],
		FoerderbedarfPruefen: e[untersuchung.FoerderbedarfPruefen], NichtErschienen: e[untersuchung.NichtErschienen]}
}

func (s *server) getEinschulungUebersicht(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	u, err := s.Einschulung.Einschulung.Uebersicht(c.UserContext(), sj)
	if err != nil {
		return err
	}
	out := uebersichtJSON{Schuljahr: sj.String(), Kinder: u.Kinder, OhneSchule: u.OhneSchule, Items: make([]schulzahlenJSON, len(u.Schulen))}
	for i, z := range u.Schulen {
		a := z.Anzahl
		out.Items[i] = schulzahlenJSON{Schulnummer: z.Schule.Schulnummer, Name: z.Schule.Name,
			Erwartet: a[einschulung.StatusErwartet], Angemeldet: a[einschulung.StatusAngemeldet], Vorzeitig: a[einschulung.StatusVorzeitig],
			Aufgenommen: a[einschulung.StatusAufgenommen], Zurueckgestellt: a[einschulung.StatusZurueckgestellt],
			Abgemeldet: a[einschulung.StatusAbgemeldet], FreieSchule: a[einschulung.StatusFreieSchule],
			Nachfrage: z.Nachfrage, Kapazitaet: z.Kapazitaet, UeberKapazitaet: z.UeberKapazitaet}
	}
	// The outcomes are health data: counted per school for the school
	// office only (it follows up children not examined or not appeared).
	if principal(c).HasAny(auth.RoleSchulamt) && s.Untersuchung.Service != nil {
		ergebnisse, err := s.Untersuchung.Service.List(c.UserContext(), sj.StartYear())
		if err != nil {
			return err
		}
		k, err := s.Einschulung.Einschulung.Kohorte(c.UserContext(), sj)
		if err != nil {
			return err
		}
		gruppe := make(map[string]string, len(k.Eintraege))
		for _, e := range k.Eintraege {
			gruppe[e.ID] = e.Schulnummer
		}
		stand := untersuchung.StandJe(gruppe, ergebnisse)
		for i := range out.Items {
			out.Items[i].Untersuchungen = toUntersuchungenJSON(stand[out.Items[i].Schulnummer])
		}
		out.Untersuchungen = toUntersuchungenJSON(stand[""])
	}
	return c.JSON(out)
}

// ---- lists for the school offices ----

var listeKopf = []string{"Familienname", "Vornamen", "Geburtsdatum", "Geschlecht", "Straße", "Hausnummer", "PLZ", "Ort",
	"Auskunftssperre", "Art der Aufnahme", "Status"}

// listeZeile is a child as the lists show it; the birth date stays a date.
// The lists go to the schools: with an Auskunftssperre the address is left
// out (auth.Feldrichtlinien).
func listeZeile(e einschulung.Eintrag, p auth.Principal) []any {
	k := e.Kind
	strasse, hausnummer, plz, ort, sperre := k.Strasse, k.Hausnummer, k.PLZ, k.Ort, ""
	if !auth.Sieht(p, "Einschulungsliste", "strasse", k.Auskunftssperre) {
		strasse, hausnummer, plz, ort = "", "", "", ""
	}
	if k.Auskunftssperre {
		sperre = "ja"
	}
	return []any{k.Familienname, k.Vornamen, k.Geburtsdatum, importing.Geschlecht(k.Geschlecht).Label(), strasse, hausnummer, plz, ort,
		sperre, e.Art.Label(), e.Status.Label()}
}

// einschulungListen are the lists of the cohort per school and the
// download's name (einschulung-2027-28[-20101]).
func (s *server) einschulungListen(c *fiber.Ctx) ([]einschulung.Liste, string, error) {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return nil, "", err
	}
	nr := c.Query("schulnummer")
	listen, err := s.Einschulung.Einschulung.Listen(c.UserContext(), sj, nr)
	if err != nil {
		return nil, "", err
	}
	name := "einschulung-" + sj.PathString()
	if nr != "" {
		name += "-" + nr
	}
	return listen, name, nil
}

// getEinschulungListeXLSX writes a sheet per school ("20101 Grundschule
// Am Anger"; children without one on "ohne Zuordnung").
func (s *server) getEinschulungListeXLSX(c *fiber.Ctx) error {
	listen, name, err := s.einschulungListen(c)
	if err != nil {
		return err
	}
	if len(listen) == 0 {
		listen = []einschulung.Liste{{}}
	}
	tables := make([]sheets.Table, len(listen))
	for i, l := range listen {
		blatt := "ohne Zuordnung"
		if l.Schule.Schulnummer != "" {
			blatt = l.Schule.Schulnummer + " " + l.Schule.Name
		}
		t := sheets.Table{Sheet: blatt, Columns: columns(18, listeKopf...), Rows: make([][]any, len(l.Eintraege))}
		for r, e := range l.Eintraege {
			t.Rows[r] = listeZeile(e, principal(c))
		}
		tables[i] = t
	}
	return sendXLSX(c, name+".xlsx", tables)
}

// getEinschulungListeCSV writes all lists in one table, the school first.
func (s *server) getEinschulungListeCSV(c *fiber.Ctx) error {
	listen, name, err := s.einschulungListen(c)
	if err != nil {
		return err
	}
	t := sheets.Table{Columns: columns(0, append([]string{"Schulnummer", "Schule"}, listeKopf...)...)}
	for _, l := range listen {
		for _, e := range l.Eintraege {
			t.Rows = append(t.Rows, append([]any{l.Schule.Schulnummer, l.Schule.Name}, listeZeile(e, principal(c))...))
		}
	}
	return sendCSV(c, name+".csv", t)
}

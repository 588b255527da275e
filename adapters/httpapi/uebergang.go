package httpapi

import (
	"context"
	"fmt"
	"slices"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/planung"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// UebergangDeps is what the routes of the Übergang in Schuljahrgang 5 need.
type UebergangDeps struct {
	Service *uebergang.Service
}

func (s *server) uebergangRoutes() []route {
	bmsSchulamt := []auth.Role{auth.RoleBMS, auth.RoleSchulamt}
	schulamt := []auth.Role{auth.RoleSchulamt}
	return []route{
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/kapazitaeten", schulamt, s.getUebergangKapazitaeten},
		{fiber.MethodPut, "/v1/uebergang/:schuljahr/kapazitaeten/:schulnummer", schulamt, s.putUebergangKapazitaet},
		{fiber.MethodPost, "/v1/uebergang/:schuljahr/anmeldungen", bmsSchulamt, s.postUebergangAnmeldung},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/anmeldungen", schulamt, s.getUebergangAnmeldungen},
		{fiber.MethodPost, "/v1/uebergang/:schuljahr/verteilungen", schulamt, s.postVerteilung},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/verteilungen", schulamt, s.getVerteilungen},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/verteilungen/:id", schulamt, s.getVerteilung},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/verteilungen/:id/zuteilungen", schulamt, s.getZuteilungen},
		{fiber.MethodPost, "/v1/uebergang/:schuljahr/verteilungen/:id/bestaetigung", schulamt, s.postBestaetigung},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/verteilungen/:id/vergleich", schulamt, s.getVerteilungVergleich},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/verteilungen/:id/briefe.xlsx", schulamt, s.getUebergangBriefeXLSX},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/verteilungen/:id/briefe.csv", schulamt, s.getUebergangBriefeCSV},
		{fiber.MethodPost, "/v1/uebergang/:schuljahr/verteilungen/:id/absagen", schulamt, s.postUebergangAbsage},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/verteilungen/:id/absagen", schulamt, s.getUebergangAbsagen},
		{fiber.MethodGet, "/v1/uebergang/:schuljahr/verteilungen/:id/bericht", []auth.Role{auth.RoleSchulamt, auth.RolePlanung}, s.getVerteilungBericht},
	}
}

// ---- capacities ----

type kapazitaetJSON struct {
	Schulnummer string `json:"schulnummer"`
	Name        string `json:"name"`
	Schulform   string `json:"schulform"`
	Plaetze     *int   `json:"plaetze"`
	Quelle      string `json:"quelle"`
}

func toKapazitaetJSON(k uebergang.Kapazitaet) kapazitaetJSON {
	q := "schuldaten"
	if k.Festgelegt {
		q = "schulamt"
	} else if k.Plaetze == nil {
		q = "unbekannt"
	}
	return kapazitaetJSON{Schulnummer: k.Schule.Schulnummer, Name: k.Schule.Name, Schulform: string(k.Schule.Schulform), Plaetze: k.Plaetze, Quelle: q}
}

func (s *server) getUebergangKapazitaeten(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	kaps, err := s.Uebergang.Service.Kapazitaeten(c.UserContext(), sj)
	if err != nil {
		return err
	}
	items := make([]kapazitaetJSON, len(kaps))
	for i, k := range kaps {
		items[i] = toKapazitaetJSON(k)
	}
	return c.JSON(fiber.Map{"schuljahr": sj.String(), "items": items})
}

// kapazitaetNachrueckenJSON is the answer to new places after a run was
// confirmed: the places and the moves up they caused (maybe none).
type kapazitaetNachrueckenJSON struct {
	kapazitaetJSON
	Bewegungen []bewegungJSON `json:"bewegungen"`
}

type kapazitaetInput struct {
	Plaetze int `json:"plaetze"`
}

func (s *server) putUebergangKapazitaet(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	var in kapazitaetInput
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if len(decodeErrs) > 0 {
		return invalidInput(decodeErrs, nil)
	}
	k, moves, err := s.Uebergang.Service.SetzeKapazitaet(c.UserContext(), sj, c.Params("schulnummer"), in.Plaetze, principal(c).Subject)
	if err != nil {
		return err
	}
	if moves == nil {
		return c.JSON(toKapazitaetJSON(k))
	}
	// After confirmation: the moves up the new places caused.
	audit.Count(c.UserContext(), len(moves))
	return c.JSON(kapazitaetNachrueckenJSON{kapazitaetJSON: toKapazitaetJSON(k), Bewegungen: toBewegungenJSON(moves)})
}

// ---- applications ----

// uebergangAnmeldungInput is the body of POST …/anmeldungen (schema "UebergangAnmeldungInput").
type uebergangAnmeldungInput struct {
	Ordnungsmerkmal string   `json:"ordnungsmerkmal"`
	Familienname    string   `json:"familienname"`
	Vornamen        string   `json:"vornamen"`
	Geburtsdatum    string   `json:"geburtsdatum"`
	Grundschule     string   `json:"grundschule"`
	Wuensche        []string `json:"wuensche"`
	Haertefall      bool     `json:"haertefall"`
	Geschwister     []string `json:"geschwister"`
}

// uebergangAnmeldungJSON is a stored application (schema "UebergangAnmeldung").
type uebergangAnmeldungJSON struct {
	ID              string    `json:"id"`
	Schuljahr       string    `json:"schuljahr"`
	Ordnungsmerkmal *string   `json:"ordnungsmerkmal"`
	Familienname    string    `json:"familienname"`
	Vornamen        string    `json:"vornamen"`
	Geburtsdatum    *string   `json:"geburtsdatum"`
	Grundschule     *string   `json:"grundschule"`
	Wuensche        []string  `json:"wuensche"`
	Haertefall      bool      `json:"haertefall"`
	Geschwister     []string  `json:"geschwister"`
	UpdatedAt       time.Time `json:"updated_at"`
}

func toUebergangAnmeldungJSON(g uebergang.Gespeichert, p auth.Principal) uebergangAnmeldungJSON {
	out := uebergangAnmeldungJSON{ID: g.ID, Schuljahr: g.Schuljahr.String(), Ordnungsmerkmal: orNull(g.Kind.Ordnungsmerkmal),
		Familienname: g.Kind.Familienname, Vornamen: g.Kind.Vornamen, Grundschule: orNull(g.Grundschule),
		Wuensche: g.Anmeldung.Wuensche, Haertefall: g.Anmeldung.Haertefall, Geschwister: g.Anmeldung.Geschwister, UpdatedAt: g.Geaendert.UTC()}
	if !g.Kind.Geburtsdatum.IsZero() && g.Kind.Geburtsdatum.Year() > 1 {
		d := g.Kind.Geburtsdatum.Format(time.DateOnly)
		out.Geburtsdatum = &d
	}
	if out.Geschwister == nil {
		out.Geschwister = []string{}
	}
	// The BMS named the child; the register's Ordnungsmerkmal is not its
	// to learn (auth.Feldrichtlinien).
	if !auth.Sieht(p, "UebergangAnmeldung", "ordnungsmerkmal", false) {
		out.Ordnungsmerkmal = nil
	}
	return out
}

func (s *server) postUebergangAnmeldung(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	var in uebergangAnmeldungInput
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if len(decodeErrs) > 0 {
		return invalidInput(decodeErrs, nil)
	}
	g, neu, err := s.Uebergang.Service.Melde(c.UserContext(), sj, uebergang.Antrag{Ordnungsmerkmal: in.Ordnungsmerkmal,
		Familienname: in.Familienname, Vornamen: in.Vornamen, Geburtsdatum: in.Geburtsdatum, Grundschule: in.Grundschule,
		Wuensche: in.Wuensche, Haertefall: in.Haertefall, Geschwister: in.Geschwister})
	if err != nil {
		return err
	}
	if neu {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(toUebergangAnmeldungJSON(g, principal(c)))
}

func (s *server) getUebergangAnmeldungen(c *fiber.Ctx) error {
	return sendUebergangPage(c, s.Uebergang.Service.Anmeldungen, func(_ werte.Schuljahr, g uebergang.Gespeichert) uebergangAnmeldungJSON {
		return toUebergangAnmeldungJSON(g, principal(c))
	})
}

// sendUebergangPage answers a paged list of the path's school year: the
// page fetch gives for the paging parameters, each item as toJSON maps it,
// counted in the audit entry.
func sendUebergangPage[T, J any](c *fiber.Ctx, fetch func(context.Context, werte.Schuljahr, string, int) (page.Page[T], error), toJSON func(werte.Schuljahr, T) J) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	p, err := fetch(c.UserContext(), sj, after, limit)
	if err != nil {
		return err
	}
	items := make([]J, len(p.Items))
	for i, x := range p.Items {
		items[i] = toJSON(sj, x)
	}
	audit.Count(c.UserContext(), len(items))
	return sendPage(c, items, p.Next, "")
}

// ---- runs ----

type verteilungInput struct {
	Verfahren string `json:"verfahren"`
	Seed      string `json:"seed"`
}

// zuteilungJSON is one application's result (schema "UebergangZuteilung");
// it names the application, not the child.
type zuteilungJSON struct {
	AnmeldungID string         `json:"anmeldung_id"`
	Schulnummer *string        `json:"schulnummer"`
	Wunsch      *int           `json:"wunsch"`
	Losnummer   int            `json:"losnummer"`
	Warteliste  map[string]int `json:"warteliste"`
	Abgesagt    bool           `json:"abgesagt"`
}

func toZuteilungJSON(z uebergang.Zuteilung) zuteilungJSON {
	out := zuteilungJSON{AnmeldungID: z.AnmeldungID, Schulnummer: orNull(z.Schulnummer), Losnummer: z.Losnummer, Warteliste: z.Warteliste, Abgesagt: z.Abgesagt}
	if z.Wunsch > 0 {
		w := z.Wunsch
		out.Wunsch = &w
	}
	if out.Warteliste == nil {
		out.Warteliste = map[string]int{}
	}
	return out
}

// verteilungJSON is a run (schema "UebergangVerteilung").
type verteilungJSON struct {
	ID          string              `json:"id"`
	Schuljahr   string              `json:"schuljahr"`
	Status      string              `json:"status"`
	Verfahren   string              `json:"verfahren"`
	Seed        string              `json:"seed"`
	Kriterien   []string            `json:"kriterien"`
	CreatedAt   time.Time           `json:"created_at"`
	ConfirmedAt *time.Time          `json:"confirmed_at"`
	ErstelltAm  time.Time           `json:"erstellt_am"`   // deprecated: created_at
	Bestaetigt  *time.Time          `json:"bestaetigt_am"` // deprecated: confirmed_at
	Anmeldungen int                 `json:"anmeldungen"`
	Plaetze     map[string]int      `json:"plaetze"`
	Zuteilungen []zuteilungJSON     `json:"zuteilungen"`
	Wartelisten map[string][]string `json:"wartelisten"`
}

func toVerteilungJSON(l uebergang.Lauf) verteilungJSON {
	out := verteilungJSON{ID: l.ID, Schuljahr: l.Schuljahr.String(), Status: l.Status, Verfahren: string(l.Verfahren), Seed: l.Seed,
		CreatedAt: l.Erstellt.UTC(), ErstelltAm: l.Erstellt.UTC(), Anmeldungen: len(l.Ergebnis.Zuteilungen), Plaetze: l.Plaetze, Kriterien: []string{},
		Zuteilungen: make([]zuteilungJSON, len(l.Ergebnis.Zuteilungen)), Wartelisten: l.Ergebnis.Wartelisten}
	for _, k := range l.Kriterien {
		out.Kriterien = append(out.Kriterien, string(k))
	}
	if !l.Bestaetigt.IsZero() {
		t := l.Bestaetigt.UTC()
		out.Bestaetigt, out.ConfirmedAt = &t, &t
	}
	for i, z := range l.Ergebnis.Zuteilungen {
		out.Zuteilungen[i] = toZuteilungJSON(z)
	}
	if out.Wartelisten == nil {
		out.Wartelisten = map[string][]string{}
	}
	return out
}

func (s *server) postVerteilung(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	var in verteilungInput
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if len(decodeErrs) > 0 {
		return invalidInput(decodeErrs, nil)
	}
	l, err := s.Uebergang.Service.Verteile(c.UserContext(), sj, uebergang.Verfahren(in.Verfahren), in.Seed)
	if err != nil {
		return err
	}
	audit.Count(c.UserContext(), len(l.Ergebnis.Zuteilungen))
	c.Location("/v1/uebergang/" + sj.PathString() + "/verteilungen/" + l.ID)
	return c.Status(fiber.StatusCreated).JSON(toVerteilungJSON(l))
}

// verteilungEintragJSON is a run in the school year's list (schema
// "UebergangVerteilungEintrag"): what it is, and the headline of its result.
type verteilungEintragJSON struct {
	ID          string     `json:"id"`
	Schuljahr   string     `json:"schuljahr"`
	Status      string     `json:"status"`
	Verfahren   string     `json:"verfahren"`
	Seed        string     `json:"seed"`
	CreatedAt   time.Time  `json:"created_at"`
	ConfirmedAt *time.Time `json:"confirmed_at"`
	Kinder      int        `json:"kinder"`
	Wunsch1     int        `json:"wunsch_1"`
	Wunsch2     int        `json:"wunsch_2"`
	Wunsch3     int        `json:"wunsch_3"`
	Ohne        int        `json:"ohne_platz"`
}

func (s *server) getVerteilungen(c *fiber.Ctx) error {
	return sendUebergangPage(c, s.Uebergang.Service.Laeufe, func(sj werte.Schuljahr, u uebergang.Uebersicht) verteilungEintragJSON {
		v := verteilungEintragJSON{ID: u.ID, Schuljahr: sj.String(), Status: u.Status, Verfahren: string(u.Verfahren), Seed: u.Seed,
			CreatedAt: u.Erstellt.UTC(), Kinder: u.Kinder, Wunsch1: u.Wunsch[1], Wunsch2: u.Wunsch[2], Wunsch3: u.Wunsch[3], Ohne: u.Wunsch[0]}
		if !u.Bestaetigt.IsZero() {
			t := u.Bestaetigt.UTC()
			v.ConfirmedAt = &t
		}
		return v
	})
}

func (s *server) getVerteilung(c *fiber.Ctx) error {
	return verteilungAntwort(c, s.Uebergang.Service.Lauf)
}

func (s *server) postBestaetigung(c *fiber.Ctx) error {
	return verteilungAntwort(c, func(ctx context.Context, sj werte.Schuljahr, id string) (uebergang.Lauf, error) {
		return s.Uebergang.Service.Bestaetige(ctx, sj, id, principal(c).Subject)
	})
}

// verteilungAntwort answers with the run {id} of the path's school year as
// do(…) returns it (read, or confirmed), audited with its allocations.
func verteilungAntwort(c *fiber.Ctx, do func(context.Context, werte.Schuljahr, string) (uebergang.Lauf, error)) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	l, err := do(c.UserContext(), sj, c.Params("id"))
	if err != nil {
		return err
	}
	audit.Count(c.UserContext(), len(l.Ergebnis.Zuteilungen))
	return c.JSON(toVerteilungJSON(l))
}

func (s *server) getZuteilungen(c *fiber.Ctx) error {
	id := c.Params("id")
	return sendUebergangPage(c, func(ctx context.Context, sj werte.Schuljahr, after string, limit int) (page.Page[uebergang.Zuteilung], error) {
		return s.Uebergang.Service.Zuteilungen(ctx, sj, id, after, limit)
	}, func(_ werte.Schuljahr, z uebergang.Zuteilung) zuteilungJSON { return toZuteilungJSON(z) })
}

// ---- report ----

type berichtSchuleJSON struct {
	Schulnummer  string    `json:"schulnummer"`
	Plaetze      int       `json:"plaetze"`
	Bewerbungen  *int      `json:"bewerbungen"`
	Erstwuensche *int      `json:"erstwuensche"`
	Abgewiesen   *int      `json:"abgewiesen"`
	Wunsch1      zelleJSON `json:"wunsch_1"`
	Wunsch2      zelleJSON `json:"wunsch_2"`
	Wunsch3      zelleJSON `json:"wunsch_3"`
	Aufgenommen  zelleJSON `json:"aufgenommen"`
}

type berichtGesamtJSON struct {
	Kinder     zelleJSON `json:"kinder"`
	Wunsch1    zelleJSON `json:"wunsch_1"`
	Wunsch2    zelleJSON `json:"wunsch_2"`
	Wunsch3    zelleJSON `json:"wunsch_3"`
	OhneWunsch zelleJSON `json:"ohne_platz"`
	Anteil1    *float64  `json:"anteil_wunsch_1"`
	Anteil2    *float64  `json:"anteil_wunsch_2"`
	Anteil3    *float64  `json:"anteil_wunsch_3"`
	AnteilOhne *float64  `json:"anteil_ohne_platz"`
}

type berichtJSON struct {
	VerteilungID string              `json:"verteilung_id"`
	Schuljahr    string              `json:"schuljahr"`
	Verfahren    string              `json:"verfahren"`
	Unterdrueckt bool                `json:"unterdrueckt"`
	Schwelle     *int                `json:"schwelle"`
	Gesamt       berichtGesamtJSON   `json:"gesamt"`
	Schulen      []berichtSchuleJSON `json:"schulen"`
}

func (s *server) getVerteilungBericht(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	l, err := s.Uebergang.Service.Lauf(c.UserContext(), sj, c.Params("id"))
	if err != nil {
		return err
	}
	format, err := planungFormat(c)
	if err != nil {
		return err
	}
	b := uebergang.Berichte(l)
	// Planners see aggregates suppressed like every planning figure.
	if !principal(c).HasAny(auth.RoleSchulamt) {
		b = b.FuerPlanung(s.Uebergang.Service.Schwelle)
	}
	name := "uebergang-" + sj.PathString() + "-bericht"
	switch format {
	case "csv":
		return sendCSV(c, name+".csv", berichtTabellen(b)[0])
	case "xlsx":
		t := berichtTabellen(b)
		return sendXLSX(c, name+".xlsx", t, sheets.Chart{Sheet: "Diagramm", Data: t[0].Sheet,
			Title:      fmt.Sprintf("Schuljahr %s, Verfahren %s: Aufnahmen je Schule nach Wunsch", sj, l.Verfahren),
			Categories: 0, Bars: []int{4, 5, 6}, Lines: []int{1}})
	}
	out := berichtJSON{VerteilungID: l.ID, Schuljahr: sj.String(), Verfahren: string(l.Verfahren), Unterdrueckt: b.Unterdrueckt,
		Gesamt: berichtGesamtJSON{Kinder: toZelle(b.Kinder), Wunsch1: toZelle(b.Wunsch[1]), Wunsch2: toZelle(b.Wunsch[2]),
			Wunsch3: toZelle(b.Wunsch[3]), OhneWunsch: toZelle(b.Wunsch[0]),
			Anteil1: b.Anteil[1], Anteil2: b.Anteil[2], Anteil3: b.Anteil[3], AnteilOhne: b.Anteil[0]},
		Schulen: make([]berichtSchuleJSON, len(b.Schulen))}
	if b.Unterdrueckt {
		out.Schwelle = &b.Schwelle
	}
	for i, z := range b.Schulen {
		out.Schulen[i] = berichtSchuleJSON{Schulnummer: z.Schulnummer, Plaetze: z.Plaetze, Bewerbungen: z.Bewerbungen,
			Erstwuensche: z.Erstwuensche, Abgewiesen: z.Abgewiesen, Wunsch1: toZelle(z.Aufgenommen[1]), Wunsch2: toZelle(z.Aufgenommen[2]),
			Wunsch3: toZelle(z.Aufgenommen[3]), Aufgenommen: toZelle(z.Summe)}
	}
	return c.JSON(out)
}

// berichtTabellen are the report as tables: per school (the chart's data:
// admissions by wish against the places), and the totals with their
// shares. A suppressed count is "•", a count left out (planners) empty.
func berichtTabellen(b uebergang.Bericht) []sheets.Table {
	zahl := func(p *int) any {
		if p == nil {
			return nil
		}
		return *p
	}
	zelle := func(z planung.Zelle) any { return zelleOder(z.Wert, z.Unterdrueckt) }
	schulen := sheets.Table{Sheet: "Schulen", Columns: columns(0, "Schulnummer", "Plätze", "Bewerbungen", "Erstwünsche",
		"Aufgenommen mit 1. Wunsch", "Aufgenommen mit 2. Wunsch", "Aufgenommen mit 3. Wunsch", "Aufgenommen", "Abgewiesen (Warteliste)")}
	for _, z := range b.Schulen {
		schulen.Rows = append(schulen.Rows, []any{z.Schulnummer, z.Plaetze, zahl(z.Bewerbungen), zahl(z.Erstwuensche),
			zelle(z.Aufgenommen[1]), zelle(z.Aufgenommen[2]), zelle(z.Aufgenommen[3]), zelle(z.Summe), zahl(z.Abgewiesen)})
	}
	gesamt := sheets.Table{Sheet: "Gesamt", Columns: []sheets.Column{{Header: "Ergebnis"}, {Header: "Kinder"}, {Header: "Anteil", NumFormat: "0.0%"}}}
	anteil := func(a *float64) any {
		if a == nil {
			return nil
		}
		return *a
	}
	for _, r := range []struct {
		was string
		k   int
	}{{"1. Wunsch erfüllt", 1}, {"2. Wunsch erfüllt", 2}, {"3. Wunsch erfüllt", 3}, {"ohne Platz an einer Wunschschule", 0}} {
		gesamt.Rows = append(gesamt.Rows, []any{r.was, zelle(b.Wunsch[r.k]), anteil(b.Anteil[r.k])})
	}
	gesamt.Rows = append(gesamt.Rows, []any{"Kinder insgesamt", zelle(b.Kinder), nil})
	return []sheets.Table{schulen, gesamt}
}

// ---- comparison ----

type laufZahlenJSON struct {
	ID        string `json:"id"`
	Verfahren string `json:"verfahren"`
	Seed      string `json:"seed"`
	Kinder    int    `json:"kinder"`
	Wunsch1   int    `json:"wunsch_1"`
	Wunsch2   int    `json:"wunsch_2"`
	Wunsch3   int    `json:"wunsch_3"`
	Ohne      int    `json:"ohne_platz"`
}

type vergleichSchuleJSON struct {
	Schulnummer  string `json:"schulnummer"`
	AufgenommenA int    `json:"aufgenommen_a"`
	AufgenommenB int    `json:"aufgenommen_b"`
	Erstwunsch1A int    `json:"wunsch_1_a"`
	Erstwunsch1B int    `json:"wunsch_1_b"`
}

type laufVergleichJSON struct {
	Schuljahr     string                `json:"schuljahr"`
	A             laufZahlenJSON        `json:"a"`
	B             laufZahlenJSON        `json:"b"`
	Gleich        int                   `json:"gleich"`
	BesserInB     int                   `json:"besser_in_b"`
	SchlechterInB int                   `json:"schlechter_in_b"`
	AndereSchule  int                   `json:"andere_schule"`
	NurInA        int                   `json:"nur_in_a"`
	NurInB        int                   `json:"nur_in_b"`
	Schulen       []vergleichSchuleJSON `json:"schulen"`
}

func laufZahlen(l uebergang.Lauf, b uebergang.Bericht) laufZahlenJSON {
	return laufZahlenJSON{ID: l.ID, Verfahren: string(l.Verfahren), Seed: l.Seed, Kinder: b.Kinder.Wert,
		Wunsch1: b.Wunsch[1].Wert, Wunsch2: b.Wunsch[2].Wert, Wunsch3: b.Wunsch[3].Wert, Ohne: b.Wunsch[0].Wert}
}

func (s *server) getVerteilungVergleich(c *fiber.Ctx) error {
	sj, err := pathSchuljahr(c)
	if err != nil {
		return err
	}
	a, b, v, err := s.Uebergang.Service.Vergleiche(c.UserContext(), sj, c.Params("id"), c.Query("mit"))
	if err != nil {
		return err
	}
	out := laufVergleichJSON{Schuljahr: sj.String(), A: laufZahlen(a, v.A), B: laufZahlen(b, v.B), Gleich: v.Gleich,
		BesserInB: v.BesserInB, SchlechterInB: v.SchlechterInB, AndereSchule: v.AndereSchule, NurInA: v.NurInA, NurInB: v.NurInB,
		Schulen: []vergleichSchuleJSON{}}
	zeilen := map[string]*vergleichSchuleJSON{}
	var order []string
	zeile := func(nr string) *vergleichSchuleJSON {
		if z, ok := zeilen[nr]; ok {
			return z
		}
		zeilen[nr] = &vergleichSchuleJSON{Schulnummer: nr}
		order = append(order, nr)
		return zeilen[nr]
	}
	for _, z := range v.A.Schulen {
		r := zeile(z.Schulnummer)
		r.AufgenommenA, r.Erstwunsch1A = z.Summe.Wert, z.Aufgenommen[1].Wert
	}
	for _, z := range v.B.Schulen {
		r := zeile(z.Schulnummer)
		r.AufgenommenB, r.Erstwunsch1B = z.Summe.Wert, z.Aufgenommen[1].Wert
	}
	slices.Sort(order)
	for _, nr := range order {
		out.Schulen = append(out.Schulen, *zeilen[nr])
	}
	return c.JSON(out)
}

package httpapi

import (
	"encoding/json"
	"fmt"
	"time"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/auth"
	sp "github.com/schulgateway/schulgateway/internal/schulpflicht"
)

// SchulpflichtDeps is what the Schulpflicht routes need.
type SchulpflichtDeps struct {
	Service *sp.Service
}

func (s *server) schulpflichtRoutes() []route {
	return []route{
		{fiber.MethodGet, "/v1/schulpflicht/voraussetzungen", editors, s.getVoraussetzungen},
		{fiber.MethodPost, "/v1/schulpflicht/abgleiche", editors, s.postAbgleich},
		{fiber.MethodGet, "/v1/schulpflicht/abgleiche/:id", editors, s.getAbgleich},
		{fiber.MethodGet, "/v1/schulpflicht/abgleiche/:id/zuordnungen", editors, s.getZuordnungen},
		{fiber.MethodPost, "/v1/schulpflicht/urteile", editors, s.postUrteil},
		{fiber.MethodGet, "/v1/schulpflicht/faelle", editors, s.getFaelle},
		{fiber.MethodGet, "/v1/schulpflicht/faelle.xlsx", editors, s.getFaelleXLSX},
		{fiber.MethodGet, "/v1/schulpflicht/faelle/:id", editors, s.getFall},
		{fiber.MethodPatch, "/v1/schulpflicht/faelle/:id", editors, s.patchFall},
	}
}

func subject(c *fiber.Ctx) string {
	p, _ := c.Locals(localPrincipal).(auth.Principal)
	return p.Subject
}

// ---- reconciliations ----

type abgleichJSON struct {
	ID         string            `json:"id"`
	Stichtag   string            `json:"stichtag"`
	Status     string            `json:"status"`
	CreatedBy  string            `json:"created_by"`
	CreatedAt  time.Time         `json:"created_at"`
	StartedAt  *time.Time        `json:"started_at"`
	FinishedAt *time.Time        `json:"finished_at"`
	Counts     abgleichZahlen    `json:"counts"`
	Detail     string            `json:"detail"`
	Links      map[string]string `json:"links"`
}

type abgleichZahlen struct {
	Residents int `json:"residents"`
	Auto      int `json:"auto"`
	Review    int `json:"review"`
	None      int `json:"none"`
}

func toAbgleichJSON(a sp.Abgleich) abgleichJSON {
	base := "/v1/schulpflicht/abgleiche/" + a.ID
	return abgleichJSON{ID: a.ID, Stichtag: a.Stichtag.Format(time.DateOnly), Status: string(a.Status), CreatedBy: a.CreatedBy,
		CreatedAt: a.CreatedAt.UTC(), StartedAt: a.StartedAt, FinishedAt: a.FinishedAt,
		Counts: abgleichZahlen{Residents: a.Anzahl.Residents, Auto: a.Anzahl.Auto, Review: a.Anzahl.Review, None: a.Anzahl.Keine},
		Detail: a.Detail, Links: map[string]string{"self": base, "zuordnungen": base + "/zuordnungen"}}
}

func (s *server) postAbgleich(c *fiber.Ctx) error {
	var in struct {
		Stichtag string `json:"stichtag"`
		// Force starts a run even without any pupil list.
		Force bool `json:"force"`
	}
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	if len(decodeErrs) > 0 {
		_, verr := sp.PruefeStichtag(in.Stichtag)
		return invalidInput(decodeErrs, verr)
	}
	a, err := s.Schulpflicht.Service.Starte(c.UserContext(), in.Stichtag, subject(c), in.Force)
	if err != nil {
		return err
	}
	c.Location("/v1/schulpflicht/abgleiche/" + a.ID)
	c.Status(fiber.StatusAccepted)
	return c.JSON(toAbgleichJSON(a))
}

type listenStandJSON struct {
	Schulnummer string  `json:"schulnummer"`
	Schulname   string  `json:"schulname"`
	Stand       *string `json:"stand"`
	AlterTage   *int    `json:"alter_tage"`
	Fehlt       bool    `json:"fehlt"`
	Veraltet    bool    `json:"veraltet"`
}

// getVoraussetzungen says before a run which schools' pupil lists are
// missing or old.
func (s *server) getVoraussetzungen(c *fiber.Ctx) error {
	v, err := s.Schulpflicht.Service.Voraussetzungen(c.UserContext())
	if err != nil {
		return err
	}
	schulen := make([]listenStandJSON, len(v.Schulen))
	for i, l := range v.Schulen {
		schulen[i] = listenStandJSON{Schulnummer: l.Schulnummer, Schulname: l.Schulname, Fehlt: l.Fehlt, Veraltet: l.Veraltet}
		if !l.Fehlt {
			stand, alter := l.Stand.UTC().Format(time.RFC3339), l.AlterTage
			schulen[i].Stand, schulen[i].AlterTage = &stand, &alter
		}
	}
	return c.JSON(fiber.Map{"max_alter_tage": v.MaxAlterTage, "keine_liste": v.KeineListe, "fehlend": v.Fehlend, "veraltet": v.Veraltet,
		"hinweis": orNull(v.Hinweis()), "schulen": schulen})
}

func (s *server) getAbgleich(c *fiber.Ctx) error {
	a, err := s.Schulpflicht.Service.Abgleich(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	return c.JSON(toAbgleichJSON(a))
}

type zuordnungEintragJSON struct {
	KindID           string       `json:"kind_id"`
	Ordnungsmerkmal  *string      `json:"ordnungsmerkmal"`
	Familienname     string       `json:"familienname"`
	Vornamen         string       `json:"vornamen"`
	Geburtsdatum     string       `json:"geburtsdatum"`
	Entscheidung     string       `json:"entscheidung"`
	Score            float64      `json:"score"`
	Uebereinstimmend []string     `json:"uebereinstimmend"`
	Begruendung      string       `json:"begruendung"`
	Schueler         *trefferJSON `json:"schueler"`
}

type trefferJSON struct {
	ID             string  `json:"id"`
	Quelle         string  `json:"quelle"`
	Schulnummer    *string `json:"schulnummer"`
	Schulname      *string `json:"schulname"`
	Schuelernummer *string `json:"schuelernummer"`
	Familienname   string  `json:"familienname"`
	Vornamen       string  `json:"vornamen"`
	Geburtsdatum   *string `json:"geburtsdatum"`
}

func toZuordnungJSON(e sp.Eintrag) zuordnungEintragJSON {
	out := zuordnungEintragJSON{KindID: fmt.Sprint(e.KindID), Ordnungsmerkmal: orNull(e.Ordnungsmerkmal), Familienname: e.Familienname,
		Vornamen: e.Vornamen, Geburtsdatum: e.Geburtsdatum.Format(time.DateOnly), Entscheidung: string(e.Entscheidung), Score: e.Score,
		Uebereinstimmend: make([]string, len(e.Uebereinstimmend)), Begruendung: e.Begruendung}
	for i, f := range e.Uebereinstimmend {
		out.Uebereinstimmend[i] = string(f)
	}
	if t := e.Schueler; t != nil {
		tj := &trefferJSON{ID: t.ID, Quelle: string(t.Quelle), Schulnummer: orNull(t.Schulnummer), Schulname: orNull(t.Schulname),
			Schuelernummer: orNull(t.Schuelernummer), Familienname: t.Familienname, Vornamen: t.Vornamen}
		if !t.Geburtsdatum.IsZero() {
			d := t.Geburtsdatum.Format(time.DateOnly)
			tj.Geburtsdatum = &d
		}
		out.Schueler = tj
	}
	return out
}

func (s *server) getZuordnungen(c *fiber.Ctx) error {
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	page, err := s.Schulpflicht.Service.Zuordnungen(c.UserContext(), c.Params("id"), c.Query("entscheidung"), after, limit)
	if err != nil {
		return err
	}
	items := make([]zuordnungEintragJSON, len(page.Items))
	for i, e := range page.Items {
		items[i] = toZuordnungJSON(e)
	}
	audit.Count(c.UserContext(), len(items))
	return sendPage(c, items, page.Next, "next_after")
}

// ---- review ----

type urteilJSON struct {
	KindID     string `json:"kind_id"`
	SchuelerID string `json:"schueler_id"`
	Bestaetigt bool   `json:"bestaetigt"`
}

func (s *server) postUrteil(c *fiber.Ctx) error {
	var in struct {
		KindID     string `json:"kind_id"`
		SchuelerID string `json:"schueler_id"`
		Bestaetigt *bool  `json:"bestaetigt"`
	}
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	e := sp.UrteilEingabe{KindID: in.KindID, SchuelerID: in.SchuelerID, Bestaetigt: in.Bestaetigt}
	if len(decodeErrs) > 0 {
		return invalidInput(decodeErrs, e.Pruefen())
	}
	u, neu, err := s.Schulpflicht.Service.Urteile(c.UserContext(), e, subject(c))
	if err != nil {
		return err
	}
	if neu {
		c.Status(fiber.StatusCreated)
	}
	return c.JSON(urteilJSON{KindID: u.ResidentID, SchuelerID: u.PupilID, Bestaetigt: u.Bestaetigt})
}

// ---- cases ----

type fallJSON struct {
	ID                 string         `json:"id"`
	KindID             string         `json:"kind_id"`
	Kind               fallKindJSON   `json:"kind"`
	Status             string         `json:"status"`
	Grund              *string        `json:"grund"`
	BefreitBis         *string        `json:"befreit_bis"`
	Anlass             *string        `json:"anlass"`
	Bemerkung          string         `json:"bemerkung"`
	AbgleichID         string         `json:"abgleich_id"`
	LetzterAbgleichID  string         `json:"letzter_abgleich_id"`
	LetzteEntscheidung string         `json:"letzte_entscheidung"`
	CreatedAt          time.Time      `json:"created_at"`
	UpdatedAt          time.Time      `json:"updated_at"`
	Historie           []historieJSON `json:"historie,omitempty"`
}

type fallKindJSON struct {
	Ordnungsmerkmal *string `json:"ordnungsmerkmal"`
	Familienname    string  `json:"familienname"`
	Vornamen        string  `json:"vornamen"`
	Geburtsdatum    string  `json:"geburtsdatum"`
	Strasse         string  `json:"strasse"`
	Hausnummer      string  `json:"hausnummer"`
	PLZ             string  `json:"plz"`
	Ort             string  `json:"ort"`
	Weggezogen      bool    `json:"weggezogen"`
}

type historieJSON struct {
	Wer       string    `json:"wer"`
	Wann      time.Time `json:"wann"`
	VonStatus *string   `json:"von_status"`
	ZuStatus  string    `json:"zu_status"`
	VonGrund  *string   `json:"von_grund"`
	ZuGrund   *string   `json:"zu_grund"`
	Bemerkung *string   `json:"bemerkung"`
}

// fallKind applies the field policy: under an Auskunftssperre only the
// school office sees the address (auth.Feldrichtlinien).
func fallKind(k sp.Kindangaben, p auth.Principal) sp.Kindangaben {
	if !auth.Sieht(p, "Fall", "kind.anschrift", k.Auskunftssperre) {
		k.Strasse, k.Hausnummer, k.PLZ, k.Ort = "", "", "", ""
	}
	return k
}

func toFallJSON(f sp.Fall, p auth.Principal) fallJSON {
	k := fallKind(f.Kind, p)
	out := fallJSON{ID: fmt.Sprint(f.ID), KindID: fmt.Sprint(f.KindID), Status: string(f.Status), Grund: orNull(string(f.Grund)),
		Bemerkung: f.Bemerkung, AbgleichID: f.AbgleichID, LetzterAbgleichID: f.LetzterAbgleichID,
		LetzteEntscheidung: string(f.LetzteEntscheidung), CreatedAt: f.CreatedAt.UTC(), UpdatedAt: f.UpdatedAt.UTC(), Anlass: orNull(f.Anlass),
		Kind: fallKindJSON{Ordnungsmerkmal: orNull(k.Ordnungsmerkmal), Familienname: k.Familienname, Vornamen: k.Vornamen,
			Geburtsdatum: k.Geburtsdatum.Format(time.DateOnly), Strasse: k.Strasse, Hausnummer: k.Hausnummer, PLZ: k.PLZ, Ort: k.Ort,
			Weggezogen: k.Weggezogen}}
	if !f.BefreitBis.IsZero() {
		bis := f.BefreitBis.Format(time.DateOnly)
		out.BefreitBis = &bis
	}
	for _, h := range f.Historie {
		out.Historie = append(out.Historie, historieJSON{Wer: h.Wer, Wann: h.Wann.UTC(), VonStatus: orNull(string(h.VonStatus)),
			ZuStatus: string(h.ZuStatus), VonGrund: orNull(string(h.VonGrund)), ZuGrund: orNull(string(h.ZuGrund)), Bemerkung: h.Bemerkung})
	}
	return out
}

func (s *server) getFaelle(c *fiber.Ctx) error {
	limit, after, err := pageQuery(c, "")
	if err != nil {
		return err
	}
	page, err := s.Schulpflicht.Service.Faelle(c.UserContext(), c.Query("status"), after, limit)
	if err != nil {
		return err
	}
	items := make([]fallJSON, len(page.Items))
	for i, f := range page.Items {
		items[i] = toFallJSON(f, principal(c))
	}
	audit.Count(c.UserContext(), len(items))
	return sendPage(c, items, page.Next, "next_after")
}

func (s *server) getFall(c *fiber.Ctx) error {
	f, err := s.Schulpflicht.Service.Fall(c.UserContext(), c.Params("id"))
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, fallETag(f.Version, f.KindStand))
	return c.JSON(toFallJSON(f, principal(c)))
}

// patchFall takes a JSON merge patch (RFC 7396) of status, grund and
// bemerkung; null clears grund or bemerkung.
func (s *server) patchFall(c *fiber.Ctx) error {
	match, err := ifMatch(c)
	if err != nil {
		return err
	}
	var in struct {
		Status    json.RawMessage `json:"status"`
		Grund     json.RawMessage `json:"grund"`
		Bemerkung json.RawMessage `json:"bemerkung" text:"max=2000,lines"`
		// BefreitBis ends an exemption: "2027-07-31", null for none.
		BefreitBis json.RawMessage `json:"befreit_bis"`
	}
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	var a sp.FallAenderung
	field := func(name string, raw json.RawMessage, nullable bool, set *bool, v *string) {
		if raw == nil {
			return
		}
		if string(raw) == "null" {
			if nullable {
				*set = true
				return
			}
		} else if json.Unmarshal(raw, v) == nil {
			*set = true
			return
		}
		what := "ein Text"
		if nullable {
			what = "ein Text oder null"
		}
		decodeErrs = append(decodeErrs, apperr.FieldError{Pointer: "/" + name, Code: "typ_falsch", Message: "Erwartet wird " + what + "."})
	}
	field("status", in.Status, false, &a.StatusSet, &a.Status)
	field("grund", in.Grund, true, &a.GrundSet, &a.Grund)
	field("bemerkung", in.Bemerkung, true, &a.BemerkungSet, &a.Bemerkung)
	field("befreit_bis", in.BefreitBis, true, &a.BefreitBisSet, &a.BefreitBis)
	if len(decodeErrs) > 0 {
		return invalidInput(decodeErrs, nil)
	}
	var passt func(sp.Fall) bool
	if match != nil {
		passt = func(f sp.Fall) bool { return match(fallETag(f.Version, f.KindStand)) }
	}
	f, err := s.Schulpflicht.Service.AendereFallWenn(c.UserContext(), c.Params("id"), a, subject(c), passt)
	if isStale(err) {
		if cur, gerr := s.Schulpflicht.Service.Fall(c.UserContext(), c.Params("id")); gerr == nil {
			return writeStale(c, err, fallETag(cur.Version, cur.KindStand), toFallJSON(cur, principal(c)))
		}
	}
	if err != nil {
		return err
	}
	c.Set(fiber.HeaderETag, fallETag(f.Version, f.KindStand))
	return c.JSON(toFallJSON(f, principal(c)))
}

var faelleKopf = []string{"Fall", "Status", "Grund", "Bemerkung", "Familienname", "Vornamen", "Geburtsdatum", "Ordnungsmerkmal",
	"Straße", "Hausnummer", "PLZ", "Ort", "weggezogen", "Letzter Abgleich", "angelegt am", "geändert am", "Anlass"}

// getFaelleXLSX exports the cases for the school office: German headers,
// frozen header row, dates as dates (TT.MM.JJJJ).
func (s *server) getFaelleXLSX(c *fiber.Ctx) error {
	faelle, err := s.Schulpflicht.Service.AlleFaelle(c.UserContext(), c.Query("status"))
	if err != nil {
		return err
	}
	tag := func(t time.Time) time.Time { // the day as the office saw it
		t = t.In(berlin())
		return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	}
	t := sheets.Table{Sheet: "Fälle", Columns: columns(16, faelleKopf...), Rows: make([][]any, len(faelle))}
	for i, x := range faelle {
		k := fallKind(x.Kind, principal(c))
		weg := ""
		if k.Weggezogen {
			weg = "ja"
		}
		t.Rows[i] = []any{x.ID, x.Status.Label(), x.Grund.Label(), x.Bemerkung, k.Familienname, k.Vornamen, k.Geburtsdatum, k.Ordnungsmerkmal,
			k.Strasse, k.Hausnummer, k.PLZ, k.Ort, weg, entscheidungLabel(x.LetzteEntscheidung), tag(x.CreatedAt), tag(x.UpdatedAt), x.Anlass}
	}
	return sendXLSX(c, "schulpflicht-faelle.xlsx", []sheets.Table{t})
}

// berlin is the office's time zone; UTC where the system has no zone data.
func berlin() *time.Location {
	if loc, err := time.LoadLocation("Europe/Berlin"); err == nil {
		return loc
	}
	return time.UTC
}

func entscheidungLabel(e sp.Entscheidung) string {
	switch e {
	case sp.Auto:
		return "Schule gefunden"
	case sp.Review:
		return "Zuordnung zu prüfen"
	}
	return "keine Schule gefunden"
}

package httpapi

import (
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/planung"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// PlanungDeps is what the Schulentwicklungsplanung routes need.
type PlanungDeps struct {
	Service *planung.Service
}

// planer may see aggregates only; no route here returns a person.
var planer = []auth.Role{auth.RolePlanung, auth.RoleSchulamt, auth.RoleAdmin}

func (s *server) planungRoutes() []route {
	return []route{
		{fiber.MethodGet, "/v1/planung/schuelerzahlen", planer, s.getSchuelerzahlen},
		{fiber.MethodGet, "/v1/planung/prognose", planer, s.getPrognose},
		{fiber.MethodPost, "/v1/planung/prognose", planer, s.postPrognose},
		{fiber.MethodGet, "/v1/planung/backtest", planer, s.getBacktest},
	}
}

func sjString(y int) string { return werte.NewSchuljahr(y).String() }

// zelleJSON is a published count: anzahl null when suppressed.
type zelleJSON struct {
	Anzahl       *int `json:"anzahl"`
	Unterdrueckt bool `json:"unterdrueckt"`
}

func toZelle(z planung.Zelle) zelleJSON {
	if z.Unterdrueckt {
		return zelleJSON{Unterdrueckt: true}
	}
	v := z.Wert
	return zelleJSON{Anzahl: &v}
}

func planungSchuljahr(c *fiber.Ctx, name string) (int, error) {
	raw := c.Query(name)
	if raw == "" {
		return 0, nil
	}
	sj, p := importing.ParseSchuljahr(raw)
	if p != nil {
		return 0, apperr.Invalid("Ungültiges Schuljahr.", []apperr.FieldError{{Pointer: "/" + name, Code: "schuljahr_ungueltig",
			Message: fmt.Sprintf("„%s“ ist kein Schuljahr. Erwartet: JJJJ-JJ, z. B. 2027-28.", raw)}})
	}
	return sj.StartYear(), nil
}

func queryInt(c *fiber.Ctx, name string, lo, hi int) (int, error) {
	raw := c.Query(name)
	if raw == "" {
		return 0, nil
	}
	n, err := strconv.Atoi(raw)
	if err != nil || n < lo || n > hi {
		return 0, apperr.Invalid("Ungültiger Parameter.", []apperr.FieldError{{Pointer: "/" + name, Code: "ausserhalb_bereich",
			Message: fmt.Sprintf("%s muss eine ganze Zahl von %d bis %d sein.", name, lo, hi)}})
	}
	return n, nil
}

// planungFormat reads format=json|csv|xlsx (default json).
func planungFormat(c *fiber.Ctx) (string, error) {
	switch f := c.Query("format"); f {
	case "", "json":
		return "json", nil
	case "csv", "xlsx":
		return f, nil
	default:
		return "", apperr.Invalid("Ungültiges Format.", []apperr.FieldError{{Pointer: "/format", Code: "format_unbekannt",
			Message: fmt.Sprintf("„%s“ ist kein Format. Erlaubt: json, csv, xlsx.", f)}})
	}
}

// ---- pupil numbers ----

type schuelerzahlZeileJSON struct {
	Schulnummer string      `json:"schulnummer"`
	Name        string      `json:"name"`
	Stufen      []zelleJSON `json:"jahrgangsstufen"`
	Summe       zelleJSON   `json:"summe"`
}

type schuelerzahlJahrJSON struct {
	Schuljahr       string                  `json:"schuljahr"`
	Jahrgangsstufen []int                   `json:"jahrgangsstufen"`
	Items           []schuelerzahlZeileJSON `json:"items"`
	Summen          []zelleJSON             `json:"summen"`
	Gesamt          zelleJSON               `json:"gesamt"`
}

type schuelerzahlenJSON struct {
	Schwelle   int                    `json:"schwelle"`
	Schuljahre []string               `json:"schuljahre"`
	Jahre      []schuelerzahlJahrJSON `json:"jahre"`
}

func (s *server) getSchuelerzahlen(c *fiber.Ctx) error {
	von, err := planungSchuljahr(c, "von")
	if err != nil {
		return err
	}
	bis, err := planungSchuljahr(c, "bis")
	if err != nil {
		return err
	}
	if von != 0 && bis != 0 && bis < von {
		return apperr.Invalid("Ungültiger Zeitraum.", []apperr.FieldError{{Pointer: "/bis", Code: "vor_von",
			Message: "bis liegt vor von."}})
	}
	format, err := planungFormat(c)
	if err != nil {
		return err
	}
	tabellen, alle, err := s.Planung.Service.Schuelerzahlen(c.UserContext(), von, bis)
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		return sendCSV(c, "schuelerzahlen.csv", schuelerzahlenTabelle(tabellen))
	case "xlsx":
		return s.sendSchuelerzahlenXLSX(c, tabellen)
	}
	out := schuelerzahlenJSON{Schwelle: s.Planung.Service.Schwelle, Schuljahre: []string{}, Jahre: []schuelerzahlJahrJSON{}}
	for _, y := range alle {
		out.Schuljahre = append(out.Schuljahre, sjString(y))
	}
	for _, z := range tabellen {
		j := schuelerzahlJahrJSON{Schuljahr: sjString(z.Schuljahr), Jahrgangsstufen: z.Tabelle.Spalten, Gesamt: toZelle(z.Tabelle.Gesamt),
			Items: []schuelerzahlZeileJSON{}, Summen: []zelleJSON{}}
		if j.Jahrgangsstufen == nil {
			j.Jahrgangsstufen = []int{}
		}
		for i, sch := range z.Schulen {
			row := schuelerzahlZeileJSON{Schulnummer: sch.Schulnummer, Name: sch.Name, Summe: toZelle(z.Tabelle.ZeilenSummen[i]), Stufen: []zelleJSON{}}
			for _, cell := range z.Tabelle.Zellen[i] {
				row.Stufen = append(row.Stufen, toZelle(cell))
			}
			j.Items = append(j.Items, row)
		}
		for _, cell := range z.Tabelle.SpaltenSummen {
			j.Summen = append(j.Summen, toZelle(cell))
		}
		out.Jahre = append(out.Jahre, j)
	}
	return c.JSON(out)
}

// ---- forecast ----

type prognoseItemJSON struct {
	Schulnummer    string   `json:"schulnummer"`
	Schuljahr      string   `json:"schuljahr"`
	Jahrgangsstufe int      `json:"jahrgangsstufe"`
	Anzahl         *int     `json:"anzahl"`
	Wert           *float64 `json:"wert"`
	Unterdrueckt   bool     `json:"unterdrueckt"`
}

type prognoseJahrJSON struct {
	Schuljahr    string   `json:"schuljahr"`
	Anzahl       *int     `json:"anzahl"`
	Wert         *float64 `json:"wert"`
	Eingang      *int     `json:"eingangsklasse"`
	Unterdrueckt bool     `json:"unterdrueckt"`
	Flags        []string `json:"flags"`
}

type prognoseKohorteJSON struct {
	Schuljahr       string   `json:"schuljahr"`
	Anzahl          *int     `json:"anzahl"`
	Wert            *float64 `json:"wert"`
	Fortgeschrieben bool     `json:"fortgeschrieben"`
	Unterdrueckt    bool     `json:"unterdrueckt"`
}

type quoteJSON struct {
	Wert         *float64 `json:"wert"`
	Unterdrueckt bool     `json:"unterdrueckt"`
}

type prognoseSchuleJSON struct {
	Schulnummer      string                 `json:"schulnummer"`
	Name             string                 `json:"name"`
	Schulart         string                 `json:"schulart"`
	Kapazitaet       int                    `json:"kapazitaet"`
	Zugkapazitaet    int                    `json:"zugkapazitaet"`
	Mindestgroesse   planung.Mindestgroesse `json:"mindestgroesse"`
	Eingangsquote    *quoteJSON             `json:"eingangsquote"`
	Uebergangsquote  *quoteJSON             `json:"uebergangsquote"`
	Durchgangsquoten map[string]quoteJSON   `json:"durchgangsquoten"`
	Erstmals         map[string]string      `json:"erstmals"`
	Jahre            []prognoseJahrJSON     `json:"jahre"`
	Kohorten         []prognoseKohorteJSON  `json:"kohorten"`
}

type differenzJSON struct {
	Schulnummer string   `json:"schulnummer"`
	Schuljahr   string   `json:"schuljahr"`
	Basis       *int     `json:"basis"`
	Szenario    *int     `json:"szenario"`
	Differenz   *int     `json:"differenz"`
	FlagsNeu    []string `json:"flags_neu"`
	FlagsWeg    []string `json:"flags_weg"`
}

type prognoseJSON struct {
	Ab          string               `json:"ab"`
	Bis         string               `json:"bis"`
	K           int                  `json:"k"`
	Schwelle    int                  `json:"schwelle"`
	Items       []prognoseItemJSON   `json:"items"`
	Schulen     []prognoseSchuleJSON `json:"schulen"`
	Differenzen []differenzJSON      `json:"differenzen,omitempty"`
}

func ptr[T any](v T) *T { return &v }

// shown is v unless suppressed (then nil).
func shown[T any](v T, suppressed bool) *T {
	if suppressed {
		return nil
	}
	return &v
}

func toQuote(q *float64, suppressed bool) *quoteJSON {
	if q == nil {
		return nil
	}
	return &quoteJSON{Wert: shown(*q, suppressed), Unterdrueckt: suppressed}
}

func (s *server) toPrognoseJSON(p planung.Prognose, mg map[planung.Schulart]planung.Mindestgroesse) prognoseJSON {
	out := prognoseJSON{Ab: sjString(p.Ab), Bis: sjString(p.Bis), K: p.K, Schwelle: s.Planung.Service.Schwelle,
		Items: []prognoseItemJSON{}, Schulen: []prognoseSchuleJSON{}}
	for _, sp := range p.Schulen {
		sch := prognoseSchuleJSON{Schulnummer: sp.Schule.Schulnummer, Name: sp.Schule.Name, Schulart: string(sp.Schule.Art),
			Kapazitaet: sp.Schule.Gesamtkapazitaet(), Zugkapazitaet: sp.Schule.Zugkapazitaet(), Mindestgroesse: mg[sp.Schule.Art],
			Durchgangsquoten: map[string]quoteJSON{}, Erstmals: map[string]string{}, Jahre: []prognoseJahrJSON{}, Kohorten: []prognoseKohorteJSON{}}
		if sp.Schule.Art == planung.Grundschule {
			sch.Eingangsquote = toQuote(sp.Eingangsquote, sp.EingangsquoteUnterdrueckt)
		} else {
			sch.Uebergangsquote = toQuote(sp.Eingangsquote, sp.EingangsquoteUnterdrueckt)
		}
		for g, q := range sp.Durchgangsquoten {
			sch.Durchgangsquoten[strconv.Itoa(g)] = *toQuote(&q, sp.DurchgangsquotenUnterdrueckt[g])
		}
		for f, y := range sp.Erstmals {
			sch.Erstmals[f] = sjString(y)
		}
		for _, j := range sp.Jahre {
			flags := j.Flags
			if flags == nil {
				flags = []string{}
			}
			sch.Jahre = append(sch.Jahre, prognoseJahrJSON{Schuljahr: sjString(j.Schuljahr), Anzahl: shown(j.Anzahl, j.Unterdrueckt),
				Wert: shown(j.Wert, j.Unterdrueckt), Eingang: shown(j.Eingang, j.Unterdrueckt), Unterdrueckt: j.Unterdrueckt, Flags: flags})
		}
		for _, k := range sp.Kohorten {
			sch.Kohorten = append(sch.Kohorten, prognoseKohorteJSON{Schuljahr: sjString(k.Schuljahr), Anzahl: shown(planung.Round(k.Wert), k.Unterdrueckt),
				Wert: shown(k.Wert, k.Unterdrueckt), Fortgeschrieben: k.Fortgeschrieben, Unterdrueckt: k.Unterdrueckt})
		}
		for _, w := range sp.Werte {
			out.Items = append(out.Items, prognoseItemJSON{Schulnummer: sp.Schule.Schulnummer, Schuljahr: sjString(w.Schuljahr), Jahrgangsstufe: w.Jahrgangsstufe,
				Anzahl: shown(w.Anzahl, w.Unterdrueckt), Wert: shown(w.Wert, w.Unterdrueckt), Unterdrueckt: w.Unterdrueckt})
		}
		out.Schulen = append(out.Schulen, sch)
	}
	return out
}

// prognoseParameter reads ab, jahre and k of the query.
func prognoseParameter(c *fiber.Ctx) (planung.Parameter, error) {
	var p planung.Parameter
	var err error
	if p.Ab, err = planungSchuljahr(c, "ab"); err != nil {
		return p, err
	}
	if p.Jahre, err = queryInt(c, "jahre", 1, 20); err != nil {
		return p, err
	}
	if p.K, err = queryInt(c, "k", 1, 10); err != nil {
		return p, err
	}
	return p, nil
}

var errKeineSchuelerzahlen = apperr.NotFound("Für eine Prognose liegen keine Schülerzahlen vor.")

// nurSchule keeps one school when the query names one.
func nurSchule(c *fiber.Ctx, p planung.Prognose) (planung.Prognose, error) {
	if nr := c.Query("schulnummer"); nr != "" {
		out, ok := p.Nur(nr)
		if !ok {
			return out, apperr.NotFound(fmt.Sprintf("Für die Schule %s gibt es keine Prognose.", nr))
		}
		return out, nil
	}
	return p, nil
}

func (s *server) getPrognose(c *fiber.Ctx) error {
	p, err := prognoseParameter(c)
	if err != nil {
		return err
	}
	format, err := planungFormat(c)
	if err != nil {
		return err
	}
	out, err := s.Planung.Service.Prognose(c.UserContext(), p)
	if errors.Is(err, planung.ErrKeineDaten) {
		return errKeineSchuelerzahlen
	}
	if err != nil {
		return err
	}
	if out, err = nurSchule(c, out); err != nil {
		return err
	}
	return s.sendPrognose(c, format, out, nil)
}

func (s *server) sendPrognose(c *fiber.Ctx, format string, p planung.Prognose, diffs []planung.Differenz) error {
	mg := s.Planung.Service.Mindestgroessen
	switch format {
	case "csv":
		return sendCSV(c, "prognose.csv", prognoseTabelle(p))
	case "xlsx":
		return s.sendPrognoseXLSX(c, p)
	}
	out := s.toPrognoseJSON(p, mg)
	for _, d := range diffs {
		dj := differenzJSON{Schulnummer: d.Schulnummer, Schuljahr: sjString(d.Schuljahr), Basis: shown(d.Basis, d.Unterdrueckt),
			Szenario: shown(d.Szenario, d.Unterdrueckt), Differenz: shown(d.Differenz, d.Unterdrueckt), FlagsNeu: d.FlagsNeu, FlagsWeg: d.FlagsWeg}
		if dj.FlagsNeu == nil {
			dj.FlagsNeu = []string{}
		}
		if dj.FlagsWeg == nil {
			dj.FlagsWeg = []string{}
		}
		out.Differenzen = append(out.Differenzen, dj)
	}
	if diffs != nil && out.Differenzen == nil {
		out.Differenzen = []differenzJSON{}
	}
	return c.JSON(out)
}

// ---- scenario: POST /v1/planung/prognose ----

type szenarioInput struct {
	Ab               string                        `json:"ab"`
	Jahre            int                           `json:"jahre"`
	K                int                           `json:"k"`
	Eingangsquoten   map[string]float64            `json:"eingangsquoten"`
	Uebergangsquoten map[string]float64            `json:"uebergangsquoten"`
	Durchgangsquoten map[string]map[string]float64 `json:"durchgangsquoten"`
	Zusaetze         []szenarioZusatzInput         `json:"zusaetze"`
}

type szenarioZusatzInput struct {
	Schulnummer   string  `json:"schulnummer"`
	KinderProJahr float64 `json:"kinder_pro_jahr"`
	Ab            string  `json:"ab"`
}

// postPrognose forecasts with the body's overrides (a scenario) and lists
// per school and year how it differs from the forecast without them.
func (s *server) postPrognose(c *fiber.Ctx) error {
	format, err := planungFormat(c)
	if err != nil {
		return err
	}
	var in szenarioInput
	decodeErrs, err := decodeJSON(c, &in)
	if err != nil {
		return err
	}
	fields := append([]apperr.FieldError(nil), decodeErrs...)
	bad := func(ptr, code, msg string) {
		fields = append(fields, apperr.FieldError{Pointer: ptr, Code: code, Message: msg})
	}
	p := planung.Parameter{Jahre: in.Jahre, K: in.K, Quoten: planung.Quoten{Eingang: in.Eingangsquoten, Uebergang: in.Uebergangsquoten}}
	year := func(ptr, raw string) int {
		if raw == "" {
			return 0
		}
		sj, pr := importing.ParseSchuljahr(raw)
		if pr != nil {
			bad(ptr, "schuljahr_ungueltig", fmt.Sprintf("„%s“ ist kein Schuljahr. Erwartet: JJJJ-JJ.", raw))
			return 0
		}
		return sj.StartYear()
	}
	p.Ab = year("/ab", in.Ab)
	if in.Jahre < 0 || in.Jahre > 20 {
		bad("/jahre", "ausserhalb_bereich", "jahre muss von 1 bis 20 reichen.")
	}
	if in.K < 0 || in.K > 10 {
		bad("/k", "ausserhalb_bereich", "k muss von 1 bis 10 reichen.")
	}
	for nr, q := range in.Eingangsquoten {
		if q < 0 {
			bad("/eingangsquoten/"+nr, "negativ", "Eine Quote kann nicht negativ sein.")
		}
	}
	for nr, q := range in.Uebergangsquoten {
		if q < 0 {
			bad("/uebergangsquoten/"+nr, "negativ", "Eine Quote kann nicht negativ sein.")
		}
	}
	if len(in.Durchgangsquoten) > 0 {
		p.Quoten.Durchgang = map[string]map[int]float64{}
		for nr, m := range in.Durchgangsquoten {
			p.Quoten.Durchgang[nr] = map[int]float64{}
			for gs, q := range m {
				g, err := strconv.Atoi(gs)
				if err != nil || g < 2 || g > 13 || q < 0 {
					bad("/durchgangsquoten/"+nr+"/"+gs, "ungueltig", "Erwartet: Jahrgangsstufe 2 bis 13 mit einer Quote ≥ 0.")
					continue
				}
				p.Quoten.Durchgang[nr][g] = q
			}
		}
	}
	for i, z := range in.Zusaetze {
		if z.Schulnummer == "" {
			bad(fmt.Sprintf("/zusaetze/%d/schulnummer", i), "pflichtfeld_leer", "Die Schulnummer fehlt.")
		}
		p.Zusaetze = append(p.Zusaetze, planung.Zusatz{Schulnummer: z.Schulnummer, KinderProJahr: z.KinderProJahr, Ab: year(fmt.Sprintf("/zusaetze/%d/ab", i), z.Ab)})
	}
	if len(fields) > 0 {
		return apperr.Invalid("Das Szenario ist unvollständig oder fehlerhaft.", fields)
	}
	basis, sz, diffs, err := s.Planung.Service.Szenario(c.UserContext(), p)
	if errors.Is(err, planung.ErrKeineDaten) {
		return errKeineSchuelerzahlen
	}
	if err != nil {
		return err
	}
	// Overrides and additions must name a school of the forecast (an
	// addition and an Eingangsquote: a Grundschule, whose Bezirk it is).
	unbekannt := func(ptr, nr string, nurGS bool) {
		sp, ok := basis.Schule(nr)
		if !ok || (nurGS && sp.Schule.Art != planung.Grundschule) {
			bad(ptr, "schule_unbekannt", fmt.Sprintf("%s ist keine Schule der Prognose%s.", nr, map[bool]string{true: " (erwartet: eine Grundschule)"}[nurGS]))
		}
	}
	for nr := range in.Eingangsquoten {
		unbekannt("/eingangsquoten/"+nr, nr, true)
	}
	for nr := range in.Uebergangsquoten {
		unbekannt("/uebergangsquoten/"+nr, nr, false)
	}
	for nr := range in.Durchgangsquoten {
		unbekannt("/durchgangsquoten/"+nr, nr, false)
	}
	for i, z := range in.Zusaetze {
		unbekannt(fmt.Sprintf("/zusaetze/%d/schulnummer", i), z.Schulnummer, true)
	}
	if len(fields) > 0 {
		return apperr.Invalid("Das Szenario nennt Schulen, die es nicht gibt.", fields)
	}
	if sz, err = nurSchule(c, sz); err != nil {
		return err
	}
	if nr := c.Query("schulnummer"); nr != "" {
		var nur []planung.Differenz
		for _, d := range diffs {
			if d.Schulnummer == nr {
				nur = append(nur, d)
			}
		}
		diffs = nur
	}
	if diffs == nil {
		diffs = []planung.Differenz{}
	}
	return s.sendPrognose(c, format, sz, diffs)
}

// ---- back-test ----

type vergleichJSON struct {
	Schulnummer  string   `json:"schulnummer"`
	Schuljahr    string   `json:"schuljahr"`
	Prognose     *float64 `json:"prognose"`
	Ist          *int     `json:"ist"`
	Fehler       *float64 `json:"fehler"`
	APE          *float64 `json:"ape"`
	Unterdrueckt bool     `json:"unterdrueckt"`
}

type backtestJSON struct {
	Ab        string          `json:"ab"`
	Bis       string          `json:"bis"`
	K         int             `json:"k"`
	Jahre     int             `json:"jahre"`
	MAPE      *float64        `json:"mape"`
	N         int             `json:"n"`
	OhneIst   int             `json:"ohne_ist"`
	OhneQuote int             `json:"ohne_quote"`
	Items     []vergleichJSON `json:"items"`
}

func (s *server) getBacktest(c *fiber.Ctx) error {
	jahre, err := queryInt(c, "jahre", 1, 10)
	if err != nil {
		return err
	}
	k, err := queryInt(c, "k", 1, 10)
	if err != nil {
		return err
	}
	format, err := planungFormat(c)
	if err != nil {
		return err
	}
	r, err := s.Planung.Service.Backtest(c.UserContext(), jahre, planung.Parameter{K: k})
	if errors.Is(err, planung.ErrKeineDaten) {
		return apperr.NotFound("Für einen Rückblick liegen nicht genug Schülerzahlen vor: es braucht Jahre vor dem ersten verglichenen.")
	}
	if err != nil {
		return err
	}
	switch format {
	case "csv":
		return sendCSV(c, "backtest.csv", backtestTabelle(r))
	case "xlsx":
		return sendXLSX(c, "backtest.xlsx", []sheets.Table{backtestTabelle(r)})
	}
	out := backtestJSON{Ab: sjString(r.Ab), Bis: sjString(r.Bis), K: r.K, Jahre: r.Jahre, N: r.N, OhneIst: r.OhneIst, OhneQuote: r.OhneQuote, Items: []vergleichJSON{}}
	if r.MAPE != nil {
		out.MAPE = r.MAPE
	}
	for _, v := range r.Vergleiche {
		vj := vergleichJSON{Schulnummer: v.Schulnummer, Schuljahr: sjString(v.Schuljahr), Unterdrueckt: v.Unterdrueckt,
			Prognose: shown(v.Prognose, v.Unterdrueckt), Ist: shown(v.Ist, v.Unterdrueckt), Fehler: shown(v.Fehler, v.Unterdrueckt)}
		if v.APE != nil && !v.Unterdrueckt {
			vj.APE = ptr(100 * *v.APE)
		}
		out.Items = append(out.Items, vj)
	}
	return c.JSON(out)
}

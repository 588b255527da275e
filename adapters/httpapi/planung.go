package httpapi

import (
	"bytes"
	"errors"
	"fmt"
	"strconv"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/auth"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/planung"
)

// PlanungDeps is what the Schulentwicklungsplanung routes need.
type PlanungDeps struct {
	Service *planung.Service
}

// planer may see aggregates only; no route here returns a person.
var planer = []auth.Role{auth.RolePlanung, auth.RoleAdmin}

func (s *server) planungRoutes() []route {
	return []route{
		{fiber.MethodGet, "/v1/planung/schuelerzahlen", planer, s.getSchuelerzahlen},
		{fiber.MethodGet, "/v1/planung/prognose", planer, s.getPrognose},
		{fiber.MethodGet, "/v1/planung/prognose.xlsx", planer, s.getPrognoseXLSX},
		{fiber.MethodPost, "/v1/planung/szenarien/berechnen", planer, s.postSzenario},
	}
}

func sjString(y int) string { return importing.NewSchuljahr(y).String() }

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

type schuelerzahlZeileJSON struct {
	Schulnummer string      `json:"schulnummer"`
	Name        string      `json:"name"`
	Stufen      []zelleJSON `json:"jahrgangsstufen"`
	Summe       zelleJSON   `json:"summe"`
}

type schuelerzahlenJSON struct {
	Schuljahr       string                  `json:"schuljahr"`
	Schuljahre      []string                `json:"schuljahre"`
	Schwelle        int                     `json:"schwelle"`
	Jahrgangsstufen []int                   `json:"jahrgangsstufen"`
	Items           []schuelerzahlZeileJSON `json:"items"`
	Summen          []zelleJSON             `json:"summen"`
	Gesamt          zelleJSON               `json:"gesamt"`
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

func (s *server) getSchuelerzahlen(c *fiber.Ctx) error {
	jahr, err := planungSchuljahr(c, "schuljahr")
	if err != nil {
		return err
	}
	z, err := s.Planung.Service.Schuelerzahlen(c.UserContext(), jahr)
	if err != nil {
		return err
	}
	if jahr != 0 && !containsInt(z.Jahre, jahr) {
		return apperr.NotFound(fmt.Sprintf("Für das Schuljahr %s liegen keine Schülerzahlen vor.", sjString(jahr)))
	}
	out := schuelerzahlenJSON{Schwelle: s.Planung.Service.Schwelle, Jahrgangsstufen: z.Tabelle.Spalten, Gesamt: toZelle(z.Tabelle.Gesamt),
		Items: []schuelerzahlZeileJSON{}, Schuljahre: []string{}, Summen: []zelleJSON{}}
	if out.Jahrgangsstufen == nil {
		out.Jahrgangsstufen = []int{}
	}
	if z.Schuljahr != 0 {
		out.Schuljahr = sjString(z.Schuljahr)
	}
	for _, y := range z.Jahre {
		out.Schuljahre = append(out.Schuljahre, sjString(y))
	}
	for i, sch := range z.Schulen {
		row := schuelerzahlZeileJSON{Schulnummer: sch.Schulnummer, Name: sch.Name, Summe: toZelle(z.Tabelle.ZeilenSummen[i]), Stufen: []zelleJSON{}}
		for _, cell := range z.Tabelle.Zellen[i] {
			row.Stufen = append(row.Stufen, toZelle(cell))
		}
		out.Items = append(out.Items, row)
	}
	for _, cell := range z.Tabelle.SpaltenSummen {
		out.Summen = append(out.Summen, toZelle(cell))
	}
	return c.JSON(out)
}

func containsInt(xs []int, x int) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}

// ---- forecast ----

type prognoseWertJSON struct {
	Schuljahr      string  `json:"schuljahr"`
	Jahrgangsstufe int     `json:"jahrgangsstufe"`
	Anzahl         int     `json:"anzahl"`
	Wert           float64 `json:"wert"`
}

type prognoseJahrJSON struct {
	Schuljahr string   `json:"schuljahr"`
	Anzahl    int      `json:"anzahl"`
	Wert      float64  `json:"wert"`
	Eingang   int      `json:"eingangsklasse"`
	Flags     []string `json:"flags"`
}

type prognoseSchuleJSON struct {
	Schulnummer      string             `json:"schulnummer"`
	Name             string             `json:"name"`
	Schulart         string             `json:"schulart"`
	Eingangsquote    *float64           `json:"eingangsquote"`
	Durchgangsquoten map[string]float64 `json:"durchgangsquoten"`
	Kapazitaet       int                `json:"kapazitaet"`
	Zugkapazitaet    int                `json:"zugkapazitaet"`
	Erstmals         map[string]string  `json:"erstmals"`
	Jahre            []prognoseJahrJSON `json:"jahre"`
	Items            []prognoseWertJSON `json:"items"`
}

type prognoseJSON struct {
	Ab      string               `json:"ab"`
	Bis     string               `json:"bis"`
	K       int                  `json:"k"`
	Schulen []prognoseSchuleJSON `json:"schulen"`
}

func toPrognoseJSON(p planung.Prognose) prognoseJSON {
	out := prognoseJSON{Ab: sjString(p.Ab), Bis: sjString(p.Bis), K: p.K, Schulen: []prognoseSchuleJSON{}}
	for _, sp := range p.Schulen {
		sch := prognoseSchuleJSON{Schulnummer: sp.Schule.Schulnummer, Name: sp.Schule.Name, Schulart: string(sp.Schule.Art),
			Eingangsquote: sp.Eingangsquote, Durchgangsquoten: map[string]float64{}, Kapazitaet: sp.Schule.Gesamtkapazitaet(),
			Zugkapazitaet: sp.Schule.Zugkapazitaet(), Erstmals: map[string]string{}, Jahre: []prognoseJahrJSON{}, Items: []prognoseWertJSON{}}
		for g, q := range sp.Durchgangsquoten {
			sch.Durchgangsquoten[strconv.Itoa(g)] = q
		}
		for f, y := range sp.Erstmals {
			sch.Erstmals[f] = sjString(y)
		}
		for _, j := range sp.Jahre {
			flags := j.Flags
			if flags == nil {
				flags = []string{}
			}
			sch.Jahre = append(sch.Jahre, prognoseJahrJSON{Schuljahr: sjString(j.Schuljahr), Anzahl: j.Anzahl, Wert: j.Wert, Eingang: j.Eingang, Flags: flags})
		}
		for _, w := range sp.Werte {
			sch.Items = append(sch.Items, prognoseWertJSON{Schuljahr: sjString(w.Schuljahr), Jahrgangsstufe: w.Jahrgangsstufe, Anzahl: w.Anzahl, Wert: w.Wert})
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

func (s *server) prognose(c *fiber.Ctx) (planung.Prognose, error) {
	p, err := prognoseParameter(c)
	if err != nil {
		return planung.Prognose{}, err
	}
	out, err := s.Planung.Service.Prognose(c.UserContext(), p)
	if errors.Is(err, planung.ErrKeineDaten) {
		return out, apperr.NotFound("Für eine Prognose liegen keine Schülerzahlen vor.")
	}
	if err != nil {
		return out, err
	}
	if nr := c.Query("schulnummer"); nr != "" {
		var ok bool
		if out, ok = out.Nur(nr); !ok {
			return out, apperr.NotFound(fmt.Sprintf("Für die Schule %s gibt es keine Prognose.", nr))
		}
	}
	return out, nil
}

func (s *server) getPrognose(c *fiber.Ctx) error {
	p, err := s.prognose(c)
	if err != nil {
		return err
	}
	return c.JSON(toPrognoseJSON(p))
}

// ---- scenario ----

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

type differenzJSON struct {
	Schulnummer string   `json:"schulnummer"`
	Schuljahr   string   `json:"schuljahr"`
	Basis       int      `json:"basis"`
	Szenario    int      `json:"szenario"`
	Differenz   int      `json:"differenz"`
	FlagsNeu    []string `json:"flags_neu"`
	FlagsWeg    []string `json:"flags_weg"`
}

type szenarioJSON struct {
	Basis       prognoseJSON    `json:"basis"`
	Szenario    prognoseJSON    `json:"szenario"`
	Differenzen []differenzJSON `json:"differenzen"`
}

func (s *server) postSzenario(c *fiber.Ctx) error {
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
		return apperr.NotFound("Für eine Prognose liegen keine Schülerzahlen vor.")
	}
	if err != nil {
		return err
	}
	// Overrides and additions must name a school of the forecast (an
	// addition: a Grundschule, whose Bezirk gets the children).
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
	out := szenarioJSON{Basis: toPrognoseJSON(basis), Szenario: toPrognoseJSON(sz), Differenzen: []differenzJSON{}}
	for _, d := range diffs {
		dj := differenzJSON{Schulnummer: d.Schulnummer, Schuljahr: sjString(d.Schuljahr), Basis: d.Basis, Szenario: d.Szenario, Differenz: d.Differenz,
			FlagsNeu: d.FlagsNeu, FlagsWeg: d.FlagsWeg}
		if dj.FlagsNeu == nil {
			dj.FlagsNeu = []string{}
		}
		if dj.FlagsWeg == nil {
			dj.FlagsWeg = []string{}
		}
		out.Differenzen = append(out.Differenzen, dj)
	}
	return c.JSON(out)
}

// ---- workbook ----

// getPrognoseXLSX writes one sheet per school: the forecast per year with
// capacity and minimum size, and a line chart of forecast against capacity.
func (s *server) getPrognoseXLSX(c *fiber.Ctx) error {
	p, err := s.prognose(c)
	if err != nil {
		return err
	}
	f := excelize.NewFile()
	defer f.Close()
	mg := s.Planung.Service.Mindestgroessen
	first := true
	for _, sp := range p.Schulen {
		name := sp.Schule.Schulnummer
		if first {
			if err := f.SetSheetName("Sheet1", name); err != nil {
				return err
			}
			first = false
		} else if _, err := f.NewSheet(name); err != nil {
			return err
		}
		header := []any{"Schuljahr", "Prognose Schüler", "Kapazität", "Mindestgröße", "Eingangsklasse", "Hinweise"}
		if err := f.SetSheetRow(name, "A1", &header); err != nil {
			return err
		}
		for i, j := range sp.Jahre {
			hinweise := ""
			for k, fl := range j.Flags {
				if k > 0 {
					hinweise += ", "
				}
				hinweise += fl
			}
			row := []any{sjString(j.Schuljahr), j.Anzahl, sp.Schule.Gesamtkapazitaet(), mg[sp.Schule.Art].Schueler, j.Eingang, hinweise}
			if err := f.SetSheetRow(name, fmt.Sprintf("A%d", i+2), &row); err != nil {
				return err
			}
		}
		_ = f.SetPanes(name, &excelize.Panes{Freeze: true, Split: false, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
		_ = f.SetColWidth(name, "A", "E", 16)
		_ = f.SetColWidth(name, "F", "F", 48)
		n := len(sp.Jahre) + 1
		if n < 2 {
			continue
		}
		series := func(col string) excelize.ChartSeries {
			return excelize.ChartSeries{Name: fmt.Sprintf("'%s'!$%s$1", name, col), Categories: fmt.Sprintf("'%s'!$A$2:$A$%d", name, n),
				Values: fmt.Sprintf("'%s'!$%s$2:$%s$%d", name, col, col, n)}
		}
		if err := f.AddChart(name, "H2", &excelize.Chart{
			Type:   excelize.Line,
			Series: []excelize.ChartSeries{series("B"), series("C"), series("D")},
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: fmt.Sprintf("%s %s: Prognose und Kapazität", sp.Schule.Schulnummer, sp.Schule.Name)}}},
		}); err != nil {
			return err
		}
	}
	if first {
		return apperr.NotFound("Keine Schule mit Prognose.")
	}
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, `attachment; filename="prognose.xlsx"`)
	return c.Send(buf.Bytes())
}

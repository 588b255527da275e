package httpapi

import (
	"fmt"
	"strings"

	"github.com/gofiber/fiber/v2"

	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/planung"
)

// gesperrt marks a suppressed cell in CSV and xlsx exports.
const gesperrt = "•"

// A planner's export is a sheets.Table: German headers and rows of int,
// float64 (numbers), string, or nil (empty); widths fit the contents.

// zelleOder is the value of a cell or the suppression mark.
func zelleOder(v any, suppressed bool) any {
	if suppressed {
		return gesperrt
	}
	return v
}

var schulartLabel = map[planung.Schulart]string{
	planung.Grundschule: "Grundschulen", planung.Sekundarschule: "Sekundarschulen", planung.Gymnasium: "Gymnasien",
}

// diagrammSchule is one school in a chart: its totals per year (nil:
// suppressed) against its capacity and the minimum size of its Schulart.
type diagrammSchule struct {
	Schule planung.Schule
	Werte  map[int]*float64
}

// diagramme are per Schulart a data table ("Daten …": school, capacity,
// minimum size, the total of each year) and a chart sheet ("Diagramm …"):
// columns for capacity and the first and last year, a line for the
// minimum size of the SEPl-VO.
func diagramme(jahre []int, schulen []diagrammSchule, mg map[planung.Schulart]planung.Mindestgroesse, was string) ([]sheets.Table, []sheets.Chart) {
	if len(jahre) == 0 {
		return nil, nil
	}
	var tables []sheets.Table
	var charts []sheets.Chart
	for _, art := range []planung.Schulart{planung.Grundschule, planung.Sekundarschule, planung.Gymnasium} {
		t := sheets.Table{Sheet: "Daten " + schulartLabel[art], Columns: columns(0, "Schulnummer", "Schule", "Kapazität", "Mindestgröße")}
		for _, y := range jahre {
			t.Columns = append(t.Columns, sheets.Column{Header: was + " " + sjString(y)})
		}
		for _, ds := range schulen {
			if ds.Schule.Art != art {
				continue
			}
			name := ds.Schule.Name
			if name == "" {
				name = ds.Schule.Schulnummer
			}
			row := []any{ds.Schule.Schulnummer, name, ds.Schule.Gesamtkapazitaet(), mg[art].Schueler}
			for _, y := range jahre {
				if v, ok := ds.Werte[y]; !ok {
					row = append(row, nil)
				} else if v == nil {
					row = append(row, gesperrt)
				} else {
					row = append(row, planung.Round(*v))
				}
			}
			t.Rows = append(t.Rows, row)
		}
		if len(t.Rows) == 0 {
			continue
		}
		bars := []int{2, 4}
		if len(jahre) > 1 {
			bars = append(bars, 3+len(jahre))
		}
		tables = append(tables, t)
		charts = append(charts, sheets.Chart{Sheet: "Diagramm " + schulartLabel[art], Data: t.Sheet,
			Title:      fmt.Sprintf("%s: %s gegen Kapazität und Mindestgröße der SEPl-VO", schulartLabel[art], was),
			Categories: 1, Bars: bars, Lines: []int{3}})
	}
	return tables, charts
}

// ---- the tables ----

func schuelerzahlenTabelle(tabellen []planung.Schuelerzahlen) sheets.Table {
	stufen := map[int]bool{}
	for _, z := range tabellen {
		for _, g := range z.Tabelle.Spalten {
			stufen[g] = true
		}
	}
	var spalten []int
	for g := 1; g <= 13; g++ {
		if stufen[g] {
			spalten = append(spalten, g)
		}
	}
	t := sheets.Table{Sheet: "Schülerzahlen", Columns: columns(0, "Schuljahr", "Schulnummer", "Schule")}
	for _, g := range spalten {
		t.Columns = append(t.Columns, sheets.Column{Header: fmt.Sprintf("Jahrgangsstufe %d", g)})
	}
	t.Columns = append(t.Columns, sheets.Column{Header: "Summe"})
	zeile := func(sj int, nr, name string, zellen []planung.Zelle, spaltenDerTabelle []int, summe planung.Zelle) []any {
		row := []any{sjString(sj), nr, name}
		for _, g := range spalten {
			var v any
			for j, gg := range spaltenDerTabelle {
				if gg == g {
					v = zelleOder(zellen[j].Wert, zellen[j].Unterdrueckt)
				}
			}
			row = append(row, v)
		}
		return append(row, zelleOder(summe.Wert, summe.Unterdrueckt))
	}
	for _, z := range tabellen {
		for i, sch := range z.Schulen {
			t.Rows = append(t.Rows, zeile(z.Schuljahr, sch.Schulnummer, sch.Name, z.Tabelle.Zellen[i], z.Tabelle.Spalten, z.Tabelle.ZeilenSummen[i]))
		}
		t.Rows = append(t.Rows, zeile(z.Schuljahr, "", "Alle Schulen", z.Tabelle.SpaltenSummen, z.Tabelle.Spalten, z.Tabelle.Gesamt))
	}
	return t
}

func (s *server) sendSchuelerzahlenXLSX(c *fiber.Ctx, tabellen []planung.Schuelerzahlen) error {
	var jahre []int
	byNr := map[string]*diagrammSchule{}
	var order []string
	for _, z := range tabellen {
		jahre = append(jahre, z.Schuljahr)
		for i, sch := range z.Schulen {
			if sch.Art == "" {
				continue // not a school the forecast knows (e.g. history of a closed one)
			}
			ds, ok := byNr[sch.Schulnummer]
			if !ok {
				ds = &diagrammSchule{Schule: sch, Werte: map[int]*float64{}}
				byNr[sch.Schulnummer] = ds
				order = append(order, sch.Schulnummer)
			}
			if sum := z.Tabelle.ZeilenSummen[i]; sum.Unterdrueckt {
				ds.Werte[z.Schuljahr] = nil
			} else {
				ds.Werte[z.Schuljahr] = ptr(float64(sum.Wert))
			}
		}
	}
	var schulen []diagrammSchule
	for _, nr := range order {
		schulen = append(schulen, *byNr[nr])
	}
	tables, charts := diagramme(jahre, schulen, s.Planung.Service.Mindestgroessen, "Schüler")
	return sendXLSX(c, "schuelerzahlen.xlsx", append([]sheets.Table{schuelerzahlenTabelle(tabellen)}, tables...), charts...)
}

// quoteFuer is the quota that gives grade g of a school's forecast.
func quoteFuer(sp planung.SchulPrognose, g int) (float64, bool, bool) {
	von, _ := sp.Schule.Art.Stufen()
	if g == von {
		if sp.Eingangsquote == nil {
			return 0, false, false
		}
		return *sp.Eingangsquote, true, sp.EingangsquoteUnterdrueckt
	}
	q, ok := sp.Durchgangsquoten[g]
	return q, ok, sp.DurchgangsquotenUnterdrueckt[g]
}

var flagText = map[string]string{
	planung.FlagUnterMindest:        "unter Mindestgröße",
	planung.FlagUnterAusnahme:       "unter Ausnahmegröße",
	planung.FlagEingangUnterMindest: "Eingangsklasse unter Mindestgröße",
	planung.FlagUeberKapazitaet:     "über Kapazität",
	planung.FlagZugUeberKapazitaet:  "Jahrgang über Zügen × Klassenfrequenz",
	planung.FlagKohorteFortgeschr:   "Jahrgang fortgeschrieben",
	planung.FlagQuoteFehlt:          "Quote fehlt",
}

func hinweise(flags []string) string {
	out := make([]string, len(flags))
	for i, f := range flags {
		out[i] = flagText[f]
	}
	return strings.Join(out, ", ")
}

// prognoseTabelle: one row per school, year and grade, then the school's
// total of the year ("Summe") with capacity, minimum size and flags.
func prognoseTabelle(p planung.Prognose) sheets.Table {
	t := sheets.Table{Sheet: "Prognose", Columns: columns(0, "Schulnummer", "Schule", "Schulart", "Schuljahr", "Jahrgangsstufe", "Anzahl",
		"Wert (ungerundet)", "Quote", "Kapazität", "Mindestgröße", "Hinweise")}
	t.Columns[6].NumFormat, t.Columns[7].NumFormat = "0.00", "0.0000"
	for _, sp := range p.Schulen {
		werte := map[int][]planung.Wert{}
		for _, w := range sp.Werte {
			werte[w.Schuljahr] = append(werte[w.Schuljahr], w)
		}
		for _, j := range sp.Jahre {
			for _, w := range werte[j.Schuljahr] {
				var quote any
				if q, ok, sec := quoteFuer(sp, w.Jahrgangsstufe); ok {
					quote = zelleOder(q, sec)
				}
				var kap any
				if k := sp.Schule.Zugkapazitaet(); k > 0 {
					kap = k
				}
				t.Rows = append(t.Rows, []any{sp.Schule.Schulnummer, sp.Schule.Name, string(sp.Schule.Art), sjString(j.Schuljahr), w.Jahrgangsstufe,
					zelleOder(w.Anzahl, w.Unterdrueckt), zelleOder(w.Wert, w.Unterdrueckt), quote, kap, nil, nil})
			}
			var kap any
			if k := sp.Schule.Gesamtkapazitaet(); k > 0 {
				kap = k
			}
			t.Rows = append(t.Rows, []any{sp.Schule.Schulnummer, sp.Schule.Name, string(sp.Schule.Art), sjString(j.Schuljahr), "Summe",
				zelleOder(j.Anzahl, j.Unterdrueckt), zelleOder(j.Wert, j.Unterdrueckt), nil, kap, nil, hinweise(j.Flags)})
		}
	}
	return t
}

func (s *server) sendPrognoseXLSX(c *fiber.Ctx, p planung.Prognose) error {
	mg := s.Planung.Service.Mindestgroessen
	t := prognoseTabelle(p)
	// The minimum size of the school's Schulart on its "Summe" rows.
	for i, row := range t.Rows {
		if row[4] == "Summe" {
			if m := mg[planung.Schulart(row[2].(string))].Schueler; m > 0 {
				t.Rows[i][9] = m
			}
		}
	}
	var jahre []int
	for y := p.Ab; y <= p.Bis; y++ {
		jahre = append(jahre, y)
	}
	var schulen []diagrammSchule
	for _, sp := range p.Schulen {
		ds := diagrammSchule{Schule: sp.Schule, Werte: map[int]*float64{}}
		for _, j := range sp.Jahre {
			if j.Unterdrueckt {
				ds.Werte[j.Schuljahr] = nil
			} else {
				ds.Werte[j.Schuljahr] = ptr(j.Wert)
			}
		}
		schulen = append(schulen, ds)
	}
	tables, charts := diagramme(jahre, schulen, mg, "Prognose")
	return sendXLSX(c, "prognose.xlsx", append([]sheets.Table{t}, tables...), charts...)
}

func backtestTabelle(r planung.Rueckblick) sheets.Table {
	t := sheets.Table{Sheet: "Rückblick", Columns: columns(0, "Schulnummer", "Schuljahr", "Prognose (ungerundet)", "Ist", "Fehler (Prognose − Ist)",
		"Abweichung in % (|Fehler| / Ist)")}
	for _, i := range []int{2, 4, 5} {
		t.Columns[i].NumFormat = "0.00"
	}
	for _, v := range r.Vergleiche {
		var ape any
		if v.APE != nil {
			ape = zelleOder(100**v.APE, v.Unterdrueckt)
		}
		t.Rows = append(t.Rows, []any{v.Schulnummer, sjString(v.Schuljahr), zelleOder(v.Prognose, v.Unterdrueckt), zelleOder(v.Ist, v.Unterdrueckt),
			zelleOder(v.Fehler, v.Unterdrueckt), ape})
	}
	var mape any
	if r.MAPE != nil {
		mape = *r.MAPE
	}
	t.Rows = append(t.Rows, []any{"MAPE", fmt.Sprintf("%s–%s", sjString(r.Ab), sjString(r.Bis)), nil, nil, nil, mape})
	return t
}

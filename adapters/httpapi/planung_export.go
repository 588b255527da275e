package httpapi

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/gofiber/fiber/v2"
	"github.com/xuri/excelize/v2"

	"github.com/schulgateway/schulgateway/internal/planung"
)

// gesperrt marks a suppressed cell in CSV and xlsx exports.
const gesperrt = "•"

// exportTabelle is one table of a planner's export: German headers and
// rows of int, float64 (numbers), string, or nil (empty).
type exportTabelle struct {
	kopf    []string
	zeilen  [][]any
	formate map[int]string // column → number format of its floats (xlsx)
}

// dezimal writes a number as German Excel reads it: a decimal comma, no
// thousands separator, at most six decimals.
func dezimal(v float64) string {
	return strings.Replace(strconv.FormatFloat(round6(v), 'f', -1, 64), ".", ",", 1)
}

func round6(v float64) float64 {
	s := strconv.FormatFloat(v, 'f', 6, 64)
	r, _ := strconv.ParseFloat(s, 64)
	return r
}

// sendCSV writes t as German Excel opens CSV: UTF-8 with byte order
// mark, semicolons, decimal commas.
func sendCSV(c *fiber.Ctx, name string, t exportTabelle) error {
	var buf bytes.Buffer
	buf.WriteString("\ufeff")
	w := csv.NewWriter(&buf)
	w.Comma, w.UseCRLF = ';', true
	w.Write(t.kopf) //nolint:errcheck // errors surface at Flush
	for _, z := range t.zeilen {
		row := make([]string, len(z))
		for i, v := range z {
			switch x := v.(type) {
			case int:
				row[i] = strconv.Itoa(x)
			case float64:
				row[i] = dezimal(x)
			case string:
				row[i] = csvText(x)
			}
		}
		w.Write(row) //nolint:errcheck
	}
	w.Flush()
	if err := w.Error(); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "text/csv; charset=utf-8")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Send(buf.Bytes())
}

// zelleOder is the value of a cell or the suppression mark.
func zelleOder(v any, suppressed bool) any {
	if suppressed {
		return gesperrt
	}
	return v
}

// writeTabelle fills a worksheet: bold frozen header row, numbers as
// numbers, column widths that fit the longest entry.
func writeTabelle(f *excelize.File, sheet string, t exportTabelle) error {
	bold, err := f.NewStyle(&excelize.Style{Font: &excelize.Font{Bold: true}})
	if err != nil {
		return err
	}
	kopf := make([]any, len(t.kopf))
	breite := make([]int, len(t.kopf))
	for i, h := range t.kopf {
		kopf[i] = h
		breite[i] = utf8.RuneCountInString(h)
	}
	if err := f.SetSheetRow(sheet, "A1", &kopf); err != nil {
		return err
	}
	for r, z := range t.zeilen {
		row := make([]any, len(z))
		for i, v := range z {
			row[i] = v
			var s string
			switch x := v.(type) {
			case int:
				s = strconv.Itoa(x)
			case float64:
				s = dezimal(x)
			case string:
				s = x
			}
			breite[i] = max(breite[i], min(utf8.RuneCountInString(s), 60))
		}
		if err := f.SetSheetRow(sheet, fmt.Sprintf("A%d", r+2), &row); err != nil {
			return err
		}
	}
	last, _ := excelize.ColumnNumberToName(max(len(t.kopf), 1))
	if err := f.SetCellStyle(sheet, "A1", last+"1", bold); err != nil {
		return err
	}
	for i, b := range breite {
		col, _ := excelize.ColumnNumberToName(i + 1)
		if err := f.SetColWidth(sheet, col, col, float64(b)+3); err != nil {
			return err
		}
		if nf, ok := t.formate[i]; ok && len(t.zeilen) > 0 {
			st, err := f.NewStyle(&excelize.Style{CustomNumFmt: &nf})
			if err != nil {
				return err
			}
			if err := f.SetCellStyle(sheet, col+"2", fmt.Sprintf("%s%d", col, len(t.zeilen)+1), st); err != nil {
				return err
			}
		}
	}
	return f.SetPanes(sheet, &excelize.Panes{Freeze: true, YSplit: 1, TopLeftCell: "A2", ActivePane: "bottomLeft"})
}

// sendTabelleXLSX writes a workbook with the table on its first sheet and
// whatever more adds (chart sheets).
func sendTabelleXLSX(c *fiber.Ctx, name, sheet string, t exportTabelle, more func(*excelize.File) error) error {
	f := excelize.NewFile()
	defer f.Close()
	if err := f.SetSheetName(f.GetSheetName(0), sheet); err != nil {
		return err
	}
	if err := writeTabelle(f, sheet, t); err != nil {
		return err
	}
	if more != nil {
		if err := more(f); err != nil {
			return err
		}
	}
	f.SetActiveSheet(0)
	var buf bytes.Buffer
	if err := f.Write(&buf); err != nil {
		return err
	}
	c.Set(fiber.HeaderContentType, "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
	c.Set(fiber.HeaderContentDisposition, fmt.Sprintf(`attachment; filename="%s"`, name))
	return c.Send(buf.Bytes())
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

// addDiagramme adds per Schulart a data sheet ("Daten …": school,
// capacity, minimum size, the total of each year) and a chart sheet
// ("Diagramm …"): columns for capacity and the first and last year, a
// line for the minimum size of the SEPl-VO.
func addDiagramme(f *excelize.File, jahre []int, schulen []diagrammSchule, mg map[planung.Schulart]planung.Mindestgroesse, was string) error {
	if len(jahre) == 0 {
		return nil
	}
	for _, art := range []planung.Schulart{planung.Grundschule, planung.Sekundarschule, planung.Gymnasium} {
		var t exportTabelle
		t.kopf = []string{"Schulnummer", "Schule", "Kapazität", "Mindestgröße"}
		for _, y := range jahre {
			t.kopf = append(t.kopf, was+" "+sjString(y))
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
			t.zeilen = append(t.zeilen, row)
		}
		if len(t.zeilen) == 0 {
			continue
		}
		daten := "Daten " + schulartLabel[art]
		if _, err := f.NewSheet(daten); err != nil {
			return err
		}
		if err := writeTabelle(f, daten, t); err != nil {
			return err
		}
		n := len(t.zeilen) + 1
		ref := func(col string) excelize.ChartSeries {
			return excelize.ChartSeries{Name: fmt.Sprintf("'%s'!$%s$1", daten, col), Categories: fmt.Sprintf("'%s'!$B$2:$B$%d", daten, n),
				Values: fmt.Sprintf("'%s'!$%s$2:$%s$%d", daten, col, col, n)}
		}
		erste, _ := excelize.ColumnNumberToName(5)
		letzte, _ := excelize.ColumnNumberToName(4 + len(jahre))
		serien := []excelize.ChartSeries{ref("C"), ref(erste)}
		if letzte != erste {
			serien = append(serien, ref(letzte))
		}
		titel := fmt.Sprintf("%s: %s gegen Kapazität und Mindestgröße der SEPl-VO", schulartLabel[art], was)
		if err := f.AddChartSheet("Diagramm "+schulartLabel[art], &excelize.Chart{
			Type: excelize.Col, Series: serien,
			Title:  excelize.ChartTitle{Paragraph: []excelize.RichTextRun{{Text: titel}}},
			Legend: excelize.ChartLegend{Position: "bottom"},
		}, &excelize.Chart{Type: excelize.Line, Series: []excelize.ChartSeries{ref("D")}}); err != nil {
			return err
		}
	}
	return nil
}

// ---- the tables ----

func schuelerzahlenTabelle(tabellen []planung.Schuelerzahlen) exportTabelle {
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
	t := exportTabelle{kopf: []string{"Schuljahr", "Schulnummer", "Schule"}}
	for _, g := range spalten {
		t.kopf = append(t.kopf, fmt.Sprintf("Jahrgangsstufe %d", g))
	}
	t.kopf = append(t.kopf, "Summe")
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
			t.zeilen = append(t.zeilen, zeile(z.Schuljahr, sch.Schulnummer, sch.Name, z.Tabelle.Zellen[i], z.Tabelle.Spalten, z.Tabelle.ZeilenSummen[i]))
		}
		t.zeilen = append(t.zeilen, zeile(z.Schuljahr, "", "Alle Schulen", z.Tabelle.SpaltenSummen, z.Tabelle.Spalten, z.Tabelle.Gesamt))
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
	return sendTabelleXLSX(c, "schuelerzahlen.xlsx", "Schülerzahlen", schuelerzahlenTabelle(tabellen), func(f *excelize.File) error {
		return addDiagramme(f, jahre, schulen, s.Planung.Service.Mindestgroessen, "Schüler")
	})
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
func prognoseTabelle(p planung.Prognose) exportTabelle {
	t := exportTabelle{kopf: []string{"Schulnummer", "Schule", "Schulart", "Schuljahr", "Jahrgangsstufe", "Anzahl", "Wert (ungerundet)", "Quote",
		"Kapazität", "Mindestgröße", "Hinweise"}, formate: map[int]string{6: "0.00", 7: "0.0000"}}
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
				t.zeilen = append(t.zeilen, []any{sp.Schule.Schulnummer, sp.Schule.Name, string(sp.Schule.Art), sjString(j.Schuljahr), w.Jahrgangsstufe,
					zelleOder(w.Anzahl, w.Unterdrueckt), zelleOder(w.Wert, w.Unterdrueckt), quote, kap, nil, nil})
			}
			var kap any
			if k := sp.Schule.Gesamtkapazitaet(); k > 0 {
				kap = k
			}
			t.zeilen = append(t.zeilen, []any{sp.Schule.Schulnummer, sp.Schule.Name, string(sp.Schule.Art), sjString(j.Schuljahr), "Summe",
				zelleOder(j.Anzahl, j.Unterdrueckt), zelleOder(j.Wert, j.Unterdrueckt), nil, kap, nil, hinweise(j.Flags)})
		}
	}
	return t
}

func (s *server) sendPrognoseXLSX(c *fiber.Ctx, p planung.Prognose) error {
	mg := s.Planung.Service.Mindestgroessen
	t := prognoseTabelle(p)
	// The minimum size of the school's Schulart on its "Summe" rows.
	for i, row := range t.zeilen {
		if row[4] == "Summe" {
			if m := mg[planung.Schulart(row[2].(string))].Schueler; m > 0 {
				t.zeilen[i][9] = m
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
	return sendTabelleXLSX(c, "prognose.xlsx", "Prognose", t, func(f *excelize.File) error {
		return addDiagramme(f, jahre, schulen, mg, "Prognose")
	})
}

func backtestTabelle(r planung.Rueckblick) exportTabelle {
	t := exportTabelle{kopf: []string{"Schulnummer", "Schuljahr", "Prognose (ungerundet)", "Ist", "Fehler (Prognose − Ist)", "Abweichung in % (|Fehler| / Ist)"},
		formate: map[int]string{2: "0.00", 4: "0.00", 5: "0.00"}}
	for _, v := range r.Vergleiche {
		var ape any
		if v.APE != nil {
			ape = zelleOder(100**v.APE, v.Unterdrueckt)
		}
		t.zeilen = append(t.zeilen, []any{v.Schulnummer, sjString(v.Schuljahr), zelleOder(v.Prognose, v.Unterdrueckt), zelleOder(v.Ist, v.Unterdrueckt),
			zelleOder(v.Fehler, v.Unterdrueckt), ape})
	}
	var mape any
	if r.MAPE != nil {
		mape = *r.MAPE
	}
	t.zeilen = append(t.zeilen, []any{"MAPE", fmt.Sprintf("%s–%s", sjString(r.Ab), sjString(r.Bis)), nil, nil, nil, mape})
	return t
}

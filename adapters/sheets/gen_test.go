package sheets

import (
	"bytes"
	"fmt"
	"html"
	"regexp"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/xuri/excelize/v2"
)

// melderegisterXLSX writes a register of n children as the registration
// office exports it, with excelize's stream writer (which writes text as
// inline strings): 16 columns of names, real date cells in two formats,
// German and ISO dates as text, street, house number and PLZ as numbers,
// an often empty column in the middle, yes/no.
func melderegisterXLSX(tb testing.TB, n int) []byte {
	tb.Helper()
	f := excelize.NewFile()
	defer f.Close()
	sw, err := f.NewStreamWriter("Sheet1")
	if err != nil {
		tb.Fatal(err)
	}
	german := "dd.mm.yyyy"
	dmy, err := f.NewStyle(&excelize.Style{CustomNumFmt: &german})
	if err != nil {
		tb.Fatal(err)
	}
	builtin, err := f.NewStyle(&excelize.Style{NumFmt: 14})
	if err != nil {
		tb.Fatal(err)
	}
	must := func(err error) {
		if err != nil {
			tb.Fatal(err)
		}
	}
	must(sw.SetRow("A1", []any{"Melderegisterauszug Einschulung 2027/28 – Stand 15.01.2026"}))
	must(sw.SetRow("A3", []any{"Ordnungsmerkmal", "Familienname", "Vornamen", "Rufname", "Geburtsdatum", "Geburtsdatum (Text)",
		"Geschlecht", "Staatsangehörigkeit", "Straße", "Hausnummer", "Zusatz", "PLZ", "Ort", "Zuzug", "Einschulung", "Auskunftssperre"}))
	families := []string{"Müller", "Schmidt", "Schneider", "Fischer", "Weber", "Meyer", "Wagner", "Becker", "Schulz", "Hoffmann",
		"Özdemir", "Nowak", "Krause-Hübner", "König", "Petrović", "Yılmaz", "Lange", "Wolf", "Jung", "Hahn", "Müller-Lüdenscheidt"}
	given := []string{"Mira Johanna", "Ben", "Emilia", "Noah Elias", "Hannah", "Leon", "Ömer Paul", "Sophie", "Finn", "Lina Marie", "Ali", "Zoë"}
	streets := []string{"Dr.-Külz-Straße", "Hauptstraße", "Am Mühlenberg", "Kirchgasse", "Lindenallee", "Straße des Friedens", "Weg am Bach"}
	birth := time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC)
	row := make([]any, 16)
	for i := 0; i < n; i++ {
		d := birth.AddDate(0, 0, i%366)
		g := given[(i*7)%len(given)]
		row[0] = fmt.Sprintf("OM%07d", 100000+i)
		row[1] = families[(i*13)%len(families)]
		row[2] = g
		row[3] = strings.Fields(g)[0]
		row[4] = excelize.Cell{StyleID: dmy, Value: d}
		row[5] = d.Format("02.01.2006")
		row[6] = []string{"w", "m", "d"}[i%3]
		row[7] = []string{"deutsch", "deutsch", "türkisch", "polnisch", "ukrainisch"}[i%5]
		row[8] = streets[(i*3)%len(streets)]
		row[9] = i%120 + 1
		row[10] = nil
		if i%4 == 0 {
			row[10] = string(rune('a' + i%6))
		}
		row[11] = 6667 + i%40
		row[12] = "Musterstadt"
		row[13] = d.AddDate(1, 2, 3).Format("2006-01-02")
		row[14] = excelize.Cell{StyleID: builtin, Value: time.Date(2027, 8, 14+i%3, 0, 0, 0, 0, time.UTC)}
		row[15] = []string{"nein", "nein", "nein", "ja"}[i%4]
		must(sw.SetRow("A"+strconv.Itoa(i+4), row))
	}
	must(sw.Flush())
	var buf bytes.Buffer
	must(f.Write(&buf))
	return buf.Bytes()
}

var inlineCell = regexp.MustCompile(`<c r="([A-Z]+[0-9]+)"( s="[0-9]+")? t="inlineStr"><is><t( xml:space="preserve")?>([^<]*)</t></is></c>`)

// withSharedStrings rewrites the inline strings of an xlsx file written by
// the stream writer into a shared string table, as Excel and LibreOffice
// save text.
func withSharedStrings(tb testing.TB, data []byte) []byte {
	tb.Helper()
	parts := unzipAll(tb, data)
	index := map[string]int{}
	var sst strings.Builder
	count := 0
	for name, xml := range parts {
		if !strings.HasPrefix(name, "xl/worksheets/sheet") {
			continue
		}
		parts[name] = inlineCell.ReplaceAllStringFunc(xml, func(m string) string {
			g := inlineCell.FindStringSubmatch(m)
			text := html.UnescapeString(g[4])
			i, ok := index[text]
			if !ok {
				i = len(index)
				index[text] = i
				fmt.Fprintf(&sst, `<si><t xml:space="preserve">%s</t></si>`, xmlEscape(text))
			}
			count++
			return fmt.Sprintf(`<c r="%s"%s t="s"><v>%d</v></c>`, g[1], g[2], i)
		})
	}
	parts["xl/sharedStrings.xml"] = fmt.Sprintf(`<?xml version="1.0" encoding="UTF-8" standalone="yes"?>`+"\n"+
		`<sst xmlns="http://schemas.openxmlformats.org/spreadsheetml/2006/main" count="%d" uniqueCount="%d">%s</sst>`, count, len(index), sst.String())
	parts["xl/_rels/workbook.xml.rels"] = strings.Replace(parts["xl/_rels/workbook.xml.rels"], "</Relationships>",
		`<Relationship Id="rIdSST" Type="http://schemas.openxmlformats.org/officeDocument/2006/relationships/sharedStrings" Target="sharedStrings.xml"/></Relationships>`, 1)
	parts["[Content_Types].xml"] = strings.Replace(parts["[Content_Types].xml"], "</Types>",
		`<Override PartName="/xl/sharedStrings.xml" ContentType="application/vnd.openxmlformats-officedocument.spreadsheetml.sharedStrings+xml"/></Types>`, 1)
	return rezip(tb, parts)
}

package demo

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"strconv"
	"time"

	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Liste is one list of the demo city as an office would upload it: a CSV
// file as German Excel writes it (semicolons, UTF-8 with BOM, dates as
// 31.12.2020).
type Liste struct {
	Kind      importing.Listenart
	Dateiname string
	Inhalt    []byte
	// OnError is how the list is imported: "" rejects a list with a
	// faulty row, "skip" imports the valid rows.
	OnError string
}

func csvDatei(kopf []string, zeilen [][]string) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff")
	w := csv.NewWriter(&b)
	w.Comma = ';'
	w.UseCRLF = true
	_ = w.Write(kopf) // a bytes.Buffer does not fail
	_ = w.WriteAll(zeilen)
	return b.Bytes()
}

func tag(t time.Time) string {
	if t.IsZero() {
		return ""
	}
	return t.Format("02.01.2006")
}

func schuljahr(y int) string { return werte.NewSchuljahr(y).String() }

// registerDatei names the register extract of a school year's city.
const registerDatei = "Musterstadt_Melderegister_%d-09-01.csv"

// SchuljahrDerListe reads the school year of a demo city from the file
// name of its register extract (false: not a demo register).
func SchuljahrDerListe(dateiname string) (int, bool) {
	var y int
	if _, err := fmt.Sscanf(dateiname, registerDatei, &y); err != nil || fmt.Sprintf(registerDatei, y) != dateiname {
		return 0, false
	}
	return y, true
}

// Listen returns the city's lists in the order they are loaded: the street
// directory, the register extract, each school's pupil list, the
// confirmations of schools outside the city, and the planners' history.
func (s Stadt) Listen() []Liste {
	var out []Liste
	var rows [][]string
	num := func(p *int) string {
		if p == nil {
			return ""
		}
		return strconv.Itoa(*p)
	}
	for _, r := range Strassenverzeichnis() {
		ab := ""
		if r.GueltigAbJahr != nil {
			ab = schuljahr(*r.GueltigAbJahr)
		}
		rows = append(rows, []string{r.Strasse, num(r.HausnummerVon), num(r.HausnummerBis), r.Paritaet, r.ZusatzVon, r.ZusatzBis, r.PLZ, r.Schulnummer, ab})
	}
	out = append(out, Liste{importing.ListeSchulbezirke, "Musterstadt_Strassenverzeichnis.csv", csvDatei(
		[]string{"Straße", "Hausnr. von", "Hausnr. bis", "gerade/ungerade", "Zusatz von", "Zusatz bis", "PLZ", "Schulnummer", "gültig ab"}, rows), ""})

	rows = nil
	for _, k := range s.Kinder {
		sperre := ""
		if k.Auskunftssperre {
			sperre = "ja"
		}
		rows = append(rows, []string{k.Ordnungsmerkmal, k.Familienname, k.Vornamen, k.Rufname, tag(k.Geburtsdatum), k.Geschlecht,
			k.Strasse, k.Hausnummer, k.PLZ, "Musterstadt", sperre, tag(k.Zuzug)})
	}
	out = append(out, Liste{importing.ListeMelderegister, fmt.Sprintf(registerDatei, s.Schuljahr), csvDatei(
		[]string{"Ordnungsmerkmal", "Familienname", "Vornamen", "Rufname", "Geburtsdatum", "Geschlecht", "Straße", "Hausnummer", "PLZ", "Ort",
			"Auskunftssperre", "Zuzugsdatum"}, rows), ""})

	// Each school exports from its own software: two styles of header.
	for i, sch := range Schulen() {
		rows = nil
		for _, p := range s.Schueler {
			if p.Schulnummer == sch.Schulnummer {
				rows = append(rows, []string{p.Schulnummer, p.Schuelernummer, p.Familienname, p.Vornamen, tag(p.Geburtsdatum), p.Geschlecht,
					p.Klasse, tag(p.Eintritt), p.Strasse, p.Hausnummer, p.PLZ, p.Ort})
			}
		}
		onError := ""
		if sch.Schulnummer == gsFrei {
			// Typed by hand: an impossible birth date, a class left empty.
			// Imported with the valid rows; the import page lists the two.
			rows = append(rows,
				[]string{gsFrei, "", "Krüger", "Noah", "31.02.2019", "m", "1b", "", "Dorfstraße", "4", "06193", "Wiesenau"},
				[]string{gsFrei, "", "Petrowa", "Milana", "14.03.2017", "w", "", "", "Am Teich", "9", "06198", "Lindendorf"})
			onError = "skip"
		}
		kopf := []string{"Schulnummer", "Schülernummer", "Familienname", "Vorname", "Geburtsdatum", "Geschlecht", "Klasse", "Aufnahmedatum",
			"Straße", "Hausnummer", "PLZ", "Ort"}
		if i%2 == 1 {
			kopf = []string{"Schul-Nr.", "Schüler-ID", "Nachname", "Vornamen", "Geb.-Datum", "m/w", "Klasse", "Eintritt", "Str.", "Hausnr.", "PLZ", "Wohnort"}
		}
		out = append(out, Liste{importing.ListeSchueler, fmt.Sprintf("Schuelerliste_%s_%d.csv", sch.Schulnummer, s.Schuljahr), csvDatei(kopf, rows), onError})
	}

	rows = nil
	for _, b := range s.Bestaetigungen {
		rows = append(rows, []string{b.Familienname, b.Vornamen, tag(b.Geburtsdatum), b.Schule, b.Ort})
	}
	out = append(out, Liste{importing.ListeBestaetigungen, fmt.Sprintf("Schulbesuchsbestaetigungen_%d.csv", s.Schuljahr), csvDatei(
		[]string{"Familienname", "Vornamen", "Geburtsdatum", "Schule", "Ort der Schule"}, rows), ""})

	rows = nil
	for _, z := range s.Schuelerzahlen {
		rows = append(rows, []string{z.Schulnummer, schuljahr(z.Schuljahr), strconv.Itoa(z.Jahrgangsstufe), strconv.Itoa(z.Anzahl)})
	}
	out = append(out, Liste{importing.ListeSchuelerzahlen, fmt.Sprintf("Schuelerzahlen_%d-%d.csv", s.Schuljahr-10, s.Schuljahr-1), csvDatei(
		[]string{"Schulnummer", "Schuljahr", "Jahrgangsstufe", "Anzahl"}, rows), ""})

	rows = nil
	for _, k := range s.Kohorten {
		rows = append(rows, []string{k.Schulnummer, schuljahr(k.Schuljahr), strconv.Itoa(k.Anzahl)})
	}
	out = append(out, Liste{importing.ListeBevoelkerung, fmt.Sprintf("Einschulungsjahrgaenge_%d-%d.csv", s.Schuljahr-10, s.Schuljahr-1), csvDatei(
		[]string{"Schulnummer", "Einschulungsjahr", "Anzahl Kinder"}, rows), ""})
	return out
}

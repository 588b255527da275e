package importing

import (
	"fmt"
	"slices"
)

// Codes of value problems. They are stable: clients and stored reports may
// rely on them. The messages are German and meant for the person who has
// to correct the file.
const (
	CodePflichtfeldLeer         = "pflichtfeld_leer"
	CodeDatumUngueltig          = "datum_ungueltig"
	CodePLZUngueltig            = "plz_ungueltig"
	CodeGeschlechtUngueltig     = "geschlecht_ungueltig"
	CodeHausnummerUngueltig     = "hausnummer_ungueltig"
	CodeHausnummerBereich       = "hausnummer_bereich_ungueltig"
	CodeZusatzUngueltig         = "zusatz_ungueltig"
	CodeZusatzBereich           = "zusatz_bereich_ungueltig"
	CodeZusatzWiderspruch       = "zusatz_widerspruch"
	CodeZusatzOhneHausnummer    = "zusatz_ohne_hausnummer"
	CodeJahrgangsstufeUngueltig = "jahrgangsstufe_ungueltig"
	CodeJaNeinUngueltig         = "janein_ungueltig"
	CodeSchulnummerUngueltig    = "schulnummer_ungueltig"
	CodeSchulnummerZuKurz       = "schulnummer_zu_kurz"
	CodeSchuljahrUngueltig      = "schuljahr_ungueltig"
	CodeSchulformUngueltig      = "schulform_ungueltig"
	CodeTraegerschaftUngueltig  = "traegerschaft_ungueltig"
	CodeParitaetUngueltig       = "paritaet_ungueltig"
	CodeZahlUngueltig           = "zahl_ungueltig"
	CodeListenartUnbekannt      = "listenart_unbekannt"
	CodeKopfzeileNichtGefunden  = "kopfzeile_nicht_gefunden"
	CodePflichtspalteFehlt      = "pflichtspalte_fehlt"
	CodeSpalteDoppelt           = "spalte_doppelt"
	CodeZuordnungUngueltig      = "zuordnung_ungueltig"
	// CodeZuLang: the cell is longer than the field allows (Field.MaxLength).
	CodeZuLang = "zu_lang"
	// CodeZeichenUnzulaessig: the cell holds a control character (NUL, …)
	// or a bidi override that would show the text other than it is stored.
	CodeZeichenUnzulaessig = "zeichen_unzulaessig"
	// CodeDatumUnplausibel: a valid date outside the range the field
	// makes sense for (a birth date in the future).
	CodeDatumUnplausibel = "datum_unplausibel"
	// CodeSchuljahrUnplausibel: a valid school year outside the range the
	// field makes sense for.
	CodeSchuljahrUnplausibel = "schuljahr_unplausibel"
)

// Problem is one thing wrong with a value.
type Problem struct {
	// Field is the canonical field name, "" when the problem is not about a
	// field (an unknown list kind).
	Field string
	// Code is stable and snake_case, e.g. "datum_ungueltig".
	Code string
	// Message is German, says what was found and what is expected.
	Message string
	// Value is the cell text as found (after trimming).
	Value string
	// Suggestion is a corrected value the user may accept with one click,
	// "" when there is none. The importer never applies it by itself.
	Suggestion string
}

// Error makes a Problem usable as an error (ParseListenart returns one).
func (p *Problem) Error() string { return p.Message }

// CellProblem is a Problem located in a cell of the sheet.
type CellProblem struct {
	Problem
	// Column is the 0-based column index, -1 when no single column applies.
	Column int
	// Cell is the spreadsheet reference such as "C10", "" when Column is -1.
	Cell string
	// Label is the German name of the field, for reports.
	Label string
}

// String renders the problem for a person: "E7 (Geburtsdatum): „31.02.2020“ …".
func (p CellProblem) String() string {
	switch {
	case p.Cell != "" && p.Label != "":
		return p.Cell + " (" + p.Label + "): " + p.Message
	case p.Cell != "":
		return p.Cell + ": " + p.Message
	default:
		return p.Message
	}
}

// addressFields are the fields of an address: what a role that sees no
// address under an Auskunftssperre (§ 51 BMG) must not see of such a row.
var addressFields = map[string]bool{"strasse": true, "hausnummer": true, "zusatz": true, "plz": true, "ort": true, "ortsteil": true}

// IsAddressField reports whether the field is part of an address.
func IsAddressField(field string) bool { return addressFields[field] }

// HasSperre reports whether lists of the kind carry an Auskunftssperre.
func HasSperre(k Listenart) bool {
	return slices.ContainsFunc(fieldTable[k], func(f Field) bool { return f.Type == TypeJaNein && f.Name == "auskunftssperre" })
}

// Gesperrt reports whether the row of p may hold an address under an
// Auskunftssperre: in a list that has one, unless the row says explicitly
// that it has none.
func (p StoredProblem) Gesperrt(k Listenart) bool { return HasSperre(k) && !p.OhneSperre }

// Redacted is p without the value of an address: the message of a
// problem about an address field names the field, the code and the cell,
// not what the cell holds. Other problems are returned as they are.
func (p StoredProblem) Redacted(k Listenart) StoredProblem {
	if !IsAddressField(p.Field) {
		return p
	}
	label := p.Field
	for _, f := range fieldTable[k] {
		if f.Name == p.Field {
			label = f.Label
		}
	}
	where := fmt.Sprintf("Zeile %d", p.Row)
	if p.Column >= 0 && p.Row > 0 {
		where = "die Zelle " + CellRef(p.Column, p.Row)
	}
	p.Message = fmt.Sprintf("Die Angabe „%s“ ist fehlerhaft (%s). Wegen einer möglichen Auskunftssperre wird der Wert hier nicht gezeigt; bitte %s in der hochgeladenen Datei prüfen.",
		label, p.Code, where)
	return p
}

// HiddenCells says which cells of the uploaded rows (row as the sheet
// numbers it, 0-based column) a reader may not see; a marked workbook
// leaves them empty.
type HiddenCells func(row, col int) bool

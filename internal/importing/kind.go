package importing

import (
	"fmt"
	"slices"
	"strings"
)

// Listenart is the type of an uploaded list (docs/glossary.md): one
// word for it in code, API and docs; JSON and SQL keep "kind".
type Listenart string

const (
	ListeSchulen       Listenart = "schulen"       // school master data
	ListeSchulbezirke  Listenart = "schulbezirke"  // street directory of the Grundschulbezirke
	ListeMelderegister Listenart = "melderegister" // children from the residents' register
	ListeSchueler      Listenart = "schueler"      // a school's pupil list
	// ListeBestaetigungen: Schulbesuchsbestätigungen, confirmations that
	// resident children attend schools outside the city.
	ListeBestaetigungen Listenart = "bestaetigungen"
	// ListeSchuelerzahlen: the planners' history of pupil counts per
	// school, school year and grade.
	ListeSchuelerzahlen Listenart = "schuelerzahlen"
	// ListeBevoelkerung: children per Grundschulbezirk and school year of
	// entry, as aggregates.
	ListeBevoelkerung Listenart = "bevoelkerung"
	// ListeUebergang: applications for Schuljahrgang 5 (up to three
	// wished schools per child), matched to the register row by row.
	ListeUebergang Listenart = "uebergang"
)

// Kinds lists every kind in a stable order.
func Listenarten() []Listenart {
	return []Listenart{ListeSchulen, ListeSchulbezirke, ListeMelderegister, ListeSchueler, ListeBestaetigungen, ListeSchuelerzahlen, ListeBevoelkerung,
		ListeUebergang}
}

// Label is the German name of the kind.
func (k Listenart) Label() string {
	switch k {
	case ListeSchulen:
		return "Schulen"
	case ListeSchulbezirke:
		return "Straßenverzeichnis der Schulbezirke"
	case ListeMelderegister:
		return "Melderegister-Auszug"
	case ListeSchueler:
		return "Schülerliste"
	case ListeBestaetigungen:
		return "Schulbesuchsbestätigungen"
	case ListeSchuelerzahlen:
		return "Schülerzahlen (Historie der Planung)"
	case ListeBevoelkerung:
		return "Kinder je Schulbezirk und Einschulungsjahr"
	case ListeUebergang:
		return "Anmeldungen zum Schuljahrgang 5 (Übergang)"
	}
	return string(k)
}

// ListenartNamen names every kind for a sentence, in the order of Kinds:
// "schulen, schulbezirke, … oder bevoelkerung". Every message, flag help
// and page that names the kinds takes them from here.
func ListenartNamen() string {
	ks := Listenarten()
	names := make([]string, len(ks))
	for i, k := range ks {
		names[i] = string(k)
	}
	return strings.Join(names[:len(names)-1], ", ") + " oder " + names[len(names)-1]
}

// UnknownListenartMessage is the German message for s, which names no kind.
func UnknownListenartMessage(s string) string {
	return fmt.Sprintf("„%s“ ist keine bekannte Listenart. Erwartet: %s.", cleanCell(s), ListenartNamen())
}

// kindAliases maps normalised names of a kind to the kind.
var kindAliases = func() map[string]Listenart {
	m := map[string]Listenart{}
	for k, names := range map[Listenart][]string{
		ListeSchulen:       {"schulen", "Schule", "Schulstammdaten", "Schulliste"},
		ListeSchulbezirke:  {"schulbezirke", "Schulbezirk", "Straßenverzeichnis", "Schulbezirksverzeichnis"},
		ListeMelderegister: {"melderegister", "Melderegister-Auszug", "Melderegisterauszug", "Meldedaten"},
		ListeSchueler:      {"schueler", "Schüler", "Schülerliste", "Schülerdaten"},
		ListeBestaetigungen: {"bestaetigungen", "Bestätigungen", "Schulbesuchsbestätigungen", "Schulbesuchsbescheinigungen",
			"Schulbescheinigungen"},
		ListeSchuelerzahlen: {"schuelerzahlen", "Schülerzahlen", "Schülerzahl", "Schülerstatistik"},
		ListeBevoelkerung:   {"bevoelkerung", "Bevölkerung", "Bevölkerungszahlen", "Kinderzahlen", "Einschulungsjahrgänge"},
		ListeUebergang:      {"uebergang", "Übergang", "Anmeldungen Schuljahrgang 5", "Übergangsanmeldungen", "Anmeldungen Klasse 5"},
	} {
		for _, n := range names {
			m[NormalizeHeader(n)] = k
		}
	}
	return m
}()

// ParseListenart accepts the canonical kind names and their obvious German
// variants ("Schüler", "Straßenverzeichnis"). The error is a *Problem with
// code "listenart_unbekannt".
func ParseListenart(s string) (Listenart, error) {
	if k, ok := kindAliases[NormalizeHeader(s)]; ok {
		return k, nil
	}
	return "", &Problem{
		Code:    CodeListenartUnbekannt,
		Value:   s,
		Message: UnknownListenartMessage(s),
	}
}

// ValueType says how a field's cells are read and which Go type its value
// has in Record.Values.
type ValueType string

const (
	TypeText           ValueType = "text"           // string, cleaned with NormalizeName
	TypeID             ValueType = "id"             // string; a number cell's ".0" is dropped
	TypeSchulnummer    ValueType = "schulnummer"    // string of digits, leading zeros kept
	TypeSchulangabe    ValueType = "schulangabe"    // Schulangabe: a Schulnummer or a school's name
	TypeDate           ValueType = "datum"          // time.Time, midnight UTC
	TypePLZ            ValueType = "plz"            // string of five digits
	TypeGeschlecht     ValueType = "geschlecht"     // Geschlecht
	TypeHausnummer     ValueType = "hausnummer"     // Hausnummer
	TypeZusatz         ValueType = "zusatz"         // string, lower case ("a", "/1")
	TypeJahrgangsstufe ValueType = "jahrgangsstufe" // int, 1–13
	TypeJaNein         ValueType = "janein"         // bool; an empty cell is false
	TypeSchuljahr      ValueType = "schuljahr"      // Schuljahr
	TypeAnzahl         ValueType = "anzahl"         // int ≥ 0
	TypeSchulform      ValueType = "schulform"      // Schulform
	TypeTraegerschaft  ValueType = "traegerschaft"  // Traegerschaft
	TypeParitaet       ValueType = "paritaet"       // Paritaet
)

// Field is a canonical field of a list kind.
type Field struct {
	// Name is the canonical name, used in Mapping, Record.Values, JSON, SQL.
	Name string
	// Label is the German name shown to people.
	Label string
	// Required fields must have a column, and their cells must not be empty.
	Required bool
	// Aliases are headers as real files write them. Matching normalises
	// them (NormalizeHeader), so listing one spelling of each is enough.
	Aliases []string
	// Type says how cells are read and what Go type the value has.
	Type ValueType
	// MaxLen is the longest cell (in characters, after white space is
	// collapsed) the field takes; 0 means the default of its type (see
	// MaxLength). Longer cells are errors at their cell, never cut.
	MaxLen int
	// orFrom names a field whose column also serves this one when this
	// field has no column of its own: a "Klasse" column holding "3b" gives
	// both the Klasse and the Jahrgangsstufe.
	orFrom string
}

// Shared field definitions. Each kind's list copies them, so that a kind
// can differ in Required.
var (
	fSchulnummer = Field{Name: "schulnummer", Label: "Schulnummer", Type: TypeSchulnummer,
		Aliases: []string{"Schulnummer", "Schul-Nr.", "SNR", "Dienststellennummer", "Dienststellen-Nr.", "Schul-ID", "Schulkennzahl"}}
	fStrasse = Field{Name: "strasse", Label: "Straße", Type: TypeText,
		Aliases: []string{"Straße", "Strasse", "Str.", "Straßenname", "Strassenname", "Straßenbezeichnung", "Straße Hauptwohnsitz", "Anschrift Straße"}}
	fHausnummer = Field{Name: "hausnummer", Label: "Hausnummer", Type: TypeHausnummer,
		Aliases: []string{"Hausnummer", "Hausnr.", "Haus-Nr.", "HNr", "HsNr", "Hnr."}}
	fZusatz = Field{Name: "zusatz", Label: "Hausnummernzusatz", Type: TypeZusatz,
		Aliases: []string{"Zusatz", "Hausnummernzusatz", "Hausnr.-Zusatz", "HNr-Zusatz", "Hausnummer Zusatz", "Buchstabe"}}
	fPLZ = Field{Name: "plz", Label: "PLZ", Type: TypePLZ,
		Aliases: []string{"PLZ", "Postleitzahl", "Postleitz."}}
	fOrt = Field{Name: "ort", Label: "Ort", Type: TypeText, MaxLen: 100,
		Aliases: []string{"Ort", "Wohnort", "Stadt", "Gemeinde"}}
	fOrtsteil = Field{Name: "ortsteil", Label: "Ortsteil", Type: TypeText, MaxLen: 100,
		Aliases: []string{"Ortsteil", "OT", "Stadtteil", "Ortsteilname"}}
	fFamilienname = Field{Name: "familienname", Label: "Familienname", Type: TypeText,
		Aliases: []string{"Familienname", "Nachname", "Name", "Zuname", "NName", "Name Kind", "Name des Kindes"}}
	fVornamen = Field{Name: "vornamen", Label: "Vornamen", Type: TypeText,
		Aliases: []string{"Vornamen", "Vorname(n)", "Vorname", "VName", "Vorname Kind", "Vorname des Kindes"}}
	fGeburtsdatum = Field{Name: "geburtsdatum", Label: "Geburtsdatum", Type: TypeDate,
		Aliases: []string{"Geburtsdatum", "Geb.-Datum", "geb. am", "geboren am", "Geburtstag", "Geb.-Dat.", "GebDat"}}
	fGeschlecht = Field{Name: "geschlecht", Label: "Geschlecht", Type: TypeGeschlecht,
		Aliases: []string{"Geschlecht", "Geschl.", "m/w", "m/w/d", "Geschlechtsangabe"}}
)

// Default maximum lengths of a cell, in characters: names, streets and
// schools' names as registers allow them; identifiers; and every other
// field, whose values (dates, numbers, codes) are far shorter when valid.
const (
	MaxLenText  = 200
	MaxLenID    = 50
	MaxLenOther = 100
)

// MaxLength is the longest cell the field takes, in characters.
func (f Field) MaxLength() int {
	switch {
	case f.MaxLen > 0:
		return f.MaxLen
	case f.Type == TypeText:
		return MaxLenText
	case f.Type == TypeID:
		return MaxLenID
	}
	return MaxLenOther
}

// LaengenMarkdown renders the maximum lengths of every kind's fields for
// the README (a test keeps them equal): per length the labels of the text
// fields and identifiers; every other field (dates, numbers, codes) takes
// MaxLenOther.
func LaengenMarkdown() string {
	byLen := map[int][]string{}
	var lens []int
	seen := map[string]bool{}
	for _, k := range Listenarten() {
		for _, f := range Fields(k) {
			n := f.MaxLength()
			if f.Type != TypeText && n == MaxLenOther || seen[f.Label] {
				continue
			}
			seen[f.Label] = true
			if byLen[n] == nil {
				lens = append(lens, n)
			}
			byLen[n] = append(byLen[n], f.Label)
		}
	}
	if byLen[MaxLenOther] == nil {
		lens = append(lens, MaxLenOther)
	}
	byLen[MaxLenOther] = append(byLen[MaxLenOther], "alle anderen (Datum, Zahl, PLZ, Hausnummer, Schulnummer, Geschlecht, Schuljahr, ja/nein …)")
	slices.Sort(lens)
	var b strings.Builder
	b.WriteString("| höchstens Zeichen | Felder |\n|---|---|\n")
	for i := len(lens) - 1; i >= 0; i-- {
		fmt.Fprintf(&b, "| %d | %s |\n", lens[i], strings.Join(byLen[lens[i]], ", "))
	}
	return b.String()
}

func withRequired(f Field, required bool) Field {
	f.Required = required
	return f
}

func withAliases(f Field, aliases ...string) Field {
	f.Aliases = append(slices.Clip(f.Aliases), aliases...)
	return f
}

var fieldTable = map[Listenart][]Field{
	ListeSchulen: {
		withRequired(fSchulnummer, true),
		{Name: "name", Label: "Schulname", Required: true, Type: TypeText,
			Aliases: []string{"Name", "Schulname", "Bezeichnung", "Name der Schule", "Schulbezeichnung"}},
		{Name: "schulform", Label: "Schulform", Required: true, Type: TypeSchulform,
			Aliases: []string{"Schulform", "Schulart", "Typ", "Schultyp", "Art der Schule"}},
		{Name: "traeger", Label: "Träger", Type: TypeTraegerschaft,
			Aliases: []string{"Träger", "Trägerschaft", "Schulträger", "Art der Trägerschaft"}},
		fStrasse, fHausnummer, fPLZ, fOrt,
		{Name: "zuege", Label: "Züge", Type: TypeAnzahl,
			Aliases: []string{"Züge", "Zügigkeit", "Anzahl Züge", "Zuegigkeit"}},
		{Name: "klassenfrequenz", Label: "Klassenfrequenz", Type: TypeAnzahl,
			Aliases: []string{"Klassenfrequenz", "max. Klassenstärke", "Klassenstärke", "Klassengröße", "Schüler je Klasse", "Schüler pro Klasse"}},
		{Name: "kapazitaet", Label: "Kapazität", Type: TypeAnzahl,
			Aliases: []string{"Kapazität", "Plätze", "Schulplätze", "Aufnahmekapazität"}},
	},
	ListeSchulbezirke: {
		withRequired(fStrasse, true),
		{Name: "hausnummer_von", Label: "Hausnummer von", Type: TypeHausnummer,
			Aliases: []string{"Hausnr. von", "HNr ab", "von", "ab", "Hausnummer von", "Hausnummer ab", "HNr von", "Nr. von", "von Hausnr."}},
		{Name: "hausnummer_bis", Label: "Hausnummer bis", Type: TypeHausnummer,
			Aliases: []string{"Hausnr. bis", "HNr bis", "bis", "Hausnummer bis", "Nr. bis", "bis Hausnr."}},
		{Name: "paritaet", Label: "Seite (gerade/ungerade)", Type: TypeParitaet,
			Aliases: []string{"gerade/ungerade", "Seite", "G/U", "Parität", "Straßenseite", "gerade ungerade", "Hausnummernseite"}},
		{Name: "zusatz_von", Label: "Zusatz von", Type: TypeZusatz,
			Aliases: []string{"Zusatz von", "Buchstabe", "Buchstabe von", "Zusatz ab"}},
		{Name: "zusatz_bis", Label: "Zusatz bis", Type: TypeZusatz,
			Aliases: []string{"Zusatz bis", "Buchstabe bis"}},
		fPLZ, fOrtsteil,
		// The school: by number where the directory has a number column,
		// else from the "Grundschule" column, which holds a number or a name.
		{Name: "schulnummer", Label: "Schulnummer", Required: true, Type: TypeSchulangabe, orFrom: "schulname",
			Aliases: slices.Clone(fSchulnummer.Aliases)},
		{Name: "schulname", Label: "Schule", Type: TypeText,
			Aliases: []string{"Grundschule", "Schule", "Schulname", "Name der Schule", "zuständige Schule", "zuständige Grundschule"}},
		{Name: "gueltig_ab", Label: "gültig ab", Type: TypeSchuljahr,
			Aliases: []string{"gültig ab", "ab Schuljahr", "gültig ab Schuljahr", "Schuljahr", "gültig seit"}},
	},
	ListeMelderegister: {
		{Name: "ordnungsmerkmal", Label: "Ordnungsmerkmal", Type: TypeID,
			Aliases: []string{"Ordnungsmerkmal", "OM", "Personen-ID", "lfd. Nr.", "Personenkennziffer", "Personen-Nr.", "ID"}},
		withRequired(fFamilienname, true),
		withRequired(fVornamen, true),
		{Name: "rufname", Label: "Rufname", Type: TypeText, Aliases: []string{"Rufname"}},
		withRequired(fGeburtsdatum, true),
		fGeschlecht,
		withAliases(withRequired(fStrasse, true), "Wohnstraße"),
		withRequired(fHausnummer, true),
		fZusatz, fPLZ, fOrt, fOrtsteil,
		{Name: "auskunftssperre", Label: "Auskunftssperre", Type: TypeJaNein,
			Aliases: []string{"Auskunftssperre", "Sperrvermerk", "Sperre", "Übermittlungssperre", "Auskunftssperre ja/nein"}},
		{Name: "zuzug", Label: "Zuzugsdatum", Type: TypeDate,
			Aliases: []string{"Zuzugsdatum", "Zuzug", "Zuzug am", "zugezogen am", "Einzugsdatum"}},
		{Name: "wegzug", Label: "Wegzugsdatum", Type: TypeDate,
			Aliases: []string{"Wegzugsdatum", "Wegzug", "Wegzug am", "weggezogen am", "Fortzug", "Fortzugsdatum"}},
		{Name: "sorgeberechtigte", Label: "Sorgeberechtigte", Type: TypeText, MaxLen: 500,
			Aliases: []string{"Sorgeberechtigte", "Eltern", "Erziehungsberechtigte", "Sorgeberechtigter", "Sorgeberechtigte 1", "Sorgeberechtigter 1", "Erziehungsberechtigter 1", "Erziehungsberechtigte 1", "Mutter"}},
		{Name: "sorgeberechtigte_2", Label: "Sorgeberechtigte (2. Spalte)", Type: TypeText, MaxLen: 500,
			Aliases: []string{"Sorgeberechtigte 2", "Sorgeberechtigter 2", "Erziehungsberechtigter 2", "Erziehungsberechtigte 2", "Vater"}},
	},
	ListeSchueler: {
		// Required in substance, but an upload may give it once for the whole
		// list instead of a column: the caller checks Columns["schulnummer"].
		fSchulnummer,
		{Name: "schuelernummer", Label: "Schülernummer", Type: TypeID,
			Aliases: []string{"Schülernummer", "Schüler-ID", "Schüler-Nr.", "landeseindeutige Schülernummer", "LSN", "Schüler-Kennung"}},
		withRequired(fFamilienname, true),
		withRequired(fVornamen, true),
		withRequired(fGeburtsdatum, true),
		fGeschlecht,
		{Name: "jahrgangsstufe", Label: "Jahrgangsstufe", Required: true, Type: TypeJahrgangsstufe, orFrom: "klasse",
			Aliases: []string{"Jahrgangsstufe", "Klassenstufe", "Jahrgang", "Stufe", "Jg.", "Kl.-Stufe", "Klassenstufe/Jahrgang"}},
		{Name: "klasse", Label: "Klasse", Type: TypeText, MaxLen: 50,
			Aliases: []string{"Klasse", "Klassenbezeichnung", "Kl.", "Klassenname", "Lerngruppe"}},
		{Name: "eintrittsdatum", Label: "Eintrittsdatum", Type: TypeDate,
			Aliases: []string{"Eintrittsdatum", "Aufnahmedatum", "Eintritt", "Aufnahme", "aufgenommen am", "Eintritt am", "Aufnahme am"}},
		fStrasse, fHausnummer, fZusatz, fPLZ, fOrt,
	},
	// A confirmation names the school outside the city; its number is
	// optional (another Land's numbers mean nothing here).
	ListeBestaetigungen: {
		withRequired(fFamilienname, true),
		withRequired(fVornamen, true),
		withRequired(fGeburtsdatum, true),
		{Name: "schulname", Label: "Schule", Required: true, Type: TypeText,
			Aliases: []string{"Schule", "Schulname", "Name der Schule", "besuchte Schule", "Bezeichnung der Schule"}},
		{Name: "schulnummer", Label: "Schulnummer", Type: TypeID, MaxLen: MaxLenOther, Aliases: slices.Clone(fSchulnummer.Aliases)},
		{Name: "ort", Label: "Ort der Schule", Type: TypeText, MaxLen: 100, Aliases: []string{"Ort", "Schulort", "Ort der Schule", "Stadt", "Gemeinde"}},
		{Name: "schuelernummer", Label: "Schülernummer", Type: TypeID,
			Aliases: []string{"Schülernummer", "Schüler-ID", "Schüler-Nr.", "landeseindeutige Schülernummer", "LSN", "Schüler-Kennung"}},
	},
	ListeSchuelerzahlen: {
		withRequired(fSchulnummer, true),
		{Name: "schuljahr", Label: "Schuljahr", Required: true, Type: TypeSchuljahr,
			Aliases: []string{"Schuljahr", "SJ", "Schuljahr (Beginn)"}},
		{Name: "jahrgangsstufe", Label: "Jahrgangsstufe", Required: true, Type: TypeJahrgangsstufe,
			Aliases: []string{"Jahrgangsstufe", "Klassenstufe", "Jahrgang", "Stufe", "Jg.", "Klasse"}},
		{Name: "anzahl", Label: "Anzahl", Required: true, Type: TypeAnzahl,
			Aliases: []string{"Anzahl", "Schüler", "Schülerzahl", "Anzahl Schüler", "Schülerinnen und Schüler"}},
	},
	ListeBevoelkerung: {
		// The Bezirk: by the number of its Grundschule, else from a "Bezirk"
		// column holding that school's number or name.
		{Name: "schulnummer", Label: "Schulnummer", Required: true, Type: TypeSchulangabe, orFrom: "bezirk",
			Aliases: slices.Clone(fSchulnummer.Aliases)},
		{Name: "bezirk", Label: "Schulbezirk", Type: TypeText,
			Aliases: []string{"Bezirk", "Schulbezirk", "Grundschulbezirk", "Einschulungsbezirk"}},
		{Name: "schuljahr", Label: "Schuljahr der Einschulung", Required: true, Type: TypeSchuljahr,
			Aliases: []string{"Schuljahr", "Einschulungsjahr", "Schuljahr der Einschulung", "Einschulung", "Einschulungsschuljahr"}},
		{Name: "anzahl", Label: "Anzahl", Required: true, Type: TypeAnzahl,
			Aliases: []string{"Anzahl", "Kinder", "Anzahl Kinder", "Kinderzahl", "Schulanfänger"}},
	},
}

// wunsch is the field of the n-th wished school of an application list.
func wunsch(n int, aliases ...string) Field {
	f := Field{Name: fmt.Sprintf("wunsch_%d", n), Label: fmt.Sprintf("%d. Wunsch", n), Type: TypeSchulnummer, Required: n == 1,
		Aliases: []string{fmt.Sprintf("%d. Wunsch", n), fmt.Sprintf("Wunsch %d", n), fmt.Sprintf("%d. Wunschschule", n), fmt.Sprintf("Wunschschule %d", n),
			fmt.Sprintf("Schulwunsch %d", n), fmt.Sprintf("%d. Schulwunsch", n)}}
	f.Aliases = append(f.Aliases, aliases...)
	return f
}

func init() {
	// An application names the child by Ordnungsmerkmal or by name and
	// birth date: none of them is required on its own (the Übergang
	// checks each row).
	fieldTable[ListeUebergang] = []Field{
		{Name: "ordnungsmerkmal", Label: "Ordnungsmerkmal", Type: TypeID,
			Aliases: []string{"Ordnungsmerkmal", "OM", "Personen-ID", "Personenkennziffer", "Personen-Nr."}},
		fFamilienname, fVornamen, fGeburtsdatum,
		{Name: "grundschule", Label: "Grundschule", Type: TypeSchulnummer,
			Aliases: []string{"Grundschule", "derzeitige Grundschule", "bisherige Schule", "abgebende Schule", "abgebende Grundschule", "Schulnummer Grundschule"}},
		wunsch(1, "Erstwunsch", "Erstwunschschule"),
		wunsch(2, "Zweitwunsch", "Zweitwunschschule"),
		wunsch(3, "Drittwunsch", "Drittwunschschule"),
		{Name: "haertefall", Label: "Härtefall", Type: TypeJaNein,
			Aliases: []string{"Härtefall", "Härtefallantrag", "Härtefall ja/nein"}},
		{Name: "geschwister", Label: "Geschwisterkind an Schule", Type: TypeText, MaxLen: 50,
			Aliases: []string{"Geschwisterkind", "Geschwister", "Geschwisterkind an Schule", "Geschwister an Schule", "Geschwisterkind Schulnummer"}},
		{Name: "schuljahr", Label: "Schuljahr der Aufnahme", Type: TypeSchuljahr,
			Aliases: []string{"Schuljahr", "Aufnahme zum Schuljahr", "Schuljahr der Aufnahme", "Aufnahmejahr"}},
	}
}

// Fields lists the canonical fields of a kind, in the order reports use.
// An unknown kind gives nil. The slice is a copy.
//
// For kind schueler the Schulnummer is not marked Required: an upload may
// name the school once instead of in a column. A caller without such an
// upload-wide number must treat a missing "schulnummer" column, and empty
// cells in it, as errors.
func Fields(k Listenart) []Field {
	fs, ok := fieldTable[k]
	if !ok {
		return nil
	}
	out := make([]Field, len(fs))
	for i, f := range fs {
		f.Aliases = slices.Clone(f.Aliases)
		out[i] = f
	}
	return out
}

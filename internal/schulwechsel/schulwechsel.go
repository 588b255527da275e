// Package schulwechsel is the domain model of a change of school: a pupil
// leaves one school (Abgang, BisherigeSchule) and is admitted at another
// (Aufnahme). Its shape follows the XSchule 1.2 message
// "schueler.wechsel.0001", so that a message can be read and written again
// without loss, but it knows nothing of XML: adapters/xschule maps between
// the two. Code values keep their code list (Code) so nothing is lost.
//
// Conventions: a zero value (empty string, zero Datum, zero Code, nil
// pointer or slice) means "not given". Pointers are used where "given but
// empty" must stay distinguishable, or for optional groups of fields.
package schulwechsel

import "strings"

// Code is one value from a code list (XÖV "Code"): the list's URI and
// version, the code itself, and the optional description ("name") that
// some lists carry in the message.
type Code struct {
	ListURI     string
	ListVersion string
	Value       string
	Name        string
}

// IsZero reports whether no code is set.
func (c Code) IsZero() bool { return c == Code{} }

// Auswahl is a code together with the free text XSchule allows when the
// value "~wert_nicht_in_liste" is chosen ("nichtGelisteterWert").
type Auswahl struct {
	Code                Code
	NichtGelisteterWert string
}

// IsZero reports whether nothing is set.
func (a Auswahl) IsZero() bool { return a == Auswahl{} }

// Text is a string with an optional language tag (XBildung
// "String.Localized", the xml:lang attribute).
type Text struct {
	Wert    string
	Sprache string // e.g. "de"; "" = not given
}

// IsZero reports whether nothing is set.
func (t Text) IsZero() bool { return t == Text{} }

// Zeitraum is a period; either end may be open.
type Zeitraum struct {
	Beginn Datum
	Ende   Datum
	Zusatz string
}

// Schulwechsel is one change of school as the message
// "schueler.wechsel.0001" carries it.
type Schulwechsel struct {
	Dokument         Dokument
	Schueler         Schueler
	Sorgeberechtigte []Sorgeberechtigter
	// Aufnahme is the admitting school and the admission (aufnehmendeSchule).
	Aufnahme *Aufnahme
	// BisherigeSchule is the school attended so far, the Abgang side
	// (besuchteSchule).
	BisherigeSchule   *BisherigeSchule
	Notenuebersichten []NotenuebersichtUndZeugnis
	Fremdsprachen     []Fremdsprache
	Schullaufbahn     *Schullaufbahn
	Praktika          []Praktikum
	// Erweiterung holds the key/value pairs of the standard's extension
	// point; nil when the message had none.
	Erweiterung *Erweiterung
}

// Dokument is the document header of the message (XBildung "Dokument").
// XSchule 1.2 has no message id, sender or receiver in this message: the
// issue (Ausstellung: date and place), the validity date and the nonce are
// what the standard offers.
type Dokument struct {
	Titel             Text
	Ausstellungen     []Ausstellung
	Gueltigkeitsdatum Datum
	Sprache           Code // language of the document, EU language authority list
	Nonce             string
}

// Ausstellung says when and where the document was issued.
type Ausstellung struct {
	Datum Datum
	Ort   *Ort
}

// Ort is a place with an optional state (XBildung/XSchule "Ortsangabe").
type Ort struct {
	Ort   string
	Staat Code // Destatis Staatsangehörigkeitsschlüssel, with name
}

// Schueler is the pupil who changes school.
type Schueler struct {
	Name                   Name
	Geburt                 Geburt
	Staatsangehoerigkeiten []Code
	Anschriften            []Anschrift
	Geschlecht             Code // m, w, d, x (XInneres/DSMeld)
	// Identifikationen holds identifiers such as the landeseindeutige
	// Schülernummer; see Schuelernummer.
	Identifikationen      []Identifikation
	Kommunikation         []Kommunikation
	Foerderbedarfe        []Foerderbedarf
	Impfungen             []Impfung
	Herkunftssprachen     []Code
	Verkehrssprachen      []Code
	Migrationshintergrund *Migrationshintergrund
	Konfession            Code
	Schulform             *Auswahl
	Schulprofil           Text
	Bildungsgang          Text
	Auskunftssperren      []Zeitraum // periods of an Auskunftssperre
}

// Schuelernummer returns the identifier described as "Schülernummer"
// (the landeseindeutige Schülernummer), if the message carries one.
func (s Schueler) Schuelernummer() (string, bool) {
	for _, id := range s.Identifikationen {
		b := strings.ToLower(strings.TrimSpace(id.Beschreibung))
		if b == "schülernummer" || b == "schuelernummer" {
			return id.ID, true
		}
	}
	return "", false
}

// Name is the name of a natural person.
type Name struct {
	Titel        string
	Anreden      []string
	Familienname Namensteil
	Geburtsname  Namensteil
	Vorname      Namensteil
	Rufname      Namensteil
}

// Namensteil is one part of a name (XSchule "AllgemeinerName"):
// NichtVorhanden = true says that rightly no name is given.
type Namensteil struct {
	Name           string
	NichtVorhanden *bool
}

// IsZero reports whether nothing is set.
func (n Namensteil) IsZero() bool { return n.Name == "" && n.NichtVorhanden == nil }

// Geburt is date and place of birth.
type Geburt struct {
	Datum Datum
	Ort   *Ort
}

// Anschrift is a postal address.
type Anschrift struct {
	Strasse      string
	Hausnummer   string
	Postfach     string
	Postleitzahl string
	Ort          string
	Ortsteil     string
	Zusatz       string
	Staat        Code
	Kodierung    *VerwaltungspolitischeKodierung
}

// VerwaltungspolitischeKodierung holds the official keys of the address's
// municipality.
type VerwaltungspolitischeKodierung struct {
	Kreis              Code
	Bezirk             Code
	Bundesland         Code
	Gemeindeschluessel Code // AGS
	Regionalschluessel Code // ARS
}

// Identifikation is an identifier with a description of what it is.
type Identifikation struct {
	ID           string
	Beschreibung string
	Gueltigkeit  *Zeitraum
}

// Kommunikation is a means of contact (phone, e-mail, …).
type Kommunikation struct {
	Kanal         Code // XÖV Erreichbarkeit: 01 E-Mail, 03 Telefon mobil, …
	Kennung       string
	IstDienstlich *bool
	Zusatz        string
}

// Foerderbedarf is a special educational need
// (sonderpädagogischer Förderbedarf) with its Förderschwerpunkte.
type Foerderbedarf struct {
	Art                Text
	Schwerpunkte       []Code
	Therapiemassnahmen []Text
	Foerdermassnahmen  []Foerdermassnahme
	Anlagen            []Anlage
}

// Foerdermassnahme is a support measure the pupil takes part in.
type Foerdermassnahme struct {
	Bezeichnung Text
	Zeitraeume  []Zeitraum
}

// Anlage is an attached document.
type Anlage struct {
	Dateiname   string
	Bezeichnung string
	MediaType   string
	Inhalt      []byte
}

// Impfung is a vaccination record: protection against a disease (measles).
type Impfung struct {
	Impfschutz Auswahl
	Krankheit  Code
}

// Migrationshintergrund holds country of birth and year of arrival.
type Migrationshintergrund struct {
	Geburtsland   Code
	JahrDesZuzugs int
}

// Sorgeberechtigter is a guardian (XSchule "erziehungsberechtigter"):
// either a natural person or an organisation.
type Sorgeberechtigter struct {
	Art                  Code // DSMeld gesetzlicher Vertreter: 1 Vater, 2 Mutter, …
	TagDerBeendigung     Datum
	Auskunftssperren     []Zeitraum
	Anschriften          []Anschrift
	Kontakte             []Kommunikation
	Person               *Person
	Organisation         *Organisation
	ZukuenftigeAnschrift *ZukuenftigeAnschrift // for families that move
}

// Person is a guardian who is a natural person.
type Person struct {
	Name         Name
	Geburtsdatum Datum
}

// Organisation is a guardian that is an organisation.
type Organisation struct {
	Name            Organisationsname
	Ansprechpartner []Name
}

// Organisationsname is the name of an organisation or school.
type Organisationsname struct {
	Name            string
	Kurzbezeichnung string
}

// ZukuenftigeAnschrift is the address a guardian will move to.
type ZukuenftigeAnschrift struct {
	Anschrift    Anschrift
	Beschreibung Text
}

// Schule is a school as the message names it.
type Schule struct {
	Name             *Organisationsname
	Kommunikation    []Kommunikation
	Identifikationen []Identifikation
	Anschriften      []Anschrift
	Traegerschaft    Code // ArtDerTraegerschaft
}

// Aufnahme is the admitting school and the admission itself.
type Aufnahme struct {
	Schule         Schule
	Datum          Datum
	Jahrgangsstufe Code
	Art            Auswahl // ArtDerSchulaufnahme
	Versetzt       *bool
	Versetzungstyp *Auswahl
}

// HatAngaben reports whether any admission detail (beyond the school) is
// set.
func (a Aufnahme) HatAngaben() bool {
	return !a.Datum.IsZero() || !a.Jahrgangsstufe.IsZero() || !a.Art.IsZero() || a.Versetzt != nil || a.Versetzungstyp != nil
}

// BisherigeSchule is the school attended so far (the Abgang side).
type BisherigeSchule struct {
	Schule           Schule
	Schulformen      []Auswahl // KMK ArtDerSchule
	Zusatzdaten      *SchulformZusatzdaten
	Schulprofile     []Text
	Bildungsgaenge   []Text
	Zeitraum         *Zeitraum // attendance; Ende is the day of leaving
	Schuljahrgaenge  []Schuljahrgang
	Wahlpflichtkurse []Kurs
	Fehlzeiten       *Fehlzeiten
}

// SchulformZusatzdaten are data specific to the type of school.
type SchulformZusatzdaten struct {
	SchulbesuchsjahreInSchuleingangsphase *int
	TeilnahmeGemeinsamerUnterricht        *Auswahl
}

// Schuljahrgang is one school year at the previous school.
type Schuljahrgang struct {
	Zeitraum                   *Zeitraum
	Versetzt                   *bool
	Versetzungstyp             *Auswahl
	TeilnahmeAmGanztagsangebot *bool
	Jahrgangsstufen            []Code
	Unterrichtsteilnahmen      []Unterrichtsteilnahme
}

// Unterrichtsteilnahme records (non-)attendance of lessons in a period.
type Unterrichtsteilnahme struct {
	Zeitraum                   Zeitraum
	Faecher                    []Code
	Arbeitsgemeinschaft        Text
	Art                        *Auswahl
	NichtteilnahmeAmUnterricht *bool
	NichtteilnahmeGenehmigt    *bool
	Zusatz                     Text
}

// Kurs is a course (XSchule "Schulkurs") without grades.
type Kurs struct {
	Identifikation              *Identifikation
	Bezeichnung                 Text
	Faecher                     []Code
	Schwerpunkt                 Text
	Aufgabenfeld                *Auswahl
	Beschreibung                Text
	Anforderungsniveau          Code
	Verpflichtungsgrad          *Auswahl
	SchluesselISCEDF2013        []Code
	VermittelteSprachkenntnisse []Fremdsprache
	Jahrgangsstufe              Code
	Halbjahr                    Code
	Status                      Code
	Berechnungsgrundlage        *bool
	Stunden                     string // xs:decimal, kept as written
}

// Fehlzeiten are days and hours of absence; decimals kept as written.
type Fehlzeiten struct {
	TageGesamt          string
	TageEntschuldigt    string
	StundenGesamt       string
	StundenEntschuldigt string
}

// NotenuebersichtUndZeugnis holds the last report and the courses of a
// change during the school year.
type NotenuebersichtUndZeugnis struct {
	LetzteZeugnisse       []Anlage
	UnterjaehrigerWechsel []Kurs
}

// Fremdsprache is a foreign language learned at school.
type Fremdsprache struct {
	Sprache                         Code
	Abfolge                         *Auswahl
	Beginn                          Code   // Jahrgangsstufe
	Ende                            Code   // Jahrgangsstufe
	BelegteJahre                    string // xs:decimal, kept as written
	GER                             []Code // CEFR level(s), at most two
	ErreichterAbschluss             Code
	Fach                            Code
	HerkunftssprachlicherUnterricht *bool
}

// Schullaufbahn is the school career: start of Schulpflicht, recommendation,
// repeated and skipped grades.
type Schullaufbahn struct {
	BeginnDerSchulpflicht Datum
	Empfehlung            *Auswahl
	Wiederholungen        []KlasseWiederholt
	Ueberspruenge         []KlasseUebersprungen
}

// KlasseWiederholt is a repeated grade.
type KlasseWiederholt struct {
	Jahr                 int
	Klassenstufe         Code
	AnzahlWiederholungen string // xs:double, kept as written
}

// KlasseUebersprungen is a skipped grade.
type KlasseUebersprungen struct {
	Jahr         int
	Klassenstufe Code
}

// Praktikum is an internship.
type Praktikum struct {
	Zeitraum         *Zeitraum
	Praktikumsstelle string
	Ort              *Ort
}

// Erweiterung is the standard's extension point: key/value pairs.
type Erweiterung struct {
	Eigenschaften []Eigenschaft
}

// Eigenschaft is one key/value pair, optionally from a key list.
type Eigenschaft struct {
	ListURI     string
	ListVersion string
	Schluessel  string
	Wert        string
}

// Hinweis notes something the gateway normalised while taking a message,
// without refusing it: e.g. a code written with another version of its
// code list than the one the gateway holds, taken as the same code.
// Pointer is the place in the message (an XML path or a JSON pointer, as
// in field errors), Code says what happened, Message says it in German.
type Hinweis struct {
	Pointer string
	Code    string
	Message string
}

package uebergang

import (
	"time"

	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// AufnahmeKind is what the admission of a child at the school it holds a
// place at says: the child as the register has it, its Grundschule ("" if
// not known) and the admitting school.
type AufnahmeKind struct {
	Familienname, Vornamen string
	Geburtsdatum           time.Time
	Geschlecht             string // m, w, d, x or ""
	Strasse, Hausnummer    string
	PLZ, Ort               string
	Auskunftssperre        bool
	Grundschule            string
	Schulnummer            string
}

// Codes of an Übergang admission in the XSchule code lists.
var (
	jahrgangsstufe5 = schulwechsel.Code{ListURI: "urn:xschule-digital:xschule:codeliste:jahrgangsstufe", ListVersion: "1.0",
		Value: "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_5"}
	// The list ArtDerSchulaufnahme has no value for the transition into
	// Schuljahrgang 5; XSchule says so with ~wert_nicht_in_liste and a text.
	artUebergang = schulwechsel.Auswahl{Code: schulwechsel.Code{ListURI: "urn:xschule-digital:xschule:codeliste:artderschulaufnahme", ListVersion: "2025-02-25",
		Value: "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/~wert_nicht_in_liste"},
		NichtGelisteterWert: "Übergang in Schuljahrgang 5 (Verteilung des Schulträgers)"}
	deutsch = schulwechsel.Code{Value: "http://publications.europa.eu/resource/authority/language/DEU"}
)

// Aufnahme is the change of school that admits child k into Schuljahrgang
// 5 of its school on 1 August of sj, leaving its Grundschule on 31 July:
// the admission the receiving school sees among its other admissions. The
// address is left out under an Auskunftssperre (the school learns it from
// the family).
func Aufnahme(sj werte.Schuljahr, k AufnahmeKind) *schulwechsel.Schulwechsel {
	beginn := time.Date(sj.StartYear(), time.August, 1, 0, 0, 0, 0, time.UTC)
	w := &schulwechsel.Schulwechsel{
		Dokument: schulwechsel.Dokument{Sprache: deutsch},
		Schueler: schulwechsel.Schueler{
			Name:   schulwechsel.Name{Familienname: schulwechsel.Namensteil{Name: k.Familienname}, Vorname: schulwechsel.Namensteil{Name: k.Vornamen}},
			Geburt: schulwechsel.Geburt{Datum: schulwechsel.DatumAus(k.Geburtsdatum)},
		},
		Aufnahme: &schulwechsel.Aufnahme{
			Schule:         schulwechsel.Schule{Identifikationen: []schulwechsel.Identifikation{{ID: k.Schulnummer, Beschreibung: "Schulnummer"}}},
			Datum:          schulwechsel.DatumAus(beginn),
			Jahrgangsstufe: jahrgangsstufe5,
			Art:            artUebergang,
		},
	}
	switch k.Geschlecht {
	case "m", "w", "d", "x": // XInneres/DSMeld, as a JSON Schulwechsel writes it
		w.Schueler.Geschlecht = schulwechsel.Code{Value: k.Geschlecht}
	}
	if !k.Auskunftssperre && k.Strasse != "" {
		w.Schueler.Anschriften = []schulwechsel.Anschrift{{Strasse: k.Strasse, Hausnummer: k.Hausnummer, Postleitzahl: k.PLZ, Ort: k.Ort}}
	}
	if k.Grundschule != "" {
		w.BisherigeSchule = &schulwechsel.BisherigeSchule{
			Schule:   schulwechsel.Schule{Identifikationen: []schulwechsel.Identifikation{{ID: k.Grundschule, Beschreibung: "Schulnummer"}}},
			Zeitraum: &schulwechsel.Zeitraum{Ende: schulwechsel.DatumAus(beginn.AddDate(0, 0, -1))},
		}
	}
	return w
}

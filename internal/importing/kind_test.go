package importing

import (
	"errors"
	"fmt"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

func TestParseKind(t *testing.T) {
	valid := map[string]Listenart{
		"schulen": ListeSchulen, "Schulen": ListeSchulen, "schulbezirke": ListeSchulbezirke,
		"Straßenverzeichnis": ListeSchulbezirke, "melderegister": ListeMelderegister,
		"Melderegister-Auszug": ListeMelderegister, "schueler": ListeSchueler, "Schüler": ListeSchueler,
	}
	for in, want := range valid {
		got, err := ParseListenart(in)
		if err != nil || got != want {
			t.Errorf("ParseListenart(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	_, err := ParseListenart("lehrer")
	var p *Problem
	if !errors.As(err, &p) || p.Code != CodeListenartUnbekannt || !strings.Contains(p.Message, "„lehrer“") {
		t.Errorf("ParseListenart(lehrer) error = %v", err)
	}
}

// The required fields are those of docs/import-formats.md.
func TestFieldsRequired(t *testing.T) {
	want := map[Listenart]string{
		ListeSchulen:       "schulnummer name schulform",
		ListeSchulbezirke:  "strasse schulnummer",
		ListeMelderegister: "familienname vornamen geburtsdatum strasse hausnummer",
		ListeSchueler:      "familienname vornamen geburtsdatum jahrgangsstufe",
		// Schulbesuchsbestätigungen: not in import-formats.md yet; issue 6.
		ListeBestaetigungen: "familienname vornamen geburtsdatum schulname",
		// issue 7: the planners' aggregates
		ListeSchuelerzahlen: "schulnummer schuljahr jahrgangsstufe anzahl",
		ListeBevoelkerung:   "schulnummer schuljahr anzahl",
		// issue 20: a list of applications; the child by id or by name
		ListeUebergang: "wunsch_1",
	}
	for _, k := range Listenarten() {
		var req []string
		for _, f := range Fields(k) {
			if f.Required {
				req = append(req, f.Name)
			}
			if f.Label == "" || f.Type == "" || len(f.Aliases) == 0 {
				t.Errorf("%s.%s is incomplete: %+v", k, f.Name, f)
			}
		}
		if got := strings.Join(req, " "); got != want[k] {
			t.Errorf("required fields of %s = %q, want %q", k, got, want[k])
		}
	}
	if Fields("lehrer") != nil {
		t.Error("Fields of an unknown kind should be nil")
	}
}

func TestFieldsAreCopies(t *testing.T) {
	fs := Fields(ListeMelderegister)
	fs[0].Name = "kaputt"
	fs[1].Aliases[0] = "kaputt"
	again := Fields(ListeMelderegister)
	if again[0].Name == "kaputt" || again[1].Aliases[0] == "kaputt" {
		t.Error("Fields exposes the package's table")
	}
}

// Within a kind, a normalised alias must point to one field only;
// otherwise the first field would silently win.
func TestAliasesUnambiguous(t *testing.T) {
	for _, k := range Listenarten() {
		owner := map[string]string{}
		for _, f := range Fields(k) {
			for _, a := range append([]string{f.Name, f.Label}, f.Aliases...) {
				key := NormalizeHeader(a)
				if prev, ok := owner[key]; ok && prev != f.Name {
					t.Errorf("%s: header %q (%q) fits %s and %s", k, a, key, prev, f.Name)
				}
				owner[key] = f.Name
			}
		}
	}
}

// Every field's own typical headers from docs/import-formats.md are
// recognised exactly.
func TestDocumentedHeadersRecognised(t *testing.T) {
	docs := map[Listenart]map[string][]string{
		ListeSchulen: {
			"schulnummer": {"Schulnummer", "Schul-Nr.", "SNR", "Dienststellennummer"},
			"name":        {"Name", "Schulname", "Bezeichnung"},
			"schulform":   {"Schulform", "Schulart", "Typ"},
			"traeger":     {"Träger", "Trägerschaft"},
			"strasse":     {"Straße"}, "hausnummer": {"Hausnr."}, "plz": {"PLZ"}, "ort": {"Ort"},
			"zuege":           {"Züge", "Zügigkeit"},
			"klassenfrequenz": {"Klassenfrequenz", "max. Klassenstärke"},
			"kapazitaet":      {"Kapazität", "Plätze"},
		},
		ListeSchulbezirke: {
			"strasse":        {"Straße", "Strassenname", "Str."},
			"hausnummer_von": {"Hausnr. von", "HNr ab", "von"},
			"hausnummer_bis": {"bis"},
			"paritaet":       {"gerade/ungerade", "Seite", "G/U"},
			"zusatz_von":     {"Zusatz von", "Buchstabe"},
			"plz":            {"PLZ"}, "ortsteil": {"Ortsteil"},
			"schulnummer": {"Schulnummer", "Schul-Nr."},
			"schulname":   {"Grundschule", "Schule", "Schulname"},
			"gueltig_ab":  {"gültig ab", "ab Schuljahr"},
		},
		ListeMelderegister: {
			"ordnungsmerkmal":  {"Ordnungsmerkmal", "OM", "Personen-ID", "lfd. Nr."},
			"familienname":     {"Familienname", "Nachname", "Name"},
			"vornamen":         {"Vornamen", "Vorname(n)"},
			"rufname":          {"Rufname"},
			"geburtsdatum":     {"Geburtsdatum", "Geb.-Datum", "geb. am"},
			"geschlecht":       {"Geschlecht", "Geschl.", "m/w"},
			"auskunftssperre":  {"Auskunftssperre", "Sperrvermerk"},
			"zuzug":            {"Zuzugsdatum"},
			"wegzug":           {"Wegzugsdatum"},
			"sorgeberechtigte": {"Sorgeberechtigte", "Eltern", "Erziehungsberechtigte"},
		},
		ListeSchueler: {
			"schulnummer":    {"Schulnummer"},
			"schuelernummer": {"Schülernummer", "Schüler-ID"},
			"jahrgangsstufe": {"Klassenstufe", "Jahrgang"},
			"klasse":         {"Klasse"},
			"eintrittsdatum": {"Aufnahmedatum", "Eintritt"},
		},
	}
	for k, byField := range docs {
		ix := indexFor(k)
		for want, headers := range byField {
			for _, h := range headers {
				cm, ok, _, _ := ix.matchColumn(h, nil)
				if !ok || cm.field != want || cm.quality != qualityExact {
					t.Errorf("%s: header %q → %+v (ok=%v), want exact %s", k, h, cm, ok, want)
				}
			}
		}
	}
}

// Every message about an unknown kind names all kinds (issue 14, point 10:
// it named 4 of 7).
func TestUnknownKindMessageNamesEveryKind(t *testing.T) {
	_, err := ParseListenart("lehrer")
	msgs := map[string]string{"ParseListenart": err.Error(), "UnknownListenartMessage": UnknownListenartMessage("lehrer")}
	svc := NewService(nil, Limits{})
	if _, err := svc.Submit(t.Context(), Request{Kind: "lehrer", Filename: "x.csv"}, strings.NewReader("x")); err != nil {
		msgs["Submit"] = fmt.Sprint(err)
		if e, ok := apperr.As(err); ok {
			for _, f := range e.Fields {
				msgs["Submit"] += " " + f.Message
			}
		}
	}
	if _, _, err := svc.Mapping(t.Context(), "lehrer"); err != nil {
		msgs["Mapping"] = err.Error()
	}
	if len(msgs) != 4 {
		t.Fatalf("messages: %v", msgs)
	}
	for where, msg := range msgs {
		for _, k := range Listenarten() {
			if !strings.Contains(msg, string(k)) {
				t.Errorf("%s: %q does not name %s", where, msg, k)
			}
		}
	}
}

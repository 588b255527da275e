package auth

import (
	"fmt"
	"strings"
)

// Sicht says how a role sees a field of a resource.
type Sicht int

const (
	Nie        Sicht = iota // not shown
	Immer                   // shown
	OhneSperre              // shown unless the person has an Auskunftssperre (§§ 51, 52 BMG)
)

// Feldrichtlinie is what each role sees of one resource that carries
// personal data: the field policy (in the spirit of Ed-Fi API Profiles).
// The README shows the same table (a test keeps them equal), and a test
// holds Felder against the resource's schema in openapi.yaml ("a.b" names
// part b of field a: a rule of its own, not a schema property).
type Feldrichtlinie struct {
	Ressource string // the schema in openapi.yaml, or a file export
	Zweck     string // why these roles see it (German)
	Felder    []string
	Rollen    map[Role]map[string]Sicht // a role not listed sees nothing
}

func alle(s Sicht, felder []string, ausser map[string]Sicht) map[string]Sicht {
	m := map[string]Sicht{}
	for _, f := range felder {
		m[f] = s
		if v, ok := ausser[f]; ok {
			m[f] = v
		}
	}
	return m
}

var (
	kindFelder  = []string{"id", "familienname", "vornamen", "geburtsdatum", "geschlecht", "anschrift", "schulnummer", "art", "status", "untersuchung"}
	listeFelder = []string{"familienname", "vornamen", "geburtsdatum", "geschlecht", "strasse", "hausnummer", "plz", "ort",
		"auskunftssperre", "art", "status"}
	wechselFelder            = []string{"id", "format", "bewegung", "created_at", "schueler", "sorgeberechtigte", "aufnahme", "bisherige_schule", "hinweise", "klaerung", "withdrawn_at"}
	offenFelder              = []string{"art", "schulwechsel_id", "familienname", "vornamen", "geburtsdatum", "schule", "aufnehmende", "seit", "frist", "text"}
	bescheinigungFelder      = []string{"id", "format", "created_at", "schueler", "schule", "schulbesuch", "ausgestellt_am", "gueltig_von", "gueltig_bis", "hinweise"}
	untersuchungFelder       = []string{"kind_id", "untersucht_am", "ergebnis"}
	untersuchungslisteFelder = []string{"kennung", "familienname", "vornamen", "geburtsdatum", "geschlecht", "strasse", "hausnummer", "plz", "ort",
		"sorgeberechtigte", "auskunftssperre", "schulnummer", "grundschule", "untersucht_am", "ergebnis"}
	changeFelder    = []string{"position", "created_at", "time", "entity", "id", "operation", "key"}
	fehlerFelder    = []string{"sheet", "row", "column", "cell", "field", "code", "message", "message.anschrift"}
	zuordnungFelder = []string{"kind_id", "ordnungsmerkmal", "familienname", "vornamen", "geburtsdatum", "entscheidung", "score",
		"uebereinstimmend", "begruendung", "schueler"}
	fallFelder = []string{"id", "kind_id", "kind", "kind.anschrift", "status", "grund", "befreit_bis", "anlass", "bemerkung", "abgleich_id", "letzter_abgleich_id",
		"letzte_entscheidung", "created_at", "updated_at", "historie"}
	lueckeFelder = []string{"strasse", "hausnummer", "plz", "ortsteil", "grund", "anzahl", "kinder"}
	auditFelder  = []string{"seq", "created_at", "zeit", "subject", "rollen", "client", "operation", "ressource", "anzahl", "request_id", "ergebnis", "detail", "hash"}
)

// Fields of the Übergang in Schuljahrgang 5.
var (
	uebergangFelder = []string{"id", "schuljahr", "ordnungsmerkmal", "familienname", "vornamen", "geburtsdatum", "grundschule", "wuensche",
		"haertefall", "geschwister", "updated_at"}
	zuteilungFelder = []string{"anmeldung_id", "schulnummer", "wunsch", "losnummer", "warteliste", "abgesagt"}
	absageFelder    = []string{"id", "anmeldung_id", "erfasst_am", "erfasst_von", "bewegungen"}
	briefeFelder    = []string{"bescheid", "familienname", "vornamen", "geburtsdatum", "sorgeberechtigte", "strasse", "hausnummer", "plz", "ort",
		"auskunftssperre", "grundschule", "wuensche", "schulnummer", "schule", "wunsch", "warteliste", "anmeldung_id"}
)

// Feldrichtlinien is the field policy of the gateway. Planners (role
// planung) appear nowhere: they see aggregates only.
var Feldrichtlinien = []Feldrichtlinie{
	{
		Ressource: "EinschulungKind", Zweck: "Einschulung: das BMS legt die Kinder an, das Schulamt klärt Fälle; das Ergebnis der Schuleingangsuntersuchung sieht nur das Schulamt (über Zurückstellungen entscheidet es, nicht das BMS)",
		Felder: kindFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleBMS:      alle(Immer, kindFelder, map[string]Sicht{"anschrift": OhneSperre, "untersuchung": Nie}),
			RoleSchulamt: alle(Immer, kindFelder, nil),
		},
	},
	{
		Ressource: "Einschulungsliste", Zweck: "liste.xlsx und liste.csv für die Grundschulen; sie verlassen das Schulamt",
		Felder: listeFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleSchulamt: alle(Immer, listeFelder, map[string]Sicht{"strasse": OhneSperre, "hausnummer": OhneSperre, "plz": OhneSperre, "ort": OhneSperre}),
		},
	},
	{
		Ressource: "Schulwechsel", Zweck: "Meldungen des BMS; das Schulamt verfolgt offene Abgänge",
		Felder: wechselFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleBMS: alle(Immer, wechselFelder, nil), RoleSchulamt: alle(Immer, wechselFelder, nil), RoleAdmin: alle(Immer, wechselFelder, nil),
		},
	},
	{
		Ressource: "SchulwechselOffenerPunkt", Zweck: "Schulwechsel, die das Schulamt klären muss (unbekannte Schüler, überfällige Abgänge)",
		Felder: offenFelder,
		Rollen: map[Role]map[string]Sicht{RoleSchulamt: alle(Immer, offenFelder, nil), RoleAdmin: alle(Immer, offenFelder, nil)},
	},
	{
		Ressource: "Schulbescheinigung", Zweck: "Schulbescheinigungen von Schulen (meist außerhalb der Stadt) als Nachweis für den Schulpflicht-Abgleich; wer sie meldet, liest sie zurück",
		Felder: bescheinigungFelder,
		Rollen: map[Role]map[string]Sicht{RoleBMS: alle(Immer, bescheinigungFelder, nil), RoleSchulamt: alle(Immer, bescheinigungFelder, nil)},
	},
	{
		Ressource: "Untersuchungsliste", Zweck: "GET …/untersuchungen, untersuchung.xlsx und .csv für das Gesundheitsamt (Einladung zur Schuleingangsuntersuchung); die Anschrift bleibt bei Auskunftssperre, markiert, weil das Gesundheitsamt als Behörde jedes Kind einladen muss",
		Felder: untersuchungslisteFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleSchulamt:       alle(Immer, untersuchungslisteFelder, nil),
			RoleGesundheitsamt: alle(Immer, untersuchungslisteFelder, nil),
		},
	},
	{
		Ressource: "Untersuchung", Zweck: "Ergebnis der Schuleingangsuntersuchung, nur was für die Aufnahme zählt, nie ein Befund; das Gesundheitsamt meldet es, das Schulamt sieht es am Jahrgang",
		Felder: untersuchungFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleSchulamt:       alle(Immer, untersuchungFelder, nil),
			RoleGesundheitsamt: alle(Immer, untersuchungFelder, nil),
		},
	},
	{
		Ressource: "Change", Zweck: "Änderungsprotokoll für das BMS; Kinder nur mit Pseudonym",
		Felder: changeFelder,
		Rollen: map[Role]map[string]Sicht{RoleBMS: alle(Immer, changeFelder, nil)},
	},
	{
		Ressource: "ImportError", Zweck: "Fehler einer hochgeladenen Liste, mit den Zellwerten, für die Korrektur (auch errors.xlsx: nur die fehlerhaften Zeilen)",
		Felder: fehlerFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleSchulamt: alle(Immer, fehlerFelder, nil),
			RoleAdmin:    alle(Immer, fehlerFelder, map[string]Sicht{"message.anschrift": OhneSperre}),
		},
	},
	{
		Ressource: "SchulpflichtZuordnung", Zweck: "Schulpflicht-Abgleich: warum ein Kind einer Schule zugeordnet wurde",
		Felder: zuordnungFelder,
		Rollen: map[Role]map[string]Sicht{RoleSchulamt: alle(Immer, zuordnungFelder, nil), RoleAdmin: alle(Immer, zuordnungFelder, nil)},
	},
	{
		Ressource: "Fall", Zweck: "Schulpflicht-Fälle (auch faelle.xlsx); das Schulamt klärt sie mit der Familie",
		Felder: fallFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleSchulamt: alle(Immer, fallFelder, nil),
			RoleAdmin:    alle(Immer, fallFelder, map[string]Sicht{"kind.anschrift": OhneSperre}),
		},
	},
	{
		Ressource: "Abdeckungsluecke", Zweck: "Lücken des Straßenverzeichnisses: das Schulamt ergänzt es, die IT sieht nur, wo",
		Felder: lueckeFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleSchulamt: alle(Immer, lueckeFelder, nil),
			RoleAdmin:    alle(OhneSperre, lueckeFelder, map[string]Sicht{"grund": Immer, "anzahl": Immer, "kinder": Nie}),
		},
	},
	{
		Ressource: "UebergangAnmeldung", Zweck: "Anmeldungen zum Schuljahrgang 5; das BMS erhält seine Anmeldung zurück, ohne das Ordnungsmerkmal des Melderegisters",
		Felder: uebergangFelder,
		Rollen: map[Role]map[string]Sicht{
			RoleBMS:      alle(Immer, uebergangFelder, map[string]Sicht{"ordnungsmerkmal": Nie}),
			RoleSchulamt: alle(Immer, uebergangFelder, nil),
		},
	},
	{
		Ressource: "UebergangZuteilung", Zweck: "Ergebnis einer Verteilung je Anmeldung (auch in UebergangVerteilung); Namen nur über die Anmeldung",
		Felder: zuteilungFelder,
		Rollen: map[Role]map[string]Sicht{RoleSchulamt: alle(Immer, zuteilungFelder, nil)},
	},
	{
		Ressource: "UebergangBriefe", Zweck: "briefe.xlsx und briefe.csv eines bestätigten Laufs für Aufnahme- und Ablehnungsbescheide (Serienbrief); die Anschrift bleibt bei Auskunftssperre, markiert, weil der Bescheid an die Familie selbst geht",
		Felder: briefeFelder,
		Rollen: map[Role]map[string]Sicht{RoleSchulamt: alle(Immer, briefeFelder, nil)},
	},
	{
		Ressource: "UebergangAbsage", Zweck: "Absagen und Nachrücken im bestätigten Lauf; Kinder nur über die Anmeldung",
		Felder: absageFelder,
		Rollen: map[Role]map[string]Sicht{RoleSchulamt: alle(Immer, absageFelder, nil)},
	},
	{
		Ressource: "AuditEntry", Zweck: "Zugriffsprotokoll: wer hat was gesehen",
		Felder: auditFelder,
		Rollen: map[Role]map[string]Sicht{RoleAdmin: alle(Immer, auditFelder, nil)},
	},
}

// Sieht reports whether p sees field feld of resource ressource for a
// person with (gesperrt) or without an Auskunftssperre. A resource or field
// not in the table is not seen: a new field must be given a policy first.
func Sieht(p Principal, ressource, feld string, gesperrt bool) bool {
	for _, r := range Feldrichtlinien {
		if r.Ressource != ressource {
			continue
		}
		for _, role := range p.Roles {
			switch r.Rollen[role][feld] {
			case Immer:
				return true
			case OhneSperre:
				if !gesperrt {
					return true
				}
			}
		}
	}
	return false
}

// FeldrichtlinienMarkdown renders the table for the README: per resource
// its fields and, per role, what of them it sees.
func FeldrichtlinienMarkdown() string {
	var b strings.Builder
	b.WriteString("| Ressource | Felder")
	for _, role := range AllRoles {
		b.WriteString(" | " + string(role))
	}
	b.WriteString(" |\n|---|---" + strings.Repeat("|---", len(AllRoles)) + "|\n")
	for _, r := range Feldrichtlinien {
		row := []string{fmt.Sprintf("**%s**: %s", r.Ressource, r.Zweck), "`" + strings.Join(r.Felder, "`, `") + "`"}
		for _, role := range AllRoles {
			var immer, gesperrt []string
			for _, f := range r.Felder {
				switch r.Rollen[role][f] {
				case Immer:
					immer = append(immer, f)
				case OhneSperre:
					gesperrt = append(gesperrt, f)
				}
			}
			switch {
			case len(immer)+len(gesperrt) == 0:
				row = append(row, "–")
			case len(gesperrt) == 0 && len(immer) == len(r.Felder):
				row = append(row, "alle")
			case len(immer)+len(gesperrt) == len(r.Felder):
				row = append(row, "alle; `"+strings.Join(gesperrt, "`, `")+"` nicht bei Auskunftssperre")
			case len(gesperrt) == 0:
				row = append(row, "`"+strings.Join(immer, "`, `")+"`")
			default:
				row = append(row, "`"+strings.Join(append(immer, gesperrt...), "`, `")+"`; `"+strings.Join(gesperrt, "`, `")+"` nicht bei Auskunftssperre")
			}
		}
		b.WriteString("| " + strings.Join(row, " | ") + " |\n")
	}
	return b.String()
}

package importing

import (
	"fmt"

	"github.com/schulgateway/schulgateway/internal/schule"
)

// BekannteSchule is a school the gateway knows, as the rules of a list
// that names schools need it.
type BekannteSchule struct {
	Schulnummer string
	Name        string
	Schulform   schule.Schulform
}

// NenntSchulen is true for the kinds whose rows name a school the gateway
// must know: a street directory, a pupil list and the planners' lists.
func NenntSchulen(k Listenart) bool {
	switch k {
	case ListeSchulbezirke, ListeSchueler, ListeSchuelerzahlen, ListeBevoelkerung:
		return true
	}
	return false
}

// SchulPruefung returns the rule of kind k over the known schools: a row
// must name a school the gateway knows (a directory and a list of Bezirke
// may name it by its name; the row then carries its number), and a
// Bezirk is that of a Grundschule. nil for kinds that name no school.
func SchulPruefung(k Listenart, schulen []BekannteSchule) func(*Record) {
	if !NenntSchulen(k) {
		return nil
	}
	byNumber := map[string]bool{}
	byName := map[string]string{}
	form := map[string]schule.Schulform{}
	for _, s := range schulen {
		byNumber[s.Schulnummer] = true
		byName[NormalizeHeader(s.Name)] = s.Schulnummer
		form[s.Schulnummer] = s.Schulform
	}
	return func(rec *Record) {
		var nummer, label string
		switch x := rec.Values.Get("schulnummer").(type) {
		case Schulangabe:
			nummer, label = x.Schulnummer, x.Schulnummer
			if nummer == "" {
				nummer, label = byName[NormalizeHeader(x.Name)], x.Name
			}
		case string:
			nummer, label = x, x
		}
		if nummer != "" && byNumber[nummer] && k == ListeBevoelkerung && form[nummer] != schule.Grundschule {
			rec.Problems = append(rec.Problems, CellProblem{
				Problem: Problem{Field: "schulnummer", Code: "keine_grundschule", Value: label,
					Message: fmt.Sprintf("„%s“ ist keine Grundschule: Kinder je Bezirk gehören zum Schulbezirk einer Grundschule.", label)},
				Column: -1, Label: "Schulnummer",
			})
			return
		}
		if nummer != "" && byNumber[nummer] {
			rec.Values.Set("schulnummer", nummer)
			return
		}
		rec.Problems = append(rec.Problems, CellProblem{
			Problem: Problem{Field: "schulnummer", Code: "schule_unbekannt", Value: label,
				Message: fmt.Sprintf("Eine Schule „%s“ ist nicht bekannt. Bitte die Schulnummer prüfen oder die Schule zuerst anlegen.", label)},
			Column: -1, Label: "Schulnummer",
		})
	}
}

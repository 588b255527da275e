package importing

import (
	"testing"

	"github.com/schulgateway/schulgateway/internal/schule"
)

// A list that names schools is checked against the schools the gateway
// knows: by number or (directory, Bezirke) by name, and a Bezirk belongs
// to a Grundschule only.
func TestSchulPruefung(t *testing.T) {
	known := []BekannteSchule{
		{Schulnummer: "20101", Name: "Grundschule Am Anger", Schulform: schule.Grundschule},
		{Schulnummer: "30201", Name: "Gymnasium Latina", Schulform: schule.Gymnasium},
	}
	cases := []struct {
		name     string
		kind     Listenart
		value    any
		wantCode string
		wantNr   string
	}{
		{"Bezirk by the Grundschule's name", ListeBevoelkerung, Schulangabe{Name: "grundschule am anger"}, "", "20101"},
		{"Bezirk of a Gymnasium", ListeBevoelkerung, Schulangabe{Name: "Gymnasium Latina"}, "keine_grundschule", ""},
		{"pupils of a Gymnasium", ListeSchueler, "30201", "", "30201"},
		{"unknown number", ListeSchuelerzahlen, "99999", "schule_unbekannt", ""},
		{"unknown name", ListeSchulbezirke, Schulangabe{Name: "Schule am Mond"}, "schule_unbekannt", ""},
	}
	for _, c := range cases {
		check := SchulPruefung(c.kind, known)
		rec := Record{Values: ValuesOf(c.kind, map[string]any{"schulnummer": c.value})}
		check(&rec)
		code := ""
		if len(rec.Problems) > 0 {
			code = rec.Problems[0].Code
			if rec.Problems[0].Message == "" {
				t.Errorf("%s: problem without message", c.name)
			}
		}
		if code != c.wantCode || c.wantNr != "" && rec.Values.Get("schulnummer") != c.wantNr {
			t.Errorf("%s: problem %q, schulnummer %v; want %q, %q", c.name, code, rec.Values.Get("schulnummer"), c.wantCode, c.wantNr)
		}
	}
	if SchulPruefung(ListeMelderegister, known) != nil {
		t.Error("the register names no school, but gets a school rule")
	}
}

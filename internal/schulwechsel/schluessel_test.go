package schulwechsel

import (
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// The keys a message writes must be the ones the import of the
// Melderegister and of pupil lists forms, or an uploaded list would not
// find the records a Schulwechsel changed.
func TestSchluesselWieImport(t *testing.T) {
	geb := time.Date(2016, 3, 4, 0, 0, 0, 0, time.UTC)
	for _, p := range []struct{ fam, vor string }{
		{"Müller-Lüdenscheidt", "Mira Johanna"}, {"MUELLER LUEDENSCHEIDT", "mira-johanna"}, {"Weiß", "René"}, {"", ""},
	} {
		want := importing.Schluessel(importing.ListeMelderegister, importing.ValuesOf(importing.ListeMelderegister,
			map[string]any{"familienname": p.fam, "vornamen": p.vor, "geburtsdatum": geb}))
		if got := Personenschluessel(p.fam, p.vor, geb); got != want {
			t.Errorf("personenschluessel(%q, %q) = %q, import: %q", p.fam, p.vor, got, want)
		}
		for _, sn := range []string{"", "4711"} {
			want := importing.Schluessel(importing.ListeSchueler, importing.ValuesOf(importing.ListeSchueler, map[string]any{"schulnummer": "20101",
				"schuelernummer": sn, "familienname": p.fam, "vornamen": p.vor, "geburtsdatum": geb}))
			if got := schuelerSchluessel("20101", sn, p.fam, p.vor, geb); got != want {
				t.Errorf("schuelerSchluessel(%q, %q, %q) = %q, import: %q", sn, p.fam, p.vor, got, want)
			}
		}
	}
	if a, b := Personenschluessel("Müller", "Mira", geb), Personenschluessel("MUELLER", "mira", geb); a != b {
		t.Errorf("spellings of one person give %q and %q", a, b)
	}
}

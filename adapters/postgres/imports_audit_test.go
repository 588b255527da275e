package postgres_test

import (
	"context"
	"testing"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// Each way an import ends leaves one audit entry in the uploader's name
// that says how it ended: the domain's outcome (importing.Runner) on the
// audit log's scale – refused and failed lists as 422, dry runs and
// written lists as 200 – with the rows counted and a German note.
func TestImportAuditOutcome(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	good := register(
		[]string{"OM1", "Krause", "Emil", "01.07.2020", "Rosenweg", "1", "06108"},
		[]string{"OM2", "Lehmann", "Mia", "02.07.2020", "Rosenweg", "2", "06108"},
	)
	faulty := register(
		[]string{"OM1", "Krause", "Emil", "01.07.2020", "Rosenweg", "1", "06108"},
		[]string{"OM2", "Lehmann", "Mia", "31.02.2020", "Rosenweg", "2", "06108"},
	)
	noHeader := importing.Tables{{Name: "Farben", Rows: []importing.Row{{Number: 1, Cells: []string{"Farbe", "Größe"}}, {Number: 2, Cells: []string{"rot", "3"}}}}}
	cases := []struct {
		name     string
		run      func() importing.Import
		status   importing.Status
		ergebnis int
		anzahl   *int
		detail   string
	}{
		{"dry run", func() importing.Import { return im.run("melderegister", "reject", true, good) }, importing.StatusSucceeded, 200, ptr(2), "Probelauf, nichts geschrieben"},
		{"written", func() importing.Import { return im.run("melderegister", "reject", false, good) }, importing.StatusSucceeded, 200, ptr(2), "neu 2, geändert 0, entfernt 0"},
		{"refused", func() importing.Import { return im.run("melderegister", "reject", false, faulty) }, importing.StatusRejected, 422, ptr(2), "abgewiesen, nichts geschrieben"},
		{"failed", func() importing.Import { return im.run("melderegister", "reject", false, noHeader) }, importing.StatusFailed, 422, nil, "gescheitert"},
	}
	for _, c := range cases {
		imp := c.run()
		if imp.Status != c.status {
			t.Fatalf("%s: status %s (%s), want %s", c.name, imp.Status, imp.Detail, c.status)
		}
		var (
			n        int
			ergebnis int
			anzahl   *int
			detail   string
			subject  string
		)
		if err := im.pool.QueryRow(context.Background(), `SELECT count(*) OVER (), ergebnis, anzahl, detail, subject FROM audit_log
			WHERE operation = 'import.verarbeiten' AND ressource = 'id=' || $1 || '&kind=melderegister'`, imp.ID).Scan(&n, &ergebnis, &anzahl, &detail, &subject); err != nil {
			t.Fatalf("%s: audit entry: %v", c.name, err)
		}
		if n != 1 || ergebnis != c.ergebnis || detail != c.detail || subject != "test" || (anzahl == nil) != (c.anzahl == nil) || anzahl != nil && *anzahl != *c.anzahl {
			t.Errorf("%s: %d entries, ergebnis %d, anzahl %v, detail %q, subject %q; want 1, %d, %v, %q, test", c.name, n, ergebnis, anzahl, detail, subject, c.ergebnis, c.anzahl, c.detail)
		}
	}
}

func ptr(n int) *int { return &n }

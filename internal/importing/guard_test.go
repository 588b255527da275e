package importing

import (
	"strings"
	"testing"
	"time"
)

func TestDecideGuardsSnapshots(t *testing.T) {
	n := func(i int) *int { return &i }
	reg := Import{Listenart: ListeMelderegister, OnError: OnErrorReject}
	scope := func(total, removed int) []RemovalScope { return []RemovalScope{{Total: total, Removed: removed}} }
	cases := []struct {
		name      string
		imp       Import
		counts    Counts
		scopes    []RemovalScope
		unknown   int
		apply     bool
		status    Status
		toConfirm int
		says      string
	}{
		{"5 % may go", reg, Counts{Rows: 95, Valid: 95, Removed: 5}, scope(100, 5), 0, true, StatusSucceeded, 0, "5 entfernt"},
		{"more needs the number", reg, Counts{Rows: 94, Valid: 94, Removed: 6}, scope(100, 6), 0, false, StatusRejected, 6, "6 von 100 Kindern als weggezogen"},
		{"confirmed", Import{Listenart: ListeMelderegister, ConfirmRemovals: n(6)}, Counts{Rows: 94, Valid: 94, Removed: 6}, scope(100, 6), 0, true, StatusSucceeded, 0, "6 entfernt"},
		{"another number", Import{Listenart: ListeMelderegister, ConfirmRemovals: n(7)}, Counts{Rows: 94, Valid: 94, Removed: 6}, scope(100, 6), 0, false, StatusRejected, 6, "Bestätigt wurden 7"},
		{"another number below the share", Import{Listenart: ListeMelderegister, ConfirmRemovals: n(400)}, Counts{Rows: 99, Valid: 99, Removed: 1}, scope(100, 1), 0, false, StatusRejected, 1, "Bestätigt wurden 400"},
		{"empty list", reg, Counts{Removed: 1}, scope(1000, 1), 0, false, StatusRejected, 1, "keine gültige Datenzeile"},
		{"unknown faulty row", Import{Listenart: ListeMelderegister, OnError: OnErrorSkip}, Counts{Rows: 100, Valid: 99, Invalid: 1, Removed: 1}, scope(1000, 1), 1, false, StatusRejected, 1, "keinem gespeicherten Datensatz"},
		{"dry run warns", Import{Listenart: ListeMelderegister, DryRun: true}, Counts{Removed: 3}, scope(3, 3), 0, false, StatusSucceeded, 3, "Probelauf mit Warnung"},
		{"nothing removed", reg, Counts{}, scope(3, 0), 0, true, StatusSucceeded, 0, "Keine Änderung"},
		{"one school of two", Import{Listenart: ListeSchueler}, Counts{Rows: 300, Valid: 300, Removed: 299},
			[]RemovalScope{{Schulnummer: "20101", Total: 300}, {Schulnummer: "20102", Total: 300, Removed: 299}}, 0, false, StatusRejected, 299, "Schule 20102 als abgegangen"},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			d := Decide(Plan{Import: c.imp, Counts: c.counts, Scopes: c.scopes, Unidentified: c.unknown})
			if d.Apply != c.apply || d.Status != c.status || d.RemovalsToConfirm != c.toConfirm || !strings.Contains(d.Summary, c.says) {
				t.Errorf("Decide = apply %v, %s, confirm %d, %q; want %v, %s, %d, containing %q", d.Apply, d.Status, d.RemovalsToConfirm, d.Summary, c.apply, c.status, c.toConfirm, c.says)
			}
			if (c.toConfirm > 0) != (len(d.Problems) == 1 && d.Problems[0].Code == CodeZuVieleEntfernungen) {
				t.Errorf("problems %+v", d.Problems)
			}
		})
	}
	// IMPORT_MAX_REMOVAL_SHARE=0: every removal needs the number.
	zero := 0.0
	if d := Decide(Plan{Import: reg, Counts: Counts{Rows: 999, Valid: 999, Removed: 1}, Scopes: scope(1000, 1), MaxRemovalShare: &zero}); d.Apply || d.RemovalsToConfirm != 1 {
		t.Errorf("share 0: %+v", d)
	}
}

func TestRowIdentityOfFaultyRows(t *testing.T) {
	geb := time.Date(2020, 4, 3, 0, 0, 0, 0, time.UTC)
	full := map[string]any{"familienname": "Müller", "vornamen": "Lena", "geburtsdatum": geb}
	if id := RowIdentity(ListeMelderegister, ValuesOf(ListeMelderegister, full), nil); !id.Known || id.Person != "p:mueller|lena|2020-04-03" || id.Key != id.Person {
		t.Errorf("without OM: %+v", id)
	}
	broken := map[string]any{"familienname": "Müller", "vornamen": "Lena"}
	if id := RowIdentity(ListeMelderegister, ValuesOf(ListeMelderegister, broken), textsOf(ListeMelderegister, map[string]string{"geburtsdatum": "31.02.2020"})); id.Known {
		t.Errorf("broken birth date, no OM: %+v, want unknown", id)
	}
	broken["ordnungsmerkmal"] = "1001"
	if id := RowIdentity(ListeMelderegister, ValuesOf(ListeMelderegister, broken), nil); !id.Known || id.Key != "om:1001" {
		t.Errorf("broken birth date with OM: %+v", id)
	}
}

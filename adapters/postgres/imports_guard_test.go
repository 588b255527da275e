package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// Issue 14: imports never silently destroy or expose data.

func (im *importer) problems(id string) []importing.StoredProblem {
	im.t.Helper()
	p, err := im.store.Problems(context.Background(), id)
	if err != nil {
		im.t.Fatal(err)
	}
	return p
}

// wantGuard checks that imp was refused (or, in a dry run, warned) for
// removing n records, with the one zu_viele_entfernungen problem whose
// message contains phrase.
func wantGuard(t *testing.T, im *importer, imp importing.Import, n int, phrase string) {
	t.Helper()
	wantStatus := importing.StatusRejected
	if imp.DryRun {
		wantStatus = importing.StatusSucceeded
	}
	if imp.Status != wantStatus || imp.RemovalsToConfirm != n || imp.Counts.Removed != n {
		t.Fatalf("status %s, to confirm %d, removed %d; want %s and %d (%s)", imp.Status, imp.RemovalsToConfirm, imp.Counts.Removed, wantStatus, n, imp.Detail)
	}
	var guard []importing.StoredProblem
	for _, p := range im.problems(imp.ID) {
		if p.Code == importing.CodeZuVieleEntfernungen {
			guard = append(guard, p)
		}
	}
	if len(guard) != 1 || !strings.Contains(guard[0].Message, phrase) || !strings.Contains(guard[0].Message, fmt.Sprintf("confirm_removals=%d", n)) {
		t.Errorf("guard problems %+v, want one naming %q and confirm_removals=%d", guard, phrase, n)
	}
	if !strings.Contains(imp.Detail, phrase) {
		t.Errorf("detail %q does not name %q", imp.Detail, phrase)
	}
}

func (im *importer) feedDeletes() int {
	return im.count(`SELECT count(*) FROM change_feed_eintraege WHERE entity = 'kind' AND operation = 'delete'`)
}

func children(n int, ortsteil func(i int) string) [][]string {
	rows := make([][]string, n)
	for i := range rows {
		rows[i] = []string{fmt.Sprint(5000 + i), "Kind", fmt.Sprintf("Nummer %d", i), fmt.Sprintf("%02d.03.2020", 1+i%28), "Rosenweg", fmt.Sprint(1 + i), "06108", ortsteil(i)}
	}
	return rows
}

// registerOT is a register with an Ortsteil column.
func registerOT(rows ...[]string) importing.Tables {
	sheet := importing.Sheet{Name: "Kinder", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Ordnungsmerkmal", "Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "PLZ", "Ortsteil"}},
	}}
	for i, r := range rows {
		sheet.Rows = append(sheet.Rows, importing.Row{Number: 2 + i, Cells: r})
	}
	return importing.Tables{sheet}
}

// Point 1: a register with only its header row marks nobody weggezogen
// without the number confirmed; the dry run warns, never says "kann
// importiert werden"; a wrong number is refused like none.
func TestHeaderOnlyRegisterNeedsConfirmation(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	lena := []string{"1001", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "6108"}
	tom := []string{"1002", "Schmidt", "Tom", "2020-07-01", "Am Anger", "3a", "06108"}
	ida := []string{"1003", "Weber", "Ida Marie", "15.09.2019", "Hauptstraße", "7 b", "06108"}
	if imp := im.run("melderegister", "", false, register(lena, tom, ida)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("first import: %s", imp.Detail)
	}
	feedBefore := im.count(`SELECT count(*) FROM change_feed_eintraege`)

	dry := im.run("melderegister", "", true, register())
	wantGuard(t, im, dry, 3, "Diese Liste würde 3 von 3 Kindern als weggezogen markieren")
	if !strings.HasPrefix(dry.Detail, "Probelauf mit Warnung") || !strings.Contains(dry.Detail, "keine gültige Datenzeile") {
		t.Errorf("dry run detail %q, want a warning that names the empty list", dry.Detail)
	}
	commit := im.run("melderegister", "", false, register())
	wantGuard(t, im, commit, 3, "Diese Liste würde 3 von 3 Kindern als weggezogen markieren")
	wrong := im.confirmed("melderegister", 2, register())
	wantGuard(t, im, wrong, 3, "Bestätigt wurden 2 Entfernungen, diese Liste würde aber 3 Kinder als weggezogen markieren")
	if n := im.count(`SELECT count(*) FROM kinder WHERE status = 'gemeldet'`); n != 3 {
		t.Errorf("%d of 3 children still gemeldet after refused lists", n)
	}
	if n := im.count(`SELECT count(*) FROM change_feed_eintraege`); n != feedBefore {
		t.Errorf("refused lists wrote %d change-feed entries", n-feedBefore)
	}
	// Confirmed with exactly the number: applied, and the BMS learns it.
	ok := im.confirmed("melderegister", 3, register())
	if ok.Status != importing.StatusSucceeded || ok.Counts.Removed != 3 || ok.RemovalsToConfirm != 0 {
		t.Fatalf("confirmed: %s %+v %s", ok.Status, ok.Counts, ok.Detail)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE status = 'weggezogen'`); n != 3 || im.feedDeletes() != 3 {
		t.Errorf("after confirming: %d weggezogen, %d tombstones; want 3 and 3", n, im.feedDeletes())
	}
}

// Point 1: a district exported by mistake (a partial register) is
// refused; a list that loses one child of forty (2.5 %) is applied.
func TestPartialRegisterNeedsConfirmation(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	all := children(40, func(i int) string {
		if i < 12 {
			return "Nord"
		}
		return "Süd"
	})
	if imp := im.run("melderegister", "", false, registerOT(all...)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("first import: %s", imp.Detail)
	}
	nord := registerOT(all[:12]...)
	partial := im.run("melderegister", "", false, nord)
	wantGuard(t, im, partial, 28, "Diese Liste würde 28 von 40 Kindern als weggezogen markieren")
	if n := im.count(`SELECT count(*) FROM kinder WHERE status = 'gemeldet'`); n != 40 || im.feedDeletes() != 0 {
		t.Errorf("partial list changed data: %d gemeldet, %d tombstones", n, im.feedDeletes())
	}
	if wrong := im.confirmed("melderegister", 27, nord); wrong.Status != importing.StatusRejected {
		t.Errorf("confirmed 27 for 28: %s", wrong.Status)
	}
	// One child moved away: below the share, no confirmation needed.
	small := im.run("melderegister", "", false, registerOT(all[1:]...))
	if small.Status != importing.StatusSucceeded || small.Counts.Removed != 1 || im.feedDeletes() != 1 {
		t.Fatalf("1 of 40 removed: %s %+v %s", small.Status, small.Counts, small.Detail)
	}
}

// Point 2: with on_error=skip a child whose row has one bad cell is in the
// list: not weggezogen, no tombstone, the cell reported. A row whose child
// cannot be told (no Ordnungsmerkmal, broken birth date) makes any removal
// need a confirmation.
func TestSkipKeepsTheRecordOfAFaultyRow(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	lena := []string{"1001", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "06108"}
	tom := []string{"", "Schmidt", "Tom", "01.07.2020", "Am Anger", "3a", "06108"}
	ida := []string{"1003", "Weber", "Ida", "15.09.2019", "Hauptstraße", "7", "06108"}
	if imp := im.run("melderegister", "", false, register(lena, tom, ida)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("first import: %s", imp.Detail)
	}
	idaBadPLZ := []string{"1003", "Weber", "Ida", "15.09.2019", "Hauptstraße", "7", "0610"}
	tomBadPLZ := []string{"", "Schmidt", "Tom", "01.07.2020", "Am Anger", "3a", "61O8"}
	skip := im.run("melderegister", "skip", false, register(lena, tomBadPLZ, idaBadPLZ))
	if skip.Status != importing.StatusSucceeded || skip.Counts.Removed != 0 || skip.Counts.Invalid != 2 {
		t.Fatalf("skip: %s %+v %s", skip.Status, skip.Counts, skip.Detail)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE status = 'gemeldet' AND plz = '06108'`); n != 3 || im.feedDeletes() != 0 {
		t.Errorf("children of faulty rows touched: %d of 3 unchanged, %d tombstones", n, im.feedDeletes())
	}
	cells := map[string]string{}
	for _, p := range im.problems(skip.ID) {
		cells[importing.CellRef(p.Column, p.Row)] = p.Code
	}
	if cells["G5"] != importing.CodePLZUngueltig || cells["G6"] != importing.CodePLZUngueltig {
		t.Errorf("problems %v, want the PLZ cells G5 and G6", cells)
	}

	// Tom's birth date broken and no Ordnungsmerkmal: he cannot be told,
	// so removing Ida needs a confirmation, and Tom is never removed.
	tomBadDate := []string{"", "Schmidt", "Tom", "31.02.2020", "Am Anger", "3a", "06108"}
	unknown := im.run("melderegister", "skip", false, register(lena, tomBadDate))
	wantGuard(t, im, unknown, 2, "1 fehlerhafte Zeilen lassen sich keinem gespeicherten Datensatz zuordnen")
	if n := im.count(`SELECT count(*) FROM kinder WHERE status = 'gemeldet'`); n != 3 {
		t.Errorf("%d gemeldet after the refused list, want 3", n)
	}
}

// Point 3: a list without the Auskunftssperre and Rufname columns keeps
// both; only an explicit "nein" lifts a Sperre (audited), an empty cell
// keeps it; lifted and new ones are counted apart.
func TestMissingColumnsChangeNothing(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	full := func(rows ...[]string) importing.Tables {
		sheet := importing.Sheet{Name: "Kinder", Rows: []importing.Row{{Number: 1, Cells: []string{
			"Ordnungsmerkmal", "Familienname", "Vornamen", "Rufname", "Geburtsdatum", "Straße", "Hausnummer", "PLZ", "Auskunftssperre"}}}}
		for i, r := range rows {
			sheet.Rows = append(sheet.Rows, importing.Row{Number: 2 + i, Cells: r})
		}
		return importing.Tables{sheet}
	}
	first := im.run("melderegister", "", false, full(
		[]string{"1001", "Müller", "Lena Sophie", "Lena", "03.04.2020", "Rosenweg", "12", "06108", "ja"},
		[]string{"1002", "Schmidt", "Tom", "", "01.07.2020", "Am Anger", "3", "06108", "ja"},
		[]string{"1003", "Weber", "Ida", "", "15.09.2019", "Hauptstraße", "7", "06108", ""},
	))
	if first.Status != importing.StatusSucceeded || first.Counts.AuskunftssperreNeu != 2 {
		t.Fatalf("first import: %+v %s", first.Counts, first.Detail)
	}
	// The same children without the two columns: nothing changes.
	bare := im.run("melderegister", "", false, register(
		[]string{"1001", "Müller", "Lena Sophie", "03.04.2020", "Rosenweg", "12", "06108"},
		[]string{"1002", "Schmidt", "Tom", "01.07.2020", "Am Anger", "3", "06108"},
		[]string{"1003", "Weber", "Ida", "15.09.2019", "Hauptstraße", "7", "06108"},
	))
	wantCounts(t, bare, importing.Counts{Rows: 3, Valid: 3, Unchanged: 3})
	if !slices.Contains(bare.NotDelivered, "auskunftssperre") || !slices.Contains(bare.NotDelivered, "rufname") ||
		!strings.Contains(bare.Detail, "Nicht geliefert – bleiben unverändert: Rufname") || !strings.Contains(bare.Detail, "Auskunftssperre") {
		t.Errorf("not delivered %v, detail %q", bare.NotDelivered, bare.Detail)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE auskunftssperre AND schluessel IN ('om:1001', 'om:1002')`); n != 2 {
		t.Errorf("%d of 2 Auskunftssperren kept by a list without the column", n)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE rufname = 'Lena'`); n != 1 {
		t.Error("Rufname cleared by a list without the column")
	}
	// An empty cell keeps Lena's Sperre; Tom's explicit "nein" lifts his;
	// Ida gets one.
	lift := im.run("melderegister", "", false, full(
		[]string{"1001", "Müller", "Lena Sophie", "Lena", "03.04.2020", "Rosenweg", "12", "06108", ""},
		[]string{"1002", "Schmidt", "Tom", "", "01.07.2020", "Am Anger", "3", "06108", "nein"},
		[]string{"1003", "Weber", "Ida", "", "15.09.2019", "Hauptstraße", "7", "06108", "ja"},
	))
	if lift.Counts.AuskunftssperreAufgehoben != 1 || lift.Counts.AuskunftssperreNeu != 1 || lift.Counts.Updated != 2 ||
		!strings.Contains(lift.Detail, "Auskunftssperren: 1 aufgehoben, 1 neu") {
		t.Fatalf("lift: %+v %s", lift.Counts, lift.Detail)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE auskunftssperre`); n != 2 {
		t.Errorf("%d Auskunftssperren after the list, want 2 (Lena kept, Ida new)", n)
	}
	if n := im.count(`SELECT count(*) FROM audit_log WHERE operation = 'import.auskunftssperre_aufgehoben' AND ressource = $1`,
		"import="+lift.ID+"&kind="+pseudonym("om:1002")); n != 1 {
		t.Errorf("%d audit entries for lifting Tom's Sperre, want 1", n)
	}
	if n := im.count(`SELECT count(*) FROM audit_log WHERE detail LIKE '%Schmidt%' OR ressource LIKE '%Schmidt%'`); n != 0 {
		t.Error("an audit entry names the child")
	}
}

// Point 4: the same register without its Ordnungsmerkmal column finds the
// same children: ids, keys and pseudonyms stay; a row two stored children
// fit is an error at the row, and neither is removed.
func TestRegisterWithoutOrdnungsmerkmalFindsTheSameChildren(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	rows := [][]string{
		{"1001", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "06108"},
		{"1002", "Schmidt", "Tom", "01.07.2020", "Am Anger", "3", "06108"},
		{"1003", "Weber", "Ida", "15.09.2019", "Hauptstraße", "7", "06108"},
	}
	if imp := im.run("melderegister", "", false, register(rows...)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("first import: %s", imp.Detail)
	}
	ids := func() string {
		var s string
		if err := im.pool.QueryRow(context.Background(), `SELECT string_agg(id || '=' || schluessel, ',' ORDER BY id) FROM kinder WHERE status = 'gemeldet'`).Scan(&s); err != nil {
			t.Fatal(err)
		}
		return s
	}
	before := ids()
	upserts := im.count(`SELECT count(*) FROM change_feed_eintraege WHERE operation = 'upsert'`)

	noOM := importing.Tables{{Name: "Kinder", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Name", "Vorname", "geb. am", "Straße", "Hausnummer", "PLZ"}},
		{Number: 2, Cells: []string{"MUELLER", "lena", "3.4.2020", "Rosenweg", "12", "06108"}},  // spelt otherwise: the same child, her name as written now
		{Number: 3, Cells: []string{"Schmidt", "Tom", "01.07.2020", "Parkallee", "8", "06108"}}, // moved within the city
		{Number: 4, Cells: []string{"Weber", "Ida", "15.09.2019", "Hauptstraße", "7", "06108"}},
	}}}
	again := im.run("melderegister", "", false, noOM)
	wantCounts(t, again, importing.Counts{Rows: 3, Valid: 3, Unchanged: 1, Updated: 2})
	if got := ids(); got != before {
		t.Errorf("children after a list without Ordnungsmerkmal: %s, before %s", got, before)
	}
	if n := im.count(`SELECT count(*) FROM change_feed_eintraege WHERE operation = 'upsert' AND entity_id = $1`, pseudonym("om:1002")); n != 2 ||
		im.count(`SELECT count(*) FROM change_feed_eintraege WHERE operation = 'upsert'`) != upserts+2 {
		t.Error("Tom's move is not fed under his pseudonym")
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE schluessel = 'om:1002' AND strasse = 'Parkallee' AND ordnungsmerkmal = '1002'`); n != 1 {
		t.Error("Tom's record did not take his new address while keeping his Ordnungsmerkmal")
	}

	// The Ordnungsmerkmal column there but empty: the ids are kept.
	emptyOM := im.run("melderegister", "", false, register(
		[]string{"", "MUELLER", "lena", "3.4.2020", "Rosenweg", "12", "06108"},
		[]string{"", "Schmidt", "Tom", "01.07.2020", "Parkallee", "8", "06108"},
		[]string{"", "Weber", "Ida", "15.09.2019", "Hauptstraße", "7", "06108"},
	))
	wantCounts(t, emptyOM, importing.Counts{Rows: 3, Valid: 3, Unchanged: 3})
	if n := im.count(`SELECT count(*) FROM kinder WHERE ordnungsmerkmal IN ('1001', '1002', '1003')`); n != 3 || ids() != before {
		t.Errorf("empty Ordnungsmerkmal cells: %d ids kept, children %s", n, ids())
	}

	// Two stored children of the same name and birth date: a list without
	// Ordnungsmerkmal cannot tell them apart.
	twin := []string{"1004", "Weber", "Ida", "15.09.2019", "Hauptstraße", "9", "06108"}
	if imp := im.run("melderegister", "", false, register(append(rows, twin)...)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("twin import: %s", imp.Detail)
	}
	amb := im.run("melderegister", "skip", false, noOM)
	if amb.Counts.Invalid != 1 || amb.Counts.Removed != 0 {
		t.Fatalf("ambiguous row: %+v %s", amb.Counts, amb.Detail)
	}
	p := im.problems(amb.ID)
	if len(p) != 1 || p[0].Code != importing.CodeZuordnungMehrdeutig || p[0].Row != 4 || !strings.Contains(p[0].Message, "2 gespeicherte Kinder") {
		t.Errorf("problems %+v, want zuordnung_mehrdeutig at row 4", p)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE status = 'gemeldet'`); n != 4 {
		t.Errorf("%d of 4 children gemeldet after the ambiguous list", n)
	}
}

func pupils(rows ...[]string) importing.Tables {
	sheet := importing.Sheet{Name: "Schüler", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Schulnummer", "Schülernummer", "Familienname", "Vornamen", "Geburtsdatum", "Klasse"}},
	}}
	for i, r := range rows {
		sheet.Rows = append(sheet.Rows, importing.Row{Number: 2 + i, Cells: r})
	}
	return importing.Tables{sheet}
}

// Point 5: a pupil list uploaded for 20101 changes only 20101: a row of
// 20102 is an error at its cell, 20102's pupils stay; without schulnummer=
// the list's own column sets the scope, and losing most of 20102 needs a
// confirmation naming that school. Point 4 for pupils: the Schülernummer
// column may come and go.
func TestPupilListChangesOnlyItsSchool(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	if _, err := im.pool.Exec(context.Background(), `INSERT INTO schulen (schulnummer, name, schulform) VALUES
		('20101', 'Grundschule Am Anger', 'grundschule'), ('20102', 'Grundschule Rosenweg', 'grundschule')`); err != nil {
		t.Fatal(err)
	}
	var rows [][]string
	for i := range 6 {
		school := "20101"
		if i >= 3 {
			school = "20102"
		}
		rows = append(rows, []string{school, fmt.Sprint(900 + i), "Schüler", fmt.Sprintf("Nr %d", i), fmt.Sprintf("0%d.05.2018", 1+i), "2a"})
	}
	if imp := im.run("schueler", "", false, pupils(rows...)); imp.Status != importing.StatusSucceeded ||
		!slices.Equal(imp.Schulen, []string{"20101", "20102"}) {
		t.Fatalf("first list: %s %v %s", imp.Status, imp.Schulen, imp.Detail)
	}
	// 20101's list with one row of 20102, uploaded for 20101.
	for20101 := im.runReq(importing.Request{Kind: "schueler", OnError: "skip", Schulnummer: "20101"}, pupils(rows[0], rows[1], rows[2], rows[3]))
	if for20101.Status != importing.StatusSucceeded || for20101.Counts.Invalid != 1 || for20101.Counts.Removed != 0 ||
		!slices.Equal(for20101.Schulen, []string{"20101"}) || !strings.Contains(for20101.Detail, "betrifft die Schule(n) 20101") {
		t.Fatalf("list for 20101: %s %+v %v %s", for20101.Status, for20101.Counts, for20101.Schulen, for20101.Detail)
	}
	p := im.problems(for20101.ID)
	if len(p) != 1 || p[0].Code != importing.CodeSchuleFremd || importing.CellRef(p[0].Column, p[0].Row) != "A5" {
		t.Errorf("problems %+v, want schule_fremd at A5", p)
	}
	if n := im.count(`SELECT count(*) FROM schueler WHERE status = 'aktiv'`); n != 6 {
		t.Errorf("%d of 6 pupils aktiv", n)
	}
	// Without schulnummer=: the column says 20101 and 20102, and the list
	// would let two of 20102's three pupils leave.
	mixed := im.run("schueler", "", false, pupils(rows[0], rows[1], rows[2], rows[3]))
	wantGuard(t, im, mixed, 2, "2 von 3 Schülerinnen und Schülern der Schule 20102 als abgegangen markieren")

	// The list without Schülernummer finds the same pupils (within the school).
	noSN := importing.Tables{{Name: "Schüler", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Familienname", "Vornamen", "Geburtsdatum", "Klasse"}},
		{Number: 2, Cells: []string{"Schüler", "Nr 0", "01.05.2018", "2a"}},
		{Number: 3, Cells: []string{"Schueler", "Nr 1", "02.05.2018", "2a"}},
		{Number: 4, Cells: []string{"Schüler", "Nr 2", "03.05.2018", "3a"}},
	}}}
	again := im.runReq(importing.Request{Kind: "schueler", Schulnummer: "20101"}, noSN)
	wantCounts(t, again, importing.Counts{Rows: 3, Valid: 3, Unchanged: 1, Updated: 2}) // "Schueler" as written now; Nr 2 in 3a
	if n := im.count(`SELECT count(*) FROM schueler WHERE status = 'aktiv' AND schuelernummer IS NOT NULL`); n != 6 {
		t.Errorf("%d of 6 pupils still aktiv with their Schülernummer", n)
	}
}

// Point 1 for the other snapshot kinds and the careless cases: a street
// directory with only its header deletes no rule without the number; a
// register whose every row is faulty (skip) marks nobody weggezogen.
func TestGuardOtherSnapshotsAndAllRowsFaulty(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	if _, err := im.pool.Exec(context.Background(), `INSERT INTO schulen (schulnummer, name, schulform) VALUES ('20101', 'Grundschule Am Anger', 'grundschule')`); err != nil {
		t.Fatal(err)
	}
	dir := func(rows ...[]string) importing.Tables {
		sheet := importing.Sheet{Name: "Verzeichnis", Rows: []importing.Row{{Number: 1, Cells: []string{"Straße", "von", "bis", "Seite", "Schulnummer"}}}}
		for i, r := range rows {
			sheet.Rows = append(sheet.Rows, importing.Row{Number: 2 + i, Cells: r})
		}
		return importing.Tables{sheet}
	}
	if imp := im.run("schulbezirke", "", false, dir([]string{"Rosenweg", "2", "50", "gerade", "20101"}, []string{"Rosenweg", "1", "49", "ungerade", "20101"})); imp.Status != importing.StatusSucceeded {
		t.Fatalf("directory: %s", imp.Detail)
	}
	wantGuard(t, im, im.run("schulbezirke", "", false, dir()), 2, "Diese Liste würde 2 von 2 Regeln des Straßenverzeichnisses löschen")
	if n := im.count(`SELECT count(*) FROM bezirksregeln`); n != 2 {
		t.Errorf("%d of 2 rules left", n)
	}

	lena := []string{"1001", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "06108"}
	tom := []string{"1002", "Schmidt", "Tom", "01.07.2020", "Am Anger", "3", "06108"}
	if imp := im.run("melderegister", "", false, register(lena, tom)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("register: %s", imp.Detail)
	}
	// Every row faulty, but each names its child by Ordnungsmerkmal.
	allBad := im.run("melderegister", "skip", false, register(
		[]string{"1001", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "999"},
		[]string{"1002", "Schmidt", "Tom", "01.07.2020", "Am Anger", "", "06108"},
	))
	if allBad.Status != importing.StatusSucceeded || allBad.Counts.Removed != 0 || allBad.Counts.Invalid != 2 {
		t.Errorf("all rows faulty: %s %+v %s", allBad.Status, allBad.Counts, allBad.Detail)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE status = 'gemeldet'`); n != 2 {
		t.Errorf("%d of 2 children gemeldet", n)
	}
}

// Point 4 the other way round: a child first listed without
// Ordnungsmerkmal keeps its record when later lists give one – and the
// lists after that find it by that Ordnungsmerkmal.
func TestOrdnungsmerkmalDeliveredLater(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	tom := []string{"", "Schmidt", "Tom", "01.07.2020", "Am Anger", "3", "06108"}
	if imp := im.run("melderegister", "", false, register(tom)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("first: %s", imp.Detail)
	}
	withOM := []string{"1002", "Schmidt", "Tom", "01.07.2020", "Am Anger", "3", "06108"}
	wantCounts(t, im.run("melderegister", "", false, register(withOM)), importing.Counts{Rows: 1, Valid: 1, Updated: 1})
	moved := []string{"1002", "Schmidt", "Tom", "01.07.2020", "Parkallee", "8", "06108"}
	wantCounts(t, im.run("melderegister", "", false, register(moved)), importing.Counts{Rows: 1, Valid: 1, Updated: 1})
	wantCounts(t, im.run("melderegister", "", false, register([]string{"", "Schmidt", "Tom", "01.07.2020", "Parkallee", "8", "06108"})),
		importing.Counts{Rows: 1, Valid: 1, Unchanged: 1})
	if n := im.count(`SELECT count(*) FROM kinder WHERE schluessel LIKE 'p:%' AND ordnungsmerkmal = '1002' AND strasse = 'Parkallee'`); n != 1 ||
		im.count(`SELECT count(*) FROM kinder`) != 1 {
		t.Error("Tom is not one record under his first key with his Ordnungsmerkmal and new address")
	}
}

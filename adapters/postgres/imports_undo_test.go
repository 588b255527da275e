package postgres_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	sp "github.com/schulgateway/schulgateway/internal/schulpflicht"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// undoConflict undoes id and returns the German reason of the expected
// refusal.
func (im *importer) undoConflict(id string) string {
	im.t.Helper()
	err := im.svc.Undo(context.Background(), id)
	e, ok := apperr.As(err)
	if !ok || e.Class != apperr.ClassConflict {
		im.t.Fatalf("undo %s: %v, want a conflict", id, err)
	}
	return e.Detail
}

func wantAll(t *testing.T, msg string, parts ...string) {
	t.Helper()
	for _, p := range parts {
		if !strings.Contains(msg, p) {
			t.Errorf("%q does not say %q", msg, p)
		}
	}
}

// Undo never orphans (issue 14, point 6): undoing the register import that
// created the children is refused once a reconciliation, its cases and an
// Einschulung registration refer to them; an import that only changed a
// child may be undone while nothing was made after it, and is refused once
// a case of that child was worked on after it.
func TestUndoRegisterRefusedWhenCasesAndRegistrationsReferToIt(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	seedDemo(t, im.pool)
	ctx := context.Background()
	clara := []string{"OM1", "Neumann", "Clara", "01.01.2012", "w", "Rosenweg", "13", "06108", "", "", "", ""}
	anna := []string{"OM2", "Müller", "Anna", "04.03.2015", "w", "Rosenweg", "15", "06108", "", "", "", ""}
	emil := []string{"OM3", "Krause", "Emil", "15.03.2021", "m", "Rosenweg", "17", "06108", "", "", "", ""}
	first := im.run("melderegister", "reject", false, registerTable(clara, anna, emil))
	if first.Status != importing.StatusSucceeded || first.Counts.Created != 3 {
		t.Fatalf("first import: %+v", first)
	}

	// Built on its children: a registration for Emil, a reconciliation
	// with a case each for Clara and Anna (at no school).
	es := einschulungService(t, im)
	k, err := es.Kohorte(ctx, werte.NewSchuljahr(2027))
	if err != nil || len(k.Eintraege) != 1 {
		t.Fatalf("cohort 2027: %+v %v", k, err)
	}
	if _, err := es.Melde(ctx, werte.NewSchuljahr(2027), einschulung.Eingabe{KindID: k.Eintraege[0].ID, Typ: "anmeldung", Schulnummer: "20102"}, false); err != nil {
		t.Fatal(err)
	}
	f := &spFixture{t: t, pool: im.pool, store: postgres.NewSchulpflichtStore(im.pool)}
	f.svc = sp.NewService(f.store, sp.GesetzlicheSpanne(), sp.StandardKonfiguration(), nil)
	a, err := f.svc.Starte(ctx, "2026-09-15", "amt", true)
	if err != nil {
		t.Fatal(err)
	}
	if done := f.runWorker(a.ID, f.svc.Run); done.Status != sp.StatusSucceeded || done.Anzahl.Keine != 2 {
		t.Fatalf("reconciliation: %+v", done)
	}

	msg := im.undoConflict(first.ID)
	wantAll(t, msg, "2 Schulpflicht-Fälle", "1 Schulpflicht-Abgleich", "1 Meldung zur Einschulung", "Kinder dieses Imports", "nicht rückgängig")
	if n := im.count(`SELECT count(*) FROM faelle f JOIN kinder k ON k.id = f.kind_id`); n != 2 {
		t.Errorf("%d cases still find their child, want 2", n)
	}
	if got, _ := im.store.Get(ctx, first.ID); got.UndoneAt != nil {
		t.Error("the refused undo marked the import undone")
	}

	// A later register that only moves Emil: nothing was made after it,
	// so it may be undone.
	emilMoved := []string{"OM3", "Krause", "Emil", "15.03.2021", "m", "Rosenweg", "19", "06108", "", "", "", ""}
	second := im.run("melderegister", "reject", false, registerTable(clara, anna, emilMoved))
	if second.Counts.Updated != 1 {
		t.Fatalf("second import: %+v", second)
	}
	if err := im.svc.Undo(ctx, second.ID); err != nil {
		t.Fatalf("undo of an import nothing builds on: %v", err)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE schluessel = 'om:OM3' AND hausnummer = '17'`); n != 1 {
		t.Error("the undo did not restore Emil's address")
	}

	// Clara moves; her case is worked on afterwards: that builds on it.
	claraMoved := []string{"OM1", "Neumann", "Clara", "01.01.2012", "w", "Rosenweg", "21", "06108", "", "", "", ""}
	third := im.run("melderegister", "reject", false, registerTable(claraMoved, anna, emil))
	if third.Counts.Updated != 1 {
		t.Fatalf("third import: %+v", third)
	}
	fallID := im.count(`SELECT f.id FROM faelle f JOIN kinder k ON k.id = f.kind_id WHERE k.schluessel = 'om:OM1'`)
	if _, err := f.svc.AendereFall(ctx, strconv.Itoa(fallID), sp.FallAenderung{StatusSet: true, Status: "in_klaerung"}, "frau-a"); err != nil {
		t.Fatal(err)
	}
	msg = im.undoConflict(third.ID)
	wantAll(t, msg, "1 Schulpflicht-Fall", "bezieht sich auf Kinder dieses Imports")
	if strings.Contains(msg, "Meldung") || strings.Contains(msg, "Abgleich") {
		t.Errorf("%q names what was made before the import", msg)
	}
}

// A pupil list: refused once a reconciliation matched its pupils, as it
// is once a Schulwechsel changed one of them.
func TestUndoPupilListRefusedAfterReconciliation(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0) // imports Lea and Tom at 20101
	im := &importer{t: t, pool: e.pool, store: postgres.NewImportStore(e.pool, pseudonym)}
	im.svc = importing.NewService(im.store, importing.Limits{MaxBytes: 1 << 20})
	ctx := context.Background()
	var pupils string
	if err := e.pool.QueryRow(ctx, `SELECT id FROM imports WHERE kind = 'schueler'`).Scan(&pupils); err != nil {
		t.Fatal(err)
	}
	reg := im.run("melderegister", "reject", false, registerTable(
		[]string{"OM1", "Müller", "Lea", "04.03.2018", "w", "Rosenweg", "13", "06108", "", "", "", ""}))
	if reg.Status != importing.StatusSucceeded {
		t.Fatalf("register: %+v", reg)
	}
	f := &spFixture{t: t, pool: im.pool, store: postgres.NewSchulpflichtStore(im.pool)}
	f.svc = sp.NewService(f.store, sp.GesetzlicheSpanne(), sp.StandardKonfiguration(), nil)
	a, _ := f.svc.Starte(ctx, "2026-09-15", "amt", true)
	if done := f.runWorker(a.ID, f.svc.Run); done.Status != sp.StatusSucceeded || done.Anzahl.Auto != 1 {
		t.Fatalf("reconciliation: %+v", done)
	}
	wantAll(t, im.undoConflict(pupils), "1 Schulpflicht-Abgleich", "Schüler dieses Imports")

	// The Schulwechsel refusal names what changed the pupils.
	if _, err := e.pool.Exec(ctx, `DELETE FROM abgleich_zuordnungen`); err != nil {
		t.Fatal(err)
	}
	e.create(swWechsel(swLea, "20101", "20102", sw.Tagesdatum(2026, 2, 1)))
	wantAll(t, im.undoConflict(pupils), "Ein Schüler dieses Imports wurde seitdem durch einen Schulwechsel geändert")
}

// A school list whose new school a later directory and pupil list name:
// refused with what names it, not a foreign-key error (a 500).
func TestUndoSchoolListRefusedWhileOthersNameItsSchools(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	schools := im.run("schulen", "reject", false, importing.Tables{{Name: "Schulen", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Schulnummer", "Schulname", "Schulform"}},
		{Number: 2, Cells: []string{"20199", "Grundschule Neubau", "Grundschule"}},
	}}})
	if schools.Counts.Created != 1 {
		t.Fatalf("schools: %+v", schools)
	}
	dir := im.run("schulbezirke", "reject", false, importing.Tables{{Name: "Bezirke", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Straße", "Grundschule"}},
		{Number: 2, Cells: []string{"Neubauweg", "20199"}},
		{Number: 3, Cells: []string{"Altbauweg", "20199"}},
	}}})
	if dir.Counts.Created != 2 {
		t.Fatalf("directory: %+v", dir)
	}
	msg := im.undoConflict(schools.ID)
	wantAll(t, msg, "2 Regeln des Straßenverzeichnisses", "Schulen dieses Imports")
	if err := im.svc.Undo(context.Background(), dir.ID); err != nil {
		t.Fatal(err)
	}
	if err := im.svc.Undo(context.Background(), schools.ID); err != nil {
		t.Fatalf("nothing names the school any more: %v", err)
	}
	if n := im.count(`SELECT count(*) FROM schulen WHERE schulnummer = '20199'`); n != 0 {
		t.Error("the undo left the school")
	}
}

// Confirmations of schools outside the city: refused once a
// reconciliation matched a child to one of them.
func TestUndoConfirmationsRefusedAfterReconciliation(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	ctx := context.Background()
	conf := im.run("bestaetigungen", "reject", false, importing.Tables{{Name: "Bestätigungen", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Familienname", "Vornamen", "Geburtsdatum", "Schule", "Ort"}},
		{Number: 2, Cells: []string{"Neumann", "Clara", "01.01.2012", "Gymnasium Landsberg", "Landsberg"}},
	}}})
	if conf.Counts.Created != 1 {
		t.Fatalf("confirmations: %+v", conf)
	}
	reg := im.run("melderegister", "reject", false, registerTable(
		[]string{"OM1", "Neumann", "Clara", "01.01.2012", "w", "Rosenweg", "13", "06108", "", "", "", ""}))
	if reg.Status != importing.StatusSucceeded {
		t.Fatalf("register: %+v", reg)
	}
	f := &spFixture{t: t, pool: im.pool, store: postgres.NewSchulpflichtStore(im.pool)}
	f.svc = sp.NewService(f.store, sp.GesetzlicheSpanne(), sp.StandardKonfiguration(), nil)
	a, _ := f.svc.Starte(ctx, "2026-09-15", "amt", true)
	if done := f.runWorker(a.ID, f.svc.Run); done.Status != sp.StatusSucceeded || done.Anzahl.Auto != 1 {
		t.Fatalf("reconciliation: %+v", done)
	}
	wantAll(t, im.undoConflict(conf.ID), "1 Schulpflicht-Abgleich", "Schulbesuchsbestätigungen dieses Imports")
	if n := im.count(`SELECT count(*) FROM bestaetigungen`); n != 1 {
		t.Error("the refused undo removed the confirmation")
	}
}

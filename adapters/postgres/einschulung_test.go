package postgres_test

import (
	"context"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

func einschulungService(t testing.TB, im *importer) *einschulung.Service {
	ps, err := einschulung.NewPseudonymizer([]byte("test key of at least thirty-two bytes"))
	if err != nil {
		t.Fatal(err)
	}
	return einschulung.NewService(postgres.NewEinschulungStore(im.pool), postgres.NewSchulbezirkStore(im.pool, nil),
		schule.NewService(postgres.NewSchulenStore(im.pool, nil)), einschulung.GesetzlicheRegel(), ps)
}

// registerTable is a register extract with the columns the cohort uses.
func registerTable(rows ...[]string) importing.Tables {
	sheet := importing.Sheet{Name: "Kinder", Rows: []importing.Row{{Number: 1, Cells: []string{
		"Ordnungsmerkmal", "Familienname", "Vornamen", "Geburtsdatum", "Geschlecht", "Straße", "Hausnummer", "PLZ", "Ortsteil", "Auskunftssperre", "Zuzugsdatum", "Wegzugsdatum"}}}}
	for i, r := range rows {
		sheet.Rows = append(sheet.Rows, importing.Row{Number: 2 + i, Cells: r})
	}
	return importing.Tables{sheet}
}

// From the uploaded register to the cohort of 2027/28, through the import
// pipeline: who is in, at which school, and what a second upload that no
// longer lists a child does.
func TestEinschulungKohorteFromUploadedRegister(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	seedDemo(t, im.pool)
	ctx := context.Background()
	first := im.run("melderegister", "reject", false, registerTable(
		[]string{"OM1", "Krause", "Emil", "01.07.2021", "m", "Rosenweg", "13", "06108", "", "", "", ""},      // odd side: 20102
		[]string{"OM2", "Lehmann", "Mia", "02.07.2021", "w", "Rosenweg", "14", "06108", "", "", "", ""},      // next year's
		[]string{"OM3", "Wolf", "Ben", "02.07.2020", "m", "Hauptstraße", "7c", "06108", "", "ja", "", ""},    // suffix row: 20103
		[]string{"OM4", "Özdemir", "Ela", "15.03.2021", "w", "Neue Straße", "1", "06108", "", "", "", ""},    // no rule
		[]string{"OM5", "Fuchs", "Jan", "15.03.2021", "m", "Kirchgasse", "2", "06108", "", "", "", ""},       // re-drawn: 20103 from 2027
		[]string{"OM6", "Schulz", "Lea", "15.03.2021", "w", "Schulstraße", "2", "06110", "", "", "", ""},     // PLZ decides: 20106
		[]string{"OM7", "Weg", "Tim", "15.03.2021", "m", "Am Anger", "2", "06108", "", "", "", "01.02.2026"}, // moved away
		[]string{"OM8", "Neu", "Ida", "15.03.2021", "w", "Am Anger", "4", "06108", "", "", "20.05.2026", ""}, // moved in late
		[]string{"OM9", "Alt", "Kai", "01.07.2020", "m", "Am Anger", "6", "06108", "", "", "", ""},           // last year's
		[]string{"OM10", "Früh", "Mo", "01.09.2021", "m", "Am Anger", "8", "06108", "", "", "", ""},          // early candidate
	))
	if first.Status != importing.StatusSucceeded || first.Counts.Created != 10 {
		t.Fatalf("register import: %+v", first)
	}
	svc := einschulungService(t, im)
	k, err := svc.Kohorte(ctx, werte.NewSchuljahr(2027))
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]einschulung.Eintrag{}
	for _, e := range k.Eintraege {
		got[e.Kind.Familienname] = e
	}
	want := map[string]string{"Krause": "20102", "Wolf": "20103", "Özdemir": "", "Fuchs": "20103", "Schulz": "20106", "Neu": "20101"}
	if len(got) != len(want) {
		t.Errorf("cohort %v, want %v", keys(got), want)
	}
	for name, nr := range want {
		if e, ok := got[name]; !ok || e.Schulnummer != nr || e.Status != einschulung.StatusErwartet {
			t.Errorf("%s: %+v, want school %q", name, e, nr)
		}
	}
	if w := got["Wolf"]; !w.Kind.Auskunftssperre || w.Kind.Geschlecht != "m" || !w.Kind.Geburtsdatum.Equal(time.Date(2020, 7, 2, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Wolf read as %+v", w.Kind)
	}
	if k2, _ := svc.Kohorte(ctx, werte.NewSchuljahr(2026)); len(k2.Eintraege) != 1 || k2.Eintraege[0].Kind.Familienname != "Alt" {
		t.Errorf("cohort 2026/27: %+v", k2.Eintraege)
	}

	// Early entry by name, and a deferral carried into the next year.
	r, err := svc.Melde(ctx, werte.NewSchuljahr(2027), einschulung.Eingabe{
		Person: &einschulung.PersonEingabe{Familienname: "Frueh", Vornamen: "Mo", Geburtsdatum: "2021-09-01"}, Typ: "anmeldung", Schulnummer: "20101"}, false)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := svc.Melde(ctx, werte.NewSchuljahr(2027), einschulung.Eingabe{KindID: got["Krause"].ID, Typ: "zurueckstellung", Entscheidung: "genehmigt"}, false); err != nil {
		t.Fatal(err)
	}
	k, _ = svc.Kohorte(ctx, werte.NewSchuljahr(2027))
	if i := slices.IndexFunc(k.Eintraege, func(e einschulung.Eintrag) bool { return e.ID == r.KindID }); i < 0 || k.Eintraege[i].Status != einschulung.StatusVorzeitig {
		t.Errorf("early entrant not in the cohort as vorzeitig")
	}
	next, _ := svc.Kohorte(ctx, werte.NewSchuljahr(2028))
	if i := slices.IndexFunc(next.Eintraege, func(e einschulung.Eintrag) bool { return e.ID == got["Krause"].ID }); i < 0 || next.Eintraege[i].Art != einschulung.ArtNachZurueckstellung {
		t.Errorf("deferred child not in next year's cohort")
	}

	// A newer extract without Krause: moved away, gone from both cohorts.
	// 9 of 10 children gone: applied only with that number confirmed.
	second := im.confirmed("melderegister", 9, registerTable(
		[]string{"OM3", "Wolf", "Ben", "02.07.2020", "m", "Hauptstraße", "7c", "06108", "", "ja", "", ""},
	))
	if second.Status != importing.StatusSucceeded {
		t.Fatalf("second import: %+v", second)
	}
	next, _ = svc.Kohorte(ctx, werte.NewSchuljahr(2028))
	k, _ = svc.Kohorte(ctx, werte.NewSchuljahr(2027))
	if len(next.Eintraege) != 0 || len(k.Eintraege) != 1 || k.Eintraege[0].Kind.Familienname != "Wolf" {
		t.Errorf("after the second extract: 2027 %d children, 2028 %d", len(k.Eintraege), len(next.Eintraege))
	}
}

func keys[V any](m map[string]V) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

func TestEinschulungSaveMeldungIsIdempotent(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	st := postgres.NewEinschulungStore(im.pool)
	ctx := context.Background()
	feed := func() int {
		return im.count("SELECT count(*) FROM change_feed_eintraege WHERE entity = 'kind' AND entity_id = 'the-id'")
	}
	m := einschulung.Meldung{Schuljahr: werte.NewSchuljahr(2027), Kind: "om:OM1", Typ: einschulung.TypGastschulantrag,
		Schulnummer: "20102", Entscheidung: einschulung.EntscheidungBeantragt}
	alles := func(einschulung.Zustand) ([]einschulung.Typ, error) { return nil, nil }
	first, neu, err := st.SaveMeldung(ctx, m, "the-id", alles)
	if err != nil || !neu || first.Geaendert.IsZero() || feed() != 1 {
		t.Fatalf("first: %+v, new %v, %v, feed %d", first, neu, err, feed())
	}
	again, neu, err := st.SaveMeldung(ctx, m, "the-id", alles)
	if err != nil || neu || !again.Geaendert.Equal(first.Geaendert) || feed() != 1 {
		t.Errorf("retry: %+v, new %v, %v, feed %d", again, neu, err, feed())
	}
	m.Entscheidung = einschulung.EntscheidungGenehmigt
	decided, neu, err := st.SaveMeldung(ctx, m, "the-id", alles)
	if err != nil || neu || decided.Entscheidung != einschulung.EntscheidungGenehmigt || feed() != 2 {
		t.Errorf("decision: %+v, new %v, %v, feed %d", decided, neu, err, feed())
	}
	other := m
	other.Typ, other.Schulnummer, other.Entscheidung = einschulung.TypAnmeldung, "20102", ""
	if _, neu, err := st.SaveMeldung(ctx, other, "the-id", alles); err != nil || !neu {
		t.Errorf("another Typ is another Meldung: new %v, %v", neu, err)
	}
	list, err := st.Meldungen(ctx, []werte.Schuljahr{werte.NewSchuljahr(2027)})
	if err != nil || len(list) != 2 {
		t.Errorf("Meldungen 2027: %+v, %v", list, err)
	}
	if list, _ := st.Meldungen(ctx, []werte.Schuljahr{werte.NewSchuljahr(2026)}); len(list) != 0 {
		t.Errorf("Meldungen 2026: %+v", list)
	}
	// The transition sees the child's stored Meldungen of the year; its
	// refusal stores nothing, and the Typen it drops are removed.
	abm := m
	abm.Typ, abm.Schulnummer, abm.Entscheidung = einschulung.TypAbmeldung, "", ""
	_, _, err = st.SaveMeldung(ctx, abm, "the-id", func(z einschulung.Zustand) ([]einschulung.Typ, error) {
		if len(z) != 2 || z[einschulung.TypGastschulantrag].Entscheidung != einschulung.EntscheidungGenehmigt || z[einschulung.TypAnmeldung].Schulnummer != "20102" {
			t.Errorf("state seen: %+v", z)
		}
		return nil, apperr.Conflict("nein")
	})
	if e, ok := apperr.As(err); !ok || e.Class != apperr.ClassConflict || im.count("SELECT count(*) FROM einschulung_meldungen WHERE typ = 'abmeldung'") != 0 || feed() != 3 {
		t.Errorf("refused: %v, feed %d", err, feed())
	}
	if _, _, err := st.SaveMeldung(ctx, abm, "the-id", alles); err != nil {
		t.Fatal(err)
	}
	again2 := other
	again2.Schulnummer = "20101"
	if _, _, err := st.SaveMeldung(ctx, again2, "the-id", func(einschulung.Zustand) ([]einschulung.Typ, error) {
		return []einschulung.Typ{einschulung.TypAbmeldung}, nil
	}); err != nil || im.count("SELECT count(*) FROM einschulung_meldungen WHERE typ = 'abmeldung'") != 0 || feed() != 5 {
		t.Errorf("Abmeldung not lifted: %v, feed %d", err, feed())
	}
}

// The store's window and its Meldungen join: each child once.
func TestEinschulungStoreKinder(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	ctx := context.Background()
	if _, err := im.pool.Exec(ctx, `INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer) VALUES
		('p:in', 'Drin', 'A', '2021-01-01', 'Am Anger', '1'),
		('p:named', 'Genannt', 'B', '2019-01-01', 'Am Anger', '1'),
		('p:both', 'Beides', 'C', '2021-02-01', 'Am Anger', '1'),
		('p:out', 'Draussen', 'D', '2019-02-01', 'Am Anger', '1')`); err != nil {
		t.Fatal(err)
	}
	if _, err := im.pool.Exec(ctx, `INSERT INTO einschulung_meldungen (schuljahr, kind, typ) VALUES
		(2026, 'p:named', 'zurueckstellung'), (2027, 'p:both', 'anmeldung'), (2025, 'p:out', 'anmeldung')`); err != nil {
		t.Fatal(err)
	}
	st := postgres.NewEinschulungStore(im.pool)
	list, err := st.Kinder(ctx, time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC), time.Date(2021, 7, 3, 0, 0, 0, 0, time.UTC),
		[]werte.Schuljahr{werte.NewSchuljahr(2027), werte.NewSchuljahr(2026)})
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, k := range list {
		names = append(names, k.Schluessel)
	}
	slices.Sort(names)
	if !slices.Equal(names, []string{"p:both", "p:in", "p:named"}) {
		t.Errorf("children %v", names)
	}
	born, err := st.KinderGeborenAm(ctx, time.Date(2019, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil || len(born) != 1 || born[0].Familienname != "Genannt" {
		t.Errorf("born on 2019-01-01: %+v, %v", born, err)
	}
}

// Two Meldungen about one child at the same time are checked one after
// the other against the state the first left: a registration at the
// school of an approved Gastschulantrag and the withdrawal of that
// approval never both pass (which would show the child registered at a
// school it has no right to), whichever comes first. And an approval
// moves no admitted child, stored as it is.
func TestEinschulungMeldungenOfOneChildTakeTurns(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	seedDemo(t, im.pool)
	ctx := context.Background()
	const n = 12
	for i := range n {
		if _, err := im.pool.Exec(ctx, `INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer, plz, status)
			VALUES ($1, 'Kind', $2, '2021-03-04', 'Am Anger', $3, '06108', 'gemeldet')`, fmt.Sprintf("om:T%d", i), fmt.Sprintf("K%d", i), fmt.Sprint(2*i+10)); err != nil {
			t.Fatal(err)
		}
	}
	// One more child, for the admission at the end.
	if _, err := im.pool.Exec(ctx, `INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer, plz, status)
		VALUES ('om:X', 'Kind', 'Extra', '2021-03-04', 'Am Anger', '9', '06108', 'gemeldet')`); err != nil {
		t.Fatal(err)
	}
	svc := einschulungService(t, im)
	sj := werte.NewSchuljahr(2027)
	k, err := svc.Kohorte(ctx, sj)
	if err != nil || len(k.Eintraege) != n+1 {
		t.Fatalf("cohort: %d, %v", len(k.Eintraege), err)
	}
	var extra einschulung.Eintrag
	k.Eintraege = slices.DeleteFunc(k.Eintraege, func(e einschulung.Eintrag) bool {
		if e.Kind.Vornamen == "Extra" {
			extra = e
			return true
		}
		return false
	})
	bezirk := k.Eintraege[0].Schulnummer
	gast := "20102"
	if bezirk == gast {
		gast = "20101"
	}
	for _, e := range k.Eintraege {
		if e.Schulnummer != bezirk {
			t.Fatalf("children of one street in two Bezirke: %s, %s", e.Schulnummer, bezirk)
		}
		if _, err := svc.Melde(ctx, sj, einschulung.Eingabe{KindID: e.ID, Typ: "gastschulantrag", Schulnummer: gast, Entscheidung: "genehmigt"}, true); err != nil {
			t.Fatal(err)
		}
	}
	type result struct {
		id                string
		anmeldung, ablehn error
	}
	results := make(chan result, n)
	for _, e := range k.Eintraege {
		go func() {
			var r result
			r.id = e.ID
			var wg sync.WaitGroup
			wg.Add(2)
			go func() {
				defer wg.Done()
				_, r.anmeldung = svc.Melde(ctx, sj, einschulung.Eingabe{KindID: e.ID, Typ: "anmeldung", Schulnummer: gast}, false)
			}()
			go func() {
				defer wg.Done()
				_, r.ablehn = svc.Melde(ctx, sj, einschulung.Eingabe{KindID: e.ID, Typ: "gastschulantrag", Schulnummer: gast, Entscheidung: "abgelehnt"}, true)
			}()
			wg.Wait()
			results <- r
		}()
	}
	got := map[string]result{}
	for range n {
		r := <-results
		got[r.id] = r
	}
	k, err = svc.Kohorte(ctx, sj)
	if err != nil {
		t.Fatal(err)
	}
	erst := map[bool]int{}
	for _, e := range k.Eintraege {
		if e.ID == extra.ID {
			continue
		}
		r := got[e.ID]
		switch {
		case r.anmeldung == nil && r.ablehn == nil:
			t.Errorf("%s: both passed; now %s at %s", e.ID, e.Status, e.Schulnummer)
		case r.anmeldung == nil:
			erst[true]++
			if e.Status != einschulung.StatusAngemeldet || e.Schulnummer != gast {
				t.Errorf("%s: registered first, now %s at %s", e.ID, e.Status, e.Schulnummer)
			}
		case r.ablehn == nil:
			erst[false]++
			if e.Status != einschulung.StatusErwartet || e.Schulnummer != bezirk {
				t.Errorf("%s: withdrawn first, now %s at %s", e.ID, e.Status, e.Schulnummer)
			}
		default:
			t.Errorf("%s: both refused: %v / %v", e.ID, r.anmeldung, r.ablehn)
		}
	}
	t.Logf("registration first %d times, withdrawal first %d times", erst[true], erst[false])

	// Admitted at the Bezirksschule, then an approval: the child stays.
	e := extra
	if _, err := svc.Melde(ctx, sj, einschulung.Eingabe{KindID: e.ID, Typ: "aufnahme", Schulnummer: bezirk}, false); err != nil {
		t.Fatal(err)
	}
	r, err := svc.Melde(ctx, sj, einschulung.Eingabe{KindID: e.ID, Typ: "gastschulantrag", Schulnummer: gast, Entscheidung: "genehmigt"}, true)
	if err != nil || !strings.Contains(r.Hinweis, "bleibt dort") {
		t.Fatalf("approval after the admission: %+v %v", r, err)
	}
	k, _ = svc.Kohorte(ctx, sj)
	for _, x := range k.Eintraege {
		if x.ID == e.ID && (x.Status != einschulung.StatusAufgenommen || x.Schulnummer != bezirk) {
			t.Errorf("admitted at %s, approved for %s: now %s at %s", bezirk, gast, x.Status, x.Schulnummer)
		}
	}
}

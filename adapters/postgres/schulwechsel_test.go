package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/importing"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// swEnv is a database with the city's schools 20101, 20102 (kommunal) and
// 20107 (frei), and the pupils of 20101 imported from its list.
type swEnv struct {
	t    *testing.T
	pool *pgxpool.Pool
	svc  *sw.Service
}

func newSchulwechselEnv(t *testing.T, fristTage int) *swEnv {
	t.Helper()
	im := newImporter(t)
	ctx := context.Background()
	if _, err := im.pool.Exec(ctx, `INSERT INTO schulen (schulnummer, name, schulform, traeger) VALUES
		('20101', 'Grundschule Am Anger', 'grundschule', 'kommunal'),
		('20102', 'Grundschule Lindenplatz', 'grundschule', 'kommunal'),
		('20107', 'Freie Grundschule Regenbogen', 'grundschule', 'frei')`); err != nil {
		t.Fatal(err)
	}
	// Lea has a Schülernummer in the school's list, Tom has none.
	imp := im.run("schueler", "reject", false, importing.Tables{{Name: "Schüler", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Schulnummer", "Schülernummer", "Familienname", "Vornamen", "Geburtsdatum", "Klasse"}},
		{Number: 2, Cells: []string{"20101", "111", "Müller", "Lea", "04.03.2018", "2a"}},
		{Number: 3, Cells: []string{"20101", "", "Schulz", "Tom", "05.06.2018", "2b"}},
	}}})
	wantCounts(t, imp, importing.Counts{Rows: 2, Valid: 2, Created: 2})
	return &swEnv{t: t, pool: im.pool, svc: sw.NewService(postgres.NewSchulwechselStore(im.pool), fristTage)}
}

// schueler returns "status/jahrgangsstufe/klasse/import" of each record of
// the pupil named, by school; import is "imp" while the record still is
// what an import wrote.
func (e *swEnv) schueler(familienname string) map[string]string {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT schulnummer, status, coalesce(jahrgangsstufe::text, '-'),
		coalesce(klasse, '-'), CASE WHEN import_id IS NULL THEN '' ELSE 'imp' END FROM schueler WHERE familienname = $1`, familienname)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var nr, status, grade, klasse, imp string
		if err := rows.Scan(&nr, &status, &grade, &klasse, &imp); err != nil {
			e.t.Fatal(err)
		}
		out[nr] = status + "/" + grade + "/" + klasse + "/" + imp
	}
	return out
}

func (e *swEnv) create(w *sw.Schulwechsel) sw.Record {
	e.t.Helper()
	rec, err := e.svc.Create(context.Background(), w, sw.Eingang{Format: sw.FormatXML, Nachricht: []byte("<nachricht/>"), CreatedBy: "bms-test"})
	if err != nil {
		e.t.Fatal(err)
	}
	return rec
}

// abgaenge returns schulwechsel id → "schule|frist|closed by" of the open
// departures ("offen" while open).
func (e *swEnv) abgaenge() map[string]string {
	e.t.Helper()
	rows, err := e.pool.Query(context.Background(), `SELECT schulwechsel_id::text, schule, frist::text, coalesce(geschlossen_durch::text, 'offen')
		FROM offene_abgaenge`)
	if err != nil {
		e.t.Fatal(err)
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var id, schule, frist, closed string
		if err := rows.Scan(&id, &schule, &frist, &closed); err != nil {
			e.t.Fatal(err)
		}
		out[id] = schule + "|" + frist + "|" + closed
	}
	return out
}

type swPupil struct {
	familienname, vornamen string
	geburt                 sw.Datum
	schuelernummer         string
}

var (
	swLea = swPupil{"Müller", "Lea", sw.Tagesdatum(2018, 3, 4), "111"}
	swTom = swPupil{"Schulz", "Tom", sw.Tagesdatum(2018, 6, 5), ""}
)

func swSchule(id string) sw.Schule {
	return sw.Schule{Name: &sw.Organisationsname{Name: "Schule " + id}, Identifikationen: []sw.Identifikation{{ID: id, Beschreibung: "Schulnummer"}}}
}

// swWechsel is a change of p from school von to school nach (either ""
// for none) with admission and leaving on the given day.
func swWechsel(p swPupil, von, nach string, tag sw.Datum) *sw.Schulwechsel {
	w := &sw.Schulwechsel{
		Dokument: sw.Dokument{Sprache: sw.Code{Value: "http://publications.europa.eu/resource/authority/language/DEU"}},
		Schueler: sw.Schueler{
			Name:   sw.Name{Familienname: sw.Namensteil{Name: p.familienname}, Vorname: sw.Namensteil{Name: p.vornamen}},
			Geburt: sw.Geburt{Datum: p.geburt},
		},
	}
	if p.schuelernummer != "" {
		w.Schueler.Identifikationen = []sw.Identifikation{{ID: p.schuelernummer, Beschreibung: "Schülernummer"}}
	}
	if nach != "" {
		w.Aufnahme = &sw.Aufnahme{
			Schule: swSchule(nach), Datum: tag,
			Jahrgangsstufe: sw.Code{Value: "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_3"},
			Art:            sw.Auswahl{Code: sw.Code{Value: "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/schulwechsel_ausserhalb_schulbezirk"}},
		}
	}
	if von != "" {
		w.BisherigeSchule = &sw.BisherigeSchule{Schule: swSchule(von), Zeitraum: &sw.Zeitraum{Ende: tag}}
	}
	return w
}

func TestSchulwechselMovesPupilRecords(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	day := sw.Tagesdatum(2026, 2, 2)
	steps := []struct {
		name         string
		w            *sw.Schulwechsel
		bewegung     sw.Bewegung
		familienname string
		want         map[string]string
	}{
		{"within the city to a free school", swWechsel(swLea, "20101", "20107", day), sw.Innerhalb, "Müller",
			map[string]string{"20101": "abgegangen/2/2a/", "20107": "aktiv/3/-/"}},
		{"back from the free school", swWechsel(swLea, "20107", "20101", sw.Tagesdatum(2026, 3, 2)), sw.Innerhalb, "Müller",
			map[string]string{"20101": "aktiv/3/-/", "20107": "abgegangen/3/-/"}},
		{"out of the city, known by name at the old school", swWechsel(swPupil{"Schulz", "Tom", swTom.geburt, "222"}, "20101", "BY_106345", day),
			sw.Wegzug, "Schulz", map[string]string{"20101": "abgegangen/2/2b/"}},
		{"into the city", swWechsel(swPupil{"Neu", "Nina", sw.Tagesdatum(2017, 1, 1), ""}, "BB_106124", "20102", day), sw.Zuzug, "Neu",
			map[string]string{"20102": "aktiv/3/-/"}},
		{"neither school in the city", swWechsel(swPupil{"Fern", "Fritz", sw.Tagesdatum(2017, 1, 1), ""}, "BB_1", "BY_2", day), sw.Ausserhalb, "Fern",
			map[string]string{}},
	}
	if got := e.schueler("Müller"); !reflect.DeepEqual(got, map[string]string{"20101": "aktiv/2/2a/imp"}) {
		t.Fatalf("imported pupil %v", got)
	}
	for _, st := range steps {
		rec := e.create(st.w)
		if rec.ID == "" || rec.Bewegung != st.bewegung || rec.CreatedAt.IsZero() || rec.CreatedBy != "bms-test" {
			t.Errorf("%s: record %+v, want Bewegung %s", st.name, rec, st.bewegung)
		}
		if got := e.schueler(st.familienname); !reflect.DeepEqual(got, st.want) {
			t.Errorf("%s: swPupil records %v, want %v", st.name, got, st.want)
		}
	}
	// Every change is in the change feed.
	page, err := postgres.NewFeedStore(e.pool, 0).Read(context.Background(), "", 100)
	if err != nil {
		t.Fatal(err)
	}
	n := 0
	for _, it := range page.Items {
		if it.Entity == changefeed.EntitySchulwechsel && it.Operation == changefeed.Upsert {
			n++
		}
	}
	if n != len(steps) {
		t.Errorf("%d schulwechsel entries in the change feed, want %d", n, len(steps))
	}
}

func TestSchulwechselOpenDepartures(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	abgang := swWechsel(swTom, "20101", "", sw.Tagesdatum(2026, 3, 2))
	a := e.create(abgang)
	if a.Bewegung != sw.Abgang {
		t.Errorf("Bewegung %s, want abgang", a.Bewegung)
	}
	if got := e.schueler("Schulz"); got["20101"] != "abgegangen/2/2b/" {
		t.Errorf("swPupil at the old school: %v", got)
	}
	want := map[string]string{a.ID: "20101|2026-03-16|offen"}
	if got := e.abgaenge(); !reflect.DeepEqual(got, want) {
		t.Fatalf("open departures %v, want %v", got, want)
	}

	// An admission dated before the day of leaving does not close it …
	e.create(swWechsel(swTom, "", "BY_1", sw.Tagesdatum(2026, 2, 1)))
	if got := e.abgaenge(); !reflect.DeepEqual(got, want) {
		t.Fatalf("an earlier admission closed the departure: %v", got)
	}
	// … a later one does, found by name (folded) and birth date alone.
	closer := e.create(swWechsel(swPupil{"SCHULZ", "Tom", swTom.geburt, "999"}, "", "20102", sw.Tagesdatum(2026, 3, 9)))
	want[a.ID] = "20101|2026-03-16|" + closer.ID
	if got := e.abgaenge(); !reflect.DeepEqual(got, want) {
		t.Fatalf("open departures %v, want %v", got, want)
	}

	// A departure that arrives after the admission that ends it is born closed;
	// matched by Schülernummer although the name is spelled otherwise.
	admission := e.create(swWechsel(swLea, "", "BY_1", sw.Tagesdatum(2026, 5, 4)))
	late := e.create(swWechsel(swPupil{"Mueller-X", "Lea", swLea.geburt, "111"}, "20101", "", sw.Tagesdatum(2026, 5, 1)))
	if got := e.abgaenge()[late.ID]; got != "20101|2026-05-15|"+admission.ID {
		t.Errorf("late departure %q, want closed by %s", got, admission.ID)
	}
	// One later than every known admission stays open.
	open := e.create(swWechsel(swLea, "BY_1", "", sw.Tagesdatum(2026, 6, 30)))
	if got := e.abgaenge()[open.ID]; got != "BY_1|2026-07-14|offen" {
		t.Errorf("departure after all admissions: %q", got)
	}
}

func TestSchulwechselConfiguredFrist(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 30)
	a := e.create(swWechsel(swTom, "20101", "", sw.Tagesdatum(2026, 3, 2)))
	if got := e.abgaenge()[a.ID]; got != "20101|2026-04-01|offen" {
		t.Errorf("open departure %q, want frist 30 days later", got)
	}
}

func TestSchulwechselGetAndList(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	ctx := context.Background()
	var recs []sw.Record
	for i := range 5 {
		recs = append(recs, e.create(swWechsel(swPupil{"Kind", fmt.Sprint(i), sw.Tagesdatum(2017, 1, 1), ""}, "", "20101", sw.Tagesdatum(2026, 1, 5))))
	}
	got, err := e.svc.Get(ctx, recs[2].ID)
	if err != nil || got.ID != recs[2].ID || got.Format != sw.FormatXML || string(got.Nachricht) != "<nachricht/>" ||
		got.Bewegung != sw.Zuzug || got.CreatedBy != "bms-test" || !got.CreatedAt.Equal(recs[2].CreatedAt) {
		t.Errorf("Get = %+v, %v", got, err)
	}
	for _, id := range []string{"00000000-0000-0000-0000-000000000000", "kein-uuid", ""} {
		if _, err := e.svc.Get(ctx, id); !swIsKind(err, apperr.ClassNotFound) {
			t.Errorf("Get(%q) = %v, want not found", id, err)
		}
	}

	// Records 1–3 share one time: a page never ends inside them.
	same := recs[1].CreatedAt.Add(time.Millisecond)
	if _, err := e.pool.Exec(ctx, "UPDATE schulwechsel SET created_at = $1 WHERE id = ANY($2)", same,
		[]string{recs[1].ID, recs[2].ID, recs[3].ID}); err != nil {
		t.Fatal(err)
	}
	if _, err := e.pool.Exec(ctx, "UPDATE schulwechsel SET created_at = $1 WHERE id = $2", same.Add(time.Millisecond), recs[4].ID); err != nil {
		t.Fatal(err)
	}
	var seen []string
	var since time.Time
	for range 10 {
		page, err := e.svc.List(ctx, since, 3)
		if err != nil {
			t.Fatal(err)
		}
		if len(page) == 0 {
			break
		}
		for _, r := range page {
			seen = append(seen, r.ID)
		}
		since = page[len(page)-1].CreatedAt
	}
	var want []string
	for _, r := range recs {
		want = append(want, r.ID)
	}
	if len(seen) != len(want) {
		t.Fatalf("paging saw %d records, want %d", len(seen), len(want))
	}
	if seen[0] != want[0] || seen[4] != want[4] {
		t.Errorf("order %v, want %v", seen, want)
	}
}

func swIsKind(err error, k apperr.Class) bool {
	e, ok := apperr.As(err)
	return ok && e.Class == k
}

func swCount(t *testing.T, pool *pgxpool.Pool, sql string) int {
	t.Helper()
	var n int
	if err := pool.QueryRow(context.Background(), sql).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestIdempotencyStore(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	ctx := context.Background()
	idem := postgres.NewIdempotencyStore(e.pool)
	var calls atomic.Int32
	// write stores a change of school inside Do's transaction and answers
	// with its id.
	write := func(w *sw.Schulwechsel, fail error) func(context.Context) (postgres.Answer, error) {
		return func(ctx context.Context) (postgres.Answer, error) {
			// Each write is a message of its own (a nonce of its own), not
			// a repeat that the content check would answer by itself.
			c := *w
			c.Dokument.Nonce = fmt.Sprint(calls.Add(1), time.Now().UnixNano())
			rec, err := e.svc.Create(ctx, &c, sw.Eingang{Format: sw.FormatJSON, Nachricht: []byte("{}"), CreatedBy: "bms"})
			if err != nil {
				return postgres.Answer{}, err
			}
			time.Sleep(20 * time.Millisecond) // let concurrent retries pile up
			return postgres.Answer{Status: 201, Location: "/v1/schulwechsel/" + rec.ID, Body: []byte(rec.ID)}, fail
		}
	}
	h1, h2 := []byte("hash-1"), []byte("hash-2")
	w := swWechsel(swLea, "20101", "20102", sw.Tagesdatum(2026, 2, 2))

	first, err := idem.Do(ctx, "bms", "k1", h1, write(w, nil))
	if err != nil || first.Status != 201 || len(first.Body) == 0 {
		t.Fatalf("first Do = %+v, %v", first, err)
	}
	again, err := idem.Do(ctx, "bms", "k1", h1, write(w, nil))
	if err != nil || !reflect.DeepEqual(again, first) {
		t.Errorf("retry = %+v, %v; want the first answer %+v", again, err, first)
	}
	if calls.Load() != 1 || swCount(t, e.pool, "SELECT count(*) FROM schulwechsel") != 1 {
		t.Errorf("write ran %d times, %d records", calls.Load(), swCount(t, e.pool, "SELECT count(*) FROM schulwechsel"))
	}
	if _, err := idem.Do(ctx, "bms", "k1", h2, write(w, nil)); !swIsKind(err, apperr.ClassInvalid) {
		t.Errorf("same key, other request: %v, want invalid", err)
	}
	// Keys are per caller.
	if other, err := idem.Do(ctx, "schulamt", "k1", h2, write(w, nil)); err != nil || reflect.DeepEqual(other, first) {
		t.Errorf("other caller, same key: %+v, %v", other, err)
	}

	// A write that fails leaves nothing behind, neither its own changes
	// (same transaction) nor the key.
	before := swCount(t, e.pool, "SELECT count(*) FROM schulwechsel")
	boom := errors.New("boom")
	if _, err := idem.Do(ctx, "bms", "k2", h1, write(w, boom)); !errors.Is(err, boom) {
		t.Fatalf("failing write: %v", err)
	}
	if n := swCount(t, e.pool, "SELECT count(*) FROM schulwechsel"); n != before {
		t.Errorf("failed write left %d records", n-before)
	}
	if n := swCount(t, e.pool, "SELECT count(*) FROM idempotency_keys WHERE key = 'k2'"); n != 0 {
		t.Error("failed write kept its key")
	}
	if _, err := idem.Do(ctx, "bms", "k2", h2, write(w, nil)); err != nil {
		t.Errorf("key of a failed write not free again: %v", err)
	}

	// Concurrent requests with one key: one write, one answer for all.
	before = swCount(t, e.pool, "SELECT count(*) FROM schulwechsel")
	calls.Store(0)
	const n = 8
	answers := make([]postgres.Answer, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			answers[i], errs[i] = idem.Do(ctx, "bms", "k3", h1, write(w, nil))
		}()
	}
	wg.Wait()
	for i := range n {
		if errs[i] != nil || !reflect.DeepEqual(answers[i], answers[0]) {
			t.Errorf("request %d: %+v, %v; want %+v", i, answers[i], errs[i], answers[0])
		}
	}
	if calls.Load() != 1 || swCount(t, e.pool, "SELECT count(*) FROM schulwechsel")-before != 1 {
		t.Errorf("%d concurrent requests wrote %d times", n, calls.Load())
	}
}

// active returns the Schulnummern where the pupil is aktiv.
func (e *swEnv) active(familienname string) []string {
	e.t.Helper()
	var out []string
	for nr, v := range e.schueler(familienname) {
		if len(v) >= 5 && v[:5] == "aktiv" {
			out = append(out, nr)
		}
	}
	return out
}

// Issue 15: a change without Schülernummer for a pupil whose school list
// had one left the pupil active at both schools.
func TestSchulwechselWithoutSchuelernummerClosesTheOldRecord(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	ohneNummer := swPupil{"MÜLLER", "Lea", swLea.geburt, ""} // spelled otherwise, too
	rec := e.create(swWechsel(ohneNummer, "20101", "20102", sw.Tagesdatum(2026, 2, 2)))
	if rec.Bewegung != sw.Innerhalb || rec.Klaerung != nil {
		t.Errorf("record %+v", rec)
	}
	if got := e.schueler("Müller"); got["20101"] != "abgegangen/2/2a/" {
		t.Errorf("the old record: %v", got)
	}
	n := swCount(t, e.pool, `SELECT count(*) FROM schueler WHERE geburtsdatum = '2018-03-04' AND status = 'aktiv'`)
	if n != 1 || swCount(t, e.pool, `SELECT count(*) FROM schueler WHERE geburtsdatum = '2018-03-04' AND status = 'aktiv' AND schulnummer = '20102'`) != 1 {
		t.Errorf("%d active records of the child, want 1 at 20102", n)
	}
	// And back, with the Schülernummer: still one place.
	e.create(swWechsel(swLea, "20102", "20101", sw.Tagesdatum(2026, 4, 13)))
	if n := swCount(t, e.pool, `SELECT count(*) FROM schueler WHERE geburtsdatum = '2018-03-04' AND status = 'aktiv'`); n != 1 {
		t.Errorf("%d active records after the way back, want 1", n)
	}
	if n := swCount(t, e.pool, `SELECT count(*) FROM schueler WHERE geburtsdatum = '2018-03-04' AND status = 'aktiv' AND schulnummer = '20101'`); n != 1 {
		t.Error("not active at 20101 after the way back")
	}
}

// A record the admitting school already has (its list came first) is the
// one that becomes active, not a second one.
func TestSchulwechselTakesOverTheAdmittingSchoolsRecord(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO schueler (schluessel, schulnummer, familienname, vornamen, geburtsdatum, jahrgangsstufe, status)
		VALUES ('20102/p:mueller|lea|2018-03-04', '20102', 'Mueller', 'Lea', '2018-03-04', 2, 'aktiv')`); err != nil {
		t.Fatal(err)
	}
	e.create(swWechsel(swLea, "20101", "20102", sw.Tagesdatum(2026, 2, 2)))
	if n := swCount(t, e.pool, `SELECT count(*) FROM schueler WHERE geburtsdatum = '2018-03-04'`); n != 2 {
		t.Errorf("%d records of the child, want 2 (the old school's, the new school's)", n)
	}
	if n := swCount(t, e.pool, `SELECT count(*) FROM schueler WHERE geburtsdatum = '2018-03-04' AND status = 'aktiv' AND schulnummer = '20102'
		AND schuelernummer = '111' AND jahrgangsstufe = 3`); n != 1 {
		t.Error("the admitting school's record was not taken over")
	}
}

func TestSchulwechselAmbiguousPupilRefused(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	// A second Tom Schulz with the same birth date at 20101.
	if _, err := e.pool.Exec(context.Background(), `INSERT INTO schueler (schluessel, schulnummer, schuelernummer, familienname, vornamen, geburtsdatum, jahrgangsstufe)
		VALUES ('20101/sn:999', '20101', '999', 'Schulz', 'Tom', '2018-06-05', 4)`); err != nil {
		t.Fatal(err)
	}
	_, err := e.svc.Create(context.Background(), swWechsel(swTom, "20101", "20102", sw.Tagesdatum(2026, 2, 2)),
		sw.Eingang{Format: sw.FormatJSON, Nachricht: []byte("{}"), CreatedBy: "bms"})
	ae, ok := apperr.As(err)
	if !ok || ae.Class != apperr.ClassInvalid || len(ae.Fields) != 1 || ae.Fields[0].Code != sw.CodeSchuelerMehrdeutig ||
		!strings.Contains(ae.Fields[0].Message, "2 aktive Schüler") {
		t.Fatalf("got %v %+v, want a refusal naming 2 candidates", err, ae)
	}
	if n := swCount(t, e.pool, "SELECT count(*) FROM schulwechsel"); n != 0 {
		t.Errorf("%d records stored", n)
	}
	if n := swCount(t, e.pool, "SELECT count(*) FROM schueler WHERE familienname = 'Schulz' AND status = 'aktiv' AND schulnummer = '20101'"); n != 2 {
		t.Errorf("%d Toms still active at 20101, want both", n)
	}
	// With the Schülernummer it is clear.
	e.create(swWechsel(swPupil{"Schulz", "Tom", swTom.geburt, "999"}, "20101", "20102", sw.Tagesdatum(2026, 2, 2)))
	if n := swCount(t, e.pool, `SELECT count(*) FROM schueler WHERE familienname = 'Schulz' AND
		((schulnummer, status, coalesce(schuelernummer, '')) IN (('20101', 'aktiv', ''), ('20101', 'abgegangen', '999'), ('20102', 'aktiv', '999')))`); n != 3 {
		t.Errorf("records %v", e.schueler("Schulz"))
	}
}

func TestSchulwechselUnknownPupilIsAnOpenQuestion(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	nina := swPupil{"Neu", "Nina", sw.Tagesdatum(2017, 1, 1), "4242"}
	rec := e.create(swWechsel(nina, "20101", "20102", sw.Tagesdatum(2026, 2, 2)))
	k := rec.Klaerung
	if k == nil || k.Grund != sw.GrundSchuelerUnbekannt || k.Schule != "20101" || k.Aufnehmende != "20102" || k.SchulwechselID != rec.ID {
		t.Fatalf("Klaerung %+v", k)
	}
	if got := e.schueler("Neu"); len(got) != 0 {
		t.Errorf("unknown pupil recorded: %v", got)
	}
	got, err := e.svc.Get(context.Background(), rec.ID)
	if err != nil || got.Klaerung == nil || got.Klaerung.Familienname != "Neu" {
		t.Errorf("Get = %+v, %v", got, err)
	}
	ks, _, err := e.svc.Offen(context.Background())
	if err != nil || len(ks) != 1 || ks[0].SchulwechselID != rec.ID || ks[0].Vornamen != "Nina" || !ks[0].Geburtsdatum.Equal(time.Date(2017, 1, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Offen = %+v, %v", ks, err)
	}
	// A school outside the city cannot be asked: a Zuzug of an unknown
	// pupil is recorded as before.
	zuzug := e.create(swWechsel(swPupil{"Fremd", "Fiona", sw.Tagesdatum(2017, 5, 5), ""}, "BY_1", "20102", sw.Tagesdatum(2026, 2, 2)))
	if zuzug.Klaerung != nil || zuzug.Bewegung != sw.Zuzug || !reflect.DeepEqual(e.active("Fremd"), []string{"20102"}) {
		t.Errorf("Zuzug %+v, active at %v", zuzug, e.active("Fremd"))
	}
}

func TestSchulwechselRepeatWithoutKey(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	ctx := context.Background()
	w := swWechsel(swLea, "20101", "20102", sw.Tagesdatum(2026, 2, 2))
	first := e.create(w)
	again := e.create(swWechsel(swLea, "20101", "20102", sw.Tagesdatum(2026, 2, 2)))
	if again.ID != first.ID || !again.CreatedAt.Equal(first.CreatedAt) || again.Bewegung != first.Bewegung || !again.Wiederholung || first.Wiederholung {
		t.Errorf("repeat answered %+v, first %+v", again, first)
	}
	feed := func() int {
		return swCount(t, e.pool, "SELECT count(*) FROM change_feed_eintraege WHERE entity = 'schulwechsel'")
	}
	if n := swCount(t, e.pool, "SELECT count(*) FROM schulwechsel"); n != 1 || feed() != 1 {
		t.Errorf("%d records, %d feed entries after a repeat, want 1 and 1", n, feed())
	}
	// Other content (another day of admission) is another change.
	other := e.create(swWechsel(swLea, "20102", "20101", sw.Tagesdatum(2026, 2, 3)))
	if other.ID == first.ID || other.Wiederholung {
		t.Error("a different message was taken as a repeat")
	}
	// The same message a day later is a new one.
	if _, err := e.pool.Exec(ctx, "UPDATE schulwechsel SET created_at = created_at - interval '1 day' WHERE id = $1", first.ID); err != nil {
		t.Fatal(err)
	}
	later := e.create(swWechsel(swLea, "20101", "20102", sw.Tagesdatum(2026, 2, 2)))
	if later.ID == first.ID || later.Wiederholung || feed() != 3 {
		t.Errorf("next day: %+v, %d feed entries", later, feed())
	}
}

func TestSchulwechselOverdueDeparturesListed(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	today := time.Now().In(sw.Ortszeit)
	heute := sw.Tagesdatum(today.Year(), today.Month(), today.Day())
	lange := e.create(swWechsel(swTom, "20101", "", sw.Tagesdatum(2026, 3, 2)))                                // overdue since 16 March
	frisch := e.create(swWechsel(swPupil{"Frisch", "Fred", sw.Tagesdatum(2017, 2, 2), ""}, "BB_7", "", heute)) // within its frist
	geschlossen := e.create(swWechsel(swPupil{"Zu", "Zoe", sw.Tagesdatum(2017, 3, 3), ""}, "BB_8", "", sw.Tagesdatum(2026, 3, 2)))
	e.create(swWechsel(swPupil{"Zu", "Zoe", sw.Tagesdatum(2017, 3, 3), ""}, "", "BY_1", sw.Tagesdatum(2026, 3, 9)))
	_, as, err := e.svc.Offen(context.Background())
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, a := range as {
		ids = append(ids, a.SchulwechselID)
	}
	if !reflect.DeepEqual(ids, []string{lange.ID}) {
		t.Errorf("overdue %v, want only %s (not %s within its frist, not %s closed)", ids, lange.ID, frisch.ID, geschlossen.ID)
	}
	if a := as[0]; a.Schule != "20101" || a.Familienname != "Schulz" || !a.Frist.Equal(time.Date(2026, 3, 16, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("entry %+v", a)
	}
}

// Repeats that race each other (a client retrying on a timeout without
// key) still give one record: the lookup runs under the writers' lock.
func TestSchulwechselConcurrentRepeatsWithoutKey(t *testing.T) {
	t.Parallel()
	e := newSchulwechselEnv(t, 0)
	const n = 8
	recs := make([]sw.Record, n)
	errs := make([]error, n)
	var wg sync.WaitGroup
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			recs[i], errs[i] = e.svc.Create(context.Background(), swWechsel(swTom, "20101", "20102", sw.Tagesdatum(2026, 2, 2)),
				sw.Eingang{Format: sw.FormatJSON, Nachricht: []byte("{}"), CreatedBy: "bms"})
		}()
	}
	wg.Wait()
	firsts := 0
	for i := range n {
		if errs[i] != nil || recs[i].ID != recs[0].ID {
			t.Errorf("request %d: %+v, %v", i, recs[i], errs[i])
		}
		if !recs[i].Wiederholung {
			firsts++
		}
	}
	if firsts != 1 || swCount(t, e.pool, "SELECT count(*) FROM schulwechsel") != 1 ||
		swCount(t, e.pool, "SELECT count(*) FROM change_feed_eintraege WHERE entity = 'schulwechsel'") != 1 {
		t.Errorf("%d first answers, %d records", firsts, swCount(t, e.pool, "SELECT count(*) FROM schulwechsel"))
	}
	if got := e.active("Schulz"); !reflect.DeepEqual(got, []string{"20102"}) {
		t.Errorf("Tom active at %v", got)
	}
}

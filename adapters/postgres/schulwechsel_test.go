package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"reflect"
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
	rec, err := e.svc.Create(context.Background(), w, sw.FormatXML, []byte("<nachricht/>"), "bms-test")
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
			calls.Add(1)
			rec, err := e.svc.Create(ctx, w, sw.FormatJSON, []byte("{}"), "bms")
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

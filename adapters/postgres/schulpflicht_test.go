package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"strconv"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	sp "github.com/schulgateway/schulgateway/internal/schulpflicht"
)

type spFixture struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *postgres.SchulpflichtStore
	svc   *sp.Service
}

func newSPFixture(t *testing.T) *spFixture {
	pool := pgtest.Pool(t)
	store := postgres.NewSchulpflichtStore(pool)
	return &spFixture{t: t, pool: pool, store: store, svc: sp.NewService(store, sp.GesetzlicheSpanne(), sp.StandardKonfiguration(), nil)}
}

func (f *spFixture) exec(sql string, args ...any) {
	f.t.Helper()
	if _, err := f.pool.Exec(context.Background(), sql, args...); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
}

func (f *spFixture) scalar(sql string, args ...any) int {
	f.t.Helper()
	var n int
	if err := f.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		f.t.Fatalf("%s: %v", sql, err)
	}
	return n
}

func (f *spFixture) kind(key, name, vorname, geburt, status string) {
	f.exec(`INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer, status)
		VALUES ($1, $2, $3, $4, 'Rosenweg', '1', $5)`, key, name, vorname, geburt, status)
}

func (f *spFixture) schueler(key, name, vorname, geburt string) {
	f.exec(`INSERT INTO schueler (schluessel, schulnummer, familienname, vornamen, geburtsdatum, jahrgangsstufe)
		VALUES ($1, '20101', $2, $3, $4, 3)`, key, name, vorname, geburt)
}

// runWorker runs a worker until the reconciliation is no longer queued or
// running, and returns it.
type testLog struct{ t *testing.T }

func (l testLog) Write(p []byte) (int, error) {
	l.t.Log(strings.TrimSpace(string(p)))
	return len(p), nil
}

func (f *spFixture) runWorker(id string, run func(ctx context.Context, id string) error) sp.Abgleich {
	f.t.Helper()
	// The worker's log goes to the test's, so that a job that hangs says why.
	w := postgres.NewAbgleichWorker(f.store, run, slog.New(slog.NewTextHandler(testLog{f.t}, nil)))
	ctx, stop := context.WithCancel(context.Background())
	done := make(chan struct{})
	go func() { w.Run(ctx); close(done) }()
	defer func() { stop(); <-done }()
	deadline := time.Now().Add(30 * time.Second)
	for {
		a, err := f.store.Abgleich(context.Background(), id)
		if err != nil {
			f.t.Fatal(err)
		}
		if a.Status != sp.StatusQueued && a.Status != sp.StatusRunning {
			return a
		}
		if time.Now().After(deadline) {
			f.t.Fatalf("abgleich still %s", a.Status)
		}
		time.Sleep(10 * time.Millisecond)
	}
}

// Who is of compulsory age comes from the latest register with what the
// Einschulung knows; the job stores a line per such child and a case per
// child without a school.
func TestAbgleichJob(t *testing.T) {
	t.Parallel()
	f := newSPFixture(t)
	ctx := context.Background()
	f.kind("om:1", "Müller", "Anna", "2015-03-04", "gemeldet")
	f.kind("om:2", "Neumann", "Clara", "2012-01-01", "gemeldet")
	f.kind("om:3", "Lehmann", "Mia", "2014-02-02", "weggezogen") // moved away: not a resident
	f.kind("om:4", "Krause", "Paul", "2020-07-01", "gemeldet")   // would start 2026/27 …
	f.kind("om:5", "Schmidt", "Ida", "2021-03-03", "gemeldet")   // … too young, but admitted early
	f.kind("om:6", "Fischer", "Leon", "2009-05-05", "gemeldet")  // nine years done
	f.exec(`INSERT INTO einschulung_meldungen (schuljahr, kind, typ, entscheidung) VALUES (2026, 'om:4', 'zurueckstellung', 'genehmigt')`)
	f.exec(`INSERT INTO einschulung_meldungen (schuljahr, kind, typ, schulnummer) VALUES (2026, 'om:5', 'aufnahme', '20101')`)
	// A first grader the BMS reported admitted, in no school list yet.
	f.kind("om:7", "Wolf", "Ben", "2020-03-03", "gemeldet")
	f.exec(`INSERT INTO einschulung_meldungen (schuljahr, kind, typ, schulnummer) VALUES (2026, 'om:7', 'aufnahme', '20102')`)
	f.schueler("20101/p:1", "Müller", "Anna", "2015-03-04")
	f.schueler("20101/p:2", "Schmidt", "Ida", "2021-03-03")

	a, err := f.svc.Starte(ctx, "2026-09-15", "sachbearbeiter", true)
	if err != nil {
		t.Fatal(err)
	}
	done := f.runWorker(a.ID, f.svc.Run)
	if done.Status != sp.StatusSucceeded || done.Anzahl.Residents != 4 || done.Anzahl.Keine != 1 || done.Anzahl.Auto != 3 {
		t.Fatalf("abgleich = %+v", done)
	}
	lines, err := f.store.Zuordnungen(ctx, a.ID, "", 0, 100)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]sp.Entscheidung{}
	for _, l := range lines {
		got[l.Vornamen] = l.Entscheidung
		if l.Vornamen == "Ben" && (l.Schueler == nil || l.Schueler.Quelle != sp.QuelleAufnahme || l.Schueler.Schulnummer != "20102") {
			t.Errorf("Ben: matched %+v, want his admission at 20102", l.Schueler)
		}
		if l.Entscheidung == sp.Auto && (l.Schueler == nil || l.Schueler.Schulnummer == "") {
			t.Errorf("%s: matched pupil without school: %+v", l.Vornamen, l.Schueler)
		}
	}
	if len(got) != 4 || got["Anna"] != sp.Auto || got["Ida"] != sp.Auto || got["Ben"] != sp.Auto || got["Clara"] != sp.Keine {
		t.Errorf("lines = %v", got)
	}
	if n := f.scalar(`SELECT count(*) FROM faelle f JOIN kinder k ON k.id = f.kind_id WHERE k.vornamen = 'Clara' AND f.status = 'offen'`); n != 1 {
		t.Errorf("%d open cases for Clara", n)
	}
	if n := f.scalar(`SELECT count(*) FROM fall_historie WHERE wer = 'sachbearbeiter' AND von_status IS NULL AND zu_status = 'offen'`); n != 1 {
		t.Errorf("opening of the case recorded %d times", n)
	}

	// Storing the same outcome again (a worker that died after writing,
	// before its lease was released) duplicates nothing.
	residents, err := f.store.Einwohner(ctx, time.Date(2000, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2025, 1, 1, 0, 0, 0, 0, time.UTC))
	if err != nil {
		t.Fatal(err)
	}
	var z []sp.Zeile
	for _, r := range residents {
		z = append(z, sp.Zeile{Zuordnung: sp.Zuordnung{ResidentID: r.ID, Entscheidung: sp.Keine, Begruendung: "test"}})
	}
	if _, err := f.store.SaveErgebnis(ctx, a.ID, z); err != nil {
		t.Fatal(err)
	}
	if _, err := f.store.SaveErgebnis(ctx, a.ID, z); err != nil {
		t.Fatal(err)
	}
	if n := f.scalar(`SELECT count(*) FROM abgleich_zuordnungen WHERE abgleich_id = $1`, a.ID); n != len(residents) {
		t.Errorf("%d lines for %d residents", n, len(residents))
	}
	if n := f.scalar(`SELECT count(*) FROM faelle WHERE status <> 'erledigt' GROUP BY kind_id ORDER BY 1 DESC LIMIT 1`); n != 1 {
		t.Errorf("a child has %d open cases", n)
	}
}

// A job whose process died is taken up again when its lease runs out; one
// that fails is marked failed with a German reason; one that kept dying
// is given up.
func TestAbgleichQueue(t *testing.T) {
	t.Parallel()
	f := newSPFixture(t)
	ctx := context.Background()
	f.kind("om:1", "Neumann", "Clara", "2012-01-01", "gemeldet")

	// Claimed by a worker that died: running, lease over.
	a, err := f.svc.Starte(ctx, "2026-09-15", "amt", true)
	if err != nil {
		t.Fatal(err)
	}
	f.exec(`UPDATE abgleiche SET status = 'running', attempts = 1, started_at = now(), lease_until = now() - interval '1 second' WHERE id = $1`, a.ID)
	if done := f.runWorker(a.ID, f.svc.Run); done.Status != sp.StatusSucceeded || done.Anzahl.Residents != 1 {
		t.Fatalf("taken up again: %+v", done)
	}
	if n := f.scalar(`SELECT attempts FROM abgleiche WHERE id = $1`, a.ID); n != 2 {
		t.Errorf("attempts = %d, want 2", n)
	}

	// A running job with a live lease is left alone.
	b, _ := f.svc.Starte(ctx, "2026-09-15", "amt", true)
	f.exec(`UPDATE abgleiche SET status = 'running', attempts = 1, lease_until = now() + interval '1 hour' WHERE id = $1`, b.ID)

	c, _ := f.svc.Starte(ctx, "2026-09-15", "amt", true)
	failing := func(context.Context, string) error { return errors.New("boom") }
	if done := f.runWorker(c.ID, failing); done.Status != sp.StatusFailed || !strings.Contains(done.Detail, "Fehler") {
		t.Errorf("failing job: %+v", done)
	}
	if got, _ := f.store.Abgleich(ctx, b.ID); got.Status != sp.StatusRunning {
		t.Errorf("a leased job was taken: %+v", got)
	}

	d, _ := f.svc.Starte(ctx, "2026-09-15", "amt", true)
	f.exec(`UPDATE abgleiche SET status = 'running', attempts = 3, lease_until = now() - interval '1 second' WHERE id = $1`, d.ID)
	if done := f.runWorker(d.ID, f.svc.Run); done.Status != sp.StatusFailed || !strings.Contains(done.Detail, "mehrfach unterbrochen") {
		t.Errorf("job that kept dying: %+v", done)
	}
}

// A change of a case and its history entry are one transaction; a case
// cannot be reopened while the child has another open one.
func TestFallAendern(t *testing.T) {
	t.Parallel()
	f := newSPFixture(t)
	ctx := context.Background()
	f.kind("om:1", "Neumann", "Clara", "2012-01-01", "gemeldet")
	a, _ := f.svc.Starte(ctx, "2026-09-15", "amt", true)
	f.runWorker(a.ID, f.svc.Run)
	faelle, err := f.store.Faelle(ctx, "", 0, 0)
	if err != nil || len(faelle) != 1 {
		t.Fatalf("faelle = %+v, %v", faelle, err)
	}
	id := faelle[0].ID
	idStr := strconv.FormatInt
	if _, err := f.svc.AendereFall(ctx, idStr(id, 10), sp.FallAenderung{StatusSet: true, Status: "erledigt", GrundSet: true, Grund: "befreit",
		BefreitBisSet: true, BefreitBis: "2026-09-30"}, "frau-a"); err != nil {
		t.Fatal(err)
	}
	// A run after the exemption ended opens a new case for the child; the
	// old one cannot be taken up again beside it.
	b, _ := f.svc.Starte(ctx, "2026-10-15", "amt", true)
	f.runWorker(b.ID, f.svc.Run)
	_, err = f.svc.AendereFall(ctx, idStr(id, 10), sp.FallAenderung{StatusSet: true, Status: "in_klaerung"}, "frau-a")
	if err == nil || !strings.Contains(err.Error(), "anderen nicht erledigten Fall") {
		t.Fatalf("reopen beside an open case: %v", err)
	}
	fall, err := f.store.Fall(ctx, id)
	if err != nil {
		t.Fatal(err)
	}
	if fall.Status != sp.FallErledigt || len(fall.Historie) != 2 || fall.Historie[1].Wer != "frau-a" || fall.Historie[1].ZuGrund != sp.GrundBefreit ||
		fall.BefreitBis.Format(time.DateOnly) != "2026-09-30" {
		t.Errorf("fall after a refused change: %+v", fall)
	}
}

// The reconciliation sees the current state: an admission cancelled by an
// Abmeldung and a pupil who left count as no school; a closed case stays
// closed while its reason covers what a run finds, and otherwise a new
// case says why.
func TestAbgleichSeesTheCurrentState(t *testing.T) {
	t.Parallel()
	f := newSPFixture(t)
	ctx := context.Background()
	// First graders of 2026/27 the BMS reported admitted; one deregistered since.
	f.kind("om:1", "Wolf", "Ben", "2020-03-03", "gemeldet")
	f.kind("om:2", "Fuchs", "Finn", "2020-04-04", "gemeldet")
	f.exec(`INSERT INTO einschulung_meldungen (schuljahr, kind, typ, schulnummer) VALUES
		(2026, 'om:1', 'aufnahme', '20102'), (2026, 'om:2', 'aufnahme', '20102'), (2026, 'om:2', 'abmeldung', '')`)
	// A pupil who left her school, one who is still there.
	f.kind("om:3", "Hahn", "Hanna", "2015-05-05", "gemeldet")
	f.exec(`INSERT INTO schueler (schluessel, schulnummer, familienname, vornamen, geburtsdatum, jahrgangsstufe, status)
		VALUES ('20101/p:3', '20101', 'Hahn', 'Hanna', '2015-05-05', 5, 'abgegangen')`)
	f.kind("om:4", "Bauer", "Bea", "2015-06-06", "gemeldet")
	f.schueler("20101/p:4", "Bauer", "Bea", "2015-06-06")
	// Children found at no school, whose cases the school office closes.
	for i, name := range []string{"Ewig", "Kurz", "Gefunden", "Zurueck", "Fort"} {
		f.kind(fmt.Sprintf("om:%d", 10+i), name, "Kind", "2015-01-0"+strconv.Itoa(1+i), "gemeldet")
	}
	run := func(stichtag string) map[string]sp.Entscheidung {
		t.Helper()
		a, err := f.svc.Starte(ctx, stichtag, "amt", true)
		if err != nil {
			t.Fatal(err)
		}
		if done := f.runWorker(a.ID, f.svc.Run); done.Status != sp.StatusSucceeded {
			t.Fatalf("run %s: %+v", stichtag, done)
		}
		lines, err := f.store.Zuordnungen(ctx, a.ID, "", 0, 100)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]sp.Entscheidung{}
		for _, l := range lines {
			out[l.Familienname] = l.Entscheidung
		}
		return out
	}
	// offen lists the open cases by family name with their Anlass.
	offen := func() map[string]string {
		t.Helper()
		list, err := f.store.Faelle(ctx, sp.FallOffen, 0, 0)
		if err != nil {
			t.Fatal(err)
		}
		out := map[string]string{}
		for _, c := range list {
			if _, dup := out[c.Kind.Familienname]; dup {
				t.Errorf("two open cases for %s", c.Kind.Familienname)
			}
			out[c.Kind.Familienname] = c.Anlass
		}
		return out
	}
	got := run("2026-09-15")
	if got["Wolf"] != sp.Auto || got["Fuchs"] != sp.Keine || got["Hahn"] != sp.Keine || got["Bauer"] != sp.Auto {
		t.Errorf("first run: %v", got)
	}
	faelle := offen()
	for _, name := range []string{"Fuchs", "Hahn", "Ewig", "Kurz", "Gefunden", "Zurueck", "Fort"} {
		if a, ok := faelle[name]; !ok || a != "" {
			t.Errorf("first run: case of %s: %q (open %v)", name, a, ok)
		}
	}
	if len(faelle) != 7 {
		t.Errorf("open cases %v", faelle)
	}
	list, _ := f.store.Faelle(ctx, sp.FallOffen, 0, 0)
	schliessen := map[string]sp.FallAenderung{
		"Ewig":     {Grund: "befreit"},
		"Kurz":     {Grund: "befreit", BefreitBisSet: true, BefreitBis: "2026-12-31"},
		"Gefunden": {Grund: "schule_gefunden"},
		"Zurueck":  {Grund: "zurueckgestellt"},
		"Fort":     {Grund: "weggezogen"},
	}
	for _, c := range list {
		a, ok := schliessen[c.Kind.Familienname]
		if !ok {
			continue
		}
		a.StatusSet, a.Status, a.GrundSet = true, "erledigt", true
		if _, err := f.svc.AendereFall(ctx, strconv.FormatInt(c.ID, 10), a, "frau-a"); err != nil {
			t.Fatal(err)
		}
	}
	// Closed long ago, the child moved back since.
	f.exec(`UPDATE fall_historie SET wann = '2026-09-20' WHERE zu_status = 'erledigt'`)

	// Later in the same school year, before the exemption ends: every
	// closed case stays closed but the one of the child found at a school.
	run("2026-10-15")
	faelle = offen()
	if len(faelle) != 3 || !strings.Contains(faelle["Gefunden"], "weil das Kind an einer Schule gefunden wurde") {
		t.Errorf("second run: open %v", faelle)
	}
	// The child that moved away is back.
	f.exec(`UPDATE kinder SET zuzug = '2026-11-01' WHERE familienname = 'Fort'`)
	run("2027-01-15")
	faelle = offen()
	if len(faelle) != 5 || !strings.Contains(faelle["Kurz"], "galt bis 31.12.2026") || !strings.Contains(faelle["Fort"], "wieder zugezogen") ||
		faelle["Ewig"] != "" || faelle["Zurueck"] != "" {
		t.Errorf("third run: open %v", faelle)
	}
	if _, ok := faelle["Ewig"]; ok {
		t.Error("an exemption without end was opened again")
	}
	// A new school year: the deferral was for 2026/27.
	run("2027-09-15")
	faelle = offen()
	if !strings.Contains(faelle["Zurueck"], "Schuljahr 2026/27") {
		t.Errorf("next school year: open %v", faelle)
	}
	if _, ok := faelle["Ewig"]; ok || f.scalar(`SELECT count(*) FROM faelle f JOIN kinder k ON k.id = f.kind_id WHERE k.familienname = 'Ewig'`) != 1 {
		t.Error("an exemption without end was opened again")
	}
}

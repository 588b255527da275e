package postgres_test

import (
	"bytes"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"hash/maphash"
	"strings"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// importer runs imports synchronously against a database of its own, with
// the lists given as tables in memory.
type importer struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *postgres.ImportStore
	svc   *importing.Service
	// noBulk: load into an empty register the general way (NoBulkLoad).
	noBulk bool
	// noDirect: load into an empty register through stg_in (NoDirectLoad).
	noDirect bool
	// keyHash: the direct load's hash of keys (nil: maphash's).
	keyHash func(maphash.Seed, string) uint64
	// directChunk: the direct load's rows per COPY (0: directChunk's).
	directChunk int
	// directLoads: the lists loaded straight into their table so far.
	directLoads int64
	// source, if not nil, is what the processor reads instead of the table.
	source func(importing.Tables) importing.Source
}

func newImporter(t *testing.T) *importer {
	pool := pgtest.Pool(t)
	store := postgres.NewImportStore(pool, pseudonym)
	return &importer{t: t, pool: pool, store: store, svc: importing.NewService(store, importing.Limits{MaxBytes: 1 << 20})}
}

// run uploads the table as kind and processes it like the worker would.
func (im *importer) run(kind, onError string, dryRun bool, table importing.Tables) importing.Import {
	im.t.Helper()
	return im.runReq(importing.Request{Kind: kind, OnError: onError, DryRun: dryRun}, table)
}

// confirmed runs a commit that confirms n removals (confirm_removals=n).
func (im *importer) confirmed(kind string, n int, table importing.Tables) importing.Import {
	im.t.Helper()
	return im.runReq(importing.Request{Kind: kind, ConfirmRemovals: &n}, table)
}

// runReq uploads the table as req asks and processes it like the worker
// would.
func (im *importer) runReq(req importing.Request, table importing.Tables) importing.Import {
	im.t.Helper()
	imp, err := im.process(req, table)
	if err != nil {
		im.t.Fatal(err)
	}
	return imp
}

// process is runReq, and returns what processing the import returned.
func (im *importer) process(req importing.Request, table importing.Tables) (importing.Import, error) {
	im.t.Helper()
	ctx := context.Background()
	var src importing.Source = table
	if im.source != nil {
		src = im.source(table)
	}
	proc := postgres.NewProcessor(im.store, func(context.Context, importing.File, string) (importing.Source, error) { return src, nil })
	proc.NoBulkLoad, proc.NoDirectLoad = im.noBulk, im.noDirect
	if im.keyHash != nil {
		postgres.SetKeyHash(proc, im.keyHash)
	}
	postgres.SetDirectChunk(proc, im.directChunk)
	defer func() { im.directLoads += postgres.DirectLoads(proc) }()
	req.Filename, req.CreatedBy = "liste.xlsx", "test"
	imp, err := im.svc.Submit(ctx, req, bytes.NewReader([]byte("x")))
	if err != nil {
		im.t.Fatal(err)
	}
	id, ok, err := im.store.Claim(ctx, 3)
	if err != nil || !ok || id != imp.ID {
		im.t.Fatalf("Claim = %q, %v, %v; want %s", id, ok, err, imp.ID)
	}
	perr := proc.Process(ctx, id, nil)
	got, err := im.store.Get(ctx, id)
	if err != nil {
		im.t.Fatal(err)
	}
	return got, perr
}

// pseudonym stands in for the HMAC pseudonymizer: any function that does
// not reveal the key will do for these tests.
func pseudonym(key string) string {
	sum := sha256.Sum256([]byte(key))
	return "ps-" + hex.EncodeToString(sum[:8])
}

func (im *importer) count(sql string, args ...any) int {
	im.t.Helper()
	var n int
	if err := im.pool.QueryRow(context.Background(), sql, args...).Scan(&n); err != nil {
		im.t.Fatal(err)
	}
	return n
}

func register(rows ...[]string) importing.Tables {
	sheet := importing.Sheet{Name: "Kinder", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Melderegister-Auszug Musterstadt – Stand 01.02.2026"}},
		{Number: 3, Cells: []string{"Ordnungsmerkmal", "Familienname", "Vornamen", "Geburtsdatum", "Straße", "Hausnummer", "PLZ"}},
	}}
	for i, r := range rows {
		sheet.Rows = append(sheet.Rows, importing.Row{Number: 4 + i, Cells: r})
	}
	return importing.Tables{sheet}
}

func wantCounts(t *testing.T, imp importing.Import, want importing.Counts) {
	t.Helper()
	if imp.Counts != want {
		t.Errorf("counts = %+v, want %+v (status %s, %s)", imp.Counts, want, imp.Status, imp.Detail)
	}
}

func TestMelderegisterImportLifecycle(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	lena := []string{"1001", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "6108"}
	tom := []string{"1002", "Schmidt", "Tom", "2020-07-01", "Am Anger", "3a", "06108"}
	ida := []string{"1003", "Weber", "Ida Marie", "15.09.2019", "Hauptstraße", "7 b", "06108"}

	first := im.run("melderegister", "", false, register(lena, tom, ida))
	if first.Status != importing.StatusSucceeded {
		t.Fatalf("first import %s: %s", first.Status, first.Detail)
	}
	wantCounts(t, first, importing.Counts{Rows: 3, Valid: 3, Created: 3})
	if n := im.count("SELECT count(*) FROM kinder k JOIN imports i ON i.id = k.import_id WHERE k.plz = '06108' AND k.import_id = $1 AND i.sheet_used = 'Kinder'", first.ID); n != 3 {
		t.Errorf("%d children carry their provenance and PLZ with leading zero, want 3", n)
	}
	if n := im.count("SELECT count(*) FROM kinder WHERE schluessel = 'om:1001' AND import_row = 4 AND geburtsdatum = '2020-04-03'"); n != 1 {
		t.Error("Lena is not stored with row 4 and her birth date")
	}

	again := im.run("melderegister", "", false, register(lena, tom, ida))
	wantCounts(t, again, importing.Counts{Rows: 3, Valid: 3, Unchanged: 3})

	// A corrected snapshot: Tom moved within the city, Ida moved away.
	tomMoved := []string{"1002", "Schmidt", "Tom", "2020-07-01", "Parkallee", "8", "06108"}
	dry := im.run("melderegister", "", true, register(lena, tomMoved))
	wantCounts(t, dry, importing.Counts{Rows: 2, Valid: 2, Unchanged: 1, Updated: 1, Removed: 1})
	if n := im.count("SELECT count(*) FROM kinder WHERE status = 'gemeldet' AND strasse = 'Am Anger'"); n != 1 {
		t.Error("a dry run changed data")
	}
	// Removing 1 of 3 children is more than 5 %: applied only with the
	// number confirmed (issue 14).
	second := im.confirmed("melderegister", 1, register(lena, tomMoved))
	wantCounts(t, second, importing.Counts{Rows: 2, Valid: 2, Unchanged: 1, Updated: 1, Removed: 1})
	if n := im.count("SELECT count(*) FROM kinder WHERE schluessel = 'om:1003' AND status = 'weggezogen'"); n != 1 {
		t.Error("a child missing from the snapshot must be marked weggezogen, not deleted")
	}

	// Undo the second: Tom lives in Am Anger again, Ida is registered.
	if err := im.svc.Undo(context.Background(), first.ID); err == nil {
		t.Error("undoing an import that later imports built on must be refused")
	}
	// The BMS learns of it through the change feed, by pseudonym only:
	// three children, Tom's move, Ida gone (a tombstone).
	feed := func(op, id string) int {
		return im.count("SELECT count(*) FROM change_feed_eintraege WHERE entity = 'kind' AND operation = $1 AND entity_id = $2", op, id)
	}
	if feed("upsert", pseudonym("om:1001")) != 1 || feed("upsert", pseudonym("om:1002")) != 2 || feed("delete", pseudonym("om:1003")) != 1 {
		t.Error("change feed does not carry the children's changes under their pseudonyms")
	}
	if n := im.count("SELECT count(*) FROM change_feed_eintraege WHERE entity_id LIKE 'om:%' OR natural_key::text LIKE '%om:%'"); n != 0 {
		t.Errorf("%d feed entries carry the register's id", n)
	}
	if err := im.svc.Undo(context.Background(), second.ID); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if feed("upsert", pseudonym("om:1003")) != 2 {
		t.Error("undo did not feed Ida's return")
	}
	if n := im.count("SELECT count(*) FROM kinder WHERE status = 'gemeldet' AND (strasse = 'Am Anger' OR schluessel = 'om:1003')"); n != 2 {
		t.Errorf("after undo %d of Tom's old address and Ida's registration are back, want 2", n)
	}
	if err := im.svc.Undo(context.Background(), second.ID); err == nil {
		t.Error("undoing twice must be refused")
	} else if e, ok := apperr.As(err); !ok || e.Class != apperr.ClassConflict {
		t.Errorf("second undo: %v, want a conflict", err)
	}
}

// slowSource is a list that takes delay to read, as a long one does.
type slowSource struct {
	importing.Tables
	delay time.Duration
}

func (s slowSource) Rows(ctx context.Context, sheet int, fn func(importing.Row) error) error {
	time.Sleep(s.delay)
	return s.Tables.Rows(ctx, sheet, fn)
}

// An import's finished_at is when it ended, not when its transaction
// began: the list's page and the benchmarks read the time a list took
// from it. now() in the import's one transaction said the start.
func TestImportFinishedAtIsItsEnd(t *testing.T) {
	const delay = 300 * time.Millisecond
	for _, tc := range []struct {
		name, onError string
		table         importing.Tables
	}{
		{"applied", "skip", register([]string{"1", "Kaya", "Mira", "01.03.2020", "Lindenweg", "3", "06108"})},
		{"rejected", "reject", register([]string{"2", "", "Mira", "01.03.2020", "Lindenweg", "3", "06108"})},
	} {
		t.Run(tc.name, func(t *testing.T) {
			im := newImporter(t)
			im.source = func(tab importing.Tables) importing.Source { return slowSource{tab, delay} }
			before := time.Now()
			imp := im.run("melderegister", tc.onError, false, tc.table)
			after := time.Now()
			if imp.StartedAt == nil || imp.FinishedAt == nil {
				t.Fatalf("started %v, finished %v (status %s)", imp.StartedAt, imp.FinishedAt, imp.Status)
			}
			if took := imp.FinishedAt.Sub(*imp.StartedAt); took < delay {
				t.Errorf("finished_at - started_at = %v, the list took %v to read (status %s)", took, delay, imp.Status)
			}
			// One clock on one machine: a second's leeway.
			if imp.FinishedAt.Before(before.Add(delay-time.Second)) || imp.FinishedAt.After(after.Add(time.Second)) {
				t.Errorf("finished_at %v, want within %v … %v", imp.FinishedAt, before.Add(delay), after)
			}
		})
	}
}

func TestRejectWritesNothingSkipWritesValidRows(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	good := []string{"2001", "Krause", "Emil", "01.07.2020", "Rosenweg", "1", "06108"}
	noNumber := []string{"2002", "Lehmann", "Mia", "02.07.2020", "Rosenweg", "", "06108"}
	badDate := []string{"2003", "Wolf", "Ben", "31.02.2020", "Rosenweg", "3", "06108"}

	rejected := im.run("melderegister", "reject", false, register(good, noNumber, badDate))
	if rejected.Status != importing.StatusRejected {
		t.Fatalf("status %s, want rejected", rejected.Status)
	}
	wantCounts(t, rejected, importing.Counts{Rows: 3, Valid: 1, Invalid: 2, Created: 1})
	if n := im.count("SELECT count(*) FROM kinder"); n != 0 {
		t.Errorf("a rejected import wrote %d children", n)
	}
	problems, err := im.store.Problems(context.Background(), rejected.ID)
	if err != nil {
		t.Fatal(err)
	}
	got := map[string]string{}
	for _, p := range problems {
		got[fmt.Sprintf("%s%d", importing.ColumnLetter(p.Column), p.Row)] = p.Code
	}
	if got["F5"] != importing.CodePflichtfeldLeer || got["D6"] != "datum_ungueltig" || len(got) != 2 {
		t.Errorf("problems by cell = %v, want F5 pflichtfeld_leer and D6 datum_ungueltig", got)
	}

	skipped := im.run("melderegister", "skip", false, register(good, noNumber, badDate))
	if skipped.Status != importing.StatusSucceeded {
		t.Fatalf("status %s: %s", skipped.Status, skipped.Detail)
	}
	if n := im.count("SELECT count(*) FROM kinder"); n != 1 {
		t.Errorf("skip wrote %d children, want the 1 valid one", n)
	}
}

func TestDuplicateRowsAreReported(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	a := []string{"", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "06108"}
	b := []string{"", "MUELLER", "lena", "3.4.2020", "Rosenweg", "14", "06108"}
	imp := im.run("melderegister", "reject", false, register(a, b))
	if imp.Status != importing.StatusRejected || imp.Counts.Invalid != 1 {
		t.Fatalf("status %s counts %+v, want one invalid duplicate", imp.Status, imp.Counts)
	}
	problems, _ := im.store.Problems(context.Background(), imp.ID)
	if len(problems) != 1 || problems[0].Code != "zeile_doppelt" || problems[0].Row != 5 {
		t.Errorf("problems = %+v, want zeile_doppelt in row 5", problems)
	}
}

// Two rows whose keys differ as read but that mean the same stored child
// (one by its Ordnungsmerkmal, one by name and birth date) are a repeated
// record too: the reader's keys alone do not tell.
func TestDuplicateFoundByIdentityIsReported(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	withID := []string{"4711", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "06108"}
	if imp := im.run("melderegister", "reject", false, register(withID)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("first import: %s %s", imp.Status, imp.Detail)
	}
	byName := []string{"", "Müller", "Lena", "03.04.2020", "Rosenweg", "14", "06108"}
	imp := im.run("melderegister", "reject", false, register(withID, byName))
	if imp.Status != importing.StatusRejected || imp.Counts.Invalid != 1 {
		t.Fatalf("status %s counts %+v, want one invalid duplicate", imp.Status, imp.Counts)
	}
	problems, _ := im.store.Problems(context.Background(), imp.ID)
	if len(problems) != 1 || problems[0].Code != "zeile_doppelt" || problems[0].Row != 5 {
		t.Errorf("problems = %+v, want zeile_doppelt in row 5", problems)
	}
}

// A list that is one record over and over keeps DefaultMaxProblems of its
// duplicate rows as problems and counts the rest.
func TestDuplicateProblemsAreCapped(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	rows := make([][]string, importing.DefaultMaxProblems+51)
	for i := range rows {
		rows[i] = []string{"OM1", "Müller", "Lena", "03.04.2020", "Rosenweg", "12", "06108"}
	}
	imp := im.run("melderegister", "skip", true, register(rows...))
	if imp.Counts.Invalid != len(rows)-1 {
		t.Fatalf("counts %+v, want %d duplicates", imp.Counts, len(rows)-1)
	}
	problems, _ := im.store.Problems(context.Background(), imp.ID)
	if len(problems) != importing.DefaultMaxProblems || !strings.Contains(imp.Detail, "Weitere 50 Fehler") {
		t.Errorf("%d problems kept, detail %q; want %d and 50 more counted", len(problems), imp.Detail, importing.DefaultMaxProblems)
	}
}

func TestDirectoryNamesKnownSchoolsOnly(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	ctx := context.Background()
	if _, err := im.pool.Exec(ctx, `INSERT INTO schulen (schulnummer, name, schulform) VALUES ('20101', 'Grundschule Am Anger', 'grundschule')`); err != nil {
		t.Fatal(err)
	}
	table := importing.Tables{{Name: "Verzeichnis", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Straße", "von", "bis", "Seite", "Grundschule"}},
		{Number: 2, Cells: []string{"Rosenweg", "2", "50", "gerade", "Grundschule Am Anger"}},
		{Number: 3, Cells: []string{"Rosenweg", "1", "49", "ungerade", "99999"}},
	}}}
	imp := im.run("schulbezirke", "skip", false, table)
	if imp.Counts.Created != 1 || imp.Counts.Invalid != 1 {
		t.Fatalf("counts %+v, want 1 created (school by name) and 1 invalid (unknown school)", imp.Counts)
	}
	if n := im.count("SELECT count(*) FROM bezirksregeln WHERE schulnummer = '20101' AND hausnummer_von = 2 AND paritaet = 'gerade'"); n != 1 {
		t.Error("the rule naming the school by name was not stored with its number")
	}
}

func TestImportOfUnreadableFileFails(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	imp := im.run("schulen", "", false, importing.Tables{{Name: "Tabelle1", Rows: []importing.Row{{Number: 1, Cells: []string{"Hallo", "Welt"}}}}})
	if imp.Status != importing.StatusFailed || imp.Detail == "" {
		t.Fatalf("status %s detail %q, want failed with a reason", imp.Status, imp.Detail)
	}
}

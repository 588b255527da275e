package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"strconv"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// bulkRegister is a register with what a bulk load must carry like the
// general way: children with and without Ordnungsmerkmal, Auskunftssperre
// yes, no and empty, optional columns empty and filled, a second carer,
// faulty rows (skipped) and a child listed twice.
func bulkRegister(n int) importing.Tables {
	sheet := importing.Sheet{Name: "Kinder", Rows: []importing.Row{
		{Number: 1, Cells: []string{"Ordnungsmerkmal", "Familienname", "Vornamen", "Rufname", "Geburtsdatum", "Geschlecht", "Straße",
			"Hausnummer", "PLZ", "Ort", "Ortsteil", "Auskunftssperre", "Zuzugsdatum", "Sorgeberechtigte", "Sorgeberechtigte 2"}},
	}}
	for i := range n {
		om := strconv.Itoa(5000 + i)
		if i%9 == 4 {
			om = "" // found by name and birth date
		}
		sperre := []string{"", "ja", "nein"}[i%3]
		datum := fmt.Sprintf("%02d.%02d.2020", 1+i%28, 1+i%12)
		if i%17 == 5 {
			datum = "31.02.2020" // faulty
		}
		zuzug, ruf, s2 := "", "", ""
		if i%4 == 1 {
			zuzug, ruf, s2 = "01.08.2024", "Mimi", "Vater "+om
		}
		sheet.Rows = append(sheet.Rows, importing.Row{Number: 2 + i, Cells: []string{om, "Name" + strconv.Itoa(i%37), "Vorname" + strconv.Itoa(i),
			ruf, datum, []string{"m", "w", ""}[i%3], "Rosenweg", strconv.Itoa(1 + i%40), "06108", "Musterstadt", "Mitte", sperre, zuzug,
			"Mutter " + om, s2}})
	}
	// The first child again, later in the list: a repeated record.
	again := sheet.Rows[1]
	again.Number = 2 + n
	sheet.Rows = append(sheet.Rows, again)
	return importing.Tables{sheet}
}

// state is what an import into an empty register leaves: the children
// (all but the import's own id and the time), the table's index and
// constraint definitions and the change feed.
func (im *importer) state() (kinder, indexes, feed string) {
	im.t.Helper()
	ctx := context.Background()
	if err := im.pool.QueryRow(ctx, `SELECT
		(SELECT coalesce(jsonb_agg(to_jsonb(k) - 'import_id' - 'created_by_import' - 'updated_at' ORDER BY id)::text, '') FROM kinder k),
		(SELECT string_agg(indexdef, E';\n' ORDER BY indexname) FROM pg_indexes WHERE tablename = 'kinder' AND schemaname = current_schema())
			|| E';\n' || (SELECT string_agg(conname || ' ' || pg_get_constraintdef(oid), E';\n' ORDER BY conname) FROM pg_constraint WHERE conrelid = 'kinder'::regclass),
		(SELECT coalesce(jsonb_agg(jsonb_build_array(entity, entity_id, operation, natural_key) ORDER BY id, nr)::text, '') FROM change_feed_eintraege)`).Scan(
		&kinder, &indexes, &feed); err != nil {
		im.t.Fatal(err)
	}
	return kinder, indexes, feed
}

// indexOIDs identifies the indexes of kinder: a bulk load builds new ones.
func (im *importer) indexOIDs() string {
	im.t.Helper()
	var s string
	if err := im.pool.QueryRow(context.Background(), `SELECT string_agg(indexrelid::text, ',' ORDER BY indexrelid::regclass::text) FROM pg_index
		WHERE indrelid = 'kinder'::regclass`).Scan(&s); err != nil {
		im.t.Fatal(err)
	}
	return s
}

// The bulk load into an empty register leaves the same children (ids,
// pseudonyms and all), the same indexes and the same change feed as the
// general way, and counts the same.
func TestBulkLoadEqualsGeneralWay(t *testing.T) {
	t.Parallel()
	list := bulkRegister(400)
	bulk, general := newImporter(t), newImporter(t)
	general.noBulk = true
	before := bulk.indexOIDs()
	b := bulk.run("melderegister", "skip", false, list)
	g := general.run("melderegister", "skip", false, list)
	if b.Status != importing.StatusSucceeded || g.Status != importing.StatusSucceeded {
		t.Fatalf("status %s / %s: %s / %s", b.Status, g.Status, b.Detail, g.Detail)
	}
	if b.Counts != g.Counts || b.Counts.Created < 300 || b.Counts.Invalid < 20 || b.Counts.AuskunftssperreNeu < 100 {
		t.Errorf("counts: bulk %+v, general %+v", b.Counts, g.Counts)
	}
	if bulk.indexOIDs() == before {
		t.Error("the bulk load was not taken (the indexes are the old ones)")
	}
	bk, bi, bf := bulk.state()
	gk, gi, gf := general.state()
	if bk != gk {
		t.Errorf("children differ:\nbulk    %.2000s\ngeneral %.2000s", bk, gk)
	}
	if bi != gi {
		t.Errorf("indexes differ:\nbulk    %s\ngeneral %s", bi, gi)
	}
	if bf != gf {
		t.Errorf("change feeds differ:\nbulk    %.2000s\ngeneral %.2000s", bf, gf)
	}
	// Both wrote each child's pseudonym, the id the feed names it by.
	for _, im := range []*importer{bulk, general} {
		rows, err := im.pool.Query(context.Background(), `SELECT schluessel, coalesce(pseudonym, '') FROM kinder`)
		if err != nil {
			t.Fatal(err)
		}
		for rows.Next() {
			var k, p string
			if err := rows.Scan(&k, &p); err != nil {
				t.Fatal(err)
			}
			if p != pseudonym(k) {
				t.Fatalf("child %s has pseudonym %q, want %q", k, p, pseudonym(k))
			}
		}
		if rows.Err() != nil {
			t.Fatal(rows.Err())
		}
	}
	// The second list (the general way in both) changes them alike.
	next := bulkRegister(420)
	next[0].Rows[3].Cells[6] = "Parkallee"
	b2 := bulk.confirmed("melderegister", 0, next)
	g2 := general.confirmed("melderegister", 0, next)
	if b2.Counts != g2.Counts || b2.Counts.Created < 15 || b2.Counts.Updated < 1 {
		t.Errorf("second import counts: bulk %+v, general %+v", b2.Counts, g2.Counts)
	}
	bk, _, bf = bulk.state()
	gk, _, gf = general.state()
	if bk != gk || bf != gf {
		t.Error("after a second import the registers or feeds differ")
	}
	if n := bulk.count(`SELECT count(*) FROM kinder WHERE pseudonym IS DISTINCT FROM $1 AND schluessel = 'om:5410'`, pseudonym("om:5410")); n != 0 {
		t.Error("a child created by the general way has no pseudonym")
	}
}

// A reader that holds the register longer than the bulk load waits for
// it does not hold the import up: the list is loaded the general way.
func TestBulkLoadGivesWayToAReader(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	before := im.indexOIDs()
	ctx := context.Background()
	reader, err := im.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer reader.Rollback(ctx) //nolint:errcheck
	var n int
	if err := reader.QueryRow(ctx, `SELECT count(*) FROM kinder`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	imp := im.run("melderegister", "skip", false, bulkRegister(50))
	if imp.Status != importing.StatusSucceeded || imp.Counts.Created < 40 {
		t.Fatalf("import %s %+v: %s", imp.Status, imp.Counts, imp.Detail)
	}
	if im.indexOIDs() != before {
		t.Error("the indexes were dropped although a reader held the table")
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE pseudonym IS NOT NULL`); n != imp.Counts.Created {
		t.Errorf("%d children with pseudonym, want %d", n, imp.Counts.Created)
	}
}

// An import that fails after its bulk load leaves nothing: no child, and
// the indexes as they were.
func TestBulkLoadRollsBackWithTheImport(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	before, _, _ := im.state()
	indexesBefore := im.indexOIDs()
	_, defsBefore, _ := im.state()
	ctx := context.Background()
	// A fault in the database while the children are written.
	if _, err := im.pool.Exec(ctx, `
		CREATE FUNCTION test_fehler() RETURNS trigger LANGUAGE plpgsql AS $$
		BEGIN RAISE EXCEPTION 'Testfehler'; END $$;
		CREATE TRIGGER test_fehler AFTER INSERT ON kinder FOR EACH STATEMENT EXECUTE FUNCTION test_fehler();`); err != nil {
		t.Fatal(err)
	}
	list := bulkRegister(30)
	proc := postgres.NewProcessor(im.store, func(context.Context, importing.File, string) (importing.Source, error) { return list, nil })
	imp, err := im.svc.Submit(ctx, importing.Request{Kind: "melderegister", OnError: "skip", Filename: "liste.xlsx", CreatedBy: "test"}, bytes.NewReader([]byte("x")))
	if err != nil {
		t.Fatal(err)
	}
	if id, ok, err := im.store.Claim(ctx, 3); err != nil || !ok || id != imp.ID {
		t.Fatalf("Claim = %q, %v, %v", id, ok, err)
	}
	if err := proc.Process(ctx, imp.ID, nil); err == nil {
		t.Fatal("the import did not fail")
	}
	if got, _ := im.store.Get(ctx, imp.ID); got.Status != importing.StatusFailed {
		t.Errorf("status %s, want failed", got.Status)
	}
	after, defsAfter, feed := im.state()
	if after != before || feed != "" || im.count(`SELECT count(*) FROM kinder`) != 0 {
		t.Error("a failed import left children or feed entries")
	}
	if im.indexOIDs() != indexesBefore || defsAfter != defsBefore {
		t.Errorf("the indexes are not those from before the import:\n%s\n%s", defsBefore, defsAfter)
	}
}

// Without a pseudonymizer (children not fed) the import leaves the
// pseudonym empty, for the pages to fill in.
func TestImportWithoutPseudonymizerLeavesPseudonymEmpty(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	im.store = postgres.NewImportStore(im.pool, nil)
	im.svc = importing.NewService(im.store, importing.Limits{MaxBytes: 1 << 20})
	imp := im.run("melderegister", "skip", false, bulkRegister(20))
	if imp.Status != importing.StatusSucceeded || imp.Counts.Created < 15 {
		t.Fatalf("import %s %+v", imp.Status, imp.Counts)
	}
	if n := im.count(`SELECT count(*) FROM kinder WHERE pseudonym IS NOT NULL`); n != 0 {
		t.Errorf("%d children got a pseudonym without a pseudonymizer", n)
	}
}

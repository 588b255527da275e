package postgres_test

import (
	"context"
	"errors"
	"fmt"
	"hash/maphash"
	"os"
	"path/filepath"
	"strings"
	"sync/atomic"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/importing"
)

// withRepeats is bulkRegister(n) with more children listed again, later
// in the list: one twice more (three rows), one faulty row repeated
// (still faulty, not a repetition), one repeated at the very end.
func withRepeats(n int) importing.Tables {
	list := bulkRegister(n)
	rows := list[0].Rows
	next := rows[len(rows)-1].Number + 1
	for _, i := range []int{2, 2, 6, 7, n - 1} { // row 6 is faulty (i%17 == 5)
		r := rows[i]
		r.Number = next
		next++
		rows = append(rows, r)
	}
	list[0].Rows = rows
	return list
}

// result is all an import leaves that the ways of loading an empty
// register must agree on: the import as the user sees it (status, counts,
// summary, problems), the children (ids, pseudonyms, provenance), the
// table's indexes, the change feed, what undo keeps, and the sequence the
// next child's id comes from.
func (im *importer) result(imp importing.Import) string {
	im.t.Helper()
	kinder, indexes, feed := im.state()
	var seq string
	var own, actions, changes int
	if err := im.pool.QueryRow(context.Background(), `SELECT
		(SELECT last_value || '/' || is_called FROM kinder_id_seq),
		(SELECT count(*) FROM kinder WHERE import_id = $1 AND created_by_import = $1),
		(SELECT count(*) FROM import_actions), (SELECT count(*) FROM import_changes)`, imp.ID).Scan(&seq, &own, &actions, &changes); err != nil {
		im.t.Fatal(err)
	}
	return fmt.Sprintf("status %s\ncounts %+v\ndetail %s\nnot delivered %v\nproblems %+v\nsequence %s, children of this import %d, actions %d, before-images %d\nkinder %s\nindexes %s\nfeed %s",
		imp.Status, imp.Counts, imp.Detail, imp.NotDelivered, im.problems(imp.ID), seq, own, actions, changes, kinder, indexes, feed)
}

func sameResult(t *testing.T, what string, a, b *importer, ia, ib importing.Import) {
	t.Helper()
	ra, rb := a.result(ia), b.result(ib)
	if ra != rb {
		t.Errorf("%s: results differ:\n%.3000s\n----\n%.3000s", what, ra, rb)
	}
}

// A register loaded straight into the empty table by the COPY leaves
// what the general way and the bulk load through stg_in leave: the same
// children with the same ids and pseudonyms, the same repeated and faulty
// rows reported, the same counts, feed, indexes and sequence; and so
// after an undo that empties the table again (the ids go on from the
// sequence, the table has dead rows) and a second list the same way. The
// direct load sends its rows in COPYs of 7 rows here, each followed by
// its feed entries (a list of 400 rows is one COPY by default: so it is
// in oneCopy, which must leave the same as well).
func TestDirectLoadEqualsTheOtherWays(t *testing.T) {
	t.Parallel()
	direct, oneCopy, bulk, general := newImporter(t), newImporter(t), newImporter(t), newImporter(t)
	direct.directChunk = 7
	bulk.noDirect, general.noBulk = true, true
	list := withRepeats(400)
	d := direct.run("melderegister", "skip", false, list)
	c := oneCopy.run("melderegister", "skip", false, list)
	b := bulk.run("melderegister", "skip", false, list)
	g := general.run("melderegister", "skip", false, list)
	if d.Status != importing.StatusSucceeded || d.Counts.Created < 300 || d.Counts.Invalid < 25 || len(direct.problems(d.ID)) < 25 {
		t.Fatalf("direct: %s %+v %s", d.Status, d.Counts, d.Detail)
	}
	if direct.directLoads != 1 || oneCopy.directLoads != 1 || bulk.directLoads != 0 || general.directLoads != 0 {
		t.Fatalf("direct loads: %d, %d, %d, %d; want 1, 1, 0, 0", direct.directLoads, oneCopy.directLoads, bulk.directLoads, general.directLoads)
	}
	sameResult(t, "first list, direct against general", direct, general, d, g)
	sameResult(t, "first list, direct in one COPY against general", oneCopy, general, c, g)
	sameResult(t, "first list, bulk against general", bulk, general, b, g)

	// Undone, the table is empty again: the next list is loaded directly
	// once more, its ids after the first list's.
	for _, im := range []*importer{direct, general} {
		id := map[*importer]string{direct: d.ID, general: g.ID}[im]
		if err := im.svc.Undo(context.Background(), id); err != nil {
			t.Fatal(err)
		}
	}
	second := withRepeats(420)
	second[0].Rows[3].Cells[6] = "Parkallee"
	d2 := direct.run("melderegister", "skip", false, second)
	g2 := general.run("melderegister", "skip", false, second)
	if direct.directLoads != 2 {
		t.Fatalf("the list after the undo was not loaded directly (%d)", direct.directLoads)
	}
	sameResult(t, "after an undo", direct, general, d2, g2)

	// A third list compares with the stored children (the general way in
	// both): its new children's ids follow the directly loaded ones.
	third := withRepeats(440)
	third[0].Rows[5].Cells[7] = "99"
	d3 := direct.confirmed("melderegister", 0, third)
	g3 := general.confirmed("melderegister", 0, third)
	if direct.directLoads != 2 || d3.Counts.Created < 15 || d3.Counts.Updated < 1 {
		t.Fatalf("third list: %d direct loads, %+v", direct.directLoads, d3.Counts)
	}
	sameResult(t, "a list after the direct load", direct, general, d3, g3)
}

// A list that is refused (on_error=reject with faulty rows) after its
// direct load leaves the register as it was: no child, the indexes as
// they were, the sequence untouched, the table not locked; the next list
// gets the ids the general way gives it. A dry run is not loaded directly
// and writes nothing either.
func TestDirectLoadRefusedLeavesNothing(t *testing.T) {
	t.Parallel()
	direct, general := newImporter(t), newImporter(t)
	direct.directChunk = 7 // feed entries written before the list is refused
	general.noBulk = true
	oids := direct.indexOIDs()
	list := withRepeats(200)
	d := direct.run("melderegister", "reject", false, list)
	g := general.run("melderegister", "reject", false, list)
	if d.Status != importing.StatusRejected || direct.directLoads != 1 {
		t.Fatalf("status %s, %d direct loads; want rejected after a direct load", d.Status, direct.directLoads)
	}
	sameResult(t, "refused", direct, general, d, g)
	if n := direct.count(`SELECT count(*) FROM kinder`); n != 0 {
		t.Errorf("a refused list left %d children", n)
	}
	if direct.indexOIDs() != oids {
		t.Error("a refused list left the indexes built anew")
	}
	// Nobody holds the table now.
	ctx := context.Background()
	tx, err := direct.pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `LOCK TABLE kinder IN ACCESS EXCLUSIVE MODE NOWAIT`); err != nil {
		t.Errorf("the table is still locked: %v", err)
	}
	tx.Rollback(ctx) //nolint:errcheck

	dd := direct.run("melderegister", "skip", true, list)
	gd := general.run("melderegister", "skip", true, list)
	if dd.Status != importing.StatusSucceeded || !dd.DryRun || direct.directLoads != 1 {
		t.Fatalf("dry run: %s, %d direct loads", dd.Status, direct.directLoads)
	}
	sameResult(t, "dry run", direct, general, dd, gd)

	d2 := direct.run("melderegister", "skip", false, list)
	g2 := general.run("melderegister", "skip", false, list)
	if direct.directLoads != 2 || d2.Counts.Created < 150 {
		t.Fatalf("after the refused list: %d direct loads, %+v", direct.directLoads, d2.Counts)
	}
	sameResult(t, "the list after a refused one and a dry run", direct, general, d2, g2)
}

// When two keys of a list share the hash the direct load looks for
// repetitions by, it cannot tell a repetition from a new child: the import
// runs again the general way, and ends as the general way ends it.
func TestDirectLoadKeysOfOneHash(t *testing.T) {
	t.Parallel()
	direct, general := newImporter(t), newImporter(t)
	general.noBulk = true
	var hashed atomic.Int64
	direct.keyHash = func(maphash.Seed, string) uint64 { hashed.Add(1); return 7 }
	list := withRepeats(100)
	d := direct.run("melderegister", "skip", false, list)
	g := general.run("melderegister", "skip", false, list)
	if hashed.Load() < 80 {
		t.Fatalf("the direct load was not tried (%d keys hashed)", hashed.Load())
	}
	if direct.directLoads != 0 || d.Status != importing.StatusSucceeded {
		t.Fatalf("%d direct loads, status %s; want the general way's result", direct.directLoads, d.Status)
	}
	sameResult(t, "keys of one hash", direct, general, d, g)
}

// Rows read in an order other than their numbers: a repetition read
// before its record's first row (the general way keeps the row of the
// lowest number) makes the import run again the general way; repetitions
// read out of order after it are reported in the order of their rows.
func TestDirectLoadRowsOutOfOrder(t *testing.T) {
	t.Parallel()
	for _, c := range []struct {
		name   string
		number func(i, n, repeats int) int // the number of the i-th of n rows, the last repeats of them repetitions
		direct int64
	}{
		{"backwards", func(i, n, _ int) int { return 2 + n - i }, 0},
		{"repetitions backwards", func(i, n, repeats int) int {
			if i < n-repeats {
				return 2 + i
			}
			return 2 + n - repeats + (n - 1 - i)
		}, 1},
	} {
		t.Run(c.name, func(t *testing.T) {
			t.Parallel()
			direct, general := newImporter(t), newImporter(t)
			general.noBulk = true
			list := withRepeats(60)
			rows := list[0].Rows[1:] // the data rows
			for i := range rows {
				rows[i].Number = c.number(i, len(rows), 5)
			}
			d := direct.run("melderegister", "skip", false, list)
			g := general.run("melderegister", "skip", false, list)
			if d.Status != importing.StatusSucceeded || d.Counts.Created < 40 || direct.directLoads != c.direct {
				t.Fatalf("status %s %+v, %d direct loads; want %d", d.Status, d.Counts, direct.directLoads, c.direct)
			}
			sameResult(t, "rows out of order", direct, general, d, g)
		})
	}
}

// The same as a CSV file read by the gateway's reader: a direct load, and
// the run again the general way, which reads the stored file once more.
func TestDirectLoadCSV(t *testing.T) {
	t.Parallel()
	lines := []string{"Ordnungsmerkmal;Familienname;Vornamen;Geburtsdatum;Straße;Hausnummer;PLZ;Auskunftssperre"}
	for i := range 300 {
		datum := fmt.Sprintf("%02d.%02d.2020", 1+i%28, 1+i%12)
		if i%23 == 4 {
			datum = "30.02.2020" // faulty
		}
		lines = append(lines, fmt.Sprintf("%d;Name%d;Vorname%d;%s;Rosenweg;%d;06108;%s", 7000+i, i%31, i, datum, 1+i%40, []string{"", "ja", "nein"}[i%3]))
	}
	lines = append(lines, lines[3], lines[10], lines[3]) // repeated children
	csv := []byte(strings.Join(lines, "\r\n") + "\r\n")
	direct, collide, general := newImporter(t), newImporter(t), newImporter(t)
	general.noBulk = true
	var hashed atomic.Int64
	collide.keyHash = func(maphash.Seed, string) uint64 { hashed.Add(1); return 7 }
	d := direct.runFile("melderegister", "skip", "register.csv", csv)
	c := collide.runFile("melderegister", "skip", "register.csv", csv)
	g := general.runFile("melderegister", "skip", "register.csv", csv)
	if d.Status != importing.StatusSucceeded || d.Counts.Created < 280 || d.Counts.Invalid < 15 || direct.directLoads != 1 {
		t.Fatalf("direct: %s %+v, %d direct loads", d.Status, d.Counts, direct.directLoads)
	}
	if collide.directLoads != 0 || hashed.Load() < 280 {
		t.Fatalf("keys of one hash: %d direct loads, %d keys hashed", collide.directLoads, hashed.Load())
	}
	sameResult(t, "CSV", direct, general, d, g)
	sameResult(t, "CSV, keys of one hash", collide, general, c, g)
}

// Registers written by other programs (LibreOffice, Excel's CSV export, a
// legacy .xls, exceljs; adapters/sheets/testdata) leave, loaded straight
// into the empty table in COPYs of 3 rows, what the general way leaves –
// with skip and with reject.
func TestDirectLoadOtherWritersFiles(t *testing.T) {
	t.Parallel()
	for _, name := range []string{"melderegister.xlsx", "melderegister_excel_export.csv", "melderegister_legacy.xls", "melderegister_libreoffice.ods"} {
		for _, onError := range []string{"skip", "reject"} {
			t.Run(name+"/"+onError, func(t *testing.T) {
				t.Parallel()
				data, err := os.ReadFile(filepath.Join("..", "sheets", "testdata", name))
				if err != nil {
					t.Fatal(err)
				}
				direct, general := newImporter(t), newImporter(t)
				general.noBulk = true
				direct.directChunk = 3 // the files' few rows in several COPYs, each with its feed entries
				d := direct.runFile("melderegister", onError, name, data)
				g := general.runFile("melderegister", onError, name, data)
				if d.Status == importing.StatusSucceeded && (direct.directLoads != 1 || d.Counts.Created == 0) {
					t.Fatalf("%s: %d direct loads, %+v", d.Status, direct.directLoads, d.Counts)
				}
				sameResult(t, name, direct, general, d, g)
			})
		}
	}
}

// A key another table references (a foreign key to kinder's id or key)
// is not dropped for the direct load: the constraint stays, with its
// index, and the load fills it as the rows come, leaving what the general
// way leaves. (The constraint could not be dropped anyway: the import
// would fail.)
func TestDirectLoadKeepsKeysOthersReference(t *testing.T) {
	t.Parallel()
	for _, fk := range []string{"kind bigint REFERENCES kinder (id)", "kind text REFERENCES kinder (schluessel)"} {
		direct, general := newImporter(t), newImporter(t)
		direct.directChunk = 7
		general.noBulk = true
		for _, im := range []*importer{direct, general} {
			if _, err := im.pool.Exec(context.Background(), "CREATE TABLE verweis ("+fk+")"); err != nil {
				t.Fatal(err)
			}
		}
		var kept string
		if err := direct.pool.QueryRow(context.Background(), `SELECT conindid::text FROM pg_constraint
			WHERE conrelid = 'verweis'::regclass AND contype = 'f'`).Scan(&kept); err != nil {
			t.Fatal(err)
		}
		list := withRepeats(200)
		d := direct.run("melderegister", "skip", false, list)
		g := general.run("melderegister", "skip", false, list)
		if d.Status != importing.StatusSucceeded || direct.directLoads != 1 {
			t.Fatalf("%s: status %s (%s), %d direct loads; want succeeded after a direct load", fk, d.Status, d.Detail, direct.directLoads)
		}
		sameResult(t, fk, direct, general, d, g)
		if n := direct.count(`SELECT count(*) FROM pg_index WHERE indexrelid::text = $1`, kept); n != 1 {
			t.Errorf("%s: the referenced key's index was built anew", fk)
		}
	}
}

// The direct load sends its COPYs without waiting for each to end
// (copyPipe). When PostgreSQL refuses one in the middle – here a check the
// table has only in this test refuses row 152, in one of the 58 COPYs of
// 7 rows, while the gateway may have sent the COPYs after it already – processing returns
// PostgreSQL's error (as for any failed statement: the worker tries again
// later) and leaves nothing: no child, no feed entry, the sequence and the indexes as
// they were, the table not locked, the pool's connections usable. With
// the check gone, the same list is loaded directly and leaves what the
// general way leaves.
func TestDirectLoadCopyRefusedMidway(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	direct, general := newImporter(t), newImporter(t)
	direct.directChunk = 7
	general.noBulk = true
	list := bulkRegister(400)
	list[0].Rows[151].Cells[2] = "Abbruch"
	if _, err := direct.pool.Exec(ctx, `ALTER TABLE kinder ADD CONSTRAINT test_abbruch CHECK (vornamen <> 'Abbruch')`); err != nil {
		t.Fatal(err)
	}
	oids := direct.indexOIDs()
	// The worker takes the import up again later (a database error may
	// pass); this list fails each time.
	_, err := direct.process(importing.Request{Kind: "melderegister", OnError: "skip"}, list)
	var pgErr *pgconn.PgError
	if !errors.As(err, &pgErr) || pgErr.ConstraintName != "test_abbruch" || !strings.HasPrefix(pgErr.Where, "COPY kinder, line ") {
		t.Fatalf("processing returned %v; want the check's error in a COPY of the direct load", err)
	}
	if n := direct.count(`SELECT count(*) FROM kinder`); n != 0 {
		t.Errorf("the failed list left %d children", n)
	}
	if n := direct.count(`SELECT count(*) FROM change_feed_eintraege`); n != 0 {
		t.Errorf("the failed list left %d feed entries", n)
	}
	if n := direct.count(`SELECT count(*) FROM kinder_id_seq WHERE is_called`); n != 0 {
		t.Error("the failed list moved the sequence")
	}
	if direct.indexOIDs() != oids {
		t.Error("the failed list left the indexes built anew")
	}
	// Every connection of the pool answers, and nobody holds the table.
	conns := make([]*pgxpool.Conn, direct.pool.Config().MaxConns)
	for i := range conns {
		c, err := direct.pool.Acquire(ctx)
		if err != nil {
			t.Fatal(err)
		}
		conns[i] = c
		tx, err := c.Begin(ctx)
		if err == nil {
			_, err = tx.Exec(ctx, `LOCK TABLE kinder IN ACCESS EXCLUSIVE MODE NOWAIT`)
			tx.Rollback(ctx) //nolint:errcheck
		}
		if err != nil {
			t.Errorf("connection %d: %v", i, err)
		}
	}
	for _, c := range conns {
		c.Release()
	}

	if _, err := direct.pool.Exec(ctx, `ALTER TABLE kinder DROP CONSTRAINT test_abbruch`); err != nil {
		t.Fatal(err)
	}
	d := direct.run("melderegister", "skip", false, list)
	g := general.run("melderegister", "skip", false, list)
	if d.Status != importing.StatusSucceeded || direct.directLoads != 1 || d.Counts.Created < 300 {
		t.Fatalf("after the failed list: %s %+v, %d direct loads", d.Status, d.Counts, direct.directLoads)
	}
	sameResult(t, "the list after a failed one", direct, general, d, g)
}

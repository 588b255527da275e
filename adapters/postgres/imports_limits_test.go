package postgres_test

import (
	"bytes"
	"context"
	"fmt"
	"maps"
	"math/rand/v2"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/sheets"
	"github.com/schulgateway/schulgateway/internal/importing"
)

// A cell far beyond any name's length, a NUL byte or a bidi override is
// an error at its cell, never a failed import (issue 14, point 9). The
// 3,000-character family name used to fail the whole import: the key of
// a child without Ordnungsmerkmal holds the name, and its unique index
// takes at most some 2,700 bytes.
func TestOverlongAndHostileCellsAreCellErrors(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	good := []string{"", "Krause", "Emil", "01.07.2020", "Rosenweg", "1", "06108"}
	// Random letters: PostgreSQL compresses a repetitive key into the index.
	long := []string{"", randomLetters(3000), "Lena", "03.04.2020", "Rosenweg", "12", "06108"}
	nul := []string{"", "Weber", "Ida\x00", "15.09.2019", "Hauptstraße", "7", "06108"}
	bidi := []string{"", "Wolf", "Ben", "02.07.2020", "Am Anger\u202e3", "4", "06108"}
	huge := []string{"", "Lehmann", randomLetters(40_000), "02.07.2020", "Am Anger", "5", "06108"}
	for _, mode := range []struct {
		onError string
		dryRun  bool
	}{{"reject", true}, {"skip", true}, {"reject", false}, {"skip", false}} {
		imp := im.run("melderegister", mode.onError, mode.dryRun, register(good, long, nul, bidi, huge))
		if imp.Status == importing.StatusFailed {
			t.Fatalf("%s dry=%v: the import failed: %s", mode.onError, mode.dryRun, imp.Detail)
		}
		if imp.Counts.Invalid != 4 || imp.Counts.Valid != 1 {
			t.Errorf("%s dry=%v: counts %+v, want 1 valid, 4 invalid", mode.onError, mode.dryRun, imp.Counts)
		}
		problems, err := im.store.Problems(context.Background(), imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range problems {
			got[importing.CellRef(p.Column, p.Row)] = p.Code
			if len(p.Message) > 1000 {
				t.Errorf("%s: message of %d bytes quotes the whole cell", importing.CellRef(p.Column, p.Row), len(p.Message))
			}
		}
		want := map[string]string{"B5": "zu_lang", "C6": "zeichen_unzulaessig", "E7": "zeichen_unzulaessig", "C8": "zu_lang"}
		for cell, code := range want {
			if got[cell] != code {
				t.Errorf("%s dry=%v: %s = %q, want %q (all: %v)", mode.onError, mode.dryRun, cell, got[cell], code, got)
			}
		}
	}
	if n := im.count("SELECT count(*) FROM kinder"); n != 1 {
		t.Errorf("%d children stored, want only Emil (written by skip)", n)
	}
}

// randomLetters is n letters that do not compress.
func randomLetters(n int) string {
	r := rand.New(rand.NewPCG(14, 9))
	b := make([]byte, n)
	for i := range b {
		b[i] = byte('a' + r.IntN(26))
	}
	return string(b)
}

// runFile uploads data as a file and processes it with the gateway's
// readers (sheets.Uploads), as the worker would.
func (im *importer) runFile(kind, onError, filename string, data []byte) importing.Import {
	im.t.Helper()
	ctx := context.Background()
	proc := postgres.NewProcessor(im.store, sheets.Uploads{}.Open)
	proc.NoBulkLoad, proc.NoDirectLoad = im.noBulk, im.noDirect
	if im.keyHash != nil {
		postgres.SetKeyHash(proc, im.keyHash)
	}
	postgres.SetDirectChunk(proc, im.directChunk)
	defer func() { im.directLoads += postgres.DirectLoads(proc) }()
	imp, err := im.svc.Submit(ctx, importing.Request{Kind: kind, OnError: onError, Filename: filename, CreatedBy: "test"}, bytes.NewReader(data))
	if err != nil {
		im.t.Fatal(err)
	}
	if id, ok, err := im.store.Claim(ctx, 3); err != nil || !ok || id != imp.ID {
		im.t.Fatalf("Claim = %q, %v, %v; want %s", id, ok, err, imp.ID)
	}
	if err := proc.Process(ctx, imp.ID, nil); err != nil {
		im.t.Fatal(err)
	}
	got, err := im.store.Get(ctx, imp.ID)
	if err != nil {
		im.t.Fatal(err)
	}
	return got
}

// A careless and hostile register written by hand (UTF-8, semicolons, CRLF),
// read by the gateway's CSV reader: every bad cell is named, nothing fails,
// and skip writes the one good child (issue 14, points 8 and 9).
func TestHostileHandwrittenRegister(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	year := time.Now().Year()
	csv := strings.Join([]string{
		"Familienname;Vornamen;Geburtsdatum;Straße;Hausnummer;PLZ;Zuzugsdatum",
		"Krause;Emil;01.07.2020;Rosenweg;1;6108;",                                 // 2: fine (PLZ lost its zero)
		randomLetters(3000) + ";Lena;03.04.2020;Rosenweg;2;06108;",                // 3: A too long
		"Weber;Ida\x1b;15.09.2019;Rosenweg;3;06108;",                              // 4: B ESC (a NUL makes the CSV reader refuse the file as binary)
		"Wolf;Ben;02.07.2020;Am Anger\u202e12;4;06108;",                           // 5: D bidi override
		fmt.Sprintf("Zukunft;Tom;01.01.%d;Rosenweg;5;06108;", year+5),             // 6: C future
		"Alt;Kai;05.05.1990;Rosenweg;6;06108;",                                    // 7: C too old for the register
		"Früh;Mo;03.04.2020;Rosenweg;7;06108;01.01.2019",                          // 8: G before birth
		"Lehmann;Mia;02.07.2020;Rosenweg;8;0610;",                                 // 9: F PLZ of four digits after the zero
		"Neu;Lea;02.07.2020;" + strings.Repeat("Lange Straße ", 20) + ";9;06108;", // 10: D too long (260)
	}, "\r\n") + "\r\n"
	want := map[string]string{"A3": "zu_lang", "B4": "zeichen_unzulaessig", "D5": "zeichen_unzulaessig", "C6": "datum_unplausibel",
		"C7": "datum_unplausibel", "G8": "datum_unplausibel", "F9": "plz_ungueltig", "D10": "zu_lang"}
	for _, onError := range []string{"reject", "skip"} {
		imp := im.runFile("melderegister", onError, "melderegister.csv", []byte(csv))
		if imp.Status == importing.StatusFailed || imp.Counts.Invalid != len(want) || imp.Counts.Valid != 1 {
			t.Fatalf("%s: %s %+v %s", onError, imp.Status, imp.Counts, imp.Detail)
		}
		problems, err := im.store.Problems(context.Background(), imp.ID)
		if err != nil {
			t.Fatal(err)
		}
		got := map[string]string{}
		for _, p := range problems {
			got[importing.CellRef(p.Column, p.Row)] = p.Code
		}
		if !maps.Equal(got, want) {
			t.Errorf("%s: problems %v, want %v", onError, got, want)
		}
	}
	if n := im.count("SELECT count(*) FROM kinder WHERE familienname = 'Krause' AND plz = '06108'"); n != 1 || im.count("SELECT count(*) FROM kinder") != 1 {
		t.Error("skip did not write exactly the good child")
	}
}

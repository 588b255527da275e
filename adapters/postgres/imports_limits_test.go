package postgres_test

import (
	"context"
	"math/rand/v2"
	"testing"

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

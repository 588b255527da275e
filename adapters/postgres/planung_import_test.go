package postgres_test

import (
	"context"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/importing"
)

func liste(name string, header []string, rows ...[]string) importing.Tables {
	sheet := importing.Sheet{Name: name, Rows: []importing.Row{{Number: 1, Cells: header}}}
	for i, r := range rows {
		sheet.Rows = append(sheet.Rows, importing.Row{Number: 2 + i, Cells: r})
	}
	return importing.Tables{sheet}
}

func planungSchulen(t *testing.T, im *importer) {
	t.Helper()
	if _, err := im.pool.Exec(context.Background(), `INSERT INTO schulen (schulnummer, name, schulform) VALUES
		('1001', 'Grundschule Am Anger', 'grundschule'), ('2001', 'Sekundarschule Nord', 'sekundarschule')`); err != nil {
		t.Fatal(err)
	}
}

// schuelerzahlen: per school and school year the list is the whole year
// (a grade it no longer has is removed); invalid rows are named in German;
// every row knows its import and row; undo restores.
func TestSchuelerzahlenImport(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	planungSchulen(t, im)
	kopf := []string{"Schul-Nr.", "Schuljahr", "Klassenstufe", "Schülerzahl"}
	first := im.run("Schülerzahlen", "skip", false, liste("Historie", kopf,
		[]string{"1001", "2023/24", "1", "30"},
		[]string{"1001", "2023/24", "2", "19"},
		[]string{"2001", "2023-24", "5", "10"},
		[]string{"1001", "neunzehn", "1", "-3"},
		[]string{"9999", "2023/24", "1", "5"},
	))
	wantCounts(t, first, importing.Counts{Rows: 5, Valid: 3, Invalid: 2, Created: 3})
	if n := im.count(`SELECT count(*) FROM planung_schuelerzahlen p JOIN imports i ON i.id = p.import_id WHERE p.schluessel = '1001|2023|2' AND p.anzahl = 19 AND p.import_id = $1 AND i.sheet_used = 'Historie' AND p.import_row = 3`, first.ID); n != 1 {
		t.Error("row 3 is not stored with its key and provenance")
	}
	probs, err := im.store.Problems(context.Background(), first.ID)
	if err != nil {
		t.Fatal(err)
	}
	var codes []string
	for _, p := range probs {
		codes = append(codes, p.Code)
		if p.Message == "" || !strings.ContainsAny(p.Message, "äöüß„") && !strings.Contains(p.Message, "Schul") {
			t.Errorf("message not German: %+v", p)
		}
	}
	if got := strings.Join(codes, " "); !strings.Contains(got, "schule_unbekannt") || len(probs) < 3 {
		t.Errorf("problems %q", got)
	}

	// The same list again changes nothing; a corrected 2023/24 of 1001
	// without grade 2 replaces that school year, 2001 stays.
	wantCounts(t, im.run("schuelerzahlen", "skip", false, liste("Historie", kopf,
		[]string{"1001", "2023/24", "1", "30"}, []string{"1001", "2023/24", "2", "19"}, []string{"2001", "2023-24", "5", "10"})),
		importing.Counts{Rows: 3, Valid: 3, Unchanged: 3})
	// Grade 2 of 1001 in 2023/24 gone: 1 of 2 figures, confirmed.
	second := im.confirmed("schuelerzahlen", 1, liste("Historie", kopf, []string{"1001", "2023/24", "1", "31"}))
	wantCounts(t, second, importing.Counts{Rows: 1, Valid: 1, Updated: 1, Removed: 1})
	if n := im.count(`SELECT count(*) FROM planung_schuelerzahlen`); n != 2 {
		t.Errorf("%d rows after the correction, want 2 (1001 grade 1, 2001 grade 5)", n)
	}
	if err := im.svc.Undo(context.Background(), second.ID); err != nil {
		t.Fatalf("undo: %v", err)
	}
	if n := im.count(`SELECT count(*) FROM planung_schuelerzahlen WHERE (schluessel = '1001|2023|1' AND anzahl = 30) OR schluessel = '1001|2023|2'`); n != 2 {
		t.Error("undo did not bring back the year as it was")
	}
}

// bevoelkerung: a Bezirk by its Grundschule's number or name; a
// Sekundarschule has no Bezirk; a list is the whole of each entry year.
func TestBevoelkerungImport(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	planungSchulen(t, im)
	kopf := []string{"Bezirk", "Einschulungsjahr", "Kinder"}
	first := im.run("bevoelkerung", "skip", false, liste("Kinder", kopf,
		[]string{"Grundschule Am Anger", "2027/28", "55"},
		[]string{"1001", "2028/29", "61"},
		[]string{"Sekundarschule Nord", "2027/28", "12"},
	))
	wantCounts(t, first, importing.Counts{Rows: 3, Valid: 2, Invalid: 1, Created: 2})
	if n := im.count(`SELECT count(*) FROM planung_kohorten WHERE schulnummer = '1001' AND schuljahr = 2027 AND anzahl = 55 AND import_row = 2`); n != 1 {
		t.Error("the Bezirk named by its school is not stored")
	}
	probs, _ := im.store.Problems(context.Background(), first.ID)
	if len(probs) != 1 || probs[0].Code != "keine_grundschule" || !strings.Contains(probs[0].Message, "keine Grundschule") {
		t.Errorf("problems %+v", probs)
	}
	// 2027/28 again without 1001: its figure for that year goes; 2028/29 stays.
	if _, err := im.pool.Exec(context.Background(), `INSERT INTO schulen (schulnummer, name, schulform) VALUES ('1002', 'Grundschule Süd', 'grundschule')`); err != nil {
		t.Fatal(err)
	}
	wantCounts(t, im.run("bevoelkerung", "", false, liste("Kinder", []string{"Schulnummer", "Schuljahr", "Anzahl"}, []string{"1002", "2027/28", "40"})),
		importing.Counts{Rows: 1, Valid: 1, Created: 1, Removed: 1})
	if n := im.count(`SELECT count(*) FROM planung_kohorten`); n != 2 {
		t.Errorf("%d cohorts, want 2 (1002 2027, 1001 2028)", n)
	}
}

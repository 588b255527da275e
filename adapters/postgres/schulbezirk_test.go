package postgres_test

import (
	"context"
	"errors"
	"log/slog"
	"strings"
	"testing"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/demo"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// seedDemo loads Musterstadt's schools and street directory.
func seedDemo(t testing.TB, pool *pgxpool.Pool) {
	t.Helper()
	ctx := context.Background()
	svc := schule.NewService(postgres.NewSchulenStore(pool, nil))
	var nummern []string
	for _, s := range demo.Schulen() {
		if _, _, err := svc.Put(ctx, s.Schulnummer, s); err != nil {
			t.Fatal(err)
		}
		nummern = append(nummern, s.Schulnummer)
	}
	if err := postgres.ReplaceStrassenverzeichnis(ctx, pool, nummern, demo.Strassenverzeichnis()); err != nil {
		t.Fatal(err)
	}
}

func TestSchulbezirkStoreZuordnung(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	seedDemo(t, pool)
	svc := schulbezirk.NewService(postgres.NewSchulbezirkStore(pool, nil))
	ctx := context.Background()
	tests := []struct {
		a          schulbezirk.Adresse
		jahr       int
		want, name string
	}{
		{schulbezirk.Adresse{Strasse: "Hauptstr.", Hausnummer: "7 B"}, 2027, "20103", "Grundschule Mühlenviertel"},
		{schulbezirk.Adresse{Strasse: "Hauptstraße", Hausnummer: "7"}, 2027, "20101", "Grundschule Am Anger"},
		{schulbezirk.Adresse{Strasse: "Kirchgasse", Hausnummer: "3"}, 2026, "20102", "Grundschule Rosenweg"},
		{schulbezirk.Adresse{Strasse: "Kirchgasse", Hausnummer: "3"}, 2027, "20103", "Grundschule Mühlenviertel"},
		{schulbezirk.Adresse{Strasse: "Ludwig Wucherer Str.", Hausnummer: "40"}, 2027, "20105", "Grundschule Am Stadtpark"},
		{schulbezirk.Adresse{Strasse: "Schulstrasse", Hausnummer: "1", PLZ: "06110"}, 2027, "20106", "Grundschule Heide-Süd"},
	}
	for _, tt := range tests {
		r, err := svc.Zuordnung(ctx, tt.a, werte.NewSchuljahr(tt.jahr))
		if err != nil || r.Schulnummer != tt.want || r.Schulname != tt.name || r.ID == 0 {
			t.Errorf("%s in %d: %+v, %v; want %s %s", tt.a, tt.jahr, r, err, tt.want, tt.name)
		}
	}
	if _, err := svc.Zuordnung(ctx, schulbezirk.Adresse{Strasse: "Neue Straße", Hausnummer: "3"}, werte.NewSchuljahr(2027)); !errors.Is(err, schulbezirk.ErrKeineRegel) {
		t.Errorf("unknown street: %v", err)
	}
}

// Two instances cache the compiled directory; a change of the rows in
// either (or in SQL, as an import makes it) reaches both.
func TestSchulbezirkCacheFollowsChanges(t *testing.T) {
	t.Parallel()
	ctx, cancel := context.WithCancel(context.Background())
	defer cancel()
	url := pgtest.URL(t)
	open := func() (*pgxpool.Pool, *postgres.SchulbezirkStore) {
		pool, err := postgres.Open(ctx, url)
		if err != nil {
			t.Fatal(err)
		}
		t.Cleanup(pool.Close)
		changes := postgres.ListenChanges(ctx, url, slog.New(slog.DiscardHandler))
		waitFor(t, "listener up", func() bool { _, ok := changes.Generation(); return ok })
		return pool, postgres.NewSchulbezirkStore(pool, changes)
	}
	poolA, a := open()
	_, b := open()
	seedDemo(t, poolA)
	school := func(st *postgres.SchulbezirkStore) string {
		ix, err := st.Index(ctx)
		if err != nil {
			t.Fatal(err)
		}
		r, err := ix.Zuordnung(schulbezirk.Adresse{Strasse: "Am Anger", Hausnummer: "1"}, werte.NewSchuljahr(2027))
		if err != nil {
			return ""
		}
		return r.Schulnummer
	}
	waitFor(t, "both see the seeded directory", func() bool { return school(a) == "20101" && school(b) == "20101" })
	ix1, _ := a.Index(ctx)
	if ix2, _ := a.Index(ctx); ix1 != ix2 {
		t.Error("the index is compiled anew on every call")
	}
	if _, err := poolA.Exec(ctx, "UPDATE bezirksregeln SET schulnummer = '20104' WHERE strasse = 'Am Anger'"); err != nil {
		t.Fatal(err)
	}
	waitFor(t, "both see the change", func() bool { return school(a) == "20104" && school(b) == "20104" })
}

func TestSchulbezirkEinwohnerAreResidentsOnly(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	if _, err := pool.Exec(ctx, `INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer, plz, status, zuzug, wegzug) VALUES
		('p:1', 'Bleibt', 'Anna', '2021-01-01', 'Am Anger', '1', '06108', 'gemeldet', NULL, NULL),
		('p:2', 'Weg', 'Ben', '2021-01-01', 'Am Anger', '2', '06108', 'weggezogen', NULL, NULL),
		('p:3', 'Zieht', 'Cem', '2021-01-01', 'Am Anger', '3', '06108', 'gemeldet', NULL, '2026-03-01'),
		('p:4', 'Zurück', 'Dana', '2021-01-01', 'Am Anger', '4', NULL, 'gemeldet', '2026-05-01', '2026-03-01')`); err != nil {
		t.Fatal(err)
	}
	list, err := postgres.NewSchulbezirkStore(pool, nil).Einwohner(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var names []string
	for _, e := range list {
		names = append(names, e.Familienname)
	}
	if strings.Join(names, ",") != "Bleibt,Zurück" || list[1].Adresse.PLZ != "" {
		t.Errorf("residents %v", names)
	}
}

func TestSchulbezirkOverlapsInStagedUpload(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	var (
		problems []importing.StoredProblem
		rows     int
	)
	err := pgx.BeginFunc(ctx, pool, func(tx pgx.Tx) error {
		// The staging table as Processor.finish has it.
		if _, err := tx.Exec(ctx, `CREATE TEMP TABLE stg ON COMMIT DROP AS
			SELECT ''::text AS sheet, 0::integer AS row, schluessel, strasse, hausnummer_von, hausnummer_bis, paritaet, zusatz_von, zusatz_bis,
				plz, ortsteil, schulnummer, gueltig_ab, 'create'::text AS action
			FROM bezirksregeln WITH NO DATA`); err != nil {
			return err
		}
		if _, err := tx.Exec(ctx, `INSERT INTO stg (sheet, row, schluessel, strasse, hausnummer_von, hausnummer_bis, paritaet, zusatz_von, zusatz_bis, plz, ortsteil, schulnummer, gueltig_ab) VALUES
			('Verzeichnis', 3, 'a', 'Rosenweg', 1, 49, 'ungerade', '', '', '', '', '20102', NULL),
			('Verzeichnis', 4, 'b', 'Rosenweg', 2, 50, 'gerade', '', '', '', '', '20101', NULL),
			('Verzeichnis', 5, 'c', 'Hauptstraße', NULL, NULL, 'alle', '', '', '', '', '20101', NULL),
			('Verzeichnis', 6, 'd', 'Hauptstraße', 7, 7, 'alle', 'a', 'f', '', '', '20103', NULL),
			('Verzeichnis', 7, 'e', 'Kirchgasse', NULL, NULL, 'alle', '', '', '', '', '20102', NULL),
			('Verzeichnis', 8, 'f', 'Kirchgasse', NULL, NULL, 'alle', '', '', '', '', '20103', 2027),
			('Verzeichnis', 9, 'g', 'Haupt-Str.', 40, NULL, 'gerade', '', '', '', '', '20104', NULL)`); err != nil {
			return err
		}
		var err error
		problems, rows, err = postgres.BezirksregelUeberschneidungen(ctx, tx)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	if len(problems) != 2 || rows != 2 || problems[0].Row != 5 || problems[1].Row != 9 {
		t.Fatalf("problems %+v (%d rows), want the Hauptstraße rows 5 and 9", problems, rows)
	}
	for _, p := range problems {
		if p.Sheet != "Verzeichnis" || p.Column != -1 || p.Code != "bezirk_ueberschneidung" ||
			!strings.Contains(p.Message, "Hauptstraße 40") || !strings.Contains(p.Message, "Zeile 5") || !strings.Contains(p.Message, "Zeile 9") {
			t.Errorf("problem %+v", p)
		}
	}
}

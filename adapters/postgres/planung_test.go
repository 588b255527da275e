package postgres_test

import (
	"context"
	"slices"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/planung"
)

func TestPlanungStoreDaten(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	seedDemo(t, pool)
	ctx := context.Background()
	// Pupils of 20101 today (school year 2026/27): 2 in grade 1, 1 in 2;
	// one left, one without grade: neither counts.
	if _, err := pool.Exec(ctx, `INSERT INTO schueler (schluessel, schulnummer, familienname, vornamen, geburtsdatum, jahrgangsstufe, status) VALUES
		('a', '20101', 'A', 'A', '2019-09-01', 1, 'aktiv'), ('b', '20101', 'B', 'B', '2019-10-01', 1, 'aktiv'),
		('c', '20101', 'C', 'C', '2018-10-01', 2, 'aktiv'), ('d', '20101', 'D', 'D', '2018-10-01', 2, 'abgegangen'),
		('e', '20101', 'E', 'E', '2018-10-01', NULL, 'aktiv')`); err != nil {
		t.Fatal(err)
	}
	// History: 2025/26 stored; a stored 2026/27 row yields to the live count.
	if _, err := pool.Exec(ctx, `INSERT INTO planung_schuelerzahlen VALUES ('20101', 2025, 1, 40), ('20101', 2026, 1, 99)`); err != nil {
		t.Fatal(err)
	}
	// Residents of Am Anger (Bezirk 20101): born 2021-01-01 and 2021-07-01
	// → cohort 2027/28; born 2021-07-02 → 2028/29; one moved away.
	if _, err := pool.Exec(ctx, `INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer, status) VALUES
		('p:1', 'X', 'X', '2021-01-01', 'Am Anger', '1', 'gemeldet'), ('p:2', 'Y', 'Y', '2021-07-01', 'Am Anger', '2', 'gemeldet'),
		('p:3', 'Z', 'Z', '2021-07-02', 'Am Anger', '3', 'gemeldet'), ('p:4', 'W', 'W', '2021-01-01', 'Am Anger', '4', 'weggezogen')`); err != nil {
		t.Fatal(err)
	}
	// A stored cohort aggregate replaces the derived count of its year.
	if _, err := pool.Exec(ctx, `INSERT INTO planung_kohorten VALUES ('20101', 2028, 25)`); err != nil {
		t.Fatal(err)
	}
	svc := planung.NewService(postgres.NewPlanungStore(pool), postgres.NewSchulbezirkStore(pool, nil), einschulung.GesetzlicheRegel()).
		WithNow(func() time.Time { return time.Date(2026, 11, 28, 0, 0, 0, 0, time.UTC) })
	d, err := svc.Daten(ctx)
	if err != nil {
		t.Fatal(err)
	}
	var got []planung.Zahl
	for _, z := range d.Schueler {
		if z.Schulnummer == "20101" {
			got = append(got, z)
		}
	}
	want := []planung.Zahl{{Schulnummer: "20101", Schuljahr: 2025, Jahrgangsstufe: 1, Anzahl: 40}, {Schulnummer: "20101", Schuljahr: 2026, Jahrgangsstufe: 1, Anzahl: 2}, {Schulnummer: "20101", Schuljahr: 2026, Jahrgangsstufe: 2, Anzahl: 1}}
	if !slices.Equal(got, want) {
		t.Errorf("pupils %v, want %v", got, want)
	}
	var koh []planung.Kohorte
	for _, k := range d.Kohorten {
		if k.Schulnummer == "20101" {
			koh = append(koh, k)
		}
	}
	slices.SortFunc(koh, func(a, b planung.Kohorte) int { return a.Schuljahr - b.Schuljahr })
	if wantK := []planung.Kohorte{{Schulnummer: "20101", Schuljahr: 2027, Anzahl: 2}, {Schulnummer: "20101", Schuljahr: 2028, Anzahl: 25}}; !slices.Equal(koh, wantK) {
		t.Errorf("cohorts %v, want %v", koh, wantK)
	}
	i := slices.IndexFunc(d.Schulen, func(s planung.Schule) bool { return s.Schulnummer == "20101" })
	if i < 0 || d.Schulen[i].Art != planung.Grundschule || d.Schulen[i].Zugkapazitaet() != 48 {
		t.Errorf("schools %+v", d.Schulen)
	}
}

package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"slices"
	"testing"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// seitenService is an Einschulung service over pool with the key and rule.
func seitenService(t testing.TB, pool *pgxpool.Pool, key string, regel einschulung.Regel) *einschulung.Service {
	ps, err := einschulung.NewPseudonymizer([]byte(key))
	if err != nil {
		t.Fatal(err)
	}
	return einschulung.NewService(postgres.NewEinschulungStore(pool), postgres.NewSchulbezirkStore(pool, nil),
		schule.NewService(postgres.NewSchulenStore(pool, nil)), regel, ps)
}

// alteSeite is the children page as it was computed before paging by index:
// the whole cohort, then the children after `after`.
// ohneSchule stands for the selection of children without a Grundschule.
const ohneSchule = "ohne"

func auswahl(nr string) einschulung.Auswahl {
	if nr == ohneSchule {
		return einschulung.Auswahl{OhneSchule: true}
	}
	return einschulung.Auswahl{Schulnummer: nr}
}

func alteSeite(k *einschulung.Kohorte, schulnummer, after string, limit int) page.Page[einschulung.Eintrag] {
	start, _ := slices.BinarySearchFunc(k.Eintraege, after, func(e einschulung.Eintrag, id string) int {
		if e.ID <= id {
			return -1
		}
		return 1
	})
	var items []einschulung.Eintrag
	for _, e := range k.Eintraege[start:] {
		switch {
		case schulnummer == ohneSchule && e.Schulnummer != "",
			schulnummer != "" && schulnummer != ohneSchule && e.Schulnummer != schulnummer:
			continue
		}
		items = append(items, e)
		if len(items) > limit {
			break
		}
	}
	return page.Cut(items, limit, func(e einschulung.Eintrag) string { return e.ID })
}

// generiertesRegister writes n children born from mid-2019 to late 2022
// (the cohorts of 2026 to 2028 and their edges, 29 February included) at
// the demo city's addresses – and at some the directory does not know –
// with moves away and back, children no longer listed, Auskunftssperren;
// and Meldungen of 2026 and 2027 of every Typ and decision: deferrals
// granted, asked for and refused, early registrations, admissions, a free
// school, Gastschulanträge, Abmeldungen, Meldungen about children of no
// cohort's age and about keys the register does not list.
func generiertesRegister(t *testing.T, pool *pgxpool.Pool, n int, seed uint64) {
	t.Helper()
	ctx := context.Background()
	r := rand.New(rand.NewPCG(seed, 1))
	strassen := []string{"Rosenweg", "Hauptstraße", "Hauptstr.", "Kirchgasse", "Schulstraße", "Am Anger", "Neue Straße", "Ludwig Wucherer Str.", "Gibt es nicht"}
	schulen := []string{"20101", "20102", "20103", "20104", "20105", "20106", "20107", "20201", ""}
	erster := time.Date(2019, 6, 1, 0, 0, 0, 0, time.UTC)
	var kinder, meldungen [][]any
	date := func(d time.Time) any { return d }
	for i := range n {
		key := fmt.Sprintf("om:%d", i)
		geboren := erster.AddDate(0, 0, r.IntN(3*366+200))
		if i%97 == 0 {
			geboren = time.Date(2020, 2, 29, 0, 0, 0, 0, time.UTC)
		}
		hnr := fmt.Sprint(1 + r.IntN(60))
		if r.IntN(10) == 0 {
			hnr = "7c"
		}
		var zuzug, wegzug any
		status := "gemeldet"
		switch r.IntN(20) {
		case 0:
			wegzug = date(time.Date(2026, 1, 1+r.IntN(28), 0, 0, 0, 0, time.UTC))
		case 1:
			wegzug, zuzug = date(time.Date(2025, 3, 1, 0, 0, 0, 0, time.UTC)), date(time.Date(2026, 2, 1, 0, 0, 0, 0, time.UTC))
		case 2:
			status = "weggezogen"
		}
		kinder = append(kinder, []any{key, fmt.Sprintf("Familie %d", r.IntN(500)), fmt.Sprintf("Kind %d", i), geboren,
			[]string{"m", "w", "d", "x", ""}[r.IntN(5)], strassen[r.IntN(len(strassen))], hnr,
			[]string{"06108", "06110", ""}[r.IntN(3)], "Musterstadt", r.IntN(15) == 0, zuzug, wegzug, status})
		if r.IntN(3) != 0 {
			continue
		}
		m := func(jahr int, typ, schule, entscheidung string) {
			meldungen = append(meldungen, []any{jahr, key, typ, schule, entscheidung})
		}
		switch r.IntN(10) {
		case 0:
			m(2026, "zurueckstellung", "", []string{"genehmigt", "beantragt", "abgelehnt"}[r.IntN(3)])
		case 1:
			m(2027, "anmeldung", schulen[r.IntN(len(schulen))], "")
		case 2:
			m(2027, "anmeldung", schulen[r.IntN(len(schulen))], "")
			m(2027, "aufnahme", schulen[r.IntN(len(schulen))], "")
		case 3:
			m(2027, "zurueckstellung", "", []string{"genehmigt", "beantragt", "abgelehnt"}[r.IntN(3)])
		case 4:
			m(2027, "gastschulantrag", schulen[r.IntN(len(schulen))], []string{"genehmigt", "beantragt", "abgelehnt"}[r.IntN(3)])
		case 5:
			m(2027, "abmeldung", "", "")
		case 6:
			m(2026, "zurueckstellung", "", "genehmigt")
			m(2027, "anmeldung", "20201", "")
		case 7:
			m(2025, "anmeldung", "20101", "")
		case 8:
			m(2027, "anmeldung", "20103", "")
			m(2027, "zurueckstellung", "", "beantragt")
		default:
			meldungen = append(meldungen, []any{2027, "om:nicht-im-register-" + key, "anmeldung", "20101", ""})
		}
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"kinder"},
		[]string{"schluessel", "familienname", "vornamen", "geburtsdatum", "geschlecht", "strasse", "hausnummer", "plz", "ort",
			"auskunftssperre", "zuzug", "wegzug", "status"}, pgx.CopyFromRows(kinder)); err != nil {
		t.Fatal(err)
	}
	if _, err := pool.CopyFrom(ctx, pgx.Identifier{"einschulung_meldungen"}, []string{"schuljahr", "kind", "typ", "schulnummer", "entscheidung"},
		pgx.CopyFromRows(meldungen)); err != nil {
		t.Fatal(err)
	}
}

// vergleicheSeiten walks the children list of sj page by page, new and
// old, for several page sizes, each school and none, and starting points
// that are no child's id; every page must be the same, entry by entry.
// It returns the cohort's children by status.
// anfrage is the context of a request for a page: with its pending audit
// entry, which a service with an audit store (WithAudit) may write under
// the condition that the cohort it holds is current.
func anfrage(ctx context.Context) context.Context {
	ctx, _ = audit.Begin(ctx, audit.Entry{Operation: "GET /v1/einschulung/:schuljahr/kinder"})
	return ctx
}

func vergleicheSeiten(t *testing.T, svc *einschulung.Service, sj werte.Schuljahr) map[einschulung.Status]int {
	t.Helper()
	ctx := context.Background()
	k, err := svc.Kohorte(ctx, sj)
	if err != nil {
		t.Fatal(err)
	}
	fremd := []string{"", "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA", "UUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUUU", "___________________________________________"}
	for _, nr := range []string{"", "20101", "20103", "20106", "20201", ohneSchule} {
		for _, limit := range []int{1, 7, 100, 1000} {
			for _, start := range fremd {
				if limit == 1 && (nr == "" || start != "") {
					continue // a page of one through the whole cohort: once per school is enough
				}
				after, seiten := start, 0
				for {
					neu, err := svc.Kinder(anfrage(ctx), sj, auswahl(nr), after, limit)
					if err != nil {
						t.Fatal(err)
					}
					alt := alteSeite(k, nr, after, limit)
					if neu.Next != alt.Next || !reflect.DeepEqual(neu.Items, alt.Items) {
						t.Fatalf("%s, Schule %q, limit %d, after %q: new page (%d, next %q) differs from the cohort's (%d, next %q)",
							sj, nr, limit, after, len(neu.Items), neu.Next, len(alt.Items), alt.Next)
					}
					seiten++
					if neu.Next == "" {
						break
					}
					after = neu.Next
				}
				if seiten == 0 {
					t.Fatal("no page")
				}
			}
		}
	}
	status := map[einschulung.Status]int{}
	for _, e := range k.Eintraege {
		status[e.Status]++
	}
	return status
}

// The children list paged by index gives exactly the pages the whole
// cohort gave, on a generated register, and stays so when what the cohort
// is computed from changes: a second register upload, Meldungen, the
// street directory, the Stichtag, the pseudonym key, an anonymisation.
func TestEinschulungSeitenGleichDerKohorte(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	seedDemo(t, pool)
	ctx := context.Background()
	generiertesRegister(t, pool, 1500, 7)
	const key = "test key of at least thirty-two bytes"
	svc := seitenService(t, pool, key, einschulung.GesetzlicheRegel())
	for _, jahr := range []int{2026, 2027, 2028} {
		status := vergleicheSeiten(t, svc, werte.NewSchuljahr(jahr))
		t.Logf("%d: %v", jahr, status)
		if jahr == 2027 {
			for _, s := range []einschulung.Status{einschulung.StatusErwartet, einschulung.StatusAngemeldet, einschulung.StatusAufgenommen,
				einschulung.StatusZurueckgestellt, einschulung.StatusVorzeitig, einschulung.StatusAbgemeldet, einschulung.StatusFreieSchule} {
				if status[s] < 3 {
					t.Errorf("the generated cohort has %d children of status %s", status[s], s)
				}
			}
		}
	}
	sj := werte.NewSchuljahr(2027)

	t.Run("Register, Meldungen, Verzeichnis", func(t *testing.T) {
		// New children (no stored id yet), a child moves away, another's
		// address changes, a deferral is granted, a directory rule re-drawn.
		generiertesRegisterAb(t, pool, 1500, 200)
		for _, q := range []string{
			`UPDATE kinder SET status = 'weggezogen' WHERE schluessel IN ('om:3', 'om:4', 'om:5')`,
			`UPDATE kinder SET strasse = 'Kirchgasse', hausnummer = '3' WHERE schluessel IN ('om:6', 'om:7', 'om:8', 'om:9')`,
			`INSERT INTO einschulung_meldungen (schuljahr, kind, typ, entscheidung) VALUES (2026, 'om:10', 'zurueckstellung', 'genehmigt'),
				(2026, 'om:11', 'zurueckstellung', 'genehmigt') ON CONFLICT DO NOTHING`,
			`UPDATE bezirksregeln SET schulnummer = '20104' WHERE strasse = 'Rosenweg'`,
		} {
			if _, err := pool.Exec(ctx, q); err != nil {
				t.Fatal(err)
			}
		}
		vergleicheSeiten(t, svc, sj)
	})
	t.Run("Stichtag", func(t *testing.T) {
		regel := einschulung.GesetzlicheRegel()
		regel.Schulpflicht = einschulung.Stichtag{Monat: time.September, Tag: 30}
		regel.Vorzeitig = einschulung.Stichtag{Monat: time.December, Tag: 31}
		vergleicheSeiten(t, seitenService(t, pool, key, regel), sj)
	})
	t.Run("anderer Schlüssel", func(t *testing.T) {
		anders := seitenService(t, pool, "another key, at least thirty-two bytes long", einschulung.GesetzlicheRegel())
		vergleicheSeiten(t, anders, sj)
		vergleicheSeiten(t, svc, sj) // and back
	})
	t.Run("Anonymisierung", func(t *testing.T) {
		if _, err := pool.Exec(ctx, `UPDATE kinder SET schluessel = 'anon:' || id WHERE schluessel IN ('om:12', 'om:13', 'om:14', 'om:15')`); err != nil {
			t.Fatal(err)
		}
		var ohne int
		if err := pool.QueryRow(ctx, `SELECT count(*) FROM kinder WHERE schluessel LIKE 'anon:%' AND pseudonym IS NULL`).Scan(&ohne); err != nil || ohne != 4 {
			t.Fatalf("anonymised children without a stored id: %d, %v", ohne, err)
		}
		vergleicheSeiten(t, svc, sj)
	})
}

// generiertesRegisterAb adds n children with keys from om:<from> on.
func generiertesRegisterAb(t *testing.T, pool *pgxpool.Pool, from, n int) {
	t.Helper()
	var rows [][]any
	for i := from; i < from+n; i++ {
		rows = append(rows, []any{fmt.Sprintf("om:%d", i), "Neu", fmt.Sprint(i), time.Date(2020, 7, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, i%366),
			"Am Anger", fmt.Sprint(1 + i%40)})
	}
	if _, err := pool.CopyFrom(context.Background(), pgx.Identifier{"kinder"},
		[]string{"schluessel", "familienname", "vornamen", "geburtsdatum", "strasse", "hausnummer"}, pgx.CopyFromRows(rows)); err != nil {
		t.Fatal(err)
	}
}

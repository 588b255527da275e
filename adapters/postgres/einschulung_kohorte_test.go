package postgres_test

import (
	"context"
	"fmt"
	"math/rand/v2"
	"reflect"
	"sync/atomic"
	"testing"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/demo"
	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// zaehlenderStore counts the pages computed from their candidates, to
// tell them from pages served from the cohort kept in memory.
type zaehlenderStore struct {
	*postgres.EinschulungStore
	seiten atomic.Int64
}

func (z *zaehlenderStore) KinderSeite(ctx context.Context, von, bis, mvon, mbis time.Time, jahre []werte.Schuljahr,
	after string, n int, id func(string) string) ([]einschulung.Kind, error) {
	z.seiten.Add(1)
	return z.EinschulungStore.KinderSeite(ctx, von, bis, mvon, mbis, jahre, after, n, id)
}

type kohortenTest struct {
	t     *testing.T
	pool  *pgxpool.Pool
	store *zaehlenderStore
	svc   *einschulung.Service
	sj    werte.Schuljahr
}

func newKohortenTest(t *testing.T, pool *pgxpool.Pool, regel einschulung.Regel) *kohortenTest {
	ps, err := einschulung.NewPseudonymizer([]byte("test key of at least thirty-two bytes"))
	if err != nil {
		t.Fatal(err)
	}
	store := &zaehlenderStore{EinschulungStore: postgres.NewEinschulungStore(pool)}
	// Pages from the cohort in memory are answered as serve answers them:
	// the request's entry written under the condition that it is current.
	svc := einschulung.NewService(store, postgres.NewSchulbezirkStore(pool, nil), schule.NewService(postgres.NewSchulenStore(pool, nil)), regel, ps).
		WithAudit(postgres.NewAuditStore(pool))
	return &kohortenTest{t: t, pool: pool, store: store, svc: svc, sj: werte.NewSchuljahr(2027)}
}

func (kt *kohortenTest) kohorte() []einschulung.Eintrag {
	kt.t.Helper()
	k, err := kt.svc.Kohorte(context.Background(), kt.sj)
	if err != nil {
		kt.t.Fatal(err)
	}
	return k.Eintraege
}

func (kt *kohortenTest) stand() string {
	kt.t.Helper()
	b, err := kt.store.Bestand(context.Background(), time.Time{}, time.Time{}, nil)
	if err != nil {
		kt.t.Fatal(err)
	}
	return b.Stand
}

func (kt *kohortenTest) unveraendert(stand string) bool {
	kt.t.Helper()
	ok, err := kt.store.Unveraendert(context.Background(), stand)
	if err != nil {
		kt.t.Fatal(err)
	}
	return ok
}

// eintraege counts the audit entries written so far.
func (kt *kohortenTest) eintraege() int {
	kt.t.Helper()
	var n int
	if err := kt.pool.QueryRow(context.Background(), "SELECT count(*) FROM audit_log").Scan(&n); err != nil {
		kt.t.Fatal(err)
	}
	return n
}

func (kt *kohortenTest) vorbereiten() bool {
	kt.t.Helper()
	neu, err := kt.svc.Vorbereiten(context.Background(), kt.sj)
	if err != nil {
		kt.t.Fatal(err)
	}
	return neu
}

// nachAenderung holds the cohort in the cache, applies aendern and checks
// that the change is seen (the stand before it is out of date), that the
// pages right after it are those of the cohort computed from scratch, and
// that they still are when served from the recomputed cache, which the
// next check finds current. It fails if the change did not change the
// cohort (a test of nothing).
func (kt *kohortenTest) nachAenderung(aendern func()) {
	kt.t.Helper()
	kt.vorbereiten()
	if kt.vorbereiten() {
		kt.t.Fatal("the cache was recomputed without a change")
	}
	vorher, stand := kt.kohorte(), kt.stand()
	aendern()
	if kt.unveraendert(stand) {
		kt.t.Fatal("the change is not seen: the cohort read before it still counts as current")
	}
	vergleicheSeiten(kt.t, kt.svc, kt.sj)
	if reflect.DeepEqual(vorher, kt.kohorte()) {
		kt.t.Fatal("the change did not change the cohort")
	}
	kt.vorbereiten()
	vor, eintraege := kt.store.seiten.Load(), kt.eintraege()
	vergleicheSeiten(kt.t, kt.svc, kt.sj)
	if n := kt.store.seiten.Load() - vor; n != 0 {
		kt.t.Errorf("%d pages computed from their candidates with the cohort in the cache current", n)
	}
	if kt.eintraege() == eintraege {
		kt.t.Error("no page from the cohort in the cache was answered with its entry under the condition")
	}
	if kt.vorbereiten() {
		kt.t.Error("the cache was recomputed without a change")
	}
}

// The children list served from the cohort kept in memory is, right after
// each kind of change commits, the list the rules give from scratch: a
// register upload (a new child, a child moved within the city, a child no
// longer listed), decisions, a deferral, an early entry, a re-drawn street
// directory, a school that changes Träger, another Stichtag.
func TestKohorteImCacheNachJederAenderung(t *testing.T) {
	t.Parallel()
	im := newImporter(t)
	seedDemo(t, im.pool)
	ctx := context.Background()
	strassen := []string{"Rosenweg", "Am Anger", "Kirchgasse", "Hauptstraße", "Schulstraße", "Neue Straße"}
	var rows [][]string
	for i := range 120 {
		geboren := time.Date(2020, 5, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, 5*i) // 2026 to 2028 and early candidates
		rows = append(rows, []string{fmt.Sprintf("OM%d", i), fmt.Sprintf("Familie%d", i%37), fmt.Sprintf("Kind%d", i), geboren.Format("02.01.2006"),
			"w", strassen[i%len(strassen)], fmt.Sprint(1 + i%40), []string{"06108", "06110"}[i%2], "", "", "", ""})
	}
	if imp := im.run("melderegister", "reject", false, registerTable(rows...)); imp.Status != importing.StatusSucceeded {
		t.Fatalf("register import: %+v", imp)
	}
	kt := newKohortenTest(t, im.pool, einschulung.GesetzlicheRegel())
	aufgenommenBei := "20101"
	melde := func(in einschulung.Eingabe) {
		kt.t.Helper()
		if _, err := kt.svc.Melde(ctx, kt.sj, in, true); err != nil {
			kt.t.Fatal(err)
		}
	}
	// erwartet gives, one after the other, children of the cohort that
	// are expected at the school of their Bezirk.
	genommen := map[string]bool{}
	erwartet := func() einschulung.Eintrag {
		for _, e := range kt.kohorte() {
			if e.Status == einschulung.StatusErwartet && e.Bezirksschule != "" && !genommen[e.ID] {
				genommen[e.ID] = true
				return e
			}
		}
		kt.t.Fatal("no child expected at a school left")
		return einschulung.Eintrag{}
	}
	person := func(row []string) *einschulung.PersonEingabe {
		geboren, err := time.Parse("02.01.2006", row[3])
		if err != nil {
			t.Fatal(err)
		}
		return &einschulung.PersonEingabe{Familienname: row[1], Vornamen: row[2], Geburtsdatum: geboren.Format(time.DateOnly)}
	}
	t.Run("Registerimport: neu, umgezogen, nicht mehr gemeldet", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() {
			neu := append([][]string{}, rows[1:]...)                                                                          // OM0 no longer listed
			neu[10] = append([]string{}, neu[10]...)                                                                          // OM11 moves
			neu[10][5], neu[10][6] = "Rosenweg", "13"                                                                         // to the odd side: 20102
			neu = append(neu, []string{"OM500", "Neu", "Hinzu", "15.03.2021", "m", "Am Anger", "2", "06108", "", "", "", ""}) // a new child
			if imp := im.confirmed("melderegister", 1, registerTable(neu...)); imp.Status != importing.StatusSucceeded {
				t.Fatalf("second register import: %+v", imp)
			}
		})
	})
	t.Run("Anmeldung und Aufnahme", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() {
			a, b := erwartet(), erwartet()
			melde(einschulung.Eingabe{KindID: a.ID, Typ: "anmeldung", Schulnummer: a.Bezirksschule})
			melde(einschulung.Eingabe{KindID: b.ID, Typ: "aufnahme", Schulnummer: b.Bezirksschule})
			aufgenommenBei = b.Bezirksschule
		})
	})
	t.Run("Gastschulantrag genehmigt", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() {
			a := erwartet()
			melde(einschulung.Eingabe{KindID: a.ID, Typ: "gastschulantrag", Schulnummer: map[bool]string{true: "20105", false: "20104"}[a.Bezirksschule != "20105"],
				Entscheidung: "genehmigt"})
		})
	})
	t.Run("Zurückstellung", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() {
			melde(einschulung.Eingabe{KindID: erwartet().ID, Typ: "zurueckstellung", Entscheidung: "genehmigt"})
		})
	})
	t.Run("Zurückstellung im Vorjahr", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() {
			// Kind5 (born 2020-05-26) is of last year's cohort; deferred there, it joins this one.
			if _, err := kt.svc.Melde(ctx, werte.NewSchuljahr(2026), einschulung.Eingabe{Person: person(rows[5]),
				Typ: "zurueckstellung", Entscheidung: "genehmigt"}, true); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("vorzeitige Einschulung", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() {
			// Kind100 (born 2021-09-13) may start early on application.
			melde(einschulung.Eingabe{Person: person(rows[100]), Typ: "anmeldung", Schulnummer: "20101"})
		})
	})
	t.Run("Abmeldung", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() { melde(einschulung.Eingabe{KindID: erwartet().ID, Typ: "abmeldung"}) })
	})
	t.Run("Straßenverzeichnis", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() {
			regeln := demo.Strassenverzeichnis()
			for i := range regeln {
				if regeln[i].Strasse == "Am Anger" {
					regeln[i].Schulnummer = "20104"
				}
			}
			if err := postgres.ReplaceStrassenverzeichnis(ctx, im.pool, []string{"20101", "20102", "20103", "20104", "20105", "20106"}, regeln); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("Schule", func(t *testing.T) {
		kt.t = t
		kt.nachAenderung(func() {
			// A school with admissions becomes one of a free Träger: they are freie_schule now.
			schulen := schule.NewService(postgres.NewSchulenStore(im.pool, nil))
			s, err := schulen.Get(ctx, aufgenommenBei)
			if err != nil {
				t.Fatal(err)
			}
			s.Traeger = schule.Frei
			if _, _, err := schulen.Put(ctx, s.Schulnummer, s); err != nil {
				t.Fatal(err)
			}
		})
	})
	t.Run("Stichtag", func(t *testing.T) {
		// The rule is the instance's configuration: another one is another
		// service with a cache of its own.
		regel := einschulung.GesetzlicheRegel()
		regel.Schulpflicht = einschulung.Stichtag{Monat: time.September, Tag: 30}
		anders := newKohortenTest(t, im.pool, regel)
		if !anders.vorbereiten() {
			t.Fatal("a new service found a cohort in its cache")
		}
		vergleicheSeiten(t, anders.svc, anders.sj)
		if reflect.DeepEqual(anders.kohorte(), kt.kohorte()) {
			t.Fatal("the other Stichtag gives the same cohort")
		}
	})
}

// Every column of kinder either changes the cohort – and a change of it is
// seen – or is named here as one that does not. A new column fails this
// test until it is classified (and, if it matters, added to the trigger of
// migration 0116).
func TestKohorteKinderSpalten(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	generiertesRegister(t, pool, 20, 1)
	kt := newKohortenTest(t, pool, einschulung.GesetzlicheRegel())
	egal := map[string]bool{"id": true, "pseudonym": true, "import_id": true, "created_by_import": true,
		"import_row": true, "updated_at": true, "anonymisiert_am": true, "personenschluessel": true}
	rows, err := pool.Query(ctx, `SELECT column_name FROM information_schema.columns WHERE table_name = 'kinder' AND table_schema = current_schema()`)
	if err != nil {
		t.Fatal(err)
	}
	var spalten []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			t.Fatal(err)
		}
		spalten = append(spalten, s)
	}
	if rows.Err() != nil || len(spalten) < 20 {
		t.Fatalf("columns of kinder: %v, %v", spalten, rows.Err())
	}
	for _, s := range spalten {
		if s == "id" {
			continue // GENERATED ALWAYS
		}
		stand := kt.stand()
		if _, err := pool.Exec(ctx, fmt.Sprintf(`UPDATE kinder SET %q = %q WHERE schluessel = 'om:1'`, s, s)); err != nil {
			t.Fatal(s, err)
		}
		if gesehen := !kt.unveraendert(stand); gesehen == egal[s] {
			t.Errorf("column %s: change seen %v, but it is listed as one that does not change the cohort: %v", s, gesehen, egal[s])
		}
	}
	// The filling of stored ids, as the pages do it, is no change.
	stand := kt.stand()
	if _, err := kt.svc.OhneKohortenCache().Kinder(ctx, kt.sj, einschulung.Auswahl{}, "", 10); err != nil {
		t.Fatal(err)
	}
	var gefuellt bool
	if err := pool.QueryRow(ctx, `SELECT bool_and(pseudonym IS NOT NULL) FROM kinder`).Scan(&gefuellt); err != nil || !gefuellt {
		t.Fatalf("ids not filled: %v", err)
	}
	if !kt.unveraendert(stand) {
		t.Error("filling the stored ids counts as a change of the cohort")
	}
	// A transaction that rolls back changes nothing.
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE kinder SET strasse = 'Rosenweg'`); err != nil {
		t.Fatal(err)
	}
	if !kt.unveraendert(stand) {
		t.Error("an uncommitted change counts")
	}
	if err := tx.Rollback(ctx); err != nil {
		t.Fatal(err)
	}
	if !kt.unveraendert(stand) {
		t.Error("a rolled back change counts")
	}
}

// A stand read while a change was in progress is out of date once that
// change commits; and once many changes are pruned, a stand older than the
// horizon is out of date, a new one current.
func TestKohorteStandUndLaufendeAenderung(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	generiertesRegister(t, pool, 20, 2)
	kt := newKohortenTest(t, pool, einschulung.GesetzlicheRegel())
	tx, err := pool.Begin(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := tx.Exec(ctx, `UPDATE kinder SET strasse = 'Rosenweg' WHERE schluessel = 'om:1'`); err != nil {
		t.Fatal(err)
	}
	waehrend := kt.stand()
	if !kt.unveraendert(waehrend) {
		t.Fatal("current stand counts as out of date")
	}
	if err := tx.Commit(ctx); err != nil {
		t.Fatal(err)
	}
	if kt.unveraendert(waehrend) {
		t.Fatal("a change in progress when the stand was read, committed since, is not seen")
	}
	// Pruning removes only ids every snapshot from then on sees (below
	// the oldest running transaction of the cluster, which other work may
	// hold back): whatever it removed, a stand from before the changes is
	// out of date and the new one current.
	alt := kt.stand()
	for i := range 1100 {
		if _, err := pool.Exec(ctx, `UPDATE kinder SET ort = $1 WHERE schluessel = 'om:2'`, fmt.Sprint("Ort ", i)); err != nil {
			t.Fatal(err)
		}
	}
	neu := kt.stand() // prunes, as far as it may
	var n int
	if err := pool.QueryRow(ctx, `SELECT count(*) FROM einschulung_aenderungen`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	t.Logf("%d of 1,100 ids kept after pruning", n)
	if kt.unveraendert(alt) {
		t.Error("a stand from before the changes counts as current after pruning")
	}
	if !kt.unveraendert(neu) {
		t.Error("the stand read with the pruning is out of date")
	}
	// A stand older than the horizon cannot be checked: out of date.
	if _, err := pool.Exec(ctx, `UPDATE einschulung_stand SET horizont = pg_snapshot_xmax(pg_current_snapshot())`); err != nil {
		t.Fatal(err)
	}
	if kt.unveraendert(neu) {
		t.Error("a stand older than the horizon counts as current")
	}
	// Snapshots' xmin only grows: one read after the horizon was set to
	// the current one is checked as usual.
	if _, err := pool.Exec(ctx, `UPDATE einschulung_stand SET horizont = pg_snapshot_xmin(pg_current_snapshot())`); err != nil {
		t.Fatal(err)
	}
	if !kt.unveraendert(kt.stand()) {
		t.Error("a stand read after the horizon is out of date")
	}
}

// Random sequences of changes of every kind, each followed at once by
// pages (and now and then a page after a recomputed cache), compared with
// the cohort computed from scratch.
func TestKohorteImCacheZufaelligeAenderungen(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	seedDemo(t, pool)
	ctx := context.Background()
	generiertesRegister(t, pool, 800, 11)
	kt := newKohortenTest(t, pool, einschulung.GesetzlicheRegel())
	r := rand.New(rand.NewPCG(3, 5))
	schulen := []string{"20101", "20102", "20103", "20104", "20105", "20106", "20107", "20201", ""}
	kind := func() string { return fmt.Sprintf("om:%d", r.IntN(820)) }
	aenderungen := []func() (string, []any){
		func() (string, []any) {
			return `INSERT INTO kinder (schluessel, familienname, vornamen, geburtsdatum, strasse, hausnummer) VALUES ($1, 'Neu', 'Kind', $2, 'Am Anger', '3')
				ON CONFLICT (schluessel) DO NOTHING`, []any{kind(), time.Date(2020, 6, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, r.IntN(500))}
		},
		func() (string, []any) {
			return `UPDATE kinder SET strasse = $2, hausnummer = $3 WHERE schluessel = $1`,
				[]any{kind(), []string{"Rosenweg", "Am Anger", "Kirchgasse", "Nirgendwo"}[r.IntN(4)], fmt.Sprint(1 + r.IntN(50))}
		},
		func() (string, []any) {
			return `UPDATE kinder SET status = $2 WHERE schluessel = $1`, []any{kind(), []string{"gemeldet", "weggezogen"}[r.IntN(2)]}
		},
		func() (string, []any) {
			return `UPDATE kinder SET wegzug = $2 WHERE schluessel = $1`, []any{kind(), []any{nil, time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)}[r.IntN(2)]}
		},
		func() (string, []any) {
			return `UPDATE kinder SET geburtsdatum = geburtsdatum + $2::int WHERE schluessel = $1`, []any{kind(), r.IntN(200) - 100}
		},
		func() (string, []any) {
			return `INSERT INTO einschulung_meldungen (schuljahr, kind, typ, schulnummer, entscheidung) VALUES ($1, $2, $3, $4, $5)
				ON CONFLICT (schuljahr, kind, typ) DO UPDATE SET schulnummer = EXCLUDED.schulnummer, entscheidung = EXCLUDED.entscheidung`,
				[]any{2026 + r.IntN(2), kind(), []string{"anmeldung", "aufnahme", "zurueckstellung", "gastschulantrag", "abmeldung"}[r.IntN(5)],
					schulen[r.IntN(len(schulen))], []string{"", "genehmigt", "beantragt", "abgelehnt"}[r.IntN(4)]}
		},
		func() (string, []any) {
			return `DELETE FROM einschulung_meldungen WHERE kind = $1`, []any{kind()}
		},
		func() (string, []any) {
			return `UPDATE bezirksregeln SET schulnummer = $2 WHERE id = (SELECT id FROM bezirksregeln ORDER BY id OFFSET $1 LIMIT 1)`,
				[]any{r.IntN(8), schulen[r.IntN(6)]}
		},
		func() (string, []any) {
			return `UPDATE schulen SET traeger = $2 WHERE schulnummer = $1`, []any{schulen[r.IntN(8)], []string{"kommunal", "frei"}[r.IntN(2)]}
		},
	}
	for schritt := range 60 {
		q, args := aenderungen[r.IntN(len(aenderungen))]()
		if _, err := pool.Exec(ctx, q, args...); err != nil {
			t.Fatalf("step %d: %s: %v", schritt, q, err)
		}
		if r.IntN(3) == 0 {
			kt.vorbereiten()
		}
		k, err := kt.svc.Kohorte(ctx, kt.sj)
		if err != nil {
			t.Fatal(err)
		}
		for _, limit := range []int{50, 1000} {
			nr := []string{"", "20101", "20102", ohneSchule}[r.IntN(4)]
			after := ""
			if len(k.Eintraege) > 0 && r.IntN(2) == 0 {
				after = k.Eintraege[r.IntN(len(k.Eintraege))].ID
			}
			p, err := kt.svc.Kinder(anfrage(ctx), kt.sj, auswahl(nr), after, limit)
			if err != nil {
				t.Fatal(err)
			}
			if alt := alteSeite(k, nr, after, limit); p.Next != alt.Next || !reflect.DeepEqual(p.Items, alt.Items) {
				t.Fatalf("step %d (%s %v): page of %q after %q, limit %d: %d items, next %q; from scratch %d, next %q",
					schritt, q, args, nr, after, limit, len(p.Items), p.Next, len(alt.Items), alt.Next)
			}
		}
	}
}

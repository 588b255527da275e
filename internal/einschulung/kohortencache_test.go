package einschulung

import (
	"context"
	"fmt"
	"reflect"
	"slices"
	"strconv"
	"sync"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// versionStore is a Kohortenquelle over a memStore whose every change is a
// new version; each version's data is kept to compute pages from scratch.
type versionStore struct {
	mu         sync.Mutex
	mem        memStore
	versions   []memStore
	pruefungen int
}

func (v *versionStore) aendern(f func(*memStore)) {
	v.mu.Lock()
	defer v.mu.Unlock()
	f(&v.mem)
	v.versions = append(v.versions, memStore{kinder: slices.Clone(v.mem.kinder), meldungen: slices.Clone(v.mem.meldungen)})
}

func (v *versionStore) version() int {
	v.mu.Lock()
	defer v.mu.Unlock()
	return len(v.versions) - 1
}

func (v *versionStore) Bestand(ctx context.Context, von, bis time.Time, jahre []werte.Schuljahr) (Bestand, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	m := v.versions[len(v.versions)-1]
	kinder, _ := m.Kinder(ctx, von, bis, jahre)
	meldungen, _ := m.Meldungen(ctx, jahre)
	return Bestand{Stand: strconv.Itoa(len(v.versions) - 1), Kinder: kinder, Meldungen: meldungen, Verzeichnis: testDirectory(), Schulen: testSchulen}, nil
}

func (v *versionStore) Unveraendert(_ context.Context, stand string) (bool, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	v.pruefungen++
	return stand == strconv.Itoa(len(v.versions)-1), nil
}

// The store's methods for pages computed from their candidates read the
// current version.
func (v *versionStore) Kinder(ctx context.Context, von, bis time.Time, jahre []werte.Schuljahr) ([]Kind, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mem.Kinder(ctx, von, bis, jahre)
}

func (v *versionStore) KinderSeite(ctx context.Context, von, bis, mvon, mbis time.Time, jahre []werte.Schuljahr, after string, n int, id func(string) string) ([]Kind, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mem.KinderSeite(ctx, von, bis, mvon, mbis, jahre, after, n, id)
}

func (v *versionStore) MeldungenDerKinder(ctx context.Context, jahre []werte.Schuljahr, kinder []string) ([]Meldung, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mem.MeldungenDerKinder(ctx, jahre, kinder)
}

func (v *versionStore) KinderGeborenAm(ctx context.Context, tag time.Time) ([]Kind, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mem.KinderGeborenAm(ctx, tag)
}

func (v *versionStore) Meldungen(ctx context.Context, jahre []werte.Schuljahr) ([]Meldung, error) {
	v.mu.Lock()
	defer v.mu.Unlock()
	return v.mem.Meldungen(ctx, jahre)
}

func (v *versionStore) SaveMeldung(ctx context.Context, m Meldung, id string, pruefe func(Zustand) ([]Typ, error)) (Meldung, bool, error) {
	panic("not used")
}

// Pages asked for by many requests at once while the data changes are
// each the page of a version at least as new as the one current when the
// request began (never an older one), whether served from the cache or
// computed; and the requests that wait together share checks.
func TestKohortenCacheNebenlaeufig(t *testing.T) {
	vs := &versionStore{}
	var kinder []Kind
	for i := range 120 {
		kinder = append(kinder, kind(fmt.Sprintf("k%d", i), fmt.Sprintf("2021-%02d-%02d", 1+i%6, 1+i%28),
			wohnt([]string{"Am Anger", "Rosenweg", "Kirchgasse", "Nirgendwo"}[i%4])))
	}
	vs.aendern(func(m *memStore) { m.kinder = kinder })
	svc := NewService(vs, fixed{ix: testDirectory()}, fixed{schulen: testSchulen}, GesetzlicheRegel(), mustPS(t))
	if svc.cache == nil {
		t.Fatal("no cache over a Kohortenquelle")
	}
	sj := werte.NewSchuljahr(2027)
	// Every version's pages from scratch, as the old computation gives them.
	ohne := NewService(&memStore{}, fixed{ix: testDirectory()}, fixed{schulen: testSchulen}, GesetzlicheRegel(), mustPS(t))
	seitenVon := func(version int, nr, after string) page.Page[Eintrag] {
		vs.mu.Lock()
		m := vs.versions[version]
		vs.mu.Unlock()
		o := *ohne
		o.store = &memStore{kinder: m.kinder, meldungen: m.meldungen}
		p, err := o.Kinder(context.Background(), sj, Auswahl{Schulnummer: nr}, after, 20)
		if err != nil {
			t.Error(err)
		}
		return p
	}
	ctx := context.Background()
	var wg sync.WaitGroup
	fehler := make(chan string, 100)
	for g := range 6 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range 40 {
				nr := []string{"", "20101", "20102"}[(g+i)%3]
				after := ""
				if i%2 == 1 {
					after = mustPS(t).ID(fmt.Sprintf("k%d", (g*31+i)%120))
				}
				vorher := vs.version()
				p, err := svc.Kinder(ctx, sj, Auswahl{Schulnummer: nr}, after, 20)
				nachher := vs.version()
				if err != nil {
					fehler <- err.Error()
					return
				}
				passt := false
				for v := vorher; v <= nachher && !passt; v++ {
					alt := seitenVon(v, nr, after)
					passt = p.Next == alt.Next && reflect.DeepEqual(p.Items, alt.Items)
				}
				if !passt {
					fehler <- fmt.Sprintf("page of %q after %q is of no version from %d to %d", nr, after, vorher, nachher)
					return
				}
			}
		}()
	}
	for i := range 40 {
		vs.aendern(func(m *memStore) {
			k := fmt.Sprintf("k%d", (i*7)%120)
			m.meldungen = slices.DeleteFunc(m.meldungen, func(x Meldung) bool { return x.Kind == k })
			switch i % 3 {
			case 0:
				m.meldungen = append(m.meldungen, Meldung{Schuljahr: sj, Kind: k, Typ: TypAbmeldung})
			case 1:
				m.meldungen = append(m.meldungen, Meldung{Schuljahr: sj, Kind: k, Typ: TypGastschulantrag, Schulnummer: "20102", Entscheidung: EntscheidungGenehmigt})
			}
		})
		time.Sleep(time.Millisecond)
	}
	wg.Wait()
	close(fehler)
	for f := range fehler {
		t.Error(f)
	}
	// Quiet now: the cache is rebuilt once and then serves every page.
	if _, err := svc.Vorbereiten(ctx, sj); err != nil {
		t.Fatal(err)
	}
	if neu, err := svc.Vorbereiten(ctx, sj); err != nil || neu {
		t.Fatalf("rebuilt again without a change: %v, %v", neu, err)
	}
	for _, nr := range []string{"", "20101", "20102"} {
		p, err := svc.Kinder(ctx, sj, Auswahl{Schulnummer: nr}, "", 20)
		if alt := seitenVon(vs.version(), nr, ""); err != nil || p.Next != alt.Next || !reflect.DeepEqual(p.Items, alt.Items) || len(p.Items) == 0 {
			t.Errorf("school %q: page from the cache (%d items, %v) differs from scratch (%d items)", nr, len(p.Items), err, len(alt.Items))
		}
	}
	t.Logf("%d checks for %d requests", vs.pruefungen, 6*40+3)
}

// The cache holds the cohorts of at most kohortenHoechstens school years,
// dropping the one asked for least recently.
func TestKohortenCacheHoechstens(t *testing.T) {
	vs := &versionStore{}
	vs.aendern(func(m *memStore) {
		m.kinder = []Kind{kind("a", "2021-03-01"), kind("b", "2022-03-01"), kind("c", "2023-03-01")}
	})
	svc := NewService(vs, fixed{ix: testDirectory()}, fixed{schulen: testSchulen}, GesetzlicheRegel(), mustPS(t))
	ctx := context.Background()
	gehalten := func() []int {
		svc.cache.mu.Lock()
		defer svc.cache.mu.Unlock()
		var out []int
		for y, j := range svc.cache.jahre {
			if j.stand != nil {
				out = append(out, y)
			}
		}
		slices.Sort(out)
		return out
	}
	for _, y := range []int{2027, 2028, 2029, 2027, 2030} {
		if _, err := svc.Vorbereiten(ctx, werte.NewSchuljahr(y)); err != nil {
			t.Fatal(err)
		}
		time.Sleep(time.Millisecond)
	}
	if got := gehalten(); !slices.Equal(got, []int{2027, 2029, 2030}) {
		t.Errorf("cohorts held: %v, want 2027, 2029, 2030", got)
	}
}

// A cohort kept in memory carries, in each entry, what the service's
// rendering function made of that entry; after a change the new cohort
// carries it made of the new entries, and a page computed from its
// candidates carries none.
func TestKohortenCacheRendering(t *testing.T) {
	vs := &versionStore{}
	vs.aendern(func(m *memStore) {
		m.kinder = []Kind{kind("a", "2021-03-01", wohnt("Am Anger")), kind("b", "2021-05-01", wohnt("Rosenweg")), kind("c", "2021-07-01")}
	})
	render := func(e *Eintrag) any { return e.ID + " " + e.Kind.Familienname + " " + e.Schulnummer }
	svc := NewService(vs, fixed{ix: testDirectory()}, fixed{schulen: testSchulen}, GesetzlicheRegel(), mustPS(t)).WithRendering(render)
	ctx, sj := context.Background(), werte.NewSchuljahr(2027)
	pruefe := func(wann string, items []Eintrag) {
		t.Helper()
		if len(items) == 0 {
			t.Fatalf("%s: no children", wann)
		}
		for _, e := range items {
			if want := render(&e); e.Rendered != want {
				t.Errorf("%s: %s carries %v, want %q", wann, e.ID, e.Rendered, want)
			}
		}
	}
	if _, err := svc.Vorbereiten(ctx, sj); err != nil {
		t.Fatal(err)
	}
	p, err := svc.Kinder(ctx, sj, Auswahl{}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	pruefe("from memory", p.Items)
	p, err = svc.Kinder(ctx, sj, Auswahl{Schulnummer: p.Items[0].Schulnummer}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	pruefe("a school's list from memory", p.Items)

	// A changed name: the page computed from its candidates carries none,
	// the cohort computed anew carries the new name's.
	vs.aendern(func(m *memStore) { m.kinder[0].Familienname = "Neu" })
	p, err = svc.OhneKohortenCache().Kinder(ctx, sj, Auswahl{}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	for _, e := range p.Items {
		if e.Rendered != nil {
			t.Errorf("computed from the candidates: %s carries %v", e.ID, e.Rendered)
		}
	}
	if gebaut, err := svc.Vorbereiten(ctx, sj); err != nil || !gebaut {
		t.Fatalf("not computed anew after a change (%v, %v)", gebaut, err)
	}
	p, err = svc.Kinder(ctx, sj, Auswahl{}, "", 10)
	if err != nil {
		t.Fatal(err)
	}
	pruefe("after the change", p.Items)
	if !slices.ContainsFunc(p.Items, func(e Eintrag) bool { d, _ := e.Rendered.(string); return d == e.ID+" Neu "+e.Schulnummer }) {
		t.Errorf("no entry carries the changed name: %v", p.Items)
	}
}

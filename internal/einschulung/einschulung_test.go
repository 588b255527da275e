package einschulung

import (
	"context"
	"crypto/hmac"
	"crypto/sha256"
	"encoding/base64"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// memStore is the Store as a test needs it: children and Meldungen in memory.
type memStore struct {
	kinder    []Kind
	meldungen []Meldung
}

func (m *memStore) Kinder(_ context.Context, von, bis time.Time, jahre []werte.Schuljahr) ([]Kind, error) {
	named := map[string]bool{}
	for _, x := range m.meldungen {
		if slices.Contains(jahre, x.Schuljahr) {
			named[x.Kind] = true
		}
	}
	var out []Kind
	for _, k := range m.kinder {
		if !k.Geburtsdatum.Before(von) && !k.Geburtsdatum.After(bis) {
			out = append(out, k)
		}
		if named[k.Schluessel] {
			out = append(out, k) // the store's UNION may name a child twice
		}
	}
	return out, nil
}

func (m *memStore) KinderSeite(ctx context.Context, von, bis, mvon, mbis time.Time, jahre []werte.Schuljahr, after string, n int, id func(string) string) ([]Kind, error) {
	alle, _ := m.Kinder(ctx, von, bis, jahre)
	var out []Kind
	for _, k := range alle {
		regulaer := !k.Geburtsdatum.Before(von) && !k.Geburtsdatum.After(bis)
		if !regulaer && (k.Geburtsdatum.Before(mvon) || k.Geburtsdatum.After(mbis)) {
			continue
		}
		if id(k.Schluessel) > after && !slices.ContainsFunc(out, func(o Kind) bool { return o.Schluessel == k.Schluessel }) {
			out = append(out, k)
		}
	}
	slices.SortFunc(out, func(a, b Kind) int { return strings.Compare(id(a.Schluessel), id(b.Schluessel)) })
	return out[:min(n, len(out))], nil
}

func (m *memStore) MeldungenDerKinder(ctx context.Context, jahre []werte.Schuljahr, kinder []string) ([]Meldung, error) {
	alle, _ := m.Meldungen(ctx, jahre)
	return slices.DeleteFunc(alle, func(x Meldung) bool { return !slices.Contains(kinder, x.Kind) }), nil
}

func (m *memStore) KinderGeborenAm(_ context.Context, tag time.Time) ([]Kind, error) {
	var out []Kind
	for _, k := range m.kinder {
		if k.Geburtsdatum.Equal(tag) {
			out = append(out, k)
		}
	}
	return out, nil
}

func (m *memStore) Meldungen(_ context.Context, jahre []werte.Schuljahr) ([]Meldung, error) {
	var out []Meldung
	for _, x := range m.meldungen {
		if slices.Contains(jahre, x.Schuljahr) {
			out = append(out, x)
		}
	}
	return out, nil
}

func (m *memStore) SaveMeldung(_ context.Context, x Meldung, _ string, pruefe func(Zustand) ([]Typ, error)) (Meldung, bool, error) {
	z := Zustand{}
	for _, old := range m.meldungen {
		if old.Schuljahr == x.Schuljahr && old.Kind == x.Kind {
			z[old.Typ] = old
		}
	}
	weg, err := pruefe(z)
	if err != nil {
		return Meldung{}, false, err
	}
	m.meldungen = slices.DeleteFunc(m.meldungen, func(old Meldung) bool {
		return old.Schuljahr == x.Schuljahr && old.Kind == x.Kind && slices.Contains(weg, old.Typ)
	})
	for i, old := range m.meldungen {
		if old.Schuljahr == x.Schuljahr && old.Kind == x.Kind && old.Typ == x.Typ {
			m.meldungen[i] = x
			return x, false, nil
		}
	}
	m.meldungen = append(m.meldungen, x)
	return x, true, nil
}

type fixed struct {
	ix      *schulbezirk.Index
	schulen []schule.Schule
}

func (f fixed) Index(context.Context) (*schulbezirk.Index, error) { return f.ix, nil }
func (f fixed) List(context.Context) ([]schule.Schule, error)     { return f.schulen, nil }
func n(i int) *int                                                { return &i }
func sj(y int) werte.Schuljahr                                    { return werte.NewSchuljahr(y) }
func mustPS(t testing.TB) Pseudonymizer {
	ps, err := NewPseudonymizer([]byte("0123456789abcdef0123456789abcdef"))
	if err != nil {
		t.Fatal(err)
	}
	return ps
}

var testSchulen = []schule.Schule{
	{Schulnummer: "20101", Name: "Grundschule Am Anger", Schulform: schule.Grundschule, Traeger: schule.Kommunal, Zuege: n(1), Klassenfrequenz: n(2)},
	{Schulnummer: "20102", Name: "Grundschule Rosenweg", Schulform: schule.Grundschule, Traeger: schule.Kommunal, Zuege: n(2), Klassenfrequenz: n(24)},
	{Schulnummer: "20107", Name: "Freie Grundschule Regenbogen", Schulform: schule.Grundschule, Traeger: schule.Frei},
	{Schulnummer: "20301", Name: "Gymnasium Musterstadt", Schulform: schule.Gymnasium, Traeger: schule.Kommunal},
}

// testDirectory: Am Anger belongs to 20101, Rosenweg to 20102; the
// Kirchgasse moves from 20101 to 20102 in 2028/29.
func testDirectory() *schulbezirk.Index {
	return schulbezirk.NewIndex([]schulbezirk.Regel{
		{ID: 1, Strasse: "Am Anger", Schulnummer: "20101"},
		{ID: 2, Strasse: "Rosenweg", Schulnummer: "20102"},
		{ID: 3, Strasse: "Kirchgasse", Schulnummer: "20101"},
		{ID: 4, Strasse: "Kirchgasse", Schulnummer: "20102", GueltigAb: 2028},
	})
}

func kind(key, geburt string, mods ...func(*Kind)) Kind {
	k := Kind{Schluessel: key, Familienname: "Kind " + key, Vornamen: "Vorname", Geburtsdatum: day(geburt),
		Strasse: "Am Anger", Hausnummer: "1", PLZ: "06108", Ort: "Musterstadt"}
	for _, m := range mods {
		m(&k)
	}
	return k
}

func wohnt(strasse string) func(*Kind) { return func(k *Kind) { k.Strasse = strasse } }

func newService(t testing.TB, st *memStore) *Service {
	return NewService(st, fixed{ix: testDirectory()}, fixed{schulen: testSchulen}, GesetzlicheRegel(), mustPS(t))
}

func meldung(jahr int, key string, typ Typ, mods ...func(*Meldung)) Meldung {
	m := Meldung{Schuljahr: sj(jahr), Kind: key, Typ: typ}
	if typ == TypAnmeldung || typ == TypAufnahme || typ == TypGastschulantrag {
		m.Schulnummer = "20101"
	}
	if typ == TypZurueckstellung || typ == TypGastschulantrag {
		m.Entscheidung = EntscheidungBeantragt
	}
	for _, f := range mods {
		f(&m)
	}
	return m
}

func entschieden(e Entscheidung) func(*Meldung) { return func(m *Meldung) { m.Entscheidung = e } }
func an(nr string) func(*Meldung)               { return func(m *Meldung) { m.Schulnummer = nr } }
func als(a Art) func(*Meldung)                  { return func(m *Meldung) { m.Art = a } }

// Each case is one child and the Meldungen about it; the cohort of
// 2027/28 (born 2 July 2020 – 1 July 2021) either has it with the given
// school, status and kind of admission, or does not.
func TestKohorte(t *testing.T) {
	tests := []struct {
		name      string
		kind      Kind
		meldungen []Meldung
		jahr      int
		drin      bool
		schule    string
		status    Status
		art       Art
	}{
		{name: "regular, nothing reported", kind: kind("a", "2021-03-04"), jahr: 2027, drin: true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "born 30 June", kind: kind("a", "2021-06-30"), jahr: 2027, drin: true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "born 1 July", kind: kind("a", "2021-07-01"), jahr: 2027, drin: true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "born 2 July: next year's", kind: kind("a", "2021-07-02"), jahr: 2027},
		{name: "born 2 July, a year older: first of the cohort", kind: kind("a", "2020-07-02"), jahr: 2027, drin: true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "born 1 July, a year older: last year's", kind: kind("a", "2020-07-01"), jahr: 2027},
		{name: "29 February", kind: kind("a", "2020-02-29"), jahr: 2026, drin: true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "29 February is last year's a year later", kind: kind("a", "2020-02-29"), jahr: 2027},
		{name: "deferred last year", kind: kind("a", "2020-05-05"), jahr: 2027,
			meldungen: []Meldung{meldung(2026, "a", TypZurueckstellung, entschieden(EntscheidungGenehmigt))},
			drin:      true, schule: "20101", status: StatusErwartet, art: ArtNachZurueckstellung},
		{name: "deferral only applied for last year", kind: kind("a", "2020-05-05"), jahr: 2027,
			meldungen: []Meldung{meldung(2026, "a", TypZurueckstellung)}},
		{name: "deferral refused last year", kind: kind("a", "2020-05-05"), jahr: 2027,
			meldungen: []Meldung{meldung(2026, "a", TypZurueckstellung, entschieden(EntscheidungAbgelehnt))}},
		{name: "deferred last year, registered now", kind: kind("a", "2020-05-05"), jahr: 2027,
			meldungen: []Meldung{meldung(2026, "a", TypZurueckstellung, entschieden(EntscheidungGenehmigt)), meldung(2027, "a", TypAnmeldung)},
			drin:      true, schule: "20101", status: StatusAngemeldet, art: ArtNachZurueckstellung},
		{name: "deferred elsewhere, moved in", kind: kind("a", "2020-05-05"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypAnmeldung, als(ArtNachZurueckstellung))},
			drin:      true, schule: "20101", status: StatusAngemeldet, art: ArtNachZurueckstellung},
		{name: "deferred this year: still in this year's list", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypZurueckstellung, entschieden(EntscheidungGenehmigt))},
			drin:      true, schule: "20101", status: StatusZurueckgestellt, art: ArtZurueckstellungErfolgt},
		{name: "deferral carried over into next year", kind: kind("a", "2021-03-04"), jahr: 2028,
			meldungen: []Meldung{meldung(2027, "a", TypZurueckstellung, entschieden(EntscheidungGenehmigt))},
			drin:      true, schule: "20101", status: StatusErwartet, art: ArtNachZurueckstellung},
		{name: "deferral wished", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypAnmeldung), meldung(2027, "a", TypZurueckstellung)},
			drin:      true, schule: "20101", status: StatusAngemeldet, art: ArtZurueckstellungGewuenscht},
		{name: "deferral refused", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypAnmeldung), meldung(2027, "a", TypZurueckstellung, entschieden(EntscheidungAbgelehnt))},
			drin:      true, schule: "20101", status: StatusAngemeldet, art: ArtRegeleinschulung},
		{name: "admitted after wishing a deferral", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypZurueckstellung), meldung(2027, "a", TypAufnahme, als(ArtInklusion))},
			drin:      true, schule: "20101", status: StatusAufgenommen, art: ArtInklusion},
		{name: "early entry without application", kind: kind("a", "2021-09-09"), jahr: 2027},
		{name: "early entry applied for", kind: kind("a", "2021-09-09"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypAnmeldung)},
			drin:      true, schule: "20101", status: StatusVorzeitig, art: ArtVorzeitig},
		{name: "early entry admitted", kind: kind("a", "2021-09-09"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypAnmeldung), meldung(2027, "a", TypAufnahme)},
			drin:      true, schule: "20101", status: StatusAufgenommen, art: ArtVorzeitig},
		{name: "moved away", kind: kind("a", "2021-03-04", func(k *Kind) { k.Weggezogen = true }), jahr: 2027},
		{name: "moving away on record", kind: kind("a", "2021-03-04", func(k *Kind) { k.Wegzug = day("2027-03-01") }), jahr: 2027},
		{name: "moved away and back", kind: kind("a", "2021-03-04", func(k *Kind) { k.Wegzug, k.Zuzug = day("2026-03-01"), day("2027-01-15") }), jahr: 2027,
			drin: true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "moved in after the registration deadline", kind: kind("a", "2021-03-04", func(k *Kind) { k.Zuzug = day("2026-05-20") }), jahr: 2027,
			drin: true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "no rule places the address", kind: kind("a", "2021-03-04", wohnt("Neue Straße")), jahr: 2027,
			drin: true, schule: "", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "directory valid for the year", kind: kind("a", "2021-03-04", wohnt("Kirchgasse")), jahr: 2027,
			drin: true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "directory valid for the next year", kind: kind("a", "2022-03-04", wohnt("Kirchgasse")), jahr: 2028,
			drin: true, schule: "20102", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "Gastschulantrag open", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypGastschulantrag, an("20102"))},
			drin:      true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "Gastschulantrag approved", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypGastschulantrag, an("20102"), entschieden(EntscheidungGenehmigt))},
			drin:      true, schule: "20102", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "Gastschulantrag refused", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypGastschulantrag, an("20102"), entschieden(EntscheidungAbgelehnt))},
			drin:      true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
		{name: "free school", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypAnmeldung, an("20107"))},
			drin:      true, schule: "20101", status: StatusFreieSchule, art: ArtFreieSchule},
		{name: "deregistered", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2027, "a", TypAnmeldung), meldung(2027, "a", TypAbmeldung)},
			drin:      true, schule: "20101", status: StatusAbgemeldet, art: ArtRegeleinschulung},
		{name: "last year's Meldungen say nothing about this year", kind: kind("a", "2021-03-04"), jahr: 2027,
			meldungen: []Meldung{meldung(2026, "a", TypAnmeldung)},
			drin:      true, schule: "20101", status: StatusErwartet, art: ArtRegeleinschulung},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &memStore{kinder: []Kind{tt.kind}, meldungen: tt.meldungen}
			k, err := newService(t, st).Kohorte(context.Background(), sj(tt.jahr))
			if err != nil {
				t.Fatal(err)
			}
			if !tt.drin {
				if len(k.Eintraege) != 0 {
					t.Fatalf("child in the cohort: %+v", k.Eintraege[0])
				}
				return
			}
			if len(k.Eintraege) != 1 {
				t.Fatalf("%d entries, want the child once", len(k.Eintraege))
			}
			e := k.Eintraege[0]
			if e.Schulnummer != tt.schule || e.Status != tt.status || e.Art != tt.art {
				t.Errorf("got school %q, status %s, art %s; want %q, %s, %s", e.Schulnummer, e.Status, e.Art.Label(), tt.schule, tt.status, tt.art.Label())
			}
		})
	}
}

func TestIDsArePseudonymousAndStable(t *testing.T) {
	ps := mustPS(t)
	other, _ := NewPseudonymizer([]byte("another key of at least 32 bytes!!"))
	id := ps.ID("om:OM100000")
	if id != ps.ID("om:OM100000") || !GueltigeID(id) || strings.Contains(id, "OM100000") {
		t.Errorf("id %q", id)
	}
	if id == ps.ID("om:OM100001") || id == other.ID("om:OM100000") {
		t.Error("ids of different children or keys collide")
	}
	// The documented definition, so ids stay the same across versions:
	// HMAC-SHA256 under the key, base64url without padding; also when
	// many goroutines ask at once (an import and the API).
	want := func(k string) string {
		mac := hmac.New(sha256.New, []byte("0123456789abcdef0123456789abcdef"))
		mac.Write([]byte(k))
		return base64.RawURLEncoding.EncodeToString(mac.Sum(nil))
	}
	var wg sync.WaitGroup
	for g := range 8 {
		wg.Go(func() {
			for i := range 200 {
				k := fmt.Sprintf("om:OM%d", g*1000+i)
				if got := ps.ID(k); got != want(k) {
					t.Errorf("ID(%s) = %q, want %q", k, got, want(k))
				}
			}
		})
	}
	wg.Wait()
	for _, bad := range []string{"", "om:OM100000", id[:42], id + "A", strings.Replace(id, id[:1], "+", 1)} {
		if GueltigeID(bad) {
			t.Errorf("%q taken for an id", bad)
		}
	}
	if _, err := NewPseudonymizer([]byte("short")); err == nil {
		t.Error("short key accepted")
	}
	key, err := ParsePseudonymKey("MDEyMzQ1Njc4OWFiY2RlZjAxMjM0NTY3ODlhYmNkZWY=")
	if err != nil || string(key) != "0123456789abcdef0123456789abcdef" {
		t.Errorf("key %q, %v", key, err)
	}
	for _, bad := range []string{"c2hvcnQ=", "not base64!", ""} {
		if _, err := ParsePseudonymKey(bad); err == nil {
			t.Errorf("%q accepted as key", bad)
		}
	}
}

func cohort(t *testing.T, n int) *memStore {
	st := &memStore{}
	for i := range n {
		strasse := []string{"Am Anger", "Rosenweg", "Neue Straße"}[i%3]
		st.kinder = append(st.kinder, kind(fmt.Sprint(i), "2021-01-01", wohnt(strasse)))
	}
	return st
}

func TestKinderPages(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, cohort(t, 10))
	var all []string
	cursor := ""
	for range 10 {
		p, err := svc.Kinder(ctx, sj(2027), Auswahl{}, cursor, 3)
		if err != nil {
			t.Fatal(err)
		}
		for _, e := range p.Items {
			all = append(all, e.ID)
		}
		if p.Next == "" {
			break
		}
		if len(p.Items) != 3 || p.Next != p.Items[2].ID {
			t.Fatalf("page of %d, next %q", len(p.Items), p.Next)
		}
		cursor = p.Next
	}
	if len(all) != 10 || !slices.IsSorted(all) || len(slices.Compact(slices.Clone(all))) != 10 {
		t.Errorf("pages gave %d ids: %v", len(all), all)
	}
	p, err := svc.Kinder(ctx, sj(2027), Auswahl{Schulnummer: "20102"}, "", 100)
	if err != nil || len(p.Items) != 3 || p.Next != "" {
		t.Fatalf("filter by school: %d, %v", len(p.Items), err)
	}
	for _, e := range p.Items {
		if e.Schulnummer != "20102" {
			t.Errorf("child of %s in the list of 20102", e.Schulnummer)
		}
	}
	if p, _ := svc.Kinder(ctx, sj(2027), Auswahl{}, all[9], 3); len(p.Items) != 0 {
		t.Errorf("after the last id: %d", len(p.Items))
	}
	if _, err := svc.Kinder(ctx, sj(2027), Auswahl{Schulnummer: "99999"}, "", 3); !isKind(err, apperr.ClassNotFound) {
		t.Errorf("unknown school: %v", err)
	}
	if _, err := svc.Kinder(ctx, sj(2027), Auswahl{}, "kaputt", 3); !isKind(err, apperr.ClassInvalid) {
		t.Errorf("bad after: %v", err)
	}
}

func isKind(err error, k apperr.Class) bool {
	e, ok := apperr.As(err)
	return ok && e.Class == k
}

func TestUebersicht(t *testing.T) {
	st := cohort(t, 9) // 3 each at 20101, 20102 and nowhere
	st.meldungen = []Meldung{
		meldung(2027, "0", TypAnmeldung),
		meldung(2027, "3", TypAufnahme),
		meldung(2027, "1", TypZurueckstellung, entschieden(EntscheidungGenehmigt)),
	}
	u, err := newService(t, st).Uebersicht(context.Background(), sj(2027))
	if err != nil {
		t.Fatal(err)
	}
	if u.Kinder != 9 || u.OhneSchule != 3 || len(u.Schulen) != 2 {
		t.Fatalf("overview: %+v", u)
	}
	a, r := u.Schulen[0], u.Schulen[1]
	if a.Schule.Schulnummer != "20101" || a.Anzahl[StatusAngemeldet] != 1 || a.Anzahl[StatusAufgenommen] != 1 || a.Anzahl[StatusErwartet] != 1 ||
		a.Nachfrage != 3 || *a.Kapazitaet != 2 || !a.UeberKapazitaet {
		t.Errorf("20101: %+v", a)
	}
	if r.Schule.Schulnummer != "20102" || r.Anzahl[StatusZurueckgestellt] != 1 || r.Nachfrage != 2 || *r.Kapazitaet != 48 || r.UeberKapazitaet {
		t.Errorf("20102: %+v", r)
	}
}

func TestListenSortedByName(t *testing.T) {
	st := &memStore{}
	for i, name := range []string{"Özdemir", "Ohm", "Oehler", "Müller", "Mueller-Lüdenscheid", "Muller", "zu Hohenlohe", "Ahrens"} {
		st.kinder = append(st.kinder, kind(fmt.Sprint(i), "2021-01-01", func(k *Kind) { k.Familienname = name }))
	}
	st.kinder = append(st.kinder, kind("x", "2021-01-01", wohnt("Neue Straße")))
	ls, err := newService(t, st).Listen(context.Background(), sj(2027), "")
	if err != nil {
		t.Fatal(err)
	}
	if len(ls) != 3 || ls[0].Schule.Schulnummer != "20101" || ls[1].Schule.Schulnummer != "20102" || ls[2].Schule.Schulnummer != "" {
		t.Fatalf("lists: %d", len(ls))
	}
	var got []string
	for _, e := range ls[0].Eintraege {
		got = append(got, e.Kind.Familienname)
	}
	want := []string{"Ahrens", "Müller", "Mueller-Lüdenscheid", "Muller", "Oehler", "Özdemir", "Ohm", "zu Hohenlohe"}
	if !slices.Equal(got, want) {
		t.Errorf("order %v, want %v", got, want)
	}
	if len(ls[1].Eintraege) != 0 || len(ls[2].Eintraege) != 1 {
		t.Errorf("20102 has %d, without school %d", len(ls[1].Eintraege), len(ls[2].Eintraege))
	}
	one, err := newService(t, st).Listen(context.Background(), sj(2027), "20102")
	if err != nil || len(one) != 1 || one[0].Schule.Name != "Grundschule Rosenweg" {
		t.Errorf("one school: %+v, %v", one, err)
	}
}

func TestMelde(t *testing.T) {
	ctx := context.Background()
	regular := kind("reg", "2021-03-04")
	early := kind("early", "2021-09-09", func(k *Kind) { k.Familienname, k.Vornamen, k.Rufname = "Lößner", "Niklas Moritz", "Moritz" })
	older := kind("older", "2020-05-05")
	young := kind("young", "2023-01-01")
	gone := kind("gone", "2021-04-04", func(k *Kind) { k.Weggezogen = true })
	nowhere := kind("nowhere", "2021-04-05", wohnt("Neue Straße"))
	ps := mustPS(t)
	id := ps.ID
	person := func(k Kind) *PersonEingabe {
		return &PersonEingabe{Familienname: k.Familienname, Vornamen: k.Vornamen, Geburtsdatum: k.Geburtsdatum.Format(time.DateOnly)}
	}
	tests := []struct {
		name     string
		in       Eingabe
		schulamt bool
		before   []Meldung
		err      error        // errors.Is
		kind     apperr.Class // or an apperr of this kind
		pointers []string
		check    func(t *testing.T, r Ergebnis, k *Kohorte)
	}{
		{name: "registration", in: Eingabe{KindID: id("reg"), Typ: "anmeldung", Schulnummer: "20101"},
			check: func(t *testing.T, r Ergebnis, k *Kohorte) {
				if !r.Neu || r.KindID != id("reg") || r.Meldung.Kind != "reg" || status(k, "reg") != StatusAngemeldet {
					t.Errorf("%+v, status %s", r, status(k, "reg"))
				}
			}},
		{name: "every fault at once", in: Eingabe{Typ: "anmelden", Art: "regel", Entscheidung: "ja", Schulnummer: "12"}, kind: apperr.ClassInvalid,
			pointers: []string{"/kind_id", "/typ", "/schulnummer", "/art", "/entscheidung"}},
		{name: "art must be the code list's", in: Eingabe{KindID: id("reg"), Typ: "anmeldung", Schulnummer: "20101", Art: "regeleinschulung"}, kind: apperr.ClassInvalid, pointers: []string{"/art"}},
		{name: "both id and person", in: Eingabe{KindID: id("reg"), Person: person(regular), Typ: "abmeldung"}, kind: apperr.ClassInvalid, pointers: []string{"/person"}},
		{name: "person without birth date", in: Eingabe{Person: &PersonEingabe{Familienname: "X", Vornamen: "Y", Geburtsdatum: "04.03.2021"}, Typ: "abmeldung"}, kind: apperr.ClassInvalid, pointers: []string{"/person/geburtsdatum"}},
		{name: "school required", in: Eingabe{KindID: id("reg"), Typ: "aufnahme"}, kind: apperr.ClassInvalid, pointers: []string{"/schulnummer"}},
		{name: "unknown id", in: Eingabe{KindID: id("nobody"), Typ: "abmeldung"}, kind: apperr.ClassInvalid, pointers: []string{"/kind_id"}},
		{name: "unknown school", in: Eingabe{KindID: id("reg"), Typ: "anmeldung", Schulnummer: "99999"}, kind: apperr.ClassInvalid, pointers: []string{"/schulnummer"}},
		{name: "not a Grundschule", in: Eingabe{KindID: id("reg"), Typ: "anmeldung", Schulnummer: "20301"}, kind: apperr.ClassInvalid, pointers: []string{"/schulnummer"}},
		{name: "regular child cannot enter early", in: Eingabe{KindID: id("reg"), Typ: "anmeldung", Schulnummer: "20101", Art: string(ArtVorzeitig)}, kind: apperr.ClassInvalid, pointers: []string{"/art"}},
		{name: "regular child was not deferred", in: Eingabe{KindID: id("reg"), Typ: "anmeldung", Schulnummer: "20101", Art: string(ArtNachZurueckstellung)}, kind: apperr.ClassInvalid, pointers: []string{"/art"}},
		{name: "other school needs a Gastschulantrag", in: Eingabe{KindID: id("reg"), Typ: "anmeldung", Schulnummer: "20102"}, kind: apperr.ClassConflict},
		{name: "other school after an approved Gastschulantrag", in: Eingabe{KindID: id("reg"), Typ: "aufnahme", Schulnummer: "20102"},
			before: []Meldung{meldung(2027, "reg", TypGastschulantrag, an("20102"), entschieden(EntscheidungGenehmigt))},
			check: func(t *testing.T, _ Ergebnis, k *Kohorte) {
				if status(k, "reg") != StatusAufgenommen {
					t.Errorf("status %s", status(k, "reg"))
				}
			}},
		{name: "free school needs no Gastschulantrag", in: Eingabe{KindID: id("reg"), Typ: "anmeldung", Schulnummer: "20107"},
			check: func(t *testing.T, _ Ergebnis, k *Kohorte) {
				if status(k, "reg") != StatusFreieSchule {
					t.Errorf("status %s", status(k, "reg"))
				}
			}},
		{name: "Gastschulantrag for the Bezirk's own school", in: Eingabe{KindID: id("reg"), Typ: "gastschulantrag", Schulnummer: "20101"}, kind: apperr.ClassInvalid, pointers: []string{"/schulnummer"}},
		{name: "Gastschulantrag for a free school", in: Eingabe{KindID: id("reg"), Typ: "gastschulantrag", Schulnummer: "20107"}, kind: apperr.ClassInvalid, pointers: []string{"/schulnummer"}},
		{name: "Gastschulantrag applied for by the BMS", in: Eingabe{KindID: id("reg"), Typ: "gastschulantrag", Schulnummer: "20102"},
			check: func(t *testing.T, r Ergebnis, k *Kohorte) {
				if r.Meldung.Entscheidung != EntscheidungBeantragt || schulnummer(k, "reg") != "20101" {
					t.Errorf("%+v", r.Meldung)
				}
			}},
		{name: "the BMS may not decide a Gastschulantrag", in: Eingabe{KindID: id("reg"), Typ: "gastschulantrag", Schulnummer: "20102", Entscheidung: "genehmigt"}, err: ErrEntscheidungNurSchulamt},
		{name: "the BMS may not refuse one either", in: Eingabe{KindID: id("reg"), Typ: "gastschulantrag", Schulnummer: "20102", Entscheidung: "abgelehnt"}, err: ErrEntscheidungNurSchulamt},
		{name: "the school office decides", in: Eingabe{KindID: id("reg"), Typ: "gastschulantrag", Schulnummer: "20102", Entscheidung: "genehmigt"}, schulamt: true,
			check: func(t *testing.T, _ Ergebnis, k *Kohorte) {
				if schulnummer(k, "reg") != "20102" {
					t.Errorf("school %s", schulnummer(k, "reg"))
				}
			}},
		{name: "early entry by name and birth date", in: Eingabe{Person: &PersonEingabe{Familienname: "LOESSNER", Vornamen: "Moritz", Geburtsdatum: "2021-09-09"}, Typ: "anmeldung", Schulnummer: "20101"},
			check: func(t *testing.T, r Ergebnis, k *Kohorte) {
				if r.KindID != id("early") || status(k, "early") != StatusVorzeitig || art(k, "early") != ArtVorzeitig {
					t.Errorf("%+v: status %s", r, status(k, "early"))
				}
			}},
		{name: "early entry cannot be a regular one", in: Eingabe{Person: person(early), Typ: "anmeldung", Schulnummer: "20101", Art: string(ArtRegeleinschulung)}, schulamt: true, kind: apperr.ClassInvalid, pointers: []string{"/art"}},
		{name: "early child cannot be deferred", in: Eingabe{Person: person(early), Typ: "zurueckstellung"}, schulamt: true, kind: apperr.ClassConflict},
		{name: "too young", in: Eingabe{Person: person(young), Typ: "anmeldung", Schulnummer: "20101"}, schulamt: true, kind: apperr.ClassConflict},
		{name: "last year's child not deferred here", in: Eingabe{Person: person(older), Typ: "anmeldung", Schulnummer: "20101"}, schulamt: true, kind: apperr.ClassConflict},
		{name: "last year's child deferred elsewhere", in: Eingabe{Person: person(older), Typ: "anmeldung", Schulnummer: "20101", Art: string(ArtNachZurueckstellung)},
			check: func(t *testing.T, _ Ergebnis, k *Kohorte) {
				if art(k, "older") != ArtNachZurueckstellung {
					t.Errorf("art %s", art(k, "older"))
				}
			}},
		{name: "a child deferred last year is no regular entrant", in: Eingabe{KindID: id("older"), Typ: "anmeldung", Schulnummer: "20101", Art: string(ArtRegeleinschulung)},
			before: []Meldung{meldung(2026, "older", TypZurueckstellung, entschieden(EntscheidungGenehmigt))}, kind: apperr.ClassInvalid, pointers: []string{"/art"}},
		{name: "a child deferred elsewhere stays in the cohort when admitted with another art", in: Eingabe{Person: person(older), Typ: "aufnahme", Schulnummer: "20101", Art: string(ArtInklusion)},
			before: []Meldung{meldung(2027, "older", TypAnmeldung, als(ArtNachZurueckstellung))},
			check: func(t *testing.T, _ Ergebnis, k *Kohorte) {
				if status(k, "older") != StatusAufgenommen || art(k, "older") != ArtInklusion {
					t.Errorf("status %s, art %s", status(k, "older"), art(k, "older"))
				}
			}},
		{name: "moved away", in: Eingabe{Person: person(gone), Typ: "anmeldung", Schulnummer: "20101"}, schulamt: true, kind: apperr.ClassConflict},
		{name: "unknown person", in: Eingabe{Person: &PersonEingabe{Familienname: "Niemand", Vornamen: "Nie", Geburtsdatum: "2021-03-04"}, Typ: "abmeldung"}, schulamt: true, kind: apperr.ClassInvalid, pointers: []string{"/person"}},
		{name: "no school by the directory: any Grundschule", in: Eingabe{KindID: id("nowhere"), Typ: "anmeldung", Schulnummer: "20102"},
			check: func(t *testing.T, _ Ergebnis, k *Kohorte) {
				if status(k, "nowhere") != StatusAngemeldet {
					t.Errorf("status %s", status(k, "nowhere"))
				}
			}},
		{name: "the same Meldung again replaces it", in: Eingabe{KindID: id("reg"), Typ: "zurueckstellung", Entscheidung: "genehmigt"},
			before: []Meldung{meldung(2027, "reg", TypZurueckstellung)},
			check: func(t *testing.T, r Ergebnis, k *Kohorte) {
				if r.Neu || status(k, "reg") != StatusZurueckgestellt {
					t.Errorf("new %v, status %s", r.Neu, status(k, "reg"))
				}
			}},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			st := &memStore{kinder: []Kind{regular, early, older, young, gone, nowhere}, meldungen: slices.Clone(tt.before)}
			svc := newService(t, st)
			r, err := svc.Melde(ctx, sj(2027), tt.in, tt.schulamt)
			switch {
			case tt.err != nil:
				if !errors.Is(err, tt.err) {
					t.Fatalf("got %v, want %v", err, tt.err)
				}
				return
			case tt.kind != 0:
				e, ok := apperr.As(err)
				if !ok || e.Class != tt.kind {
					t.Fatalf("got %v, want apperr kind %d", err, tt.kind)
				}
				var got []string
				for _, f := range e.Fields {
					got = append(got, f.Pointer)
				}
				if !slices.Equal(got, tt.pointers) {
					t.Errorf("fields %v, want %v", got, tt.pointers)
				}
				if len(st.meldungen) != len(tt.before) {
					t.Error("a refused Meldung was stored")
				}
				return
			case err != nil:
				t.Fatal(err)
			}
			k, err := svc.Kohorte(ctx, sj(2027))
			if err != nil {
				t.Fatal(err)
			}
			tt.check(t, r, k)
		})
	}
}

func eintrag(k *Kohorte, key string) Eintrag {
	for _, e := range k.Eintraege {
		if e.Kind.Schluessel == key {
			return e
		}
	}
	return Eintrag{}
}

func status(k *Kohorte, key string) Status      { return eintrag(k, key).Status }
func art(k *Kohorte, key string) Art            { return eintrag(k, key).Art }
func schulnummer(k *Kohorte, key string) string { return eintrag(k, key).Schulnummer }

// The BMS learns nothing of the register beyond the cohort: for a child
// named by name and birth date that is not in the cohort, every refusal –
// unknown, moved away, too young, of last year, ambiguous, or a Meldung
// that does not fit it – is the same answer; the school office is told
// why. Nothing is stored.
func TestMeldeTellsTheBMSNothingOfTheRegister(t *testing.T) {
	ctx := context.Background()
	gone := kind("gone", "2021-04-04", func(k *Kind) { k.Familienname, k.Vornamen, k.Weggezogen = "Fort", "Fiete", true })
	young := kind("young", "2023-01-01", func(k *Kind) { k.Familienname, k.Vornamen = "Klein", "Kai" })
	older := kind("older", "2020-05-05", func(k *Kind) { k.Familienname, k.Vornamen = "Alt", "Anna" })
	early := kind("early", "2021-09-09", func(k *Kind) { k.Familienname, k.Vornamen = "Früh", "Frida" })
	twin1 := kind("twin1", "2021-10-10", func(k *Kind) { k.Familienname, k.Vornamen = "Zwilling", "Zoe" })
	twin2 := kind("twin2", "2021-10-10", func(k *Kind) { k.Familienname, k.Vornamen = "Zwilling", "Zoe" })
	sperre := kind("sperre", "2021-08-08", func(k *Kind) {
		k.Familienname, k.Vornamen, k.Auskunftssperre, k.Weggezogen = "Geheim", "Gesa", true, true
	})
	anmeldung := func(name, vorname, geburt string, art Art) Eingabe {
		return Eingabe{Person: &PersonEingabe{Familienname: name, Vornamen: vorname, Geburtsdatum: geburt}, Typ: "anmeldung", Schulnummer: "20101", Art: string(art)}
	}
	cases := []struct {
		name string
		in   Eingabe
	}{
		{"not in the register", anmeldung("Niemand", "Nie", "2021-04-04", "")},
		{"moved away", anmeldung("Fort", "Fiete", "2021-04-04", "")},
		{"moved away, under an Auskunftssperre", anmeldung("Geheim", "Gesa", "2021-08-08", "")},
		{"too young", anmeldung("Klein", "Kai", "2023-01-01", "")},
		{"not in the register, too young", anmeldung("Keiner", "Kai", "2023-01-01", "")},
		{"last year's, not deferred here", anmeldung("Alt", "Anna", "2020-05-05", "")},
		{"early, with the wrong art", anmeldung("Früh", "Frida", "2021-09-09", ArtRegeleinschulung)},
		{"not in the register, early birth date", anmeldung("Niemand", "Nie", "2021-09-09", ArtRegeleinschulung)},
		{"ambiguous", anmeldung("Zwilling", "Zoe", "2021-10-10", "")},
		{"early child, a deferral", Eingabe{Person: &PersonEingabe{Familienname: "Früh", Vornamen: "Frida", Geburtsdatum: "2021-09-09"}, Typ: "zurueckstellung"}},
	}
	var first *apperr.Error
	for _, tc := range cases {
		st := &memStore{kinder: []Kind{gone, young, older, early, twin1, twin2, sperre}}
		svc := newService(t, st)
		_, err := svc.Melde(ctx, sj(2027), tc.in, false)
		e, ok := apperr.As(err)
		if !ok || e.Class != apperr.ClassInvalid || len(e.Fields) != 1 || e.Fields[0].Pointer != "/person" || e.Fields[0].Code != "kind_nicht_meldbar" {
			t.Errorf("%s: BMS got %v %+v", tc.name, err, e)
			continue
		}
		if first == nil {
			first = e
		} else if e.Detail != first.Detail || e.Fields[0] != first.Fields[0] {
			t.Errorf("%s: another answer than for %q: %+v", tc.name, cases[0].name, e)
		}
		if len(st.meldungen) != 0 {
			t.Errorf("%s: stored %+v", tc.name, st.meldungen)
		}
		// The school office is told why.
		_, err = svc.Melde(ctx, sj(2027), tc.in, true)
		if e, ok := apperr.As(err); !ok || len(e.Fields) > 0 && e.Fields[0].Code == "kind_nicht_meldbar" || e.Detail == first.Detail {
			t.Errorf("%s: school office got %v", tc.name, err)
		}
	}
	// What the cohort tells the BMS anyway is no secret: a child in it may
	// be named by name, and its refusals keep their reason.
	regular := kind("reg", "2021-03-04", func(k *Kind) { k.Familienname, k.Vornamen = "Regel", "Rita" })
	svc := newService(t, &memStore{kinder: []Kind{regular}})
	_, err := svc.Melde(ctx, sj(2027), anmeldung("Regel", "Rita", "2021-03-04", ArtVorzeitig), false)
	if e, ok := apperr.As(err); !ok || len(e.Fields) != 1 || e.Fields[0].Pointer != "/art" {
		t.Errorf("child of the cohort: %v", err)
	}
	// And an early entry by name still works for the BMS.
	st := &memStore{kinder: []Kind{early}}
	if r, err := newService(t, st).Melde(ctx, sj(2027), anmeldung("Früh", "Frida", "2021-09-09", ""), false); err != nil || !r.Neu {
		t.Errorf("early entry: %+v %v", r, err)
	}
}

// The children the overview counts as ohne Schule are the ones the list
// gives with OhneSchule, page by page; with a school as well it is refused.
func TestKinderOhneSchule(t *testing.T) {
	ctx := context.Background()
	svc := newService(t, cohort(t, 9)) // 3 each at 20101, 20102 and nowhere
	u, err := svc.Uebersicht(ctx, sj(2027))
	if err != nil {
		t.Fatal(err)
	}
	var ohne []Eintrag
	after := ""
	for range 5 {
		p, err := svc.Kinder(ctx, sj(2027), Auswahl{OhneSchule: true}, after, 2)
		if err != nil {
			t.Fatal(err)
		}
		ohne = append(ohne, p.Items...)
		if after = p.Next; after == "" {
			break
		}
	}
	if len(ohne) != u.OhneSchule || len(ohne) != 3 {
		t.Fatalf("%d children without school listed, the overview counts %d", len(ohne), u.OhneSchule)
	}
	for _, e := range ohne {
		if e.Schulnummer != "" {
			t.Errorf("child of %s among those without school", e.Schulnummer)
		}
	}
	if _, err := svc.Kinder(ctx, sj(2027), Auswahl{OhneSchule: true, Schulnummer: "20101"}, "", 2); !isKind(err, apperr.ClassInvalid) {
		t.Errorf("ohne_schule with a school: %v", err)
	}
}

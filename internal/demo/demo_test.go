package demo

import (
	"bytes"
	"reflect"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/werte"

	"github.com/schulgateway/schulgateway/internal/schule"
)

func TestDemoSchoolsAreValidAndComplete(t *testing.T) {
	count := map[schule.Schulform]int{}
	known := map[string]bool{}
	for _, s := range Schulen() {
		s.Normalize()
		if err := s.Validate(); err != nil {
			t.Errorf("%s: %v", s.Schulnummer, err)
		}
		if known[s.Schulnummer] {
			t.Errorf("Schulnummer %s twice", s.Schulnummer)
		}
		known[s.Schulnummer] = true
		count[s.Schulform]++
	}
	if count[schule.Grundschule] < 6 || count[schule.Sekundarschule] < 2 || count[schule.Gymnasium] < 1 {
		t.Errorf("demo city has %v; the foundation issue asks for ≥6 Grundschulen, ≥2 Sekundarschulen, ≥1 Gymnasium", count)
	}
	for _, r := range Strassenverzeichnis() {
		if !known[r.Schulnummer] {
			t.Errorf("directory row %s names unknown school %s", r.Strasse, r.Schulnummer)
		}
	}
}

// The same school year gives the same city, byte for byte: seed-demo
// relies on it to see that a list is loaded already.
func TestErzeugeIsRepeatable(t *testing.T) {
	a, b := Erzeuge(2026), Erzeuge(2026)
	if !reflect.DeepEqual(a, b) {
		t.Fatal("two cities of 2026 differ")
	}
	la, lb := a.Listen(), b.Listen()
	for i := range la {
		if !bytes.Equal(la[i].Inhalt, lb[i].Inhalt) || la[i].Dateiname != lb[i].Dateiname {
			t.Errorf("list %s differs between two runs", la[i].Dateiname)
		}
	}
	if c := Erzeuge(2027); reflect.DeepEqual(c.Kinder, a.Kinder) {
		t.Error("the city of 2027 has the same children as that of 2026")
	}
}

func TestStadtIsCoherent(t *testing.T) {
	const y = 2026
	s := Erzeuge(y)
	if n := len(s.Kinder); n < 2500 || n > 4000 {
		t.Errorf("%d children, want a few thousand", n)
	}
	ix := Index()
	om, person, gemeinschaft := map[string]bool{}, map[string]bool{}, map[string]int{}
	alter := map[int]int{}
	ohneBezirk, sperre := 0, 0
	for _, k := range s.Kinder {
		if om[k.Ordnungsmerkmal] {
			t.Errorf("Ordnungsmerkmal %s twice", k.Ordnungsmerkmal)
		}
		om[k.Ordnungsmerkmal] = true
		key := k.Familienname + "|" + k.Vornamen + "|" + k.Geburtsdatum.String()
		if person[key] {
			t.Errorf("two children with the same name and birth date (%s)", k.Ordnungsmerkmal)
		}
		person[key] = true
		alter[y-k.Geburtsdatum.Year()]++
		// Regular cohort of its entry year, by § 37 (1) with the BGB's count.
		if h := einschulung.GesetzlicheRegel().Herkunft(k.Geburtsdatum, werte.NewSchuljahr(k.Einschulung)); h != einschulung.Regulaer {
			t.Errorf("%s born %s is not in the regular cohort %d", k.Ordnungsmerkmal, k.Geburtsdatum.Format(time.DateOnly), k.Einschulung)
		}
		if bezirk(ix, k.Strasse, k.Hausnummer, k.PLZ, y) == "" {
			ohneBezirk++
			if k.Strasse != "Auenweg" {
				t.Errorf("%s lives at an address no Bezirk covers", k.Ordnungsmerkmal)
			}
		}
		if k.Auskunftssperre {
			sperre++
		}
		for _, g := range gemeinschaften {
			if slices.Contains(g.familie, k.Familienname) || g.weiblich != nil && slices.ContainsFunc(g.familie, func(f string) bool { return g.weiblich(f) == k.Familienname }) {
				gemeinschaft[g.name]++
			}
		}
	}
	for a := 0; a <= 17; a++ {
		if alter[a] < 100 && !(a == 0 && alter[a] > 50) { // born up to 1 July of this year
			t.Errorf("only %d children born in %d", alter[a], y-a)
		}
	}
	if ohneBezirk == 0 || ohneBezirk > 60 || sperre == 0 {
		t.Errorf("%d children without a Bezirk (the new estate), %d with an Auskunftssperre", ohneBezirk, sperre)
	}
	for _, g := range gemeinschaften {
		if gemeinschaft[g.name] < 20 {
			t.Errorf("only %d children of the %s community", gemeinschaft[g.name], g.name)
		}
	}

	// Pupil lists: a school for most children of school age, the usual
	// differences to the register.
	sn := map[string]bool{}
	var aussen, ohneNummer, anders, getauscht int
	for _, p := range s.Schueler {
		if p.Schuelernummer != "" {
			if sn[p.Schuelernummer] {
				t.Errorf("Schülernummer %s twice", p.Schuelernummer)
			}
			sn[p.Schuelernummer] = true
		} else {
			ohneNummer++
		}
		if p.Kind < 0 {
			aussen++
			continue
		}
		k := s.Kinder[p.Kind]
		if p.Familienname != k.Familienname || !strings.HasPrefix(k.Vornamen, p.Vornamen) {
			anders++
		}
		if !p.Geburtsdatum.Equal(k.Geburtsdatum) {
			getauscht++
			if p.Geburtsdatum.Day() != int(k.Geburtsdatum.Month()) || int(p.Geburtsdatum.Month()) != k.Geburtsdatum.Day() {
				t.Errorf("pupil %s: birth date differs other than by swapping day and month", p.Schuelernummer)
			}
		}
	}
	if aussen == 0 || ohneNummer == 0 || anders < 10 || getauscht == 0 {
		t.Errorf("pupils living outside %d, without number %d, names spelt otherwise %d, day and month swapped %d", aussen, ohneNummer, anders, getauscht)
	}
	for _, w := range s.Wechsel {
		if err := schulwechsel.ValidateForCity(w); err != nil {
			t.Errorf("Schulwechsel: %v", err)
		}
	}
	if len(s.Wechsel) != 4 || len(s.Bestaetigungen) == 0 {
		t.Errorf("%d changes of school, %d confirmations", len(s.Wechsel), len(s.Bestaetigungen))
	}

	// Planning: ten years before the current one.
	jahre := map[int]bool{}
	for _, z := range s.Schuelerzahlen {
		jahre[z.Schuljahr] = true
	}
	if len(jahre) != 10 || !jahre[y-10] || !jahre[y-1] {
		t.Errorf("planning history covers %v", jahre)
	}
}

func TestSchuljahrDerListe(t *testing.T) {
	for _, l := range Erzeuge(2026).Listen() {
		y, ok := SchuljahrDerListe(l.Dateiname)
		if want := l.Kind == importing.ListeMelderegister; ok != want || ok && y != 2026 {
			t.Errorf("%s: %d, %v", l.Dateiname, y, ok)
		}
	}
	if _, ok := SchuljahrDerListe("Musterstadt_Melderegister_2026-09-01.csv.bak"); ok {
		t.Error("a file name with more after it was taken for a demo register")
	}
}

package schulpflicht

import (
	"slices"
	"strings"
	"testing"
)

// gemeldet is a resident as the register has it.
func gemeldet(id, familienname, vornamen, datum, geschlecht string) Person {
	return Person{ID: id, Familienname: familienname, Vornamen: vornamen, Geburtsdatum: tag(datum),
		Geschlecht: geschlecht, Strasse: "Lindenstraße", Hausnummer: "12", PLZ: "06108"}
}

// hintergrund is a small city around the children of a test: other
// children with other names and dates, so that the tests do not pass only
// because there is nothing else to match.
func hintergrund() (residents, pupils []Person) {
	pop := ErzeugePopulation(300, 99)
	return pop.Residents, pop.Pupils
}

func abgleich(t *testing.T, r Person, p Person) Zuordnung {
	t.Helper()
	residents, pupils := hintergrund()
	residents = append([]Person{r}, residents...)
	pupils = append(pupils, p)
	out := Abgleichen(residents, pupils, nil, StandardKonfiguration())
	return out[0]
}

// Each kind of difference the issue names, alone, must still give the
// right pupil automatically.
func TestAbgleichenEinzelneAbweichungen(t *testing.T) {
	cases := []struct {
		name     string
		resident Person
		mod      func(p *Person)
	}{
		{"Umlaut und ae", gemeldet("r1", "Müller", "Jürgen", "2016-03-14", "m"), func(p *Person) { p.Familienname, p.Vornamen = "Mueller", "Juergen" }},
		{"ß und ss", gemeldet("r1", "Weißbäcker", "Lotta", "2015-07-02", "w"), func(p *Person) { p.Familienname = "Weissbäcker" }},
		{"Groß- und Kleinschreibung", gemeldet("r1", "Schröder", "Emil", "2014-11-30", "m"), func(p *Person) { p.Familienname, p.Vornamen = "SCHRÖDER", "EMIL" }},
		{"Akzente", gemeldet("r1", "Lefèvre", "Zoé", "2017-01-09", "w"), func(p *Person) { p.Familienname, p.Vornamen = "Lefevre", "Zoe" }},
		{"einer von mehreren Vornamen", gemeldet("r1", "Hartmann", "Anna Maria Sophie", "2013-05-21", "w"), func(p *Person) { p.Vornamen = "Sophie" }},
		{"Doppelname ohne Bindestrich", gemeldet("r1", "Müller-Lüdenscheidt", "Paul", "2012-09-17", "m"), func(p *Person) { p.Familienname = "Müller Lüdenscheidt" }},
		{"nur ein Teil des Doppelnamens", gemeldet("r1", "Müller-Lüdenscheidt", "Paul", "2012-09-17", "m"), func(p *Person) { p.Familienname = "Lüdenscheidt" }},
		{"Namenspartikel", gemeldet("r1", "von Bülow", "Frieda", "2016-12-01", "w"), func(p *Person) { p.Familienname = "Bülow" }},
		{"Vor- und Familienname vertauscht", gemeldet("r1", "Kowalski", "Jonas", "2015-04-04", "m"), func(p *Person) { p.Familienname, p.Vornamen = "Jonas", "Kowalski" }},
		{"Tippfehler im Familiennamen", gemeldet("r1", "Schneider", "Ida", "2014-02-18", "w"), func(p *Person) { p.Familienname = "Schnieder" }},
		{"Tippfehler im Vornamen", gemeldet("r1", "Brandt", "Maximilian", "2013-10-10", "m"), func(p *Person) { p.Vornamen = "Maximillian" }},
		{"Tag und Monat vertauscht", gemeldet("r1", "Albrecht", "Greta", "2016-03-07", "w"), func(p *Person) { p.Geburtsdatum = tag("2016-07-03") }},
		{"eine Ziffer im Geburtsdatum", gemeldet("r1", "Ziegler", "Oskar", "2015-06-24", "m"), func(p *Person) { p.Geburtsdatum = tag("2015-06-27") }},
		{"andere Adresse", gemeldet("r1", "Engel", "Mila", "2017-08-15", "w"), func(p *Person) { p.Strasse, p.Hausnummer, p.PLZ = "Am Markt", "3", "06110" }},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := c.resident
			p.ID, p.Schulnummer = "s1", "15001"
			c.mod(&p)
			z := abgleich(t, c.resident, p)
			if z.Entscheidung != Auto || z.PupilID != "s1" {
				t.Fatalf("%s: got %s → %q (score %.1f, %s), want auto → s1", c.name, z.Entscheidung, z.PupilID, z.Score, z.Begruendung)
			}
			if !slices.Contains(z.Uebereinstimmend, FeldGeburtsdatum) && !strings.Contains(z.Begruendung, "Geburtsdatum") {
				t.Errorf("%s: agreeing fields %v and reason %q say nothing about the birth date", c.name, z.Uebereinstimmend, z.Begruendung)
			}
		})
	}
}

func TestAbgleichenBegruendung(t *testing.T) {
	r := gemeldet("r1", "Kowalski", "Jonas", "2015-04-04", "m")
	p := r
	p.ID, p.Familienname, p.Vornamen = "s1", "Jonas", "Kowalski"
	z := abgleich(t, r, p)
	if !strings.Contains(z.Begruendung, "vertauscht") {
		t.Errorf("swapped names: reason %q does not say so", z.Begruendung)
	}
	want := []Feld{FeldFamilienname, FeldVorname, FeldGeburtsdatum, FeldGeschlecht, FeldAdresse}
	if !slices.Equal(z.Uebereinstimmend, want) {
		t.Errorf("Uebereinstimmend = %v, want %v", z.Uebereinstimmend, want)
	}
}

// A year off by one is weak evidence: with everything else equal it is
// worth a look, but not an automatic match.
func TestAbgleichenJahrDaneben(t *testing.T) {
	r := gemeldet("r1", "Zimmermann", "Theo", "2014-09-09", "m")
	p := r
	p.ID, p.Geburtsdatum = "s1", tag("2015-09-09")
	z := abgleich(t, r, p)
	if z.PupilID != "s1" || z.Entscheidung == Keine {
		t.Fatalf("got %s → %q (score %.1f), want the pupil proposed", z.Entscheidung, z.PupilID, z.Score)
	}
}

// Twins: same birth date, family name and address, different given names.
// Each twin gets its own record; the twin without a record gets none, not
// the sibling's.
func TestAbgleichenZwillinge(t *testing.T) {
	res, pup := hintergrund()
	a := gemeldet("r-a", "Becker", "Lena", "2015-05-05", "w")
	b := gemeldet("r-b", "Becker", "Lina", "2015-05-05", "w")
	c := gemeldet("r-c", "Becker", "Felix", "2015-05-05", "m")
	pa := a
	pa.ID = "s-a"
	pc := c
	pc.ID = "s-c"
	out := Abgleichen(append([]Person{a, b, c}, res...), append(pup, pa, pc), nil, StandardKonfiguration())
	if out[0].PupilID != "s-a" || out[0].Entscheidung == Keine {
		t.Errorf("Lena: got %s → %q, want s-a", out[0].Entscheidung, out[0].PupilID)
	}
	if out[1].PupilID != "" || out[1].Entscheidung != Keine {
		t.Errorf("Lina has no pupil record: got %s → %q (score %.1f), want none", out[1].Entscheidung, out[1].PupilID, out[1].Score)
	}
	if out[2].PupilID != "s-c" || out[2].Entscheidung != Auto {
		t.Errorf("Felix: got %s → %q, want auto s-c", out[2].Entscheidung, out[2].PupilID)
	}
	// Only Lina at school: Lena must not get Lina's record automatically.
	pb := b
	pb.ID = "s-b"
	out = Abgleichen(append([]Person{a, b}, res...), append(pup, pb), nil, StandardKonfiguration())
	if out[0].Entscheidung == Auto {
		t.Errorf("Lena has no record but was matched to %s automatically (score %.1f)", out[0].PupilID, out[0].Score)
	}
	if out[1].PupilID != "s-b" {
		t.Errorf("Lina: got %s → %q, want s-b", out[1].Entscheidung, out[1].PupilID)
	}
}

// Namesakes: same names, other birth date and address: not the same child.
func TestAbgleichenNamensvetter(t *testing.T) {
	r := gemeldet("r1", "Schmidt", "Leon", "2014-01-20", "m")
	p := gemeldet("s1", "Schmidt", "Leon", "2016-08-11", "m")
	p.Strasse, p.Hausnummer = "Goetheweg", "4"
	z := abgleich(t, r, p)
	if z.Entscheidung != Keine {
		t.Errorf("namesake born two years apart: got %s → %q (score %.1f), want none", z.Entscheidung, z.PupilID, z.Score)
	}
}

// A pupil number on both sides decides, even when the names differ a lot;
// two different numbers are never the same child.
func TestAbgleichenSchuelernummer(t *testing.T) {
	r := gemeldet("r1", "Yılmaz", "Elif", "2015-02-02", "w")
	r.Schuelernummer = "LSA123456789"
	p := gemeldet("s1", "Yilmaz-Demir", "Elif Su", "2015-02-20", "w")
	p.Schuelernummer = "LSA123456789"
	z := abgleich(t, r, p)
	if z.Entscheidung != Auto || z.PupilID != "s1" || z.Begruendung != "Schülernummer stimmt überein" {
		t.Fatalf("equal pupil numbers: got %s → %q (%s), want auto s1", z.Entscheidung, z.PupilID, z.Begruendung)
	}
	if !slices.Contains(z.Uebereinstimmend, FeldSchuelernummer) {
		t.Errorf("Uebereinstimmend %v lacks schuelernummer", z.Uebereinstimmend)
	}
	q := r
	q.ID, q.Schuelernummer = "s2", "LSA999999999"
	z = abgleich(t, r, q)
	if z.Entscheidung != Keine {
		t.Errorf("different pupil numbers, same person data: got %s → %q, want none", z.Entscheidung, z.PupilID)
	}
}

// Review verdicts: a confirmed pair is auto whatever the score, a rejected
// pair is never proposed again.
func TestAbgleichenUrteile(t *testing.T) {
	res, pup := hintergrund()
	r := gemeldet("r1", "Wagner", "Mia", "2016-06-06", "w")
	fern := gemeldet("s1", "Wegener", "Mia-Sophie", "2016-09-06", "w")
	fern.Strasse = "Bahnhofstraße"
	gleich := r
	gleich.ID = "s2"
	residents := append([]Person{r}, res...)

	out := Abgleichen(residents, append(pup, gleich), []Urteil{{ResidentID: "r1", PupilID: "s2", Bestaetigt: false}}, StandardKonfiguration())
	if out[0].PupilID == "s2" {
		t.Errorf("rejected pair proposed again: %s → s2", out[0].Entscheidung)
	}
	out = Abgleichen(residents, append(pup, fern), []Urteil{{ResidentID: "r1", PupilID: "s1", Bestaetigt: true}}, StandardKonfiguration())
	if out[0].Entscheidung != Auto || out[0].PupilID != "s1" || out[0].Begruendung != "bestätigt" {
		t.Errorf("confirmed pair: got %s → %q (%s), want auto s1 bestätigt", out[0].Entscheidung, out[0].PupilID, out[0].Begruendung)
	}
}

// One pupil record goes to at most one resident automatically, also
// when two residents look like it (a duplicate in the register).
func TestAbgleichenEinSchuelerEinKind(t *testing.T) {
	res, pup := hintergrund()
	a := gemeldet("r1", "Fischer", "Ben", "2014-04-14", "m")
	b := a
	b.ID = "r2"
	p := a
	p.ID = "s1"
	out := Abgleichen(append([]Person{a, b}, res...), append(pup, p), nil, StandardKonfiguration())
	n := 0
	for _, z := range out {
		if z.PupilID == "s1" {
			n++
			if z.Entscheidung == Auto {
				t.Errorf("%s got s1 automatically although another resident is just as close", z.ResidentID)
			}
		}
	}
	if n != 1 {
		t.Errorf("s1 given to %d residents, want exactly 1 (for review)", n)
	}
}

func TestAbgleichenLeer(t *testing.T) {
	if out := Abgleichen(nil, nil, nil, StandardKonfiguration()); len(out) != 0 {
		t.Errorf("no residents: got %d Zuordnungen", len(out))
	}
	r := gemeldet("r1", "Otto", "Karl", "2013-03-03", "m")
	out := Abgleichen([]Person{r}, nil, nil, StandardKonfiguration())
	if len(out) != 1 || out[0].Entscheidung != Keine || out[0].ResidentID != "r1" {
		t.Errorf("no pupils: got %+v, want one none for r1", out)
	}
}

package schulpflicht

import "testing"

// abgleichAlle runs the matcher on the given children inside the small
// background city and returns the decisions by resident id.
func abgleichAlle(t *testing.T, residents, pupils []Person) map[string]Zuordnung {
	t.Helper()
	hr, hp := hintergrund()
	out := Abgleichen(append(residents, hr...), append(pupils, hp...), nil, StandardKonfiguration())
	m := map[string]Zuordnung{}
	for _, z := range out[:len(residents)] {
		m[z.ResidentID] = z
	}
	return m
}

// Transliterations of Cyrillic and Arabic names, alone, give the right
// pupil automatically.
func TestAbgleichenUmschrift(t *testing.T) {
	cases := []struct{ reg, regV, schule, schuleV string }{
		{"Honcharenko", "Olha", "Goncharenko", "Olga"},
		{"Kovalchuk", "Oleksandr", "Kowaltschuk", "Alexander"},
		{"Al-Hassan", "Mohammed", "Alhassan", "Muhammad"},
		{"Kuznetsova", "Yuliia", "Kusnezowa", "Julija"},
	}
	for _, c := range cases {
		r := gemeldet("r1", c.reg, c.regV, "2015-04-11", "w")
		p := r
		p.ID, p.Familienname, p.Vornamen = "s1", c.schule, c.schuleV
		p.Strasse, p.Hausnummer, p.PLZ = "", "", "" // many lists have no address
		if z := abgleich(t, r, p); z.Entscheidung != Auto || z.PupilID != "s1" {
			t.Errorf("%s, %s against %s, %s: %s %s (%.1f, %s), want auto s1", c.reg, c.regV, c.schule, c.schuleV, z.Entscheidung, z.PupilID, z.Score, z.Begruendung)
		}
	}
}

// A birth date one digit off is matched automatically when it is the only
// candidate and the names agree, but not when the address differs too:
// that is what a namesake from the next town looks like.
func TestAbgleichenEinzigerKandidat(t *testing.T) {
	r := gemeldet("r1", "Ziegler", "Oskar", "2015-06-24", "m")
	p := r
	p.ID, p.Geburtsdatum = "s1", tag("2015-06-21")
	p.Strasse, p.Hausnummer, p.PLZ = "", "", ""
	z := abgleich(t, r, p)
	if z.Entscheidung != Auto || z.PupilID != "s1" || z.Score >= StandardKonfiguration().Auto {
		t.Fatalf("one digit off, no address: %s %s (%.1f, %s), want auto below the auto threshold", z.Entscheidung, z.PupilID, z.Score, z.Begruendung)
	}
	p.Strasse, p.Hausnummer, p.PLZ = "Am Markt", "3", "06110"
	if z := abgleich(t, r, p); z.Entscheidung == Auto {
		t.Errorf("one digit off and another address: %s (%.1f, %s), want a person to look", z.Entscheidung, z.Score, z.Begruendung)
	}
	// Rule switched off: the pair goes to a person.
	cfg := StandardKonfiguration()
	cfg.Eindeutig = 0
	p.Strasse, p.Hausnummer, p.PLZ = "", "", ""
	hr, hp := hintergrund()
	if z := Abgleichen(append([]Person{r}, hr...), append(hp, p), nil, cfg)[0]; z.Entscheidung != Review {
		t.Errorf("rule off: %s (%.1f), want review", z.Entscheidung, z.Score)
	}
}

// Twins named alike are never matched crosswise: "Marie Sophie" and
// "Marie Juna", one school writing only "Marie".
func TestAbgleichenZwillingeGleicherVorname(t *testing.T) {
	a := gemeldet("a", "Beck", "Marie Sophie", "2012-07-15", "w")
	b := gemeldet("b", "Beck", "Marie Juna", "2012-07-15", "w")
	pa := a
	pa.ID, pa.Vornamen = "pa", "Marie"
	pa.Strasse, pa.Hausnummer, pa.PLZ = "Feldstraße", "9", "06108"
	pb := b
	pb.ID = "pb"
	m := abgleichAlle(t, []Person{a, b}, []Person{pa, pb})
	if z := m["a"]; z.Entscheidung == Auto && z.PupilID != "pa" {
		t.Errorf("twin a auto to %s", z.PupilID)
	}
	if z := m["b"]; z.Entscheidung != Auto || z.PupilID != "pb" {
		t.Errorf("twin b: %s %s (%.1f, %s), want auto pb", z.Entscheidung, z.PupilID, z.Score, z.Begruendung)
	}
	// Only the record without the second name exists: neither twin gets it
	// automatically.
	m = abgleichAlle(t, []Person{a, b}, []Person{pa})
	for _, id := range []string{"a", "b"} {
		if m[id].Entscheidung == Auto {
			t.Errorf("twin %s auto to %s with only \"Marie\" on the list", id, m[id].PupilID)
		}
	}
}

// Twins with different given names: each gets its own record
// automatically even when one record lacks the address and the other
// twin's record has it (the other twin's record is explained by that
// twin).
func TestAbgleichenZwillingeEigenerDatensatz(t *testing.T) {
	a := gemeldet("a", "Koch", "Lena", "2020-03-28", "w")
	b := gemeldet("b", "Koch", "Paula", "2020-03-28", "w")
	pa := a
	pa.ID = "pa"
	pa.Strasse, pa.Hausnummer, pa.PLZ = "", "", ""
	pb := b
	pb.ID = "pb"
	m := abgleichAlle(t, []Person{a, b}, []Person{pa, pb})
	for id, want := range map[string]string{"a": "pa", "b": "pb"} {
		if z := m[id]; z.Entscheidung != Auto || z.PupilID != want {
			t.Errorf("twin %s: %s %s (%.1f, %s), want auto %s", id, z.Entscheidung, z.PupilID, z.Score, z.Begruendung, want)
		}
	}
	// Twin b at no school: a still gets pa, b nothing automatically.
	m = abgleichAlle(t, []Person{a, b}, []Person{pa})
	if z := m["a"]; z.Entscheidung != Auto || z.PupilID != "pa" {
		t.Errorf("twin a alone on the list: %s %s", z.Entscheidung, z.PupilID)
	}
	if z := m["b"]; z.Entscheidung == Auto {
		t.Errorf("twin b at no school matched automatically to %s", z.PupilID)
	}
}

// A child on the lists of two schools (after a change) is matched
// automatically; the second record is no competitor.
func TestAbgleichenZweiSchulen(t *testing.T) {
	r := gemeldet("r1", "Fuchs", "Lina", "2012-04-02", "w")
	p1, p2 := r, r
	p1.ID, p1.Schulnummer = "s1", "15001"
	p2.ID, p2.Schulnummer = "s2", "15002"
	m := abgleichAlle(t, []Person{r}, []Person{p1, p2})
	if z := m["r1"]; z.Entscheidung != Auto || (z.PupilID != "s1" && z.PupilID != "s2") {
		t.Errorf("%s %s (%.1f, %s), want auto", z.Entscheidung, z.PupilID, z.Score, z.Begruendung)
	}
}

// A register date 01.01. (day unknown) against the real date of the same
// year, everything else equal, is found automatically.
func TestAbgleichenDatumPlatzhalter(t *testing.T) {
	r := gemeldet("r1", "Abdullah", "Lamar", "2019-01-01", "w")
	p := r
	p.ID, p.Geburtsdatum = "s1", tag("2019-06-09")
	if z := abgleich(t, r, p); z.Entscheidung != Auto || z.PupilID != "s1" {
		t.Errorf("%s %s (%.1f, %s), want auto", z.Entscheidung, z.PupilID, z.Score, z.Begruendung)
	}
	p.Geburtsdatum = tag("2018-06-09")
	if z := abgleich(t, r, p); z.Entscheidung == Auto {
		t.Errorf("01.01.2019 against 2018: %s (%.1f), want no automatic match", z.Entscheidung, z.Score)
	}
}

// Twins whose short names share a one-digit Kölner code (Mia, Hannah:
// "6") are not similar: each gets its own record automatically.
func TestAbgleichenZwillingeKurzeNamen(t *testing.T) {
	a := gemeldet("a", "Rosert", "Mia", "2012-01-07", "w")
	b := gemeldet("b", "Rosert", "Hannah", "2012-01-07", "w")
	pa, pb := a, b
	pa.ID, pb.ID = "pa", "pb"
	m := abgleichAlle(t, []Person{a, b}, []Person{pa, pb})
	for id, want := range map[string]string{"a": "pa", "b": "pb"} {
		if z := m[id]; z.Entscheidung != Auto || z.PupilID != want {
			t.Errorf("twin %s: %s %s (%.1f, %s), want auto %s", id, z.Entscheidung, z.PupilID, z.Score, z.Begruendung, want)
		}
	}
}

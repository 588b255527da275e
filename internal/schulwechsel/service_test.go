package schulwechsel

import (
	"reflect"
	"sort"
	"testing"
	"time"
)

func TestValidateAbgangAndBirthDate(t *testing.T) {
	tests := []struct {
		name   string
		change func(w *Schulwechsel)
		want   []string // nil: valid
	}{
		{"valid change", func(*Schulwechsel) {}, nil},
		{"Abgang ohne Aufnahme", func(w *Schulwechsel) { w.Aufnahme = nil }, nil},
		{"neither admission nor previous school", func(w *Schulwechsel) { w.Aufnahme, w.BisherigeSchule = nil, nil },
			[]string{"pflichtfeld_fehlt /aufnahme"}},
		{"Abgang without date and school", func(w *Schulwechsel) {
			w.Aufnahme = nil
			w.BisherigeSchule = &BisherigeSchule{}
		}, []string{"pflichtfeld_fehlt /bisherigeSchule/zeitraum/ende", "schule_unbestimmt /bisherigeSchule/schule"}},
		{"Abgang with partial date", func(w *Schulwechsel) {
			w.Aufnahme = nil
			w.BisherigeSchule.Zeitraum.Ende = Datum{Jahr: 2025, Monat: 7}
		}, []string{"datum_unvollstaendig /bisherigeSchule/zeitraum/ende"}},
		{"partial birth date", func(w *Schulwechsel) { w.Schueler.Geburt.Datum = Datum{Jahr: 2019, Monat: 2} },
			[]string{"geburtsdatum_unvollstaendig /schueler/geburt/datum"}},
		{"Validate's problems come along", func(w *Schulwechsel) {
			w.Schueler.Name.Familienname = Namensteil{}
			w.Aufnahme.Jahrgangsstufe = Code{}
		}, []string{"pflichtfeld_fehlt /aufnahme/jahrgangsstufe", "pflichtfeld_fehlt /schueler/name/familienname"}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := valid()
			w.BisherigeSchule.Schule = Schule{Name: &Organisationsname{Name: "Grundschule Potsdam"}}
			w.BisherigeSchule.Zeitraum.Ende = Tagesdatum(2025, 7, 31)
			tc.change(w)
			err := ValidateForCity(w)
			if tc.want == nil {
				if err != nil {
					t.Fatalf("refused: %v", err)
				}
				return
			}
			sort.Strings(tc.want)
			if got := pointers(t, err); !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func testSchule(ids ...string) *Schule {
	s := &Schule{Name: &Organisationsname{Name: "Eine Schule"}}
	for _, id := range ids {
		s.Identifikationen = append(s.Identifikationen, Identifikation{ID: id, Beschreibung: "Identifikationsnummer"})
	}
	return s
}

func TestAenderung(t *testing.T) {
	bekannt := map[string]bool{"20101": true, "20107": true}
	geb := time.Date(2019, 2, 26, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name       string
		alt, neu   *Schule // nil: no such school
		sn         string
		bewegung   Bewegung
		abgegangen []string
		aufnahme   string // Schulnummer of the record written, "" none
	}{
		{"within the city, to a free school", &Schule{Identifikationen: []Identifikation{{ID: "X-1", Beschreibung: "Dienststelle"}, {ID: "20101", Beschreibung: "Schulnummer"}}},
			testSchule("20107"), "7568522", Innerhalb, []string{"20101/p:mustermann|max|2019-02-26", "20101/sn:7568522"}, "20107"},
		{"into the city", testSchule("BB_106124"), testSchule("20101"), "", Zuzug, nil, "20101"},
		{"into the city from nowhere named", nil, testSchule("20101"), "", Zuzug, nil, "20101"},
		{"out of the city", testSchule("20107"), testSchule("BY_106345"), "", Wegzug, []string{"20107/p:mustermann|max|2019-02-26"}, ""},
		{"outside", testSchule("BB_1"), testSchule("BY_2"), "", Ausserhalb, nil, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := valid()
			w.Aufnahme.Schule = *tc.neu
			w.BisherigeSchule = nil
			if tc.alt != nil {
				w.BisherigeSchule = &BisherigeSchule{Schule: *tc.alt}
			}
			if tc.sn != "" {
				w.Schueler.Identifikationen = []Identifikation{{ID: tc.sn, Beschreibung: "Schülernummer"}}
			}
			a := NewService(nil, 0).aenderung(w, Record{Format: FormatXML}, bekannt)
			if a.Record.Bewegung != tc.bewegung || a.Record.Format != FormatXML {
				t.Errorf("record = %+v, want Bewegung %s", a.Record, tc.bewegung)
			}
			if !reflect.DeepEqual(a.Abgegangen, tc.abgegangen) {
				t.Errorf("Abgegangen = %q, want %q", a.Abgegangen, tc.abgegangen)
			}
			if a.Personenschluessel != "p:mustermann|max|2019-02-26" || a.Schuelernummer != tc.sn {
				t.Errorf("pupil keys %q, %q", a.Personenschluessel, a.Schuelernummer)
			}
			if !a.Aufnahmedatum.Equal(time.Date(2025, 9, 1, 0, 0, 0, 0, time.UTC)) || a.OffenerAbgang != nil {
				t.Errorf("Aufnahmedatum %v, OffenerAbgang %+v", a.Aufnahmedatum, a.OffenerAbgang)
			}
			switch e := a.Aufgenommen; {
			case tc.aufnahme == "" && e != nil:
				t.Errorf("record written at %s", e.Schulnummer)
			case tc.aufnahme != "":
				want := "p:mustermann|max|2019-02-26"
				if tc.sn != "" {
					want = "sn:" + tc.sn
				}
				if e == nil || e.Schulnummer != tc.aufnahme || e.Schluessel != tc.aufnahme+"/"+want || e.Jahrgangsstufe != 2 ||
					!e.Geburtsdatum.Equal(geb) || e.Familienname != "Mustermann" || e.Vornamen != "Max" || e.Schuelernummer != tc.sn {
					t.Errorf("Aufgenommen = %+v", e)
				}
			}
		})
	}
}

func TestAenderungAbgang(t *testing.T) {
	for _, tc := range []struct {
		name   string
		schule Schule
		frist  int
		want   OffenerAbgang
	}{
		{"from a school of the city, default frist", *testSchule("20101"), 0,
			OffenerAbgang{Schule: "20101", Abgangsdatum: time.Date(2025, 7, 31, 0, 0, 0, 0, time.UTC), Frist: time.Date(2025, 8, 14, 0, 0, 0, 0, time.UTC)}},
		{"from elsewhere, named only, 30 days", Schule{Name: &Organisationsname{Name: "Grundschule Potsdam"}}, 30,
			OffenerAbgang{Schule: "Grundschule Potsdam", Abgangsdatum: time.Date(2025, 7, 31, 0, 0, 0, 0, time.UTC), Frist: time.Date(2025, 8, 30, 0, 0, 0, 0, time.UTC)}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			w := valid()
			w.Aufnahme = nil
			w.BisherigeSchule = &BisherigeSchule{Schule: tc.schule, Zeitraum: &Zeitraum{Ende: Tagesdatum(2025, 7, 31)}}
			a := NewService(nil, tc.frist).aenderung(w, Record{}, map[string]bool{"20101": true})
			tc.want.Familienname, tc.want.Vornamen = "Mustermann", "Max"
			tc.want.Geburtsdatum = time.Date(2019, 2, 26, 0, 0, 0, 0, time.UTC)
			if a.Record.Bewegung != Abgang || a.OffenerAbgang == nil || *a.OffenerAbgang != tc.want || !a.Aufnahmedatum.IsZero() || a.Aufgenommen != nil {
				t.Errorf("got %+v, %+v\nwant %+v", a, a.OffenerAbgang, tc.want)
			}
		})
	}
}

func TestJahrgangsstufe(t *testing.T) {
	base := "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/"
	for v, want := range map[string]int{
		"jahrgangsstufe_1": 1, "jahrgangsstufe_13": 13, "jahrgangsstufe_0": 0, "einfuehrungsphase": 0,
		"qualifikationsphase_1": 0, "uebergreifend_primar": 0, "": 0,
	} {
		if got := jahrgangsstufe(Code{Value: base + v}); got != want {
			t.Errorf("%s: %d, want %d", v, got, want)
		}
	}
}

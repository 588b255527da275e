package schulwechsel

import (
	"reflect"
	"sort"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
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

// entscheide runs the decision on w with the given state.
func entscheide(t *testing.T, s *Service, w *Schulwechsel, rec Record, l Lage) (Aenderung, error) {
	t.Helper()
	if err := ValidateForCity(w); err != nil {
		t.Fatal(err)
	}
	return s.entscheide(w, s.aenderung(w, rec), l)
}

func TestAenderung(t *testing.T) {
	bekannt := map[string]bool{"20101": true, "20107": true}
	geb := time.Date(2019, 2, 26, 0, 0, 0, 0, time.UTC)
	// Max at 20101 with his Schülernummer, and at 20107 without one.
	bestand := []Bestand{
		{ID: 1, Schulnummer: "20101", Schuelernummer: "7568522", Familienname: "Mustermann", Vornamen: "Max", Geburtsdatum: geb},
		{ID: 2, Schulnummer: "20107", Familienname: "MUSTERMANN", Vornamen: "Max", Geburtsdatum: geb},
	}
	tests := []struct {
		name       string
		alt, neu   *Schule // nil: no such school
		sn         string
		bewegung   Bewegung
		abgegangen []int64
		aufnahme   string // Schulnummer of the record written, "" none
	}{
		{"within the city, to a free school", &Schule{Identifikationen: []Identifikation{{ID: "X-1", Beschreibung: "Dienststelle"}, {ID: "20101", Beschreibung: "Schulnummer"}}},
			testSchule("20107"), "7568522", Innerhalb, []int64{1}, "20107"},
		{"into the city", testSchule("BB_106124"), testSchule("20101"), "", Zuzug, nil, "20101"},
		{"into the city from nowhere named", nil, testSchule("20101"), "", Zuzug, nil, "20101"},
		{"out of the city", testSchule("20107"), testSchule("BY_106345"), "", Wegzug, []int64{2}, ""},
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
			a, err := entscheide(t, NewService(nil, 0), w, Record{Format: FormatXML}, Lage{Bekannt: bekannt, Schueler: bestand})
			if err != nil {
				t.Fatal(err)
			}
			if a.Record.Bewegung != tc.bewegung || a.Record.Format != FormatXML {
				t.Errorf("record = %+v, want Bewegung %s", a.Record, tc.bewegung)
			}
			if !reflect.DeepEqual(a.Abgegangen, tc.abgegangen) {
				t.Errorf("Abgegangen = %v, want %v", a.Abgegangen, tc.abgegangen)
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
			bestand := []Bestand{{ID: 9, Schulnummer: "20101", Familienname: "Mustermann", Vornamen: "Max", Geburtsdatum: time.Date(2019, 2, 26, 0, 0, 0, 0, time.UTC)}}
			a, err := entscheide(t, NewService(nil, tc.frist), w, Record{}, Lage{Bekannt: map[string]bool{"20101": true}, Schueler: bestand})
			if err != nil {
				t.Fatal(err)
			}
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

func TestEntscheideFindetDenSchueler(t *testing.T) {
	geb := time.Date(2019, 2, 26, 0, 0, 0, 0, time.UTC)
	max := func(id int64, schule, sn, fam string) Bestand {
		return Bestand{ID: id, Schulnummer: schule, Schuelernummer: sn, Familienname: fam, Vornamen: "Max", Geburtsdatum: geb}
	}
	bekannt := map[string]bool{"20101": true, "20102": true}
	tests := []struct {
		name        string
		sn          string
		bestand     []Bestand
		abgegangen  []int64
		aufgenommen int64 // ID of the record at 20102 that becomes aktiv; -1: none written
		klaerung    bool
		mehrdeutig  string // expected count in the refusal
	}{
		{"without Schülernummer, the list had one", "", []Bestand{max(1, "20101", "555", "Mustermann")}, []int64{1}, 0, false, ""},
		{"by Schülernummer, name spelled otherwise", "555", []Bestand{max(1, "20101", "555", "Mustermann-Xu")}, []int64{1}, 0, false, ""},
		{"name folded (case, umlaut spelling)", "", []Bestand{max(1, "20101", "", "MUSTERMANN")}, []int64{1}, 0, false, ""},
		{"Schülernummer wins over a namesake", "555", []Bestand{max(1, "20101", "", "Mustermann"), max(2, "20101", "555", "Mustermann")}, []int64{2}, 0, false, ""},
		{"two namesakes without Schülernummer", "", []Bestand{max(1, "20101", "", "Mustermann"), max(2, "20101", "777", "Mustermann")}, nil, -1, false, "2"},
		{"a namesake with another Schülernummer is someone else", "555", []Bestand{max(1, "20101", "777", "Mustermann")}, nil, -1, true, ""},
		{"unknown at the school it leaves", "", []Bestand{max(1, "20102", "", "Mustermann")}, nil, -1, true, ""},
		{"already on the admitting school's list", "555", []Bestand{max(1, "20101", "555", "Mustermann"), max(2, "20102", "", "Mustermann")}, []int64{1}, 2, false, ""},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := valid()
			w.Schueler.Name.Familienname.Name = "Mustermann"
			if tc.sn != "" {
				w.Schueler.Identifikationen = []Identifikation{{ID: tc.sn, Beschreibung: "Schülernummer"}}
			}
			w.BisherigeSchule.Schule = *testSchule("20101")
			w.Aufnahme.Schule = *testSchule("20102")
			a, err := entscheide(t, NewService(nil, 0), w, Record{}, Lage{Bekannt: bekannt, Schueler: tc.bestand})
			if tc.mehrdeutig != "" {
				e, ok := apperr.As(err)
				if !ok || e.Class != apperr.ClassInvalid || len(e.Fields) != 1 || e.Fields[0].Code != CodeSchuelerMehrdeutig ||
					!strings.Contains(e.Fields[0].Message, tc.mehrdeutig+" aktive Schüler") {
					t.Fatalf("got %v %+v, want a refusal naming %s candidates", err, e, tc.mehrdeutig)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(a.Abgegangen, tc.abgegangen) {
				t.Errorf("Abgegangen %v, want %v", a.Abgegangen, tc.abgegangen)
			}
			switch {
			case tc.aufgenommen < 0 && a.Aufgenommen != nil:
				t.Errorf("pupil recorded at %s although unknown", a.Aufgenommen.Schulnummer)
			case tc.aufgenommen >= 0 && (a.Aufgenommen == nil || a.Aufgenommen.ID != tc.aufgenommen || a.Aufgenommen.Schulnummer != "20102"):
				t.Errorf("Aufgenommen %+v, want record %d at 20102", a.Aufgenommen, tc.aufgenommen)
			}
			if (a.Klaerung != nil) != tc.klaerung || a.Record.Klaerung != a.Klaerung {
				t.Fatalf("Klaerung %+v, want %v", a.Klaerung, tc.klaerung)
			}
			if k := a.Klaerung; k != nil {
				if k.Grund != GrundSchuelerUnbekannt || k.Schule != "20101" || k.Aufnehmende != "20102" || k.Familienname != "Mustermann" ||
					!strings.Contains(k.Text(), "nicht als aktiver Schüler") {
					t.Errorf("Klaerung %+v: %s", k, k.Text())
				}
			}
			if a.Record.Bewegung != Innerhalb {
				t.Errorf("Bewegung %s, want innerhalb", a.Record.Bewegung)
			}
		})
	}
}

func TestEntscheideWiederholung(t *testing.T) {
	first := Record{ID: "f", Bewegung: Zuzug}
	w := valid()
	a, err := entscheide(t, NewService(nil, 0), w, Record{}, Lage{Frueher: &first})
	if err != nil || a.Wiederholung == nil || a.Wiederholung.ID != "f" || !a.Wiederholung.Wiederholung || a.Aufgenommen != nil || a.Klaerung != nil {
		t.Fatalf("got %+v, %v", a, err)
	}
}

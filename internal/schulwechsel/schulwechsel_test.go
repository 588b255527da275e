package schulwechsel

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

func TestParseDatum(t *testing.T) {
	tests := []struct {
		in   string
		want Datum
		ok   bool
	}{
		{"2019-02-26", Datum{2019, 2, 26}, true},
		{"2020-02-29", Datum{2020, 2, 29}, true},
		{"2019-02", Datum{2019, 2, 0}, true},
		{"2019", Datum{2019, 0, 0}, true},
		{"2019-02-29", Datum{}, false}, // no leap year
		{"2019-13", Datum{}, false},
		{"2019-00-10", Datum{}, false},
		{"2019-04-31", Datum{}, false},
		{"2019-4-01", Datum{}, false},
		{"19-04-01", Datum{}, false},
		{"0000", Datum{}, false},
		{"+2019", Datum{}, false},
		{"2019-02-26Z", Datum{}, false},
		{"2019/02/26", Datum{}, false},
		{"", Datum{}, false},
	}
	for _, tc := range tests {
		got, err := ParseDatum(tc.in)
		if (err == nil) != tc.ok || got != tc.want {
			t.Errorf("ParseDatum(%q) = %v, %v; want %v, ok=%v", tc.in, got, err, tc.want, tc.ok)
		}
		if tc.ok && got.String() != tc.in {
			t.Errorf("String() = %q, want %q", got.String(), tc.in)
		}
	}
}

func TestDatum(t *testing.T) {
	a, b := Tagesdatum(2025, time.July, 1), Tagesdatum(2025, time.September, 1)
	if !a.Before(b) || b.Before(a) || a.Before(a) {
		t.Error("Before on complete dates is wrong")
	}
	if (Datum{Jahr: 2024}).Before(b) || a.Before(Datum{Jahr: 2026, Monat: 1}) {
		t.Error("Before must be false when a date is incomplete")
	}
	if !(Datum{}).IsZero() || a.IsZero() || !a.Vollstaendig() || (Datum{Jahr: 2025, Monat: 7}).Vollstaendig() {
		t.Error("IsZero/Vollstaendig wrong")
	}
	if tm, ok := a.Time(); !ok || !tm.Equal(time.Date(2025, 7, 1, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("Time() = %v, %v", tm, ok)
	}
	if DatumAus(time.Date(2025, 7, 1, 23, 0, 0, 0, time.UTC)) != a {
		t.Error("DatumAus wrong")
	}
	if (Datum{}).String() != "" {
		t.Error("zero Datum must print empty")
	}
}

func valid() *Schulwechsel {
	return &Schulwechsel{
		Dokument: Dokument{Sprache: Code{Value: "http://publications.europa.eu/resource/authority/language/DEU"}},
		Schueler: Schueler{
			Name:   Name{Familienname: Namensteil{Name: "Mustermann"}, Vorname: Namensteil{Name: "Max"}},
			Geburt: Geburt{Datum: Tagesdatum(2019, 2, 26)},
		},
		Sorgeberechtigte: []Sorgeberechtigter{{Art: Code{Value: "1"}, Person: &Person{}}},
		Aufnahme: &Aufnahme{
			Schule:         Schule{Identifikationen: []Identifikation{{ID: "BY_106345", Beschreibung: "Schulnummer"}}},
			Datum:          Tagesdatum(2025, 9, 1),
			Jahrgangsstufe: Code{Value: "jahrgangsstufe_2"},
			Art:            Auswahl{Code: Code{Value: "schulwechsel_ausserhalb_schulbezirk"}},
		},
		BisherigeSchule: &BisherigeSchule{Zeitraum: &Zeitraum{Beginn: Tagesdatum(2024, 9, 1), Ende: Tagesdatum(2025, 9, 1)}},
	}
}

func pointers(t *testing.T, err error) []string {
	t.Helper()
	e, ok := apperr.As(err)
	if !ok || e.Class != apperr.ClassInvalid {
		t.Fatalf("want apperr.Invalid, got %v", err)
	}
	var out []string
	for _, f := range e.Fields {
		if f.Message == "" {
			t.Errorf("%s has no message", f.Pointer)
		}
		out = append(out, f.Code+" "+f.Pointer)
	}
	sort.Strings(out)
	return out
}

func TestValidateAcceptsValid(t *testing.T) {
	if err := valid().Validate(); err != nil {
		t.Fatalf("valid change refused: %v", err)
	}
	w := valid()
	nv := true
	w.Schueler.Name.Vorname = Namensteil{NichtVorhanden: &nv} // rightly no first name
	w.Aufnahme.Schule = Schule{Name: &Organisationsname{Name: "Grundschule"}}
	if err := w.Validate(); err != nil {
		t.Fatalf("refused: %v", err)
	}
}

func TestValidateReportsAllProblems(t *testing.T) {
	tests := []struct {
		name   string
		change func(w *Schulwechsel)
		want   []string
	}{
		{"weder Aufnahme noch bisherige Schule", func(w *Schulwechsel) { w.Aufnahme, w.BisherigeSchule = nil, nil }, []string{"pflichtfeld_fehlt /aufnahme"}},
		{"Abgang ohne Aufnahme braucht Schule und Abgangsdatum", func(w *Schulwechsel) {
			w.Aufnahme = nil
			w.BisherigeSchule = &BisherigeSchule{}
		}, []string{"pflichtfeld_fehlt /bisherigeSchule/zeitraum/ende", "schule_unbestimmt /bisherigeSchule/schule"}},
		{"Aufnahmedatum fehlt", func(w *Schulwechsel) { w.Aufnahme.Datum = Datum{} }, []string{"pflichtfeld_fehlt /aufnahme/datum"}},
		{"Aufnahmedatum unvollständig", func(w *Schulwechsel) { w.Aufnahme.Datum = Datum{Jahr: 2025, Monat: 9} },
			[]string{"datum_unvollstaendig /aufnahme/datum"}},
		{"Schule unbestimmt", func(w *Schulwechsel) {
			w.Aufnahme.Schule = Schule{Name: &Organisationsname{Name: "  "}, Identifikationen: []Identifikation{{ID: ""}}}
		}, []string{"schule_unbestimmt /aufnahme/schule"}},
		{"Zeitraum verkehrt", func(w *Schulwechsel) {
			w.BisherigeSchule.Zeitraum = &Zeitraum{Beginn: Tagesdatum(2025, 7, 1), Ende: Tagesdatum(2024, 9, 1)}
		}, []string{"zeitraum_ungueltig /bisherigeSchule/zeitraum"}},
		{"Abgang nach Aufnahme", func(w *Schulwechsel) { w.BisherigeSchule.Zeitraum.Ende = Tagesdatum(2025, 9, 2) },
			[]string{"abgang_nach_aufnahme /bisherigeSchule/zeitraum/ende"}},
		{"Geburt nach Aufnahme", func(w *Schulwechsel) { w.Schueler.Geburt.Datum = Tagesdatum(2025, 9, 2) },
			[]string{"geburt_nach_aufnahme /schueler/geburt/datum"}},
		{"Sorgeberechtigter ohne Person", func(w *Schulwechsel) { w.Sorgeberechtigte[0].Person = nil },
			[]string{"person_oder_organisation /sorgeberechtigte/0"}},
		{"alles auf einmal", func(w *Schulwechsel) {
			w.Dokument.Sprache = Code{}
			w.Schueler.Name = Name{Familienname: Namensteil{Name: " "}}
			w.Schueler.Geburt = Geburt{}
			w.Sorgeberechtigte = append(w.Sorgeberechtigte, Sorgeberechtigter{Person: &Person{}, Organisation: &Organisation{}})
			w.Aufnahme.Jahrgangsstufe = Code{}
			w.Aufnahme.Art = Auswahl{NichtGelisteterWert: "Umzug"}
		}, []string{
			"person_oder_organisation /sorgeberechtigte/1",
			"pflichtfeld_fehlt /aufnahme/art",
			"pflichtfeld_fehlt /aufnahme/jahrgangsstufe",
			"pflichtfeld_fehlt /dokument/sprache",
			"pflichtfeld_fehlt /schueler/geburt/datum",
			"pflichtfeld_fehlt /schueler/name/familienname",
			"pflichtfeld_fehlt /schueler/name/vorname",
			"pflichtfeld_fehlt /sorgeberechtigte/1/art",
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			w := valid()
			tc.change(w)
			got := pointers(t, w.Validate())
			sort.Strings(tc.want)
			if !reflect.DeepEqual(got, tc.want) {
				t.Errorf("got  %q\nwant %q", got, tc.want)
			}
		})
	}
}

func TestSchuelernummerAndMasernschutz(t *testing.T) {
	s := Schueler{
		Identifikationen: []Identifikation{{ID: "X1", Beschreibung: "Ausweis"}, {ID: "7568522", Beschreibung: " Schülernummer "}},
		Impfungen: []Impfung{
			{Krankheit: Code{Value: "http://example.org/krankheit/roeteln"}},
			{Impfschutz: Auswahl{Code: Code{Value: "vorhanden"}}, Krankheit: Code{Value: KrankheitMasern}},
		},
	}
	if nr, ok := s.Schuelernummer(); !ok || nr != "7568522" {
		t.Errorf("Schuelernummer = %q, %v", nr, ok)
	}
	if i, ok := s.Masernschutz(); !ok || i.Impfschutz.Code.Value != "vorhanden" {
		t.Errorf("Masernschutz = %+v, %v", i, ok)
	}
	if _, ok := (Schueler{}).Schuelernummer(); ok {
		t.Error("Schuelernummer found in an empty pupil")
	}
	if _, ok := (Schueler{}).Masernschutz(); ok {
		t.Error("Masernschutz found in an empty pupil")
	}
}

func TestAufnahmeHatAngaben(t *testing.T) {
	if (Aufnahme{Schule: Schule{Name: &Organisationsname{Name: "X"}}}).HatAngaben() {
		t.Error("school alone counts as admission details")
	}
	v := false
	for _, a := range []Aufnahme{{Datum: Datum{Jahr: 2025}}, {Jahrgangsstufe: Code{Value: "x"}}, {Art: Auswahl{NichtGelisteterWert: "x"}}, {Versetzt: &v}, {Versetzungstyp: &Auswahl{}}} {
		if !a.HatAngaben() {
			t.Errorf("%+v has details", a)
		}
	}
}

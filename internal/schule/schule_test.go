package schule

import (
	"slices"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

func intp(i int) *int { return &i }

func TestValidateReportsEveryField(t *testing.T) {
	s := Schule{Schulnummer: "12a", Schulform: "waldschule", Traeger: "staat", PLZ: "6108", Zuege: intp(0), Klassenfrequenz: intp(99)}
	err := s.Validate()
	e, ok := apperr.As(err)
	if !ok || e.Class != apperr.ClassInvalid {
		t.Fatalf("Validate() = %v, want ClassInvalid", err)
	}
	got := map[string]string{}
	for _, f := range e.Fields {
		got[f.Pointer] = f.Code
		if f.Message == "" {
			t.Errorf("%s has no message", f.Pointer)
		}
	}
	want := map[string]string{
		"/schulnummer": "schulnummer_ungueltig", "/name": "pflichtfeld_leer", "/schulform": "schulform_unbekannt",
		"/traeger": "traeger_unbekannt", "/plz": "plz_ungueltig", "/zuege": "ausserhalb_bereich", "/klassenfrequenz": "ausserhalb_bereich",
	}
	for p, c := range want {
		if got[p] != c {
			t.Errorf("field %s: code %q, want %q", p, got[p], c)
		}
	}
	if len(got) != len(want) {
		t.Errorf("got %d field errors %v, want %d", len(got), got, len(want))
	}
}

func TestValidateAcceptsCompleteSchool(t *testing.T) {
	s := Schule{Schulnummer: "01234", Name: "Grundschule Am Park", Schulform: Grundschule, PLZ: "06108", Zuege: intp(2)}
	s.Normalize()
	if err := s.Validate(); err != nil {
		t.Fatalf("Validate() = %v", err)
	}
	if s.Traeger != Kommunal {
		t.Errorf("default Träger = %q, want kommunal", s.Traeger)
	}
}

func TestEverySchulformHasKMKCode(t *testing.T) {
	for _, f := range Schulformen {
		if f.ArtDerSchule() == "" {
			t.Errorf("%s has no ArtDerSchule code", f)
		}
	}
}

func TestNurLesbarePruefen(t *testing.T) {
	stand := time.Date(2026, 3, 1, 8, 0, 0, 123000, time.UTC)
	alt := &Schule{Schulnummer: "20101", Schulform: Grundschule, UpdatedAt: stand}
	neu := Schule{Schulnummer: "20101", Schulform: Gymnasium}
	str := func(s string) *string { return &s }
	other := stand.Add(time.Second)
	for _, c := range []struct {
		name string
		alt  *Schule
		v    Vorgaben
		want []string // pointers refused
	}{
		{"nothing sent", alt, Vorgaben{}, nil},
		{"as stored", alt, Vorgaben{ArtDerSchule: str(Grundschule.ArtDerSchule()), UpdatedAt: &stand}, nil},
		{"code of the new form", alt, Vorgaben{ArtDerSchule: str(Gymnasium.ArtDerSchule())}, nil},
		{"another code", alt, Vorgaben{ArtDerSchule: str(Foerderschule.ArtDerSchule())}, []string{"/art_der_schule"}},
		{"another time", alt, Vorgaben{UpdatedAt: &other}, []string{"/updated_at"}},
		{"time for a new school", nil, Vorgaben{UpdatedAt: &stand}, []string{"/updated_at"}},
	} {
		err := NurLesbarePruefen(c.alt, neu, c.v)
		var got []string
		if e, ok := apperr.As(err); ok {
			for _, f := range e.Fields {
				if f.Code != "nur_lesbar" || f.Message == "" {
					t.Errorf("%s: %+v", c.name, f)
				}
				got = append(got, f.Pointer)
			}
		} else if err != nil {
			t.Fatalf("%s: %v", c.name, err)
		}
		if !slices.Equal(got, c.want) {
			t.Errorf("%s: refused %v, want %v", c.name, got, c.want)
		}
	}
}

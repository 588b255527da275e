package schule

import (
	"testing"

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

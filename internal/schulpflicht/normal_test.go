package schulpflicht

import (
	"slices"
	"testing"
)

func TestFalte(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"Müller-Lüdenscheidt", []string{"mueller", "luedenscheidt"}},
		{"MUELLER  LUEDENSCHEIDT", []string{"mueller", "luedenscheidt"}},
		{"Weiß", []string{"weiss"}},
		{"René Zoé", []string{"rene", "zoe"}},
		{"Müller", []string{"mueller"}},       // ü as one character
		{"Mu\u0308ller", []string{"mueller"}}, // u + combining diaeresis
		{"MÃ¼ller", []string{"mueller"}},      // UTF-8 read as Windows-1252
		{"Şahin Çelik Øre", []string{"sahin", "celik", "oere"}},
		{"D'Angelo", []string{"dangelo"}},
		{"", nil},
	}
	for _, c := range cases {
		if got := Falte(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Falte(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestFamilienwoerterOhnePartikel(t *testing.T) {
	cases := []struct {
		in   string
		want []string
	}{
		{"von Bülow", []string{"buelow"}},
		{"Bülow", []string{"buelow"}},
		{"van der Berg", []string{"berg"}},
		{"de Vries", []string{"vries"}},
		{"Al-Hassan", []string{"hassan"}},
		{"Van Der", []string{"van", "der"}}, // nothing but particles: kept
	}
	for _, c := range cases {
		if got := Familienwoerter(c.in); !slices.Equal(got, c.want) {
			t.Errorf("Familienwoerter(%q) = %q, want %q", c.in, got, c.want)
		}
	}
}

func TestVornamenwoerter(t *testing.T) {
	got := Vornamenwoerter("Anna-Lena Sophie", "Sophie")
	if want := []string{"anna", "lena", "sophie"}; !slices.Equal(got, want) {
		t.Errorf("Vornamenwoerter = %q, want %q", got, want)
	}
	got = Vornamenwoerter("Jürgen", "Jo")
	if want := []string{"juergen", "jo"}; !slices.Equal(got, want) {
		t.Errorf("Vornamenwoerter = %q, want %q", got, want)
	}
}

func TestAdresseSchluessel(t *testing.T) {
	a := adresseSchluessel("Hauptstraße", "3a")
	for _, s := range [][2]string{{"Hauptstr.", "3 A"}, {"HAUPTSTRASSE", "3a"}} {
		if b := adresseSchluessel(s[0], s[1]); b != a {
			t.Errorf("adresseSchluessel(%q, %q) = %q, want %q", s[0], s[1], b, a)
		}
	}
	if b := adresseSchluessel("Hauptstraße", "5"); b == a {
		t.Errorf("different house numbers give the same key %q", a)
	}
}

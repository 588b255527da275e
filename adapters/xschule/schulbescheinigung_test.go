package xschule

import (
	"errors"
	"reflect"
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

const exampleSB = "XSchule_Schulbescheinigung_01.xml"

// The official example is accepted with its values, and decode → encode →
// decode gives the same model.
func TestSchulbescheinigungOfficialExampleRoundTrips(t *testing.T) {
	data := readExample(t, exampleSB)
	b, hinweise, err := DecodeSchulbescheinigung(data)
	if err != nil {
		t.Fatalf("decode: %v\n%s", err, describe(err))
	}
	if len(hinweise) != 0 {
		t.Errorf("hinweise = %v, want none", hinweise)
	}
	s := b.Schueler
	if s.Name.Familienname.Name != "Muster" || s.Name.Vorname.Name != "Schülerin" || s.Geburt.Datum.String() != "2008-09-01" {
		t.Errorf("pupil = %+v", s.Name)
	}
	if len(s.Anschriften) != 1 || s.Anschriften[0].Strasse != "Baumschulenweg" || s.Anschriften[0].Kodierung.Kreis.Value != "04011" {
		t.Errorf("address = %+v", s.Anschriften)
	}
	if b.Schulname() != "Kippenberg-Gymnasium" || len(b.Schule.Kommunikation) != 2 || b.Schule.Kommunikation[1].Kennung != "+49 421 555-59093" {
		t.Errorf("school = %+v", b.Schule)
	}
	if len(b.Schule.Schulformen) != 1 || b.Schule.Schulformen[0].Code.Value != "http://xbildung.de/def/kmk/1.0/code/artderschule/gymnasium" {
		t.Errorf("schulform = %+v", b.Schule.Schulformen)
	}
	if z := b.Schulbesuch.Zeitraum; z == nil || z.Ende.String() != "2026-06-30" || !z.Beginn.IsZero() {
		t.Errorf("zeitraum = %+v", z)
	}
	if b.Schulbesuch.Jahrgangsstufe.Value != "http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/qualifikationsphase_2" {
		t.Errorf("jahrgangsstufe = %+v", b.Schulbesuch.Jahrgangsstufe)
	}
	von, bis := b.Gueltigkeit()
	if !von.Equal(time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC)) || !bis.Equal(time.Date(2026, 6, 30, 0, 0, 0, 0, time.UTC)) {
		t.Errorf("gueltigkeit = %v – %v, want 2026-03-01 – 2026-06-30", von, bis)
	}

	out, err := EncodeSchulbescheinigung(b)
	if err != nil {
		t.Fatalf("encode: %v\n%s", err, describe(err))
	}
	again, _, err := DecodeSchulbescheinigung(out)
	if err != nil {
		t.Fatalf("decode own output: %v\n%s", err, describe(err))
	}
	if !reflect.DeepEqual(b, again) {
		t.Errorf("round trip differs:\nfirst  %+v\nsecond %+v", b, again)
	}
}

// Every problem comes back at once, each at its XML path.
func TestSchulbescheinigungReportsAllProblemsWithPaths(t *testing.T) {
	data := string(readExample(t, exampleSB))
	data = strings.Replace(data, "<xsc:name>Muster</xsc:name>", "", 1)
	data = strings.Replace(data, "<xbd:jahrMonatTag>2008-09-01</xbd:jahrMonatTag>", "<xbd:jahrMonatTag>2008-13-01</xbd:jahrMonatTag>", 1)
	data = strings.Replace(data, "<xsc:ende>2026-06-30</xsc:ende>", "<xsc:beginn>2026-08-01</xsc:beginn><xsc:ende>2026-06-30</xsc:ende>", 1)
	data = strings.Replace(data, "<xsc:artDerTraegerschaft>", "<xsc:unbekannt/><xsc:artDerTraegerschaft>", 1)
	_, _, err := DecodeSchulbescheinigung([]byte(data))
	e, ok := apperr.As(err)
	if !ok || e.Class != apperr.ClassInvalid || !errors.Is(err, ErrInvalid) {
		t.Fatalf("err = %v, want invalid", err)
	}
	got := map[string]bool{}
	for _, f := range e.Fields {
		got[f.Pointer] = true
	}
	for _, want := range []string{
		rootPathSB + "/xsc:schueler/xsc:nameNatuerlichePerson/xsc:familienname",
		rootPathSB + "/xsc:schueler/xsc:geburt/xsc:datum/xbd:jahrMonatTag",
		rootPathSB + "/xsc:schulbesuch/xsc:zeitraum/xsc:ende",
		rootPathSB + "/xsc:schule/xsc:unbekannt",
	} {
		if !got[want] {
			t.Errorf("no problem at %s; got %s", want, describe(err))
		}
	}
}

func TestSchulbescheinigungMalformedAndWrongRoot(t *testing.T) {
	if _, _, err := DecodeSchulbescheinigung([]byte("<xsc:schueler.schulbescheinigung.0004")); !errors.Is(err, ErrSyntax) {
		t.Errorf("malformed: err = %v, want ErrSyntax", err)
	}
	if _, _, err := DecodeSchulbescheinigung(readExample(t, "XSchule_Wechsel_01.xml")); !errors.Is(err, ErrWrongRoot) {
		t.Errorf("a Schulwechsel: err = %v, want ErrWrongRoot", err)
	}
}

package schulpflicht

import (
	"strings"
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

func TestFallAnwenden(t *testing.T) {
	offen := Fall{ID: 1, Status: FallOffen}
	inKlaerung := Fall{ID: 1, Status: FallInKlaerung, Bemerkung: "angeschrieben"}
	erledigt := Fall{ID: 1, Status: FallErledigt, Grund: GrundWeggezogen}
	set := func(status, grund string) FallAenderung {
		a := FallAenderung{}
		if status != "" {
			a.StatusSet, a.Status = true, status
		}
		if grund != "-" {
			a.GrundSet, a.Grund = true, grund
		}
		return a
	}
	tests := []struct {
		name     string
		von      Fall
		a        FallAenderung
		want     Fall
		code     string // expected error code, "" = valid
		historie bool
	}{
		{"offen → in_klaerung", offen, set("in_klaerung", "-"), Fall{ID: 1, Status: FallInKlaerung}, "", true},
		{"offen → erledigt with grund", offen, set("erledigt", "befreit"), Fall{ID: 1, Status: FallErledigt, Grund: GrundBefreit}, "", true},
		{"erledigt needs grund", offen, set("erledigt", "-"), offen, "grund_fehlt", false},
		{"grund only when erledigt", offen, set("in_klaerung", "befreit"), offen, "grund_nur_bei_erledigt", false},
		{"unknown grund", offen, set("erledigt", "urlaub"), offen, "grund_unbekannt", false},
		{"unknown status", offen, set("fertig", "-"), offen, "status_unbekannt", false},
		{"in_klaerung → offen", inKlaerung, set("offen", "-"), Fall{ID: 1, Status: FallOffen, Bemerkung: "angeschrieben"}, "", true},
		{"erledigt → offen is refused", erledigt, set("offen", "-"), erledigt, "uebergang_unzulaessig", false},
		{"reopening drops the grund", erledigt, set("in_klaerung", "-"), Fall{ID: 1, Status: FallInKlaerung}, "", true},
		{"change the grund of a closed case", erledigt, set("", "befreit"), Fall{ID: 1, Status: FallErledigt, Grund: GrundBefreit}, "", true},
		{"clear the grund of a closed case", erledigt, set("", ""), erledigt, "grund_fehlt", false},
		{"nothing changes", inKlaerung, set("in_klaerung", "-"), inKlaerung, "", false},
		{"remark only", offen, FallAenderung{BemerkungSet: true, Bemerkung: " Anruf "}, Fall{ID: 1, Status: FallOffen, Bemerkung: "Anruf"}, "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, h, err := tt.von.Anwenden(tt.a, "sachbearbeiterin")
			if tt.code != "" {
				e, ok := apperr.As(err)
				if !ok || e.Class != apperr.ClassInvalid || len(e.Fields) == 0 || e.Fields[0].Code != tt.code {
					t.Fatalf("err = %v, want code %s", err, tt.code)
				}
				if e.Fields[0].Message == "" {
					t.Error("no German message")
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if got.Status != tt.want.Status || got.Grund != tt.want.Grund || got.Bemerkung != tt.want.Bemerkung {
				t.Errorf("got %+v, want %+v", got, tt.want)
			}
			if (h != nil) != tt.historie {
				t.Fatalf("history entry %+v, want one: %v", h, tt.historie)
			}
			if h != nil && (h.Wer != "sachbearbeiterin" || h.VonStatus != tt.von.Status || h.ZuStatus != got.Status ||
				h.VonGrund != tt.von.Grund || h.ZuGrund != got.Grund) {
				t.Errorf("history %+v", h)
			}
		})
	}
}

func TestFallBefreitBis(t *testing.T) {
	offen := Fall{ID: 1, Status: FallOffen}
	erledigen := FallAenderung{StatusSet: true, Status: "erledigt", GrundSet: true, Grund: "befreit", BefreitBisSet: true, BefreitBis: "2027-07-31"}
	f, h, err := offen.Anwenden(erledigen, "amt")
	if err != nil || h == nil || f.BefreitBis.Format(time.DateOnly) != "2027-07-31" {
		t.Fatalf("%+v %v", f, err)
	}
	// Only the date changes: still a change with a history entry.
	g, h, err := f.Anwenden(FallAenderung{BefreitBisSet: true, BefreitBis: "2027-12-31"}, "amt")
	if err != nil || h == nil || g.BefreitBis.Format(time.DateOnly) != "2027-12-31" {
		t.Errorf("date moved: %+v %v %v", g, h, err)
	}
	// Another reason drops the date; a date without befreit is refused.
	if g, _, err := f.Anwenden(FallAenderung{GrundSet: true, Grund: "weggezogen"}, "amt"); err != nil || !g.BefreitBis.IsZero() {
		t.Errorf("other reason: %+v %v", g, err)
	}
	for _, a := range []FallAenderung{
		{StatusSet: true, Status: "erledigt", GrundSet: true, Grund: "weggezogen", BefreitBisSet: true, BefreitBis: "2027-07-31"},
		{StatusSet: true, Status: "erledigt", GrundSet: true, Grund: "befreit", BefreitBisSet: true, BefreitBis: "31.07.2027"},
	} {
		_, _, err := offen.Anwenden(a, "amt")
		if e, ok := apperr.As(err); !ok || len(e.Fields) != 1 || e.Fields[0].Pointer != "/befreit_bis" {
			t.Errorf("%+v: %v", a, err)
		}
	}
}

// A closed case stays closed while its reason covers what a run finds.
func TestWiederaufnahme(t *testing.T) {
	d := func(s string) time.Time { t, _ := time.Parse(time.DateOnly, s); return t }
	herbst := d("2026-09-15") // school year 2026/27
	tests := []struct {
		name     string
		f        ErledigterFall
		stichtag time.Time
		want     string // part of the reason; "" = stays closed
	}{
		{"befreit without end", ErledigterFall{ID: 1, Grund: GrundBefreit, Stichtag: herbst}, d("2030-01-01"), ""},
		{"befreit until a later day", ErledigterFall{ID: 1, Grund: GrundBefreit, BefreitBis: d("2026-12-31"), Stichtag: herbst}, d("2026-12-31"), ""},
		{"befreit until a passed day", ErledigterFall{ID: 1, Grund: GrundBefreit, BefreitBis: d("2026-12-31"), Stichtag: herbst}, d("2027-01-01"), "Die Befreiung (Fall 1) galt bis 31.12.2026; der Abgleich zum Stichtag 01.01.2027"},
		{"school found, now none", ErledigterFall{ID: 2, Grund: GrundSchuleGefunden, Stichtag: herbst}, d("2026-10-01"), "weil das Kind an einer Schule gefunden wurde"},
		{"deferred, same school year", ErledigterFall{ID: 3, Grund: GrundZurueckgestellt, Stichtag: herbst}, d("2027-07-31"), ""},
		{"deferred, next school year", ErledigterFall{ID: 3, Grund: GrundZurueckgestellt, Stichtag: herbst}, d("2027-08-01"), "für das Schuljahr 2026/27 als „zurückgestellt“ erledigt"},
		{"school outside, next school year", ErledigterFall{ID: 4, Grund: GrundSchuleAusserhalb, Stichtag: herbst}, d("2027-09-15"), "(Schuljahr 2027/28)"},
		{"offence, same school year", ErledigterFall{ID: 5, Grund: GrundOWiEingeleitet, Stichtag: herbst}, d("2027-03-01"), ""},
		{"moved away, no move-in since", ErledigterFall{ID: 6, Grund: GrundWeggezogen, ErledigtAm: d("2026-10-01"), Zuzug: d("2020-01-01")}, d("2027-09-15"), ""},
		{"moved away and back", ErledigterFall{ID: 6, Grund: GrundWeggezogen, ErledigtAm: d("2026-10-01"), Zuzug: d("2027-02-01")}, d("2027-03-01"), "am 01.02.2027 wieder zugezogen"},
	}
	for _, tt := range tests {
		got := tt.f.Wiederaufnahme(tt.stichtag)
		if tt.want == "" && got != "" || tt.want != "" && !strings.Contains(got, tt.want) {
			t.Errorf("%s: %q, want %q", tt.name, got, tt.want)
		}
	}
}

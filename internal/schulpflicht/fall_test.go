package schulpflicht

import (
	"testing"

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

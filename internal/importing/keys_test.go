package importing

import (
	"testing"
	"time"

	"github.com/schulgateway/schulgateway/internal/werte"
)

func TestSchluessel(t *testing.T) {
	birth := time.Date(2020, 3, 4, 0, 0, 0, 0, time.UTC)
	tests := []struct {
		name string
		kind Listenart
		a, b map[string]any
		same bool
	}{
		{"register by Ordnungsmerkmal ignores name changes", ListeMelderegister,
			map[string]any{"ordnungsmerkmal": "4711", "familienname": "Müller", "vornamen": "Lena", "geburtsdatum": birth},
			map[string]any{"ordnungsmerkmal": "4711", "familienname": "Schmidt", "vornamen": "Lena", "geburtsdatum": birth}, true},
		{"register without id folds umlauts and case", ListeMelderegister,
			map[string]any{"familienname": "Müller", "vornamen": "Lena Marie", "geburtsdatum": birth},
			map[string]any{"familienname": "MUELLER", "vornamen": "lena marie", "geburtsdatum": birth}, true},
		{"different birth date is another child", ListeMelderegister,
			map[string]any{"familienname": "Müller", "vornamen": "Lena", "geburtsdatum": birth},
			map[string]any{"familienname": "Müller", "vornamen": "Lena", "geburtsdatum": birth.AddDate(0, 0, 1)}, false},
		{"same pupil at two schools is two records", ListeSchueler,
			map[string]any{"schulnummer": "20101", "schuelernummer": "S1"},
			map[string]any{"schulnummer": "20102", "schuelernummer": "S1"}, false},
		{"street spellings are one street", ListeSchulbezirke,
			map[string]any{"strasse": "Ludwig-Wucherer-Straße", "paritaet": "alle", "hausnummer_von": werte.Hausnummer{Nummer: 1}},
			map[string]any{"strasse": "Ludwig Wucherer Str.", "paritaet": "alle", "hausnummer_von": werte.Hausnummer{Nummer: 1}}, true},
		{"a rule from a later school year is another rule", ListeSchulbezirke,
			map[string]any{"strasse": "Kirchgasse", "paritaet": "alle"},
			map[string]any{"strasse": "Kirchgasse", "paritaet": "alle", "gueltig_ab": werte.NewSchuljahr(2027)}, false},
	}
	for _, tt := range tests {
		ka, kb := Schluessel(tt.kind, ValuesOf(tt.kind, tt.a)), Schluessel(tt.kind, ValuesOf(tt.kind, tt.b))
		if (ka == kb) != tt.same || ka == "" {
			t.Errorf("%s: %q vs %q, same = %v, want %v", tt.name, ka, kb, ka == kb, tt.same)
		}
	}
}

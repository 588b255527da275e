package werte

import "testing"

func TestRepairMojibake(t *testing.T) {
	tests := []struct{ in, want string }{
		{"KÃ¶nig", "König"},
		{"GroÃŸ-BÃ¶lting", "Groß-Bölting"},
		{"Dr.-KÃ¼lz-StraÃŸe", "Dr.-Külz-Straße"},
		{"Einschulung 2027/28 â€“ Stand", "Einschulung 2027/28 – Stand"},
		{"König", "König"},         // correct text stays
		{"Åsa", "Åsa"},             // a real Å is no mojibake
		{"São Paulo", "São Paulo"}, // neither is a real ã
		{"Ã", "Ã"},
	}
	for _, tt := range tests {
		if got := repairMojibake(tt.in); got != tt.want {
			t.Errorf("repairMojibake(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

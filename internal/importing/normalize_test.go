package importing

import (
	"strings"
	"testing"
)

func TestNormalizeHeader(t *testing.T) {
	tests := []struct{ in, want string }{
		{"Geburtsdatum", "gebdat"},
		{"Geb.-Datum", "gebdat"},
		{"GEBURTS-DATUM", "gebdat"},
		{"geb. am", "gebam"},
		{"Straße", "str"},
		{"Strasse", "str"},
		{"Str.", "str"},
		{"Strassenname", "strnname"},
		{"Hausnummer", "hausnr"},
		{"Hausnr.", "hausnr"},
		{"Haus-Nr.", "hausnr"},
		{"Schul-Nr.", "schulnr"},
		{"Schulnummer", "schulnr"},
		{"Schülernummer", "schuelernr"},
		{"Schuelernummer", "schuelernr"},
		{"Vorname(n)", "vornamen"},
		{"  Zügigkeit ", "zuegigkeit"},
		{"Kapazität", "kapazitaet"},
		{"ÜBERMITTLUNGSSPERRE", "uebermittlungssperre"},
		{"Stra\u00dfe", "str"},
		{"Fam.name\n(Kind)", "famnamekind"},
		{"Élève", "eleve"},
		{"StraÃŸe", "str"},            // UTF-8 read as Windows-1252
		{"SchÃ¼ler-ID", "schuelerid"}, // as in a LibreOffice sample
		{"Schu\u0308ler", "schueler"}, // decomposed umlaut (macOS)
		{"", ""},
	}
	for _, tt := range tests {
		got := NormalizeHeader(tt.in)
		if got != tt.want {
			t.Errorf("NormalizeHeader(%q) = %q, want %q", tt.in, got, tt.want)
		}
		if again := NormalizeHeader(got); again != got {
			t.Errorf("NormalizeHeader not idempotent: %q → %q → %q", tt.in, got, again)
		}
	}
}

func TestNormalizeName(t *testing.T) {
	tests := []struct{ in, want string }{
		{"  Mira   Johanna ", "Mira Johanna"},
		{"Mira\u00a0Johanna", "Mira Johanna"},
		{"Krause-\nHübner", "Krause- Hübner"},
		{"Lo\u0308ßner", "Lößner"},
		{"\ufeffJung", "Jung"},
		{"van der Berg", "van der Berg"},
		{"KÃ¶nig", "König"},
		{"Ali\tFriedrich", "Ali Friedrich"},
	}
	for _, tt := range tests {
		if got := NormalizeName(tt.in); got != tt.want {
			t.Errorf("NormalizeName(%q) = %q, want %q", tt.in, got, tt.want)
		}
	}
}

func TestEditDistance(t *testing.T) {
	tests := []struct {
		a, b string
		want int
	}{
		{"", "", 0},
		{"abc", "", 3},
		{"familienname", "famillienname", 1},
		{"geburtsdatum", "geburtsdatmu", 1}, // swap counts once
		{"strasse", "strase", 1},
		{"kitten", "sitting", 3},
		{"ca", "abc", 3}, // optimal string alignment, not unrestricted Damerau
		{"zuzug", "wegzug", 3},
		{"größe", "grösse", 2}, // letters, not bytes
		{strings.Repeat("ab", 40), strings.Repeat("ab", 39) + "ba", 1},     // longer than the stack rows
		{strings.Repeat("x", 70), "y" + strings.Repeat("x", 68) + "yz", 3}, // both long
	}
	for _, tt := range tests {
		if got := editDistance(tt.a, tt.b); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d", tt.a, tt.b, got, tt.want)
		}
		if got := editDistance(tt.b, tt.a); got != tt.want {
			t.Errorf("editDistance(%q, %q) = %d, want %d (symmetry)", tt.b, tt.a, got, tt.want)
		}
	}
}

package httpapi

import (
	"mime"
	"strings"
	"testing"
)

// A download's name cannot break out of the header, and a browser gets
// the name with its umlauts back.
func TestContentDispositionIsSafe(t *testing.T) {
	for _, name := range []string{"schuelerzahlen.xlsx", "einschulung-2027-28-20101.csv", "Fälle \"alle\";\r\nX-Evil: 1.xlsx"} {
		h := contentDisposition(name)
		if strings.ContainsAny(h, "\r\n") || strings.Count(h, `"`) != 2 {
			t.Errorf("%q: header %q", name, h)
			continue
		}
		disp, params, err := mime.ParseMediaType(h)
		if err != nil || disp != "attachment" {
			t.Errorf("%q: %q does not parse: %v", name, h, err)
			continue
		}
		if params["filename"] != name {
			t.Errorf("%q: the name read back is %q", name, params["filename"])
		}
	}
}

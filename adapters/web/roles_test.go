package web_test

import (
	"os"
	"regexp"
	"slices"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/auth"
)

// The dev sign-in page offers exactly the roles the gateway knows: a new
// role (gesundheitsamt) cannot be forgotten there, and no page offers a
// role the gateway would refuse.
func TestSignInOffersEveryRole(t *testing.T) {
	b, err := os.ReadFile("static/index.html")
	if err != nil {
		t.Fatal(err)
	}
	html := string(b)
	i := strings.Index(html, `<select id="rolle"`)
	if i < 0 {
		t.Fatal("index.html has no role select")
	}
	sel := html[i:]
	sel = sel[:strings.Index(sel, "</select>")]
	var opts, want []string
	for _, m := range regexp.MustCompile(`<option value="([a-z]+)">`).FindAllStringSubmatch(sel, -1) {
		opts = append(opts, m[1])
	}
	for _, r := range auth.AllRoles {
		want = append(want, string(r))
	}
	slices.Sort(opts)
	slices.Sort(want)
	if !slices.Equal(opts, want) {
		t.Errorf("index.html offers the roles %v, the gateway knows %v", opts, want)
	}
}

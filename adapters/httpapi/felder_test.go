package httpapi

import (
	"os"
	"slices"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/auth"
	sp "github.com/schulgateway/schulgateway/internal/schulpflicht"
)

// The field policy names exactly the fields the contract gives each
// resource, and the README shows the policy as the code has it.
func TestFieldPolicyMatchesSpecAndReadme(t *testing.T) {
	doc := loadSpec(t)
	for _, r := range auth.Feldrichtlinien {
		ref := doc.Components.Schemas[r.Ressource]
		if ref == nil {
			continue // a file export, not a schema
		}
		var props []string
		for name := range ref.Value.Properties {
			props = append(props, name)
		}
		var want []string
		for _, f := range r.Felder {
			if !strings.Contains(f, ".") {
				want = append(want, f)
			}
		}
		slices.Sort(props)
		slices.Sort(want)
		if !slices.Equal(props, want) {
			t.Errorf("%s: the policy names %v, openapi.yaml has %v", r.Ressource, want, props)
		}
	}
	readme, err := os.ReadFile("../../README.md")
	if err != nil {
		t.Fatal(err)
	}
	if !strings.Contains(string(readme), auth.FeldrichtlinienMarkdown()) {
		t.Errorf("README.md does not show the field policy as internal/auth/felder.go has it; paste:\n%s", auth.FeldrichtlinienMarkdown())
	}
}

// A child with an Auskunftssperre: the school office sees the address,
// the BMS does not, and the lists for the schools leave it out.
func TestAuskunftssperreWithholdsAddressFromAllButSchulamt(t *testing.T) {
	t.Parallel()
	e, pool := einschulungEnv(t)
	amt, bms := e.token(auth.RoleSchulamt), e.token(auth.RoleBMS)
	_, imp, _ := e.upload(amt, "kind=melderegister", "melderegister.xlsx", sample(t, "melderegister.xlsx"))
	if done := e.await(amt, imp.ID); done.Status != "succeeded" {
		t.Fatalf("import: %+v", done)
	}
	gesperrt := count(t, pool, `SELECT count(*) FROM kinder WHERE geburtsdatum BETWEEN '2020-07-02' AND '2021-07-01' AND auskunftssperre AND status = 'gemeldet'`)
	if gesperrt == 0 {
		t.Fatal("the sample register has no child with an Auskunftssperre in the cohort")
	}
	ohne := func(token string) int {
		n := 0
		for _, k := range e.allKinder(token, "", 500) {
			if k.Anschrift == nil {
				n++
			}
		}
		return n
	}
	if n := ohne(bms); n != gesperrt {
		t.Errorf("BMS: %d children without address, %d with Auskunftssperre", n, gesperrt)
	}
	if n := ohne(amt); n != 0 {
		t.Errorf("Schulamt: %d children without address", n)
	}
	_, body := e.do(call{method: "GET", path: "/v1/einschulung/2027-28/liste.csv", token: amt})
	if got := strings.Count(string(body), ";;;;ja;"); got != gesperrt {
		t.Errorf("list: %d rows with the address left out, want %d", got, gesperrt)
	}
}

// A case's child under an Auskunftssperre: the school office sees the
// address (it must reach the family), admin does not.
func TestFallAddressFollowsFieldPolicy(t *testing.T) {
	k := sp.Kindangaben{Familienname: "Muster", Strasse: "Rosenweg", Hausnummer: "3", PLZ: "06108", Ort: "Musterstadt", Auskunftssperre: true}
	amt := auth.Principal{Subject: "a", Roles: []auth.Role{auth.RoleSchulamt}}
	admin := auth.Principal{Subject: "b", Roles: []auth.Role{auth.RoleAdmin}}
	if got := fallKind(k, amt); got.Strasse != "Rosenweg" || got.PLZ != "06108" {
		t.Errorf("schulamt: %+v", got)
	}
	if got := fallKind(k, admin); got.Strasse != "" || got.Hausnummer != "" || got.PLZ != "" || got.Ort != "" || got.Familienname != "Muster" {
		t.Errorf("admin under Auskunftssperre: %+v", got)
	}
	k.Auskunftssperre = false
	if got := fallKind(k, admin); got.Strasse != "Rosenweg" {
		t.Errorf("admin without Auskunftssperre: %+v", got)
	}
}

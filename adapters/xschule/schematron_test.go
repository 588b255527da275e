package xschule

import (
	"encoding/xml"
	"os"
	"regexp"
	"strings"
	"testing"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// schRule is a concrete rule of the .sch file with the assert it gets
// from the abstract rule it extends.
type schRule struct {
	context, assertID, text string
}

func readSchematron(t *testing.T) []schRule {
	t.Helper()
	data, err := os.ReadFile("testdata/sch/xschule-schematron.sch")
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Rules []struct {
			ID       string `xml:"id,attr"`
			Abstract string `xml:"abstract,attr"`
			Context  string `xml:"context,attr"`
			Extends  []struct {
				Rule string `xml:"rule,attr"`
			} `xml:"extends"`
			Asserts []struct {
				ID   string `xml:"id,attr"`
				Text string `xml:",chardata"`
			} `xml:"assert"`
		} `xml:"pattern>rule"`
	}
	if err := xml.Unmarshal(data, &doc); err != nil {
		t.Fatal(err)
	}
	abstract := map[string][2]string{}
	for _, r := range doc.Rules {
		if r.Abstract == "true" && len(r.Asserts) == 1 {
			abstract[r.ID] = [2]string{r.Asserts[0].ID, strings.TrimSpace(r.Asserts[0].Text)}
		}
	}
	var out []schRule
	for _, r := range doc.Rules {
		if r.Context == "" {
			continue
		}
		for _, x := range r.Extends {
			a, ok := abstract[x.Rule]
			if !ok {
				t.Fatalf("rule %s extends unknown %s", r.Context, x.Rule)
			}
			out = append(out, schRule{context: r.Context, assertID: a[0], text: a[1]})
		}
	}
	if len(out) < 30 {
		t.Fatalf("only %d concrete rules read; the reader is broken", len(out))
	}
	return out
}

var contextRE = regexp.MustCompile(`^xsc:([A-Za-z.0-9]+)(?:/xsc:([A-Za-z]+))?//xsc:([A-Za-z]+)$`)

// Every Schematron rule whose context is a message the gateway reads has
// its Go check, with the same id and text; and no check without a rule.
func TestSchematronRulesImplemented(t *testing.T) {
	want := map[SchematronRegel]bool{}
	for _, r := range readSchematron(t) {
		if !strings.HasPrefix(r.context, "xsc:"+Nachricht) && !strings.HasPrefix(r.context, "xsc:"+NachrichtSchulbescheinigung) {
			continue
		}
		m := contextRE.FindStringSubmatch(r.context)
		if m == nil {
			t.Errorf("context %q has a form the Go checks do not cover", r.context)
			continue
		}
		if r.text != textWNIL {
			t.Errorf("%s: text %q, the Go check reports %q", r.assertID, r.text, textWNIL)
		}
		want[SchematronRegel{ID: r.assertID, Nachricht: m[1], Unter: m[2], Element: m[3]}] = true
	}
	have := map[SchematronRegel]bool{}
	for _, r := range SchematronRegeln {
		have[r] = true
		if !want[r] {
			t.Errorf("Go check %+v has no rule in the .sch file", r)
		}
	}
	for r := range want {
		if !have[r] {
			t.Errorf("rule %s (%s%s//%s) is not implemented", r.ID, r.Nachricht, r.Unter, r.Element)
		}
	}
	if len(want) != 12 {
		t.Errorf("%d rules for the two messages, the closing note lists 12", len(want))
	}
}

// schematronCase makes an official example carry the rule's element where
// none of them does (valid), then breaks the rule in two ways.
type schematronCase struct {
	file     string
	add      [2]string // old → new, to give the example the element; empty: it has one
	wnilCode bool      // the list has ~wert_nicht_in_liste: the second way can be tried
}

func schematronCases() map[string]schematronCase {
	return map[string]schematronCase{
		"XSC-1000-0001-WNIL_AdF":  {file: "XSchule_Wechsel_Journey_Schulform.xml"},
		"XSC-1000-0002-WNIL_AdSA": {file: "XSchule_Wechsel_01.xml"},
		"XSC-1000-0003-WNIL_AdU":  {file: "XSchule_Wechsel_01.xml"},
		"XSC-1000-0004-WNIL_LE": {file: "XSchule_Wechsel_01.xml", add: [2]string{"</xsc:beginnDerSchulpflicht>",
			"</xsc:beginnDerSchulpflicht><xsc:schullaufbahnempfehlung><xsc:code><code>" + firstValue(codeLaufbahnempfehlung.uri) + "</code></xsc:code></xsc:schullaufbahnempfehlung>"}},
		"XSC-1000-0006-WNIL_TgU": {file: "XSchule_Wechsel_01.xml"},
		"XSC-1000-0007-WNIL_VG":  {file: "XSchule_Wechsel_Journey_Schulform.xml"},
		"XSC-1000-0008-WNIL_VT":  {file: "XSchule_Wechsel_02.xml"},
		"XSC-1000-0010-WNIL_AF": {file: "XSchule_Wechsel_Journey_Schulform.xml", add: [2]string{"<xsc:bezeichnung>Informatik</xsc:bezeichnung>",
			"<xsc:bezeichnung>Informatik</xsc:bezeichnung><xsc:aufgabenfeld><xsc:code><code>" + firstValue(codeAufgabenfeld.uri) + "</code></xsc:code></xsc:aufgabenfeld>"}},
		"XSC-1000-0011-WNIL_IS": {file: "XSchule_Wechsel_02.xml"},
		"XSC-1000-0013-WNIL_AdSA": {file: exampleSB, add: [2]string{"</xsc:zeitraum>",
			"</xsc:zeitraum><xsc:voraussichtlicherAbschluss><xsc:code><code>http://xbildung.de/def/destatis/2025-10-28/code/artdesschulabschlusses/allgemeine_hochschulreife</code></xsc:code></xsc:voraussichtlicherAbschluss>"}},
		"XSC-1000-0014-WNIL_AdS": {file: "XSchule_Wechsel_01.xml"},
	}
}

func decodeAny(file string, data []byte) error {
	if file == exampleSB {
		_, _, err := DecodeSchulbescheinigung(data)
		return err
	}
	_, err := Decode(data)
	return err
}

// elementSpan finds the first element <xsc:name> of the rule's context
// that is an Auswahl (has xsc:code) and returns the offset of its
// </xsc:code> and its code value.
func elementSpan(msg string, r SchematronRegel) (int, string, bool) {
	from := 0
	if r.Unter != "" {
		from = strings.Index(msg, "<xsc:"+r.Unter+">")
		if from < 0 {
			return 0, "", false
		}
	}
	for {
		i := strings.Index(msg[from:], "<xsc:"+r.Element+">")
		if i < 0 {
			return 0, "", false
		}
		start := from + i
		end := strings.Index(msg[start:], "</xsc:"+r.Element+">")
		body := msg[start : start+end]
		if c := strings.Index(body, "</xsc:code>"); c >= 0 {
			v := regexp.MustCompile(`<code>([^<]*)</code>`).FindStringSubmatch(body)
			return start + c + len("</xsc:code>"), strings.TrimSpace(v[1]), true
		}
		from = start + 1
	}
}

func TestSchematronRuleBroken(t *testing.T) {
	cases := schematronCases()
	wnilTried := map[string]bool{}
	defer func() {
		if len(wnilTried) < 5 {
			t.Errorf("~wert_nicht_in_liste without free text tried for %d rules only: %v", len(wnilTried), wnilTried)
		}
	}()
	for _, r := range SchematronRegeln {
		key := r.ID
		if r.ID == "XSC-1000-0014-WNIL_AdS" && r.Nachricht == NachrichtSchulbescheinigung {
			key += "/sb"
		}
		t.Run(key, func(t *testing.T) {
			c, ok := cases[r.ID]
			if key == "XSC-1000-0014-WNIL_AdS/sb" {
				c, ok = schematronCase{file: exampleSB}, true
			}
			if !ok {
				t.Fatalf("no test case for rule %s", r.ID)
			}
			msg := string(readExample(t, c.file))
			if c.add[0] != "" {
				if !strings.Contains(msg, c.add[0]) {
					t.Fatalf("%s lacks %q", c.file, c.add[0])
				}
				msg = strings.Replace(msg, c.add[0], c.add[1], 1)
				if err := decodeAny(c.file, []byte(msg)); err != nil {
					t.Fatalf("the example with %s added is refused: %v\n%s", r.Element, err, describe(err))
				}
			}
			at, code, ok := elementSpan(msg, r)
			if !ok {
				t.Fatalf("%s has no %s to break", c.file, r.Element)
			}
			// 1. A free text beside a code of the list.
			broken := msg[:at] + "<xsc:nichtGelisteterWert>Freitext</xsc:nichtGelisteterWert>" + msg[at:]
			assertRule(t, c.file, broken, r, "/xsc:nichtGelisteterWert")
			// 2. ~wert_nicht_in_liste without the free text (where the list has that code).
			wnil := code[:strings.LastIndex(code, "/")+1] + "~wert_nicht_in_liste"
			spec, ok := specOf(r)
			if !ok {
				t.Fatalf("no code list for %s", r.Element)
			}
			if hasValue(spec, wnil) {
				broken = strings.Replace(msg, "<code>"+code+"</code>", "<code>"+wnil+"</code>", 1)
				assertRule(t, c.file, broken, r, "")
				// With the free text, even empty, the message is accepted.
				at2, _, _ := elementSpan(broken, r)
				fixed := broken[:at2] + "<xsc:nichtGelisteterWert/>" + broken[at2:]
				if err := decodeAny(c.file, []byte(fixed)); err != nil {
					t.Errorf("~wert_nicht_in_liste with an empty nichtGelisteterWert refused: %s", describe(err))
				}
				wnilTried[r.ID] = true
			}
		})
	}
}

// specOf is the code list of the rule's element.
func specOf(r SchematronRegel) (codeSpec, bool) {
	m := map[string]codeSpec{
		"abfolge": codeAbfolgeDerFremdsprachen, "artDerSchulaufnahme": codeArtDerSchulaufnahme, "art": codeArtDerUnterrichtsteilnahme,
		"schullaufbahnempfehlung": codeLaufbahnempfehlung, "teilnahmeGemeinsamerUnterricht": codeTeilnahmeGemeinsamerUnterricht,
		"verpflichtungsgrad": codeVerpflichtungsgrad, "versetzungsOderAusnahmetatbestandstyp": codeVersetzungstyp,
		"aufgabenfeld": codeAufgabenfeld, "impfschutz": codeImpfschutz, "schulform": codeArtDerSchule,
		"voraussichtlicherAbschluss": codeArtDesSchulabschlusses,
	}
	s, ok := m[r.Element]
	return s, ok
}

func hasValue(spec codeSpec, v string) bool {
	_, ok := codelisten[spec.uri].values[v]
	return ok
}

func assertRule(t *testing.T, file, msg string, r SchematronRegel, suffix string) {
	t.Helper()
	err := decodeAny(file, []byte(msg))
	e, ok := apperr.As(err)
	if !ok || e.Class != apperr.ClassInvalid {
		t.Fatalf("broken message accepted (%v)", err)
	}
	for _, f := range e.Fields {
		if f.Code == r.Kennung() && strings.HasSuffix(f.Pointer, suffix) && strings.Contains(f.Pointer, "/xsc:"+r.Element) &&
			strings.Contains(f.Message, textWNIL) && strings.Contains(f.Message, r.ID) {
			if len(e.Fields) != 1 {
				t.Errorf("besides the rule: %s", describe(err))
			}
			return
		}
	}
	t.Errorf("no %s at …/xsc:%s%s: %s", r.Kennung(), r.Element, suffix, describe(err))
}

// All official examples still pass with the Schematron checks.
func TestSchematronOfficialExamplesPass(t *testing.T) {
	for _, f := range append(append([]string{}, examples...), exampleSB) {
		if err := decodeAny(f, readExample(t, f)); err != nil {
			t.Errorf("%s: %s", f, describe(err))
		}
	}
}

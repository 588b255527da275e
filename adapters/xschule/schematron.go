package xschule

import (
	"fmt"
	"strings"
)

// The Schematron rules of XSchule 1.2 (sch/xschule-schematron.sch of the
// release) whose context lies in a message this package reads. All of
// them are instances of one abstract rule: an XSchule "Auswahl" (a code
// with an optional free text) carries xsc:nichtGelisteterWert – possibly
// empty – if and only if its code ends in "wert_nicht_in_liste". The
// checks run natively while the decoder reads each such element (see
// decoder.auswahl), and report at the element's XML path with the rule's
// id as the error code. TestSchematronRulesImplemented reads the .sch file
// and fails when a rule for one of the two messages is missing here.
//
// Code values are compared after trimming white space, as the decoder
// reads them (the XSD's code is an xs:token).

// SchematronRegel is one concrete rule: the assert's id, the message
// (root element), the element the rule's context names and, for contexts
// like "xsc:schueler.wechsel.0001/xsc:besuchteSchule//xsc:art", the child
// of the root it must lie under.
type SchematronRegel struct {
	ID        string // e.g. XSC-1000-0002-WNIL_AdSA
	Nachricht string
	Unter     string // "" = anywhere in the message
	Element   string
}

// Kennung is the rule's short id, e.g. XSC-1000-0002: the error code.
func (r SchematronRegel) Kennung() string {
	if i := strings.Index(r.ID, "-WNIL"); i > 0 {
		return r.ID[:i]
	}
	return r.ID
}

// textWNIL is the German text of the abstract rule every one of these
// extends, as the .sch file has it.
const textWNIL = "Nur wenn der Codewert 'wert_nicht_in_liste' ist, darf und muss das Feld 'nichtGelisteterWert' (ggf. leer) vorhanden sein."

// SchematronRegeln are the rules checked.
var SchematronRegeln = []SchematronRegel{
	{ID: "XSC-1000-0001-WNIL_AdF", Nachricht: Nachricht, Element: "abfolge"},
	{ID: "XSC-1000-0002-WNIL_AdSA", Nachricht: Nachricht, Element: "artDerSchulaufnahme"},
	{ID: "XSC-1000-0003-WNIL_AdU", Nachricht: Nachricht, Unter: "besuchteSchule", Element: "art"},
	{ID: "XSC-1000-0004-WNIL_LE", Nachricht: Nachricht, Element: "schullaufbahnempfehlung"},
	{ID: "XSC-1000-0006-WNIL_TgU", Nachricht: Nachricht, Element: "teilnahmeGemeinsamerUnterricht"},
	{ID: "XSC-1000-0007-WNIL_VG", Nachricht: Nachricht, Element: "verpflichtungsgrad"},
	{ID: "XSC-1000-0008-WNIL_VT", Nachricht: Nachricht, Element: "versetzungsOderAusnahmetatbestandstyp"},
	{ID: "XSC-1000-0010-WNIL_AF", Nachricht: Nachricht, Element: "aufgabenfeld"},
	{ID: "XSC-1000-0011-WNIL_IS", Nachricht: Nachricht, Element: "impfschutz"},
	{ID: "XSC-1000-0014-WNIL_AdS", Nachricht: Nachricht, Element: "schulform"},
	{ID: "XSC-1000-0013-WNIL_AdSA", Nachricht: NachrichtSchulbescheinigung, Element: "voraussichtlicherAbschluss"},
	{ID: "XSC-1000-0014-WNIL_AdS", Nachricht: NachrichtSchulbescheinigung, Element: "schulform"},
}

// regelFuer returns the rule whose context is the element at path.
func regelFuer(e elem) (SchematronRegel, bool) {
	if e.n.name.Space != NamespaceXSchule {
		return SchematronRegel{}, false
	}
	for _, r := range SchematronRegeln {
		root := "/xsc:" + r.Nachricht
		if r.Element != e.n.name.Local || !strings.HasPrefix(e.path, root+"/") {
			continue
		}
		if r.Unter != "" && !strings.HasPrefix(e.path, root+"/xsc:"+r.Unter+"/") && !strings.HasPrefix(e.path, root+"/xsc:"+r.Unter+"[") {
			continue
		}
		return r, true
	}
	return SchematronRegel{}, false
}

// schematron checks the rule (if any) whose context is e, an Auswahl.
func (d *decoder) schematron(e elem) {
	r, ok := regelFuer(e)
	if !ok {
		return
	}
	var hatFreitext, wnil bool
	for _, c := range e.n.kids {
		switch c.name.Local {
		case "nichtGelisteterWert":
			hatFreitext = true
		case "code":
			for _, v := range c.kids {
				if v.name.Space == "" && v.name.Local == "code" && strings.HasSuffix(strings.TrimSpace(v.text.String()), "wert_nicht_in_liste") {
					wnil = true
				}
			}
		}
	}
	switch {
	case wnil && !hatFreitext:
		d.add(e.path, r.Kennung(), fmt.Sprintf("%s Der Code ist „wert_nicht_in_liste“: bitte xsc:nichtGelisteterWert mit dem Wert angeben (Schematron-Regel %s).", textWNIL, r.ID))
	case !wnil && hatFreitext:
		d.add(e.path+"/xsc:nichtGelisteterWert", r.Kennung(), fmt.Sprintf("%s Der Code ist ein Wert der Liste: bitte xsc:nichtGelisteterWert weglassen (Schematron-Regel %s).", textWNIL, r.ID))
	}
}

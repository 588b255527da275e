// Package xschule reads and writes the XSchule 1.2 message
// "schueler.wechsel.0001" (change of school) and maps it to the domain
// model in internal/schulwechsel.
//
// Decode refuses hostile input before it looks at content: a DOCTYPE (and
// with it every entity declaration), more than MaxSize bytes or
// MaxElements elements, nesting deeper than MaxDepth, malformed XML, a
// second root element. It then
// checks the message against the structure of the XSD (element order,
// namespaces, mandatory elements, cardinalities, the code lists embedded
// from the standard) and the domain rules of schulwechsel.Validate, and
// reports every problem at once as apperr.Invalid whose field pointers are
// XML paths such as
//
//	/xsc:schueler.wechsel.0001/xsc:schueler/xsc:nameNatuerlichePerson/xsc:familienname
//
// (prefixes as in the standard's examples: xsc = XSchule, xbd = XBildung;
// repeatable elements carry a 1-based index, e.g. xsc:erziehungsberechtigter[2];
// attributes end in /@name). At most MaxErrors problems are listed.
//
// A few elements that the XSD allows are not mapped (ds:Signature,
// xsc:schuelerReisender, xsc:alternativeRepraesentation, xsc:note in
// courses); a message carrying them is refused with
// CodeNichtUnterstuetzt instead of being shortened silently.
//
// Encode writes the model in the element order of the XSD with the
// standard's prefixes and code-list attributes, and decodes its own output
// once more, so it never returns a message that Decode would refuse.
package xschule

import (
	"bytes"
	"encoding/xml"
	"errors"
	"fmt"
	"io"
	"strings"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// Namespaces of XSchule 1.2 and XBildung 1.2.
const (
	NamespaceXSchule  = "http://xschule.digital/def/xschule/1.2/xsd"
	NamespaceXBildung = "http://xbildung.de/def/xbildung/1.2/xsd"
	nsXSI             = "http://www.w3.org/2001/XMLSchema-instance"
	nsXML             = "http://www.w3.org/XML/1998/namespace"
	nsDS              = "http://www.w3.org/2000/09/xmldsig#"
	schemaLocation    = NamespaceXSchule + " https://xschule.digital/def/xschule/1.2/xsd/xschule.xsd"
)

// Nachricht is the name of the root element this package reads and writes.
const Nachricht = "schueler.wechsel.0001"

// Limits for untrusted input.
const (
	MaxSize     = 5 << 20 // bytes
	MaxDepth    = 32      // element nesting; the message needs about 10
	MaxElements = 20000   // elements; the official examples have 100 to 250
	MaxErrors   = 200     // field errors listed; more are summed up in one
)

// Causes of a refusal, for errors.Is; the returned error is always an
// *apperr.Error of class ClassInvalid.
var (
	ErrTooLarge  = errors.New("xschule: input too large")
	ErrTooDeep   = errors.New("xschule: nesting too deep")
	ErrDoctype   = errors.New("xschule: DOCTYPE not allowed")
	ErrSyntax    = errors.New("xschule: malformed XML")
	ErrWrongRoot = errors.New("xschule: wrong root element")
	ErrInvalid   = errors.New("xschule: message breaks the schema or the domain rules")
)

// Field error codes (besides those of schulwechsel.Validate).
const (
	CodeXMLUngueltig        = "xml_ungueltig"
	CodeDoctypeVerboten     = "doctype_verboten"
	CodeZuGross             = "zu_gross"
	CodeZuTief              = "zu_tief"
	CodeWurzelFalsch        = "wurzelelement_falsch"
	CodePflichtfeldFehlt    = schulwechsel.CodePflichtfeldFehlt
	CodeElementUnbekannt    = "element_unbekannt"
	CodeElementZuOft        = "element_zu_oft"
	CodeReihenfolgeFalsch   = "reihenfolge_falsch"
	CodeNichtUnterstuetzt   = "element_nicht_unterstuetzt"
	CodeAttributUnbekannt   = "attribut_unbekannt"
	CodeTextUnerwartet      = "text_unerwartet"
	CodeAuswahlMehrdeutig   = "auswahl_mehrdeutig"
	CodeCodeUnbekannt       = "code_unbekannt"
	CodeCodelisteAbweichend = "codeliste_abweichend"
	CodeFormatUngueltig     = "format_ungueltig"
	CodeZuVieleFehler       = "zu_viele_fehler"
	// CodeCodeNormalisiert marks a Hinweis: a code taken in the canonical
	// form of its list (another version segment or listVersionID).
	CodeCodeNormalisiert = "code_normalisiert"
)

const rootPath = "/xsc:" + Nachricht

// Decode reads one "schueler.wechsel.0001" message. On any problem it
// returns nil and an *apperr.Error (ClassInvalid) listing all of them.
func Decode(data []byte) (*schulwechsel.Schulwechsel, error) {
	w, _, err := DecodeMitHinweisen(data)
	return w, err
}

// DecodeMitHinweisen is Decode that also returns what it normalised: codes
// that differ from the embedded code lists only in their version, taken in
// the list's canonical form (CodeCodeNormalisiert). The model holds the
// canonical form, so Encode writes it.
func DecodeMitHinweisen(data []byte) (*schulwechsel.Schulwechsel, []schulwechsel.Hinweis, error) {
	if len(data) > MaxSize {
		return nil, nil, refuse(ErrTooLarge, CodeZuGross, fmt.Sprintf("Die Nachricht ist größer als %d MiB.", MaxSize>>20))
	}
	root, err := parse(data)
	if err != nil {
		return nil, nil, err
	}
	if root.name.Space != NamespaceXSchule || root.name.Local != Nachricht {
		return nil, nil, &apperr.Error{
			Class:  apperr.ClassInvalid,
			Detail: "Die Nachricht ist keine XSchule-1.2-Nachricht schueler.wechsel.0001.",
			Fields: []apperr.FieldError{{
				Pointer: "/" + displayName(root.name),
				Code:    CodeWurzelFalsch,
				Message: fmt.Sprintf("Erwartet wird das Wurzelelement %s im Namensraum %s.", Nachricht, NamespaceXSchule),
			}},
			Err: ErrWrongRoot,
		}
	}
	d := &decoder{}
	w := d.message(root)
	for _, f := range domainErrors(w) {
		if !d.covers(f.Pointer) {
			d.add(f.Pointer, f.Code, f.Message)
		}
	}
	if d.dropped > 0 {
		d.errs = append(d.errs, apperr.FieldError{Pointer: rootPath, Code: CodeZuVieleFehler,
			Message: fmt.Sprintf("%d weitere Fehler wurden nicht aufgeführt.", d.dropped)})
	}
	if len(d.errs) > 0 {
		return nil, nil, &apperr.Error{Class: apperr.ClassInvalid, Detail: "Die XSchule-Nachricht ist ungültig.", Fields: d.errs, Err: ErrInvalid}
	}
	return w, d.hinweise, nil
}

// Encode writes w as a "schueler.wechsel.0001" message (UTF-8, with XML
// declaration). A model that would give an invalid message is refused with
// the same field errors Decode would report for it.
func Encode(w *schulwechsel.Schulwechsel) ([]byte, error) {
	if w == nil {
		return nil, apperr.Invalid("Es gibt keinen Schulwechsel zum Schreiben.", []apperr.FieldError{{Pointer: "/", Code: CodePflichtfeldFehlt, Message: "Der Schulwechsel fehlt."}})
	}
	out := encodeMessage(w)
	if _, err := Decode(out); err != nil {
		if e, ok := apperr.As(err); ok {
			return nil, &apperr.Error{Class: apperr.ClassInvalid, Detail: "Aus dem Schulwechsel lässt sich keine gültige XSchule-Nachricht erzeugen.", Fields: e.Fields, Err: e.Err}
		}
		return nil, err
	}
	return out, nil
}

func refuse(cause error, code, msg string) error {
	return &apperr.Error{
		Class:  apperr.ClassInvalid,
		Detail: "Die Nachricht wird nicht angenommen.",
		Fields: []apperr.FieldError{{Pointer: "/", Code: code, Message: msg}},
		Err:    cause,
	}
}

// node is one element of the parsed document.
type node struct {
	name  xml.Name
	attrs []xml.Attr // without namespace declarations
	kids  []*node
	text  strings.Builder
}

// hasText reports non-whitespace character data directly in n.
func (n *node) hasText() bool { return strings.TrimSpace(n.text.String()) != "" }

// parse builds the element tree under the limits. It refuses any
// directive (DOCTYPE, ENTITY, …); encoding/xml itself refuses undeclared
// entities and non-UTF-8 encodings.
func parse(data []byte) (*node, error) {
	dec := xml.NewDecoder(bytes.NewReader(data))
	dec.Strict = true
	var root *node
	var stack []*node
	elements := 0
	for {
		tok, err := dec.Token()
		if err == io.EOF {
			break
		}
		if err != nil {
			line := 0
			var se *xml.SyntaxError
			if errors.As(err, &se) {
				line = se.Line
			}
			msg := "Die Nachricht ist kein wohlgeformtes XML."
			if line > 0 {
				msg = fmt.Sprintf("Die Nachricht ist kein wohlgeformtes XML (Zeile %d).", line)
			}
			return nil, refuse(fmt.Errorf("%w: %v", ErrSyntax, err), CodeXMLUngueltig, msg)
		}
		switch t := tok.(type) {
		case xml.StartElement:
			if len(stack) >= MaxDepth {
				return nil, refuse(ErrTooDeep, CodeZuTief, fmt.Sprintf("Die Elemente sind tiefer als %d Ebenen verschachtelt.", MaxDepth))
			}
			if elements++; elements > MaxElements {
				return nil, refuse(ErrTooLarge, CodeZuGross, fmt.Sprintf("Die Nachricht hat mehr als %d Elemente.", MaxElements))
			}
			if root != nil && len(stack) == 0 {
				return nil, refuse(ErrSyntax, CodeXMLUngueltig, "Die Nachricht hat mehr als ein Wurzelelement.")
			}
			n := &node{name: t.Name}
			for _, a := range t.Attr {
				if a.Name.Space == "xmlns" || (a.Name.Space == "" && a.Name.Local == "xmlns") {
					continue
				}
				n.attrs = append(n.attrs, a)
			}
			if root == nil {
				root = n
			} else {
				p := stack[len(stack)-1]
				p.kids = append(p.kids, n)
			}
			stack = append(stack, n)
		case xml.EndElement:
			stack = stack[:len(stack)-1]
		case xml.CharData:
			if len(stack) == 0 {
				if len(bytes.TrimSpace(t)) > 0 {
					return nil, refuse(ErrSyntax, CodeXMLUngueltig, "Außerhalb des Wurzelelements steht Text.")
				}
				continue
			}
			stack[len(stack)-1].text.Write(t)
		case xml.Directive:
			return nil, refuse(ErrDoctype, CodeDoctypeVerboten, "DOCTYPE- und ENTITY-Deklarationen sind nicht erlaubt.")
		case xml.Comment, xml.ProcInst:
			// ignored
		}
	}
	if root == nil {
		return nil, refuse(ErrSyntax, CodeXMLUngueltig, "Die Nachricht enthält kein Element.")
	}
	if len(stack) > 0 { // not reached in strict mode, kept as a guard
		return nil, refuse(ErrSyntax, CodeXMLUngueltig, "Die Nachricht ist unvollständig.")
	}
	return root, nil
}

// prefixes used in XML paths and in Encode's output.
var prefixes = map[string]string{NamespaceXSchule: "xsc", NamespaceXBildung: "xbd", nsDS: "ds", nsXSI: "xsi", nsXML: "xml"}

// displayName writes a name as prefix:local, local for unqualified names,
// and {namespace}local for namespaces the standard does not use.
func displayName(n xml.Name) string {
	if n.Space == "" {
		return n.Local
	}
	if p, ok := prefixes[n.Space]; ok {
		return p + ":" + n.Local
	}
	return "{" + n.Space + "}" + n.Local
}

package xschule

import (
	"bytes"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
	"time"

	sb "github.com/schulgateway/schulgateway/internal/schulbescheinigung"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// The XSchule/XBildung schemas import four third-party schemas by URL. The
// test runs offline, so it maps those URLs through an XML catalog to
// minimal stand-ins written here: the XÖV Code base type (code, optional
// name, listURI, listVersionID), the DIN 91379 string types (as plain
// strings: their character-set patterns are not checked), an
// xmldsig:Signature that accepts anything, and xml:lang.
var schemaStubs = map[string]string{
	"xoev-code.xsd": `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://xoev.de/schemata/code/1_0">
  <xs:complexType name="Code">
    <xs:sequence>
      <xs:element name="code" type="xs:token"/>
      <xs:element name="name" type="xs:normalizedString" minOccurs="0"/>
    </xs:sequence>
    <xs:attribute name="listURI" type="xs:anyURI" use="optional"/>
    <xs:attribute name="listVersionID" type="xs:normalizedString" use="optional"/>
  </xs:complexType>
</xs:schema>`,
	"din-91379.xsd": `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="urn:xoev-de:kosit:xoev:datentyp:din-91379_2022-08">
  <xs:simpleType name="datatypeA"><xs:restriction base="xs:string"/></xs:simpleType>
  <xs:simpleType name="datatypeB"><xs:restriction base="xs:string"/></xs:simpleType>
  <xs:simpleType name="datatypeC"><xs:restriction base="xs:string"/></xs:simpleType>
  <xs:simpleType name="datatypeD"><xs:restriction base="xs:string"/></xs:simpleType>
  <xs:simpleType name="datatypeE"><xs:restriction base="xs:string"/></xs:simpleType>
</xs:schema>`,
	"xmldsig.xsd": `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/2000/09/xmldsig#" elementFormDefault="qualified">
  <xs:element name="Signature">
    <xs:complexType>
      <xs:sequence><xs:any processContents="skip" minOccurs="0" maxOccurs="unbounded"/></xs:sequence>
      <xs:anyAttribute processContents="skip"/>
    </xs:complexType>
  </xs:element>
</xs:schema>`,
	"xml.xsd": `<?xml version="1.0" encoding="UTF-8"?>
<xs:schema xmlns:xs="http://www.w3.org/2001/XMLSchema" targetNamespace="http://www.w3.org/XML/1998/namespace">
  <xs:attribute name="lang" type="xs:string"/>
</xs:schema>`,
}

var schemaCatalog = `<?xml version="1.0"?>
<catalog xmlns="urn:oasis:names:tc:entity:xmlns:xml:catalog">
  <uri name="http://xoev.de/schemata/code/1_0/xoev-code.xsd" uri="xoev-code.xsd"/>
  <uri name="https://xoev.de/schemata/din/91379/2022-08/din-norm-91379-datatypes.xsd" uri="din-91379.xsd"/>
  <uri name="http://www.w3.org/TR/2002/REC-xmldsig-core-20020212/xmldsig-core-schema.xsd" uri="xmldsig.xsd"/>
  <uri name="https://www.w3.org/2009/01/xml.xsd" uri="xml.xsd"/>
  <uri name="http://xbildung.de/def/xbildung/1.2/xsd/xbildung-baukasten.xsd" uri="xbildung-baukasten.xsd"/>
</catalog>
`

// xmllintValidator prepares the schema directory and returns a function
// that validates a document with xmllint. Without xmllint the test fails:
// a skipped XSD check would prove nothing (make test installs Debian's
// libxml2-utils, scripts/ensure-xmllint.sh).
func xmllintValidator(t *testing.T) func(doc []byte) (bool, string) {
	t.Helper()
	bin, err := exec.LookPath("xmllint")
	if err != nil {
		t.Fatal("xmllint fehlt (Debian: apt-get install libxml2-utils; make test installiert es): ohne es keine XSD-Prüfung")
	}
	dir := t.TempDir()
	xsds, err := filepath.Glob(filepath.Join("testdata", "xsd", "*.xsd"))
	if err != nil || len(xsds) != 6 {
		t.Fatalf("schemas in testdata/xsd: %v %v", xsds, err)
	}
	for _, f := range xsds {
		data, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if err := os.WriteFile(filepath.Join(dir, filepath.Base(f)), data, 0o644); err != nil {
			t.Fatal(err)
		}
	}
	for name, content := range schemaStubs {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(content), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	catalog := filepath.Join(dir, "catalog.xml")
	if err := os.WriteFile(catalog, []byte(schemaCatalog), 0o644); err != nil {
		t.Fatal(err)
	}
	n := 0
	return func(doc []byte) (bool, string) {
		n++
		f := filepath.Join(dir, "doc"+strings.Repeat("_", n)+".xml")
		if err := os.WriteFile(f, doc, 0o644); err != nil {
			t.Fatal(err)
		}
		cmd := exec.Command(bin, "--nonet", "--noout", "--schema", filepath.Join(dir, "xschule.xsd"), f)
		cmd.Env = append(os.Environ(), "XML_CATALOG_FILES="+catalog)
		var out bytes.Buffer
		cmd.Stdout, cmd.Stderr = &out, &out
		err := cmd.Run()
		return err == nil && strings.Contains(out.String(), "validates"), out.String()
	}
}

func TestEncodeOutputValidatesAgainstXSD(t *testing.T) {
	validate := xmllintValidator(t)

	// The setup itself: the official examples validate, a broken document
	// does not.
	for _, name := range examples {
		if ok, out := validate(readExample(t, name)); !ok {
			t.Fatalf("official example %s does not validate; schema setup broken:\n%s", name, out)
		}
	}
	broken := strings.Replace(string(readExample(t, "XSchule_Wechsel_02.xml")), "<code>w</code>", "<code>w</code><name>weiblich</name>", 1)
	if ok, _ := validate([]byte(broken)); ok {
		t.Fatal("a document with an element the XSD forbids validates; the validator does not validate")
	}

	for _, name := range examples {
		t.Run(name, func(t *testing.T) {
			out := mustEncode(t, mustDecode(t, readExample(t, name)))
			if ok, msg := validate(out); !ok {
				t.Errorf("Encode output does not validate:\n%s", msg)
			}
		})
	}
	t.Run("from scratch", func(t *testing.T) {
		if ok, msg := validate(mustEncode(t, validModel())); !ok {
			t.Errorf("Encode output does not validate:\n%s", msg)
		}
	})
	t.Run("Schulbescheinigung", func(t *testing.T) {
		orig := readExample(t, exampleSB)
		if ok, msg := validate(orig); !ok {
			t.Fatalf("official example %s does not validate; schema setup broken:\n%s", exampleSB, msg)
		}
		b, _, err := DecodeSchulbescheinigung(orig)
		if err != nil {
			t.Fatal(err)
		}
		b.Schulbesuch.VoraussichtlicherAbschluss = &sw.Auswahl{Code: sw.Code{Value: "http://xbildung.de/def/destatis/2025-10-28/code/artdesschulabschlusses/~wert_nicht_in_liste"}}
		b.Schulbesuch.Schuljahr = &sb.Schuljahr{Beginn: sw.Datum{Jahr: 2025}, Ende: sw.Tagesdatum(2026, 7, 31)}
		out, err := EncodeSchulbescheinigung(b)
		if err != nil {
			t.Fatalf("encode: %s", describe(err))
		}
		if ok, msg := validate(out); !ok {
			t.Errorf("EncodeSchulbescheinigung output does not validate:\n%s\n%s", msg, out)
		}
	})
	// The admission the Übergang writes for the receiving school
	// (uebergang.Aufnahme): valid against the schema, and read back by the
	// gateway's own reader (its Schematron checks and code lists), with and
	// without an address (Auskunftssperre) and a known Grundschule.
	t.Run("Übergang admission", func(t *testing.T) {
		kind := uebergang.AufnahmeKind{Familienname: "Yılmaz", Vornamen: "Elif Naz", Geburtsdatum: time.Date(2016, 3, 14, 0, 0, 0, 0, time.UTC),
			Geschlecht: "w", Strasse: "Große Ulrichstraße", Hausnummer: "12a", PLZ: "06108", Ort: "Halle (Saale)",
			Grundschule: "20101", Schulnummer: "40001"}
		gesperrt := kind
		gesperrt.Auskunftssperre, gesperrt.Grundschule, gesperrt.Geschlecht = true, "", ""
		for name, k := range map[string]uebergang.AufnahmeKind{"with address": kind, "Auskunftssperre, no Grundschule": gesperrt} {
			out := mustEncode(t, uebergang.Aufnahme(werte.NewSchuljahr(2027), k))
			if ok, msg := validate(out); !ok {
				t.Errorf("%s: the Übergang admission does not validate:\n%s\n%s", name, msg, out)
				continue
			}
			back := mustDecode(t, out)
			if got := back.Aufnahme.Schule.Schulnummern(); len(got) != 1 || got[0] != "40001" || back.Schueler.Name.Familienname.Name != k.Familienname {
				t.Errorf("%s: read back %v %q", name, got, back.Schueler.Name.Familienname.Name)
			}
			if hat := len(back.Schueler.Anschriften) > 0; hat == k.Auskunftssperre {
				t.Errorf("%s: address written %v under Auskunftssperre %v", name, hat, k.Auskunftssperre)
			}
		}
	})
	t.Run("rich model", func(t *testing.T) {
		if ok, msg := validate(mustEncode(t, richModel())); !ok {
			t.Errorf("Encode output does not validate:\n%s", msg)
		}
	})
}

package xschule

import (
	"embed"
	"encoding/xml"
	"fmt"
	"path"
	"regexp"
	"strings"

	"github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// The genericode files in codelisten/ are copied unchanged from XSchule 1.2
// (CC BY 4.0, ]init[ AG im Auftrag des Landes Sachsen-Anhalt; see
// codelisten/NOTICE.md).
//
//go:embed codelisten/*.xml
var codelistenFS embed.FS

type codeliste struct {
	uri, version string
	values       map[string]string // code -> German description
	// byStem finds a code by its URI without the version segment
	// (versionStem), for codes written with another version of the list.
	byStem map[string]string
}

// versionRE is what a version looks like, in listVersionID or as a
// segment of a code's URI: 1.0, 2019, 2025-11-13.
var versionRE = regexp.MustCompile(`^[0-9]+([.-][0-9]+)*$`)

// versionStem returns a code URI with its version segment (the one before
// "/code/", e.g. "2019" in http://xschule.digital/def/kmk/2019/code/foerderschwerpunkt/lernen)
// replaced by "*"; ok is false for a code without one.
func versionStem(v string) (string, bool) {
	i := strings.Index(v, "/code/")
	if i < 0 {
		return "", false
	}
	j := strings.LastIndex(v[:i], "/")
	if j < 0 || !versionRE.MatchString(v[j+1:i]) {
		return "", false
	}
	return v[:j+1] + "*" + v[i:], true
}

// canonical returns the list's own form of code v: v itself, or the code
// that differs from v only in the version segment of its URI.
func (l codeliste) canonical(v string) (string, bool) {
	if _, ok := l.values[v]; ok {
		return v, true
	}
	stem, ok := versionStem(v)
	if !ok {
		return "", false
	}
	c, ok := l.byStem[stem]
	return c, ok
}

var codelisten = mustLoadCodelisten()

func mustLoadCodelisten() map[string]codeliste {
	m, err := loadCodelisten()
	if err != nil {
		panic(err) // embedded data; covered by tests
	}
	return m
}

func loadCodelisten() (map[string]codeliste, error) {
	entries, err := codelistenFS.ReadDir("codelisten")
	if err != nil {
		return nil, err
	}
	out := map[string]codeliste{}
	for _, e := range entries {
		if path.Ext(e.Name()) != ".xml" {
			continue
		}
		data, err := codelistenFS.ReadFile("codelisten/" + e.Name())
		if err != nil {
			return nil, err
		}
		var gc struct {
			URI     string `xml:"Identification>CanonicalUri"`
			Version string `xml:"Identification>Version"`
			Rows    []struct {
				Values []struct {
					Ref   string `xml:"ColumnRef,attr"`
					Value string `xml:"SimpleValue"`
				} `xml:"Value"`
			} `xml:"SimpleCodeList>Row"`
		}
		if err := xml.Unmarshal(data, &gc); err != nil {
			return nil, fmt.Errorf("codeliste %s: %w", e.Name(), err)
		}
		l := codeliste{uri: gc.URI, version: gc.Version, values: map[string]string{}, byStem: map[string]string{}}
		for _, r := range gc.Rows {
			var code, desc string
			for _, v := range r.Values {
				switch v.Ref {
				case "code":
					code = v.Value
				case "description-de-DE":
					desc = v.Value
				}
			}
			if code != "" {
				l.values[code] = desc
				if stem, ok := versionStem(code); ok {
					l.byStem[stem] = code
				}
			}
		}
		if l.uri == "" || l.version == "" || len(l.values) == 0 {
			return nil, fmt.Errorf("codeliste %s: leer oder ohne Kennung", e.Name())
		}
		out[l.uri] = l
	}
	return out, nil
}

// Bezeichnung returns the German description of a code from the code
// lists embedded in this package (those of XSchule 1.2 and XBildung 1.2
// that the message uses).
func Bezeichnung(c schulwechsel.Code) (string, bool) {
	l, ok := codelisten[c.ListURI]
	if !ok || l.version != c.ListVersion {
		return "", false
	}
	v, ok := l.values[c.Value]
	return v, ok
}

// The XÖV code types the message uses, with the fixed attributes of the XSD.
var (
	staatsCode = regexp.MustCompile(`^[0-9]{3}$`)

	codeLanguage = codeSpec{typ: "xbd:Code.Language", uri: "urn:xbildung-de:publicationsoffice-eu:codeliste:language", version: "20240925-0",
		format: regexp.MustCompile(`^http://publications\.europa\.eu/resource/authority/language/[A-Z]{3}$`)}
	codeStaat                = codeSpec{typ: "xbd:Code.Staat", uri: "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit", withName: true, format: staatsCode}
	codeStaatsangehoerigkeit = codeSpec{typ: "xbd:Code.Staatsangehoerigkeit", uri: "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:staatsangehoerigkeit", withName: true, format: staatsCode}
	// Geschlecht after XInneres/DSMeld: männlich, weiblich, divers, ohne Angabe.
	codeGeschlecht            = codeSpec{typ: "xbd:Code.Geschlecht", uri: "urn:xoev-de:xinneres:codeliste:geschlecht", version: "1", values: []string{"m", "w", "d", "x"}}
	codeGesetzlicherVertreter = codeSpec{typ: "xbd:Code.GesetzlicherVertreter", uri: "urn:de:dsmeld:schluesseltabelle:gesetzlicher.vertreter", version: "3"}
	codeErreichbarkeit        = codeSpec{typ: "xbd:Code.Erreichbarkeit", uri: "urn:de:xoev:codeliste:erreichbarkeit", version: "4.1"}
	codeKreis                 = codeSpec{typ: "xbd:Code.Kreis", uri: "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:kreis", format: regexp.MustCompile(`^[0-9]{5}$`)}
	codeBezirk                = codeSpec{typ: "xbd:Code.Bezirk", uri: "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:bezirk"}
	codeBundesland            = codeSpec{typ: "xbd:Code.Bundesland", uri: "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:bundesland", format: regexp.MustCompile(`^[0-9]{2}$`)}
	codeGemeindeschluessel    = codeSpec{typ: "xbd:Code.AmtlicherGemeindeschluessel", uri: "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:ags", format: regexp.MustCompile(`^[0-9]{8}$`)}
	codeRegionalschluessel    = codeSpec{typ: "xbd:Code.Regionalschluessel", uri: "urn:de:bund:destatis:bevoelkerungsstatistik:schluessel:rs", format: regexp.MustCompile(`^[0-9]{12}$`)}
	codeArtDerSchule          = codeSpec{typ: "xbd:Code.ArtDerSchule", uri: "urn:xbildung-de:kmk:codeliste:artderschule", version: "1.0"}
	codeArtDerTraegerschaft   = codeSpec{typ: "xbd:Code.ArtDerTraegerschaft", uri: "urn:xbildung-de:xbildung:codeliste:artdertraegerschaft", version: "1.0"}
	codeISCEDF2013            = codeSpec{typ: "xbd:Code.ISCEDF2013", uri: "urn:xbildung-de:publicationsoffice-eu:taxonomie:isced-f-2013", version: "20240110-0"}
	codeCEFR                  = codeSpec{typ: "xbd:Code.CEFR", uri: "urn:xbildung-de:coe-int:codeliste:languagereference", version: "20230628-0"}

	codeJahrgangsstufe                 = codeSpec{typ: "xsc:Code.Jahrgangsstufe", uri: "urn:xschule-digital:xschule:codeliste:jahrgangsstufe", version: "1.0"}
	codeArtDerSchulaufnahme            = codeSpec{typ: "xsc:Code.ArtDerSchulaufnahme", uri: "urn:xschule-digital:xschule:codeliste:artderschulaufnahme", version: "2025-02-25"}
	codeVersetzungstyp                 = codeSpec{typ: "xsc:Code.Versetzungstyp", uri: "urn:xschule-digital:xschule:codeliste:versetzungstyp", version: "2025-11-13"}
	codeImpfschutz                     = codeSpec{typ: "xsc:Code.Impfschutz", uri: "urn:xschule-digital:xschule:codeliste:impfschutz", version: "1.0"}
	codeKrankheit                      = codeSpec{typ: "xsc:Code.Krankheit", uri: "urn:xschule-digital:xschule:codeliste:krankheit", version: "1.0"}
	codeTeilnahmeGemeinsamerUnterricht = codeSpec{typ: "xsc:Code.TeilnahmeGemeinsamerUnterricht", uri: "urn:xschule-digital:xschule:codeliste:teilnahmegemeinsamerunterricht", version: "1.0"}
	codeArtDerUnterrichtsteilnahme     = codeSpec{typ: "xsc:Code.ArtDerUnterrichtsteilnahme", uri: "urn:xschule-digital:xschule:codeliste:artderunterrichtsteilnahme", version: "1.0"}
	codeHalbjahr                       = codeSpec{typ: "xsc:Code.Halbjahr", uri: "urn:xschule-digital:xschule:codeliste:halbjahr", version: "1.0"}
	codeVerpflichtungsgrad             = codeSpec{typ: "xsc:Code.Verpflichtungsgrad", uri: "urn:xschule-digital:xschule:codeliste:verpflichtungsgrad", version: "1.0"}
	codeAbfolgeDerFremdsprachen        = codeSpec{typ: "xsc:Code.AbfolgeDerFremdsprachen", uri: "urn:xschule-digital:xschule:codeliste:abfolgederfremdsprachen", version: "1.0"}
	codeAufgabenfeld                   = codeSpec{typ: "xsc:Code.Aufgabenfeld", uri: "urn:xschule-digital:kmk:codeliste:aufgabenfeld", version: "1.0"}
	codeKursstatus                     = codeSpec{typ: "xsc:Code.Kursstatus", uri: "urn:xschule-digital:xschule:codeliste:kursstatus", version: "1.0"}
	codeLaufbahnempfehlung             = codeSpec{typ: "xsc:Code.Laufbahnempfehlung", uri: "urn:xschule-digital:xschule:codeliste:laufbahnempfehlung", version: "1.0"}
	codeArtWeitererSprachkenntnisse    = codeSpec{typ: "xsc:Code.ArtWeitererSprachkenntnisse", uri: "urn:xschule-digital:xschule:codeliste:artweiterersprachkenntnisse", version: "1.0"}
	// Open lists: the message names the list; embedded lists with that URI
	// and version are checked, others are taken as they are.
	codeFoerderschwerpunkt = codeSpec{typ: "xsc:Code.Foerderschwerpunkt"}
	codeFach               = codeSpec{typ: "xsc:Code.Fach"}
	codeAnforderungsniveau = codeSpec{typ: "xsc:Code.Anforderungsniveau"}
	codeKonfession         = codeSpec{typ: "xsc:Code.Konfession"}
)

// allCodeSpecs lists every spec, for the consistency test against the XSD.
var allCodeSpecs = []codeSpec{
	codeLanguage, codeStaat, codeStaatsangehoerigkeit, codeGeschlecht, codeGesetzlicherVertreter, codeErreichbarkeit,
	codeKreis, codeBezirk, codeBundesland, codeGemeindeschluessel, codeRegionalschluessel, codeArtDerSchule,
	codeArtDerTraegerschaft, codeISCEDF2013, codeCEFR, codeJahrgangsstufe, codeArtDerSchulaufnahme, codeVersetzungstyp,
	codeImpfschutz, codeKrankheit, codeTeilnahmeGemeinsamerUnterricht, codeArtDerUnterrichtsteilnahme, codeHalbjahr,
	codeVerpflichtungsgrad, codeAbfolgeDerFremdsprachen, codeAufgabenfeld, codeKursstatus, codeLaufbahnempfehlung,
	codeArtWeitererSprachkenntnisse, codeFoerderschwerpunkt, codeFach, codeAnforderungsniveau, codeKonfession,
	codeArtDesSchulabschlusses, // Schulbescheinigung: voraussichtlicherAbschluss
}

package xschule

import (
	"reflect"
	"sort"
	"strings"
	"testing"

	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// c builds a code of the given type with the list attributes Decode fills.
func c(spec codeSpec, value string) sw.Code {
	return sw.Code{ListURI: spec.uri, ListVersion: spec.version, Value: value}
}

func staatCode(value, name string) sw.Code {
	return sw.Code{ListURI: codeStaat.uri, ListVersion: "2024-08-01", Value: value, Name: name}
}

const (
	xs10 = "http://xschule.digital/def/xschule/1.0/code/"
	lang = "http://publications.europa.eu/resource/authority/language/"
)

// richModel sets every field of the model at least once (checked by
// TestRichModelSetsEveryField), including everything the official examples
// leave out.
func richModel() *sw.Schulwechsel {
	t, f := true, false
	drei := 3
	zr := func(y int) sw.Zeitraum {
		return sw.Zeitraum{Beginn: sw.Tagesdatum(y, 8, 1), Ende: sw.Tagesdatum(y+1, 7, 31), Zusatz: "Schuljahr"}
	}
	zp := func(y int) *sw.Zeitraum { z := zr(y); return &z }
	name := func(fam, vor string) sw.Name {
		return sw.Name{
			Titel: "Dr.", Anreden: []string{"Frau", "Dr."},
			Familienname: sw.Namensteil{Name: fam}, Geburtsname: sw.Namensteil{Name: "Geborene " + fam},
			Vorname: sw.Namensteil{Name: vor}, Rufname: sw.Namensteil{Name: vor[:2]},
		}
	}
	anschrift := func(ort string) sw.Anschrift {
		return sw.Anschrift{
			Strasse: "Ludwig-Wucherer-Straße", Hausnummer: "12a", Postfach: "10 01 01", Postleitzahl: "06108", Ort: ort,
			Ortsteil: "Paulusviertel", Zusatz: "Hinterhaus", Staat: staatCode("000", "Deutschland"),
			Kodierung: &sw.VerwaltungspolitischeKodierung{
				Kreis:              sw.Code{ListURI: codeKreis.uri, ListVersion: "2024-01-01", Value: "15002"},
				Bezirk:             sw.Code{ListURI: codeBezirk.uri, ListVersion: "2024-01-01", Value: "0"},
				Bundesland:         sw.Code{ListURI: codeBundesland.uri, ListVersion: "2024-01-01", Value: "15"},
				Gemeindeschluessel: sw.Code{ListURI: codeGemeindeschluessel.uri, ListVersion: "2024-01-01", Value: "15002000"},
				Regionalschluessel: sw.Code{ListURI: codeRegionalschluessel.uri, ListVersion: "2024-01-01", Value: "150020000000"},
			},
		}
	}
	kontakt := sw.Kommunikation{Kanal: c(codeErreichbarkeit, "01"), Kennung: "post@example.org", IstDienstlich: &f, Zusatz: "abends"}
	id := sw.Identifikation{ID: "LSA-4711", Beschreibung: "Schülernummer", Gueltigkeit: zp(2020)}
	auswahl := func(spec codeSpec, v string) *sw.Auswahl {
		// The free text only with ~wert_nicht_in_liste (Schematron XSC-1000-*-WNIL).
		a := &sw.Auswahl{Code: c(spec, v)}
		if strings.HasSuffix(v, "wert_nicht_in_liste") {
			a.NichtGelisteterWert = "Freitext"
		}
		return a
	}
	jgs := func(n string) sw.Code { return c(codeJahrgangsstufe, xs10+"jahrgangsstufe/jahrgangsstufe_"+n) }
	fremd := sw.Fremdsprache{
		Sprache:                         c(codeLanguage, lang+"ENG"),
		Abfolge:                         auswahl(codeAbfolgeDerFremdsprachen, xs10+"abfolgederfremdsprachen/1_fremdsprache"),
		Beginn:                          jgs("3"),
		Ende:                            jgs("8"),
		BelegteJahre:                    "5.5",
		GER:                             []sw.Code{c(codeCEFR, "A2"), c(codeCEFR, "B1")},
		ErreichterAbschluss:             c(codeArtWeitererSprachkenntnisse, firstValue("urn:xschule-digital:xschule:codeliste:artweiterersprachkenntnisse")),
		Fach:                            sw.Code{ListURI: "urn:xschule-digital:kmk:codeliste:kdsfach", ListVersion: "2025-02-25", Value: firstValue("urn:xschule-digital:kmk:codeliste:kdsfach")},
		HerkunftssprachlicherUnterricht: &f,
	}
	anlage := sw.Anlage{Dateiname: "zeugnis.pdf", Bezeichnung: "Halbjahreszeugnis", MediaType: "application/pdf", Inhalt: []byte("%PDF-1.7 \x00\x01")}
	kurs := sw.Kurs{
		Identifikation:              &id,
		Bezeichnung:                 sw.Text{Wert: "Englisch", Sprache: "de"},
		Faecher:                     []sw.Code{fremd.Fach},
		Schwerpunkt:                 sw.Text{Wert: "Konversation"},
		Aufgabenfeld:                auswahl(codeAufgabenfeld, firstValue(codeAufgabenfeld.uri)),
		Beschreibung:                sw.Text{Wert: "Kurs im Halbjahr"},
		Anforderungsniveau:          sw.Code{ListURI: "urn:xschule-digital:xschule:codeliste:anforderungsniveau", ListVersion: "1.0", Value: firstValue("urn:xschule-digital:xschule:codeliste:anforderungsniveau")},
		Verpflichtungsgrad:          auswahl(codeVerpflichtungsgrad, xs10+"verpflichtungsgrad/wahlpflichtunterricht"),
		SchluesselISCEDF2013:        []sw.Code{c(codeISCEDF2013, "0231")},
		VermittelteSprachkenntnisse: []sw.Fremdsprache{fremd},
		Jahrgangsstufe:              jgs("7"),
		Halbjahr:                    c(codeHalbjahr, xs10+"halbjahr/1_halbjahr"),
		Status:                      c(codeKursstatus, firstValue(codeKursstatus.uri)),
		Berechnungsgrundlage:        &t,
		Stunden:                     "2.5",
	}
	schule := func(n string) sw.Schule {
		return sw.Schule{
			Name:             &sw.Organisationsname{Name: n, Kurzbezeichnung: n[:3]},
			Kommunikation:    []sw.Kommunikation{kontakt},
			Identifikationen: []sw.Identifikation{{ID: "ST-" + n[:3], Beschreibung: "Schulnummer"}},
			Anschriften:      []sw.Anschrift{anschrift("Halle (Saale)")},
			Traegerschaft:    c(codeArtDerTraegerschaft, "http://xbildung.de/def/xbildung/1.0/code/artdertraegerschaft/kommune"),
		}
	}
	return &sw.Schulwechsel{
		Dokument: sw.Dokument{
			Titel:             sw.Text{Wert: "Schülerakte", Sprache: "de"},
			Ausstellungen:     []sw.Ausstellung{{Datum: sw.Tagesdatum(2026, 1, 15), Ort: &sw.Ort{Ort: "Halle (Saale)", Staat: staatCode("000", "Deutschland")}}},
			Gueltigkeitsdatum: sw.Tagesdatum(2026, 1, 31),
			Sprache:           c(codeLanguage, lang+"DEU"),
			Nonce:             "a1b2c3",
		},
		Schueler: sw.Schueler{
			Name:                   name("Şahin-Müller", "Zoë Marie"),
			Geburt:                 sw.Geburt{Datum: sw.Tagesdatum(2017, 2, 28), Ort: &sw.Ort{Ort: "Dessau-Roßlau"}},
			Staatsangehoerigkeiten: []sw.Code{staatCode("000", "deutsch"), staatCode("163", "türkisch")},
			Anschriften:            []sw.Anschrift{anschrift("Halle (Saale)")},
			Geschlecht:             c(codeGeschlecht, "d"),
			Identifikationen:       []sw.Identifikation{id},
			Kommunikation:          []sw.Kommunikation{kontakt},
			Foerderbedarfe: []sw.Foerderbedarf{{
				Art:                sw.Text{Wert: "Lernen"},
				Schwerpunkte:       []sw.Code{{ListURI: "urn:example:land:foerderschwerpunkt", ListVersion: "7", Value: "LE"}},
				Therapiemassnahmen: []sw.Text{{Wert: "Ergotherapie"}},
				Foerdermassnahmen:  []sw.Foerdermassnahme{{Bezeichnung: sw.Text{Wert: "LRS-Kurs"}, Zeitraeume: []sw.Zeitraum{zr(2024), zr(2025)}}},
				Anlagen:            []sw.Anlage{anlage},
			}},
			Impfungen: []sw.Impfung{{
				Impfschutz: *auswahl(codeImpfschutz, xs10+"impfschutz/vorhanden"),
				Krankheit:  c(codeKrankheit, sw.KrankheitMasern),
			}},
			Herkunftssprachen:     []sw.Code{c(codeLanguage, lang+"TUR")},
			Verkehrssprachen:      []sw.Code{c(codeLanguage, lang+"DEU")},
			Migrationshintergrund: &sw.Migrationshintergrund{Geburtsland: staatCode("163", "Türkei"), JahrDesZuzugs: 2019},
			Konfession:            sw.Code{ListURI: "urn:example:konfession", ListVersion: "1", Value: "ev"},
			Schulform:             auswahl(codeArtDerSchule, "http://xbildung.de/def/kmk/1.0/code/artderschule/~wert_nicht_in_liste"),
			Schulprofil:           sw.Text{Wert: "Musik", Sprache: "de"},
			Bildungsgang:          sw.Text{Wert: "Grundschule"},
			Auskunftssperren:      []sw.Zeitraum{zr(2025)},
		},
		Sorgeberechtigte: []sw.Sorgeberechtigter{
			{
				Art:              c(codeGesetzlicherVertreter, "2"),
				TagDerBeendigung: sw.Datum{Jahr: 2030},
				Auskunftssperren: []sw.Zeitraum{zr(2025)},
				Anschriften:      []sw.Anschrift{anschrift("Halle (Saale)")},
				Kontakte:         []sw.Kommunikation{kontakt},
				Person: &sw.Person{Name: sw.Name{
					Familienname: sw.Namensteil{Name: "Müller"},
					Vorname:      sw.Namensteil{NichtVorhanden: &t},
				}, Geburtsdatum: sw.Datum{Jahr: 1985, Monat: 6}},
				ZukuenftigeAnschrift: &sw.ZukuenftigeAnschrift{Anschrift: anschrift("Magdeburg"), Beschreibung: sw.Text{Wert: "ab 1. März"}},
			},
			{
				Art: c(codeGesetzlicherVertreter, "9"),
				Organisation: &sw.Organisation{
					Name:            sw.Organisationsname{Name: "Jugendamt Halle", Kurzbezeichnung: "JA"},
					Ansprechpartner: []sw.Name{name("Schmidt", "Karl")},
				},
			},
		},
		Aufnahme: &sw.Aufnahme{
			Schule:         schule("Grundschule Am Markt"),
			Datum:          sw.Tagesdatum(2026, 2, 2),
			Jahrgangsstufe: jgs("3"),
			Art:            *auswahl(codeArtDerSchulaufnahme, "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/schulwechsel_ausserhalb_schulbezirk"),
			Versetzt:       &t,
			Versetzungstyp: auswahl(codeVersetzungstyp, "http://xschule.digital/def/xschule/2025-11-13/code/versetzungstyp/versetzung"),
		},
		BisherigeSchule: &sw.BisherigeSchule{
			Schule:      schule("Grundschule Dessau"),
			Schulformen: []sw.Auswahl{*auswahl(codeArtDerSchule, "http://xbildung.de/def/kmk/1.0/code/artderschule/grundschule_1_4")},
			Zusatzdaten: &sw.SchulformZusatzdaten{
				SchulbesuchsjahreInSchuleingangsphase: &drei,
				TeilnahmeGemeinsamerUnterricht:        auswahl(codeTeilnahmeGemeinsamerUnterricht, xs10+"teilnahmegemeinsamerunterricht/zielgleich"),
			},
			Schulprofile:   []sw.Text{{Wert: "MINT"}},
			Bildungsgaenge: []sw.Text{{Wert: "Primarstufe"}},
			Zeitraum:       &sw.Zeitraum{Beginn: sw.Tagesdatum(2023, 8, 1), Ende: sw.Tagesdatum(2026, 1, 30)},
			Schuljahrgaenge: []sw.Schuljahrgang{{
				Zeitraum:                   zp(2025),
				Versetzt:                   &t,
				Versetzungstyp:             auswahl(codeVersetzungstyp, "http://xschule.digital/def/xschule/2025-11-13/code/versetzungstyp/versetzung"),
				TeilnahmeAmGanztagsangebot: &t,
				Jahrgangsstufen:            []sw.Code{jgs("3")},
				Unterrichtsteilnahmen: []sw.Unterrichtsteilnahme{{
					Zeitraum:                   zr(2025),
					Faecher:                    []sw.Code{fremd.Fach},
					Arbeitsgemeinschaft:        sw.Text{Wert: "Chor"},
					Art:                        auswahl(codeArtDerUnterrichtsteilnahme, xs10+"artderunterrichtsteilnahme/freigestellt"),
					NichtteilnahmeAmUnterricht: &f,
					NichtteilnahmeGenehmigt:    &t,
					Zusatz:                     sw.Text{Wert: "Attest liegt vor"},
				}},
			}},
			Wahlpflichtkurse: []sw.Kurs{kurs},
			Fehlzeiten:       &sw.Fehlzeiten{TageGesamt: "3", TageEntschuldigt: "2.5", StundenGesamt: "18", StundenEntschuldigt: "12"},
		},
		Notenuebersichten: []sw.NotenuebersichtUndZeugnis{{LetzteZeugnisse: []sw.Anlage{anlage}, UnterjaehrigerWechsel: []sw.Kurs{kurs}}},
		Fremdsprachen:     []sw.Fremdsprache{fremd},
		Schullaufbahn: &sw.Schullaufbahn{
			BeginnDerSchulpflicht: sw.Tagesdatum(2023, 8, 1),
			Empfehlung:            auswahl(codeLaufbahnempfehlung, firstValue(codeLaufbahnempfehlung.uri)),
			Wiederholungen:        []sw.KlasseWiederholt{{Jahr: 2024, Klassenstufe: jgs("1"), AnzahlWiederholungen: "1"}},
			Ueberspruenge:         []sw.KlasseUebersprungen{{Jahr: 2025, Klassenstufe: jgs("2")}},
		},
		Praktika: []sw.Praktikum{{Zeitraum: zp(2025), Praktikumsstelle: "Stadtbibliothek", Ort: &sw.Ort{Ort: "Halle (Saale)", Staat: staatCode("000", "Deutschland")}}},
		Erweiterung: &sw.Erweiterung{Eigenschaften: []sw.Eigenschaft{
			{ListURI: "urn:example:schluessel", ListVersion: "1", Schluessel: "bms.fallnummer", Wert: "F-2026-0815"},
			{Schluessel: "hinweis", Wert: "<kein XML> & \"Zitat\"\n zweite Zeile"},
		}},
	}
}

// firstValue returns the alphabetically first code of an embedded list.
func firstValue(uri string) string {
	var vs []string
	for v := range codelisten[uri].values {
		vs = append(vs, v)
	}
	sort.Strings(vs)
	return vs[0]
}

func TestRichModelRoundTrip(t *testing.T) {
	w := richModel()
	out := mustEncode(t, w)
	back := mustDecode(t, out)
	if !reflect.DeepEqual(back, w) {
		t.Errorf("Decode(Encode(m)) != m\n got  %+v\n want %+v", back, w)
	}
	for _, want := range []string{
		`<xbd:titel xml:lang="de">Schülerakte</xbd:titel>`,
		`<xbd:jahr>2030</xbd:jahr>`,
		`<xbd:jahrMonat>1985-06</xbd:jahrMonat>`,
		`<xsc:nichtVorhanden>true</xsc:nichtVorhanden>`,
		`&lt;kein XML&gt; &amp; &#34;Zitat&#34;&#xA; zweite Zeile`,
		`<xsc:binaerdarstellung>JVBERi0xLjcgAAE=</xsc:binaerdarstellung>`,
	} {
		if !strings.Contains(string(out), want) {
			t.Errorf("output lacks %s", want)
		}
	}
}

// TestRichModelSetsEveryField makes sure richModel leaves no field of the
// model unset, so the round trip above covers the whole mapping.
func TestRichModelSetsEveryField(t *testing.T) {
	set := map[string]bool{}
	all := map[string]bool{}
	var walk func(v reflect.Value, path string)
	walk = func(v reflect.Value, path string) {
		switch v.Kind() {
		case reflect.Pointer:
			if !v.IsNil() {
				walk(v.Elem(), path)
			}
		case reflect.Slice:
			if v.Type().Elem().Kind() == reflect.Uint8 {
				return
			}
			for i := 0; i < v.Len(); i++ {
				walk(v.Index(i), path+"[]")
			}
		case reflect.Struct:
			for i := 0; i < v.NumField(); i++ {
				f := v.Type().Field(i)
				p := v.Type().Name() + "." + f.Name
				all[p] = true
				if !v.Field(i).IsZero() {
					set[p] = true
				}
				walk(v.Field(i), p)
			}
		}
	}
	walk(reflect.ValueOf(richModel()), "")
	var unset []string
	for p := range all {
		if !set[p] {
			unset = append(unset, p)
		}
	}
	sort.Strings(unset)
	if len(unset) > 0 {
		t.Errorf("fields never set in richModel: %v", unset)
	}
	if len(all) < 150 {
		t.Errorf("only %d fields seen; the walk is broken", len(all))
	}
}

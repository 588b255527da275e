package xschule

import (
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
)

// The sequences below follow xschule-nachweise.xsd, xschule-baukasten.xsd
// and xbildung-baukasten.xsd of XSchule/XBildung 1.2. Elements marked
// notMapped are valid there but not mapped; a message carrying them is
// refused (CodeNichtUnterstuetzt) rather than silently shortened.

var seqMessage = []slot{
	// xbd:Dokument
	xbd("titel", 0, 1), xbd("ausstellung", 0, unbounded), xbd("gueltigkeitsdatum", 0, 1), xbd("sprache", 1, 1), xbd("nonce", 0, 1),
	// schueler.wechsel.0001
	xsc("schueler", 1, 1), xsc("erziehungsberechtigter", 0, unbounded), xsc("aufnehmendeSchule", 0, 1),
	xsc("besuchteSchule", 0, 1), xsc("notenuebersichtUndZeugnis", 0, unbounded), xsc("fremdsprache", 0, unbounded),
	xsc("schullaufbahn", 0, 1), xsc("praktikum", 0, unbounded), xsc("erweiterung", 0, 1),
	notMapped(slot{ns: nsDS, name: "Signature", min: 0, max: 1}),
}

func (d *decoder) message(root *node) *sw.Schulwechsel {
	e := elem{n: root, path: rootPath}
	k := d.children(e, seqMessage, "{"+nsXSI+"}schemaLocation")
	w := &sw.Schulwechsel{Dokument: d.dokument(k)}

	if s, ok := k.one("schueler"); ok {
		w.Schueler = d.schueler(s)
	}
	for _, g := range k["erziehungsberechtigter"] {
		w.Sorgeberechtigte = append(w.Sorgeberechtigte, d.sorgeberechtigter(g))
	}
	if a, ok := k.one("aufnehmendeSchule"); ok {
		w.Aufnahme = d.aufnahme(a)
	}
	if b, ok := k.one("besuchteSchule"); ok {
		w.BisherigeSchule = d.bisherigeSchule(b)
	}
	for _, n := range k["notenuebersichtUndZeugnis"] {
		nk := d.children(n, []slot{xsc("letztesZeugnis", 0, unbounded), xsc("notenuebersichtUnterjaehrigerWechsel", 0, unbounded)})
		var nz sw.NotenuebersichtUndZeugnis
		for _, a := range nk["letztesZeugnis"] {
			nz.LetzteZeugnisse = append(nz.LetzteZeugnisse, d.anlage(a))
		}
		for _, c := range nk["notenuebersichtUnterjaehrigerWechsel"] {
			nz.UnterjaehrigerWechsel = append(nz.UnterjaehrigerWechsel, d.kurs(c))
		}
		w.Notenuebersichten = append(w.Notenuebersichten, nz)
	}
	for _, f := range k["fremdsprache"] {
		w.Fremdsprachen = append(w.Fremdsprachen, d.fremdsprache(f))
	}
	if s, ok := k.one("schullaufbahn"); ok {
		w.Schullaufbahn = d.schullaufbahn(s)
	}
	for _, p := range k["praktikum"] {
		pk := d.children(p, []slot{xbd("zeitraum", 0, 1), xbd("namePraktikumsstelle", 0, 1), xbd("ort", 0, 1)})
		var pr sw.Praktikum
		if z, ok := pk.one("zeitraum"); ok {
			pr.Zeitraum = d.zeitraum(z, xbd)
		}
		pr.Praktikumsstelle = d.str(pk, "namePraktikumsstelle")
		if o, ok := pk.one("ort"); ok {
			pr.Ort = d.ort(o, xbd)
		}
		w.Praktika = append(w.Praktika, pr)
	}
	if x, ok := k.one("erweiterung"); ok {
		w.Erweiterung = d.erweiterung(x)
	}
	return w
}

// dokument reads the header of xbd:Dokument.
func (d *decoder) dokument(k kids) sw.Dokument {
	var doc sw.Dokument
	doc.Titel = d.optText(k, "titel")
	for _, a := range k["ausstellung"] {
		ak := d.children(a, []slot{xbd("datum", 0, 1), xbd("ort", 0, 1)})
		aus := sw.Ausstellung{Datum: d.date(ak, "datum")}
		if o, ok := ak.one("ort"); ok {
			aus.Ort = d.ort(o, xbd)
		}
		doc.Ausstellungen = append(doc.Ausstellungen, aus)
	}
	doc.Gueltigkeitsdatum = d.date(k, "gueltigkeitsdatum")
	doc.Sprache = d.optCode(k, "sprache", codeLanguage)
	doc.Nonce = d.str(k, "nonce")
	return doc
}

func (d *decoder) erweiterung(x elem) *sw.Erweiterung {
	xk := d.children(x, []slot{xsc("eigenschaft", 0, unbounded)})
	out := &sw.Erweiterung{}
	for _, p := range xk["eigenschaft"] {
		pk := d.children(p, []slot{xsc("schluessel", 1, 1), xsc("wert", 1, 1)}, "listURI", "listVersionID")
		uri, _ := attr(p.n, "", "listURI")
		ver, _ := attr(p.n, "", "listVersionID")
		out.Eigenschaften = append(out.Eigenschaften, sw.Eigenschaft{
			ListURI: uri, ListVersion: ver, Schluessel: d.str(pk, "schluessel"), Wert: d.str(pk, "wert"),
		})
	}
	return out
}

// ort reads an Ortsangabe (xsc or xbd flavour, by the slot constructor).
func (d *decoder) ort(e elem, ns func(string, int, int) slot) *sw.Ort {
	k := d.children(e, []slot{ns("ort", 1, 1), ns("staat", 0, 1)})
	return &sw.Ort{Ort: d.mustStr(k, "ort"), Staat: d.optCode(k, "staat", codeStaat)}
}

func (d *decoder) zeitraum(e elem, ns func(string, int, int) slot) *sw.Zeitraum {
	k := d.children(e, []slot{ns("beginn", 0, 1), ns("ende", 0, 1), ns("zusatz", 0, 1)})
	return &sw.Zeitraum{Beginn: d.date(k, "beginn"), Ende: d.date(k, "ende"), Zusatz: d.str(k, "zusatz")}
}

func (d *decoder) zeitraeume(k kids, name string) []sw.Zeitraum {
	var out []sw.Zeitraum
	for _, e := range k[name] {
		out = append(out, *d.zeitraum(e, xsc))
	}
	return out
}

var seqSchueler = []slot{
	xsc("nameNatuerlichePerson", 1, 1), xsc("geburt", 1, 1), xsc("staatsangehoerigkeit", 0, unbounded),
	xsc("anschrift", 0, unbounded), xsc("geschlecht", 0, 1), xsc("identifikationsnummer", 0, unbounded),
	xsc("kommunikation", 0, unbounded), xsc("sonderpaedagogischerFoerderbedarf", 0, unbounded),
	xsc("impfung", 0, unbounded), xsc("herkunftssprache", 0, unbounded), xsc("verkehrssprache", 0, unbounded),
	xsc("migrationshintergrund", 0, 1), xsc("konfession", 0, 1), notMapped(xsc("schuelerReisender", 0, 1)),
	xsc("schulform", 0, 1), xsc("schulprofil", 0, 1), xsc("bildungsgang", 0, 1),
	xsc("auskunftssperreGueltigkeit", 0, unbounded),
}

func (d *decoder) schueler(e elem) sw.Schueler {
	k := d.children(e, seqSchueler)
	var s sw.Schueler
	if n, ok := k.one("nameNatuerlichePerson"); ok {
		s.Name = d.name(n)
	}
	if g, ok := k.one("geburt"); ok {
		gk := d.children(g, []slot{xsc("datum", 1, 1), xsc("geburtsort", 0, 1)})
		s.Geburt.Datum = d.optTeilDatum(gk, "datum")
		if o, ok := gk.one("geburtsort"); ok {
			s.Geburt.Ort = d.ort(o, xsc)
		}
	}
	s.Staatsangehoerigkeiten = d.codes(k, "staatsangehoerigkeit", codeStaatsangehoerigkeit)
	s.Anschriften = d.anschriften(k, "anschrift")
	s.Geschlecht = d.optCode(k, "geschlecht", codeGeschlecht)
	s.Identifikationen = d.identifikationen(k, "identifikationsnummer")
	s.Kommunikation = d.kommunikationen(k, "kommunikation")
	for _, f := range k["sonderpaedagogischerFoerderbedarf"] {
		s.Foerderbedarfe = append(s.Foerderbedarfe, d.foerderbedarf(f))
	}
	for _, i := range k["impfung"] {
		ik := d.children(i, []slot{xsc("impfschutz", 1, 1), xsc("krankheit", 1, 1)})
		var imp sw.Impfung
		if a, ok := ik.one("impfschutz"); ok {
			imp.Impfschutz = d.auswahl(a, codeImpfschutz)
		}
		imp.Krankheit = d.optCode(ik, "krankheit", codeKrankheit)
		s.Impfungen = append(s.Impfungen, imp)
	}
	s.Herkunftssprachen = d.codes(k, "herkunftssprache", codeLanguage)
	s.Verkehrssprachen = d.codes(k, "verkehrssprache", codeLanguage)
	if m, ok := k.one("migrationshintergrund"); ok {
		mk := d.children(m, []slot{xsc("geburtsland", 1, 1), xsc("jahrDesZuzugs", 1, 1)})
		s.Migrationshintergrund = &sw.Migrationshintergrund{
			Geburtsland:   d.optCode(mk, "geburtsland", codeStaat),
			JahrDesZuzugs: d.year(mk, "jahrDesZuzugs"),
		}
	}
	s.Konfession = d.optCode(k, "konfession", codeKonfession)
	s.Schulform = d.optAuswahl(k, "schulform", codeArtDerSchule)
	s.Schulprofil = d.optText(k, "schulprofil")
	s.Bildungsgang = d.optText(k, "bildungsgang")
	s.Auskunftssperren = d.zeitraeume(k, "auskunftssperreGueltigkeit")
	return s
}

var seqName = []slot{
	xsc("titel", 0, 1), xsc("anrede", 0, unbounded), xsc("familienname", 1, 1), xsc("geburtsname", 0, 1),
	xsc("vorname", 1, 1), xsc("rufname", 0, 1),
}

func (d *decoder) name(e elem) sw.Name {
	k := d.children(e, seqName)
	return sw.Name{
		Titel:        d.str(k, "titel"),
		Anreden:      d.strs(k, "anrede"),
		Familienname: d.namensteil(k, "familienname"),
		Geburtsname:  d.namensteil(k, "geburtsname"),
		Vorname:      d.namensteil(k, "vorname"),
		Rufname:      d.namensteil(k, "rufname"),
	}
}

func (d *decoder) namensteil(k kids, name string) sw.Namensteil {
	e, ok := k.one(name)
	if !ok {
		return sw.Namensteil{}
	}
	nk := d.children(e, []slot{xsc("name", 0, 1), xsc("nichtVorhanden", 0, 1), notMapped(xsc("alternativeRepraesentation", 0, unbounded))})
	return sw.Namensteil{Name: d.str(nk, "name"), NichtVorhanden: d.boolean(nk, "nichtVorhanden")}
}

var seqAnschrift = []slot{
	xsc("strasse", 0, 1), xsc("hausnummer", 0, 1), xsc("postfach", 0, 1), xsc("postleitzahl", 0, 1), xsc("ort", 0, 1),
	xsc("ortsteil", 0, 1), xsc("zusatz", 0, 1), xsc("staat", 0, 1), xsc("verwaltungspolitischeKodierung", 0, 1),
}

func (d *decoder) anschrift(e elem) sw.Anschrift {
	k := d.children(e, seqAnschrift)
	a := sw.Anschrift{
		Strasse: d.str(k, "strasse"), Hausnummer: d.str(k, "hausnummer"), Postfach: d.str(k, "postfach"),
		Postleitzahl: d.str(k, "postleitzahl"), Ort: d.str(k, "ort"), Ortsteil: d.str(k, "ortsteil"),
		Zusatz: d.str(k, "zusatz"), Staat: d.optCode(k, "staat", codeStaat),
	}
	if v, ok := k.one("verwaltungspolitischeKodierung"); ok {
		vk := d.children(v, []slot{xsc("kreis", 0, 1), xsc("bezirk", 0, 1), xsc("bundesland", 0, 1), xsc("gemeindeschluessel", 0, 1), xsc("regionalschluessel", 0, 1)})
		a.Kodierung = &sw.VerwaltungspolitischeKodierung{
			Kreis:              d.optCode(vk, "kreis", codeKreis),
			Bezirk:             d.optCode(vk, "bezirk", codeBezirk),
			Bundesland:         d.optCode(vk, "bundesland", codeBundesland),
			Gemeindeschluessel: d.optCode(vk, "gemeindeschluessel", codeGemeindeschluessel),
			Regionalschluessel: d.optCode(vk, "regionalschluessel", codeRegionalschluessel),
		}
	}
	return a
}

func (d *decoder) anschriften(k kids, name string) []sw.Anschrift {
	var out []sw.Anschrift
	for _, e := range k[name] {
		out = append(out, d.anschrift(e))
	}
	return out
}

func (d *decoder) identifikation(e elem) sw.Identifikation {
	k := d.children(e, []slot{xsc("id", 1, 1), xsc("beschreibung", 1, 1), xsc("gueltigkeit", 0, 1)})
	id := sw.Identifikation{ID: d.mustStr(k, "id"), Beschreibung: d.mustStr(k, "beschreibung")}
	if g, ok := k.one("gueltigkeit"); ok {
		id.Gueltigkeit = d.zeitraum(g, xsc)
	}
	return id
}

func (d *decoder) identifikationen(k kids, name string) []sw.Identifikation {
	var out []sw.Identifikation
	for _, e := range k[name] {
		out = append(out, d.identifikation(e))
	}
	return out
}

func (d *decoder) kommunikationen(k kids, name string) []sw.Kommunikation {
	var out []sw.Kommunikation
	for _, e := range k[name] {
		ck := d.children(e, []slot{xsc("kanal", 1, 1), xsc("kennung", 1, 1), xsc("istDienstlich", 0, 1), xsc("zusatz", 0, 1)})
		out = append(out, sw.Kommunikation{
			Kanal:         d.optCode(ck, "kanal", codeErreichbarkeit),
			Kennung:       d.mustStr(ck, "kennung"),
			IstDienstlich: d.boolean(ck, "istDienstlich"),
			Zusatz:        d.str(ck, "zusatz"),
		})
	}
	return out
}

func (d *decoder) foerderbedarf(e elem) sw.Foerderbedarf {
	k := d.children(e, []slot{
		xsc("art", 1, 1), xsc("schwerpunkt", 0, unbounded), xsc("therapiemassnahme", 0, unbounded),
		xsc("teilnahmeFoerdermassnahme", 0, unbounded), xsc("anlage", 1, unbounded),
	})
	f := sw.Foerderbedarf{
		Art:                d.optText(k, "art"),
		Schwerpunkte:       d.codes(k, "schwerpunkt", codeFoerderschwerpunkt),
		Therapiemassnahmen: d.texts(k, "therapiemassnahme"),
	}
	for _, t := range k["teilnahmeFoerdermassnahme"] {
		tk := d.children(t, []slot{xsc("bezeichnung", 1, 1), xsc("zeitraum", 0, unbounded)})
		f.Foerdermassnahmen = append(f.Foerdermassnahmen, sw.Foerdermassnahme{
			Bezeichnung: d.optText(tk, "bezeichnung"),
			Zeitraeume:  d.zeitraeume(tk, "zeitraum"),
		})
	}
	for _, a := range k["anlage"] {
		f.Anlagen = append(f.Anlagen, d.anlage(a))
	}
	return f
}

func (d *decoder) anlage(e elem) sw.Anlage {
	k := d.children(e, []slot{xsc("dateiname", 1, 1), xsc("bezeichnung", 0, 1), xsc("mediaType", 0, 1), xsc("binaerdarstellung", 0, 1)})
	return sw.Anlage{
		Dateiname:   d.mustStr(k, "dateiname"),
		Bezeichnung: d.str(k, "bezeichnung"),
		MediaType:   d.str(k, "mediaType"),
		Inhalt:      d.binary(k, "binaerdarstellung"),
	}
}

var seqGesetzlicherVertreter = []slot{
	xsc("gesetzlicherVertreterSchluessel", 1, 1), xsc("tagDerBeendigung", 0, 1),
	xsc("auskunftssperreGueltigkeit", 0, unbounded), xsc("anschrift", 0, unbounded), xsc("kontakt", 0, unbounded),
	xsc("weitereDaten", 1, 1), xsc("zukuenftigeAnschrift", 0, 1),
}

func (d *decoder) sorgeberechtigter(e elem) sw.Sorgeberechtigter {
	k := d.children(e, seqGesetzlicherVertreter)
	s := sw.Sorgeberechtigter{
		Art:              d.optCode(k, "gesetzlicherVertreterSchluessel", codeGesetzlicherVertreter),
		TagDerBeendigung: d.optTeilDatum(k, "tagDerBeendigung"),
		Auskunftssperren: d.zeitraeume(k, "auskunftssperreGueltigkeit"),
		Anschriften:      d.anschriften(k, "anschrift"),
		Kontakte:         d.kommunikationen(k, "kontakt"),
	}
	if w, ok := k.one("weitereDaten"); ok {
		wk := d.children(w, []slot{xsc("natuerlichePerson", 0, 1), xsc("organisation", 0, 1)})
		p, hasP := wk.one("natuerlichePerson")
		o, hasO := wk.one("organisation")
		switch {
		case hasP && hasO:
			d.add(w.path, CodeAuswahlMehrdeutig, "Nur eines der Elemente xsc:natuerlichePerson oder xsc:organisation ist erlaubt.")
		case !hasP && !hasO && len(w.n.kids) == 0:
			d.add(w.path, CodePflichtfeldFehlt, "Es fehlt xsc:natuerlichePerson oder xsc:organisation.")
		}
		if hasP {
			pk := d.children(p, []slot{xsc("name", 1, 1), xsc("geburt", 0, 1)})
			s.Person = &sw.Person{Geburtsdatum: d.optTeilDatum(pk, "geburt")}
			if n, ok := pk.one("name"); ok {
				s.Person.Name = d.name(n)
			}
		}
		if hasO {
			orgk := d.children(o, []slot{xsc("name", 1, 1), xsc("ansprechpartner", 0, unbounded)})
			s.Organisation = &sw.Organisation{}
			if n, found := orgk.one("name"); found {
				s.Organisation.Name = *d.organisationsname(n)
			}
			for _, a := range orgk["ansprechpartner"] {
				s.Organisation.Ansprechpartner = append(s.Organisation.Ansprechpartner, d.name(a))
			}
		}
	}
	if z, ok := k.one("zukuenftigeAnschrift"); ok {
		zk := d.children(z, []slot{xsc("anschrift", 1, 1), xsc("beschreibung", 0, 1)})
		s.ZukuenftigeAnschrift = &sw.ZukuenftigeAnschrift{Beschreibung: d.optText(zk, "beschreibung")}
		if a, ok := zk.one("anschrift"); ok {
			s.ZukuenftigeAnschrift.Anschrift = d.anschrift(a)
		}
	}
	return s
}

func (d *decoder) organisationsname(e elem) *sw.Organisationsname {
	k := d.children(e, []slot{xsc("name", 1, 1), xsc("kurzbezeichnung", 0, 1)})
	return &sw.Organisationsname{Name: d.mustStr(k, "name"), Kurzbezeichnung: d.str(k, "kurzbezeichnung")}
}

// seqSchule is the common head of SchuleAufnehmend and SchuleBesucht.
var seqSchule = []slot{
	xsc("name", 0, 1), xsc("kommunikation", 0, unbounded), xsc("identifikation", 0, unbounded),
	xsc("anschrift", 0, unbounded), xsc("artDerTraegerschaft", 0, 1),
}

func (d *decoder) schule(k kids) sw.Schule {
	s := sw.Schule{
		Kommunikation:    d.kommunikationen(k, "kommunikation"),
		Identifikationen: d.identifikationen(k, "identifikation"),
		Anschriften:      d.anschriften(k, "anschrift"),
		Traegerschaft:    d.optCode(k, "artDerTraegerschaft", codeArtDerTraegerschaft),
	}
	if n, ok := k.one("name"); ok {
		s.Name = d.organisationsname(n)
	}
	return s
}

func (d *decoder) aufnahme(e elem) *sw.Aufnahme {
	k := d.children(e, append(append([]slot{}, seqSchule...), xsc("aufnahme", 0, 1)))
	a := &sw.Aufnahme{Schule: d.schule(k)}
	if x, ok := k.one("aufnahme"); ok {
		xk := d.children(x, []slot{
			xsc("datum", 0, 1), xsc("jahrgang", 0, 1), xsc("artDerSchulaufnahme", 1, 1), xsc("versetzt", 0, 1),
			xsc("versetzungsOderAusnahmetatbestandstyp", 0, 1),
		})
		a.Datum = d.optTeilDatum(xk, "datum")
		a.Jahrgangsstufe = d.optCode(xk, "jahrgang", codeJahrgangsstufe)
		if v := d.optAuswahl(xk, "artDerSchulaufnahme", codeArtDerSchulaufnahme); v != nil {
			a.Art = *v
		}
		a.Versetzt = d.boolean(xk, "versetzt")
		a.Versetzungstyp = d.optAuswahl(xk, "versetzungsOderAusnahmetatbestandstyp", codeVersetzungstyp)
	}
	return a
}

func (d *decoder) bisherigeSchule(e elem) *sw.BisherigeSchule {
	k := d.children(e, append(append([]slot{}, seqSchule...),
		xsc("schulform", 0, unbounded), xsc("schulformspezifischeZusatzdaten", 0, 1), xsc("schulprofil", 0, unbounded),
		xsc("bildungsgang", 0, unbounded), xsc("zeitraum", 0, 1), xsc("schuljahrgang", 0, unbounded),
		xsc("wahpflichtkurs", 0, unbounded), xsc("fehlzeiten", 0, 1),
	))
	b := &sw.BisherigeSchule{
		Schule:         d.schule(k),
		Schulformen:    d.auswahlen(k, "schulform", codeArtDerSchule),
		Schulprofile:   d.texts(k, "schulprofil"),
		Bildungsgaenge: d.texts(k, "bildungsgang"),
	}
	if z, ok := k.one("schulformspezifischeZusatzdaten"); ok {
		zk := d.children(z, []slot{xsc("schulbesuchsjahreInSchuleingangsphase", 0, 1), xsc("teilnahmeGemeinsamerUnterricht", 0, 1)})
		b.Zusatzdaten = &sw.SchulformZusatzdaten{
			SchulbesuchsjahreInSchuleingangsphase: d.integer(zk, "schulbesuchsjahreInSchuleingangsphase"),
			TeilnahmeGemeinsamerUnterricht:        d.optAuswahl(zk, "teilnahmeGemeinsamerUnterricht", codeTeilnahmeGemeinsamerUnterricht),
		}
	}
	if z, ok := k.one("zeitraum"); ok {
		b.Zeitraum = d.zeitraum(z, xsc)
	}
	for _, j := range k["schuljahrgang"] {
		b.Schuljahrgaenge = append(b.Schuljahrgaenge, d.schuljahrgang(j))
	}
	for _, c := range k["wahpflichtkurs"] {
		b.Wahlpflichtkurse = append(b.Wahlpflichtkurse, d.kurs(c))
	}
	if f, ok := k.one("fehlzeiten"); ok {
		fk := d.children(f, []slot{xsc("tageGesamt", 0, 1), xsc("tageEntschuldigt", 0, 1), xsc("stundenGesamt", 0, 1), xsc("stundenEntschuldigt", 0, 1)})
		b.Fehlzeiten = &sw.Fehlzeiten{
			TageGesamt:          d.lexical(fk, "tageGesamt", decimalRE, "Dezimalzahl"),
			TageEntschuldigt:    d.lexical(fk, "tageEntschuldigt", decimalRE, "Dezimalzahl"),
			StundenGesamt:       d.lexical(fk, "stundenGesamt", decimalRE, "Dezimalzahl"),
			StundenEntschuldigt: d.lexical(fk, "stundenEntschuldigt", decimalRE, "Dezimalzahl"),
		}
	}
	return b
}

func (d *decoder) schuljahrgang(e elem) sw.Schuljahrgang {
	k := d.children(e, []slot{
		xsc("zeitraum", 0, 1), xsc("versetzt", 0, 1), xsc("versetzungsOderAusnahmetatbestandstyp", 0, 1),
		xsc("teilnahmeAmGanztagsangebot", 0, 1), xsc("jahrgangsstufe", 0, unbounded), xsc("unterrichtsteilnahme", 0, unbounded),
	})
	j := sw.Schuljahrgang{
		Versetzt:                   d.boolean(k, "versetzt"),
		Versetzungstyp:             d.optAuswahl(k, "versetzungsOderAusnahmetatbestandstyp", codeVersetzungstyp),
		TeilnahmeAmGanztagsangebot: d.boolean(k, "teilnahmeAmGanztagsangebot"),
		Jahrgangsstufen:            d.codes(k, "jahrgangsstufe", codeJahrgangsstufe),
	}
	if z, ok := k.one("zeitraum"); ok {
		j.Zeitraum = d.zeitraum(z, xsc)
	}
	for _, u := range k["unterrichtsteilnahme"] {
		uk := d.children(u, []slot{
			xsc("zeitraum", 1, 1), xsc("fach", 0, unbounded), xsc("arbeitsgemeinschaft", 0, 1), xsc("art", 0, 1),
			xsc("nichtteilnahmeAmUnterricht", 0, 1), xsc("nichtteilnahmeGenehmigt", 0, 1), xsc("zusatz", 0, 1),
		})
		t := sw.Unterrichtsteilnahme{
			Faecher:                    d.codes(uk, "fach", codeFach),
			Arbeitsgemeinschaft:        d.optText(uk, "arbeitsgemeinschaft"),
			Art:                        d.optAuswahl(uk, "art", codeArtDerUnterrichtsteilnahme),
			NichtteilnahmeAmUnterricht: d.boolean(uk, "nichtteilnahmeAmUnterricht"),
			NichtteilnahmeGenehmigt:    d.boolean(uk, "nichtteilnahmeGenehmigt"),
			Zusatz:                     d.optText(uk, "zusatz"),
		}
		if z, ok := uk.one("zeitraum"); ok {
			t.Zeitraum = *d.zeitraum(z, xsc)
		}
		j.Unterrichtsteilnahmen = append(j.Unterrichtsteilnahmen, t)
	}
	return j
}

var seqSchulkurs = []slot{
	xsc("identifikation", 0, 1), xsc("bezeichnung", 0, 1), xsc("fach", 0, unbounded), xsc("schwerpunkt", 0, 1),
	xsc("aufgabenfeld", 0, 1), xsc("beschreibung", 0, 1), xsc("anforderungsniveau", 0, 1), xsc("verpflichtungsgrad", 0, 1),
	xsc("schluesselISCEDF2013", 0, unbounded), xsc("vermittelteSprachkenntnis", 0, unbounded),
	xsc("jahrgangsstufe", 1, 1), xsc("halbjahr", 1, 1), notMapped(xsc("note", 0, unbounded)), xsc("status", 0, 1),
	xsc("berechnungsgrundlage", 0, 1), xsc("stunden", 0, 1),
}

func (d *decoder) kurs(e elem) sw.Kurs {
	k := d.children(e, seqSchulkurs)
	c := sw.Kurs{
		Bezeichnung:          d.optText(k, "bezeichnung"),
		Faecher:              d.codes(k, "fach", codeFach),
		Schwerpunkt:          d.optText(k, "schwerpunkt"),
		Aufgabenfeld:         d.optAuswahl(k, "aufgabenfeld", codeAufgabenfeld),
		Beschreibung:         d.optText(k, "beschreibung"),
		Anforderungsniveau:   d.optCode(k, "anforderungsniveau", codeAnforderungsniveau),
		Verpflichtungsgrad:   d.optAuswahl(k, "verpflichtungsgrad", codeVerpflichtungsgrad),
		SchluesselISCEDF2013: d.codes(k, "schluesselISCEDF2013", codeISCEDF2013),
		Jahrgangsstufe:       d.optCode(k, "jahrgangsstufe", codeJahrgangsstufe),
		Halbjahr:             d.optCode(k, "halbjahr", codeHalbjahr),
		Status:               d.optCode(k, "status", codeKursstatus),
		Berechnungsgrundlage: d.boolean(k, "berechnungsgrundlage"),
		Stunden:              d.lexical(k, "stunden", decimalRE, "Dezimalzahl"),
	}
	if i, ok := k.one("identifikation"); ok {
		id := d.identifikation(i)
		c.Identifikation = &id
	}
	for _, f := range k["vermittelteSprachkenntnis"] {
		c.VermittelteSprachkenntnisse = append(c.VermittelteSprachkenntnisse, d.fremdsprache(f))
	}
	return c
}

func (d *decoder) fremdsprache(e elem) sw.Fremdsprache {
	k := d.children(e, []slot{
		xsc("sprache", 1, 1), xsc("abfolge", 0, 1), xsc("beginn", 0, 1), xsc("ende", 0, 1), xsc("belegteJahre", 0, 1),
		xsc("ger", 0, 2), xsc("erreichterAbschluss", 0, 1), xsc("fach", 0, 1), xsc("herkunftssprachlicherUnterricht", 0, 1),
	})
	return sw.Fremdsprache{
		Sprache:                         d.optCode(k, "sprache", codeLanguage),
		Abfolge:                         d.optAuswahl(k, "abfolge", codeAbfolgeDerFremdsprachen),
		Beginn:                          d.optCode(k, "beginn", codeJahrgangsstufe),
		Ende:                            d.optCode(k, "ende", codeJahrgangsstufe),
		BelegteJahre:                    d.lexical(k, "belegteJahre", decimalRE, "Dezimalzahl"),
		GER:                             d.codes(k, "ger", codeCEFR),
		ErreichterAbschluss:             d.optCode(k, "erreichterAbschluss", codeArtWeitererSprachkenntnisse),
		Fach:                            d.optCode(k, "fach", codeFach),
		HerkunftssprachlicherUnterricht: d.boolean(k, "herkunftssprachlicherUnterricht"),
	}
}

func (d *decoder) schullaufbahn(e elem) *sw.Schullaufbahn {
	k := d.children(e, []slot{
		xsc("beginnDerSchulpflicht", 1, 1), xsc("schullaufbahnempfehlung", 0, 1),
		xsc("klasseWiederholt", 0, unbounded), xsc("klasseUebersprungen", 0, unbounded),
	})
	s := &sw.Schullaufbahn{
		BeginnDerSchulpflicht: d.optTeilDatum(k, "beginnDerSchulpflicht"),
		Empfehlung:            d.optAuswahl(k, "schullaufbahnempfehlung", codeLaufbahnempfehlung),
	}
	for _, w := range k["klasseWiederholt"] {
		wk := d.children(w, []slot{xsc("jahr", 1, 1), xsc("klassenstufe", 1, 1), xsc("anzahlWiederholungen", 1, 1)})
		s.Wiederholungen = append(s.Wiederholungen, sw.KlasseWiederholt{
			Jahr:                 d.year(wk, "jahr"),
			Klassenstufe:         d.optCode(wk, "klassenstufe", codeJahrgangsstufe),
			AnzahlWiederholungen: d.lexical(wk, "anzahlWiederholungen", doubleRE, "Zahl"),
		})
	}
	for _, u := range k["klasseUebersprungen"] {
		uk := d.children(u, []slot{xsc("jahr", 1, 1), xsc("klassenstufe", 1, 1)})
		s.Ueberspruenge = append(s.Ueberspruenge, sw.KlasseUebersprungen{
			Jahr:         d.year(uk, "jahr"),
			Klassenstufe: d.optCode(uk, "klassenstufe", codeJahrgangsstufe),
		})
	}
	return s
}

// Package einschulung computes the Einschulung cohort of a school year:
// which children must or may start school (§ 37 SchulG LSA with the age
// rule of the BGB), which Grundschule is responsible for each (the
// Schulbezirk of its Hauptwohnsitz, or the school of an approved
// Gastschulantrag), and where each stands (status, list and kind of
// admission) after the registrations and decisions reported so far
// (Meldungen, a state machine: zustand.go).
//
// Nothing of the cohort is stored: it is computed from the Melderegister,
// the street directory, the schools and the Meldungen whenever it is asked
// for, so it is never out of date with any of them. The children list
// keeps the computed cohort in memory and serves a page from it only after
// the database confirmed, after the request arrived, that none of these
// changed since (kohortencache.go).
package einschulung

import (
	"cmp"
	"slices"
	"time"

	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Status is where a child of the cohort stands.
type Status string

const (
	StatusErwartet        Status = "erwartet"        // nothing reported yet
	StatusAngemeldet      Status = "angemeldet"      // registered at a Grundschule
	StatusAufgenommen     Status = "aufgenommen"     // admitted
	StatusZurueckgestellt Status = "zurueckgestellt" // deferral granted (§ 37 (3)); joins next year's cohort
	StatusVorzeitig       Status = "vorzeitig"       // registered for early admission, not yet admitted
	StatusAbgemeldet      Status = "abgemeldet"      // will not start at a Grundschule of the city
	StatusFreieSchule     Status = "freie_schule"    // registered or admitted at a school of a free Träger
)

// Label is the status for people.
func (s Status) Label() string {
	switch s {
	case StatusZurueckgestellt:
		return "zurückgestellt"
	case StatusVorzeitig:
		return "vorzeitig angemeldet"
	case StatusFreieSchule:
		return "Schule in freier Trägerschaft"
	}
	return string(s)
}

// Art is a kind of admission, a code of the XSchule code list
// ArtDerSchulaufnahme (urn:xschule-digital:xschule:codeliste:artderschulaufnahme,
// version 2025-02-25): the code value is its URI.
type Art string

// ArtVersion is the code list's version.
const (
	ArtVersion = "2025-02-25"
	artBasis   = "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/"
)

const (
	ArtRegeleinschulung          Art = artBasis + "regeleinschulung"
	ArtVorzeitig                 Art = artBasis + "vorzeitige_einschulung"
	ArtNachZurueckstellung       Art = artBasis + "einschulung_nach_zurueckstellung"
	ArtZurueckstellungGewuenscht Art = artBasis + "zurueckstellung_gewuenscht"
	ArtZurueckstellungErfolgt    Art = artBasis + "zurueckstellung_erfolgt"
	ArtFlexibel                  Art = artBasis + "flexible_einschulung"
	ArtInklusion                 Art = artBasis + "einschulung_mit_inklusion"
	ArtFreieSchule               Art = artBasis + "einschulung_schule_freier_traegerschaft"
)

var artLabels = map[Art]string{
	ArtRegeleinschulung:          "Regeleinschulung",
	ArtVorzeitig:                 "vorzeitige Einschulung",
	ArtNachZurueckstellung:       "Einschulung nach Zurückstellung",
	ArtZurueckstellungGewuenscht: "Zurückstellung gewünscht",
	ArtZurueckstellungErfolgt:    "Zurückstellung erfolgt",
	ArtFlexibel:                  "flexible Einschulung",
	ArtInklusion:                 "Einschulung mit Inklusion",
	ArtFreieSchule:               "Einschulung Schule freier Trägerschaft",
}

// Label is the code list's German description.
func (a Art) Label() string { return artLabels[a] }

// zulaessigeArten are the kinds of admission an Anmeldung or Aufnahme may
// name. The two Zurückstellung codes follow from a Meldung of Typ
// zurueckstellung; a change of school is not an Einschulung.
var zulaessigeArten = []Art{ArtRegeleinschulung, ArtVorzeitig, ArtNachZurueckstellung, ArtFlexibel, ArtInklusion, ArtFreieSchule}

// Kind is a child as the Melderegister lists it.
type Kind struct {
	// Schluessel is the register record's natural key (never shown; the
	// pseudonymous id is derived from it).
	Schluessel                      string
	Familienname, Vornamen, Rufname string
	Geburtsdatum                    time.Time
	Geschlecht                      string // DSMeld 0701: m, w, d, x; "" unknown
	Strasse, Hausnummer, PLZ, Ort   string
	Ortsteil                        string
	Auskunftssperre                 bool
	// Sorgeberechtigte are the guardians' names as the register gives
	// them ("" when it does not); only the health office's list shows them.
	Sorgeberechtigte string
	Zuzug, Wegzug    time.Time // zero: not given
	// Weggezogen: the latest register extract no longer lists the child.
	Weggezogen bool
}

// Wohnt reports whether the child lives in the city: listed by the
// register and not moved away since it last moved in.
func (k Kind) Wohnt() bool {
	return !k.Weggezogen && (k.Wegzug.IsZero() || k.Zuzug.After(k.Wegzug))
}

// Adresse is the child's Hauptwohnsitz for the directory lookup.
func (k Kind) Adresse() schulbezirk.Adresse {
	return schulbezirk.Adresse{Strasse: k.Strasse, Hausnummer: k.Hausnummer, PLZ: k.PLZ, Ortsteil: k.Ortsteil}
}

// Eintrag is a child of the cohort.
type Eintrag struct {
	Kind     Kind
	ID       string // pseudonymous, stable (Pseudonymizer)
	Herkunft Herkunft
	// Bezirksschule is the Grundschule of the child's Schulbezirk ("" when
	// the directory places it nowhere); Schulnummer the list the child is
	// on (Stand.Schulnummer): the city school it is registered or admitted
	// at, else the responsible one – the Bezirksschule, or the school of
	// an approved Gastschulantrag.
	Bezirksschule, Schulnummer string
	Art                        Art
	Status                     Status
	lage                       Lage // for the transitions of its Meldungen (Service.Melde)
	// Rendered is what the service's rendering function made of the
	// entry when its cohort was computed to be kept in memory
	// (Service.WithRendering: the HTTP adapter's JSON of it); nil for
	// entries computed for one page, and without the function.
	Rendered any
}

// Kohorte is the cohort of a school year.
type Kohorte struct {
	Schuljahr werte.Schuljahr
	// Eintraege are sorted by ID, the order of pagination.
	Eintraege       []Eintrag
	schulen         map[string]schule.Schule
	zurueckgestellt map[string]bool // register keys of children deferred here last year
}

// grundlage is what a cohort is computed from.
type grundlage struct {
	sj        werte.Schuljahr
	regel     Regel
	kinder    []Kind
	meldungen []Meldung // of sj and the year before
	index     *schulbezirk.Index
	schulen   []schule.Schule
	ps        Pseudonymizer
}

// berechne computes the cohort: every resident child that is
//   - regularly schulpflichtig from sj on,
//   - schulpflichtig since last year and deferred here last year, or
//     registered this year as admitted after a deferral (elsewhere),
//   - or old enough for early admission and registered for it;
//
// with its responsible Grundschule, status and kind of admission.
func berechne(g grundlage) *Kohorte {
	k := &Kohorte{Schuljahr: g.sj, schulen: map[string]schule.Schule{}}
	for _, s := range g.schulen {
		k.schulen[s.Schulnummer] = s
	}
	jetzt := map[string]Zustand{}
	zurueckgestellt := map[string]bool{}
	for _, m := range g.meldungen {
		switch m.Schuljahr.StartYear() {
		case g.sj.StartYear():
			if jetzt[m.Kind] == nil {
				jetzt[m.Kind] = Zustand{}
			}
			jetzt[m.Kind][m.Typ] = m
		case g.sj.StartYear() - 1:
			if m.Typ == TypZurueckstellung && m.Entscheidung == EntscheidungGenehmigt {
				zurueckgestellt[m.Kind] = true
			}
		}
	}
	k.zurueckgestellt = zurueckgestellt
	seen := map[string]bool{}
	for _, kind := range g.kinder {
		if seen[kind.Schluessel] || !kind.Wohnt() {
			continue
		}
		seen[kind.Schluessel] = true
		e := k.eintrag(g, kind)
		st := e.lage.Stand(jetzt[kind.Schluessel])
		if !st.Drin {
			continue
		}
		e.Schulnummer, e.Status, e.Art = st.Schulnummer, st.Status, st.Art
		k.Eintraege = append(k.Eintraege, e)
	}
	slices.SortFunc(k.Eintraege, func(a, b Eintrag) int { return cmp.Compare(a.ID, b.ID) })
	return k
}

// standardArt is the kind of admission a child's age and history give.
func standardArt(h Herkunft) Art {
	switch h {
	case Vorjahr:
		return ArtNachZurueckstellung
	case VorzeitigMoeglich:
		return ArtVorzeitig
	}
	return ArtRegeleinschulung
}

// eintrag is the child as the cohort of g would have it, before its
// Meldungen: its Herkunft, Bezirksschule and the Lage of its transitions.
func (k *Kohorte) eintrag(g grundlage, kind Kind) Eintrag {
	h := g.regel.Herkunft(kind.Geburtsdatum, g.sj)
	e := Eintrag{Kind: kind, ID: g.ps.ID(kind.Schluessel), Herkunft: h}
	if r, err := g.index.Zuordnung(kind.Adresse(), g.sj); err == nil {
		e.Bezirksschule = r.Schulnummer
	}
	e.Schulnummer = e.Bezirksschule
	e.lage = Lage{Schuljahr: g.sj, Herkunft: h, Stamm: h == Regulaer || h == Vorjahr && k.zurueckgestellt[kind.Schluessel],
		Wohnt: kind.Wohnt(), Bezirksschule: e.Bezirksschule, Schulen: k.schulen}
	return e
}

// Package evalpop2 generates a second evaluation population for the
// Schulpflicht matcher: a register of resident children and the pupil
// lists of ten schools, with the truth of which record is which child and
// every difference between them labelled.
//
// It was written independently of the matcher and of the first population
// (schulpflicht.ErzeugePopulation): its own name pools (German, Turkish,
// Arabic, Russian, Ukrainian, Polish, Vietnamese names with their real
// transliteration variants, see namen.go), its own error rates, twins,
// namesakes, children on two schools' lists and children whose register
// birth date is the placeholder 01.01. Nothing in it is real.
package evalpop2

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"github.com/schulgateway/schulgateway/internal/schulpflicht"
)

// Kinds of difference between a resident and the pupil record of the same
// child. A record can have several; a record with none is KindGleich.
const (
	KindGleich              = "gleich"
	KindTranslitVorname     = "transliteration_vorname"   // Oleksandr → Alexander
	KindTranslitFamilie     = "transliteration_familie"   // Kuznetsov → Kusnezow
	KindSchreibvarianteVor  = "schreibvariante_vorname"   // German: Sophie → Sofie
	KindSchreibvarianteFam  = "schreibvariante_familie"   // German: Meyer → Meier
	KindDiakritika          = "diakritika"                // Łukasz → Lukasz, Nguyễn → Nguyen
	KindUmlaut              = "umlaut"                    // Müller → Mueller / Muller, Weiß → Weiss
	KindTippfehlerVorname   = "tippfehler_vorname"        // one letter wrong, missing, doubled or swapped
	KindTippfehlerFamilie   = "tippfehler_familie"        //
	KindEinVorname          = "fehlender_zweiter_vorname" // "Anna Lena" → "Anna", "Thi Lan" → "Lan"
	KindVornamenReihenfolge = "vornamen_reihenfolge"      // "Anna Lena" → "Lena Anna"
	KindBindestrich         = "bindestrich"               // "Anna-Lena" ↔ "Anna Lena"
	KindAlPraefix           = "al_praefix"                // Al-Hassan → Al Hassan / Alhassan / El-Hassan / Hassan
	KindMaennlicheForm      = "maennliche_form"           // Kowalska → Kowalski, Ivanova → Ivanov
	KindNamenVertauscht     = "namen_vertauscht"          // given and family name swapped
	KindGrossschreibung     = "grossschreibung"           // NGUYEN, THI LAN
	KindZiffer              = "geburtsdatum_ziffer"       // one digit of the birth date
	KindTagMonat            = "geburtsdatum_tag_monat"    // 04.03. → 03.04.
	KindDatumPlatzhalter    = "geburtsdatum_0101"         // register 01.01.2016, school the real date
	KindGeschlecht          = "geschlecht_falsch"         //
	KindAndereAdresse       = "andere_adresse"            // the school has an old address
	KindZwilling            = "zwilling"                  // attribute: the child is a twin
	KindNamensvetter        = "namensvetter"              // attribute: another resident has the same name and birth year
	KindSchulwechsel        = "schulwechsel"              // attribute: the child is on two schools' lists
	KindKeinSchueler        = "kein_schueler"             // resident at no school: must stay without a match
	KindTippfehlerUndDatum  = "name_und_datum"            // attribute: a name and the date differ
)

// Population is the register, the pupil lists and the truth.
type Population struct {
	Residents []schulpflicht.Person
	Pupils    []schulpflicht.Person
	// Wahrheit maps a resident to the pupil records that are the same child
	// (two after a change of school); residents at no school are absent.
	Wahrheit map[string][]string
	// Arten lists per resident the kinds of difference of its pupil
	// record(s) and its attributes (twin, namesake, …).
	Arten map[string][]string
	// Herkunft is the origin of the resident's names (deutsch, türkisch, …).
	Herkunft map[string]string
}

// Rates of the differences (per pupil record unless said otherwise). They
// are chosen independently of the first population: more transliteration
// (most names of refugee children are written from Arabic or Cyrillic by
// whoever filled in the form), fewer umlaut problems, more date errors.
const (
	anteilNichtInSchule = 0.04
	anteilAuswaertig    = 0.07 // pupils from outside the city, relative to residents
	anteilZwillinge     = 0.035
	anteilNamensvetter  = 0.015
	anteilSchulwechsel  = 0.01
	anteilDiakritikReg  = 0.3 // register stores a name without its diacritics
	anteilDiakritik     = 0.5 // school drops diacritics (or writes umlauts out)
	anteilEinVorname    = 0.2
	anteilReihenfolge   = 0.03
	anteilBindestrich   = 0.5
	anteilAlPraefix     = 0.4
	anteilMaennlich     = 0.05
	anteilTippVorname   = 0.025
	anteilTippFamilie   = 0.025
	anteilVertauscht    = 0.012
	anteilVertauschtVN  = 0.08 // Vietnamese names, family name first
	anteilGross         = 0.05
	anteilZiffer        = 0.025
	anteilTagMonat      = 0.015
	anteilPlatzhalter   = 0.12 // Arabic-origin children with 01.01. in the register
	anteilPlatzEcht     = 0.3  // … of whom the school has the real date
	anteilOhneGeschl    = 0.1
	anteilGeschlFalsch  = 0.005
	anteilAndereAdresse = 0.15
	anteilOhneAdresse   = 0.2
)

type name struct {
	varianten []string
	reg       int // the register's variant
}

func (n name) register() string { return n.varianten[n.reg] }

type kind struct {
	h          *herkunft
	geschlecht string
	familie    name
	vornamen   []name
	bindestr   bool
	datum      time.Time // the real birth date
	regDatum   time.Time // what the register says
	strasse    string
	hausnummer string
	zwilling   bool
	diakReg    bool // register stores names without diacritics
}

type generator struct {
	r      *rand.Rand
	kinder []*kind
}

// Erzeuge generates about n residents deterministically from seed.
func Erzeuge(n int, seed uint64) Population {
	g := &generator{r: rand.New(rand.NewPCG(seed, seed^0x9e3779b97f4a7c15))}
	for len(g.kinder) < n {
		g.haushalt()
	}
	// Namesakes: another child with the same names born in the same year,
	// somewhere else in the city.
	basis := len(g.kinder)
	for i := 0; i < basis; i++ {
		if g.r.Float64() < anteilNamensvetter {
			a := g.kinder[i]
			b := g.neuesKind(a.h, g.r.IntN(2) == 0)
			b.geschlecht = a.geschlecht
			b.familie = a.familie
			b.vornamen = slices.Clone(a.vornamen)
			b.bindestr = a.bindestr
			b.diakReg = a.diakReg
			b.datum = time.Date(a.datum.Year(), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28), 0, 0, 0, 0, time.UTC)
			b.regDatum = b.datum
			g.kinder = append(g.kinder, b)
		}
	}

	pop := Population{Wahrheit: map[string][]string{}, Arten: map[string][]string{}, Herkunft: map[string]string{}}
	type schuelerSatz struct {
		p    schulpflicht.Person
		kind int // resident index or -1
	}
	var saetze []schuelerSatz
	schulen := []string{"150101", "150102", "150117", "150123", "150140", "150155", "150160", "150178", "150181", "150199"}
	for i, k := range g.kinder {
		id := fmt.Sprintf("R%05d", i+1)
		pop.Residents = append(pop.Residents, g.melde(k, id, i))
		pop.Herkunft[id] = k.h.name
		if k.zwilling {
			pop.Arten[id] = append(pop.Arten[id], KindZwilling)
		}
		if g.r.Float64() < anteilNichtInSchule {
			pop.Arten[id] = append(pop.Arten[id], KindKeinSchueler)
			continue
		}
		n := 1
		if g.r.Float64() < anteilSchulwechsel {
			n = 2
			pop.Arten[id] = append(pop.Arten[id], KindSchulwechsel)
		}
		s := g.r.IntN(len(schulen))
		var arten []string
		for j := range n {
			p, a := g.schueler(k)
			p.Schulnummer = schulen[(s+j)%len(schulen)]
			saetze = append(saetze, schuelerSatz{p, i})
			arten = append(arten, a...)
		}
		if len(arten) == 0 {
			arten = []string{KindGleich}
		}
		pop.Arten[id] = append(pop.Arten[id], arten...)
	}
	// Pupils from outside the city: new children of the same pools; a third
	// of them cousins of a city household (same family name, near birth
	// year).
	aus := int(float64(len(g.kinder)) * anteilAuswaertig)
	for range aus {
		var k *kind
		if g.r.IntN(3) == 0 {
			c := g.kinder[g.r.IntN(len(g.kinder))]
			k = g.neuesKind(c.h, g.r.IntN(2) == 0)
			k.familie = c.familie
			k.diakReg = c.diakReg
			d := c.datum.AddDate(g.r.IntN(3)-1, 0, g.r.IntN(300))
			k.datum, k.regDatum = d, d
		} else {
			k = g.neuesKind(g.herkunft(), g.r.IntN(2) == 0)
		}
		k.strasse = "Lindenstraße"
		p, _ := g.schueler(k)
		p.PLZ = "39" + fmt.Sprintf("%03d", 100+g.r.IntN(800))
		p.Schulnummer = schulen[g.r.IntN(len(schulen))]
		saetze = append(saetze, schuelerSatz{p, -1})
	}
	g.r.Shuffle(len(saetze), func(a, b int) { saetze[a], saetze[b] = saetze[b], saetze[a] })
	nummer := map[string]int{}
	for j, s := range saetze {
		s.p.ID = fmt.Sprintf("P%06d", j+1)
		nummer[s.p.Schulnummer]++
		s.p.Schuelernummer = fmt.Sprintf("%s-%04d", s.p.Schulnummer[4:], nummer[s.p.Schulnummer])
		pop.Pupils = append(pop.Pupils, s.p)
		if s.kind >= 0 {
			rid := pop.Residents[s.kind].ID
			pop.Wahrheit[rid] = append(pop.Wahrheit[rid], s.p.ID)
		}
	}
	// Namesakes as they occur, planned or by chance: same given and family
	// names (without diacritics, any case) and birth year.
	gleich := map[string][]string{}
	for i, k := range g.kinder {
		key := fmt.Sprintf("%s|%s|%d", strings.ToLower(falte(k.familie.varianten[0])), strings.ToLower(falte(k.vornamen[0].varianten[0])), k.datum.Year())
		gleich[key] = append(gleich[key], pop.Residents[i].ID)
	}
	for _, ids := range gleich {
		if len(ids) > 1 {
			for _, id := range ids {
				pop.Arten[id] = append(pop.Arten[id], KindNamensvetter)
			}
		}
	}
	for id, a := range pop.Arten {
		slices.Sort(a)
		pop.Arten[id] = slices.Compact(a)
	}
	return pop
}

func (g *generator) herkunft() *herkunft {
	x := g.r.Float64()
	for _, h := range herkuenfte {
		if x < h.anteil {
			return h
		}
		x -= h.anteil
	}
	return herkuenfte[0]
}

func (g *generator) waehle(pool [][]string) name {
	// Popular names are more popular: a skew over the pool (the first
	// name of a pool of 30 gets about 7 %). German pools are long and
	// drawn evenly: no German name has more than about 2 % of a cohort.
	x := g.r.Float64()
	if len(pool) < 60 {
		x = math.Pow(x, 1.3)
	}
	i := int(float64(len(pool)) * x)
	v := pool[i]
	reg := 0
	if len(v) > 1 && g.r.Float64() < 0.25 {
		reg = g.r.IntN(len(v))
	}
	return name{varianten: v, reg: reg}
}

func (g *generator) haushalt() {
	h := g.herkunft()
	fam := g.waehle(h.familie)
	diak := g.r.Float64() < anteilDiakritikReg && h.name != "deutsch"
	strasse := strassen[g.r.IntN(len(strassen))]
	hnr := fmt.Sprint(1 + g.r.IntN(120))
	if g.r.IntN(8) == 0 {
		hnr += string(rune('a' + g.r.IntN(3)))
	}
	kinder := 1 + g.r.IntN(2)
	if g.r.IntN(4) == 0 {
		kinder += 1 + g.r.IntN(2)
	}
	for range kinder {
		k := g.neuesKind(h, g.r.IntN(2) == 0)
		k.familie, k.diakReg, k.strasse, k.hausnummer = fam, diak, strasse, hnr
		g.kinder = append(g.kinder, k)
		if g.r.Float64() < anteilZwillinge {
			z := g.neuesKind(h, g.r.IntN(3) != 0 == (k.geschlecht == "m"))
			z.familie, z.diakReg, z.strasse, z.hausnummer = fam, diak, strasse, hnr
			z.datum, z.regDatum = k.datum, k.regDatum
			z.zwilling, k.zwilling = true, true
			// Twins' names often share something: the same first of two
			// given names (German), the same middle name (Vietnamese), or
			// the same initial.
			if len(k.vornamen) == 2 && len(z.vornamen) == 2 && k.geschlecht == z.geschlecht && g.r.IntN(3) == 0 {
				z.vornamen[0] = k.vornamen[0]
			} else if h.name != "vietnamesisch" {
				for z.vornamen[0].varianten[0] == k.vornamen[0].varianten[0] {
					z.vornamen[0] = g.waehle(g.pool(h, z.geschlecht))
				}
			}
			for z.vornamen[len(z.vornamen)-1].varianten[0] == k.vornamen[len(k.vornamen)-1].varianten[0] {
				z.vornamen[len(z.vornamen)-1] = g.waehle(g.pool(h, z.geschlecht))
			}
			g.kinder = append(g.kinder, z)
		}
	}
}

func (g *generator) pool(h *herkunft, geschlecht string) [][]string {
	if geschlecht == "m" {
		return h.jungen
	}
	return h.maedchen
}

func (g *generator) neuesKind(h *herkunft, junge bool) *kind {
	k := &kind{h: h, geschlecht: "w"}
	if junge {
		k.geschlecht = "m"
	}
	pool := g.pool(h, k.geschlecht)
	if h.name == "vietnamesisch" {
		if g.r.Float64() < h.zweiVornams {
			k.vornamen = append(k.vornamen, g.waehle(vietMitte[k.geschlecht]))
		}
		k.vornamen = append(k.vornamen, g.waehle(pool))
	} else {
		k.vornamen = append(k.vornamen, g.waehle(pool))
		if g.r.Float64() < h.zweiVornams {
			zweiter := g.waehle(pool)
			for zweiter.varianten[0] == k.vornamen[0].varianten[0] {
				zweiter = g.waehle(pool)
			}
			k.vornamen = append(k.vornamen, zweiter)
			k.bindestr = h.name == "deutsch" && g.r.IntN(3) == 0
		}
	}
	k.familie = g.waehle(h.familie)
	k.datum = time.Date(2011, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.r.IntN(3652))
	k.regDatum = k.datum
	if h.name == "arabisch" && g.r.Float64() < anteilPlatzhalter {
		k.regDatum = time.Date(k.datum.Year(), 1, 1, 0, 0, 0, 0, time.UTC)
	}
	k.strasse = strassen[g.r.IntN(len(strassen))]
	k.hausnummer = fmt.Sprint(1 + g.r.IntN(120))
	return k
}

func (k *kind) familienname(v string) string {
	if k.geschlecht == "w" && k.h.weiblich != nil {
		return k.h.weiblich(v)
	}
	return v
}

func (k *kind) vornamenText(namen []string) string {
	if k.bindestr && len(namen) == 2 {
		return namen[0] + "-" + namen[1]
	}
	return strings.Join(namen, " ")
}

// melde writes the register's record of a child.
func (g *generator) melde(k *kind, id string, i int) schulpflicht.Person {
	fam := k.familienname(k.familie.register())
	var vn []string
	for _, v := range k.vornamen {
		vn = append(vn, v.register())
	}
	vor := k.vornamenText(vn)
	if k.diakReg {
		fam, vor = falte(fam), falte(vor)
	}
	return schulpflicht.Person{
		ID: id, Ordnungsmerkmal: fmt.Sprintf("OM-%07d", 1000000+i),
		Familienname: fam, Vornamen: vor, Geburtsdatum: k.regDatum, Geschlecht: k.geschlecht,
		Strasse: k.strasse, Hausnummer: k.hausnummer, PLZ: "39104",
	}
}

// schueler writes a school's record of a child and names the differences.
func (g *generator) schueler(k *kind) (schulpflicht.Person, []string) {
	var arten []string
	fremd := k.h.name != "deutsch"
	// Names: which variant the school writes.
	famV := k.familie.register()
	if len(k.familie.varianten) > 1 && g.r.Float64() < k.h.transFam {
		famV = anders(g.r, k.familie)
		if strings.HasPrefix(k.familie.varianten[0], "Al-") || strings.HasPrefix(k.familie.varianten[0], "El-") {
			arten = append(arten, KindAlPraefix)
		} else if fremd {
			arten = append(arten, KindTranslitFamilie)
		} else {
			arten = append(arten, KindSchreibvarianteFam)
		}
	} else if strings.HasPrefix(famV, "Al-") && g.r.Float64() < anteilAlPraefix {
		rest := famV[3:]
		famV = []string{"Al " + rest, "Al" + strings.ToLower(rest), "El-" + rest, rest}[g.r.IntN(4)]
		arten = append(arten, KindAlPraefix)
	}
	fam := k.familienname(famV)
	if fam != famV && g.r.Float64() < anteilMaennlich {
		fam = famV
		arten = append(arten, KindMaennlicheForm)
	}
	var vn []string
	for _, v := range k.vornamen {
		s := v.register()
		if len(v.varianten) > 1 && g.r.Float64() < k.h.trans {
			s = anders(g.r, v)
			if fremd {
				arten = append(arten, KindTranslitVorname)
			} else {
				arten = append(arten, KindSchreibvarianteVor)
			}
		}
		vn = append(vn, s)
	}
	bindestr := k.bindestr
	if len(vn) == 2 {
		switch {
		case g.r.Float64() < anteilEinVorname:
			if k.h.name == "vietnamesisch" {
				vn = vn[1:]
			} else {
				vn = vn[:1]
			}
			arten = append(arten, KindEinVorname)
		case g.r.Float64() < anteilReihenfolge:
			vn[0], vn[1] = vn[1], vn[0]
			arten = append(arten, KindVornamenReihenfolge)
		case k.h.name == "deutsch" && g.r.Float64() < anteilBindestrich/4:
			bindestr = !bindestr
			arten = append(arten, KindBindestrich)
		}
	}
	var vor string
	if bindestr && len(vn) == 2 {
		vor = vn[0] + "-" + vn[1]
	} else {
		vor = strings.Join(vn, " ")
	}
	// Diacritics: the register may have them, the school drops them or
	// writes German umlauts out.
	if k.diakReg {
		fam, vor = falte(fam), falte(vor)
	} else if hatDiakritika(fam+vor) && g.r.Float64() < anteilDiakritik {
		f2, v2 := fam, vor
		if g.r.IntN(2) == 0 {
			f2, v2 = umlauteAus(f2), umlauteAus(v2)
		}
		f2, v2 = falte(f2), falte(v2)
		if f2 != fam || v2 != vor {
			if strings.ContainsAny(fam+vor, "äöüÄÖÜß") && !fremd {
				arten = append(arten, KindUmlaut)
			} else {
				arten = append(arten, KindDiakritika)
			}
		}
		fam, vor = f2, v2
	}
	if g.r.Float64() < anteilTippVorname {
		vor = g.tippfehler(vor)
		arten = append(arten, KindTippfehlerVorname)
	}
	if g.r.Float64() < anteilTippFamilie {
		fam = g.tippfehler(fam)
		arten = append(arten, KindTippfehlerFamilie)
	}
	vert := anteilVertauscht
	if k.h.name == "vietnamesisch" {
		vert = anteilVertauschtVN
	}
	if g.r.Float64() < vert {
		fam, vor = vor, fam
		arten = append(arten, KindNamenVertauscht)
	}
	if g.r.Float64() < anteilGross {
		fam, vor = strings.ToUpper(fam), strings.ToUpper(vor)
		arten = append(arten, KindGrossschreibung)
	}
	// Birth date.
	d := k.regDatum
	if !d.Equal(k.datum) && g.r.Float64() < anteilPlatzEcht {
		d = k.datum
		arten = append(arten, KindDatumPlatzhalter)
	}
	datumFehler := false
	switch x := g.r.Float64(); {
	case x < anteilZiffer:
		d = g.ziffer(d)
		arten = append(arten, KindZiffer)
		datumFehler = true
	case x < anteilZiffer+anteilTagMonat && d.Day() <= 12 && d.Day() != int(d.Month()):
		d = time.Date(d.Year(), time.Month(d.Day()), int(d.Month()), 0, 0, 0, 0, time.UTC)
		arten = append(arten, KindTagMonat)
		datumFehler = true
	}
	if datumFehler {
		for _, a := range arten {
			if strings.HasPrefix(a, "tippfehler") || strings.HasPrefix(a, "transliteration") {
				arten = append(arten, KindTippfehlerUndDatum)
				break
			}
		}
	}
	p := schulpflicht.Person{Familienname: fam, Vornamen: vor, Geburtsdatum: d, Geschlecht: k.geschlecht,
		Strasse: k.strasse, Hausnummer: k.hausnummer, PLZ: "39104"}
	switch x := g.r.Float64(); {
	case x < anteilOhneGeschl:
		p.Geschlecht = ""
	case x < anteilOhneGeschl+anteilGeschlFalsch:
		p.Geschlecht = map[string]string{"m": "w", "w": "m"}[p.Geschlecht]
		arten = append(arten, KindGeschlecht)
	}
	switch x := g.r.Float64(); {
	case x < anteilAndereAdresse:
		p.Strasse, p.Hausnummer = strassen[g.r.IntN(len(strassen))], fmt.Sprint(1+g.r.IntN(120))
		arten = append(arten, KindAndereAdresse)
	case x < anteilAndereAdresse+anteilOhneAdresse:
		p.Strasse, p.Hausnummer, p.PLZ = "", "", ""
	}
	return p, arten
}

func anders(r *rand.Rand, n name) string {
	i := r.IntN(len(n.varianten) - 1)
	if i >= n.reg {
		i++
	}
	return n.varianten[i]
}

// Neighbours on a German keyboard (QWERTZ), for substitution typos.
var nachbarn = map[rune]string{
	'q': "wa", 'w': "qes", 'e': "wrd", 'r': "etf", 't': "rzg", 'z': "tuh", 'u': "zij", 'i': "uok", 'o': "ipl",
	'p': "oü", 'a': "qsy", 's': "adwx", 'd': "sfec", 'f': "dgrv", 'g': "fhtb", 'h': "gjzn", 'j': "hkum",
	'k': "jlim", 'l': "kö", 'y': "ax", 'x': "ysc", 'c': "xvd", 'v': "cbf", 'b': "vng", 'n': "bmh", 'm': "nj",
}

// tippfehler makes one typing error: a neighbouring key, a letter left
// out, a letter doubled or two letters swapped. The first letter is hit
// less often than the others.
func (g *generator) tippfehler(s string) string {
	rs := []rune(s)
	if len(rs) < 3 {
		return s + string(rs[len(rs)-1])
	}
	for range 20 {
		i := 1 + g.r.IntN(len(rs)-1)
		if g.r.IntN(10) == 0 {
			i = 0
		}
		if !unicode.IsLetter(rs[i]) {
			continue
		}
		out := slices.Clone(rs)
		switch g.r.IntN(4) {
		case 0:
			nb := nachbarn[unicode.ToLower(rs[i])]
			if nb == "" {
				continue
			}
			c := []rune(nb)[g.r.IntN(len([]rune(nb)))]
			if unicode.IsUpper(rs[i]) {
				c = unicode.ToUpper(c)
			}
			out[i] = c
		case 1:
			if i == 0 {
				continue
			}
			out = slices.Delete(out, i, i+1)
		case 2:
			out = slices.Insert(out, i, rs[i])
		case 3:
			if i+1 >= len(rs) || !unicode.IsLetter(rs[i+1]) || rs[i] == rs[i+1] || i == 0 {
				continue
			}
			out[i], out[i+1] = out[i+1], out[i]
		}
		if string(out) != s {
			return string(out)
		}
	}
	return s + "e"
}

// ziffer changes one digit of the date as written DD.MM.YYYY (day, month
// or the last two of the year), keeping a valid date of school age.
func (g *generator) ziffer(d time.Time) time.Time {
	for range 100 {
		b := []byte(d.Format("02012006"))
		pos := []int{0, 1, 2, 3, 6, 7}[g.r.IntN(6)]
		c := byte('0' + g.r.IntN(10))
		if c == b[pos] {
			continue
		}
		b[pos] = c
		n, err := time.Parse("02012006", string(b))
		if err != nil || n.Year() < 2009 || n.Year() > 2021 {
			continue
		}
		return n
	}
	return d.AddDate(0, 0, 1)
}

var sonder = strings.NewReplacer("ł", "l", "Ł", "L", "đ", "d", "Đ", "D", "ı", "i", "İ", "I", "ø", "o")

// falte removes diacritics (Ł → L, ễ → e, ş → s); ß stays.
func falte(s string) string {
	s = sonder.Replace(s)
	var b strings.Builder
	for _, r := range norm.NFD.String(s) {
		if unicode.Is(unicode.Mn, r) {
			continue
		}
		b.WriteRune(r)
	}
	return norm.NFC.String(b.String())
}

var umlaute = strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss")

func umlauteAus(s string) string { return umlaute.Replace(s) }

func hatDiakritika(s string) bool {
	for _, r := range s {
		if r > 127 {
			return true
		}
	}
	return false
}

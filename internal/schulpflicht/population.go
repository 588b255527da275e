package schulpflicht

import (
	"fmt"
	"math/rand/v2"
	"slices"
	"strings"
	"time"
	"unicode"
	"unicode/utf8"
)

// Population is a generated register and pupil list with known truth, for
// measuring the matcher (tests and bench/). Nothing in it is real.
type Population struct {
	Residents []Person
	Pupils    []Person
	// Wahrheit maps a resident's ID to the ID of the pupil record that is
	// the same child; residents without a pupil (not at school) are absent.
	Wahrheit map[string]string
	// Art tells, per resident, how its pupil record differs (one of the
	// Art* constants; ArtKeinSchueler for residents without one).
	Art map[string]string
	// Adresse tells which residents' pupil records carry another address.
	Adresse map[string]bool
}

// Kinds of difference between a resident and its pupil record, with the
// share of pupils that get each (the rest are written exactly as in the
// register). Shares follow what school offices report about their lists:
// most records agree, umlaut spellings, upper case and a missing second
// given name are the common differences, real typing errors and date
// errors a few per cent.
const (
	ArtGleich            = "gleich"
	ArtUmlaut            = "umlaut_ae"       // Müller → Mueller
	ArtEszett            = "eszett_ss"       // Weiß → Weiss
	ArtGrossschreibung   = "grossschreibung" // MÜLLER, JÜRGEN
	ArtAkzent            = "akzent"          // René → Rene
	ArtEinVorname        = "ein_vorname"     // "Anna Maria" → "Maria"
	ArtDoppelname        = "doppelname"      // Müller-Lüdenscheidt ↔ Müller Lüdenscheidt
	ArtNamensteil        = "namensteil"      // Müller-Lüdenscheidt → Müller
	ArtPartikel          = "partikel"        // von Bülow → Bülow
	ArtVertauscht        = "vertauscht"      // given and family name swapped
	ArtTippfehlerFamilie = "tippfehler_familienname"
	ArtTippfehlerVorname = "tippfehler_vorname"
	ArtTagMonat          = "tag_monat"     // 03.04. → 04.03.
	ArtZiffer            = "ziffer"        // one digit of the date wrong
	ArtJahr              = "jahr"          // year off by one
	ArtDoppelt           = "zwei_fehler"   // a name typo and a date error
	ArtKeinSchueler      = "kein_schueler" // resident not at school: must be none
)

var artAnteile = []struct {
	art    string
	anteil float64
}{
	{ArtUmlaut, 0.08}, {ArtEszett, 0.02}, {ArtGrossschreibung, 0.06}, {ArtAkzent, 0.02},
	{ArtEinVorname, 0.07}, {ArtDoppelname, 0.03}, {ArtNamensteil, 0.01}, {ArtPartikel, 0.02},
	{ArtVertauscht, 0.02}, {ArtTippfehlerFamilie, 0.04}, {ArtTippfehlerVorname, 0.03},
	{ArtTagMonat, 0.02}, {ArtZiffer, 0.02}, {ArtJahr, 0.01}, {ArtDoppelt, 0.02},
}

const (
	anteilNichtInSchule = 0.05 // residents without a pupil record
	anteilAuswaertig    = 0.05 // pupils not in the register, relative to residents
	anteilAndereAdresse = 0.10 // pupil record with another (old) address
	anteilZwillinge     = 0.03 // children born as twins
	anteilNamensvetter  = 0.02 // residents given a namesake of the same year
	anteilNummer        = 0.03 // residents whose pupil number the register knows
)

// ErzeugePopulation generates n residents and their pupil records
// deterministically from seed.
func ErzeugePopulation(n int, seed uint64) Population {
	g := &generator{rnd: rand.New(rand.NewPCG(seed, seed^0x5eed))}
	pop := Population{Wahrheit: map[string]string{}, Art: map[string]string{}, Adresse: map[string]bool{}}
	type paar struct {
		r    Person
		ohne bool
	}
	var kinder []paar
	for len(kinder) < n {
		hh := g.haushalt()
		anzahl := 1 + g.rnd.IntN(3)
		for range anzahl {
			k := g.kind(hh)
			kinder = append(kinder, paar{r: k})
			if g.rnd.Float64() < anteilZwillinge && len(kinder) < n {
				z := g.kind(hh)
				z.Geburtsdatum = k.Geburtsdatum
				kinder = append(kinder, paar{r: z})
				// Twins: often exactly one of them is not at school the
				// way the lists say (deferred, special school elsewhere).
				if g.rnd.IntN(3) == 0 {
					kinder[len(kinder)-1].ohne = true
				}
			}
			if g.rnd.Float64() < anteilNamensvetter && len(kinder) < n {
				v := g.kind(g.haushalt())
				v.Familienname, v.Vornamen, v.Rufname, v.Geschlecht = k.Familienname, k.Vornamen, k.Rufname, k.Geschlecht
				v.Geburtsdatum = time.Date(k.Geburtsdatum.Year(), time.Month(1+g.rnd.IntN(12)), 1+g.rnd.IntN(28), 0, 0, 0, 0, time.UTC)
				kinder = append(kinder, paar{r: v, ohne: g.rnd.IntN(2) == 0})
			}
		}
	}
	kinder = kinder[:n]
	for i := range kinder {
		r := &kinder[i].r
		r.ID = fmt.Sprintf("r%06d", i)
		r.Ordnungsmerkmal = fmt.Sprintf("OM%08d", 10000000+i*7)
		if kinder[i].ohne || g.rnd.Float64() < anteilNichtInSchule {
			pop.Art[r.ID] = ArtKeinSchueler
			pop.Residents = append(pop.Residents, *r)
			continue
		}
		p, art := g.schueler(*r)
		p.ID = fmt.Sprintf("p%06d", i)
		p.Schulnummer = fmt.Sprint(15000 + g.rnd.IntN(60))
		p.Schuelernummer = fmt.Sprintf("LSA%09d", 100000000+i*13)
		if g.rnd.Float64() < anteilNummer {
			r.Schuelernummer = p.Schuelernummer
		}
		if g.rnd.Float64() < anteilAndereAdresse {
			hh := g.haushalt()
			p.Strasse, p.Hausnummer, p.PLZ = hh.strasse, hh.hausnummer, hh.plz
			pop.Adresse[r.ID] = true
		}
		pop.Residents = append(pop.Residents, *r)
		pop.Pupils = append(pop.Pupils, p)
		pop.Wahrheit[r.ID] = p.ID
		pop.Art[r.ID] = art
	}
	// Pupils from out of town: not in the register.
	for i := range int(float64(n) * anteilAuswaertig) {
		p := g.kind(g.haushalt())
		p.ID = fmt.Sprintf("a%06d", i)
		p.Schulnummer = fmt.Sprint(15000 + g.rnd.IntN(60))
		p.Schuelernummer = fmt.Sprintf("LSA%09d", 900000000+i*13)
		pop.Pupils = append(pop.Pupils, p)
	}
	g.rnd.Shuffle(len(pop.Pupils), func(i, j int) { pop.Pupils[i], pop.Pupils[j] = pop.Pupils[j], pop.Pupils[i] })
	return pop
}

type generator struct {
	rnd *rand.Rand
}

type haushalt struct {
	vergeben                 map[string]bool // given names of the household's children: parents do not give one twice
	familienname             string
	strasse, hausnummer, plz string
}

// zipf picks an index in [0, n) with weight 1/(i+10): a few names common,
// most rare, the top name about 4 % of a list of 100. Family names come
// 30 % from the list of common ones (the top one, Müller, then has about
// 1.2 %; in Germany it has 0.3 %, so the generated city is harder than a
// real one), 60 % composed from parts (the long tail), the rest foreign,
// with particles or double.
func (g *generator) zipf(n int) int {
	total := 0.0
	for i := range n {
		total += 1 / float64(i+10)
	}
	x := g.rnd.Float64() * total
	for i := range n {
		x -= 1 / float64(i+10)
		if x <= 0 {
			return i
		}
	}
	return n - 1
}

func (g *generator) familienname() string {
	switch x := g.rnd.Float64(); {
	case x < 0.30:
		return familiennamen[g.zipf(len(familiennamen))]
	case x < 0.90:
		// Composed names give the long tail of rare names of a real city.
		return namensAnfang[g.rnd.IntN(len(namensAnfang))] + namensEnde[g.rnd.IntN(len(namensEnde))]
	case x < 0.95:
		return auslaendischeNamen[g.rnd.IntN(len(auslaendischeNamen))]
	case x < 0.98:
		return partikelNamen[g.rnd.IntN(len(partikelNamen))]
	default:
		a := familiennamen[g.zipf(len(familiennamen))]
		b := familiennamen[g.rnd.IntN(len(familiennamen))]
		if a == b {
			return a
		}
		return a + "-" + b
	}
}

func (g *generator) haushalt() haushalt {
	return haushalt{
		vergeben:     map[string]bool{},
		familienname: g.familienname(),
		strasse:      strassen[g.rnd.IntN(len(strassen))] + []string{"straße", "weg", "platz", "ring", "allee"}[g.rnd.IntN(5)],
		hausnummer:   fmt.Sprint(1+g.rnd.IntN(120)) + []string{"", "", "", "", "a", "b"}[g.rnd.IntN(6)],
		plz:          fmt.Sprintf("06%03d", 100+g.rnd.IntN(30)),
	}
}

// kind makes a resident child of a household: born 2010–2020, one to
// three given names, the Rufname one of them.
func (g *generator) kind(hh haushalt) Person {
	liste, geschl := jungen, "m"
	if g.rnd.IntN(2) == 0 {
		liste, geschl = maedchen, "w"
	}
	anzahl := 1
	switch x := g.rnd.Float64(); {
	case x < 0.10:
		anzahl = 3
	case x < 0.40:
		anzahl = 2
	}
	var namen []string
	for len(namen) < anzahl {
		n := liste[g.zipf(len(liste))]
		if !slices.Contains(namen, n) && !hh.vergeben[n] {
			namen = append(namen, n)
		}
	}
	for _, n := range namen {
		hh.vergeben[n] = true
	}
	p := Person{
		Familienname: hh.familienname,
		Vornamen:     strings.Join(namen, " "),
		Geburtsdatum: time.Date(2010, 1, 1, 0, 0, 0, 0, time.UTC).AddDate(0, 0, g.rnd.IntN(11*365)),
		Geschlecht:   geschl,
		Strasse:      hh.strasse,
		Hausnummer:   hh.hausnummer,
		PLZ:          hh.plz,
	}
	if anzahl > 1 && g.rnd.IntN(2) == 0 {
		p.Rufname = namen[g.rnd.IntN(anzahl)]
	}
	if g.rnd.IntN(50) == 0 {
		p.Geschlecht = "" // not always delivered
	}
	return p
}

// schueler derives the pupil record of resident r with one kind of difference.
func (g *generator) schueler(r Person) (Person, string) {
	p := r
	p.ID, p.Ordnungsmerkmal, p.Schuelernummer = "", "", ""
	// A school list has the given names it knows; the Rufname usually first.
	if r.Rufname != "" && g.rnd.IntN(2) == 0 {
		p.Vornamen, p.Rufname = r.Rufname, ""
	}
	x := g.rnd.Float64()
	art := ArtGleich
	for _, a := range artAnteile {
		if x < a.anteil {
			art = a.art
			break
		}
		x -= a.anteil
	}
	switch art {
	case ArtUmlaut:
		if !strings.ContainsAny(p.Familienname+p.Vornamen, "äöüÄÖÜ") {
			return p, ArtGleich
		}
		p.Familienname, p.Vornamen = umlauteAusschreiben(p.Familienname), umlauteAusschreiben(p.Vornamen)
	case ArtEszett:
		if !strings.Contains(p.Familienname, "ß") {
			return p, ArtGleich
		}
		p.Familienname = strings.ReplaceAll(p.Familienname, "ß", "ss")
	case ArtGrossschreibung:
		p.Familienname, p.Vornamen = strings.ToUpper(p.Familienname), strings.ToUpper(p.Vornamen)
	case ArtAkzent:
		if !strings.ContainsAny(p.Familienname+p.Vornamen, "éèêáàçñóíúëïş") {
			return p, ArtGleich
		}
		p.Familienname, p.Vornamen = ohneAkzent(p.Familienname), ohneAkzent(p.Vornamen)
	case ArtEinVorname:
		namen := strings.Fields(r.Vornamen)
		if len(namen) < 2 {
			return p, ArtGleich
		}
		p.Vornamen, p.Rufname = namen[1+g.rnd.IntN(len(namen)-1)], ""
	case ArtDoppelname:
		switch {
		case strings.Contains(p.Familienname, "-"):
			p.Familienname = strings.ReplaceAll(p.Familienname, "-", " ")
		default:
			return p, ArtGleich
		}
	case ArtNamensteil:
		teile := strings.Split(p.Familienname, "-")
		if len(teile) < 2 {
			return p, ArtGleich
		}
		p.Familienname = teile[g.rnd.IntN(len(teile))]
	case ArtPartikel:
		w := strings.Fields(p.Familienname)
		if len(w) < 2 {
			return p, ArtGleich
		}
		p.Familienname = w[len(w)-1]
	case ArtVertauscht:
		p.Familienname, p.Vornamen, p.Rufname = p.Vornamen, p.Familienname, ""
	case ArtTippfehlerFamilie:
		p.Familienname = g.tippfehler(p.Familienname)
	case ArtTippfehlerVorname:
		p.Vornamen = g.tippfehler(p.Vornamen)
	case ArtTagMonat:
		d := p.Geburtsdatum
		if d.Day() > 12 || d.Day() == int(d.Month()) {
			return p, ArtGleich
		}
		p.Geburtsdatum = time.Date(d.Year(), time.Month(d.Day()), int(d.Month()), 0, 0, 0, 0, time.UTC)
	case ArtZiffer:
		p.Geburtsdatum = g.ziffer(p.Geburtsdatum)
	case ArtJahr:
		p.Geburtsdatum = p.Geburtsdatum.AddDate([]int{-1, 1}[g.rnd.IntN(2)], 0, 0)
	case ArtDoppelt:
		if g.rnd.IntN(2) == 0 {
			p.Familienname = g.tippfehler(p.Familienname)
		} else {
			p.Vornamen = g.tippfehler(p.Vornamen)
		}
		p.Geburtsdatum = g.ziffer(p.Geburtsdatum)
	}
	return p, art
}

func umlauteAusschreiben(s string) string {
	return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue").Replace(s)
}

func ohneAkzent(s string) string {
	return strings.NewReplacer("é", "e", "è", "e", "ê", "e", "á", "a", "à", "a", "ç", "c", "ñ", "n",
		"ó", "o", "í", "i", "ú", "u", "ë", "e", "ï", "i", "ş", "s").Replace(s)
}

// tippfehler makes one typing error past the first letter: a letter
// swapped with its neighbour, doubled, dropped or replaced.
func (g *generator) tippfehler(s string) string {
	r := []rune(s)
	if len(r) < 4 {
		return s
	}
	i := 1 + g.rnd.IntN(len(r)-2)
	if !unicode.IsLetter(r[i]) || !unicode.IsLetter(r[i+1]) {
		return s
	}
	switch g.rnd.IntN(4) {
	case 0:
		r[i], r[i+1] = r[i+1], r[i]
	case 1:
		r = slices.Insert(r, i, r[i])
	case 2:
		r = slices.Delete(r, i, i+1)
	default:
		r[i] = rune("aeinrstlou"[g.rnd.IntN(10)])
	}
	out := string(r)
	if !utf8.ValidString(out) {
		return s
	}
	return out
}

// ziffer changes one digit of the date so that it is still a valid date
// in the same century.
func (g *generator) ziffer(d time.Time) time.Time {
	for range 20 {
		s := []byte(d.Format("20060102"))
		i := 3 + g.rnd.IntN(5) // last year digit, month, day
		s[i] = byte('0' + g.rnd.IntN(10))
		if t, err := time.Parse("20060102", string(s)); err == nil && !t.Equal(d) {
			return t
		}
	}
	return d.AddDate(0, 0, 1)
}

package demo

import (
	"fmt"
	"math"
	"math/rand/v2"
	"slices"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/importing"
	"github.com/schulgateway/schulgateway/internal/planung"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Kind is a child as the Melderegister extract lists it.
type Kind struct {
	Ordnungsmerkmal                 string
	Familienname, Vornamen, Rufname string
	Geburtsdatum                    time.Time
	Geschlecht                      string // m, w
	Strasse, Hausnummer, PLZ        string
	Auskunftssperre                 bool
	Zuzug                           time.Time // zero: born here or moved in long ago
	// Einschulung is the first year of the school year whose regular
	// Einschulung cohort the child belongs to by age (§ 37 (1)).
	Einschulung int
}

// Schluessel is the key the register import gives the child.
func (k Kind) Schluessel() string {
	return importing.Schluessel(importing.ListeMelderegister,
		importing.ValuesOf(importing.ListeMelderegister, map[string]any{"ordnungsmerkmal": k.Ordnungsmerkmal}))
}

// Schueler is a pupil as a school's list reports it.
type Schueler struct {
	Schulnummer, Schuelernummer string
	Familienname, Vornamen      string
	Geburtsdatum                time.Time
	Geschlecht                  string
	Jahrgangsstufe              int
	Klasse                      string
	Eintritt                    time.Time
	Strasse, Hausnummer         string
	PLZ, Ort                    string
	// Kind is the child's index in Stadt.Kinder; -1 for a pupil who lives
	// outside the city.
	Kind int
}

// Bestaetigung is a Schulbesuchsbestätigung of a school outside the city.
type Bestaetigung struct {
	Familienname, Vornamen string
	Geburtsdatum           time.Time
	Schule, Ort            string
	Kind                   int
}

// Meldung is a registration or decision of the Einschulung, as the BMS
// or the school office reports it.
type Meldung struct {
	Schuljahr    int // first year of the school year
	Kind         int // index in Stadt.Kinder
	Typ          einschulung.Typ
	Schulnummer  string
	Art          einschulung.Art
	Entscheidung einschulung.Entscheidung
	// PerPerson: the child is named by name and birth date (a child not
	// yet in the cohort, registered for early admission).
	PerPerson bool
}

// Stadt is the demo city's people and figures for one school year.
type Stadt struct {
	// Schuljahr is the current school year (its first year); the pupil
	// lists are its, the Einschulung prepared is the next one's.
	Schuljahr      int
	Kinder         []Kind
	Schueler       []Schueler
	Bestaetigungen []Bestaetigung
	Meldungen      []Meldung
	// Wechsel are changes of school reported after the lists were sent.
	Wechsel []*schulwechsel.Schulwechsel
	// Schuelerzahlen and Kohorten are the planners' history: the ten
	// school years before the current one.
	Schuelerzahlen []planung.Zahl
	Kohorten       []planung.Kohorte
	// Stichtag of the Schulpflicht reconciliation the demo runs.
	Stichtag time.Time
}

// Grundschulen of the city with a Bezirk, and the secondary schools.
const (
	gsAnger, gsRosenweg, gsMuehle, gsLinden, gsPark, gsHeide = "20101", "20102", "20103", "20104", "20105", "20106"
	gsFrei, sekPark, sekNord, gym                            = "20107", "20201", "20202", "20301"
)

var bezirke = []string{gsAnger, gsRosenweg, gsMuehle, gsLinden, gsPark, gsHeide}

// nachbar is the Grundschule families of a Bezirk ask for in a
// Gastschulantrag.
var nachbar = map[string]string{gsAnger: gsRosenweg, gsRosenweg: gsAnger, gsMuehle: gsAnger, gsLinden: gsPark, gsPark: gsLinden, gsHeide: gsLinden}

// schwank is a deterministic number in [-1, 1) for a name and a year:
// the noise of the figures does not depend on the order they are drawn in.
func schwank(s string, jahr int) float64 {
	h := uint64(14695981039346656037)
	for _, c := range []byte(fmt.Sprintf("%s|%d", s, jahr)) {
		h ^= uint64(c)
		h *= 1099511628211
	}
	h ^= h >> 29
	h *= 0xbf58476d1ce4e5b9
	h ^= h >> 32
	return float64(h%20000)/10000 - 1
}

// Kohortengroesse is how many children of the entry year e live in the
// Bezirk of Grundschule b, relative to the current school year y: most
// Bezirke steady, Am Anger slowly shrinking, Lindenplatz growing with the
// new estate until it overflows its three Züge, Heide-Süd falling below
// the minimum size of a first grade, and the Kirchgasse moving from
// Rosenweg to Mühlenviertel with the re-drawn Bezirk of 2027/28.
func Kohortengroesse(b string, e, y int) float64 {
	d := float64(e - y)
	var n float64
	switch b {
	case gsAnger:
		n = 28 - 0.4*d
	case gsRosenweg:
		n = 27
		if e >= 2027 {
			n = 20
		}
	case gsMuehle:
		n = 24
		if e >= 2027 {
			n = 31
		}
	case gsLinden:
		n = 40 + 5*math.Max(0, d+3)
	case gsPark:
		n = 29
	case gsHeide:
		n = math.Max(10, 20-math.Max(0, d+5))
	}
	return math.Max(0, n*(1+0.08*schwank(b, e)))
}

// abschnitt is a stretch of a street where families live.
type abschnitt struct {
	strasse, plz string
	von, bis     int
	schritt      int    // 1: every number, 2: one side of the street
	zusatz       string // letters of a house with flats "7a"–"7f"
}

var abschnitte = []abschnitt{
	{"Rosenweg", "06108", 1, 49, 2, ""}, {"Rosenweg", "06108", 2, 50, 2, ""},
	{"Hauptstraße", "06108", 8, 120, 1, ""}, {"Hauptstraße", "06108", 7, 7, 1, "abcdef"},
	{"Am Anger", "06108", 1, 40, 1, ""}, {"Kirchgasse", "06108", 1, 30, 1, ""},
	{"Mühlenstraße", "06108", 1, 80, 1, ""}, {"Dr.-Külz-Straße", "06108", 1, 60, 1, ""},
	{"Lindenplatz", "06108", 1, 25, 1, ""}, {"Ludwig-Wucherer-Straße", "06108", 1, 39, 1, ""},
	{"Ludwig-Wucherer-Straße", "06108", 40, 110, 1, ""}, {"Parkallee", "06108", 1, 70, 1, ""},
	{"Heideweg", "06110", 1, 60, 1, ""}, {"Nordring", "06110", 1, 99, 2, ""}, {"Nordring", "06110", 2, 98, 2, ""},
	{"Schulstraße", "06108", 1, 40, 1, ""}, {"Schulstraße", "06110", 1, 40, 1, ""},
}

// neubau is the street of the new estate that the Satzung does not list
// yet: its children have no responsible Grundschule.
var neubau = abschnitt{"Auenweg", "06110", 1, 30, 1, ""}

// Index is the demo street directory compiled.
func Index() *schulbezirk.Index {
	var rs []schulbezirk.Regel
	for i, r := range Strassenverzeichnis() {
		x := schulbezirk.Regel{ID: int64(i + 1), Strasse: r.Strasse, Paritaet: werte.Paritaet(r.Paritaet), ZusatzVon: r.ZusatzVon,
			ZusatzBis: r.ZusatzBis, PLZ: r.PLZ, Schulnummer: r.Schulnummer}
		if r.HausnummerVon != nil {
			x.Von = *r.HausnummerVon
		}
		if r.HausnummerBis != nil {
			x.Bis = *r.HausnummerBis
		}
		if r.GueltigAbJahr != nil {
			x.GueltigAb = *r.GueltigAbJahr
		}
		rs = append(rs, x)
	}
	return schulbezirk.NewIndex(rs)
}

// bezirk is the Grundschule whose Bezirk the address is in, in the school
// year that starts in jahr ("" when the directory places it nowhere).
func bezirk(ix *schulbezirk.Index, strasse, hnr, plz string, jahr int) string {
	r, err := ix.Zuordnung(schulbezirk.Adresse{Strasse: strasse, Hausnummer: hnr, PLZ: plz}, werte.NewSchuljahr(jahr))
	if err != nil {
		return ""
	}
	return r.Schulnummer
}

type haushalt struct {
	g                        *gemeinschaft
	familie                  string
	strasse, hausnummer, plz string
	sperre                   bool
	zuzug                    time.Time
	kinder                   int
}

type gen struct {
	r     *rand.Rand
	y     int
	ix    *schulbezirk.Index
	stadt *Stadt
	haus  map[string][]*haushalt
	namen map[string]bool
	// deferred: children of this year's cohort whose start was deferred.
	deferred map[int]bool
	// herkunft: each child's community (by index in Stadt.Kinder).
	herkunft []*gemeinschaft
}

func (g *gen) chance(p float64) bool { return g.r.Float64() < p }

func pick[T any](g *gen, xs []T) T { return xs[g.r.IntN(len(xs))] }

func datum(y int, m time.Month, d int) time.Time { return time.Date(y, m, d, 0, 0, 0, 0, time.UTC) }

// Erzeuge builds the demo city for the school year that starts in
// schuljahr. The same year gives the same city, byte for byte.
func Erzeuge(schuljahr int) Stadt {
	s := &Stadt{Schuljahr: schuljahr, Stichtag: datum(schuljahr, time.September, 15)}
	g := &gen{r: rand.New(rand.NewPCG(20260806, 16)), y: schuljahr, ix: Index(), stadt: s,
		haus: map[string][]*haushalt{}, namen: map[string]bool{}, deferred: map[int]bool{}}
	g.register()
	besucht := g.schulen()
	g.wechsel(besucht)
	g.einschulung()
	g.planung()
	return *s
}

// register draws the children of the entry years y−11 to y+6 (ages about
// 0 to 18) Bezirk by Bezirk, families with one to four children.
func (g *gen) register() {
	om := g.r.IntN(1000)
	for e := g.y - 11; e <= g.y+6; e++ {
		for _, b := range bezirke {
			n := int(math.Round(Kohortengroesse(b, e, g.y)))
			for range n {
				g.kind(b, e, &om)
			}
		}
		// The new estate, not yet in the directory.
		for range 1 + int(math.Round(schwank("auenweg", e)+0.3)) {
			g.kind("", e, &om)
		}
	}
}

func (g *gen) kind(b string, e int, om *int) {
	var h *haushalt
	if list := g.haus[b]; len(list) > 0 && g.chance(0.35) {
		c := list[g.r.IntN(len(list))]
		if c.kinder < 4 && (b == "" || bezirk(g.ix, c.strasse, c.hausnummer, c.plz, e) == b) {
			h = c
		}
	}
	if h == nil {
		h = g.haushalt(b, e)
		g.haus[b] = append(g.haus[b], h)
	}
	h.kinder++
	// Born between 2 July (e−7) and 1 July (e−6): the regular cohort of e.
	von := datum(e-7, time.July, 2)
	geb := von.AddDate(0, 0, g.r.IntN(365))
	k := Kind{Strasse: h.strasse, Hausnummer: h.hausnummer, PLZ: h.plz, Auskunftssperre: h.sperre, Einschulung: e, Geburtsdatum: geb}
	if h.zuzug.After(geb) {
		k.Zuzug = h.zuzug
	}
	k.Geschlecht = "m"
	if g.chance(0.49) {
		k.Geschlecht = "w"
	}
	k.Familienname = h.familie
	if k.Geschlecht == "w" && h.g.weiblich != nil {
		k.Familienname = h.g.weiblich(h.familie)
	}
	for {
		namen := h.g.jungen
		if k.Geschlecht == "w" {
			namen = h.g.maedchen
		}
		k.Vornamen, k.Rufname = pick(g, namen), ""
		if g.chance(h.g.zweiterVorname) {
			if zweit := pick(g, namen); zweit != k.Vornamen {
				k.Rufname = k.Vornamen
				k.Vornamen += " " + zweit
			}
		}
		key := k.Familienname + "|" + k.Vornamen + "|" + geb.Format(time.DateOnly)
		if !g.namen[key] {
			g.namen[key] = true
			break
		}
	}
	*om += 1 + g.r.IntN(40)
	k.Ordnungsmerkmal = fmt.Sprintf("%09d", 150000000+*om)
	g.stadt.Kinder = append(g.stadt.Kinder, k)
	g.herkunft = append(g.herkunft, h.g)
}

func (g *gen) haushalt(b string, e int) *haushalt {
	x := g.r.Float64()
	gm := &gemeinschaften[len(gemeinschaften)-1]
	for i := range gemeinschaften {
		if x < gemeinschaften[i].anteil {
			gm = &gemeinschaften[i]
			break
		}
		x -= gemeinschaften[i].anteil
	}
	h := &haushalt{g: gm, familie: pick(g, gm.familie), sperre: g.chance(0.012)}
	if gm.name == "deutsch" && g.chance(0.03) {
		if zweit := pick(g, gm.familie); zweit != h.familie {
			h.familie += "-" + zweit
		}
	}
	if g.chance(0.07) {
		h.zuzug = datum(g.y-g.r.IntN(5), time.Month(1+g.r.IntN(12)), 1+g.r.IntN(28))
		if h.zuzug.After(datum(g.y, time.July, 31)) {
			h.zuzug = datum(g.y, time.July, 1+g.r.IntN(28))
		}
	}
	if b == "" {
		h.strasse, h.plz = neubau.strasse, neubau.plz
		h.hausnummer = fmt.Sprint(neubau.von + g.r.IntN(neubau.bis-neubau.von+1))
		return h
	}
	var kandidaten []abschnitt
	for _, a := range abschnitte {
		if bezirk(g.ix, a.strasse, fmt.Sprint(a.von)+first(a.zusatz), a.plz, e) == b {
			kandidaten = append(kandidaten, a)
		}
	}
	for {
		a := pick(g, kandidaten)
		nr := a.von + a.schritt*g.r.IntN((a.bis-a.von)/a.schritt+1)
		hnr := fmt.Sprint(nr)
		if a.zusatz != "" {
			hnr += string(a.zusatz[g.r.IntN(len(a.zusatz))])
		}
		if bezirk(g.ix, a.strasse, hnr, a.plz, e) == b {
			h.strasse, h.hausnummer, h.plz = a.strasse, hnr, a.plz
			return h
		}
	}
}

func first(s string) string {
	if s == "" {
		return ""
	}
	return s[:1]
}

// Where a child goes to school in the current year.
type besuch struct {
	schule string // Schulnummer of the city's school; "" none in the city
	stufe  int
	// aussen names the school outside the city (index in
	// schulenAusserhalb) plus one; 0 for none.
	aussen int
	// zurueck: deferred in the current year (§ 37 (3)), not yet at school.
	zurueck bool
}

// schulen puts every child of school age at a school and writes the pupil
// lists as the schools keep them.
func (g *gen) schulen() []besuch {
	s := g.stadt
	besucht := make([]besuch, len(s.Kinder))
	deferred := 0
	for i, k := range s.Kinder {
		st := g.y - k.Einschulung + 1
		switch {
		case st == 1 && deferred < 2 && k.Strasse != neubau.strasse && g.chance(0.05):
			deferred++
			g.deferred[i] = true
			besucht[i] = besuch{zurueck: true}
			continue
		case st >= 2 && st <= 11 && g.chance(0.02):
			st-- // repeated a year or started a year late
		}
		b := besuch{stufe: st}
		x := g.r.Float64()
		switch {
		case st < 1 || st > 12:
			b.stufe = 0
		case x < 0.006:
			// at no school the city knows of: a Schulpflicht case
		case x < 0.016:
			b.aussen = 1 + g.r.IntN(len(schulenAusserhalb))
		case st <= 4:
			bz := bezirk(g.ix, k.Strasse, k.Hausnummer, k.PLZ, g.y-st+1)
			switch {
			case x < 0.075:
				b.schule = gsFrei
			case x < 0.105 || bz == "":
				b.schule = nachbar[or(bz, gsHeide)]
			default:
				b.schule = bz
			}
		default:
			switch y := g.r.Float64(); {
			case y < 0.52:
				b.schule = gym
			case st > 10:
				// after grade 10 of a Sekundarschule: vocational school
			case y < 0.83:
				b.schule = sekPark
			case y < 0.97:
				b.schule = sekNord
			default:
				b.aussen = 1 + g.r.IntN(len(schulenAusserhalb))
			}
		}
		besucht[i] = b
	}
	// Pupil numbers: unique, ten digits, landeseindeutig in form.
	lfd := 0
	sn := func() string {
		lfd++
		return fmt.Sprintf("15%08d", (lfd*7919+4711)%100000000)
	}
	for i, b := range besucht {
		k := s.Kinder[i]
		if b.aussen > 0 && g.chance(0.75) {
			a := schulenAusserhalb[b.aussen-1]
			s.Bestaetigungen = append(s.Bestaetigungen, Bestaetigung{Familienname: k.Familienname, Vornamen: k.Vornamen,
				Geburtsdatum: k.Geburtsdatum, Schule: a.name, Ort: a.ort, Kind: i})
		}
		if b.schule == "" {
			continue
		}
		p := Schueler{Schulnummer: b.schule, Schuelernummer: sn(), Familienname: k.Familienname, Vornamen: k.Vornamen,
			Geburtsdatum: k.Geburtsdatum, Geschlecht: k.Geschlecht, Jahrgangsstufe: b.stufe, Strasse: k.Strasse,
			Hausnummer: k.Hausnummer, PLZ: k.PLZ, Ort: "Musterstadt", Kind: i}
		g.abweichungen(&p, k, g.herkunft[i].name)
		s.Schueler = append(s.Schueler, p)
	}
	// Pupils who live outside the city: about 3 % of each school.
	for _, nr := range []string{gsAnger, gsRosenweg, gsMuehle, gsLinden, gsPark, gsHeide, gsFrei, sekPark, sekNord, gym} {
		von, bis := 1, 4
		if nr >= sekPark {
			von, bis = 5, 10
			if nr == gym {
				bis = 12
			}
		}
		n := 0
		for _, p := range s.Schueler {
			if p.Schulnummer == nr {
				n++
			}
		}
		for range (n*3 + 50) / 100 {
			st := von + g.r.IntN(bis-von+1)
			gm := &gemeinschaften[g.r.IntN(3)]
			w := g.chance(0.5)
			p := Schueler{Schulnummer: nr, Schuelernummer: sn(), Familienname: pick(g, gm.familie), Jahrgangsstufe: st, Kind: -1,
				Geburtsdatum: datum(g.y-st-6, time.July, 2).AddDate(0, 0, g.r.IntN(365)), Geschlecht: "m"}
			p.Vornamen = pick(g, gm.jungen)
			if w {
				p.Vornamen, p.Geschlecht = pick(g, gm.maedchen), "w"
			}
			u := umland[g.r.IntN(len(umland))]
			p.Strasse, p.Hausnummer, p.PLZ, p.Ort = pick(g, []string{"Dorfstraße", "Am Teich", "Lindenweg", "Feldstraße"}), fmt.Sprint(1+g.r.IntN(40)), u.plz, u.ort
			s.Schueler = append(s.Schueler, p)
		}
	}
	g.klassen()
	return besucht
}

// abweichungen writes a register child as a school's list would: the
// usual differences.
func (g *gen) abweichungen(p *Schueler, k Kind, gemeinschaft string) {
	abweichend := false
	switch x := g.r.Float64(); {
	case k.Rufname != "" && x < 0.5:
		p.Vornamen = k.Rufname // only the name the child is called by
	case x < 0.05:
		p.Familienname = schulschreibweise(p.Familienname, gemeinschaft)
		p.Vornamen = schulschreibweise(p.Vornamen, gemeinschaft)
		abweichend = p.Familienname != k.Familienname || p.Vornamen != k.Vornamen
	case x < 0.056:
		p.Familienname = vertippt(p.Familienname)
		abweichend = true
	}
	// Names the school writes without their letters from abroad.
	if strings.ContainsAny(p.Familienname+p.Vornamen, "şığçłśńąężźćȘșȚț") && g.chance(0.4) {
		p.Familienname, p.Vornamen = ohneSonderzeichen(p.Familienname), ohneSonderzeichen(p.Vornamen)
	}
	if d := p.Geburtsdatum; d.Day() <= 12 && d.Day() != int(d.Month()) && g.chance(0.02) {
		p.Geburtsdatum = datum(d.Year(), time.Month(d.Day()), int(d.Month())) // day and month swapped
		abweichend = true
	}
	// The family moved within the city; the school still has the old address.
	if abweichend && g.chance(0.7) || g.chance(0.01) {
		a := pick(g, abschnitte)
		p.Strasse, p.Hausnummer, p.PLZ = a.strasse, fmt.Sprint(a.von+a.schritt*g.r.IntN((a.bis-a.von)/a.schritt+1)), a.plz
	}
	if g.chance(0.025) {
		p.Schuelernummer = "" // the school has not entered it
	}
}

// schulschreibweise is a name as a school writes it when it differs:
// German umlauts and ß spelled out, Russian and Ukrainian names in English
// rather than German transliteration, Vietnamese double given names joined
// by a hyphen, Arabic names in another common transliteration.
func schulschreibweise(s, gemeinschaft string) string {
	switch gemeinschaft {
	case "deutsch":
		return strings.NewReplacer("ä", "ae", "ö", "oe", "ü", "ue", "Ä", "Ae", "Ö", "Oe", "Ü", "Ue", "ß", "ss").Replace(s)
	case "russisch", "ukrainisch":
		return strings.NewReplacer("tsch", "ch", "sch", "sh", "w", "v", "W", "V", "Je", "Ye", "je", "ye", "ja", "ya", "ju", "yu").Replace(s)
	case "vietnamesisch":
		return strings.Replace(s, " ", "-", 1)
	case "arabisch":
		if rest, ok := strings.CutPrefix(s, "Al-"); ok {
			return "Al " + rest
		}
		return strings.NewReplacer("ou", "u", "ee", "i", "Kh", "Ch").Replace(s)
	}
	return s
}

func ohneSonderzeichen(s string) string {
	return strings.NewReplacer("ş", "s", "Ş", "S", "ı", "i", "İ", "I", "ğ", "g", "ç", "c", "Ç", "C", "ł", "l", "Ł", "L", "ś", "s", "Ś", "S",
		"ń", "n", "ą", "a", "ę", "e", "ż", "z", "Ż", "Z", "ź", "z", "ć", "c", "ó", "o", "ș", "s", "Ș", "S", "ț", "t", "Ț", "T").Replace(s)
}

// vertippt swaps two letters in the middle of a name.
func vertippt(s string) string {
	r := []rune(s)
	if len(r) < 5 {
		return s
	}
	i := len(r) / 2
	r[i], r[i+1] = r[i+1], r[i]
	return string(r)
}

func or(a, b string) string {
	if a == "" {
		return b
	}
	return a
}

// klassen puts the pupils of a school and grade into its Züge (3a, 3b, …)
// by name and sets the day each joined the school.
func (g *gen) klassen() {
	s := g.stadt
	zuege := map[string]int{}
	for _, sch := range Schulen() {
		zuege[sch.Schulnummer] = *sch.Zuege
	}
	idx := make([]int, len(s.Schueler))
	for i := range idx {
		idx[i] = i
	}
	slices.SortStableFunc(idx, func(a, b int) int {
		x, y := s.Schueler[a], s.Schueler[b]
		return strings.Compare(fmt.Sprintf("%s|%02d|%s|%s", x.Schulnummer, x.Jahrgangsstufe, x.Familienname, x.Vornamen),
			fmt.Sprintf("%s|%02d|%s|%s", y.Schulnummer, y.Jahrgangsstufe, y.Familienname, y.Vornamen))
	})
	n := map[string]int{}
	for _, i := range idx {
		p := &s.Schueler[i]
		key := fmt.Sprintf("%s|%d", p.Schulnummer, p.Jahrgangsstufe)
		z := zuege[p.Schulnummer]
		if p.Jahrgangsstufe >= 11 {
			p.Klasse = fmt.Sprint(p.Jahrgangsstufe) // Oberstufe: courses, no classes
		} else {
			p.Klasse = fmt.Sprintf("%d%c", p.Jahrgangsstufe, 'a'+n[key]%z)
		}
		n[key]++
		eintritt := g.y - p.Jahrgangsstufe + 1
		if p.Jahrgangsstufe >= 5 {
			eintritt = g.y - p.Jahrgangsstufe + 5
		}
		p.Eintritt = datum(eintritt, time.August, 1)
	}
}

// wechsel are four changes of school after the lists were sent: within
// the city, into the city, out of it, and a deregistration without an
// admission (an open departure that becomes a Schulpflicht case).
func (g *gen) wechsel(besucht []besuch) {
	s := g.stadt
	finde := func(schule string, stufe int, skip map[int]bool) int {
		for i, p := range s.Schueler {
			if p.Schulnummer == schule && p.Jahrgangsstufe == stufe && p.Kind >= 0 && p.Schuelernummer != "" && !skip[p.Kind] &&
				p.Familienname == s.Kinder[p.Kind].Familienname && p.Vornamen == s.Kinder[p.Kind].Vornamen {
				return i
			}
		}
		panic("demo: no pupil for a Schulwechsel")
	}
	sprache := schulwechsel.Code{Value: "http://publications.europa.eu/resource/authority/language/DEU"}
	schule := func(nr, name string) schulwechsel.Schule {
		x := schulwechsel.Schule{Name: &schulwechsel.Organisationsname{Name: name}}
		if nr != "" {
			x.Identifikationen = []schulwechsel.Identifikation{{ID: nr, Beschreibung: "Schulnummer"}}
		}
		return x
	}
	name := map[string]string{}
	for _, sch := range Schulen() {
		name[sch.Schulnummer] = sch.Name
	}
	schueler := func(p Schueler) schulwechsel.Schueler {
		x := schulwechsel.Schueler{
			Name:        schulwechsel.Name{Familienname: schulwechsel.Namensteil{Name: p.Familienname}, Vorname: schulwechsel.Namensteil{Name: p.Vornamen}},
			Geburt:      schulwechsel.Geburt{Datum: schulwechsel.DatumAus(p.Geburtsdatum)},
			Geschlecht:  schulwechsel.Code{Value: p.Geschlecht},
			Anschriften: []schulwechsel.Anschrift{{Strasse: p.Strasse, Hausnummer: p.Hausnummer, Postleitzahl: p.PLZ, Ort: p.Ort}},
		}
		if p.Schuelernummer != "" {
			x.Identifikationen = []schulwechsel.Identifikation{{ID: p.Schuelernummer, Beschreibung: "Schülernummer"}}
		}
		return x
	}
	stufe := func(n int) schulwechsel.Code {
		return schulwechsel.Code{Value: fmt.Sprintf("http://xschule.digital/def/xschule/1.0/code/jahrgangsstufe/jahrgangsstufe_%d", n)}
	}
	art := schulwechsel.Auswahl{Code: schulwechsel.Code{Value: "http://xschule.digital/def/xschule/2025-02-25/code/artderschulaufnahme/schulwechsel_ausserhalb_schulbezirk"}}
	bisher := func(nr, name string, ende time.Time) *schulwechsel.BisherigeSchule {
		return &schulwechsel.BisherigeSchule{Schule: schule(nr, name), Zeitraum: &schulwechsel.Zeitraum{Ende: schulwechsel.DatumAus(ende)}}
	}
	used := map[int]bool{}

	// Within the city: Rosenweg → Am Stadtpark, grade 3.
	p := s.Schueler[finde(gsRosenweg, 3, used)]
	used[p.Kind] = true
	s.Wechsel = append(s.Wechsel, &schulwechsel.Schulwechsel{Dokument: schulwechsel.Dokument{Sprache: sprache}, Schueler: schueler(p),
		BisherigeSchule: bisher(gsRosenweg, name[gsRosenweg], datum(g.y, time.September, 4)),
		Aufnahme:        &schulwechsel.Aufnahme{Schule: schule(gsPark, name[gsPark]), Datum: schulwechsel.DatumAus(datum(g.y, time.September, 7)), Jahrgangsstufe: stufe(3), Art: art}})

	// Into the city: a child who moved here in August, grade 7 at the
	// Sekundarschule Am Park; no list has it yet.
	i := finde(sekPark, 7, used)
	p = s.Schueler[i]
	used[p.Kind] = true
	s.Schueler = slices.Delete(s.Schueler, i, i+1)
	s.Kinder[p.Kind].Zuzug = datum(g.y, time.August, 20)
	p.Schuelernummer = fmt.Sprintf("16%08d", 4242+g.y)
	s.Wechsel = append(s.Wechsel, &schulwechsel.Schulwechsel{Dokument: schulwechsel.Dokument{Sprache: sprache}, Schueler: schueler(p),
		BisherigeSchule: bisher("", "Oberschule Am Wald, Wiesenau", datum(g.y, time.July, 10)),
		Aufnahme:        &schulwechsel.Aufnahme{Schule: schule(sekPark, name[sekPark]), Datum: schulwechsel.DatumAus(datum(g.y, time.September, 1)), Jahrgangsstufe: stufe(7), Art: art}})

	// Out of the city: Gymnasium → a Gymnasium in Wiesenau, grade 8; that
	// school confirms the attendance.
	p = s.Schueler[finde(gym, 8, used)]
	used[p.Kind] = true
	s.Wechsel = append(s.Wechsel, &schulwechsel.Schulwechsel{Dokument: schulwechsel.Dokument{Sprache: sprache}, Schueler: schueler(p),
		BisherigeSchule: bisher(gym, name[gym], datum(g.y, time.September, 2)),
		Aufnahme: &schulwechsel.Aufnahme{Schule: schule("", schulenAusserhalb[0].name+", "+schulenAusserhalb[0].ort),
			Datum: schulwechsel.DatumAus(datum(g.y, time.September, 3)), Jahrgangsstufe: stufe(8), Art: art}})
	k := s.Kinder[p.Kind]
	s.Bestaetigungen = append(s.Bestaetigungen, Bestaetigung{Familienname: k.Familienname, Vornamen: k.Vornamen, Geburtsdatum: k.Geburtsdatum,
		Schule: schulenAusserhalb[0].name, Ort: schulenAusserhalb[0].ort, Kind: p.Kind})

	// Deregistered at Sekundarschule Nord, admitted nowhere.
	p = s.Schueler[finde(sekNord, 8, used)]
	s.Wechsel = append(s.Wechsel, &schulwechsel.Schulwechsel{Dokument: schulwechsel.Dokument{Sprache: sprache}, Schueler: schueler(p),
		BisherigeSchule: bisher(sekNord, name[sekNord], datum(g.y, time.September, 5))})
}

// einschulung reports the registrations and decisions for the next
// school year's Einschulung, as they stand in the autumn before it: most
// children registered at the Grundschule of their Bezirk and many already
// admitted, some at the free school, Gastschulanträge granted, pending and
// refused, deferrals, an Abmeldung, two early entries, and a few children
// nobody has registered yet. The children deferred this year were
// decided last year.
func (g *gen) einschulung() {
	s := g.stadt
	naechstes := g.y + 1
	add := func(m Meldung) { s.Meldungen = append(s.Meldungen, m) }
	var kohorte, vorzeitig []int
	for i, k := range s.Kinder {
		switch k.Einschulung {
		case naechstes:
			kohorte = append(kohorte, i)
		case naechstes + 1:
			vorzeitig = append(vorzeitig, i)
		}
	}
	// This year's deferrals, decided last year: those children start next year.
	for i, k := range s.Kinder {
		if k.Einschulung == g.y && g.zurueckgestellt(i) {
			add(Meldung{Schuljahr: g.y, Kind: i, Typ: einschulung.TypZurueckstellung, Entscheidung: einschulung.EntscheidungGenehmigt})
			kohorte = append(kohorte, i)
		}
	}
	g.r.Shuffle(len(kohorte), func(a, b int) { kohorte[a], kohorte[b] = kohorte[b], kohorte[a] })
	nr := func(i int) string {
		k := s.Kinder[i]
		return bezirk(g.ix, k.Strasse, k.Hausnummer, k.PLZ, naechstes)
	}
	gast := 0
	for n, i := range kohorte {
		b := nr(i)
		an := func(schule string, aufnahme bool) {
			add(Meldung{Schuljahr: naechstes, Kind: i, Typ: einschulung.TypAnmeldung, Schulnummer: schule})
			if aufnahme {
				add(Meldung{Schuljahr: naechstes, Kind: i, Typ: einschulung.TypAufnahme, Schulnummer: schule})
			}
		}
		if s.Kinder[i].Einschulung == g.y { // deferred last year: registered again
			if b != "" {
				an(b, false)
			}
			continue
		}
		switch {
		case b == "":
			// New estate: no responsible Grundschule, nobody registered yet.
		case n == 0:
			add(Meldung{Schuljahr: naechstes, Kind: i, Typ: einschulung.TypZurueckstellung, Entscheidung: einschulung.EntscheidungGenehmigt})
		case n == 1:
			add(Meldung{Schuljahr: naechstes, Kind: i, Typ: einschulung.TypZurueckstellung, Entscheidung: einschulung.EntscheidungBeantragt})
			an(b, false)
		case n == 2:
			add(Meldung{Schuljahr: naechstes, Kind: i, Typ: einschulung.TypAbmeldung})
		case n < 9 && gast < 6:
			ziel := nachbar[b]
			e := []einschulung.Entscheidung{einschulung.EntscheidungGenehmigt, einschulung.EntscheidungGenehmigt, einschulung.EntscheidungGenehmigt,
				einschulung.EntscheidungBeantragt, einschulung.EntscheidungBeantragt, einschulung.EntscheidungAbgelehnt}[gast]
			gast++
			add(Meldung{Schuljahr: naechstes, Kind: i, Typ: einschulung.TypGastschulantrag, Schulnummer: ziel, Entscheidung: e})
			if e == einschulung.EntscheidungGenehmigt {
				an(ziel, gast == 1)
			} else {
				an(b, false)
			}
		default:
			switch x := g.r.Float64(); {
			case x < 0.06:
				an(gsFrei, g.chance(0.5))
			case x < 0.10:
				// not registered yet: the school office follows up
			default:
				an(b, g.chance(0.45))
			}
		}
	}
	// Two children a year younger, registered for early admission.
	for _, i := range vorzeitig[:2] {
		k := s.Kinder[i]
		if b := bezirk(g.ix, k.Strasse, k.Hausnummer, k.PLZ, naechstes); b != "" {
			add(Meldung{Schuljahr: naechstes, Kind: i, Typ: einschulung.TypAnmeldung, Schulnummer: b, Art: einschulung.ArtVorzeitig, PerPerson: true})
		}
	}
}

// zurueckgestellt: the children of this year's cohort who are at no school
// because their start was deferred (decided in schulen).
func (g *gen) zurueckgestellt(i int) bool { return g.deferred[i] }

// planung writes the planners' history of the ten school years before
// the current one: pupils per school and grade from the cohorts with the
// city's usual shares, and the cohorts per Bezirk as the register counted
// them then (a few children more than today's register: some moved away
// since).
func (g *gen) planung() {
	s := g.stadt
	total := func(e int) float64 {
		var n float64
		for _, b := range bezirke {
			n += Kohortengroesse(b, e, g.y)
		}
		return n
	}
	add := func(nr string, t, st int, v float64) {
		s.Schuelerzahlen = append(s.Schuelerzahlen, planung.Zahl{Schulnummer: nr, Schuljahr: t, Jahrgangsstufe: st,
			Anzahl: max(0, int(math.Round(v+2*schwank(nr+fmt.Sprint(st), t))))})
	}
	for t := g.y - 10; t < g.y; t++ {
		for st := 1; st <= 4; st++ {
			e := t - st + 1
			for _, b := range bezirke {
				add(b, t, st, Kohortengroesse(b, e, g.y)*0.89*(1-0.01*float64(st-1)))
			}
			add(gsFrei, t, st, math.Min(22, total(e)*0.065))
		}
		for st := 5; st <= 12; st++ {
			e := t - st + 1
			c := total(e)
			if st <= 10 {
				add(sekPark, t, st, c*0.30)
				add(sekNord, t, st, c*0.14)
			}
			q := 0.51
			if st >= 11 {
				q = 0.47
			}
			add(gym, t, st, c*q)
		}
	}
	for t := g.y - 10; t < g.y; t++ {
		count := map[string]int{}
		for _, k := range s.Kinder {
			if k.Einschulung == t {
				count[bezirk(g.ix, k.Strasse, k.Hausnummer, k.PLZ, t)]++
			}
		}
		for _, b := range bezirke {
			s.Kohorten = append(s.Kohorten, planung.Kohorte{Schulnummer: b, Schuljahr: t, Anzahl: count[b] + int(math.Round(1+schwank("weg"+b, t)))})
		}
	}
}

package schulpflicht

import (
	"cmp"
	"fmt"
	"maps"
	"math"
	"slices"
	"strings"
)

// The matcher compares residents and pupils field by field in the manner
// of Fellegi and Sunter: every field has agreement levels, and each level
// adds its weight log2(m/u) to the score, where m is how often the level
// occurs when both records are the same child and u how often it occurs
// when they are two different children. A score is therefore a log-2
// likelihood ratio: +10 means the observed agreement is about 1,000 times
// more likely for the same child than for two children.
//
// The m values are what school lists really look like against the
// register (most names are spelled the same, a few per cent differ in one
// of the ways the generated population models, see population.go); the u
// values are how often two different children of the same city agree by
// chance. For exact names u is the name's own frequency (see
// haeufigkeit): two "Müller" agree more often by chance than two "Przybilla".
//
//	field          level                               m       u       weight
//	Familienname   equal (after folding, no particles) 0.90    freq    log2(0.90/freq), ~6 to 14
//	               one word of a double name equal     0.04    0.002   +4.3
//	               same Kölner Phonetik or Umschrift   0.03    0.003   +3.3
//	               Jaro-Winkler ≥ 0.90                 0.02    0.01    +1.0
//	               different                           0.01    0.985   −6.6
//	Vorname        one given name equal                0.92    freq    log2(0.92/freq), ~5 to 12.5
//	(any of them)  same Kölner Phonetik or Umschrift   0.03    0.006   +2.3
//	               Jaro-Winkler ≥ 0.90                 0.03    0.015   +1.0
//	               different                           0.02    0.96    −5.6
//	Geburtsdatum   equal                               0.94    1/3650  +11.7
//	               day and month swapped               0.01    0.0003  +5.1
//	               one digit different                 0.02    0.004   +2.3
//	               year ±1, same day and month         0.005   0.002   +1.3
//	               one side 01.01., same year          0.005   0.0005  +3.3
//	               different                           0.025   0.99    −5.3
//	Geschlecht     equal                               0.97    0.5     +1.0
//	               different                           0.01    0.5     −5.6
//	Adresse        street and house number equal       0.80    0.002   +8.6
//	               different                           0.20    0.998   −2.3
//
// A missing value on either side adds nothing. Given and family name
// swapped are compared crosswise and cost 1 (the swap is rare, m ≈ 0.01,
// but it needs two fields to agree crosswise, which chance rarely makes).
// A pupil number on both sides decides: equal is the same child, different
// is never a match.
var (
	wFamTeil   = math.Log2(0.04 / 0.002)
	wFamPhon   = math.Log2(0.03 / 0.003)
	wFamJW     = math.Log2(0.02 / 0.01)
	wFamNein   = math.Log2(0.01 / 0.985)
	wVorPhon   = math.Log2(0.03 / 0.006)
	wVorJW     = math.Log2(0.03 / 0.015)
	wVorNein   = math.Log2(0.02 / 0.96)
	wDatGleich = math.Log2(0.94 * 3650)
	wDatTausch = math.Log2(0.01 / 0.0003)
	wDatZiffer = math.Log2(0.02 / 0.004)
	wDatJahr   = math.Log2(0.005 / 0.002)
	// 01.01. is what registers write when the day of birth is unknown
	// (many refugee children); the school may know the real date.
	wDatPlatzhalter = math.Log2(0.005 / 0.0005)
	wDatNein        = math.Log2(0.025 / 0.99)
	wGeschJa        = math.Log2(0.97 / 0.5)
	wGeschNein      = math.Log2(0.01 / 0.5)
	wAdrJa          = math.Log2(0.80 / 0.002)
	wAdrNein        = math.Log2(0.20 / 0.998)
	wTausch         = -1.0
)

const (
	mFam = 0.90
	mVor = 0.92
	// jwSchwelle is the Jaro-Winkler similarity from which two names count
	// as a typing error of each other.
	jwSchwelle = 0.90
	// abstand: a pair is matched automatically only when no other pair
	// of the same resident or the same pupil comes within this many points.
	// Twins and namesakes are what it guards against.
	abstand = 6.0
	// maxBlock: a block larger than this is not used as a source of
	// candidates (the other blocks of the same person still are); it keeps
	// the work near-linear when one value is very common.
	maxBlock = 1500
	// datumAdresseZuschlag: see zuschlag.
	datumAdresseZuschlag = 2.0
)

// StandardKonfiguration returns the thresholds measured on the two
// generated populations (ErzeugePopulation and evalpop2; see
// matcher_population_test.go, matcher_evalpop2_test.go and the matcher
// sections of docs/performance.md for the sweeps).
func StandardKonfiguration() Konfiguration { return Konfiguration{Auto: 20, Review: 12, Eindeutig: 16} }

// vorbereitet is a person with everything the comparison needs computed
// once. Words and phonetic codes are also numbered (woerterbuch), so that
// the comparisons of millions of candidate pairs compare integers.
type vorbereitet struct {
	fam      []string // folded family-name words without particles
	famKey   string   // fam joined
	famPhon  string   // Kölner Phonetik of famKey
	famWPhon []string // Kölner Phonetik of each family-name word
	famUms   string   // Umschrift of famKey
	vorUms   []string // Umschrift of each given name
	vor      []string // folded given names (all of them)
	n, t     namen    // the names as written, and swapped (for residents)
	datum    int      // yyyymmdd, 0 if unknown
	geschl   byte
	adresse  string
	snr      string
}

// namen are the numbered names of one person: family name (words, whole,
// phonetic) and given names (words, phonetic).
type namen struct {
	fam, vor         []uint32
	famS, vorS       []string
	key, phon        uint32
	keyS             string
	vorPhon, famPhon []uint32 // phonetic codes of the given names, of the family-name words
	ums              uint32   // Umschrift of the family name
	vorUms           []uint32 // Umschrift of the given names
}

// woerterbuch numbers strings; 0 is the empty string.
type woerterbuch map[string]uint32

func (w woerterbuch) id(s string) uint32 {
	if s == "" {
		return 0
	}
	if id, ok := w[s]; ok {
		return id
	}
	id := uint32(len(w) + 1)
	w[s] = id
	return id
}

func (w woerterbuch) ids(list []string) []uint32 {
	out := make([]uint32, len(list))
	for i, s := range list {
		out[i] = w.id(s)
	}
	return out
}

func vorbereiten(p *Person, wb woerterbuch, mitTausch bool) vorbereitet {
	v := vorbereitet{
		fam:     Familienwoerter(p.Familienname),
		vor:     Vornamenwoerter(p.Vornamen, p.Rufname),
		snr:     strings.TrimSpace(p.Schuelernummer),
		adresse: adresseSchluessel(p.Strasse, p.Hausnummer),
	}
	v.famKey = strings.Join(v.fam, "")
	v.famPhon = phonetikGefaltet(v.famKey)
	v.famWPhon = make([]string, len(v.fam))
	for i, w := range v.fam {
		v.famWPhon[i] = phonetikGefaltet(w)
	}
	vorPhon := make([]string, len(v.vor))
	for i, w := range v.vor {
		// A code of one digit says little: Mia, Hannah, Anna, Nina and
		// Noah are all "6". Short names are left to Umschrift.
		if c := phonetikGefaltet(w); len(c) > 1 {
			vorPhon[i] = c
		}
	}
	// An Arabic article written together with the name (Alhassan,
	// Elkhatib) is a word of its own for the comparison of words, as
	// "Al-Hassan" gives hassan after the particle is dropped.
	famWoerter := v.fam
	for _, w := range v.fam {
		if len(w) >= 5 && (strings.HasPrefix(w, "al") || strings.HasPrefix(w, "el")) {
			famWoerter = append(slices.Clip(famWoerter), w[2:])
		}
	}
	v.famUms = Umschrift(v.famKey)
	vorUms := make([]string, len(v.vor))
	for i, w := range v.vor {
		vorUms[i] = Umschrift(w)
	}
	v.vorUms = vorUms
	v.n = namen{fam: wb.ids(famWoerter), famS: famWoerter, key: wb.id(v.famKey), keyS: v.famKey, phon: wb.id("#" + v.famPhon),
		vor: wb.ids(v.vor), vorS: v.vor, vorPhon: wb.ids(prefix("#", vorPhon)), famPhon: wb.ids(prefix("#", v.famWPhon)),
		ums: wb.id("~" + v.famUms), vorUms: wb.ids(prefix("~", vorUms))}
	if mitTausch {
		vorKey := strings.Join(v.vor, "")
		v.t = namen{fam: v.n.vor, famS: v.vor, key: wb.id(vorKey), keyS: vorKey, phon: wb.id("#" + phonetikGefaltet(vorKey)),
			vor: v.n.fam, vorS: famWoerter, vorPhon: v.n.famPhon, famPhon: v.n.vorPhon,
			ums: wb.id("~" + Umschrift(vorKey)), vorUms: wb.ids(prefix("~", []string{v.famUms}))}
	}
	if !p.Geburtsdatum.IsZero() {
		y, m, d := p.Geburtsdatum.Date()
		v.datum = y*10000 + int(m)*100 + d
	}
	if g := strings.ToLower(strings.TrimSpace(p.Geschlecht)); g == "m" || g == "w" {
		v.geschl = g[0]
	}
	return v
}

// prefix marks phonetic codes so that they never share a number with a
// word ("#" cannot occur in a folded word); an empty code stays empty.
func prefix(p string, list []string) []string {
	out := make([]string, len(list))
	for i, s := range list {
		if s != "" {
			out[i] = p + s
		}
	}
	return out
}

// haeufigkeit estimates how often a name occurs, from the names of both
// sides, shrunk towards a prior so that a handful of records does not
// make every name look common; fertig turns the counts into the weights
// of an exact agreement.
type haeufigkeit struct {
	fam, vor         []int32 // counts by word number
	nFam, nVor       int
	priorFam, priorV float64
	famW, vorW       []float64 // weights by word number, set by fertig
	// maxFam and maxVor are the highest weights an agreeing name can get
	// (that of a name seen nowhere else).
	maxFam, maxVor float64
}

func neueHaeufigkeit() *haeufigkeit {
	return &haeufigkeit{priorFam: 0.002, priorV: 0.01}
}

const priorGewicht = 2000

func zaehleID(counts []int32, id uint32) []int32 {
	for int(id) >= len(counts) {
		counts = append(counts, 0)
	}
	counts[id]++
	return counts
}

func (h *haeufigkeit) zaehle(v *vorbereitet) {
	if v.n.key != 0 {
		h.fam = zaehleID(h.fam, v.n.key)
		h.nFam++
	}
	for _, w := range v.n.vor {
		h.vor = zaehleID(h.vor, w)
		h.nVor++
	}
}

func (h *haeufigkeit) fertig(woerter int) {
	gewicht := func(count int32, n int, prior, m float64) float64 {
		return math.Log2(m / ((float64(count) + priorGewicht*prior) / (float64(n) + priorGewicht)))
	}
	h.famW = make([]float64, woerter+1)
	h.vorW = make([]float64, woerter+1)
	for id := range h.famW {
		var cf, cv int32
		if id < len(h.fam) {
			cf = h.fam[id]
		}
		if id < len(h.vor) {
			cv = h.vor[id]
		}
		h.famW[id] = gewicht(cf, h.nFam, h.priorFam, mFam)
		h.vorW[id] = gewicht(cv, h.nVor, h.priorV, mVor)
	}
	h.maxFam = max(gewicht(0, h.nFam, h.priorFam, mFam), wFamTeil)
	h.maxVor = max(gewicht(0, h.nVor, h.priorV, mVor), wVorPhon)
}

// Bits of bewertung.felder and bewertung.hinweise.
const (
	fFam uint8 = 1 << iota
	fVor
	fDatum
	fGeschl
	fAdresse
)

const (
	hNamenVertauscht uint8 = 1 << iota
	hTagMonat
	hZiffer
	hJahr
	hNamensteil
	hTippfehler
	hPlatzhalter
	hAdresseAnders
)

type bewertung struct {
	score    float64
	felder   uint8
	hinweise uint8
}

// namenGewicht scores family and given names of a against those of b.
// It gives up with −Inf as soon as the names cannot reach grenze any more.
func namenGewicht(h *haeufigkeit, a, b *namen, grenze float64) (float64, uint8, uint8) {
	var score float64
	var felder, hinweise uint8
	switch {
	case a.key == 0 || b.key == 0:
	case a.key == b.key:
		score += h.famW[a.key]
		felder |= fFam
	case gemeinsam(a.fam, b.fam):
		score += wFamTeil
		felder |= fFam
		hinweise |= hNamensteil
	case a.phon != 0 && a.phon == b.phon, a.ums != 0 && a.ums == b.ums:
		score += wFamPhon
		felder |= fFam
		hinweise |= hTippfehler
	case wFamJW+h.maxVor < grenze:
		return math.Inf(-1), 0, 0
	case JaroWinkler(a.keyS, b.keyS) >= jwSchwelle || wortAehnlich(a.famS, b.famS):
		score += wFamJW
		felder |= fFam
		hinweise |= hTippfehler
	default:
		score += wFamNein
	}
	if len(a.vor) == 0 || len(b.vor) == 0 {
		if score < grenze {
			return math.Inf(-1), 0, 0
		}
		return score, felder, hinweise
	}
	best := math.Inf(-1)
	for _, w := range a.vor {
		if slices.Contains(b.vor, w) {
			best = max(best, h.vorW[w])
		}
	}
	if best > math.Inf(-1) && len(a.vor) > 1 && len(b.vor) > 1 && eigenerVorname(a, b) && eigenerVorname(b, a) {
		// Each side has a given name the other lacks ("Marie Sophie" and
		// "Marie Juna"): twins named alike, not one child. A list that
		// leaves a name out ("Marie") is no contradiction.
		best = wVorNein
	}
	if best == math.Inf(-1) {
		switch {
		case gemeinsam(a.vorPhon, b.vorPhon), gemeinsam(a.vorUms, b.vorUms):
			best = wVorPhon
			hinweise |= hTippfehler
		case score+wVorJW < grenze:
			return math.Inf(-1), 0, 0
		case wortAehnlich(a.vorS, b.vorS):
			best = wVorJW
			hinweise |= hTippfehler
		default:
			best = wVorNein
		}
	}
	score += best
	if best > 0 {
		felder |= fVor
	}
	if score < grenze {
		return math.Inf(-1), 0, 0
	}
	return score, felder, hinweise
}

// eigenerVorname reports whether a has a given name that b has neither
// as written nor as it sounds.
func eigenerVorname(a, b *namen) bool {
	for i, w := range a.vor {
		if slices.Contains(b.vor, w) {
			continue
		}
		if i < len(a.vorPhon) && a.vorPhon[i] != 0 && slices.Contains(b.vorPhon, a.vorPhon[i]) {
			continue
		}
		if i < len(a.vorUms) && a.vorUms[i] != 0 && slices.Contains(b.vorUms, a.vorUms[i]) {
			continue
		}
		return true
	}
	return false
}

// gemeinsam reports whether a and b share a number other than 0.
func gemeinsam(a, b []uint32) bool {
	for _, x := range a {
		if x != 0 && slices.Contains(b, x) {
			return true
		}
	}
	return false
}

func wortAehnlich(a, b []string) bool {
	for _, x := range a {
		for _, y := range b {
			if JaroWinkler(x, y) >= jwSchwelle {
				return true
			}
		}
	}
	return false
}

// datumGewicht compares two birth dates written as yyyymmdd.
func datumGewicht(a, b int) (float64, uint8) {
	switch {
	case a == 0 || b == 0:
		return 0, 0
	case a == b:
		return wDatGleich, 0
	}
	ay, am, ad := a/10000, a/100%100, a%100
	by, bm, bd := b/10000, b/100%100, b%100
	switch {
	case ay == by && am == bd && ad == bm:
		return wDatTausch, hTagMonat
	case einZiffer(a, b):
		return wDatZiffer, hZiffer
	case am == bm && ad == bd && (ay-by == 1 || by-ay == 1):
		return wDatJahr, hJahr
	case ay == by && (am == 1 && ad == 1 || bm == 1 && bd == 1):
		return wDatPlatzhalter, hPlatzhalter
	}
	return wDatNein, 0
}

// einZiffer reports whether the eight digits of a and b differ in exactly one place.
func einZiffer(a, b int) bool {
	diff := 0
	for range 8 {
		if a%10 != b%10 {
			diff++
		}
		a, b = a/10, b/10
	}
	return diff == 1
}

// vergleiche scores resident r against pupil p. When it can tell early
// that the score stays below grenze, it stops and returns a score of
// −Inf: the cheap fields (date, sex, address) come first, and the name
// comparisons, Jaro-Winkler above all, only run while the best the names
// could still add would reach grenze.
func vergleiche(h *haeufigkeit, r, p *vorbereitet, grenze float64) bewertung {
	var s float64
	var felder, hinweise uint8
	ds, dh := datumGewicht(r.datum, p.datum)
	s += ds
	hinweise |= dh
	if ds > 0 {
		felder |= fDatum
	}
	if r.geschl != 0 && p.geschl != 0 {
		if r.geschl == p.geschl {
			s += wGeschJa
			felder |= fGeschl
		} else {
			s += wGeschNein
		}
	}
	if r.adresse != "" && p.adresse != "" {
		if r.adresse == p.adresse {
			s += wAdrJa
			felder |= fAdresse
		} else {
			s += wAdrNein
			hinweise |= hAdresseAnders
		}
	}
	if s+h.maxFam+h.maxVor < grenze {
		return bewertung{score: math.Inf(-1)}
	}
	ns, nf, nh := namenGewicht(h, &r.n, &p.n, grenze-s)
	if nf&(fFam|fVor) != fFam|fVor && s+h.maxFam+h.maxVor+wTausch >= grenze {
		// Given and family name swapped: the pupil's family name against
		// the resident's given names and the other way round.
		ts, tf, th := namenGewicht(h, &r.t, &p.n, grenze-s-wTausch)
		ts += wTausch
		if ts > ns && tf&(fFam|fVor) == fFam|fVor {
			ns, nf, nh = ts, tf, th|hNamenVertauscht
		}
	}
	if math.IsInf(ns, -1) {
		return bewertung{score: ns}
	}
	return bewertung{score: s + ns, felder: felder | nf, hinweise: hinweise | nh}
}

// Blocking: a pair is compared only when the two share at least one key.
// Keys are hashes of
//
//	the birth date;
//	birth year + Kölner Phonetik of a family-name word (or of the whole
//	family name) + first letter of a given name;
//	birth year + a given name as folded + first letter of the family name;
//	a family-name word and a given name as folded, unordered (catches a
//	wrong birth year and swapped names);
//	Kölner Phonetik of the family name (or a word of it) + a given name as
//	folded (catches a wrong year together with a typing error).
//
// Every difference the issue lists, alone, leaves at least one key intact;
// so do most pairs of differences.
func blockSchluessel(v *vorbereitet, keys []uint64) []uint64 {
	keys = keys[:0]
	if v.datum != 0 {
		keys = append(keys, hashKey('d', fmt.Sprint(v.datum), ""))
	}
	jahr := ""
	if v.datum != 0 {
		jahr = fmt.Sprint(v.datum / 10000)
	}
	famCodes := append([]string{v.famPhon}, v.famWPhon...)
	if jahr != "" {
		for _, c := range famCodes {
			if c == "" {
				continue
			}
			for _, g := range v.vor {
				keys = append(keys, hashKey('f', jahr+g[:1], c))
			}
		}
		if v.famKey != "" {
			for _, g := range v.vor {
				keys = append(keys, hashKey('v', jahr+v.famKey[:1], g))
			}
		}
	}
	for _, f := range v.fam {
		for _, g := range v.vor {
			a, b := f, g
			if a > b {
				a, b = b, a
			}
			keys = append(keys, hashKey('n', a, b))
		}
	}
	for _, f := range famCodes {
		for _, g := range v.vor {
			if f != "" {
				keys = append(keys, hashKey('p', f, g))
			}
		}
	}
	if v.famUms != "" {
		for _, g := range v.vorUms {
			if g != "" {
				keys = append(keys, hashKey('u', v.famUms, g))
			}
		}
	}
	slices.Sort(keys)
	return slices.Compact(keys)
}

// hashKey is FNV-1a over a kind byte and two strings. A collision only
// adds a candidate pair, never loses one.
func hashKey(kind byte, a, b string) uint64 {
	const prime = 1099511628211
	h := uint64(14695981039346656037)
	h = (h ^ uint64(kind)) * prime
	for i := 0; i < len(a); i++ {
		h = (h ^ uint64(a[i])) * prime
	}
	h = (h ^ 0xff) * prime
	for i := 0; i < len(b); i++ {
		h = (h ^ uint64(b[i])) * prime
	}
	return h
}

type kandidat struct {
	r, p int32
	b    bewertung
}

// Abgleichen returns one Zuordnung per resident, in the residents' order.
// A confirmed Urteil makes its pair Auto; a rejected one is never proposed
// again. A pupil number on both sides decides. Each pupil is given to at
// most one resident (at Auto or Review): pairs are taken best score first.
// A pair becomes Auto only with a score of at least cfg.Auto (plus
// zuschlag) and no competing pair of the same resident or pupil within
// abstand points of it, or, from cfg.Eindeutig, as the only candidate of
// both sides (eindeutigGenug). A competitor whose given names disagree and
// whose other side holds its own pair with a lead of abstand (a twin), and
// a second record of the same child, do not compete.
func Abgleichen(residents, pupils []Person, urteile []Urteil, cfg Konfiguration) []Zuordnung {
	rv := make([]vorbereitet, len(residents))
	pv := make([]vorbereitet, len(pupils))
	h := neueHaeufigkeit()
	wb := woerterbuch{}
	for i := range residents {
		rv[i] = vorbereiten(&residents[i], wb, true)
		h.zaehle(&rv[i])
	}
	for i := range pupils {
		pv[i] = vorbereiten(&pupils[i], wb, false)
		h.zaehle(&pv[i])
	}
	h.fertig(len(wb))

	out := make([]Zuordnung, len(residents))
	for i, r := range residents {
		out[i] = Zuordnung{ResidentID: r.ID, Entscheidung: Keine, Begruendung: "kein Schüler gefunden"}
	}
	entschieden := make([]bool, len(residents))
	vergeben := make([]bool, len(pupils))

	pupilIndex := make(map[string]int32, len(pupils))
	for i, p := range pupils {
		pupilIndex[p.ID] = int32(i)
	}
	abgelehnt := map[[2]string]bool{}
	bestaetigt := map[string]string{}
	for _, u := range urteile {
		if u.Bestaetigt {
			bestaetigt[u.ResidentID] = u.PupilID
		} else {
			abgelehnt[[2]string{u.ResidentID, u.PupilID}] = true
		}
	}
	festlegen := func(ri int, pi int32, b bewertung, felder []Feld, grund string) {
		out[ri] = Zuordnung{ResidentID: residents[ri].ID, PupilID: pupils[pi].ID, Entscheidung: Auto,
			Score: runden(b.score), Uebereinstimmend: felder, Begruendung: grund}
		entschieden[ri], vergeben[pi] = true, true
	}

	// 1. Confirmed pairs.
	for ri := range residents {
		pid, ok := bestaetigt[residents[ri].ID]
		if !ok {
			continue
		}
		if pi, ok := pupilIndex[pid]; ok && !vergeben[pi] {
			b := vergleiche(h, &rv[ri], &pv[pi], math.Inf(-1))
			festlegen(ri, pi, b, feldListe(b.felder), "bestätigt")
		}
	}
	// 2. Pupil numbers on both sides.
	nachNummer := map[string][]int32{}
	for i := range pv {
		if pv[i].snr != "" {
			nachNummer[pv[i].snr] = append(nachNummer[pv[i].snr], int32(i))
		}
	}
	for ri := range residents {
		if entschieden[ri] || rv[ri].snr == "" {
			continue
		}
		best, bestB := int32(-1), bewertung{}
		for _, pi := range nachNummer[rv[ri].snr] {
			if vergeben[pi] || abgelehnt[[2]string{residents[ri].ID, pupils[pi].ID}] {
				continue
			}
			if b := vergleiche(h, &rv[ri], &pv[pi], math.Inf(-1)); best < 0 || b.score > bestB.score {
				best, bestB = pi, b
			}
		}
		if best >= 0 {
			festlegen(ri, best, bestB, append([]Feld{FeldSchuelernummer}, feldListe(bestB.felder)...), "Schülernummer stimmt überein")
		}
	}

	// 3. Candidate pairs from the blocks.
	index := map[uint64][]int32{}
	var keys []uint64
	for pi := range pv {
		if vergeben[pi] {
			continue
		}
		keys = blockSchluessel(&pv[pi], keys)
		for _, k := range keys {
			index[k] = append(index[k], int32(pi))
		}
	}
	untergrenze := min(cfg.Review, cfg.Auto-abstand)
	gesehen := make([]int32, len(pupils))
	for i := range gesehen {
		gesehen[i] = -1
	}
	var kand []kandidat
	for ri := range rv {
		if entschieden[ri] {
			continue
		}
		keys = blockSchluessel(&rv[ri], keys)
		for _, k := range keys {
			block := index[k]
			if len(block) > maxBlock {
				continue
			}
			for _, pi := range block {
				if gesehen[pi] == int32(ri) {
					continue
				}
				gesehen[pi] = int32(ri)
				p := &pv[pi]
				if rv[ri].snr != "" && p.snr != "" && rv[ri].snr != p.snr {
					continue // different pupil numbers: never the same child
				}
				b := vergleiche(h, &rv[ri], p, untergrenze)
				if b.score < untergrenze {
					continue
				}
				if len(abgelehnt) > 0 && abgelehnt[[2]string{residents[ri].ID, pupils[pi].ID}] {
					continue
				}
				kand = append(kand, kandidat{r: int32(ri), p: pi, b: b})
			}
		}
	}

	// 4. Best pairs first, each resident and pupil once; then Auto only
	// with a clear lead over every other pair of the two.
	slices.SortFunc(kand, func(a, b kandidat) int {
		if c := cmp.Compare(b.b.score, a.b.score); c != 0 {
			return c
		}
		if c := cmp.Compare(a.r, b.r); c != 0 {
			return c
		}
		return cmp.Compare(a.p, b.p)
	})
	besteR := make([][2]float64, len(residents)) // best two scores per resident
	besteP := make([][2]float64, len(pupils))
	for i := range besteR {
		besteR[i] = [2]float64{math.Inf(-1), math.Inf(-1)}
	}
	for i := range besteP {
		besteP[i] = [2]float64{math.Inf(-1), math.Inf(-1)}
	}
	for _, k := range kand {
		merke(&besteR[k.r], k.b.score)
		merke(&besteP[k.p], k.b.score)
	}
	gewaehlt := make([]int32, len(residents)) // index into kand, −1 for none
	inhaber := make([]int32, len(pupils))     // resident holding the pupil, −1 for none
	for i := range gewaehlt {
		gewaehlt[i] = -1
	}
	for i := range inhaber {
		inhaber[i] = -1
	}
	for i, k := range kand {
		if entschieden[k.r] || vergeben[k.p] || k.b.score < cfg.Review {
			continue
		}
		entschieden[k.r], vergeben[k.p] = true, true
		gewaehlt[k.r], inhaber[k.p] = int32(i), k.r
	}
	tauschen(kand, gewaehlt, inhaber, cfg.Review)
	// The candidates of each resident and each pupil, for the competitors.
	proR := make(map[int32][]int32, len(kand)/2)
	proP := make(map[int32][]int32, len(kand)/2)
	for i, k := range kand {
		proR[k.r] = append(proR[k.r], int32(i))
		proP[k.p] = append(proP[k.p], int32(i))
	}
	gehalten := func(r int32) float64 {
		if gewaehlt[r] < 0 {
			return math.Inf(-1)
		}
		return kand[gewaehlt[r]].b.score
	}
	for r, i := range gewaehlt {
		if i < 0 {
			continue
		}
		k := kand[i]
		// The competitors: every other pair of this resident or this pupil,
		// except a pair whose given names disagree and whose other side is
		// clearly better explained by the assignment (a twin or sibling,
		// holding its own record with a lead of abstand), and another
		// record of the same child (the same name and birth date on a
		// second school's list). A competitor that shares a given name is
		// never explained away: twins named alike go to a person.
		konkurrenz := math.Inf(-1)
		for _, j := range proR[k.r] {
			c := kand[j]
			if c.p == k.p {
				continue
			}
			if h := inhaber[c.p]; h >= 0 && h != k.r && c.b.felder&fVor == 0 && gehalten(h) >= c.b.score+abstand {
				continue
			}
			if dasselbeKind(&pv[k.p], &pv[c.p]) {
				continue
			}
			konkurrenz = max(konkurrenz, c.b.score)
		}
		for _, j := range proP[k.p] {
			c := kand[j]
			if c.r == k.r {
				continue
			}
			if gewaehlt[c.r] >= 0 && kand[gewaehlt[c.r]].p != k.p && c.b.felder&fVor == 0 && gehalten(c.r) >= c.b.score+abstand {
				continue
			}
			konkurrenz = max(konkurrenz, c.b.score)
		}
		e, grund := Review, "prüfen: "+beschreibe(k.b)
		switch {
		case k.b.score >= cfg.Auto+zuschlag(k.b) && k.b.score-konkurrenz >= abstand:
			e, grund = Auto, beschreibe(k.b)
		case k.b.score >= cfg.Auto+zuschlag(k.b):
			grund = "prüfen: ähnlich guter anderer Treffer; " + beschreibe(k.b)
		case cfg.Eindeutig > 0 && k.b.score >= cfg.Eindeutig && konkurrenz < cfg.Review && eindeutigGenug(k.b):
			e, grund = Auto, "einziger Kandidat; "+beschreibe(k.b)
		}
		out[r] = Zuordnung{ResidentID: residents[r].ID, PupilID: pupils[k.p].ID, Entscheidung: e,
			Score: runden(k.b.score), Uebereinstimmend: feldListe(k.b.felder), Begruendung: grund}
	}
	return out
}

// tauschen improves the best-first assignment where it is greedy in the
// wrong way: when resident 1 holds pupil 1 and resident 2 pupil 2, but 1–2
// and 2–1 together score more (twins whose records each differ a little),
// the two swap. kand is sorted best first; gewaehlt and inhaber are updated.
func tauschen(kand []kandidat, gewaehlt, inhaber []int32, review float64) {
	// The candidates of each resident that has a pair, by resident.
	proR := map[int32][]int32{}
	for i, k := range kand {
		if gewaehlt[k.r] >= 0 && k.b.score >= review {
			proR[k.r] = append(proR[k.r], int32(i))
		}
	}
	score := func(r int32, p int32) (int32, bool) {
		for _, i := range proR[r] {
			if kand[i].p == p {
				return i, true
			}
		}
		return 0, false
	}
	for _, r1 := range slices.Sorted(maps.Keys(proR)) {
		liste := proR[r1]
		if len(liste) < 2 {
			continue
		}
		for _, j := range liste {
			i11 := gewaehlt[r1]
			p1, p2 := kand[i11].p, kand[j].p
			r2 := inhaber[p2]
			if p2 == p1 || r2 < 0 || r2 == r1 {
				continue
			}
			i22 := gewaehlt[r2]
			i21, ok := score(r2, p1)
			if !ok || kand[j].b.score+kand[i21].b.score <= kand[i11].b.score+kand[i22].b.score+1e-9 {
				continue
			}
			gewaehlt[r1], gewaehlt[r2] = j, i21
			inhaber[p2], inhaber[p1] = r1, r2
		}
	}
}

// dasselbeKind reports whether two pupil records are the same child on
// two lists: the same family name and birth date and a given name in
// common, after folding.
func dasselbeKind(a, b *vorbereitet) bool {
	return a.datum != 0 && a.datum == b.datum && a.n.key != 0 && a.n.key == b.n.key && gemeinsam(a.n.vor, b.n.vor)
}

// zuschlag raises the auto threshold for a pair whose birth date and
// address both differ: that is how a namesake of the same year from
// elsewhere looks (names equal, date one digit off, scores up to about
// 21 with common names), so such a pair needs what the threshold was
// before issue 18 (22).
func zuschlag(b bewertung) float64 {
	if b.hinweise&(hTagMonat|hZiffer|hJahr) != 0 && b.hinweise&hAdresseAnders != 0 {
		return datumAdresseZuschlag
	}
	return 0
}

// eindeutigGenug: the unique-candidate rule needs family name, given
// name and birth date to agree at least in part, not a name and the date
// both only in part, and, when the date differs, no other address: a
// namesake from out of town with a birth date one digit off looks
// otherwise just like the child with a mistyped date.
func eindeutigGenug(b bewertung) bool {
	if b.felder&(fFam|fVor|fDatum) != fFam|fVor|fDatum {
		return false
	}
	datum := b.hinweise&(hTagMonat|hZiffer|hJahr) != 0
	name := b.hinweise&(hTippfehler|hNamensteil|hNamenVertauscht) != 0
	return !(datum && name) && !(datum && b.hinweise&hAdresseAnders != 0)
}

func merke(best *[2]float64, s float64) {
	switch {
	case s > best[0]:
		best[1], best[0] = best[0], s
	case s > best[1]:
		best[1] = s
	}
}

// zweiter returns the best score other than own among the best two.
func zweiter(best [2]float64, own float64) float64 {
	if best[0] == own {
		return best[1]
	}
	return best[0]
}

func runden(s float64) float64 { return math.Round(s*10) / 10 }

func feldListe(f uint8) []Feld {
	var out []Feld
	for _, x := range []struct {
		bit  uint8
		feld Feld
	}{{fFam, FeldFamilienname}, {fVor, FeldVorname}, {fDatum, FeldGeburtsdatum}, {fGeschl, FeldGeschlecht}, {fAdresse, FeldAdresse}} {
		if f&x.bit != 0 {
			out = append(out, x.feld)
		}
	}
	return out
}

// beschreibe is the short German reason shown to staff.
func beschreibe(b bewertung) string {
	var teile []string
	for _, x := range []struct {
		bit  uint8
		text string
	}{{fFam, "Familienname"}, {fVor, "Vorname"}, {fDatum, "Geburtsdatum"}, {fAdresse, "Adresse"}} {
		if b.felder&x.bit != 0 {
			teile = append(teile, x.text)
		}
	}
	s := "übereinstimmend: " + strings.Join(teile, ", ")
	if len(teile) == 0 {
		s = "nur schwache Übereinstimmung"
	}
	for _, x := range []struct {
		bit  uint8
		text string
	}{{hNamenVertauscht, "Vor- und Familienname vertauscht"}, {hTagMonat, "Tag und Monat vertauscht"},
		{hZiffer, "eine Ziffer im Geburtsdatum abweichend"}, {hJahr, "Geburtsjahr um eins abweichend"},
		{hNamensteil, "nur ein Teil des Doppelnamens"}, {hTippfehler, "ähnliche Schreibweise"},
		{hPlatzhalter, "Geburtsdatum 01.01. (Tag unbekannt), Jahr gleich"}} {
		if b.hinweise&x.bit != 0 {
			s += "; " + x.text
		}
	}
	return s
}

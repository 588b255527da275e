package schulpflicht

import (
	"cmp"
	"fmt"
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
//	Familienname   equal (after folding, no particles) 0.90    freq    log2(0.90/freq), ~6.5 to 12
//	               one word of a double name equal     0.04    0.002   +4.3
//	               same Kölner Phonetik                0.03    0.003   +3.3
//	               Jaro-Winkler ≥ 0.90                 0.02    0.01    +1.0
//	               different                           0.01    0.985   −6.6
//	Vorname        one given name equal                0.92    freq    log2(0.92/freq), ~5 to 10
//	(any of them)  same Kölner Phonetik                0.03    0.006   +2.3
//	               Jaro-Winkler ≥ 0.90                 0.03    0.015   +1.0
//	               different                           0.02    0.96    −5.6
//	Geburtsdatum   equal                               0.94    1/3650  +11.8
//	               day and month swapped               0.01    0.0003  +5.1
//	               one digit different                 0.02    0.004   +2.3
//	               year ±1, same day and month         0.005   0.002   +1.3
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
	wDatNein   = math.Log2(0.025 / 0.99)
	wGeschJa   = math.Log2(0.97 / 0.5)
	wGeschNein = math.Log2(0.01 / 0.5)
	wAdrJa     = math.Log2(0.80 / 0.002)
	wAdrNein   = math.Log2(0.20 / 0.998)
	wTausch    = -1.0
)

const (
	mFam = 0.90
	mVor = 0.92
	// jwSchwelle is the Jaro-Winkler similarity from which two names count
	// as a typing error of each other.
	jwSchwelle = 0.90
	// Abstand: a pair is matched automatically only when no other pair
	// of the same resident or the same pupil comes within this many points.
	// Twins and namesakes are what it guards against.
	Abstand = 6.0
	// maxBlock: a block larger than this is not used as a source of
	// candidates (the other blocks of the same person still are); it keeps
	// the work near-linear when one value is very common.
	maxBlock = 1500
)

// StandardKonfiguration returns the thresholds measured on the generated
// population (see matcher_population_test.go and
// docs/pending/schulpflicht-matcher.md for the score distributions).
func StandardKonfiguration() Konfiguration { return Konfiguration{Auto: 22, Review: 12} }

// vorbereitet is a person with everything the comparison needs computed once.
type vorbereitet struct {
	fam      []string // folded family-name words without particles
	famKey   string   // fam joined
	famPhon  string   // Kölner Phonetik of famKey
	famWPhon []string // Kölner Phonetik of each family-name word
	vor      []string // folded given names (all of them)
	vorPhon  []string
	datum    int // yyyymmdd, 0 if unknown
	geschl   byte
	adresse  string
	snr      string
}

func vorbereiten(p *Person) vorbereitet {
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
	v.vorPhon = make([]string, len(v.vor))
	for i, w := range v.vor {
		v.vorPhon[i] = phonetikGefaltet(w)
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

// haeufigkeit estimates how often a name occurs, from the names of both
// sides, shrunk towards a prior so that a handful of records does not
// make every name look common.
type haeufigkeit struct {
	fam, vor         map[string]int
	nFam, nVor       int
	priorFam, priorV float64
}

const priorGewicht = 2000

func (h *haeufigkeit) zaehle(v *vorbereitet) {
	if v.famKey != "" {
		h.fam[v.famKey]++
		h.nFam++
	}
	for _, w := range v.vor {
		h.vor[w]++
		h.nVor++
	}
}

func (h *haeufigkeit) famGewicht(key string) float64 {
	f := (float64(h.fam[key]) + priorGewicht*h.priorFam) / (float64(h.nFam) + priorGewicht)
	return math.Log2(mFam / f)
}

func (h *haeufigkeit) vorGewicht(w string) float64 {
	f := (float64(h.vor[w]) + priorGewicht*h.priorV) / (float64(h.nVor) + priorGewicht)
	return math.Log2(mVor / f)
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
)

type bewertung struct {
	score    float64
	felder   uint8
	hinweise uint8
}

// namenGewicht scores family and given names of a (fam words) against b.
func namenGewicht(h *haeufigkeit, aFam []string, aKey, aPhon string, aWPhon []string, aVor, aVorPhon []string,
	bFam []string, bKey, bPhon string, bWPhon []string, bVor, bVorPhon []string) (float64, uint8, uint8) {
	var score float64
	var felder, hinweise uint8
	switch {
	case aKey == "" || bKey == "":
	case aKey == bKey:
		score += h.famGewicht(aKey)
		felder |= fFam
	case gemeinsamesWort(aFam, bFam):
		score += wFamTeil
		felder |= fFam
		hinweise |= hNamensteil
	case aPhon != "" && aPhon == bPhon:
		score += wFamPhon
		felder |= fFam
		hinweise |= hTippfehler
	case JaroWinkler(aKey, bKey) >= jwSchwelle || wortAehnlich(aFam, bFam):
		score += wFamJW
		felder |= fFam
		hinweise |= hTippfehler
	default:
		score += wFamNein
	}
	if len(aVor) == 0 || len(bVor) == 0 {
		return score, felder, hinweise
	}
	best := math.Inf(-1)
	for _, w := range aVor {
		if contains(bVor, w) {
			best = max(best, h.vorGewicht(w))
		}
	}
	if best == math.Inf(-1) {
		switch {
		case gemeinsamesWort(aVorPhon, bVorPhon):
			best = wVorPhon
			hinweise |= hTippfehler
		case wortAehnlich(aVor, bVor):
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
	return score, felder, hinweise
}

func gemeinsamesWort(a, b []string) bool {
	for _, x := range a {
		if x != "" && contains(b, x) {
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

// vergleiche scores resident r against pupil p.
func vergleiche(h *haeufigkeit, r, p *vorbereitet) bewertung {
	s, felder, hinweise := namenGewicht(h, r.fam, r.famKey, r.famPhon, r.famWPhon, r.vor, r.vorPhon,
		p.fam, p.famKey, p.famPhon, p.famWPhon, p.vor, p.vorPhon)
	if felder&(fFam|fVor) != fFam|fVor {
		// Given and family name swapped: the pupil's family name against
		// the resident's given names and the other way round.
		rVorKey := strings.Join(r.vor, "")
		ts, tf, th := namenGewicht(h, r.vor, rVorKey, phonetikGefaltet(rVorKey), r.vorPhon, r.fam, r.famWPhon,
			p.fam, p.famKey, p.famPhon, p.famWPhon, p.vor, p.vorPhon)
		ts += wTausch
		if ts > s && tf&(fFam|fVor) == fFam|fVor {
			s, felder, hinweise = ts, tf, th|hNamenVertauscht
		}
	}
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
		}
	}
	return bewertung{score: s, felder: felder, hinweise: hinweise}
}

// Blocking: a pair is compared only when the two share at least one key.
// Keys are hashes of
//
//	the birth date;
//	birth year + Kölner Phonetik of a family-name word (or of the whole family name);
//	birth year + Kölner Phonetik of a given name + first letter of the family name;
//	Kölner Phonetik of a family-name word and of a given name, unordered
//	(catches a wrong year and swapped names).
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
			if c != "" {
				keys = append(keys, hashKey('f', jahr, c))
			}
		}
		if v.famKey != "" {
			for _, c := range v.vorPhon {
				if c != "" {
					keys = append(keys, hashKey('v', jahr+v.famKey[:1], c))
				}
			}
		}
	}
	for _, f := range famCodes {
		for _, g := range v.vorPhon {
			if f == "" || g == "" {
				continue
			}
			a, b := f, g
			if a > b {
				a, b = b, a
			}
			keys = append(keys, hashKey('n', a, b))
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
// A pair becomes Auto only with a score of at least cfg.Auto and no other
// pair of the same resident or pupil within Abstand points of it.
func Abgleichen(residents, pupils []Person, urteile []Urteil, cfg Konfiguration) []Zuordnung {
	rv := make([]vorbereitet, len(residents))
	pv := make([]vorbereitet, len(pupils))
	h := &haeufigkeit{fam: map[string]int{}, vor: map[string]int{}, priorFam: 0.002, priorV: 0.01}
	for i := range residents {
		rv[i] = vorbereiten(&residents[i])
		h.zaehle(&rv[i])
	}
	for i := range pupils {
		pv[i] = vorbereiten(&pupils[i])
		h.zaehle(&pv[i])
	}

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
			b := vergleiche(h, &rv[ri], &pv[pi])
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
			if b := vergleiche(h, &rv[ri], &pv[pi]); best < 0 || b.score > bestB.score {
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
	untergrenze := min(cfg.Review, cfg.Auto-Abstand)
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
				b := vergleiche(h, &rv[ri], p)
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
	for _, k := range kand {
		if entschieden[k.r] || vergeben[k.p] || k.b.score < cfg.Review {
			continue
		}
		entschieden[k.r], vergeben[k.p] = true, true
		// The runner-up: the other of the two best scores of this resident
		// and of this pupil (the pair's own score is one of each's best two
		// whenever it is its best; otherwise the best is the competitor).
		konkurrenz := max(zweiter(besteR[k.r], k.b.score), zweiter(besteP[k.p], k.b.score))
		e, grund := Review, "prüfen: "+beschreibe(k.b)
		if k.b.score >= cfg.Auto {
			if k.b.score-konkurrenz >= Abstand {
				e, grund = Auto, beschreibe(k.b)
			} else {
				grund = "prüfen: ähnlich guter anderer Treffer; " + beschreibe(k.b)
			}
		}
		out[k.r] = Zuordnung{ResidentID: residents[k.r].ID, PupilID: pupils[k.p].ID, Entscheidung: e,
			Score: runden(k.b.score), Uebereinstimmend: feldListe(k.b.felder), Begruendung: grund}
	}
	return out
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
		{hNamensteil, "nur ein Teil des Doppelnamens"}, {hTippfehler, "ähnliche Schreibweise"}} {
		if b.hinweise&x.bit != 0 {
			s += "; " + x.text
		}
	}
	return s
}

// Package planung is the Schulentwicklungsplanung: pupil counts per school
// and grade, the forecast by the Übergangsquotenverfahren, capacity and the
// minimum sizes of the SEPl-VO, scenarios, and the suppression of small
// counts. It reads no name; birth dates and addresses of resident
// children reach it only to be counted into cohorts (Service.Daten), and
// what it keeps and shows are counts.
package planung

import (
	"cmp"
	"fmt"
	"math"
	"slices"
	"strconv"
	"strings"
)

// Schulart groups the Schulformen by how the forecast treats them.
type Schulart string

const (
	Grundschule    Schulart = "grundschule"    // grades 1–4, fed by its Bezirk
	Sekundarschule Schulart = "sekundarschule" // grades 5–10, fed by grade 4 of all Grundschulen
	Gymnasium      Schulart = "gymnasium"      // grades 5–12, fed likewise
)

// ArtDerSchulform maps a Schulform (schule.Schulform) to the Schulart of the
// forecast; Gemeinschafts- and Gesamtschulen count as Sekundarschulen. Other
// forms (Förderschule, BbS) are not forecast ("", false).
func ArtDerSchulform(f string) (Schulart, bool) {
	switch f {
	case "grundschule":
		return Grundschule, true
	case "sekundarschule", "gemeinschaftsschule", "gesamtschule":
		return Sekundarschule, true
	case "gymnasium":
		return Gymnasium, true
	}
	return "", false
}

// Stufen returns the first and last grade of a Schulart.
func (a Schulart) Stufen() (von, bis int) {
	switch a {
	case Grundschule:
		return 1, 4
	case Gymnasium:
		return 5, 12
	}
	return 5, 10
}

// Schule is a school's master data as planning needs it.
type Schule struct {
	Schulnummer, Name string
	Art               Schulart
	// Zuege × Klassenfrequenz is the capacity of a grade; Kapazitaet the
	// places of the whole school. 0: not known.
	Zuege, Klassenfrequenz, Kapazitaet int
}

// Zugkapazitaet is the capacity of one grade (0: not known).
func (s Schule) Zugkapazitaet() int { return s.Zuege * s.Klassenfrequenz }

// Gesamtkapazitaet is Kapazitaet, or Züge × Klassenfrequenz × grades when
// only those are known (0: not known).
func (s Schule) Gesamtkapazitaet() int {
	if s.Kapazitaet > 0 {
		return s.Kapazitaet
	}
	von, bis := s.Art.Stufen()
	return s.Zugkapazitaet() * (bis - von + 1)
}

// Zahl is the number of pupils of a school in a grade and school year
// (Schuljahr: its first year, 2027 = 2027/28).
type Zahl struct {
	Schulnummer    string
	Schuljahr      int
	Jahrgangsstufe int
	Anzahl         int
}

// Kohorte is the number of children living in the Bezirk of a Grundschule
// who are due to start school in a school year.
type Kohorte struct {
	Schulnummer string
	Schuljahr   int
	Anzahl      int
}

// Daten is what the forecast is computed from.
type Daten struct {
	Schulen  []Schule
	Schueler []Zahl
	Kohorten []Kohorte
}

// Mindestgroesse is a minimum size of the SEPl-VO for one Schulart.
type Mindestgroesse struct {
	Schueler int `json:"schueler"` // whole school
	// Ausnahme is the lower size allowed by exception (0: none).
	Ausnahme int `json:"ausnahme"`
	// Eingangsklasse is the minimum of the entry grade (1 or 5).
	Eingangsklasse int `json:"eingangsklasse"`
}

// StandardMindestgroessen are the sizes reported for the current ordinance
// (domain notes; to be confirmed in the text, hence configurable).
func StandardMindestgroessen() map[Schulart]Mindestgroesse {
	return map[Schulart]Mindestgroesse{
		Grundschule:    {Schueler: 60, Eingangsklasse: 15},
		Sekundarschule: {Schueler: 240, Ausnahme: 180, Eingangsklasse: 40},
		Gymnasium:      {Schueler: 650, Eingangsklasse: 75},
	}
}

// Zusatz adds children to the cohort of a Bezirk in every forecast year
// from Ab on (0: from the first): "the new estate brings 30 children a year".
type Zusatz struct {
	Schulnummer   string  `json:"schulnummer"`
	KinderProJahr float64 `json:"kinder_pro_jahr"`
	Ab            int     `json:"ab,omitempty"`
}

// Quoten overrides quotas; a missing entry uses the computed one.
type Quoten struct {
	Eingang   map[string]float64         `json:"eingangsquoten,omitempty"`   // Grundschule → Eingangsquote
	Uebergang map[string]float64         `json:"uebergangsquoten,omitempty"` // secondary school → share of grade 4
	Durchgang map[string]map[int]float64 `json:"durchgangsquoten,omitempty"` // school → grade g → quota g−1→g
}

// Parameter steer a forecast.
type Parameter struct {
	// Ab is the first forecast year; 0: the year after the last observed.
	Ab int
	// Jahre is the number of forecast years (default 10).
	Jahre int
	// K is the number of past years averaged (default 3).
	K int
	// Schwelle: counts below it (and above 0) are suppressed in what
	// planners see; 0: nothing is suppressed. Every forecast value and
	// quota computed from a suppressed count is suppressed with it.
	Schwelle        int
	Mindestgroessen map[Schulart]Mindestgroesse
	Quoten          Quoten
	Zusaetze        []Zusatz
}

func (p Parameter) normalized() Parameter {
	if p.Jahre <= 0 {
		p.Jahre = 10
	}
	if p.K <= 0 {
		p.K = 3
	}
	if p.Mindestgroessen == nil {
		p.Mindestgroessen = StandardMindestgroessen()
	}
	return p
}

// Round rounds half away from zero, as the forecast shows whole numbers.
func Round(x float64) int { return int(math.Round(x)) }

// key of the pupil grid.
type zk struct {
	s    string
	t, g int
}

type kk struct {
	s string
	t int
}

// mean is the arithmetic mean; ok false when xs is empty.
func mean(xs []float64) (float64, bool) {
	if len(xs) == 0 {
		return 0, false
	}
	var sum float64
	for _, x := range xs {
		sum += x
	}
	return sum / float64(len(xs)), true
}

func sortedKeys[K cmp.Ordered, V any](m map[K]V) []K {
	keys := make([]K, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}

// ParseMindestgroessen reads overrides of the SEPl-VO minimum sizes, as
// "grundschule=60/0/15,sekundarschule=240/180/40" (Schulart=whole
// school/exception/entry grade; 0: none). Schularten not named keep the
// standard sizes. The error is German, for the operator.
func ParseMindestgroessen(s string) (map[Schulart]Mindestgroesse, error) {
	out := StandardMindestgroessen()
	for part := range strings.SplitSeq(s, ",") {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		name, werte, ok := strings.Cut(part, "=")
		art := Schulart(strings.TrimSpace(name))
		zahlen := strings.Split(werte, "/")
		if _, known := out[art]; !ok || !known || len(zahlen) != 3 {
			return nil, fmt.Errorf("„%s“: erwartet Schulart=Schüler/Ausnahme/Eingangsklasse, z. B. grundschule=60/0/15 (Schularten: grundschule, sekundarschule, gymnasium)", part)
		}
		var n [3]int
		for i, z := range zahlen {
			v, err := strconv.Atoi(strings.TrimSpace(z))
			if err != nil || v < 0 {
				return nil, fmt.Errorf("„%s“: „%s“ ist keine Zahl ≥ 0", part, z)
			}
			n[i] = v
		}
		out[art] = Mindestgroesse{Schueler: n[0], Ausnahme: n[1], Eingangsklasse: n[2]}
	}
	return out, nil
}

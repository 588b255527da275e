package planung

import (
	"cmp"
	"context"
	"slices"
	"time"

	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Store is the port planning reads storage through (postgres.PlanungStore
// implements it): the rows as stored, with no rule of the domain applied.
// What they mean – which school year the pupil lists are, which cohort a
// child belongs to, which Bezirk its address lies in – Service.Daten
// decides.
type Store interface {
	Bestand(ctx context.Context) (Bestand, error)
}

// Verzeichnis gives the compiled street directory (the Schulbezirke).
type Verzeichnis interface {
	Index(ctx context.Context) (*schulbezirk.Index, error)
}

// Bestand is what storage holds for planning.
type Bestand struct {
	// Schulen: every school with its Schulform as stored.
	Schulen []Schulzeile
	// Aktive: the active pupils with a grade, counted per school and grade
	// (Schuljahr 0: the school lists hold the present only).
	Aktive []Zahl
	// Historie: the stored pupil counts of school years (planners' history).
	Historie []Zahl
	// Kohorten: the stored cohort counts per Bezirk and entry year.
	Kohorten []Kohorte
	// Einwohner: the children the Melderegister lists as resident.
	Einwohner []Einwohner
}

// Schulzeile is a school's master data with its Schulform (schule.Schulform).
type Schulzeile struct {
	Schule
	Schulform string
}

// Einwohner is a resident child as planning counts it: birth date and
// Hauptwohnsitz, no name. Service.Daten counts it into a cohort and keeps
// nothing of it.
type Einwohner struct {
	Geburtsdatum time.Time
	Adresse      schulbezirk.Adresse
}

// Daten reads the Bestand and derives what the forecast is computed from
// (assumptions, as far as the stored data allows):
//   - Schools: those of a Schulform the forecast treats (ArtDerSchulform).
//   - Pupils: the school lists hold the present only, so the active pupils
//     are the counts of the current school year (the one containing now);
//     earlier years come from the history. A live count replaces the
//     stored ones of the same school and year.
//   - Cohorts: the children now resident, each put in the regular cohort
//     of § 37 (1) (Einschulungsjahr) and the Bezirk its address has in that year.
//     For past years this counts today's residents, not those of then
//     (moves are missed); a stored cohort replaces the derived count of its
//     Bezirk and year.
func (s *Service) Daten(ctx context.Context) (Daten, error) {
	b, err := s.store.Bestand(ctx)
	if err != nil {
		return Daten{}, err
	}
	ix, err := s.verzeichnis.Index(ctx)
	if err != nil {
		return Daten{}, err
	}
	var d Daten
	for _, z := range b.Schulen {
		if art, ok := ArtDerSchulform(z.Schulform); ok {
			sch := z.Schule
			sch.Art = art
			d.Schulen = append(d.Schulen, sch)
		}
	}
	d.Schueler = schuelerzahlen(b.Aktive, b.Historie, werte.SchuljahrAt(s.now()).StartYear())
	gezaehlt := kohorten(b.Einwohner, s.regel, ix)
	for _, k := range b.Kohorten {
		gezaehlt[kk{k.Schulnummer, k.Schuljahr}] = k.Anzahl
	}
	d.Kohorten = make([]Kohorte, 0, len(gezaehlt))
	for k, n := range gezaehlt {
		d.Kohorten = append(d.Kohorten, Kohorte{Schulnummer: k.s, Schuljahr: k.t, Anzahl: n})
	}
	slices.SortFunc(d.Kohorten, func(a, b Kohorte) int {
		return cmp.Or(cmp.Compare(a.Schulnummer, b.Schulnummer), cmp.Compare(a.Schuljahr, b.Schuljahr))
	})
	return d, nil
}

// schuelerzahlen puts the live counts into school year jetzt and adds the
// history of every school and year without a live count, by school, year
// and grade.
func schuelerzahlen(aktive, historie []Zahl, jetzt int) []Zahl {
	out := make([]Zahl, 0, len(aktive)+len(historie))
	live := map[kk]bool{}
	for _, z := range aktive {
		z.Schuljahr = jetzt
		live[kk{z.Schulnummer, jetzt}] = true
		out = append(out, z)
	}
	for _, z := range historie {
		if !live[kk{z.Schulnummer, z.Schuljahr}] {
			out = append(out, z)
		}
	}
	slices.SortFunc(out, func(a, b Zahl) int {
		return cmp.Or(cmp.Compare(a.Schulnummer, b.Schulnummer), cmp.Compare(a.Schuljahr, b.Schuljahr),
			cmp.Compare(a.Jahrgangsstufe, b.Jahrgangsstufe))
	})
	return out
}

// kohorten counts the children per Bezirk and entry year: each in the
// school year from which it is schulpflichtig (einschulung.Regulaer: the
// year it completes its sixth year of life or the next, by the Stichtag of
// regel), in the Bezirk the directory gives its address for that year.
// A child whose address no row places (or two schools' rows do) counts
// nowhere.
func kohorten(kinder []Einwohner, regel einschulung.Regel, ix *schulbezirk.Index) map[kk]int {
	out := map[kk]int{}
	// Siblings and neighbours share an address: each address is looked up
	// once per year.
	type ort struct {
		adresse schulbezirk.Adresse
		jahr    int
	}
	type zuordnung struct {
		schulnummer string
		ok          bool // false: no row places the address, or two schools' rows do
	}
	bezirk := map[ort]zuordnung{}
	for _, k := range kinder {
		sj, ok := Einschulungsjahr(regel, k.Geburtsdatum)
		if !ok {
			continue
		}
		o := ort{k.Adresse, sj.StartYear()}
		z, bekannt := bezirk[o]
		if !bekannt {
			r, err := ix.Zuordnung(k.Adresse, sj)
			z = zuordnung{r.Schulnummer, err == nil}
			bezirk[o] = z
		}
		if z.ok {
			out[kk{z.schulnummer, o.jahr}]++
		}
	}
	return out
}

// Einschulungsjahr is the school year of a child's regular Einschulung
// under regel: the year it completes its sixth year of life or the next
// (false: neither, which a valid Stichtag never gives).
func Einschulungsjahr(regel einschulung.Regel, geburt time.Time) (werte.Schuljahr, bool) {
	y := einschulung.Vollendet(geburt, 6).Year()
	for _, jahr := range []int{y, y + 1} {
		if sj := werte.NewSchuljahr(jahr); regel.Herkunft(geburt, sj) == einschulung.Regulaer {
			return sj, true
		}
	}
	return werte.Schuljahr{}, false
}

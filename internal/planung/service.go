package planung

import (
	"context"
	"slices"
)

// Store reads the aggregates (counts only).
type Store interface {
	Daten(ctx context.Context) (Daten, error)
}

// Service answers the planners' questions.
type Service struct {
	store Store
	// Schwelle: counts below it are suppressed (default 3).
	Schwelle int
	// Mindestgroessen of the SEPl-VO (default StandardMindestgroessen).
	Mindestgroessen map[Schulart]Mindestgroesse
}

func NewService(store Store) *Service {
	return &Service{store: store, Schwelle: StandardSchwelle, Mindestgroessen: StandardMindestgroessen()}
}

// Schuelerzahlen is the table of pupils per school (rows) and grade
// (columns) of one school year, suppressed; jahr 0 is the latest year
// with data. Jahre lists the years with data.
type Schuelerzahlen struct {
	Schuljahr int
	Jahre     []int
	Schulen   []Schule // the rows' schools, in row order
	Tabelle   Tabelle
}

func (s *Service) Schuelerzahlen(ctx context.Context, jahr int) (Schuelerzahlen, error) {
	d, err := s.store.Daten(ctx)
	if err != nil {
		return Schuelerzahlen{}, err
	}
	return TabelleSchuelerzahlen(d, jahr, s.Schwelle), nil
}

// TabelleSchuelerzahlen builds the suppressed table of a school year.
func TabelleSchuelerzahlen(d Daten, jahr, schwelle int) Schuelerzahlen {
	jahre := map[int]bool{}
	for _, z := range d.Schueler {
		jahre[z.Schuljahr] = true
	}
	out := Schuelerzahlen{Jahre: sortedKeys(jahre)}
	if jahr == 0 && len(out.Jahre) > 0 {
		jahr = out.Jahre[len(out.Jahre)-1]
	}
	out.Schuljahr = jahr
	counts := map[string]map[int]int{}
	stufen := map[int]bool{}
	for _, z := range d.Schueler {
		if z.Schuljahr != jahr {
			continue
		}
		if counts[z.Schulnummer] == nil {
			counts[z.Schulnummer] = map[int]int{}
		}
		counts[z.Schulnummer][z.Jahrgangsstufe] += z.Anzahl
		stufen[z.Jahrgangsstufe] = true
	}
	schulen := map[string]Schule{}
	for _, sch := range d.Schulen {
		schulen[sch.Schulnummer] = sch
	}
	zeilen := sortedKeys(counts)
	spalten := sortedKeys(stufen)
	werte := make([][]int, len(zeilen))
	for i, nr := range zeilen {
		werte[i] = make([]int, len(spalten))
		for j, g := range spalten {
			werte[i][j] = counts[nr][g]
		}
		sch, ok := schulen[nr]
		if !ok {
			sch = Schule{Schulnummer: nr}
		}
		out.Schulen = append(out.Schulen, sch)
	}
	out.Tabelle = NeueTabelle(zeilen, spalten, werte)
	out.Tabelle.Unterdruecke(schwelle)
	return out
}

// Prognose forecasts with the service's minimum sizes unless p has some.
func (s *Service) Prognose(ctx context.Context, p Parameter) (Prognose, error) {
	d, err := s.store.Daten(ctx)
	if err != nil {
		return Prognose{}, err
	}
	if p.Mindestgroessen == nil {
		p.Mindestgroessen = s.Mindestgroessen
	}
	return Berechne(d, p)
}

// Szenario forecasts p and the same without its overrides and additions.
func (s *Service) Szenario(ctx context.Context, p Parameter) (basis, szenario Prognose, diff []Differenz, err error) {
	d, err := s.store.Daten(ctx)
	if err != nil {
		return
	}
	if p.Mindestgroessen == nil {
		p.Mindestgroessen = s.Mindestgroessen
	}
	b := p
	b.Quoten, b.Zusaetze = Quoten{}, nil
	if basis, err = Berechne(d, b); err != nil {
		return
	}
	if szenario, err = Berechne(d, p); err != nil {
		return
	}
	return basis, szenario, Vergleiche(basis, szenario), nil
}

// Nur keeps the forecast of one school (false: unknown).
func (p Prognose) Nur(nr string) (Prognose, bool) {
	i := slices.IndexFunc(p.Schulen, func(s SchulPrognose) bool { return s.Schule.Schulnummer == nr })
	if i < 0 {
		return p, false
	}
	p.Schulen = p.Schulen[i : i+1]
	return p, true
}

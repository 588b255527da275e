package planung

import (
	"context"
	"slices"
	"time"

	"github.com/schulgateway/schulgateway/internal/einschulung"
)

// Service answers the planners' questions.
type Service struct {
	store       Store
	verzeichnis Verzeichnis
	regel       einschulung.Regel
	now         func() time.Time
	// Schwelle: counts below it are suppressed (default 3).
	Schwelle int
	// Mindestgroessen of the SEPl-VO (default StandardMindestgroessen).
	Mindestgroessen map[Schulart]Mindestgroesse
}

// NewService reads storage through store; verzeichnis places addresses in
// Bezirke, regel puts children in the cohorts of § 37 (1).
func NewService(store Store, verzeichnis Verzeichnis, regel einschulung.Regel) *Service {
	return &Service{store: store, verzeichnis: verzeichnis, regel: regel, now: time.Now,
		Schwelle: StandardSchwelle, Mindestgroessen: StandardMindestgroessen()}
}

// WithNow sets the clock (tests).
func (s *Service) WithNow(now func() time.Time) *Service { s.now = now; return s }

// Schuelerzahlen is the table of pupils per school (rows) and grade
// (columns) of one school year, suppressed. Jahre lists the years with data.
type Schuelerzahlen struct {
	Schuljahr int
	Jahre     []int
	Schulen   []Schule // the rows' schools, in row order
	Tabelle   Tabelle
}

// Schuelerzahlen gives the suppressed table of every school year from von
// to bis that has data (0: open end), oldest first, and the years with data.
func (s *Service) Schuelerzahlen(ctx context.Context, von, bis int) ([]Schuelerzahlen, []int, error) {
	d, err := s.Daten(ctx)
	if err != nil {
		return nil, nil, err
	}
	jahre := map[int]bool{}
	for _, z := range d.Schueler {
		jahre[z.Schuljahr] = true
	}
	alle := sortedKeys(jahre)
	var out []Schuelerzahlen
	for _, y := range alle {
		if (von != 0 && y < von) || (bis != 0 && y > bis) {
			continue
		}
		out = append(out, TabelleSchuelerzahlen(d, y, s.Schwelle))
	}
	return out, alle, nil
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
	d, err := s.Daten(ctx)
	if err != nil {
		return Prognose{}, err
	}
	return Berechne(d, s.defaults(p))
}

func (s *Service) defaults(p Parameter) Parameter {
	if p.Mindestgroessen == nil {
		p.Mindestgroessen = s.Mindestgroessen
	}
	if p.Schwelle == 0 {
		p.Schwelle = s.Schwelle
	}
	return p
}

// Backtest compares the forecast of the last jahre observed years, made
// from the years before them, with what happened.
func (s *Service) Backtest(ctx context.Context, jahre int, p Parameter) (Rueckblick, error) {
	d, err := s.Daten(ctx)
	if err != nil {
		return Rueckblick{}, err
	}
	return Backtest(d, jahre, s.defaults(p))
}

// Szenario forecasts p and the same without its overrides and additions.
func (s *Service) Szenario(ctx context.Context, p Parameter) (basis, szenario Prognose, diff []Differenz, err error) {
	d, err := s.Daten(ctx)
	if err != nil {
		return
	}
	p = s.defaults(p)
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

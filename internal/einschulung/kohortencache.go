package einschulung

import (
	"cmp"
	"context"
	"slices"
	"sync"
	"time"

	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/fresh"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Bestand is everything the cohort of a school year is computed from, read
// in one snapshot of the database: the children Store.Kinder returns,
// the Meldungen Store.Meldungen returns, the street directory and the
// schools. Stand names the snapshot.
type Bestand struct {
	Stand       string
	Kinder      []Kind
	Meldungen   []Meldung
	Verzeichnis *schulbezirk.Index
	Schulen     []schule.Schule
}

// Kohortenquelle is what a Store offers when the children list may be
// served from a cohort kept in memory (adapters/postgres: migration 0116).
// A Store without it has every page computed from its candidates.
type Kohortenquelle interface {
	// Bestand reads what the cohort of the school years is computed from
	// (see Store.Kinder for von and bis) in one snapshot.
	Bestand(ctx context.Context, von, bis time.Time, schuljahre []werte.Schuljahr) (Bestand, error)
	// Unveraendert reports whether nothing a cohort is computed from has
	// changed since the snapshot stand, as of the call: a change committed
	// before the call began is never missed.
	Unveraendert(ctx context.Context, stand string) (bool, error)
}

// kohortenCache keeps, per school year, the cohort as berechne computes it
// from a Bestand, with its lists per school. A request serves a page from
// it only after Unveraendert, started after the request arrived, said the
// Bestand is still the database's (one query shared by the requests that
// wait together, package fresh); otherwise the page is computed from its
// candidates, as without a cache, while one rebuild per school year runs.
type kohortenCache struct {
	quelle   Kohortenquelle
	mu       sync.Mutex
	jahre    map[int]*kohortenJahr
	pruefung fresh.Group[int, pruefung] // the checks, per school year
}

type kohortenJahr struct {
	stand   *kohortenStand // nil: none, or found out of date
	zuletzt time.Time      // last asked for
	baut    bool           // a rebuild runs
	// ruhe: no rebuild starts before it (a pause as long as the last
	// rebuild took, so that a stream of changes – the Meldungen season –
	// keeps rebuilds to half the time at most; pages meanwhile are computed
	// from their candidates).
	ruhe time.Time
}

// kohortenStand is a cohort computed from the Bestand of one snapshot.
type kohortenStand struct {
	stand  string
	k      *Kohorte
	listen map[string][]int32 // Schulnummer ("" none) → positions in k.Eintraege, in id order
}

// pruefung is the result of a check of a school year's cohort.
type pruefung struct {
	stand *kohortenStand // the one checked
	ok    bool
	err   error
}

// kohortenPruefzeit bounds a check; kohortenBauzeit a rebuild.
// kohortenJahre is how many school years' cohorts are kept at most: the
// BMS pulls one or two; a client asking for many others must not fill the
// memory (the least recently asked for is dropped).
const (
	kohortenPruefzeit  = 5 * time.Second
	kohortenBauzeit    = 2 * time.Minute
	kohortenHoechstens = 3
)

func newKohortenCache(q Kohortenquelle) *kohortenCache {
	return &kohortenCache{quelle: q, jahre: map[int]*kohortenJahr{}}
}

// jahr is the entry of sj, now asked for; c.mu is held.
func (c *kohortenCache) jahr(sj werte.Schuljahr) *kohortenJahr {
	j := c.jahre[sj.StartYear()]
	if j == nil {
		j = &kohortenJahr{}
		c.jahre[sj.StartYear()] = j
	}
	j.zuletzt = time.Now()
	return j
}

// ablegen keeps st as j's cohort and drops the cohorts of the school
// years asked for least recently beyond kohortenHoechstens; c.mu is held.
func (c *kohortenCache) ablegen(j *kohortenJahr, st *kohortenStand) {
	j.stand = st
	for {
		var gehalten []*kohortenJahr
		for _, x := range c.jahre {
			if x.stand != nil {
				gehalten = append(gehalten, x)
			}
		}
		if len(gehalten) <= kohortenHoechstens {
			return
		}
		aeltestes := slices.MinFunc(gehalten, func(a, b *kohortenJahr) int { return a.zuletzt.Compare(b.zuletzt) })
		aeltestes.stand = nil
	}
}

// aktuell returns the cohort of sj if the cache holds it and it is the
// database's as of now; else nil, after starting its rebuild (s computes
// it) if none runs.
func (c *kohortenCache) aktuell(ctx context.Context, s *Service, sj werte.Schuljahr) *kohortenStand {
	c.mu.Lock()
	j := c.jahr(sj)
	if j.stand == nil {
		c.bauen(j, s, sj)
		c.mu.Unlock()
		return nil
	}
	c.mu.Unlock()
	// A check that begins after this request came.
	p, err := c.pruefung.Do(ctx, sj.StartYear(), func() pruefung { return c.pruefen(j) })
	if err != nil {
		return nil
	}
	if p.err != nil || !p.ok {
		var veraltet *kohortenStand
		if p.err == nil {
			veraltet = p.stand
		}
		c.erneuern(j, veraltet, s, sj)
		return nil
	}
	return p.stand
}

// vorbehaltlich serves the page from the cohort of sj the cache holds,
// unchecked, if r writes the request's audit entry under the condition
// that the cohort is the database's (audit.WriteIf): one round trip, where
// aktuell's check and then the entry are two. It reports false when there
// is no cohort held, no r or no pending entry to write, or the cohort was
// out of date: nothing was written then, and an out-of-date cohort is
// dropped and computed anew, as aktuell does after its check.
func (c *kohortenCache) vorbehaltlich(ctx context.Context, s *Service, sj werte.Schuljahr, auswahl Auswahl, after string, limit int) (page.Page[Eintrag], bool, error) {
	if s.audit == nil {
		return page.Page[Eintrag]{}, false, nil
	}
	if _, unwritten := audit.FromContext(ctx).Unwritten(0); !unwritten {
		return page.Page[Eintrag]{}, false, nil
	}
	c.mu.Lock()
	j := c.jahr(sj)
	st := j.stand
	c.mu.Unlock()
	if st == nil || st.k.schuleBekannt(auswahl.Schulnummer) != nil {
		return page.Page[Eintrag]{}, false, nil
	}
	p := st.seite(auswahl, after, limit)
	ok, err := audit.WriteIf(ctx, s.audit, len(p.Items), audit.Condition{Kind: audit.CohortUnchanged, Value: st.stand})
	if err != nil {
		return page.Page[Eintrag]{}, false, err
	}
	if !ok {
		c.erneuern(j, st, s, sj)
		return page.Page[Eintrag]{}, false, nil
	}
	return p, true, nil
}

// pruefen checks whether j's cohort, as it is when the check begins, is
// still the database's.
func (c *kohortenCache) pruefen(j *kohortenJahr) pruefung {
	c.mu.Lock()
	p := pruefung{stand: j.stand}
	c.mu.Unlock()
	if p.stand != nil {
		ctx, cancel := context.WithTimeout(context.Background(), kohortenPruefzeit)
		p.ok, p.err = c.quelle.Unveraendert(ctx, p.stand.stand)
		cancel()
	}
	return p
}

// erneuern drops veraltet, found out of date, if j still holds it (nil:
// nothing found out of date), and starts j's rebuild unless one runs.
func (c *kohortenCache) erneuern(j *kohortenJahr, veraltet *kohortenStand, s *Service, sj werte.Schuljahr) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if veraltet != nil && j.stand == veraltet {
		j.stand = nil
	}
	c.bauen(j, s, sj)
}

// bauen starts the rebuild of j unless one runs; c.mu is held.
func (c *kohortenCache) bauen(j *kohortenJahr, s *Service, sj werte.Schuljahr) {
	if j.baut || j.stand != nil || time.Now().Before(j.ruhe) {
		return
	}
	j.baut = true
	go func() {
		ctx, cancel := context.WithTimeout(context.Background(), kohortenBauzeit)
		defer cancel()
		start := time.Now()
		st, err := s.kohorteAusBestand(ctx, sj)
		c.mu.Lock()
		defer c.mu.Unlock()
		j.baut = false
		j.ruhe = time.Now().Add(time.Since(start))
		if err == nil && j.stand == nil {
			c.ablegen(j, st)
		}
	}()
}

// kohorteAusBestand computes the cohort of sj from one Bestand.
func (s *Service) kohorteAusBestand(ctx context.Context, sj werte.Schuljahr) (*kohortenStand, error) {
	von, bis := s.regel.geburtszeitraum(sj)
	b, err := s.cache.quelle.Bestand(ctx, von, bis, kohortenJahre(sj))
	if err != nil {
		return nil, err
	}
	k := berechne(grundlage{sj: sj, regel: s.regel, kinder: b.Kinder, meldungen: b.Meldungen, index: b.Verzeichnis, schulen: b.Schulen, ps: s.ps})
	if s.render != nil {
		for i := range k.Eintraege {
			k.Eintraege[i].Rendered = s.render(&k.Eintraege[i])
		}
	}
	st := &kohortenStand{stand: b.Stand, k: k, listen: map[string][]int32{}}
	for i, e := range k.Eintraege {
		st.listen[e.Schulnummer] = append(st.listen[e.Schulnummer], int32(i))
	}
	return st, nil
}

// seite is the page of the Auswahl after after, at most limit.
func (st *kohortenStand) seite(auswahl Auswahl, after string, limit int) page.Page[Eintrag] {
	id := func(e Eintrag) string { return e.ID }
	es := st.k.Eintraege
	if !auswahl.OhneSchule && auswahl.Schulnummer == "" {
		i, _ := slices.BinarySearchFunc(es, after, func(e Eintrag, after string) int { return nachCursor(e.ID, after) })
		if i == len(es) {
			return page.Page[Eintrag]{} // nil items, as computed from the candidates
		}
		// The page shares the cohort's entries instead of copying them (a
		// page of 100 is about 37 KB): a cohort is never changed once
		// computed, and Cut clips the page, so an append to it copies.
		// Callers read the page; they must not write into its entries.
		return page.Cut(es[i:min(len(es), i+limit+1)], limit, id)
	}
	liste := st.listen[auswahl.Schulnummer] // OhneSchule: ""
	i, _ := slices.BinarySearchFunc(liste, after, func(p int32, after string) int { return nachCursor(es[p].ID, after) })
	var items []Eintrag
	for _, p := range liste[i:min(len(liste), i+limit+1)] {
		items = append(items, es[p])
	}
	return page.Cut(items, limit, id)
}

// nachCursor orders ids before the first id after the cursor: -1 for an id
// at or before it, 1 after.
func nachCursor(id, after string) int {
	if cmp.Compare(id, after) <= 0 {
		return -1
	}
	return 1
}

// Vorbereiten makes the cache hold the cohort of sj as the database has it
// now: it checks the one held and, if there is none or it is out of date,
// computes it and waits for it. It reports whether it computed it. Without
// a Kohortenquelle it does nothing.
func (s *Service) Vorbereiten(ctx context.Context, sj werte.Schuljahr) (bool, error) {
	c := s.cache
	if c == nil {
		return false, nil
	}
	c.mu.Lock()
	j := c.jahr(sj)
	st := j.stand
	c.mu.Unlock()
	if st != nil {
		ok, err := c.quelle.Unveraendert(ctx, st.stand)
		if err != nil || ok {
			return false, err
		}
	}
	neu, err := s.kohorteAusBestand(ctx, sj)
	if err != nil {
		return false, err
	}
	c.mu.Lock()
	c.ablegen(j, neu)
	c.mu.Unlock()
	return true, nil
}

package einschulung

import (
	"cmp"
	"context"
	"fmt"
	"net/http"
	"slices"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/audit"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// Store is what the cohort needs from storage.
type Store interface {
	// Kinder returns the register's children born between von and bis
	// (inclusive) and every child a Meldung of one of the school years
	// names – also those no longer resident.
	Kinder(ctx context.Context, von, bis time.Time, schuljahre []werte.Schuljahr) ([]Kind, error)
	// KinderSeite returns, in the order of their ids (id of the register
	// key; byte order), at most n of the children Kinder returns whose id
	// is greater than after ("" from the start), each once; of those a
	// Meldung names, only the ones born between mvon and mbis.
	KinderSeite(ctx context.Context, von, bis, mvon, mbis time.Time, schuljahre []werte.Schuljahr, after string, n int, id func(string) string) ([]Kind, error)
	// MeldungenDerKinder returns the Meldungen of the school years about
	// the children with the register keys kinder.
	MeldungenDerKinder(ctx context.Context, schuljahre []werte.Schuljahr, kinder []string) ([]Meldung, error)
	// KinderGeborenAm returns the register's children born on tag.
	KinderGeborenAm(ctx context.Context, tag time.Time) ([]Kind, error)
	// Meldungen returns the Meldungen of the school years.
	Meldungen(ctx context.Context, schuljahre []werte.Schuljahr) ([]Meldung, error)
	// SaveMeldung takes Meldung m in one transaction: it locks the child's
	// Meldungen of m's school year, passes them to pruefe (the transition:
	// an error refuses m and stores nothing), stores m in place of the
	// Meldung of the same Typ and removes those of the Typen pruefe
	// returns. When that changes anything it records the child, under its
	// id, in the change feed (entity "kind"). It returns the stored
	// Meldung and whether it is new.
	SaveMeldung(ctx context.Context, m Meldung, id string, pruefe func(Zustand) ([]Typ, error)) (Meldung, bool, error)
}

// Verzeichnis gives the compiled street directory.
type Verzeichnis interface {
	Index(ctx context.Context) (*schulbezirk.Index, error)
}

// Schulen lists the city's schools.
type Schulen interface {
	List(ctx context.Context) ([]schule.Schule, error)
}

// Service computes cohorts and takes Meldungen.
type Service struct {
	store       Store
	verzeichnis Verzeichnis
	schulen     Schulen
	regel       Regel
	ps          Pseudonymizer
	// cache keeps the cohorts the children list is paged from, when the
	// store is a Kohortenquelle.
	cache *kohortenCache
	// audit, if set, writes a page's audit entry under the condition that
	// the cohort it came from is current (WithAudit).
	audit audit.ConditionalRecorder
	// render, if set, is computed for every entry of a cohort kept
	// in memory (WithRendering).
	render func(*Eintrag) any
}

// WithAudit lets a page served from the cohort kept in memory be answered
// after one round trip instead of two: rather than checking the cohort
// (Unveraendert) and then writing the request's audit entry, the entry is
// written by r only if the cohort is unchanged (audit.CohortUnchanged), in
// one statement. If it was changed, nothing is written and the page is
// computed as without it. The service returned shares s's cache.
func (s *Service) WithAudit(r audit.ConditionalRecorder) *Service {
	o := *s
	o.audit = r
	return &o
}

// WithRendering lets the cohorts kept in memory carry, in each entry's
// Rendered, what f makes of the entry: an adapter's form of it prepared
// once per cohort instead of once per page served (the HTTP adapter's JSON:
// the BMS pulls the same pages again and again). f must depend on the
// entry alone and not change it; a cohort is never changed once computed,
// so neither is what f made of it. The cohorts carry the function of the
// service that computed them: set it where the service is made, before
// its first page (the service returned shares s's cache).
func (s *Service) WithRendering(f func(*Eintrag) any) *Service {
	o := *s
	o.render = f
	return &o
}

// NewService returns a service. When store is a Kohortenquelle, the
// children list is served from the cohort kept in memory (kohortencache.go).
func NewService(store Store, verzeichnis Verzeichnis, schulen Schulen, regel Regel, ps Pseudonymizer) *Service {
	s := &Service{store: store, verzeichnis: verzeichnis, schulen: schulen, regel: regel, ps: ps}
	if q, ok := store.(Kohortenquelle); ok {
		s.cache = newKohortenCache(q)
	}
	return s
}

// OhneKohortenCache returns the service computing every page of the
// children list from its candidates, as without a Kohortenquelle (to
// compare against, in tests and benchmarks).
func (s *Service) OhneKohortenCache() *Service {
	o := *s
	o.cache = nil
	return &o
}

// Kohorte computes the cohort of sj.
func (s *Service) Kohorte(ctx context.Context, sj werte.Schuljahr) (*Kohorte, error) {
	g, err := s.grundlage(ctx, sj)
	if err != nil {
		return nil, err
	}
	return berechne(g), nil
}

func (s *Service) grundlage(ctx context.Context, sj werte.Schuljahr) (grundlage, error) {
	g, err := s.rahmen(ctx, sj)
	if err != nil {
		return g, err
	}
	jahre := kohortenJahre(sj)
	if g.meldungen, err = s.store.Meldungen(ctx, jahre); err != nil {
		return g, err
	}
	von, bis := s.regel.geburtszeitraum(sj)
	g.kinder, err = s.store.Kinder(ctx, von, bis, jahre)
	return g, err
}

// Auswahl narrows the children of a cohort.
type Auswahl struct {
	// Schulnummer: only the children on this school's list.
	Schulnummer string
	// OhneSchule: only the children the directory places nowhere (those
	// the overview counts as OhneSchule).
	OhneSchule bool
}

func (a Auswahl) passt(e Eintrag) bool {
	switch {
	case a.OhneSchule:
		return e.Schulnummer == ""
	case a.Schulnummer != "":
		return e.Schulnummer == a.Schulnummer
	}
	return true
}

// rahmen is the grundlage of sj without children and Meldungen: the
// directory and the schools.
func (s *Service) rahmen(ctx context.Context, sj werte.Schuljahr) (grundlage, error) {
	g := grundlage{sj: sj, regel: s.regel, ps: s.ps}
	var err error
	if g.index, err = s.verzeichnis.Index(ctx); err != nil {
		return g, err
	}
	g.schulen, err = s.schulen.List(ctx)
	return g, err
}

// kohortenJahre are the school years whose Meldungen the cohort of sj
// depends on: its own and last year's, which holds the deferrals that move
// children here.
func kohortenJahre(sj werte.Schuljahr) []werte.Schuljahr {
	return []werte.Schuljahr{sj, werte.NewSchuljahr(sj.StartYear() - 1)}
}

// Kinder returns a page of the children of the cohort of sj after after
// (an id; "" from the start), in id order, at most limit, only those the
// Auswahl takes. Next is "" on the last page. The page's entries may be
// the cached cohort's own: read them, do not change them.
func (s *Service) Kinder(ctx context.Context, sj werte.Schuljahr, auswahl Auswahl, after string, limit int) (page.Page[Eintrag], error) {
	if after != "" && !GueltigeID(after) {
		return page.Page[Eintrag]{}, apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("position_ungueltig")})
	}
	if auswahl.OhneSchule && auswahl.Schulnummer != "" {
		return page.Page[Eintrag]{}, apperr.Invalid("Die Parameter der Abfrage widersprechen sich.", []apperr.FieldError{{Pointer: "/ohne_schule",
			Code: "parameter_widerspruch", Message: "Kinder ohne zuständige Grundschule stehen auf keiner Schulliste: bitte entweder schulnummer oder ohne_schule=true angeben."}})
	}
	schulnummer := auswahl.Schulnummer
	if err := page.CheckLimit(limit); err != nil {
		return page.Page[Eintrag]{}, err
	}
	if s.cache != nil {
		if p, ok, err := s.cache.vorbehaltlich(ctx, s, sj, auswahl, after, limit); ok || err != nil {
			return p, err
		}
		if st := s.cache.aktuell(ctx, s, sj); st != nil {
			if err := st.k.schuleBekannt(schulnummer); err != nil {
				return page.Page[Eintrag]{}, err
			}
			return st.seite(auswahl, after, limit), nil
		}
		// None yet, or out of date: computed from the candidates while
		// the cohort is computed anew.
	}
	g, err := s.rahmen(ctx, sj)
	if err != nil {
		return page.Page[Eintrag]{}, err
	}
	if err := berechne(g).schuleBekannt(schulnummer); err != nil {
		return page.Page[Eintrag]{}, err
	}
	// The page is computed from the children after `after` in id order
	// alone, read in batches: each child's place in the cohort depends only
	// on its own record and Meldungen (berechne), so a batch computed on
	// its own gives the entries the whole cohort would have. Most
	// candidates are in the cohort; a batch of about the page's size
	// usually suffices, later ones grow (a school's children are fewer).
	jahre := kohortenJahre(sj)
	von, bis := s.regel.geburtszeitraum(sj)
	mvon, mbis := s.regel.meldungszeitraum(sj)
	n := limit + 1 + limit/10 + 8
	var items []Eintrag
	for cursor := after; ; {
		kinder, err := s.store.KinderSeite(ctx, von, bis, mvon, mbis, jahre, cursor, n, s.ps.ID)
		if err != nil {
			return page.Page[Eintrag]{}, err
		}
		keys := make([]string, len(kinder))
		for i, k := range kinder {
			keys[i] = k.Schluessel
		}
		if g.meldungen, err = s.store.MeldungenDerKinder(ctx, jahre, keys); err != nil {
			return page.Page[Eintrag]{}, err
		}
		g.kinder = kinder
		for _, e := range berechne(g).Eintraege {
			if !auswahl.passt(e) {
				continue
			}
			items = append(items, e)
			if len(items) > limit {
				return page.Cut(items, limit, func(e Eintrag) string { return e.ID }), nil
			}
		}
		if len(kinder) < n {
			return page.Cut(items, limit, func(e Eintrag) string { return e.ID }), nil
		}
		cursor = s.ps.ID(kinder[len(kinder)-1].Schluessel)
		n = min(2*n, 20000)
	}
}

func (k *Kohorte) schuleBekannt(schulnummer string) error {
	if _, ok := k.schulen[schulnummer]; schulnummer != "" && !ok {
		return apperr.NotFound(fmt.Sprintf("Eine Schule mit der Schulnummer „%s“ gibt es nicht.", schulnummer))
	}
	return nil
}

// Zeile is one school of the overview.
type Zeile struct {
	Schule schule.Schule
	Anzahl map[Status]int
	// Nachfrage counts the children expected to start there: erwartet,
	// angemeldet, vorzeitig and aufgenommen.
	Nachfrage int
	// Kapazitaet is Züge × Klassenfrequenz, nil when either is unknown.
	Kapazitaet      *int
	UeberKapazitaet bool
}

// Uebersicht is the cohort per school.
type Uebersicht struct {
	Schuljahr werte.Schuljahr
	Kinder    int
	// OhneSchule counts the children the directory places nowhere.
	OhneSchule int
	Schulen    []Zeile // by Schulnummer
}

// Uebersicht counts the cohort of sj per responsible school: every
// Grundschule of the city's own and every school a child is assigned to.
func (s *Service) Uebersicht(ctx context.Context, sj werte.Schuljahr) (Uebersicht, error) {
	k, err := s.Kohorte(ctx, sj)
	if err != nil {
		return Uebersicht{}, err
	}
	u := Uebersicht{Schuljahr: sj, Kinder: len(k.Eintraege)}
	zeilen := map[string]*Zeile{}
	zeile := func(nr string) *Zeile {
		if z, ok := zeilen[nr]; ok {
			return z
		}
		z := &Zeile{Schule: k.schulen[nr], Anzahl: map[Status]int{}}
		z.Schule.Schulnummer = nr
		if z.Schule.Zuege != nil && z.Schule.Klassenfrequenz != nil {
			c := *z.Schule.Zuege * *z.Schule.Klassenfrequenz
			z.Kapazitaet = &c
		}
		zeilen[nr] = z
		return z
	}
	for _, sch := range k.schulen {
		if sch.Schulform == schule.Grundschule && sch.Traeger == schule.Kommunal {
			zeile(sch.Schulnummer)
		}
	}
	for _, e := range k.Eintraege {
		if e.Schulnummer == "" {
			u.OhneSchule++
			continue
		}
		z := zeile(e.Schulnummer)
		z.Anzahl[e.Status]++
		switch e.Status {
		case StatusErwartet, StatusAngemeldet, StatusVorzeitig, StatusAufgenommen:
			z.Nachfrage++
		}
	}
	for _, z := range zeilen {
		z.UeberKapazitaet = z.Kapazitaet != nil && z.Nachfrage > *z.Kapazitaet
		u.Schulen = append(u.Schulen, *z)
	}
	slices.SortFunc(u.Schulen, func(a, b Zeile) int { return cmp.Compare(a.Schule.Schulnummer, b.Schule.Schulnummer) })
	return u, nil
}

// Liste is the children one school is responsible for, by name; a zero
// Schule holds the children the directory places nowhere.
type Liste struct {
	Schule    schule.Schule
	Eintraege []Eintrag
}

// Listen returns the cohort of sj as lists per school, sorted by name:
// only schulnummer's when given, else one per school of the overview and,
// if there are any, one of the children without a school.
func (s *Service) Listen(ctx context.Context, sj werte.Schuljahr, schulnummer string) ([]Liste, error) {
	k, err := s.Kohorte(ctx, sj)
	if err != nil {
		return nil, err
	}
	if err := k.schuleBekannt(schulnummer); err != nil {
		return nil, err
	}
	byNr := map[string]*Liste{}
	var order []string
	liste := func(nr string) *Liste {
		if l, ok := byNr[nr]; ok {
			return l
		}
		byNr[nr] = &Liste{Schule: k.schulen[nr]}
		order = append(order, nr)
		return byNr[nr]
	}
	if schulnummer != "" {
		liste(schulnummer)
	} else {
		for _, sch := range k.schulen {
			if sch.Schulform == schule.Grundschule && sch.Traeger == schule.Kommunal {
				liste(sch.Schulnummer)
			}
		}
	}
	for _, e := range k.Eintraege {
		if schulnummer == "" || e.Schulnummer == schulnummer {
			liste(e.Schulnummer).Eintraege = append(liste(e.Schulnummer).Eintraege, e)
		}
	}
	// The children without a school come last.
	slices.SortFunc(order, func(a, b string) int {
		switch {
		case a == "":
			return 1
		case b == "":
			return -1
		}
		return cmp.Compare(a, b)
	})
	out := make([]Liste, len(order))
	for i, nr := range order {
		l := byNr[nr]
		sortiereNachName(l.Eintraege)
		out[i] = *l
	}
	return out, nil
}

// sortiereNachName orders as name lists do (DIN 5007-2, "ä" as "ae"): by
// family name, then given names, case and punctuation aside.
func sortiereNachName(es []Eintrag) {
	key := make(map[string]string, len(es))
	for _, e := range es {
		key[e.ID] = werte.Schluesselform(e.Kind.Familienname) + "\x00" + werte.Schluesselform(e.Kind.Vornamen) +
			"\x00" + e.Kind.Familienname + "\x00" + e.Kind.Vornamen + "\x00" + e.ID
	}
	slices.SortFunc(es, func(a, b Eintrag) int { return cmp.Compare(key[a.ID], key[b.ID]) })
}

// Ergebnis is the outcome of a Meldung.
type Ergebnis struct {
	Meldung Meldung
	KindID  string
	Neu     bool
	// Hinweis tells what the Meldung did not do although one might expect
	// it (see Lage.Hinweis); "" mostly.
	Hinweis string
}

// Melde takes a Meldung for the cohort of sj. schulamt says whether the
// caller is the city's school office: only it decides a Gastschulantrag
// (ErrEntscheidungNurSchulamt), and only it is told why a child named by
// name and birth date that is not in the cohort cannot be reported; any
// other caller (the BMS) gets one refusal for all of these (nichtMeldbar),
// so that its answers reveal nothing of the register beyond the cohort,
// and the audit entry keeps the true reason.
// Errors: apperr invalid for a faulty Meldung or one that does not fit the
// child (its age, its Bezirk), apperr conflict for one the child's state
// refuses (see Lage.Anwenden and docs/einschulung-zustaende.md).
func (s *Service) Melde(ctx context.Context, sj werte.Schuljahr, in Eingabe, schulamt bool) (Ergebnis, error) {
	m, geburt, err := in.Pruefen()
	if err != nil {
		return Ergebnis{}, err
	}
	if m.brauchtSchulamt() && !schulamt {
		return Ergebnis{}, ErrEntscheidungNurSchulamt
	}
	g, err := s.grundlage(ctx, sj)
	if err != nil {
		return Ergebnis{}, err
	}
	k := berechne(g)
	var e Eintrag
	if in.KindID != "" {
		i, found := slices.BinarySearchFunc(k.Eintraege, in.KindID, func(e Eintrag, id string) int { return cmp.Compare(e.ID, id) })
		if !found {
			return Ergebnis{}, apperr.Invalid("Das Kind ist nicht bekannt.", []apperr.FieldError{{Pointer: "/kind_id", Code: "kind_unbekannt",
				Message: fmt.Sprintf("Ein Kind mit dieser Kennung gehört nicht zum Einschulungsjahrgang %s.", sj)}})
		}
		e = k.Eintraege[i]
	} else if e, err = s.person(ctx, k, g, *in.Person, geburt); err != nil {
		return Ergebnis{}, verschwiegen(ctx, err, sj, schulamt)
	}
	m.Schuljahr, m.Kind = sj, e.Kind.Schluessel
	var hinweis string
	saved, neu, err := s.store.SaveMeldung(ctx, m, e.ID, func(z Zustand) ([]Typ, error) {
		nach, err := e.lage.Anwenden(z, m)
		if err != nil {
			return nil, err
		}
		hinweis = e.lage.Hinweis(z, nach)
		return entfernt(z, nach), nil
	})
	if err != nil {
		if e.Status == "" { // not in the cohort: named by person
			return Ergebnis{}, verschwiegen(ctx, err, sj, schulamt)
		}
		return Ergebnis{}, err
	}
	return Ergebnis{Meldung: saved, KindID: e.ID, Neu: neu, Hinweis: hinweis}, nil
}

// verschwiegen turns the refusal of a Meldung for a child named by name
// and birth date that is not in the cohort into the one answer the BMS
// gets for all of them – unknown, moved away, not of the cohort's age,
// ambiguous, or refused for the child it is – and records the true
// reason in the request's audit entry. The school office keeps the
// detailed refusal; errors other than refusals pass unchanged.
func verschwiegen(ctx context.Context, err error, sj werte.Schuljahr, schulamt bool) error {
	a, ok := apperr.As(err)
	if schulamt || !ok || a.Class != apperr.ClassInvalid && a.Class != apperr.ClassConflict {
		return err
	}
	grund := a.Detail
	if len(a.Fields) > 0 {
		grund = a.Fields[0].Message
	}
	audit.Result(ctx, http.StatusUnprocessableEntity, "Meldung ohne Registerauskunft abgewiesen: "+grund)
	return apperr.Invalid("Das Kind kann so nicht gemeldet werden.", []apperr.FieldError{{Pointer: "/person", Code: "kind_nicht_meldbar",
		Message: fmt.Sprintf("Für ein Kind mit diesem Namen und Geburtsdatum nimmt der Einschulungsjahrgang %s diese Meldung nicht an. "+
			"Bitte Schreibweise und Geburtsdatum prüfen; steht das Kind in der Liste des Jahrgangs, bitte mit seiner kind_id melden. "+
			"Sonst klärt das Schulamt die Anmeldung.", sj)}})
}

// person finds the child a Meldung names by name and birth date: its entry
// in the cohort, or, for a child not in it, an entry as it would be
// (Status "").
func (s *Service) person(ctx context.Context, k *Kohorte, g grundlage, p PersonEingabe, geburt time.Time) (Eintrag, error) {
	kinder, err := s.store.KinderGeborenAm(ctx, geburt)
	if err != nil {
		return Eintrag{}, err
	}
	familie, vornamen := werte.Schluesselform(p.Familienname), werte.Schluesselform(p.Vornamen)
	var treffer []Kind
	for _, c := range kinder {
		if werte.Schluesselform(c.Familienname) == familie &&
			(werte.Schluesselform(c.Vornamen) == vornamen || c.Rufname != "" && werte.Schluesselform(c.Rufname) == vornamen) {
			treffer = append(treffer, c)
		}
	}
	switch len(treffer) {
	case 0:
		return Eintrag{}, apperr.Invalid("Das Kind ist nicht bekannt.", []apperr.FieldError{{Pointer: "/person", Code: "kind_unbekannt",
			Message: "Ein Kind mit diesem Namen und Geburtsdatum steht nicht im Melderegister."}})
	case 1:
	default:
		return Eintrag{}, apperr.Invalid("Das Kind ist nicht eindeutig.", []apperr.FieldError{{Pointer: "/person", Code: "kind_mehrdeutig",
			Message: "Mehrere Kinder im Melderegister haben diesen Namen und dieses Geburtsdatum. Bitte die kind_id aus der Liste der Kinder angeben."}})
	}
	c := treffer[0]
	id := s.ps.ID(c.Schluessel)
	if i, found := slices.BinarySearchFunc(k.Eintraege, id, func(e Eintrag, id string) int { return cmp.Compare(e.ID, id) }); found {
		return k.Eintraege[i], nil
	}
	return k.eintrag(g, c), nil
}

package einschulung

import (
	"fmt"
	"maps"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/schule"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// The Einschulung decisions about one child are a state machine
// (docs/einschulung-zustaende.md has the table): the state is the child's
// Meldungen of the school year, at most one per Typ (Zustand); an event is
// a new Meldung, which Lage.Anwenden accepts – replacing the Meldung of
// its Typ – or refuses with a German reason; Lage.Stand is what the state
// shows (status, list, kind of admission).
//
// Because the state is a set keyed by Typ and Stand reads it without
// regard to when each Meldung came, two accepted Meldungen of different
// Typ give the same state in either order. Order matters only where the
// table says so:
//   - two Meldungen of the same Typ: the later one replaces the earlier;
//   - Abmeldung and Anmeldung/Aufnahme: the later wins (a registration
//     after an Abmeldung lifts it);
//   - a Gastschulantrag and an Anmeldung or Aufnahme at a school outside
//     the Bezirk: the registration needs the approval first, and the
//     approval cannot be withdrawn while a registration rests on it;
//   - for a child not yet in the cohort (early entry, deferred elsewhere):
//     any other Meldung needs the Anmeldung or Aufnahme that brings it in.

// Zustand is a child's Meldungen of one school year, at most one per Typ.
type Zustand map[Typ]Meldung

// Lage is what the transitions know of the child besides its Meldungen;
// it does not change with them.
type Lage struct {
	Schuljahr werte.Schuljahr
	Herkunft  Herkunft
	// Stamm: the child belongs to the cohort without any Meldung
	// (regularly schulpflichtig, or deferred here last year).
	Stamm bool
	// Wohnt: the register lists the child as resident.
	Wohnt bool
	// Bezirksschule is the Grundschule of the child's Schulbezirk; "" when
	// the directory places the address nowhere (then any Grundschule).
	Bezirksschule string
	Schulen       map[string]schule.Schule
}

// Stand is what a Zustand shows.
type Stand struct {
	// Drin: the child is in the cohort.
	Drin   bool
	Status Status
	// Schulnummer is the list the child is on: the Grundschule of its
	// Anmeldung or Aufnahme, else the responsible one (the school of an
	// approved Gastschulantrag, else the Bezirksschule).
	Schulnummer string
	Art         Art
}

func (l Lage) frei(nr string) bool { return l.Schulen[nr].Traeger == schule.Frei }

// gastschule is the school of an approved Gastschulantrag, or "".
func (z Zustand) gastschule() string {
	if g, ok := z[TypGastschulantrag]; ok && g.Entscheidung == EntscheidungGenehmigt {
		return g.Schulnummer
	}
	return ""
}

// zulassung is the Meldung that says where the child is to start: the
// Aufnahme (a decision) before the Anmeldung (an application).
func (z Zustand) zulassung() (Meldung, bool) {
	if m, ok := z[TypAufnahme]; ok {
		return m, true
	}
	m, ok := z[TypAnmeldung]
	return m, ok
}

// gedeckt reports whether a registration at nr has its basis: a school of
// a free Träger, the Bezirksschule, the school of an approved
// Gastschulantrag, or any Grundschule when the directory places the child
// nowhere (§ 41: the child attends the school of its Bezirk; exceptions by
// application).
func (l Lage) gedeckt(z Zustand, nr string) bool {
	return l.frei(nr) || l.Bezirksschule == "" || nr == l.Bezirksschule || nr == z.gastschule()
}

// Stand derives status, list and kind of admission from the Meldungen.
// Decisions outrank applications: an Abmeldung ends everything, a granted
// deferral outranks an admission, an admission a registration. An
// approved Gastschulantrag makes its school the responsible one but moves
// no child that is registered or admitted elsewhere.
func (l Lage) Stand(z Zustand) Stand {
	zs, hatZ := z[TypZurueckstellung]
	_, hatAuf := z[TypAufnahme]
	_, hatAn := z[TypAnmeldung]
	_, abgemeldet := z[TypAbmeldung]
	zulassung, hatZulassung := z.zulassung()
	st := Stand{Drin: l.Stamm || hatZulassung && (l.Herkunft == Vorjahr || l.Herkunft == VorzeitigMoeglich), Schulnummer: l.Bezirksschule}
	if g := z.gastschule(); g != "" {
		st.Schulnummer = g
	}
	frei := hatZulassung && l.frei(zulassung.Schulnummer)
	if hatZulassung && !frei && !abgemeldet {
		st.Schulnummer = zulassung.Schulnummer
	}
	zulassungsArt := func() Art {
		switch {
		case zulassung.Art != "":
			return zulassung.Art
		case frei:
			return ArtFreieSchule
		}
		return standardArt(l.Herkunft)
	}
	genehmigt := hatZ && zs.Entscheidung == EntscheidungGenehmigt
	switch {
	case genehmigt:
		st.Art = ArtZurueckstellungErfolgt
	case hatAuf:
		st.Art = zulassungsArt()
	case hatZ && zs.Entscheidung == EntscheidungBeantragt:
		st.Art = ArtZurueckstellungGewuenscht
	case hatAn:
		st.Art = zulassungsArt()
	default:
		st.Art = standardArt(l.Herkunft)
	}
	switch {
	case abgemeldet:
		st.Status = StatusAbgemeldet
	case genehmigt:
		st.Status = StatusZurueckgestellt
	case frei:
		st.Status = StatusFreieSchule
	case hatAuf:
		st.Status = StatusAufgenommen
	case hatAn && l.Herkunft == VorzeitigMoeglich:
		st.Status = StatusVorzeitig
	case hatAn:
		st.Status = StatusAngemeldet
	default:
		st.Status = StatusErwartet
	}
	return st
}

// Anwenden is the transition: the state after Meldung m (of the child and
// school year of l), or the German reason why m is refused – apperr
// conflict when it contradicts the state or the register, apperr invalid
// when it does not fit the child or the schools. It does not change z.
func (l Lage) Anwenden(z Zustand, m Meldung) (Zustand, error) {
	sj, vorjahr := l.Schuljahr, werte.NewSchuljahr(l.Schuljahr.StartYear()-1)
	if !l.Wohnt {
		return z, apperr.Conflict("Das Kind ist laut Melderegister weggezogen; für das Kind werden keine Meldungen mehr angenommen.")
	}
	zulassung := m.Typ == TypAnmeldung || m.Typ == TypAufnahme
	if !l.Stand(z).Drin { // only an admission may bring the child in
		switch {
		case l.Herkunft == VorzeitigMoeglich && zulassung:
		case l.Herkunft == Vorjahr && zulassung && m.Art == ArtNachZurueckstellung:
		case l.Herkunft == VorzeitigMoeglich:
			return z, apperr.Conflict(fmt.Sprintf("Das Kind ist %s noch nicht schulpflichtig und gehört erst mit einer Anmeldung zur vorzeitigen Einschulung zum Jahrgang.", sj))
		case l.Herkunft == Vorjahr:
			return z, apperr.Conflict(fmt.Sprintf("Das Kind ist schon seit %s schulpflichtig und wurde hier nicht zurückgestellt. "+
				"Wurde es anderswo zurückgestellt, bitte die Anmeldung mit der Art einschulung_nach_zurueckstellung melden.", vorjahr))
		default:
			return z, apperr.Conflict(fmt.Sprintf("Das Kind gehört nach seinem Geburtsdatum nicht zum Einschulungsjahrgang %s.", sj))
		}
	}
	var fe []apperr.FieldError
	add := func(ptr, code, msg string) {
		fe = append(fe, apperr.FieldError{Pointer: ptr, Code: code, Message: msg})
	}
	switch {
	case m.Art == ArtVorzeitig && l.Herkunft != VorzeitigMoeglich:
		add("/art", "art_passt_nicht", fmt.Sprintf("Das Kind ist %s schulpflichtig; eine vorzeitige Einschulung gibt es nur für Kinder, die es noch nicht sind.", sj))
	case m.Art == ArtNachZurueckstellung && l.Herkunft != Vorjahr:
		add("/art", "art_passt_nicht", fmt.Sprintf("Eine Einschulung nach Zurückstellung gibt es nur für Kinder, die schon %s schulpflichtig waren.", vorjahr))
	case m.Art == ArtRegeleinschulung && l.Herkunft == Vorjahr:
		add("/art", "art_passt_nicht", fmt.Sprintf("Das Kind war schon %s schulpflichtig; es wird nach einer Zurückstellung eingeschult, nicht regulär.", vorjahr))
	case m.Art != "" && m.Art != ArtVorzeitig && l.Herkunft == VorzeitigMoeglich:
		add("/art", "art_passt_nicht", fmt.Sprintf("Das Kind ist %s noch nicht schulpflichtig; es kann nur vorzeitig eingeschult werden.", sj))
	}
	sch, bekannt := l.Schulen[m.Schulnummer]
	switch {
	case m.Schulnummer == "":
	case !bekannt || sch.Schulform != schule.Grundschule:
		add("/schulnummer", "schule_unbekannt", fmt.Sprintf("Eine Grundschule mit der Schulnummer „%s“ gibt es nicht.", m.Schulnummer))
	case m.Typ == TypGastschulantrag && sch.Traeger == schule.Frei:
		add("/schulnummer", "gastschulantrag_unnoetig", "Für eine Schule in freier Trägerschaft braucht es keinen Gastschulantrag; bitte die Anmeldung dort melden.")
	case m.Typ == TypGastschulantrag && m.Schulnummer == l.Bezirksschule:
		add("/schulnummer", "gastschulantrag_unnoetig", fmt.Sprintf("Die Schule %s ist die Grundschule des Schulbezirks; ein Gastschulantrag ist nicht nötig.", m.Schulnummer))
	}
	if err := apperr.Invalid("Die Meldung passt nicht zum Kind.", fe); err != nil {
		return z, err
	}
	if zulassung && !l.gedeckt(z, m.Schulnummer) {
		return z, apperr.Conflict(fmt.Sprintf("Zuständig für das Kind ist die Grundschule %s. Für eine Anmeldung oder Aufnahme an der Schule %s braucht es zuerst einen genehmigten Gastschulantrag für diese Schule.",
			l.Stand(z).Schulnummer, m.Schulnummer))
	}
	neu := maps.Clone(z)
	if neu == nil {
		neu = Zustand{}
	}
	neu[m.Typ] = m
	if zulassung { // a registration after an Abmeldung lifts it
		delete(neu, TypAbmeldung)
	}
	if m.Typ == TypGastschulantrag {
		if zl, ok := neu.zulassung(); ok && l.gedeckt(z, zl.Schulnummer) && !l.gedeckt(neu, zl.Schulnummer) {
			was, zuerst := "angemeldet", "die Anmeldung oder Aufnahme"
			if zl.Typ == TypAufnahme {
				was, zuerst = "aufgenommen", "die Aufnahme"
			}
			return z, apperr.Conflict(fmt.Sprintf("Das Kind ist an der Schule %s %s; das beruht auf dem genehmigten Gastschulantrag. "+
				"Bitte zuerst %s an der Grundschule des Schulbezirks (%s) melden, dann den Gastschulantrag ändern.",
				zl.Schulnummer, was, zuerst, l.Bezirksschule))
		}
	}
	return neu, nil
}

// Hinweis tells the school office what a Meldung did not do although one
// might expect it: an approved Gastschulantrag moves no child that is
// registered or admitted at another school ("" when there is nothing to
// say).
func (l Lage) Hinweis(vorher, nachher Zustand) string {
	g := nachher.gastschule()
	if g == "" || g == vorher.gastschule() {
		return ""
	}
	st := l.Stand(nachher)
	zl, ok := nachher.zulassung()
	if !ok || st.Schulnummer == g || l.frei(zl.Schulnummer) || st.Status == StatusAbgemeldet {
		return ""
	}
	if zl.Typ == TypAufnahme {
		return fmt.Sprintf("Das Kind ist an der Grundschule %s aufgenommen und bleibt dort, bis eine Aufnahme an der Schule %s oder eine Abmeldung gemeldet wird.", zl.Schulnummer, g)
	}
	return fmt.Sprintf("Das Kind ist an der Grundschule %s angemeldet und bleibt dort, bis eine Anmeldung oder Aufnahme an der Schule %s oder eine Abmeldung gemeldet wird.", zl.Schulnummer, g)
}

// entfernt lists the Typen whose Meldung vorher has and nachher does not.
func entfernt(vorher, nachher Zustand) []Typ {
	var out []Typ
	for _, t := range typen {
		if _, ok := vorher[t]; ok {
			if _, still := nachher[t]; !still {
				out = append(out, t)
			}
		}
	}
	return out
}

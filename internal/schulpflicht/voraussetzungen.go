package schulpflicht

import (
	"context"
	"fmt"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// StandardListenMaxAlterTage is how old a school's pupil list may be
// before the page warns about it (SCHULPFLICHT_LISTEN_MAX_ALTER_TAGE).
const StandardListenMaxAlterTage = 60

// Schuelerliste is when a city school's pupil list was last imported.
type Schuelerliste struct {
	Schulnummer string
	Schulname   string
	Stand       time.Time // zero: the school never sent a list
}

// ListenStand is one school's pupil list as a run would see it.
type ListenStand struct {
	Schuelerliste
	AlterTage int  // days since Stand (0 when missing)
	Fehlt     bool // no pupil list of this school
	Veraltet  bool // older than the maximum age
}

// Voraussetzungen says, before a run, which pupil lists it would lack.
// A run without any pupil list would turn every child into a case.
type Voraussetzungen struct {
	MaxAlterTage int
	Schulen      []ListenStand // in Schulnummer order
	Fehlend      int
	Veraltet     int
	// KeineListe: not a single school has a pupil list; a run is refused
	// unless forced.
	KeineListe bool
}

// PruefeListen judges the schools' pupil lists on day heute.
func PruefeListen(listen []Schuelerliste, heute time.Time, maxAlterTage int) Voraussetzungen {
	v := Voraussetzungen{MaxAlterTage: maxAlterTage, Schulen: make([]ListenStand, len(listen)), KeineListe: true}
	tag := func(t time.Time) time.Time { return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC) }
	for i, l := range listen {
		s := ListenStand{Schuelerliste: l}
		if l.Stand.IsZero() {
			s.Fehlt = true
			v.Fehlend++
		} else {
			v.KeineListe = false
			s.AlterTage = max(0, int(tag(heute).Sub(tag(l.Stand.In(heute.Location()))).Hours()/24))
			if s.AlterTage > maxAlterTage {
				s.Veraltet = true
				v.Veraltet++
			}
		}
		v.Schulen[i] = s
	}
	return v
}

// Hinweis says in German what the staff should know before a run; ""
// when every list is there and fresh.
func (v Voraussetzungen) Hinweis() string {
	if v.KeineListe {
		return "Es liegt keine Schülerliste vor. Ein Abgleich ohne Schülerlisten findet kein Kind an einer Schule und macht jedes Kind zu einem Fall. " +
			"Bitte zuerst die Schülerlisten der Schulen importieren (Seite Importe, Art „Schülerliste“)."
	}
	var teile []string
	if v.Fehlend > 0 {
		teile = append(teile, fmt.Sprintf("%d %s keine Schülerliste", v.Fehlend, plural(v.Fehlend, "Schule hat", "Schulen haben")))
	}
	if v.Veraltet > 0 {
		teile = append(teile, fmt.Sprintf("bei %d %s ist die Schülerliste älter als %d Tage", v.Veraltet, plural(v.Veraltet, "Schule", "Schulen"), v.MaxAlterTage))
	}
	if len(teile) == 0 {
		return ""
	}
	return strings.Join(teile, ", ") + ". Kinder dieser Schulen werden womöglich zu Unrecht Fälle; bitte aktuelle Listen anfordern und importieren."
}

func plural(n int, eins, mehr string) string {
	if n == 1 {
		return eins
	}
	return mehr
}

// Voraussetzungen reports the state of the schools' pupil lists.
func (s *Service) Voraussetzungen(ctx context.Context) (Voraussetzungen, error) {
	listen, err := s.store.Schuelerlisten(ctx)
	if err != nil {
		return Voraussetzungen{}, err
	}
	return PruefeListen(listen, s.now(), s.listenMaxAlter), nil
}

// SetListenMaxAlter sets how many days a pupil list may be old before it
// is reported as old (SCHULPFLICHT_LISTEN_MAX_ALTER_TAGE).
func (s *Service) SetListenMaxAlter(tage int) {
	if tage > 0 {
		s.listenMaxAlter = tage
	}
}

// ohneListen is the refusal of a run without any pupil list.
func ohneListen(v Voraussetzungen) error {
	return apperr.Invalid("Der Abgleich wurde nicht gestartet: "+v.Hinweis(), []apperr.FieldError{{Pointer: "/force", Code: "schuelerlisten_fehlen",
		Message: "Es liegt keine Schülerliste vor. Wer trotzdem abgleichen will, startet mit „trotzdem starten“ (force: true); dann wird jedes Kind ohne Schülerliste ein Fall."}})
}

package schulpflicht

import (
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/schulgateway/schulgateway/internal/apperr"
)

// FallStatus is where a case stands.
type FallStatus string

const (
	FallOffen      FallStatus = "offen"       // nobody has looked yet
	FallInKlaerung FallStatus = "in_klaerung" // staff are finding out
	FallErledigt   FallStatus = "erledigt"    // closed, with a Grund
)

var fallStatus = []FallStatus{FallOffen, FallInKlaerung, FallErledigt}

// Label is the status for people.
func (s FallStatus) Label() string {
	if s == FallInKlaerung {
		return "in Klärung"
	}
	return string(s)
}

// Grund is why a case was closed.
type Grund string

const (
	GrundWeggezogen       Grund = "weggezogen"
	GrundSchuleAusserhalb Grund = "schule_ausserhalb"
	GrundZurueckgestellt  Grund = "zurueckgestellt"
	GrundBefreit          Grund = "befreit"
	GrundOWiEingeleitet   Grund = "ordnungswidrigkeit_eingeleitet"
	// GrundSchuleGefunden: staff found the child at a school the run did
	// not know of (a late school list, a new pupil).
	GrundSchuleGefunden    Grund = "schule_gefunden"
	maxBemerkung                 = 2000
	fallGruendeAufzaehlung       = "weggezogen, schule_ausserhalb, schule_gefunden, zurueckgestellt, befreit oder ordnungswidrigkeit_eingeleitet"
)

var gruende = []Grund{GrundWeggezogen, GrundSchuleAusserhalb, GrundSchuleGefunden, GrundZurueckgestellt, GrundBefreit, GrundOWiEingeleitet}

// Label is the reason for people.
func (g Grund) Label() string {
	switch g {
	case GrundSchuleAusserhalb:
		return "Schule außerhalb"
	case GrundZurueckgestellt:
		return "zurückgestellt"
	case GrundOWiEingeleitet:
		return "Ordnungswidrigkeit eingeleitet"
	case GrundSchuleGefunden:
		return "Schule gefunden"
	}
	return string(g)
}

// uebergaenge are the allowed changes of status. A closed case may be
// taken up again (in_klaerung) when new facts come in, never silently
// reset to offen.
var uebergaenge = map[FallStatus][]FallStatus{
	FallOffen:      {FallInKlaerung, FallErledigt},
	FallInKlaerung: {FallOffen, FallErledigt},
	FallErledigt:   {FallInKlaerung},
}

// Kindangaben is what the register says about the child of a case.
type Kindangaben struct {
	Ordnungsmerkmal string
	Familienname    string
	Vornamen        string
	Geburtsdatum    time.Time
	Strasse         string
	Hausnummer      string
	PLZ             string
	Ort             string
	Weggezogen      bool // the latest register no longer lists the child
	Auskunftssperre bool // §§ 51, 52 BMG: the address is for the school office only
}

// Fall is a case: a resident child of compulsory age found at no school.
type Fall struct {
	ID     int64
	KindID int64
	Kind   Kindangaben
	Status FallStatus
	Grund  Grund // set exactly when erledigt
	// BefreitBis ends an exemption (Grund befreit); zero: without end.
	BefreitBis time.Time
	// Anlass is why a run opened the case again after an earlier one of
	// the child was closed (German; "" for a child's first case).
	Anlass             string
	Bemerkung          string
	AbgleichID         string       // the run that opened it
	LetzterAbgleichID  string       // the latest run that saw the child
	LetzteEntscheidung Entscheidung // what that run found
	CreatedAt          time.Time
	UpdatedAt          time.Time
	Historie           []Historie // only when a single case is read
	// Version changes with every change of the case (by staff or a
	// reconciliation) and is never reused; KindStand is when the child's
	// register data shown with it last changed. Both make the ETag.
	Version   int64
	KindStand time.Time
}

// Historie is one recorded change of a case.
type Historie struct {
	Wer       string
	Wann      time.Time
	VonStatus FallStatus // "": the case was opened
	ZuStatus  FallStatus
	VonGrund  Grund
	ZuGrund   Grund
	Bemerkung *string // the new remark, when it changed
}

// FallAenderung is a JSON merge patch (RFC 7396) of a case: a field that
// is not Set stays; Grund or Bemerkung set to "" clear it.
type FallAenderung struct {
	StatusSet, GrundSet, BemerkungSet, BefreitBisSet bool
	Status                                           string
	Grund                                            string
	Bemerkung                                        string
	BefreitBis                                       string // YYYY-MM-DD; "" clears it
}

// Anwenden returns the case as the change makes it and the history entry
// to record (nil when nothing changes), or a validation error listing every
// failing field in German.
func (f Fall) Anwenden(a FallAenderung, wer string) (Fall, *Historie, error) {
	neu := f
	var fe []apperr.FieldError
	if a.StatusSet {
		s := FallStatus(a.Status)
		if !slices.Contains(fallStatus, s) {
			fe = append(fe, apperr.FieldError{Pointer: "/status", Code: "status_unbekannt",
				Message: fmt.Sprintf("„%s“ ist kein Status eines Falls. Erlaubt: offen, in_klaerung, erledigt.", a.Status)})
		} else if s != f.Status && !slices.Contains(uebergaenge[f.Status], s) {
			fe = append(fe, apperr.FieldError{Pointer: "/status", Code: "uebergang_unzulaessig",
				Message: fmt.Sprintf("Ein Fall im Status „%s“ kann nicht auf „%s“ gesetzt werden.%s", f.Status.Label(), s.Label(), uebergangHinweis(f.Status))})
		} else {
			neu.Status = s
		}
	}
	// Leaving erledigt takes the reason with it.
	if f.Status == FallErledigt && neu.Status != FallErledigt && !a.GrundSet {
		neu.Grund = ""
	}
	if a.GrundSet {
		g := Grund(a.Grund)
		if g != "" && !slices.Contains(gruende, g) {
			fe = append(fe, apperr.FieldError{Pointer: "/grund", Code: "grund_unbekannt",
				Message: fmt.Sprintf("„%s“ ist kein Grund. Erlaubt: %s.", a.Grund, fallGruendeAufzaehlung)})
		} else {
			neu.Grund = g
		}
	}
	// An exemption's end goes with the reason befreit.
	if neu.Grund != GrundBefreit {
		neu.BefreitBis = time.Time{}
	}
	if a.BefreitBisSet {
		switch d, err := time.Parse(time.DateOnly, a.BefreitBis); {
		case a.BefreitBis == "":
			neu.BefreitBis = time.Time{}
		case err != nil:
			fe = append(fe, apperr.FieldError{Pointer: "/befreit_bis", Code: "datum_ungueltig",
				Message: fmt.Sprintf("„%s“ ist kein gültiges Datum. Erwartet: JJJJ-MM-TT, z. B. 2027-07-31.", a.BefreitBis)})
		case neu.Grund != GrundBefreit:
			fe = append(fe, apperr.FieldError{Pointer: "/befreit_bis", Code: "befreit_bis_nur_bei_befreit",
				Message: "Ein Ende der Befreiung (befreit_bis) gehört nur zu einem Fall, der mit dem Grund „befreit“ erledigt ist."})
		default:
			neu.BefreitBis = d
		}
	}
	if a.BemerkungSet {
		if len([]rune(a.Bemerkung)) > maxBemerkung {
			fe = append(fe, apperr.FieldError{Pointer: "/bemerkung", Code: "zu_lang",
				Message: fmt.Sprintf("Die Bemerkung darf höchstens %d Zeichen lang sein.", maxBemerkung)})
		} else {
			neu.Bemerkung = strings.TrimSpace(a.Bemerkung)
		}
	}
	if len(fe) == 0 {
		switch {
		case neu.Status == FallErledigt && neu.Grund == "":
			fe = append(fe, apperr.FieldError{Pointer: "/grund", Code: "grund_fehlt",
				Message: "Ein Fall kann nur mit einem Grund erledigt werden: " + fallGruendeAufzaehlung + "."})
		case neu.Status != FallErledigt && neu.Grund != "":
			fe = append(fe, apperr.FieldError{Pointer: "/grund", Code: "grund_nur_bei_erledigt",
				Message: "Ein Grund wird nur angegeben, wenn der Fall erledigt ist (status „erledigt“)."})
		}
	}
	if err := apperr.Invalid("Die Änderung des Falls ist nicht zulässig.", fe); err != nil {
		return f, nil, err
	}
	if neu.Status == f.Status && neu.Grund == f.Grund && neu.Bemerkung == f.Bemerkung && neu.BefreitBis.Equal(f.BefreitBis) {
		return f, nil, nil
	}
	h := &Historie{Wer: wer, VonStatus: f.Status, ZuStatus: neu.Status, VonGrund: f.Grund, ZuGrund: neu.Grund}
	if neu.Bemerkung != f.Bemerkung {
		b := neu.Bemerkung
		h.Bemerkung = &b
	}
	return neu, h, nil
}

func uebergangHinweis(von FallStatus) string {
	if von == FallErledigt {
		return " Ein erledigter Fall wird mit „in_klaerung“ wieder aufgenommen."
	}
	return ""
}

// ParseFallStatus reads the status filter of a list; "" is every status.
func ParseFallStatus(s string) (FallStatus, error) {
	if s == "" || slices.Contains(fallStatus, FallStatus(s)) {
		return FallStatus(s), nil
	}
	return "", apperr.Invalid("Der Parameter status ist ungültig.", []apperr.FieldError{{Pointer: "/status", Code: "status_unbekannt",
		Message: fmt.Sprintf("„%s“ ist kein Status eines Falls. Erlaubt: offen, in_klaerung, erledigt.", s)}})
}

// ErledigterFall is the latest closed case of a child that has no open
// one, as a reconciliation needs it to decide whether to open another.
type ErledigterFall struct {
	ID     int64
	KindID string // as Person.ID
	Grund  Grund
	// BefreitBis ends an exemption (zero: without end).
	BefreitBis time.Time
	ErledigtAm time.Time
	// Stichtag is that of the latest run that saw the child while the
	// case was open: the school year the reason was given for.
	Stichtag time.Time
	// Zuzug is the child's latest move into the city the register knows
	// (zero: none).
	Zuzug time.Time
}

func datum(d time.Time) string { return d.Format("02.01.2006") }

func schuljahrText(jahr int) string { return fmt.Sprintf("%d/%02d", jahr, (jahr+1)%100) }

// Wiederaufnahme decides for a child that the run on stichtag finds at no
// school and whose latest case f is closed: "" when f's reason still
// covers that, else the German reason for a new case. A closing stays
// closed for good only where the reason has no end:
//   - befreit: until BefreitBis, without it for good;
//   - weggezogen: until the register shows the child moved in again
//     after the case was closed;
//   - schule_gefunden: a child found at no school again is a new case;
//   - zurueckgestellt, schule_ausserhalb, ordnungswidrigkeit_eingeleitet:
//     for the school year of the reason; a later school year needs new
//     evidence.
func (f ErledigterFall) Wiederaufnahme(stichtag time.Time) string {
	findet := fmt.Sprintf("der Abgleich zum Stichtag %s findet das Kind an keiner Schule", datum(stichtag))
	jahr, damals := SchuljahrAm(stichtag), SchuljahrAm(f.Stichtag)
	switch f.Grund {
	case GrundBefreit:
		if !f.BefreitBis.IsZero() && stichtag.After(f.BefreitBis) {
			return fmt.Sprintf("Die Befreiung (Fall %d) galt bis %s; %s.", f.ID, datum(f.BefreitBis), findet)
		}
	case GrundWeggezogen:
		if !f.Zuzug.IsZero() && f.Zuzug.After(f.ErledigtAm) {
			return fmt.Sprintf("Fall %d wurde als „weggezogen“ erledigt; laut Melderegister ist das Kind am %s wieder zugezogen, und %s.", f.ID, datum(f.Zuzug), findet)
		}
	case GrundSchuleGefunden:
		return fmt.Sprintf("Fall %d wurde erledigt, weil das Kind an einer Schule gefunden wurde; %s mehr.", f.ID, findet)
	case GrundZurueckgestellt, GrundSchuleAusserhalb, GrundOWiEingeleitet:
		if jahr > damals {
			return fmt.Sprintf("Fall %d wurde für das Schuljahr %s als „%s“ erledigt; %s (Schuljahr %s).", f.ID, schuljahrText(damals), f.Grund.Label(), findet, schuljahrText(jahr))
		}
	}
	return ""
}

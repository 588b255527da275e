// Package aufbewahrung is the retention of personal data: how long each
// kind of record is kept, what is due at a moment, and what a run reports
// in the audit trail. Storage (postgres.AufbewahrungStore) anonymises and
// deletes what is due, set-based, and decides nothing.
package aufbewahrung

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"github.com/schulgateway/schulgateway/internal/audit"
)

// Fristen is how long each kind of record is kept (0: for ever).
type Fristen struct {
	// Melderegister: a child that moved away is anonymised this long after
	// it left (names, register id, address and day of birth removed; the
	// month of birth and the Ortsteil stay for the figures).
	Melderegister time.Duration
	// Importe: the uploaded file, its error list and the before-images
	// kept for undo are deleted this long after the import finished.
	Importe time.Duration
	// Faelle: a closed Schulpflicht case (erledigt) and its history are
	// deleted this long after it was last changed.
	Faelle time.Duration
	// Protokoll: audit entries older than this are deleted, oldest first;
	// the chain keeps the hash of the last one as its anchor.
	Protokoll time.Duration
	// Untersuchungen: the outcomes of the Schuleingangsuntersuchung of a
	// cohort are deleted this long after its school year began (1 August);
	// by then the admission they were for is decided.
	Untersuchungen time.Duration
}

// Stichtage says what is due in a run at Jetzt: a record whose time (the
// day a child left, the end of an import, the last change of a closed
// case, the time of an audit entry) lies before the Stichtag of its kind.
// Zero: nothing of that kind is due.
type Stichtage struct {
	Jetzt                                     time.Time
	Melderegister, Importe, Faelle, Protokoll time.Time
	// Untersuchungen: the outcomes of the school years starting in this
	// year and before are due (0: none).
	Untersuchungen int
}

// Stichtage at now.
func (f Fristen) Stichtage(now time.Time) Stichtage {
	vor := func(d time.Duration) time.Time {
		if d <= 0 {
			return time.Time{}
		}
		return now.Add(-d)
	}
	st := Stichtage{Jetzt: now, Melderegister: vor(f.Melderegister), Importe: vor(f.Importe), Faelle: vor(f.Faelle), Protokoll: vor(f.Protokoll)}
	if v := vor(f.Untersuchungen); !v.IsZero() {
		// The last school year that began (1 August, local time of now)
		// before v.
		st.Untersuchungen = v.Year()
		if !v.After(time.Date(v.Year(), time.August, 1, 0, 0, 0, 0, v.Location())) {
			st.Untersuchungen--
		}
	}
	return st
}

// Bereinigt counts what one run removed.
type Bereinigt struct {
	KinderAnonymisiert int64
	ImporteBereinigt   int64
	FaelleGeloescht    int64
	ProtokollGeloescht int64
	// UntersuchungenGeloescht: outcomes of the Schuleingangsuntersuchung.
	UntersuchungenGeloescht int64
}

// String is the run's note in the audit trail.
func (b Bereinigt) String() string {
	return fmt.Sprintf("Kinder anonymisiert %d, Importdateien gelöscht %d, erledigte Fälle gelöscht %d, Protokolleinträge gelöscht %d, Untersuchungsergebnisse gelöscht %d",
		b.KinderAnonymisiert, b.ImporteBereinigt, b.FaelleGeloescht, b.ProtokollGeloescht, b.UntersuchungenGeloescht)
}

// Store is the port the retention runs through.
type Store interface {
	// Bereinige anonymises the children who moved away before
	// s.Melderegister, clears the files of imports finished before
	// s.Importe, deletes the closed cases last changed before s.Faelle
	// and the examination outcomes of the school years up to
	// s.Untersuchungen (a zero Stichtag: nothing of that kind), in one transaction together
	// with the audit entry protokoll gives for what was done. ran is false,
	// and nothing done, when another gateway is running it.
	Bereinige(ctx context.Context, s Stichtage, protokoll func(Bereinigt) audit.Entry) (b Bereinigt, ran bool, err error)
	// KuerzeProtokoll completes the audit chain and deletes the entries
	// before vor; it returns how many.
	KuerzeProtokoll(ctx context.Context, vor time.Time) (int64, error)
}

// Service runs the retention.
type Service struct {
	store   Store
	fristen Fristen
}

func NewService(store Store, fristen Fristen) *Service {
	return &Service{store: store, fristen: fristen}
}

// Bereinigen runs the retention once, at the moment now. Everything but
// the audit entries goes in one step with an audit entry saying what was
// done; the audit entries follow in their own. If another gateway is
// running it, this one does nothing (ran false).
func (s *Service) Bereinigen(ctx context.Context, now time.Time) (Bereinigt, bool, error) {
	st := s.fristen.Stichtage(now)
	b, ran, err := s.store.Bereinige(ctx, st, func(b Bereinigt) audit.Entry {
		n := int(b.KinderAnonymisiert + b.ImporteBereinigt + b.FaelleGeloescht + b.UntersuchungenGeloescht)
		return audit.Entry{Client: "worker", Operation: "aufbewahrung", Count: &n, Result: http.StatusOK, Detail: b.String()}
	})
	if err != nil || !ran {
		return b, ran, err
	}
	if !st.Protokoll.IsZero() {
		n, err := s.store.KuerzeProtokoll(ctx, st.Protokoll)
		if err != nil {
			return b, ran, err
		}
		b.ProtokollGeloescht = n
	}
	return b, ran, nil
}

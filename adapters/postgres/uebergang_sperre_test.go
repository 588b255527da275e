package postgres_test

import (
	"context"
	"errors"
	"testing"

	"github.com/schulgateway/schulgateway/adapters/postgres"
	"github.com/schulgateway/schulgateway/adapters/postgres/pgtest"
	"github.com/schulgateway/schulgateway/internal/schule"
	sw "github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// confirmingStore confirms the run in the moment between the service's
// look for a confirmed run and its write of the places: what a colleague
// confirming at the same time does.
type confirmingStore struct {
	*postgres.UebergangStore
	confirm func()
}

func (s confirmingStore) SetzePlaetze(ctx context.Context, sj werte.Schuljahr, schulnummer string, plaetze int) error {
	s.confirm()
	return s.UebergangStore.SetzePlaetze(ctx, sj, schulnummer, plaetze)
}

// More places set while the run is being confirmed still go down the
// waiting list: the places are not written beside the confirmed run as if
// there were none (the child waiting would wait for nothing).
func TestUebergangPlaetzeWaehrendDerBestaetigung(t *testing.T) {
	t.Parallel()
	pool := pgtest.Pool(t)
	ctx := context.Background()
	zweiKinderEinPlatz(t, pool)
	schulen := schule.NewService(postgres.NewSchulenStore(pool, nil))
	sj := werte.NewSchuljahr(2027)
	encode := func(*sw.Schulwechsel) ([]byte, error) { return []byte("<nachricht/>"), nil }
	amt := uebergang.NewService(postgres.NewUebergangStore(pool).WithAufnahmen(encode), schulen, 0)
	l, err := amt.Verteile(ctx, sj, uebergang.Erstwunsch, "")
	if err != nil {
		t.Fatal(err)
	}
	kollegin := uebergang.NewService(confirmingStore{postgres.NewUebergangStore(pool).WithAufnahmen(encode), func() {
		if _, err := amt.Bestaetige(ctx, sj, l.ID, "amt"); err != nil {
			t.Error(err)
		}
	}}, schulen, 0)

	_, moves, err := kollegin.SetzeKapazitaet(ctx, sj, "40001", 2, "amt")
	if err != nil {
		t.Fatal(err)
	}
	if len(moves) != 1 || moves[0].Nach != "40001" {
		t.Fatalf("moves after a second place during the confirmation: %+v, want the waiting child admitted at 40001", moves)
	}
	var plaetze, aufnahmen, aenderungen int
	if err := pool.QueryRow(ctx, `SELECT (SELECT plaetze FROM uebergang_kapazitaeten WHERE schuljahr = 2027 AND schulnummer = '40001'),
		(SELECT count(*) FROM schulwechsel WHERE bewegung = 'uebergang' AND zurueckgenommen_am IS NULL),
		(SELECT count(*) FROM uebergang_aenderungen WHERE lauf_id = $1)`, l.ID).Scan(&plaetze, &aufnahmen, &aenderungen); err != nil {
		t.Fatal(err)
	}
	if plaetze != 2 || aufnahmen != 2 || aenderungen != 1 {
		t.Errorf("places %d, standing admissions %d, recorded changes %d; want 2, 2, 1", plaetze, aufnahmen, aenderungen)
	}

	// The store itself never writes places beside a confirmed run.
	err = postgres.NewUebergangStore(pool).SetzePlaetze(ctx, sj, "40001", 5)
	if !errors.Is(err, uebergang.ErrLaufBestaetigt) {
		t.Errorf("places set beside the confirmed run: %v", err)
	}
}

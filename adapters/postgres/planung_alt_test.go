package postgres

import (
	"context"
	"time"

	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/einschulung"
	"github.com/schulgateway/schulgateway/internal/planung"
	"github.com/schulgateway/schulgateway/internal/schulbezirk"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// AlterPlanungStore is the PlanungStore as it was before planung counted
// the cohorts itself (storage applied the Einschulung rule and the Bezirk
// lookup), kept verbatim for TestPlanungDatenWieBisher: the domain's
// computation must give the same answers.
type AlterPlanungStore struct {
	pool    *pgxpool.Pool
	bezirke *SchulbezirkStore
	regel   einschulung.Regel
	now     func() time.Time
}

func NewAlterPlanungStore(pool *pgxpool.Pool, bezirke *SchulbezirkStore, regel einschulung.Regel, now func() time.Time) *AlterPlanungStore {
	return &AlterPlanungStore{pool: pool, bezirke: bezirke, regel: regel, now: now}
}

func (s *AlterPlanungStore) Daten(ctx context.Context) (planung.Daten, error) {
	var d planung.Daten
	rows, err := s.pool.Query(ctx, `SELECT schulnummer, name, schulform, coalesce(zuege, 0), coalesce(klassenfrequenz, 0), coalesce(kapazitaet, 0) FROM schulen ORDER BY schulnummer`)
	if err != nil {
		return d, storeErr("planung: schools", err)
	}
	for rows.Next() {
		var sch planung.Schule
		var form string
		if err := rows.Scan(&sch.Schulnummer, &sch.Name, &form, &sch.Zuege, &sch.Klassenfrequenz, &sch.Kapazitaet); err != nil {
			rows.Close()
			return d, storeErr("planung: schools", err)
		}
		if art, ok := planung.ArtDerSchulform(form); ok {
			sch.Art = art
			d.Schulen = append(d.Schulen, sch)
		}
	}
	if err := rows.Err(); err != nil {
		return d, storeErr("planung: schools", err)
	}

	jetzt := werte.SchuljahrAt(s.now()).StartYear()
	rows, err = s.pool.Query(ctx, `
		WITH live AS (
			SELECT schulnummer, $1::int AS schuljahr, jahrgangsstufe, count(*)::int AS anzahl
			FROM schueler WHERE status = 'aktiv' AND jahrgangsstufe IS NOT NULL
			GROUP BY schulnummer, jahrgangsstufe)
		SELECT schulnummer, schuljahr, jahrgangsstufe, anzahl FROM live
		UNION ALL
		SELECT h.schulnummer, h.schuljahr, h.jahrgangsstufe, h.anzahl FROM planung_schuelerzahlen h
		WHERE NOT EXISTS (SELECT 1 FROM live l WHERE l.schulnummer = h.schulnummer AND l.schuljahr = h.schuljahr)
		ORDER BY 1, 2, 3`, jetzt)
	if err != nil {
		return d, storeErr("planung: pupils", err)
	}
	for rows.Next() {
		var z planung.Zahl
		if err := rows.Scan(&z.Schulnummer, &z.Schuljahr, &z.Jahrgangsstufe, &z.Anzahl); err != nil {
			rows.Close()
			return d, storeErr("planung: pupils", err)
		}
		d.Schueler = append(d.Schueler, z)
	}
	if err := rows.Err(); err != nil {
		return d, storeErr("planung: pupils", err)
	}

	kohorten, err := s.kohorten(ctx)
	if err != nil {
		return d, err
	}
	rows, err = s.pool.Query(ctx, `SELECT schulnummer, schuljahr, anzahl FROM planung_kohorten`)
	if err != nil {
		return d, storeErr("planung: cohorts", err)
	}
	for rows.Next() {
		var k planung.Kohorte
		if err := rows.Scan(&k.Schulnummer, &k.Schuljahr, &k.Anzahl); err != nil {
			rows.Close()
			return d, storeErr("planung: cohorts", err)
		}
		kohorten[[2]any{k.Schulnummer, k.Schuljahr}] = k.Anzahl
	}
	if err := rows.Err(); err != nil {
		return d, storeErr("planung: cohorts", err)
	}
	for key, n := range kohorten {
		d.Kohorten = append(d.Kohorten, planung.Kohorte{Schulnummer: key[0].(string), Schuljahr: key[1].(int), Anzahl: n})
	}
	return d, nil
}

// kohorten counts the resident children per Bezirk and entry year.
func (s *AlterPlanungStore) kohorten(ctx context.Context) (map[[2]any]int, error) {
	ix, err := s.bezirke.Index(ctx)
	if err != nil {
		return nil, err
	}
	rows, err := s.pool.Query(ctx, `
		SELECT geburtsdatum, strasse, hausnummer, coalesce(plz, ''), coalesce(ortsteil, '')
		FROM kinder WHERE status = 'gemeldet' AND (wegzug IS NULL OR zuzug > wegzug)`)
	if err != nil {
		return nil, storeErr("planung: residents", err)
	}
	defer rows.Close()
	out := map[[2]any]int{}
	for rows.Next() {
		var geb time.Time
		var a struct{ strasse, nr, plz, ot string }
		if err := rows.Scan(&geb, &a.strasse, &a.nr, &a.plz, &a.ot); err != nil {
			return nil, storeErr("planung: residents", err)
		}
		y := einschulung.Vollendet(geb, 6).Year()
		for _, jahr := range []int{y, y + 1} {
			sj := werte.NewSchuljahr(jahr)
			if s.regel.Herkunft(geb, sj) != einschulung.Regulaer {
				continue
			}
			r, err := ix.Zuordnung(schulbezirk.Adresse{Strasse: a.strasse, Hausnummer: a.nr, PLZ: a.plz, Ortsteil: a.ot}, sj)
			if err == nil {
				out[[2]any{r.Schulnummer, jahr}]++
			}
			break
		}
	}
	return out, storeErr("planung: residents", rows.Err())
}

package postgres

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"time"

	"github.com/jackc/pgx/v5"
	"github.com/jackc/pgx/v5/pgconn"
	"github.com/jackc/pgx/v5/pgxpool"

	"github.com/schulgateway/schulgateway/internal/apperr"
	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/page"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// UebergangStore keeps applications, places and allocation runs of the
// Übergang in Schuljahrgang 5.
type UebergangStore struct {
	pool *pgxpool.Pool
	// pseudonym turns a child's register key into the id the BMS sees
	// (as for the Einschulung); nil leaves the child out of feed entries.
	pseudonym func(schluessel string) string
	// encode writes a Schulwechsel admission's message (WithAufnahmen);
	// nil writes none.
	encode func(*schulwechsel.Schulwechsel) ([]byte, error)
}

func NewUebergangStore(pool *pgxpool.Pool) *UebergangStore { return &UebergangStore{pool: pool} }

// WithPseudonym names children in the change feed by pseudonym(register key),
// never by the register key itself.
func (s *UebergangStore) WithPseudonym(pseudonym func(string) string) *UebergangStore {
	s.pseudonym = pseudonym
	return s
}

// EntityUebergangZuteilung is the change feed's entity for an admission of a
// confirmed run: ID the application's id (as in …/zuteilungen), key the
// child's pseudonym (kind_id), the school year and the admitting school.
const EntityUebergangZuteilung = "uebergang_zuteilung"

var _ uebergang.Store = (*UebergangStore)(nil)

const uebergangKindColumns = `schluessel, coalesce(ordnungsmerkmal, ''), familienname, vornamen, coalesce(rufname, ''), geburtsdatum`

func scanUebergangKind(row pgx.CollectableRow) (uebergang.Kind, error) {
	var k uebergang.Kind
	err := row.Scan(&k.Schluessel, &k.Ordnungsmerkmal, &k.Familienname, &k.Vornamen, &k.Rufname, &k.Geburtsdatum)
	return k, err
}

func (s *UebergangStore) kinder(ctx context.Context, where string, arg any) ([]uebergang.Kind, error) {
	rows, err := dbFor(ctx, s.pool).Query(ctx, `SELECT `+uebergangKindColumns+` FROM kinder WHERE status = 'gemeldet' AND `+where, arg)
	if err != nil {
		return nil, storeErr("find child", err)
	}
	list, err := pgx.CollectRows(rows, scanUebergangKind)
	return list, storeErr("find child", err)
}

func (s *UebergangStore) KinderMitOrdnungsmerkmal(ctx context.Context, om string) ([]uebergang.Kind, error) {
	return s.kinder(ctx, "ordnungsmerkmal = $1", om)
}

func (s *UebergangStore) KinderGeborenAm(ctx context.Context, tag time.Time) ([]uebergang.Kind, error) {
	return s.kinder(ctx, "geburtsdatum = $1", tag)
}

func (s *UebergangStore) SpeichereAnmeldung(ctx context.Context, g uebergang.Gespeichert) (uebergang.Gespeichert, bool, error) {
	a := g.Anmeldung
	var neu bool
	err := dbFor(ctx, s.pool).QueryRow(ctx, `
		INSERT INTO uebergang_anmeldungen AS u (schuljahr, kind, grundschule, wuensche, haertefall, geschwister)
		VALUES ($1, $2, $3, $4, $5, $6)
		ON CONFLICT (schuljahr, kind) DO UPDATE SET grundschule = EXCLUDED.grundschule, wuensche = EXCLUDED.wuensche,
			haertefall = EXCLUDED.haertefall, geschwister = EXCLUDED.geschwister, geaendert_am = now()
		RETURNING id::text, geaendert_am, xmax = 0`,
		g.Schuljahr.StartYear(), g.Kind.Schluessel, g.Grundschule, a.Wuensche, a.Haertefall, a.Geschwister).Scan(&g.ID, &g.Geaendert, &neu)
	if err != nil {
		return g, false, storeErr("save application", err)
	}
	g.Anmeldung.ID = g.ID
	return g, neu, nil
}

func (s *UebergangStore) Anmeldungen(ctx context.Context, sj werte.Schuljahr, after string, limit int) ([]uebergang.Gespeichert, error) {
	if after == "" {
		after = "00000000-0000-0000-0000-000000000000"
	}
	// A child no longer in the register keeps its application; it shows
	// without name then.
	rows, err := s.pool.Query(ctx, `
		SELECT u.id::text, u.kind, coalesce(k.ordnungsmerkmal, ''), coalesce(k.familienname, ''), coalesce(k.vornamen, ''),
			coalesce(k.geburtsdatum, '0001-01-01'), u.grundschule, u.wuensche, u.haertefall, u.geschwister, u.geaendert_am
		FROM uebergang_anmeldungen u LEFT JOIN kinder k ON k.schluessel = u.kind
		WHERE u.schuljahr = $1 AND u.id > $2::uuid ORDER BY u.id LIMIT $3`, sj.StartYear(), after, limit)
	if err != nil {
		return nil, storeErr("list applications", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (uebergang.Gespeichert, error) {
		g := uebergang.Gespeichert{Schuljahr: sj}
		err := row.Scan(&g.ID, &g.Kind.Schluessel, &g.Kind.Ordnungsmerkmal, &g.Kind.Familienname, &g.Kind.Vornamen, &g.Kind.Geburtsdatum,
			&g.Grundschule, &g.Anmeldung.Wuensche, &g.Anmeldung.Haertefall, &g.Anmeldung.Geschwister, &g.Geaendert)
		g.Anmeldung.ID = g.ID
		return g, err
	})
	return list, storeErr("list applications", err)
}

func (s *UebergangStore) AlleAnmeldungen(ctx context.Context, sj werte.Schuljahr) ([]uebergang.Anmeldung, error) {
	rows, err := s.pool.Query(ctx, `SELECT id::text, wuensche, haertefall, geschwister FROM uebergang_anmeldungen WHERE schuljahr = $1 ORDER BY id`, sj.StartYear())
	if err != nil {
		return nil, storeErr("load applications", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (uebergang.Anmeldung, error) {
		var a uebergang.Anmeldung
		err := row.Scan(&a.ID, &a.Wuensche, &a.Haertefall, &a.Geschwister)
		return a, err
	})
	return list, storeErr("load applications", err)
}

func (s *UebergangStore) FestePlaetze(ctx context.Context, sj werte.Schuljahr) (map[string]int, error) {
	rows, err := s.pool.Query(ctx, `SELECT schulnummer, plaetze FROM uebergang_kapazitaeten WHERE schuljahr = $1`, sj.StartYear())
	if err != nil {
		return nil, storeErr("load places", err)
	}
	out := map[string]int{}
	var nr string
	var n int
	_, err = pgx.ForEachRow(rows, []any{&nr, &n}, func() error { out[nr] = n; return nil })
	return out, storeErr("load places", err)
}

// uebergangLockID with the school year is the lock that keeps setting
// places before confirmation and confirming apart: 0x75656267 = "uebg".
const uebergangLockID = 0x75656267

// lockUebergang takes the school year's lock until tx ends.
func lockUebergang(ctx context.Context, tx pgx.Tx, sj werte.Schuljahr) error {
	_, err := tx.Exec(ctx, `SELECT pg_advisory_xact_lock($1, $2)`, int32(uebergangLockID), int32(sj.StartYear()))
	return err
}

func (s *UebergangStore) SetzePlaetze(ctx context.Context, sj werte.Schuljahr, schulnummer string, plaetze int) error {
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockUebergang(ctx, tx, sj); err != nil {
			return err
		}
		// After the lock, a confirmation is either committed (and seen
		// here) or waits until these places are set.
		var bestaetigt bool
		if err := tx.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM uebergang_laeufe WHERE schuljahr = $1 AND status = 'bestaetigt')`,
			sj.StartYear()).Scan(&bestaetigt); err != nil {
			return err
		}
		if bestaetigt {
			return uebergang.ErrLaufBestaetigt
		}
		_, err := tx.Exec(ctx, `
			INSERT INTO uebergang_kapazitaeten (schuljahr, schulnummer, plaetze) VALUES ($1, $2, $3)
			ON CONFLICT (schuljahr, schulnummer) DO UPDATE SET plaetze = EXCLUDED.plaetze, geaendert_am = now()`,
			sj.StartYear(), schulnummer, plaetze)
		return err
	})
	if errors.Is(err, uebergang.ErrLaufBestaetigt) {
		return err
	}
	return storeErr("set places", err)
}

func (s *UebergangStore) SpeichereLauf(ctx context.Context, l uebergang.Lauf) (uebergang.Lauf, error) {
	kriterien := make([]string, len(l.Kriterien))
	for i, k := range l.Kriterien {
		kriterien[i] = string(k)
	}
	anm := make(map[string]uebergang.Anmeldung, len(l.Anmeldungen))
	for _, a := range l.Anmeldungen {
		anm[a.ID] = a
	}
	err := pgx.BeginFunc(ctx, s.pool, func(tx pgx.Tx) error {
		if err := tx.QueryRow(ctx, `
			INSERT INTO uebergang_laeufe (schuljahr, verfahren, seed, kriterien, status, plaetze)
			VALUES ($1, $2, $3, $4, $5, $6) RETURNING id::text, erstellt_am`,
			l.Schuljahr.StartYear(), string(l.Verfahren), l.Seed, kriterien, l.Status, l.Plaetze).Scan(&l.ID, &l.Erstellt); err != nil {
			return err
		}
		z := l.Ergebnis.Zuteilungen
		_, err := tx.CopyFrom(ctx, pgx.Identifier{"uebergang_zuteilungen"},
			[]string{"lauf_id", "anmeldung_id", "wuensche", "haertefall", "geschwister", "schulnummer", "wunsch", "losnummer", "warteliste"},
			pgx.CopyFromSlice(len(z), func(i int) ([]any, error) {
				a := anm[z[i].AnmeldungID]
				var nr, wunsch any
				if z[i].Schulnummer != "" {
					nr, wunsch = z[i].Schulnummer, z[i].Wunsch
				}
				w := z[i].Warteliste
				if w == nil {
					w = map[string]int{}
				}
				return []any{l.ID, z[i].AnmeldungID, a.Wuensche, a.Haertefall, a.Geschwister, nr, wunsch, z[i].Losnummer, w}, nil
			}))
		return err
	})
	return l, storeErr("save allocation run", err)
}

// Laeufe lists runs of sj in the order they were made, each with the
// numbers of its result (one aggregate over its allocations, by the
// primary key's lauf_id prefix).
func (s *UebergangStore) Laeufe(ctx context.Context, sj werte.Schuljahr, after string, limit int) ([]uebergang.Uebersicht, error) {
	if after != "" {
		var ok bool
		if err := s.pool.QueryRow(ctx, `SELECT EXISTS (SELECT 1 FROM uebergang_laeufe WHERE id = $1 AND schuljahr = $2)`, after, sj.StartYear()).Scan(&ok); err != nil {
			return nil, storeErr("list allocation runs", err)
		}
		if !ok {
			return nil, apperr.Invalid("Der Parameter after ist ungültig.", []apperr.FieldError{page.AfterError("position_ungueltig")})
		}
	}
	rows, err := s.pool.Query(ctx, `
		SELECT l.id::text, l.verfahren, l.seed, l.status, l.erstellt_am, l.bestaetigt_am,
			(SELECT count(*) FROM uebergang_zuteilungen WHERE lauf_id = l.id),
			(SELECT count(*) FROM uebergang_zuteilungen WHERE lauf_id = l.id AND wunsch IS NULL),
			(SELECT count(*) FROM uebergang_zuteilungen WHERE lauf_id = l.id AND wunsch = 1),
			(SELECT count(*) FROM uebergang_zuteilungen WHERE lauf_id = l.id AND wunsch = 2),
			(SELECT count(*) FROM uebergang_zuteilungen WHERE lauf_id = l.id AND wunsch = 3)
		FROM uebergang_laeufe l
		WHERE l.schuljahr = $1 AND ($2 = '' OR (l.erstellt_am, l.id) > (SELECT erstellt_am, id FROM uebergang_laeufe WHERE id = nullif($2, '')::uuid))
		ORDER BY l.erstellt_am, l.id LIMIT $3`, sj.StartYear(), after, limit)
	if err != nil {
		return nil, storeErr("list allocation runs", err)
	}
	list, err := pgx.CollectRows(rows, func(row pgx.CollectableRow) (uebergang.Uebersicht, error) {
		var u uebergang.Uebersicht
		var bestaetigt *time.Time
		err := row.Scan(&u.ID, &u.Verfahren, &u.Seed, &u.Status, &u.Erstellt, &bestaetigt, &u.Kinder, &u.Wunsch[0], &u.Wunsch[1], &u.Wunsch[2], &u.Wunsch[3])
		if bestaetigt != nil {
			u.Bestaetigt = *bestaetigt
		}
		return u, err
	})
	return list, storeErr("list allocation runs", err)
}

func (s *UebergangStore) Lauf(ctx context.Context, sj werte.Schuljahr, id string) (uebergang.Lauf, error) {
	l := uebergang.Lauf{Schuljahr: sj}
	var kriterien []string
	var bestaetigt *time.Time
	err := s.pool.QueryRow(ctx, `SELECT id::text, verfahren, seed, kriterien, status, plaetze, erstellt_am, bestaetigt_am FROM uebergang_laeufe WHERE id = $1 AND schuljahr = $2`,
		id, sj.StartYear()).Scan(&l.ID, &l.Verfahren, &l.Seed, &kriterien, &l.Status, &l.Plaetze, &l.Erstellt, &bestaetigt)
	if bestaetigt != nil {
		l.Bestaetigt = *bestaetigt
	}
	if errors.Is(err, pgx.ErrNoRows) {
		return l, apperr.NotFound(fmt.Sprintf("Einen Verteilungslauf „%s“ gibt es im Schuljahr %s nicht.", id, sj))
	}
	if err != nil {
		return l, storeErr("load allocation run", err)
	}
	for _, k := range kriterien {
		l.Kriterien = append(l.Kriterien, uebergang.Kriterium(k))
	}
	rows, err := s.pool.Query(ctx, `
		SELECT anmeldung_id::text, wuensche, haertefall, geschwister, coalesce(schulnummer, ''), coalesce(wunsch, 0), losnummer, warteliste
		FROM uebergang_zuteilungen WHERE lauf_id = $1`, l.ID)
	if err != nil {
		return l, storeErr("load allocation run", err)
	}
	l.Ergebnis = uebergang.Ergebnis{Verfahren: l.Verfahren, Aufgenommen: map[string][]string{}, Wartelisten: map[string][]string{}}
	var a uebergang.Anmeldung
	var z uebergang.Zuteilung
	_, err = pgx.ForEachRow(rows, []any{&z.AnmeldungID, &a.Wuensche, &a.Haertefall, &a.Geschwister, &z.Schulnummer, &z.Wunsch, &z.Losnummer, &z.Warteliste},
		func() error {
			a.ID = z.AnmeldungID
			l.Anmeldungen = append(l.Anmeldungen, a)
			l.Ergebnis.Zuteilungen = append(l.Ergebnis.Zuteilungen, z)
			a, z = uebergang.Anmeldung{}, uebergang.Zuteilung{}
			return nil
		})
	if err != nil {
		return l, storeErr("load allocation run", err)
	}
	slices.SortFunc(l.Anmeldungen, func(x, y uebergang.Anmeldung) int { return strings.Compare(x.ID, y.ID) })
	l.Ergebnis = uebergang.Wiederherstellen(l.Verfahren, l.Ergebnis.Zuteilungen)
	return l, nil
}

func (s *UebergangStore) Bestaetige(ctx context.Context, sj werte.Schuljahr, id, wer string) (time.Time, error) {
	var am time.Time
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		if err := lockUebergang(ctx, tx, sj); err != nil {
			return err
		}
		if err := tx.QueryRow(ctx, `
			UPDATE uebergang_laeufe SET status = 'bestaetigt', bestaetigt_am = now()
			WHERE id = $1 AND schuljahr = $2 AND status = 'berechnet' RETURNING bestaetigt_am`, id, sj.StartYear()).Scan(&am); err != nil {
			return err
		}
		// Every admission reaches the BMS in the confirming transaction:
		// the entries exist exactly when the confirmation is committed.
		rows, err := tx.Query(ctx, `
			SELECT z.anmeldung_id::text, a.kind, z.schulnummer FROM uebergang_zuteilungen z
			JOIN uebergang_anmeldungen a ON a.id = z.anmeldung_id
			WHERE z.lauf_id = $1 AND z.schulnummer IS NOT NULL ORDER BY z.schulnummer, z.anmeldung_id`, id)
		if err != nil {
			return err
		}
		var changes []changefeed.Change
		var plaetze []platz
		var anmeldung, kind, schule string
		if _, err := pgx.ForEachRow(rows, []any{&anmeldung, &kind, &schule}, func() error {
			changes = append(changes, s.zuteilungChange(sj, anmeldung, kind, schule))
			plaetze = append(plaetze, platz{anmeldung, schule})
			return nil
		}); err != nil {
			return err
		}
		if err := RecordChanges(ctx, tx, changes...); err != nil {
			return err
		}
		// Each admission is a Schulwechsel admission at the receiving school.
		return s.aufnehmen(ctx, tx, sj, id, wer, plaetze)
	})
	var pgErr *pgconn.PgError
	if errors.As(err, &pgErr) && pgErr.Code == "23505" || errors.Is(err, pgx.ErrNoRows) {
		var andere string
		if err := s.pool.QueryRow(ctx, `SELECT id::text FROM uebergang_laeufe WHERE schuljahr = $1 AND status = 'bestaetigt'`, sj.StartYear()).Scan(&andere); err != nil {
			return am, storeErr("confirm allocation run", err)
		}
		return am, apperr.Conflict(fmt.Sprintf("Für das Schuljahr %s ist schon der Lauf %s bestätigt; ein Lauf wird nur einmal bestätigt.", sj, andere))
	}
	return am, storeErr("confirm allocation run", err)
}

// zuteilungChange is the feed entry of an admission: the child by its
// pseudonym only (none without a pseudonymizer), never the register key.
func (s *UebergangStore) zuteilungChange(sj werte.Schuljahr, anmeldung, kind, schule string) changefeed.Change {
	key := map[string]string{"schuljahr": sj.String(), "schulnummer": schule}
	if s.pseudonym != nil {
		key["kind_id"] = s.pseudonym(kind)
	}
	return changefeed.Change{Entity: EntityUebergangZuteilung, ID: anmeldung, Operation: changefeed.Upsert, Key: key}
}

// Empfaenger returns the register's children of run id's applications.
func (s *UebergangStore) Empfaenger(ctx context.Context, id string) (map[string]uebergang.Empfaenger, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT a.id::text, k.familienname, k.vornamen, k.geburtsdatum, coalesce(k.strasse, ''), coalesce(k.hausnummer, ''),
			coalesce(k.plz, ''), coalesce(k.ort, ''), k.auskunftssperre, coalesce(k.sorgeberechtigte, ''), coalesce(a.grundschule, '')
		FROM uebergang_zuteilungen z
		JOIN uebergang_anmeldungen a ON a.id = z.anmeldung_id
		JOIN kinder k ON k.schluessel = a.kind
		WHERE z.lauf_id = $1`, id)
	if err != nil {
		return nil, storeErr("load letters' addresses", err)
	}
	out := map[string]uebergang.Empfaenger{}
	var e uebergang.Empfaenger
	_, err = pgx.ForEachRow(rows, []any{&e.AnmeldungID, &e.Familienname, &e.Vornamen, &e.Geburtsdatum, &e.Strasse, &e.Hausnummer, &e.PLZ, &e.Ort, &e.Auskunftssperre, &e.Sorgeberechtigte, &e.Grundschule},
		func() error {
			out[e.AnmeldungID] = e
			return nil
		})
	return out, storeErr("load letters' addresses", err)
}

// Aenderungen returns the changes of run id in order, without moves.
func (s *UebergangStore) Aenderungen(ctx context.Context, id string) ([]uebergang.Aenderung, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, art, coalesce(anmeldung_id::text, ''), coalesce(schulnummer, ''), coalesce(plaetze_vorher, 0), coalesce(plaetze, 0), erfasst_am, erfasst_von
		FROM uebergang_aenderungen WHERE lauf_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, storeErr("load changes", err)
	}
	list, err := pgx.CollectRows(rows, scanAenderung)
	return list, storeErr("load changes", err)
}

func scanAenderung(row pgx.CollectableRow) (uebergang.Aenderung, error) {
	var a uebergang.Aenderung
	err := row.Scan(&a.ID, &a.Art, &a.AnmeldungID, &a.Schulnummer, &a.PlaetzeVorher, &a.Plaetze, &a.Erfasst, &a.ErfasstVon)
	return a, err
}

// Absagen returns a page of the declines of run id with their moves.
func (s *UebergangStore) Absagen(ctx context.Context, id string, after int64, limit int) ([]uebergang.Aenderung, error) {
	rows, err := s.pool.Query(ctx, `
		SELECT id, art, coalesce(anmeldung_id::text, ''), coalesce(schulnummer, ''), coalesce(plaetze_vorher, 0), coalesce(plaetze, 0), erfasst_am, erfasst_von
		FROM uebergang_aenderungen WHERE lauf_id = $1 AND art = 'absage' AND id > $2 ORDER BY id LIMIT $3`, id, after, limit)
	if err != nil {
		return nil, storeErr("load declines", err)
	}
	list, err := pgx.CollectRows(rows, scanAenderung)
	if err != nil || len(list) == 0 {
		return list, storeErr("load declines", err)
	}
	ids := make([]int64, len(list))
	at := map[int64]int{}
	for i, a := range list {
		ids[i], at[a.ID] = a.ID, i
	}
	rows, err = s.pool.Query(ctx, `SELECT aenderung_id, anmeldung_id::text, coalesce(von_schule, ''), coalesce(nach_schule, ''), coalesce(wunsch, 0)
		FROM uebergang_nachrueckungen WHERE aenderung_id = ANY($1) ORDER BY aenderung_id, schritt`, ids)
	if err != nil {
		return nil, storeErr("load declines", err)
	}
	var aid int64
	var b uebergang.Bewegung
	_, err = pgx.ForEachRow(rows, []any{&aid, &b.AnmeldungID, &b.Von, &b.Nach, &b.Wunsch}, func() error {
		list[at[aid]].Bewegungen = append(list[at[aid]].Bewegungen, b)
		return nil
	})
	return list, storeErr("load declines", err)
}

// BestaetigterLauf returns the id of the confirmed run of sj, "" for none.
func (s *UebergangStore) BestaetigterLauf(ctx context.Context, sj werte.Schuljahr) (string, error) {
	var id string
	err := s.pool.QueryRow(ctx, `SELECT id::text FROM uebergang_laeufe WHERE schuljahr = $1 AND status = 'bestaetigt'`, sj.StartYear()).Scan(&id)
	if errors.Is(err, pgx.ErrNoRows) {
		return "", nil
	}
	return id, storeErr("find confirmed run", err)
}

// SpeichereAenderung records a change (a decline, or new places, which it
// also sets) and its moves and feeds every changed admission, in one
// transaction. The run's row is locked, so the changes of one run are
// recorded one after another; one computed from an older state (bisher) is
// refused.
func (s *UebergangStore) SpeichereAenderung(ctx context.Context, sj werte.Schuljahr, id string, bisher int, a uebergang.Aenderung) (uebergang.Aenderung, error) {
	b := a.Bewegungen
	var konflikt bool
	err := inTx(ctx, s.pool, func(tx pgx.Tx) error {
		var n int
		if err := tx.QueryRow(ctx, `SELECT (SELECT count(*) FROM uebergang_aenderungen WHERE lauf_id = l.id) FROM uebergang_laeufe l WHERE l.id = $1 FOR UPDATE`, id).Scan(&n); err != nil {
			return err
		}
		if n != bisher {
			konflikt = true
			return nil
		}
		var plaetze, vorher any
		if a.Art == uebergang.ArtPlaetze {
			plaetze, vorher = a.Plaetze, a.PlaetzeVorher
			if _, err := tx.Exec(ctx, `
				INSERT INTO uebergang_kapazitaeten (schuljahr, schulnummer, plaetze) VALUES ($1, $2, $3)
				ON CONFLICT (schuljahr, schulnummer) DO UPDATE SET plaetze = EXCLUDED.plaetze, geaendert_am = now()`,
				sj.StartYear(), a.Schulnummer, a.Plaetze); err != nil {
				return err
			}
		}
		if err := tx.QueryRow(ctx, `INSERT INTO uebergang_aenderungen (lauf_id, art, anmeldung_id, schulnummer, plaetze_vorher, plaetze, erfasst_von)
			VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id, erfasst_am`,
			id, a.Art, nilIfEmpty(a.AnmeldungID), nilIfEmpty(a.Schulnummer), vorher, plaetze, a.ErfasstVon).Scan(&a.ID, &a.Erfasst); err != nil {
			return err
		}
		if len(b) == 0 {
			return nil
		}
		ids := make([]string, len(b))
		for i, m := range b {
			ids[i] = m.AnmeldungID
		}
		if _, err := tx.CopyFrom(ctx, pgx.Identifier{"uebergang_nachrueckungen"}, []string{"aenderung_id", "schritt", "anmeldung_id", "von_schule", "nach_schule", "wunsch"},
			pgx.CopyFromSlice(len(b), func(i int) ([]any, error) {
				return []any{a.ID, i, b[i].AnmeldungID, nilIfEmpty(b[i].Von), nilIfEmpty(b[i].Nach), nullIfZero(b[i].Wunsch)}, nil
			})); err != nil {
			return err
		}
		kinder := map[string]string{}
		rows, err := tx.Query(ctx, `SELECT id::text, kind FROM uebergang_anmeldungen WHERE id = ANY($1::uuid[])`, ids)
		if err != nil {
			return err
		}
		var anm, kind string
		if _, err := pgx.ForEachRow(rows, []any{&anm, &kind}, func() error { kinder[anm] = kind; return nil }); err != nil {
			return err
		}
		changes := make([]changefeed.Change, len(b))
		var weg, neu []platz
		for i, m := range b {
			if m.Von != "" { // the place given up: its admission is withdrawn
				weg = append(weg, platz{m.AnmeldungID, m.Von})
			}
			if m.Nach == "" { // the declined admission is gone
				changes[i] = s.zuteilungChange(sj, m.AnmeldungID, kinder[m.AnmeldungID], m.Von)
				changes[i].Operation = changefeed.Delete
				continue
			}
			changes[i] = s.zuteilungChange(sj, m.AnmeldungID, kinder[m.AnmeldungID], m.Nach)
			neu = append(neu, platz{m.AnmeldungID, m.Nach})
		}
		if err := RecordChanges(ctx, tx, changes...); err != nil {
			return err
		}
		if err := s.zuruecknehmen(ctx, tx, id, weg); err != nil {
			return err
		}
		return s.aufnehmen(ctx, tx, sj, id, a.ErfasstVon, neu)
	})
	var pgErr *pgconn.PgError
	if konflikt || errors.As(err, &pgErr) && pgErr.Code == "23505" {
		return a, apperr.Conflict("Zu diesem Lauf wurde gleichzeitig eine andere Absage oder Platzänderung erfasst. Bitte den Stand neu laden und die Änderung erneut senden.")
	}
	return a, storeErr("record change of places", err)
}

func nullIfZero(n int) any {
	if n == 0 {
		return nil
	}
	return n
}

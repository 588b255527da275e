package postgres

import (
	"context"
	"fmt"
	"time"

	"github.com/jackc/pgx/v5"

	"github.com/schulgateway/schulgateway/internal/changefeed"
	"github.com/schulgateway/schulgateway/internal/schulwechsel"
	"github.com/schulgateway/schulgateway/internal/uebergang"
	"github.com/schulgateway/schulgateway/internal/werte"
)

// WithAufnahmen makes every admission of a confirmed run (and every later
// one from a waiting list) a Schulwechsel admission at the receiving
// school, written in the same transaction; encode writes the message as it
// is kept (xschule.Encode: the store imports no other adapter). Without it
// (tools, tests of other parts) no Schulwechsel is written.
func (s *UebergangStore) WithAufnahmen(encode func(*schulwechsel.Schulwechsel) ([]byte, error)) *UebergangStore {
	s.encode = encode
	return s
}

// platz is an application's place at a school.
type platz struct{ anmeldung, schule string }

// aufnehmen records the Schulwechsel admission of each place of run laufID
// not recorded yet (confirming again, or a move recorded twice, creates
// none), closes the open departures each closes as any admission does, and
// feeds each as a schulwechsel upsert (no key: the BMS reads the record).
// A child no longer in the register cannot be named and gets none.
func (s *UebergangStore) aufnehmen(ctx context.Context, tx pgx.Tx, sj werte.Schuljahr, laufID, wer string, plaetze []platz) error {
	if s.encode == nil || len(plaetze) == 0 {
		return nil
	}
	// One writer of changes of school at a time (SchulwechselStore.Create):
	// a departure and the admission that closes it see each other.
	if _, err := tx.Exec(ctx, "SELECT pg_advisory_xact_lock($1)", schulwechselLockID); err != nil {
		return err
	}
	anm, schulen := make([]string, len(plaetze)), make([]string, len(plaetze))
	for i, p := range plaetze {
		anm[i], schulen[i] = p.anmeldung, p.schule
	}
	rows, err := tx.Query(ctx, `
		SELECT p.anmeldung_id::text, p.schulnummer, a.grundschule, k.familienname, k.vornamen, k.geburtsdatum, coalesce(k.geschlecht, ''),
			k.strasse, k.hausnummer, coalesce(k.plz, ''), coalesce(k.ort, ''), k.auskunftssperre
		FROM unnest($2::uuid[], $3::text[]) AS p(anmeldung_id, schulnummer)
		JOIN uebergang_anmeldungen a ON a.id = p.anmeldung_id
		JOIN kinder k ON k.schluessel = a.kind
		WHERE NOT EXISTS (SELECT 1 FROM uebergang_aufnahmen u WHERE u.lauf_id = $1 AND u.anmeldung_id = p.anmeldung_id AND u.schulnummer = p.schulnummer)
		ORDER BY p.schulnummer, p.anmeldung_id`, laufID, anm, schulen)
	if err != nil {
		return err
	}
	var neu []platz
	var nachrichten [][]byte
	var personen []string
	var p platz
	var k uebergang.AufnahmeKind
	if _, err := pgx.ForEachRow(rows, []any{&p.anmeldung, &p.schule, &k.Grundschule, &k.Familienname, &k.Vornamen, &k.Geburtsdatum, &k.Geschlecht,
		&k.Strasse, &k.Hausnummer, &k.PLZ, &k.Ort, &k.Auskunftssperre}, func() error {
		k.Schulnummer = p.schule
		msg, err := s.encode(uebergang.Aufnahme(sj, k))
		if err != nil {
			// The model is built by the gateway from the register: a fault of the gateway.
			return fmt.Errorf("encode Übergang admission of application %s: %v", p.anmeldung, err)
		}
		neu, nachrichten = append(neu, p), append(nachrichten, msg)
		personen = append(personen, schulwechsel.Personenschluessel(k.Familienname, k.Vornamen, k.Geburtsdatum))
		return nil
	}); err != nil {
		return err
	}
	if len(neu) == 0 {
		return nil
	}
	rows, err = tx.Query(ctx, `SELECT gen_random_uuid()::text FROM generate_series(1, $1)`, len(neu))
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil {
		return err
	}
	anm, schulen = make([]string, len(neu)), make([]string, len(neu))
	for i, p := range neu {
		anm[i], schulen[i] = p.anmeldung, p.schule
	}
	aufnahmedatum := time.Date(sj.StartYear(), time.August, 1, 0, 0, 0, 0, time.UTC)
	if _, err := tx.Exec(ctx, `
		INSERT INTO schulwechsel (id, format, nachricht, bewegung, personenschluessel, aufnahmedatum, created_by)
		SELECT id, 'xml', nachricht, 'uebergang', person, $4, $5 FROM unnest($1::uuid[], $2::bytea[], $3::text[]) AS t(id, nachricht, person)`,
		ids, nachrichten, personen, aufnahmedatum, wer); err != nil {
		return err
	}
	if _, err := tx.Exec(ctx, `
		INSERT INTO uebergang_aufnahmen (lauf_id, anmeldung_id, schulnummer, schulwechsel_id)
		SELECT $1, anmeldung_id, schulnummer, id FROM unnest($2::uuid[], $3::text[], $4::uuid[]) AS t(anmeldung_id, schulnummer, id)`,
		laufID, anm, schulen, ids); err != nil {
		return err
	}
	// As every admission: it closes the child's open departures that began on or before it.
	if _, err := tx.Exec(ctx, `
		UPDATE offene_abgaenge o SET geschlossen_durch = t.id, geschlossen_am = now()
		FROM unnest($1::uuid[], $2::text[]) AS t(id, person)
		WHERE o.geschlossen_durch IS NULL AND o.abgangsdatum <= $3 AND o.personenschluessel = t.person`, ids, personen, aufnahmedatum); err != nil {
		return err
	}
	return RecordChanges(ctx, tx, schulwechselChanges(ids)...)
}

// zuruecknehmen withdraws the Schulwechsel admissions of the places (a
// decline, or a child moving up from its place): the record stays, marked
// withdrawn, the open departures it closed are open again, and the BMS is
// told the record changed.
func (s *UebergangStore) zuruecknehmen(ctx context.Context, tx pgx.Tx, laufID string, plaetze []platz) error {
	if len(plaetze) == 0 {
		return nil
	}
	anm, schulen := make([]string, len(plaetze)), make([]string, len(plaetze))
	for i, p := range plaetze {
		anm[i], schulen[i] = p.anmeldung, p.schule
	}
	rows, err := tx.Query(ctx, `
		UPDATE schulwechsel w SET zurueckgenommen_am = now()
		FROM uebergang_aufnahmen u, unnest($2::uuid[], $3::text[]) AS p(anmeldung_id, schulnummer)
		WHERE u.lauf_id = $1 AND u.anmeldung_id = p.anmeldung_id AND u.schulnummer = p.schulnummer
			AND w.id = u.schulwechsel_id AND w.zurueckgenommen_am IS NULL
		RETURNING w.id::text`, laufID, anm, schulen)
	if err != nil {
		return err
	}
	ids, err := pgx.CollectRows(rows, pgx.RowTo[string])
	if err != nil || len(ids) == 0 {
		return err
	}
	if _, err := tx.Exec(ctx, `UPDATE offene_abgaenge SET geschlossen_durch = NULL, geschlossen_am = NULL WHERE geschlossen_durch = ANY($1::uuid[])`, ids); err != nil {
		return err
	}
	return RecordChanges(ctx, tx, schulwechselChanges(ids)...)
}

func schulwechselChanges(ids []string) []changefeed.Change {
	out := make([]changefeed.Change, len(ids))
	for i, id := range ids {
		out[i] = changefeed.Change{Entity: changefeed.EntitySchulwechsel, ID: id, Operation: changefeed.Upsert}
	}
	return out
}

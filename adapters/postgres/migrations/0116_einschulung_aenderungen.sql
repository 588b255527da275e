-- The gateway keeps the computed Einschulung cohort of a school year in
-- memory (internal/einschulung, the children list). It must never answer
-- from a cohort older than what the request could see, so every
-- transaction that changes what the cohort is computed from leaves its id
-- here: the register (kinder, every column the cohort reads), the
-- Meldungen, the street directory and the schools. (The Stichtag and the
-- pseudonym key are the instance's configuration: a change of either is a
-- new process with an empty cache.)
--
-- A cached cohort remembers the snapshot it was read in (pg_current_snapshot);
-- it is still exact while no transaction listed here is invisible in that
-- snapshot and committed now (EinschulungStore.Unveraendert). One row per
-- writing transaction, not a counter: a counter row would make every writer
-- of these tables wait for every other one until it commits (a Meldung for
-- the length of a register import) and let two writers of kinder rows
-- deadlock on it.
CREATE TABLE einschulung_aenderungen (xid xid8 PRIMARY KEY);

-- horizont: ids below it may have been pruned; a snapshot whose xmin is
-- below it cannot be checked and its cohort is computed anew.
CREATE TABLE einschulung_stand (
    eins     boolean PRIMARY KEY DEFAULT true CHECK (eins),
    horizont xid8 NOT NULL DEFAULT '0'
);
INSERT INTO einschulung_stand DEFAULT VALUES;

CREATE FUNCTION einschulung_geaendert() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO einschulung_aenderungen VALUES (pg_current_xact_id()) ON CONFLICT DO NOTHING;
    RETURN NULL;
END $$;

-- Once per statement. kinder.pseudonym (filled by the gateway), the import
-- provenance and updated_at do not change the cohort; every other column
-- does (a test checks each column of the table against this list).
CREATE TRIGGER kinder_einschulung AFTER INSERT OR DELETE OR TRUNCATE ON kinder
    FOR EACH STATEMENT EXECUTE FUNCTION einschulung_geaendert();
CREATE TRIGGER kinder_einschulung_update AFTER UPDATE OF schluessel, ordnungsmerkmal, familienname, vornamen, rufname,
    geburtsdatum, geschlecht, strasse, hausnummer, plz, ort, ortsteil, auskunftssperre, zuzug, wegzug, sorgeberechtigte, status
    ON kinder FOR EACH STATEMENT EXECUTE FUNCTION einschulung_geaendert();
CREATE TRIGGER einschulung_meldungen_einschulung AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON einschulung_meldungen
    FOR EACH STATEMENT EXECUTE FUNCTION einschulung_geaendert();
CREATE TRIGGER bezirksregeln_einschulung AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bezirksregeln
    FOR EACH STATEMENT EXECUTE FUNCTION einschulung_geaendert();
CREATE TRIGGER schulen_einschulung AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON schulen
    FOR EACH STATEMENT EXECUTE FUNCTION einschulung_geaendert();

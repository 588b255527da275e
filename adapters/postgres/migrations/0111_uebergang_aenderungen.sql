-- After a run is confirmed, places change by a family's decline or by the
-- school office raising a school's places (issue #20 point 5). Both move
-- the waiting lists the same way, and the current state is the run's
-- result with these changes replayed in the one order they were recorded
-- in: so they are one table, uebergang_absagen becomes uebergang_aenderungen
-- with a kind (art). A decline names its application; a change of places
-- its school and the places before and after.
ALTER TABLE uebergang_absagen RENAME TO uebergang_aenderungen;
ALTER TABLE uebergang_aenderungen
    ADD COLUMN art text NOT NULL DEFAULT 'absage',
    ADD COLUMN schulnummer text,
    ADD COLUMN plaetze_vorher integer,
    ADD COLUMN plaetze integer CHECK (plaetze BETWEEN 0 AND 2000),
    ALTER COLUMN anmeldung_id DROP NOT NULL,
    ADD CONSTRAINT uebergang_aenderungen_art CHECK (
        art = 'absage' AND anmeldung_id IS NOT NULL AND schulnummer IS NULL AND plaetze IS NULL
        OR art = 'plaetze' AND anmeldung_id IS NULL AND schulnummer IS NOT NULL AND plaetze IS NOT NULL);
ALTER TABLE uebergang_aenderungen ALTER COLUMN art DROP DEFAULT;
CREATE INDEX uebergang_aenderungen_lauf ON uebergang_aenderungen (lauf_id, id);

-- Step 0 of a decline is the decline itself (nach_schule null); a change of
-- places has only moves up.
ALTER TABLE uebergang_nachrueckungen RENAME COLUMN absage_id TO aenderung_id;

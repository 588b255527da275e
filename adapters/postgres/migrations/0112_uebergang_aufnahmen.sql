-- An admission of a confirmed Übergang run is also a Schulwechsel admission
-- at the receiving school (issue #20 point 5), so that the BMS finds it
-- where it finds every other admission (GET /v1/schulwechsel, the change
-- feed's entity schulwechsel). Its movement is 'uebergang'.
ALTER TABLE schulwechsel DROP CONSTRAINT schulwechsel_bewegung_check;
ALTER TABLE schulwechsel ADD CONSTRAINT schulwechsel_bewegung_check
    CHECK (bewegung IN ('innerhalb', 'zuzug', 'wegzug', 'ausserhalb', 'abgang', 'uebergang'));

-- A change of school had no way to be withdrawn. An Übergang admission is
-- withdrawn when the family declines the place or the child moves up to
-- an earlier wish: the record stays (evidence, and what the BMS saw), marked.
ALTER TABLE schulwechsel ADD COLUMN zurueckgenommen_am timestamptz;

-- Which Schulwechsel admits which application of which run at which school:
-- one per (run, application, school), so confirming or recording again
-- cannot create a second.
CREATE TABLE uebergang_aufnahmen (
    lauf_id         uuid NOT NULL REFERENCES uebergang_laeufe (id) ON DELETE CASCADE,
    anmeldung_id    uuid NOT NULL,
    schulnummer     text NOT NULL,
    schulwechsel_id uuid NOT NULL UNIQUE REFERENCES schulwechsel (id),
    PRIMARY KEY (lauf_id, anmeldung_id, schulnummer)
);

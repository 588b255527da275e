-- Schulbescheinigungen (XSchule 1.2 schueler.schulbescheinigung.0004, issue
-- #19): schools outside the city confirm that a child attends them. The
-- message is kept as received; name, birth date, sex, address and school are copied out
-- for the Schulpflicht reconciliation, which counts a certificate whose
-- validity (gueltig_von .. gueltig_bis, decided by the domain:
-- schulbescheinigung.Gueltigkeit) covers the Stichtag as attendance
-- (source 'schulbescheinigung').
CREATE TABLE schulbescheinigungen (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    format       text NOT NULL CHECK (format IN ('json', 'xml')),
    nachricht    bytea NOT NULL,
    ref          bigint GENERATED ALWAYS AS IDENTITY UNIQUE,  -- pupil_ref of the reconciliation
    familienname text NOT NULL,
    vornamen     text NOT NULL,
    geburtsdatum date NOT NULL,
    geschlecht   text NOT NULL DEFAULT '',   -- m, w, d, x or ''
    strasse      text NOT NULL DEFAULT '',   -- the pupil's first address in the message, for matching
    hausnummer   text NOT NULL DEFAULT '',
    plz          text NOT NULL DEFAULT '',
    schulname    text NOT NULL,
    gueltig_von  date,            -- NULL: from any day
    gueltig_bis  date NOT NULL,
    created_by   text NOT NULL,
    created_at   timestamptz NOT NULL DEFAULT now(),
    CHECK (gueltig_von IS NULL OR gueltig_von <= gueltig_bis)
);
CREATE INDEX schulbescheinigungen_created_at ON schulbescheinigungen (created_at, id);

ALTER TABLE abgleich_zuordnungen DROP CONSTRAINT abgleich_zuordnungen_quelle_check;
ALTER TABLE abgleich_zuordnungen ADD CONSTRAINT abgleich_zuordnungen_quelle_check
    CHECK (quelle IN ('schueler', 'bestaetigung', 'aufnahme', 'schulbescheinigung'));
ALTER TABLE schulpflicht_urteile DROP CONSTRAINT schulpflicht_urteile_quelle_check;
ALTER TABLE schulpflicht_urteile ADD CONSTRAINT schulpflicht_urteile_quelle_check
    CHECK (quelle IN ('schueler', 'bestaetigung', 'aufnahme', 'schulbescheinigung'));

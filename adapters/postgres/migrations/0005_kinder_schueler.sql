-- Every stored record knows the natural key it is matched by
-- (schluessel) and the import, sheet and row it came from (import_id and
-- friends: the last import that wrote it; created_by_import: the import
-- that created it, for undo). No foreign keys on these: a per-row check
-- against imports would double the cost of a bulk import, and imports are
-- never deleted while records point at them.
ALTER TABLE schulen
    ADD COLUMN import_id uuid,
    ADD COLUMN created_by_import uuid,
    ADD COLUMN import_sheet text,
    ADD COLUMN import_row integer;

ALTER TABLE bezirksregeln
    ADD COLUMN schluessel text,
    ADD COLUMN import_id uuid,
    ADD COLUMN created_by_import uuid,
    ADD COLUMN import_sheet text,
    ADD COLUMN import_row integer,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
-- Rules stored before keys existed get a key of their own: an uploaded
-- directory never matches them and, being the whole Satzung, replaces them.
UPDATE bezirksregeln SET schluessel = 'id:' || id WHERE schluessel IS NULL;
ALTER TABLE bezirksregeln ALTER COLUMN schluessel SET NOT NULL;
CREATE UNIQUE INDEX bezirksregeln_schluessel ON bezirksregeln (schluessel);

-- Resident children from the Melderegister (the city's source of truth for
-- who must go to school). A child missing from a newer snapshot is marked
-- weggezogen, never deleted.
CREATE TABLE kinder (
    id               bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schluessel       text NOT NULL UNIQUE,  -- om:<Ordnungsmerkmal> or p:<name|vornamen|geburtsdatum>
    ordnungsmerkmal  text,
    familienname     text NOT NULL,
    vornamen         text NOT NULL,
    rufname          text,
    geburtsdatum     date NOT NULL,
    geschlecht       text,
    strasse          text NOT NULL,
    hausnummer       text NOT NULL,
    plz              text,
    ort              text,
    ortsteil         text,
    auskunftssperre  boolean NOT NULL DEFAULT false,
    zuzug            date,
    wegzug           date,
    sorgeberechtigte text,
    status           text NOT NULL DEFAULT 'gemeldet' CHECK (status IN ('gemeldet', 'weggezogen')),
    import_id        uuid,
    created_by_import uuid,
    import_sheet     text,
    import_row       integer,
    updated_at       timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX kinder_geburtsdatum ON kinder (geburtsdatum);

-- Pupils as school lists report them. A pupil missing from a newer list of
-- the same school is marked abgegangen, never deleted.
CREATE TABLE schueler (
    id              bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schluessel      text NOT NULL UNIQUE,   -- <schulnummer>/sn:<Schülernummer> or <schulnummer>/p:<...>
    schulnummer     text NOT NULL,
    schuelernummer  text,
    familienname    text NOT NULL,
    vornamen        text NOT NULL,
    geburtsdatum    date NOT NULL,
    geschlecht      text,
    jahrgangsstufe  integer NOT NULL CHECK (jahrgangsstufe BETWEEN 1 AND 13),
    klasse          text,
    eintrittsdatum  date,
    strasse         text,
    hausnummer      text,
    plz             text,
    ort             text,
    status          text NOT NULL DEFAULT 'aktiv' CHECK (status IN ('aktiv', 'abgegangen')),
    import_id       uuid,
    created_by_import uuid,
    import_sheet    text,
    import_row      integer,
    updated_at      timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schueler_schulnummer ON schueler (schulnummer);

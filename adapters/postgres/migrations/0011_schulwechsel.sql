-- Changes of school (Schulwechsel) as received: the message unchanged
-- (the gateway's JSON or an XSchule 1.2 schueler.wechsel.0001), who sent
-- it, and what it meant for the city's pupil records (bewegung). The pupil
-- keys and the day of admission let a later deregistration find an
-- admission that already closes it.
CREATE TABLE schulwechsel (
    id                 uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    format             text NOT NULL CHECK (format IN ('json', 'xml')),
    nachricht          bytea NOT NULL,
    bewegung           text NOT NULL CHECK (bewegung IN ('innerhalb', 'zuzug', 'wegzug', 'ausserhalb', 'abgang')),
    schuelernummer     text,
    personenschluessel text NOT NULL,   -- p:<familienname|vornamen|geburtsdatum>, folded as the Melderegister's key
    aufnahmedatum      date,            -- NULL for a deregistration without admission
    created_by         text NOT NULL,
    created_at         timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX schulwechsel_created_at ON schulwechsel (created_at, id);
CREATE INDEX schulwechsel_personenschluessel ON schulwechsel (personenschluessel) WHERE aufnahmedatum IS NOT NULL;
CREATE INDEX schulwechsel_schuelernummer ON schulwechsel (schuelernummer) WHERE aufnahmedatum IS NOT NULL AND schuelernummer IS NOT NULL;

-- Pupils deregistered at a school and admitted nowhere (yet). An admission
-- of the same pupil (same Schülernummer or same person key) on or after the
-- day of leaving closes one. An open one past its frist is a Schulpflicht
-- matter (§§ 36 ff. SchulG LSA).
CREATE TABLE offene_abgaenge (
    schulwechsel_id    uuid PRIMARY KEY REFERENCES schulwechsel (id),
    schuelernummer     text,
    personenschluessel text NOT NULL,
    familienname       text NOT NULL,
    vornamen           text NOT NULL,
    geburtsdatum       date NOT NULL,
    schule             text NOT NULL,   -- Schulnummer of the city's school, else the message's identifier or name
    abgangsdatum       date NOT NULL,
    frist              date NOT NULL,   -- abgangsdatum + the configured days (default 14)
    geschlossen_durch  uuid REFERENCES schulwechsel (id),
    geschlossen_am     timestamptz
);
CREATE INDEX offene_abgaenge_frist ON offene_abgaenge (frist) WHERE geschlossen_durch IS NULL;
CREATE INDEX offene_abgaenge_personenschluessel ON offene_abgaenge (personenschluessel) WHERE geschlossen_durch IS NULL;
CREATE INDEX offene_abgaenge_schuelernummer ON offene_abgaenge (schuelernummer) WHERE geschlossen_durch IS NULL AND schuelernummer IS NOT NULL;

-- A Schulwechsel may admit a pupil to a grade without a number
-- (Einführungsphase, übergreifende Klasse, …; XSchule code list
-- Jahrgangsstufe): the pupil is recorded at the school with the grade unknown.
ALTER TABLE schueler ALTER COLUMN jahrgangsstufe DROP NOT NULL;

-- The first answer to each Idempotency-Key, per caller. The key is claimed
-- (inserted) in the transaction that makes the write and the answer is
-- filled in before it commits, so a committed row is always complete, and
-- a concurrent retry waits on the primary key and then replays the answer.
CREATE TABLE idempotency_keys (
    subject      text NOT NULL,
    key          text NOT NULL,
    request_hash bytea NOT NULL,        -- SHA-256 of method, path and body
    status       integer,
    location     text,
    body         bytea,
    created_at   timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (subject, key)
);

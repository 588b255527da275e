-- Übergang in Schuljahrgang 5 (issue #20): applications with up to three
-- wishes, places per school and school year, and allocation runs with
-- their inputs and results, so that a run can be replayed from its seed.

-- Places set by the school office; without a row a school's places are
-- Züge × Klassenfrequenz from the school's data.
CREATE TABLE uebergang_kapazitaeten (
    schuljahr    integer NOT NULL,  -- first year of the Schuljahr (2027 = 2027/28)
    schulnummer  text NOT NULL REFERENCES schulen (schulnummer) ON DELETE CASCADE,
    plaetze      integer NOT NULL CHECK (plaetze BETWEEN 0 AND 2000),
    geaendert_am timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schuljahr, schulnummer)
);

-- One application per child and school year; a new one replaces it.
CREATE TABLE uebergang_anmeldungen (
    id           uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    schuljahr    integer NOT NULL,
    -- kinder.schluessel. No foreign key: undoing a register import must
    -- not take the applications with it (as einschulung_meldungen).
    kind         text NOT NULL,
    grundschule  text NOT NULL DEFAULT '',
    wuensche     text[] NOT NULL CHECK (cardinality(wuensche) BETWEEN 1 AND 3),
    haertefall   boolean NOT NULL DEFAULT false,
    geschwister  text[] NOT NULL DEFAULT '{}',
    erstellt_am  timestamptz NOT NULL DEFAULT now(),
    geaendert_am timestamptz NOT NULL DEFAULT now(),
    UNIQUE (schuljahr, kind)
);
CREATE INDEX uebergang_anmeldungen_schuljahr ON uebergang_anmeldungen (schuljahr, id);

CREATE TABLE uebergang_laeufe (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    schuljahr   integer NOT NULL,
    verfahren   text NOT NULL CHECK (verfahren IN ('erstwunsch', 'deferred_acceptance')),
    seed        text NOT NULL CHECK (seed ~ '^[0-9a-f]{64}$'),
    kriterien   text[] NOT NULL,
    status      text NOT NULL DEFAULT 'berechnet',
    plaetze     jsonb NOT NULL,  -- Schulnummer → places, as the run used them
    erstellt_am timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX uebergang_laeufe_schuljahr ON uebergang_laeufe (schuljahr, erstellt_am);

-- Per application of a run: its input as the run saw it and its result.
-- The application itself may change later; the run keeps what it used.
CREATE TABLE uebergang_zuteilungen (
    lauf_id      uuid NOT NULL REFERENCES uebergang_laeufe (id) ON DELETE CASCADE,
    anmeldung_id uuid NOT NULL,
    wuensche     text[] NOT NULL,
    haertefall   boolean NOT NULL,
    geschwister  text[] NOT NULL,
    schulnummer  text,     -- null: no place
    wunsch       integer CHECK (wunsch BETWEEN 1 AND 3),
    losnummer    integer NOT NULL,
    warteliste   jsonb NOT NULL DEFAULT '{}',  -- Schulnummer → rank
    PRIMARY KEY (lauf_id, anmeldung_id)
);

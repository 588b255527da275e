-- Schulpflicht (§§ 36–41, 84 SchulG LSA): reconciliations of the register
-- with the pupils known to the city, the reviewers' verdicts, and the cases
-- of children found at no school.

-- Schulbesuchsbestätigungen: confirmations that a resident child attends a
-- school outside the city. A new import kind; a list adds and updates
-- confirmations and removes none (each school sends its own).
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check
    CHECK (kind IN ('schulen', 'schulbezirke', 'melderegister', 'schueler', 'bestaetigungen'));

CREATE TABLE bestaetigungen (
    id                bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    schluessel        text NOT NULL UNIQUE,  -- <schule>/sn:<Schülernummer> or <schule>/p:<name|vornamen|geburtsdatum>
    familienname      text NOT NULL,
    vornamen          text NOT NULL,
    geburtsdatum      date NOT NULL,
    schulname         text,
    schulnummer       text,
    ort               text,
    schuelernummer    text,
    import_id         uuid,
    created_by_import uuid,
    import_sheet      text,
    import_row        integer,
    updated_at        timestamptz NOT NULL DEFAULT now()
);

-- A reconciliation for a reference date. The table is its job queue, as
-- imports is for uploads: claimed with FOR UPDATE SKIP LOCKED, leased while
-- a worker runs it, taken up again when the lease runs out.
CREATE TABLE abgleiche (
    id          uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    stichtag    date NOT NULL,
    status      text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed')),
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    started_at  timestamptz,
    finished_at timestamptz,
    lease_until timestamptz,
    attempts    integer NOT NULL DEFAULT 0,
    residents   integer NOT NULL DEFAULT 0,  -- of full-time compulsory age on the stichtag
    auto        integer NOT NULL DEFAULT 0,
    review      integer NOT NULL DEFAULT 0,
    keine       integer NOT NULL DEFAULT 0,
    detail      text NOT NULL DEFAULT ''
);
CREATE INDEX abgleiche_queue ON abgleiche (created_at) WHERE status IN ('queued', 'running');

-- One row per resident of a reconciliation: what the matcher decided.
-- The pupil is named by source and id (schueler.id, bestaetigungen.id, or
-- for an admission the BMS reported for the school year, kinder.id);
-- school and pupil number are kept as the run saw them.
CREATE TABLE abgleich_zuordnungen (
    abgleich_id      uuid NOT NULL REFERENCES abgleiche (id) ON DELETE CASCADE,
    kind_id          bigint NOT NULL,   -- kinder.id
    entscheidung     text NOT NULL CHECK (entscheidung IN ('auto', 'review', 'none')),
    quelle           text CHECK (quelle IN ('schueler', 'bestaetigung', 'aufnahme')),
    pupil_ref        bigint,
    schulnummer      text,
    schuelernummer   text,
    score            double precision NOT NULL,
    uebereinstimmend text[] NOT NULL DEFAULT '{}',
    begruendung      text NOT NULL DEFAULT '',
    PRIMARY KEY (abgleich_id, kind_id)
);
CREATE INDEX abgleich_zuordnungen_entscheidung ON abgleich_zuordnungen (abgleich_id, entscheidung, kind_id);

-- Reviewers' verdicts on a proposed pair, applied in every later run.
CREATE TABLE schulpflicht_urteile (
    kind_id     bigint NOT NULL,
    quelle      text NOT NULL CHECK (quelle IN ('schueler', 'bestaetigung', 'aufnahme')),
    pupil_ref   bigint NOT NULL,
    bestaetigt  boolean NOT NULL,
    created_by  text NOT NULL,
    created_at  timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind_id, quelle, pupil_ref)
);

-- Cases: a resident child of compulsory age found at no school. At most one
-- case per child that is not erledigt; a later run links to it instead of
-- opening another, and closes none by itself (letzte_entscheidung shows
-- what the latest run found).
CREATE TABLE faelle (
    id                  bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    kind_id             bigint NOT NULL,
    status              text NOT NULL DEFAULT 'offen' CHECK (status IN ('offen', 'in_klaerung', 'erledigt')),
    grund               text CHECK (grund IN ('weggezogen', 'schule_ausserhalb', 'zurueckgestellt', 'befreit', 'ordnungswidrigkeit_eingeleitet')),
    bemerkung           text NOT NULL DEFAULT '',
    abgleich_id         uuid NOT NULL,   -- the run that opened it
    letzter_abgleich_id uuid NOT NULL,   -- the latest run that saw the child
    letzte_entscheidung text NOT NULL CHECK (letzte_entscheidung IN ('auto', 'review', 'none')),
    created_at          timestamptz NOT NULL DEFAULT now(),
    updated_at          timestamptz NOT NULL DEFAULT now(),
    CHECK ((status = 'erledigt') = (grund IS NOT NULL))
);
CREATE UNIQUE INDEX faelle_ein_offener_je_kind ON faelle (kind_id) WHERE status <> 'erledigt';
CREATE INDEX faelle_status ON faelle (status, id);

-- Every change of a case: who (the token's subject), when, from → to.
CREATE TABLE fall_historie (
    id         bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    fall_id    bigint NOT NULL REFERENCES faelle (id),
    wer        text NOT NULL,
    wann       timestamptz NOT NULL DEFAULT now(),
    von_status text,             -- NULL: the case was opened
    zu_status  text NOT NULL,
    von_grund  text,
    zu_grund   text,
    bemerkung  text               -- the new remark, if it changed
);
CREATE INDEX fall_historie_fall ON fall_historie (fall_id, id);

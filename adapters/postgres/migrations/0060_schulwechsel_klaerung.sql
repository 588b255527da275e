-- One pupil, one place (issue 15). A change of school remembers what
-- identifies its content (inhalt: SHA-256 of the decoded message), so that
-- the same message sent again on the same day without Idempotency-Key is
-- answered with the first; the notes on what the gateway normalised
-- (hinweise: codes of another code-list version taken in canonical form,
-- then nachricht holds the canonical message and nachricht_eingang the one
-- received).
ALTER TABLE schulwechsel
    ADD COLUMN inhalt bytea,
    ADD COLUMN hinweise jsonb,
    ADD COLUMN nachricht_eingang bytea;
CREATE INDEX schulwechsel_wiederholung ON schulwechsel (personenschluessel, inhalt, created_at) WHERE inhalt IS NOT NULL;

-- Open questions for the school office: a change of school stored but not
-- applied to the pupil records, because the pupil is not found at the
-- city's school it is said to leave.
CREATE TABLE schulwechsel_klaerungen (
    schulwechsel_id uuid PRIMARY KEY REFERENCES schulwechsel (id),
    grund           text NOT NULL CHECK (grund IN ('schueler_unbekannt')),
    schule          text NOT NULL,   -- Schulnummer of the city's school the pupil is not known at
    aufnehmende     text,            -- Schulnummer of the city's admitting school, if any
    familienname    text NOT NULL,
    vornamen        text NOT NULL,
    geburtsdatum    date NOT NULL,
    created_at      timestamptz NOT NULL DEFAULT now(),
    erledigt_am     timestamptz
);
CREATE INDEX schulwechsel_klaerungen_offen ON schulwechsel_klaerungen (created_at) WHERE erledigt_am IS NULL;


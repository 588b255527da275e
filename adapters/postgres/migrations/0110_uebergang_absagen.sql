-- Declines of admitted places in a confirmed Übergang run and the moves
-- down the waiting lists they caused (issue #20 point 5). The run's own
-- result stays as computed (it can be replayed from its seed); the current
-- state is that result with these declines replayed in order (id).
CREATE TABLE uebergang_absagen (
    id           bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    lauf_id      uuid NOT NULL REFERENCES uebergang_laeufe (id) ON DELETE CASCADE,
    anmeldung_id uuid NOT NULL,
    erfasst_am   timestamptz NOT NULL DEFAULT now(),
    erfasst_von  text NOT NULL,  -- the token's subject
    UNIQUE (lauf_id, anmeldung_id)
);

-- Every change of a place a decline caused, in order: step 0 is the
-- decline itself (nach_schule null), then each child moving up.
CREATE TABLE uebergang_nachrueckungen (
    absage_id    bigint NOT NULL REFERENCES uebergang_absagen (id) ON DELETE CASCADE,
    schritt      integer NOT NULL,
    anmeldung_id uuid NOT NULL,
    von_schule   text,     -- null: the child had no place
    nach_schule  text,     -- null: the declined place
    wunsch       integer CHECK (wunsch BETWEEN 1 AND 3),
    PRIMARY KEY (absage_id, schritt)
);
CREATE INDEX uebergang_nachrueckungen_anmeldung ON uebergang_nachrueckungen (anmeldung_id);

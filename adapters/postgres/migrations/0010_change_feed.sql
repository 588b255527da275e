-- The change feed the BMS polls (GET /v1/changes). Writers insert an entry
-- without a position inside their own transaction; change_feed_assign, run
-- by readers, numbers committed entries one serialised step at a time, so
-- positions become visible in increasing order and a cursor never skips one.
-- The argument is in internal/changefeed (package doc).
CREATE TABLE change_feed (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- insertion order
    position    bigint,                                           -- NULL until sequenced
    recorded_at timestamptz NOT NULL DEFAULT now(),
    entity      text NOT NULL CHECK (entity ~ '^[a-z][a-z0-9_]{0,62}$'),
    entity_id   text NOT NULL CHECK (entity_id <> ''),
    operation   text NOT NULL CHECK (operation IN ('upsert', 'delete')),
    natural_key jsonb CHECK (natural_key IS NULL OR jsonb_typeof(natural_key) = 'object'),
    CHECK (operation <> 'delete' OR natural_key IS NOT NULL) -- a tombstone names what is gone
);
CREATE UNIQUE INDEX change_feed_position ON change_feed (position) WHERE position IS NOT NULL;
CREATE INDEX change_feed_pending ON change_feed (id) WHERE position IS NULL;

-- One row: the last position given out, and the last one pruned (every
-- position up to pruned_through is gone; a cursor before it has expired).
CREATE TABLE change_feed_head (
    singleton      boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_position  bigint NOT NULL DEFAULT 0,
    pruned_through bigint NOT NULL DEFAULT 0
);
INSERT INTO change_feed_head DEFAULT VALUES;

-- The sequencer step. Call it alone, in its own READ COMMITTED transaction
-- (autocommit): the UPDATE must get a snapshot taken after the lock, and
-- the positions must be committed before anyone reads them. Returns how
-- many entries it numbered (at most batch).
CREATE FUNCTION change_feed_assign(batch integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ids  bigint[];
    base bigint;
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'change_feed_assign needs READ COMMITTED, not %', current_setting('transaction_isolation');
    END IF;
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION 'change_feed_assign must run in a transaction of its own';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM change_feed WHERE position IS NULL) THEN
        RETURN 0;
    END IF;
    -- 0x7367636866656564 = "sgchfeed"; held until this transaction ends.
    -- Every statement below gets a snapshot taken after it.
    PERFORM pg_advisory_xact_lock(8315724537008579940);
    SELECT array_agg(id ORDER BY id) INTO ids
    FROM (SELECT id FROM change_feed WHERE position IS NULL ORDER BY id LIMIT batch) pending;
    IF ids IS NULL THEN
        RETURN 0; -- a step that ran while we waited numbered them
    END IF;
    UPDATE change_feed_head SET last_position = last_position + cardinality(ids)
    RETURNING last_position - cardinality(ids) INTO base;
    -- "id = ANY" lets the planner find the rows through the primary key
    -- whatever it guesses about the join, so a step costs the same in a
    -- feed of a thousand entries as in one of millions.
    UPDATE change_feed f SET position = base + p.n
    FROM unnest(ids) WITH ORDINALITY AS p(id, n)
    WHERE f.id = p.id AND f.id = ANY (ids);
    RETURN cardinality(ids);
END
$$;

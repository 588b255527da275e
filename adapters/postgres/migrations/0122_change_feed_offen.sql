-- The sequencer finds the entries waiting for a position through a queue
-- of the ranges their statements wrote, no longer through the partial
-- index change_feed_pending: that index took an insert per entry, and a
-- million-row register import writes a million entries – without it the
-- import's PostgreSQL work fell by 0.6–1.1 s (docs/performance.md,
-- session 16). The argument of 0010 (internal/changefeed) is unchanged:
-- a step numbers committed entries without a position, lowest id first,
-- under the lock; only the way it finds them is new.
--
-- Each statement that inserts entries queues one row: the lowest and the
-- highest id it wrote. The row commits or rolls back with its entries, so
-- every committed entry without a position lies in the range of a queue
-- row the step can see. A range may also hold ids of other writers'
-- entries (ids are drawn concurrently): numbering such an entry through
-- it is as right as through its own row, because the step numbers only
-- what it can see, and an entry of a writer still in progress is not
-- visible; that writer's own row finds it later.
CREATE TABLE change_feed_offen (
    von bigint NOT NULL, -- the lowest id not known to be numbered
    bis bigint NOT NULL  -- the statement's highest id
);
CREATE INDEX change_feed_offen_von ON change_feed_offen (von);

CREATE FUNCTION change_feed_einreihen() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO change_feed_offen (von, bis) SELECT min(id), max(id) FROM neu HAVING count(*) > 0;
    RETURN NULL;
END $$;
-- Taking the trigger's lock waits for writers in progress; from here on
-- every insert queues its range, and the entries waiting now are queued
-- below, in the same transaction.
CREATE TRIGGER change_feed_einreihen AFTER INSERT ON change_feed
    REFERENCING NEW TABLE AS neu FOR EACH STATEMENT EXECUTE FUNCTION change_feed_einreihen();
INSERT INTO change_feed_offen (von, bis) SELECT min(id), max(id) FROM change_feed WHERE position IS NULL HAVING count(*) > 0;
DROP INDEX change_feed_pending;

-- The sequencer step of 0010, finding its entries through the queue: the
-- lowest ids without a position from the lowest range on (at most batch;
-- what it passes on the way is numbered already, or a writer's still in
-- progress, not visible). Then each of the ranges it saw is moved past the
-- highest id it numbered – everything visible and without a position up
-- to that id is numbered now, as the step took the lowest first – and a
-- range it saw with nothing left to number is dropped (its own entries are
-- all visible: they committed with it). Ranges and entries are read in
-- one statement, so in one snapshot: a writer that commits while the step
-- runs has a range the step did not see, and it stays as it is.
CREATE OR REPLACE FUNCTION change_feed_assign(batch integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ids      bigint[];
    zeilen   tid[];
    base     bigint;
    hoechste bigint; -- the highest id numbered (NULL: none)
BEGIN
    IF current_setting('transaction_isolation') <> 'read committed' THEN
        RAISE EXCEPTION 'change_feed_assign needs READ COMMITTED, not %', current_setting('transaction_isolation');
    END IF;
    IF pg_current_xact_id_if_assigned() IS NOT NULL THEN
        RAISE EXCEPTION 'change_feed_assign must run in a transaction of its own';
    END IF;
    IF NOT EXISTS (SELECT 1 FROM change_feed_offen) THEN
        RETURN 0;
    END IF;
    -- 0x7367636866656564 = "sgchfeed"; held until this transaction ends.
    -- Every statement below gets a snapshot taken after it. Only steps
    -- change or remove queued ranges, so their ctids hold until the end.
    PERFORM pg_advisory_xact_lock(8315724537008579940);
    -- Only the ranges that begin at or below the highest id taken can
    -- change (the others keep every entry they hold waiting), so a step
    -- costs its batch, not the length of the queue. With nothing taken,
    -- every range it sees is left over and goes.
    WITH pending AS (
        SELECT id FROM change_feed
        WHERE id >= (SELECT min(von) FROM change_feed_offen) AND position IS NULL
        ORDER BY id LIMIT batch)
    SELECT (SELECT array_agg(ctid) FROM change_feed_offen
            WHERE von <= coalesce((SELECT max(id) FROM pending), von)),
           (SELECT array_agg(id ORDER BY id) FROM pending)
    INTO zeilen, ids;
    IF zeilen IS NULL THEN
        RETURN 0; -- a step that ran while we waited took them
    END IF;
    IF ids IS NOT NULL THEN
        UPDATE change_feed_head SET last_position = last_position + cardinality(ids)
        RETURNING last_position - cardinality(ids) INTO base;
        -- "id = ANY" lets the planner find the rows through the primary key
        -- whatever it guesses about the join, so a step costs the same in a
        -- feed of a thousand entries as in one of millions.
        UPDATE change_feed f SET position = base + p.n
        FROM unnest(ids) WITH ORDINALITY AS p(id, n)
        WHERE f.id = p.id AND f.id = ANY (ids);
        hoechste := ids[cardinality(ids)];
    END IF;
    -- Done first, then moved: a moved row has a new ctid.
    DELETE FROM change_feed_offen o WHERE o.ctid = ANY (zeilen) AND NOT EXISTS (
        SELECT 1 FROM change_feed c WHERE c.id BETWEEN greatest(o.von, hoechste + 1) AND o.bis AND c.position IS NULL);
    UPDATE change_feed_offen SET von = hoechste + 1 WHERE ctid = ANY (zeilen) AND von <= hoechste;
    RETURN coalesce(cardinality(ids), 0);
END
$$;

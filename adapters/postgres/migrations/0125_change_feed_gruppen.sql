-- One row of change_feed may hold several entries: a writer that records
-- many upserts of one entity at once (a first register: a million
-- children) writes them as rows of up to a few hundred entries, not a row
-- each. A row per entry cost PostgreSQL a heap tuple, a primary-key entry
-- and its WAL record, and the checks, for every child: 2.6–4.1 s of a
-- million-row import, with the import's backend doing nothing else
-- (docs/performance.md, session 19).
--
-- A row holds anzahl entries: entity_id is the first entry's id, weitere
-- the ids of the others, in their order (NULL for a row of one entry, as
-- every row before). All entries of a row share its entity, operation
-- (upsert: a tombstone keeps a row of its own, with its natural key) and
-- recorded_at. The sequencer gives a row the positions position ..
-- position + anzahl - 1, in the order of its entries, so positions stay
-- 1..N without a hole and every entry has its own; the BMS sees the same
-- entries, one by one, as before (GET /v1/changes).
ALTER TABLE change_feed
    ADD COLUMN weitere text[],
    ADD COLUMN anzahl integer NOT NULL DEFAULT 1,
    ADD CONSTRAINT change_feed_gruppe_check CHECK (
        anzahl = 1 + coalesce(cardinality(weitere), 0)
        AND (weitere IS NULL OR (
            array_ndims(weitere) = 1 AND operation = 'upsert' AND natural_key IS NULL
            AND array_position(weitere, NULL) IS NULL AND array_position(weitere, '') IS NULL)));
-- The entries one by one, as the BMS sees them, for whoever looks at the
-- feed with SQL (FeedStore.Read takes a page's entries out of its rows
-- itself, from one range of the position index: feedPageSQL). zeile and
-- anzahl are the row's: its first position and how many entries it holds;
-- nr is the entry's place in its row (from 1), its order before it has a
-- position.
CREATE VIEW change_feed_eintraege AS
SELECT c.id, c.position AS zeile, c.anzahl, e.o AS nr, c.position + e.o - 1 AS position, c.recorded_at,
       c.entity, e.entity_id, c.operation, c.natural_key
FROM change_feed c
CROSS JOIN LATERAL unnest(ARRAY[c.entity_id] || c.weitere) WITH ORDINALITY AS e(entity_id, o);

-- The ids are pseudonyms (random bytes in base64): compressing them saves
-- nothing, and trying costs the writer time.
ALTER TABLE change_feed ALTER COLUMN weitere SET STORAGE EXTERNAL;

-- The sequencer step of 0122, counting positions in entries: a row takes
-- anzahl of them, rows in id order, a row's entries in their order. batch
-- still counts rows (a step's cost), and the step returns the rows it
-- numbered; the argument of 0010 and 0122 is unchanged.
CREATE OR REPLACE FUNCTION change_feed_assign(batch integer) RETURNS integer
LANGUAGE plpgsql VOLATILE AS $$
DECLARE
    ids      bigint[];
    anz      integer[];
    zeilen   tid[];
    base     bigint;
    summe    bigint;
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
    PERFORM pg_advisory_xact_lock(8315724537008579940);
    WITH pending AS (
        SELECT id, anzahl FROM change_feed
        WHERE id >= (SELECT min(von) FROM change_feed_offen) AND position IS NULL
        ORDER BY id LIMIT batch)
    SELECT (SELECT array_agg(ctid) FROM change_feed_offen
            WHERE von <= coalesce((SELECT max(id) FROM pending), von)),
           (SELECT array_agg(id ORDER BY id) FROM pending),
           (SELECT array_agg(anzahl ORDER BY id) FROM pending)
    INTO zeilen, ids, anz;
    IF zeilen IS NULL THEN
        RETURN 0; -- a step that ran while we waited took them
    END IF;
    IF ids IS NOT NULL THEN
        SELECT sum(a) INTO summe FROM unnest(anz) AS a;
        UPDATE change_feed_head SET last_position = last_position + summe
        RETURNING last_position - summe INTO base;
        -- A row's first position: base plus the entries of the rows before
        -- it, plus one. "id = ANY" as in 0122.
        UPDATE change_feed f SET position = base + p.bis - p.a + 1
        FROM (SELECT u.id, u.a, sum(u.a) OVER (ORDER BY u.n) AS bis
              FROM unnest(ids, anz) WITH ORDINALITY AS u(id, a, n)) p
        WHERE f.id = p.id AND f.id = ANY (ids);
        hoechste := ids[cardinality(ids)];
    END IF;
    DELETE FROM change_feed_offen o WHERE o.ctid = ANY (zeilen) AND NOT EXISTS (
        SELECT 1 FROM change_feed c WHERE c.id BETWEEN greatest(o.von, hoechste + 1) AND o.bis AND c.position IS NULL);
    UPDATE change_feed_offen SET von = hoechste + 1 WHERE ctid = ANY (zeilen) AND von <= hoechste;
    RETURN coalesce(cardinality(ids), 0);
END
$$;

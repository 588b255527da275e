-- The audit chain in a table of its own (issue 18). Chaining used to give
-- every entry its seq and hashes by an UPDATE of audit_log: a non-HOT
-- update per entry (seq is indexed), a row trigger, a dead row for vacuum,
-- new entries in every index. At 10,000 audited reads a second that was
-- about 20 ms of PostgreSQL per 1,000 entries, in bursts every few seconds
-- that the feed's p99 felt (docs/performance.md, session 8). Now audit_log
-- is insert-only, the chainer appends to audit_kette, and what is still to
-- be chained waits in audit_offen: one row per statement that wrote
-- entries (its ids), written by a statement trigger, so every writer is
-- covered, however it writes.

CREATE TABLE audit_kette (
    seq       bigint PRIMARY KEY,          -- place in the chain
    id        bigint NOT NULL,             -- the entry (audit_log.id)
    prev_hash bytea NOT NULL,
    hash      bytea NOT NULL               -- internal/audit.Hash(prev_hash, entry with seq)
);

CREATE TABLE audit_offen (
    erste bigint PRIMARY KEY,              -- the smallest of ids: the chainer takes rows in this order
    ids   bigint[] NOT NULL                -- entries written by one statement, not yet chained
);

INSERT INTO audit_kette (seq, id, prev_hash, hash)
    SELECT seq, id, coalesce(prev_hash, '\x'::bytea), coalesce(hash, '\x'::bytea) FROM audit_log WHERE seq IS NOT NULL;
INSERT INTO audit_offen (erste, ids)
    SELECT min(id), array_agg(id ORDER BY id) FROM audit_log WHERE seq IS NULL HAVING count(*) > 0;

CREATE FUNCTION audit_offen_einreihen() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    INSERT INTO audit_offen (erste, ids) SELECT min(id), array_agg(id ORDER BY id) FROM neu HAVING count(*) > 0;
    RETURN NULL;
END
$$;
CREATE TRIGGER audit_log_einreihen AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS neu FOR EACH STATEMENT EXECUTE FUNCTION audit_offen_einreihen();

-- Append-only, now without exception: no entry and no place in the chain
-- is ever changed; both are deleted only by the retention job, which says
-- so for its transaction. A row leaves audit_offen only by the chainer,
-- which says so too.
CREATE OR REPLACE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME = 'audit_offen' AND current_setting('schulgateway.audit_chain', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'DELETE' AND TG_TABLE_NAME <> 'audit_offen' AND current_setting('schulgateway.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    IF TG_OP = 'UPDATE' THEN
        RAISE EXCEPTION '% ist nur fortschreibbar: Einträge werden nicht geändert', TG_TABLE_NAME;
    END IF;
    IF TG_TABLE_NAME = 'audit_offen' THEN
        RAISE EXCEPTION 'audit_offen: Einträge nimmt nur das Verketten heraus';
    END IF;
    RAISE EXCEPTION '% ist nur fortschreibbar: Einträge löscht nur die Aufbewahrungsfrist', TG_TABLE_NAME;
END
$$;
CREATE TRIGGER audit_kette_append_only BEFORE UPDATE OR DELETE ON audit_kette
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_kette_no_truncate BEFORE TRUNCATE ON audit_kette
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_offen_guard BEFORE UPDATE OR DELETE ON audit_offen
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_offen_no_truncate BEFORE TRUNCATE ON audit_offen
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();

DROP INDEX audit_log_seq;
DROP INDEX audit_log_pending;
ALTER TABLE audit_log DROP COLUMN seq, DROP COLUMN prev_hash, DROP COLUMN hash;

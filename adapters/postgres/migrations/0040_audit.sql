-- The audit trail: who saw or changed what, and why (issue 8). Entries are
-- written without a place in the chain, inside the transaction of the work
-- they record (or, for reads, before the answer leaves). The chainer
-- (AuditStore.Chain) gives committed entries their seq and hash one
-- serialised step at a time: hash = SHA-256 over the previous hash and the
-- entry (internal/audit.Hash), so an altered or removed entry breaks the
-- chain and `schulgateway audit verify` finds it.
CREATE TABLE audit_log (
    id          bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY, -- insertion order
    seq         bigint,                                           -- place in the chain, NULL until chained
    zeit        timestamptz NOT NULL DEFAULT now(),
    subject     text NOT NULL DEFAULT '',      -- token subject; '' when authentication failed
    rollen      text NOT NULL DEFAULT '',      -- roles of the token, comma separated
    client      text NOT NULL DEFAULT '',      -- client address (or 'worker' for background work)
    operation   text NOT NULL,                 -- e.g. 'GET /v1/einschulung/:schuljahr/kinder', 'import.commit'
    ressource   text NOT NULL DEFAULT '',      -- path parameters or record ids
    anzahl      integer,                       -- records read or written, when known
    request_id  text NOT NULL DEFAULT '',
    ergebnis    integer NOT NULL,              -- HTTP status, or 200/500 for background work
    detail      text NOT NULL DEFAULT '',      -- short German note, never personal data
    prev_hash   bytea,
    hash        bytea
);
CREATE UNIQUE INDEX audit_log_seq ON audit_log (seq) WHERE seq IS NOT NULL;
CREATE INDEX audit_log_pending ON audit_log (id) WHERE seq IS NULL;
CREATE INDEX audit_log_zeit ON audit_log (zeit);

-- The head of the chain, and the anchor left by retention: every entry up to
-- pruned_seq is gone, and pruned_hash was the hash of the last of them.
CREATE TABLE audit_head (
    singleton   boolean PRIMARY KEY DEFAULT true CHECK (singleton),
    last_seq    bigint NOT NULL DEFAULT 0,
    last_hash   bytea NOT NULL DEFAULT '\x'::bytea,
    pruned_seq  bigint NOT NULL DEFAULT 0,
    pruned_hash bytea NOT NULL DEFAULT '\x'::bytea
);
INSERT INTO audit_head DEFAULT VALUES;

-- Append-only: an entry may be chained once and never changed; entries are
-- deleted only by the retention job, which says so for its transaction.
CREATE FUNCTION audit_log_guard() RETURNS trigger
LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'UPDATE' THEN
        IF OLD.seq IS NULL AND NEW.seq IS NOT NULL AND NEW.hash IS NOT NULL
           AND (NEW.id, NEW.zeit, NEW.subject, NEW.rollen, NEW.client, NEW.operation, NEW.ressource,
                NEW.anzahl, NEW.request_id, NEW.ergebnis, NEW.detail)
               IS NOT DISTINCT FROM
               (OLD.id, OLD.zeit, OLD.subject, OLD.rollen, OLD.client, OLD.operation, OLD.ressource,
                OLD.anzahl, OLD.request_id, OLD.ergebnis, OLD.detail) THEN
            RETURN NEW;
        END IF;
        RAISE EXCEPTION 'audit_log ist nur fortschreibbar: Einträge werden nicht geändert';
    END IF;
    IF TG_OP = 'DELETE' AND current_setting('schulgateway.audit_retention', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log ist nur fortschreibbar: Einträge löscht nur die Aufbewahrungsfrist';
END
$$;
CREATE TRIGGER audit_log_append_only BEFORE UPDATE OR DELETE ON audit_log
    FOR EACH ROW EXECUTE FUNCTION audit_log_guard();
CREATE TRIGGER audit_log_no_truncate BEFORE TRUNCATE ON audit_log
    FOR EACH STATEMENT EXECUTE FUNCTION audit_log_guard();

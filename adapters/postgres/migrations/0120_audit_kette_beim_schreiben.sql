-- The audit writer chains its own entries (issue 18, session 15). The
-- batch writer of the reads' entries gives them their places in
-- audit_kette in the transaction that writes them, under the chainer's
-- lock and saying so (schulgateway.audit_chain), so they need not wait in
-- audit_offen for a chainer that would read them back a moment later: its
-- bursts, 1,000 entries in ~10 ms of a core, were the largest part of the
-- audited reads' p99 (docs/performance.md, session 14).
--
-- A statement that writes entries in such a transaction queues nothing.
-- Every other writer's entries are queued as before. An entry written
-- under the setting but not chained stands neither in the chain nor in
-- the queue: `audit verify` reports it, as it reports queue rows removed.
DROP TRIGGER audit_log_einreihen ON audit_log;
CREATE TRIGGER audit_log_einreihen AFTER INSERT ON audit_log
    REFERENCING NEW TABLE AS neu FOR EACH STATEMENT
    WHEN (current_setting('schulgateway.audit_chain', true) IS DISTINCT FROM 'on')
    EXECUTE FUNCTION audit_offen_einreihen();

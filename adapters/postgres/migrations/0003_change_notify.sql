-- Every gateway instance keeps read-mostly data (the schools) in memory and
-- must drop it when any instance changes it: statements on such tables
-- notify the channel, once per transaction and table.
CREATE FUNCTION notify_change() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    PERFORM pg_notify('schulgateway_changes', TG_TABLE_NAME);
    RETURN NULL;
END
$$;

CREATE TRIGGER schulen_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON schulen
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();

-- Versions for ETags (issue 15, no lost updates): every change of a school
-- or a Schulpflicht case - by the API, an import, a reconciliation - gives
-- the row a new version from one sequence, so a version is never reused,
-- not even by a record deleted and created again. A write that changes
-- nothing keeps the version (and so the ETag).
CREATE SEQUENCE zeilen_version;

ALTER TABLE schulen ADD COLUMN version bigint NOT NULL DEFAULT nextval('zeilen_version');
ALTER TABLE faelle ADD COLUMN version bigint NOT NULL DEFAULT nextval('zeilen_version');

CREATE FUNCTION neue_version() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.version := nextval('zeilen_version');
    RETURN NEW;
END $$;

CREATE TRIGGER schulen_version BEFORE UPDATE ON schulen
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION neue_version();
CREATE TRIGGER faelle_version BEFORE UPDATE ON faelle
    FOR EACH ROW WHEN (OLD.* IS DISTINCT FROM NEW.*) EXECUTE FUNCTION neue_version();

-- An import's undo puts back before-images (jsonb_populate_record); one
-- taken before this migration has no version.
CREATE FUNCTION version_fehlt() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF NEW.version IS NULL THEN
        NEW.version := nextval('zeilen_version');
    END IF;
    RETURN NEW;
END $$;

CREATE TRIGGER schulen_version_fehlt BEFORE INSERT ON schulen FOR EACH ROW EXECUTE FUNCTION version_fehlt();
CREATE TRIGGER faelle_version_fehlt BEFORE INSERT ON faelle FOR EACH ROW EXECUTE FUNCTION version_fehlt();

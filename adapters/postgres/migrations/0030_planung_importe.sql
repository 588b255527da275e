-- Import kinds schuelerzahlen and bevoelkerung (issue 7): the planners'
-- history tables become import targets like the others, with a natural key
-- (schluessel) and the import, sheet and row each row came from.
-- The key is kept equal to the row's own key columns by a trigger, so rows
-- written by SQL (or before this migration) match an uploaded list.
ALTER TABLE planung_schuelerzahlen
    ADD COLUMN schluessel text,
    ADD COLUMN import_id uuid,
    ADD COLUMN created_by_import uuid,
    ADD COLUMN import_sheet text,
    ADD COLUMN import_row integer,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();
ALTER TABLE planung_kohorten
    ADD COLUMN schluessel text,
    ADD COLUMN import_id uuid,
    ADD COLUMN created_by_import uuid,
    ADD COLUMN import_sheet text,
    ADD COLUMN import_row integer,
    ADD COLUMN updated_at timestamptz NOT NULL DEFAULT now();

CREATE FUNCTION planung_schluessel() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    IF TG_TABLE_NAME = 'planung_schuelerzahlen' THEN
        NEW.schluessel := NEW.schulnummer || '|' || NEW.schuljahr || '|' || NEW.jahrgangsstufe;
    ELSE
        NEW.schluessel := NEW.schulnummer || '|' || NEW.schuljahr;
    END IF;
    RETURN NEW;
END $$;
CREATE TRIGGER planung_schuelerzahlen_schluessel BEFORE INSERT OR UPDATE ON planung_schuelerzahlen
    FOR EACH ROW EXECUTE FUNCTION planung_schluessel();
CREATE TRIGGER planung_kohorten_schluessel BEFORE INSERT OR UPDATE ON planung_kohorten
    FOR EACH ROW EXECUTE FUNCTION planung_schluessel();
UPDATE planung_schuelerzahlen SET schluessel = NULL;
UPDATE planung_kohorten SET schluessel = NULL;
ALTER TABLE planung_schuelerzahlen ALTER COLUMN schluessel SET NOT NULL;
ALTER TABLE planung_kohorten ALTER COLUMN schluessel SET NOT NULL;
CREATE UNIQUE INDEX planung_schuelerzahlen_schluessel ON planung_schuelerzahlen (schluessel);
CREATE UNIQUE INDEX planung_kohorten_schluessel ON planung_kohorten (schluessel);

ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check
    CHECK (kind IN ('schulen', 'schulbezirke', 'melderegister', 'schueler', 'bestaetigungen', 'schuelerzahlen', 'bevoelkerung'));

-- The children of an Einschulung cohort are paged in the order of their
-- pseudonymous ids (HMAC-SHA256 of kinder.schluessel under the gateway's
-- key, internal/einschulung.Pseudonymizer). To page by an index instead of
-- computing the whole cohort for every page, each child keeps its id here.
-- It is a function of schluessel alone (no rule, decision or directory
-- enters it); the gateway fills the rows that have none before it pages
-- (the imports leave it empty) and checks every row it reads against the
-- key, so a changed key refills them all. Byte order ("C"), as Go compares.
ALTER TABLE kinder ADD COLUMN pseudonym text COLLATE "C";
CREATE INDEX kinder_pseudonym ON kinder (pseudonym);
CREATE INDEX kinder_ohne_pseudonym ON kinder (id) WHERE pseudonym IS NULL;

-- A new register key (anonymisation, an undo) makes the stored id stale.
CREATE FUNCTION kinder_pseudonym_leeren() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
    NEW.pseudonym := NULL;
    RETURN NEW;
END $$;
CREATE TRIGGER kinder_pseudonym_leeren BEFORE UPDATE OF schluessel ON kinder
    FOR EACH ROW WHEN (OLD.schluessel IS DISTINCT FROM NEW.schluessel) EXECUTE FUNCTION kinder_pseudonym_leeren();

-- The register key compares byte by byte ("C"), as kinder.pseudonym does
-- (0095): a direct load builds its unique index after the rows, and under
-- the database's collation (C.UTF-8 here, compared with strcoll, without
-- abbreviated keys) that build took 0.25–0.4 s more of a million-row import
-- (docs/performance.md, session 16). Equality is the same under both:
-- the keys are matched, never sorted for a person. The staging tables'
-- keys keep the default collation; a comparison of the two takes "C", so
-- the key's index serves it as before.
--
-- A column named in a trigger cannot change its collation: the two
-- triggers that name it are dropped and made again, unchanged.
DROP TRIGGER kinder_pseudonym_leeren ON kinder;
DROP TRIGGER kinder_einschulung_update ON kinder;
ALTER TABLE kinder ALTER COLUMN schluessel TYPE text COLLATE "C";
CREATE TRIGGER kinder_pseudonym_leeren BEFORE UPDATE OF schluessel ON kinder
    FOR EACH ROW WHEN (OLD.schluessel IS DISTINCT FROM NEW.schluessel) EXECUTE FUNCTION kinder_pseudonym_leeren();
CREATE TRIGGER kinder_einschulung_update AFTER UPDATE OF schluessel, ordnungsmerkmal, familienname, vornamen, rufname,
    geburtsdatum, geschlecht, strasse, hausnummer, plz, ort, ortsteil, auskunftssperre, zuzug, wegzug, sorgeberechtigte, status
    ON kinder FOR EACH STATEMENT EXECUTE FUNCTION einschulung_geaendert();

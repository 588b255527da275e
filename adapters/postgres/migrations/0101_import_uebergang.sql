-- Import kind uebergang (issue #20 point 1): application lists for
-- Schuljahrgang 5. Its rows go through the Übergang (matching to the
-- register per row) into uebergang_anmeldungen; no table of its own.
ALTER TABLE imports DROP CONSTRAINT imports_kind_check;
ALTER TABLE imports ADD CONSTRAINT imports_kind_check
    CHECK (kind IN ('schulen', 'schulbezirke', 'melderegister', 'schueler', 'bestaetigungen', 'schuelerzahlen', 'bevoelkerung', 'uebergang'));

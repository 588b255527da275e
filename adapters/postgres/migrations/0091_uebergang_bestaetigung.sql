-- A run of the Übergang is confirmed once: at most one confirmed run per
-- school year, also when two confirmations race.
ALTER TABLE uebergang_laeufe ADD COLUMN bestaetigt_am timestamptz;
ALTER TABLE uebergang_laeufe ADD CONSTRAINT uebergang_laeufe_status CHECK (status IN ('berechnet', 'bestaetigt'));
CREATE UNIQUE INDEX uebergang_laeufe_bestaetigt ON uebergang_laeufe (schuljahr) WHERE status = 'bestaetigt';

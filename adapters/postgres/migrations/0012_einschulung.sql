-- Registrations and decisions about children of an Einschulung cohort
-- (Meldungen), as the BMS and the school office report them: per school
-- year, child and Typ one row, which a later Meldung of the same Typ
-- replaces (so a retried report changes nothing). The cohort itself is
-- not stored: it is computed from the register, the street directory and
-- these rows (internal/einschulung).
CREATE TABLE einschulung_meldungen (
    schuljahr    integer NOT NULL,  -- first year of the Schuljahr (2027 = 2027/28)
    -- kinder.schluessel. No foreign key: children are never deleted, and
    -- undoing a register import must not take the Meldungen with it.
    kind         text NOT NULL,
    typ          text NOT NULL CHECK (typ IN ('anmeldung', 'aufnahme', 'zurueckstellung', 'gastschulantrag', 'abmeldung')),
    schulnummer  text NOT NULL DEFAULT '',
    art          text NOT NULL DEFAULT '',  -- XSchule ArtDerSchulaufnahme code; '' = as the cohort says
    entscheidung text NOT NULL DEFAULT '' CHECK (entscheidung IN ('', 'beantragt', 'genehmigt', 'abgelehnt')),
    geaendert_am timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schuljahr, kind, typ)
);
CREATE INDEX einschulung_meldungen_kind ON einschulung_meldungen (kind);

-- Every instance keeps the compiled street directory in memory, like the
-- schools (0003), and drops it when any instance changes the rows.
CREATE TRIGGER bezirksregeln_notify AFTER INSERT OR UPDATE OR DELETE OR TRUNCATE ON bezirksregeln
    FOR EACH STATEMENT EXECUTE FUNCTION notify_change();

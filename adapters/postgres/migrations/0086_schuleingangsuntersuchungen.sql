-- Outcomes of the Schuleingangsuntersuchung (issue #19 point 4) that matter
-- for admission; never a diagnosis: one of three values and a date, no text.
-- The child is named by the cohort's pseudonymous id (einschulung.Eintrag.ID).
CREATE TABLE schuleingangsuntersuchungen (
    schuljahr     integer NOT NULL,   -- the year the school year starts
    kind_id       text NOT NULL,
    untersucht_am date NOT NULL,
    ergebnis      text NOT NULL CHECK (ergebnis IN ('untersucht', 'zurueckstellung_pruefen', 'foerderbedarf_pruefen')),
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (schuljahr, kind_id)
);

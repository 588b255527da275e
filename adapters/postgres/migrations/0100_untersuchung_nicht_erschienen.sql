-- Issue #19 point 4: the health office also reports that a child did not
-- appear (nicht_erschienen; the date is the missed appointment's). Still no
-- diagnosis and no free text: one of four values.
ALTER TABLE schuleingangsuntersuchungen DROP CONSTRAINT schuleingangsuntersuchungen_ergebnis_check;
ALTER TABLE schuleingangsuntersuchungen ADD CONSTRAINT schuleingangsuntersuchungen_ergebnis_check
    CHECK (ergebnis IN ('untersucht', 'zurueckstellung_pruefen', 'foerderbedarf_pruefen', 'nicht_erschienen'));

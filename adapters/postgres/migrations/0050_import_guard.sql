-- Issue 14: imports never silently destroy data.
-- An upload may confirm a number of removals; the import keeps which
-- fields its list did not deliver (kept as stored), which schools a pupil
-- list changed and how many removals it needs confirmed.
ALTER TABLE imports
    ADD COLUMN confirm_removals    integer,
    ADD COLUMN nicht_geliefert     text[] NOT NULL DEFAULT '{}',
    ADD COLUMN schulen             text[] NOT NULL DEFAULT '{}',
    ADD COLUMN zu_bestaetigen      integer NOT NULL DEFAULT 0;

-- A person is found by the id the list gives (Ordnungsmerkmal,
-- Schülernummer) where both the list and the stored record have it, else
-- by folded name and birth date: personenschluessel ("p:…", as the key of
-- a child without Ordnungsmerkmal). Records whose key holds it get it
-- here; the others are filled by the next import (the folding is Go's).
-- No index: an import matches the whole list by hash joins, and each index
-- would cost a bulk import of 100,000 children some 0.3 s.
ALTER TABLE kinder ADD COLUMN personenschluessel text;
UPDATE kinder SET personenschluessel = schluessel WHERE schluessel LIKE 'p:%';

ALTER TABLE schueler ADD COLUMN personenschluessel text;
UPDATE schueler SET personenschluessel = substr(schluessel, strpos(schluessel, '/p:') + 1) WHERE strpos(schluessel, '/p:') > 0;

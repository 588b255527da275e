-- Schulpflicht cases (0020): a closed case stays closed in later runs
-- unless a run finds something its reason does not cover (an exemption
-- that has ended, a child found at a school and now at none, a reason
-- given for an earlier school year, a child that moved back); then a new
-- case is opened and says why (anlass). The decision is the domain's
-- (schulpflicht.ErledigterFall.Wiederaufnahme).
ALTER TABLE faelle
    ADD COLUMN anlass text NOT NULL DEFAULT '',  -- why a run opened a case after a closed one ('' for the first)
    ADD COLUMN befreit_bis date;                 -- end of an exemption (grund befreit); NULL: without end

ALTER TABLE faelle DROP CONSTRAINT faelle_grund_check;
ALTER TABLE faelle ADD CONSTRAINT faelle_grund_check CHECK (grund IN ('weggezogen', 'schule_ausserhalb', 'schule_gefunden',
    'zurueckgestellt', 'befreit', 'ordnungswidrigkeit_eingeleitet'));
ALTER TABLE faelle ADD CONSTRAINT faelle_befreit_bis_check CHECK (befreit_bis IS NULL OR grund = 'befreit');

-- The latest closed case of each child, for every run.
CREATE INDEX faelle_erledigt_je_kind ON faelle (kind_id, id) WHERE status = 'erledigt';

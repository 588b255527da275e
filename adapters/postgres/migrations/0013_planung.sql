-- Schulentwicklungsplanung (issue 7): aggregates only, never a person.
-- The pupil and resident tables hold the present; these hold the history
-- planners bring from their own spreadsheets (import kinds schuelerzahlen
-- and bevoelkerung, still to be wired) or that is written at the end of a
-- school year. A stored row yields to the live count of the same school
-- and school year (pupils) or to nothing (cohorts: a stored aggregate
-- replaces the one derived from today's register for that Bezirk and year).
CREATE TABLE planung_schuelerzahlen (
    schulnummer    text NOT NULL,
    schuljahr      integer NOT NULL,  -- first year of the Schuljahr (2027 = 2027/28)
    jahrgangsstufe integer NOT NULL CHECK (jahrgangsstufe BETWEEN 1 AND 13),
    anzahl         integer NOT NULL CHECK (anzahl >= 0),
    PRIMARY KEY (schulnummer, schuljahr, jahrgangsstufe)
);

CREATE TABLE planung_kohorten (
    schulnummer text NOT NULL,         -- the Grundschule whose Bezirk it is
    schuljahr   integer NOT NULL,      -- school year of entry
    anzahl      integer NOT NULL CHECK (anzahl >= 0),
    PRIMARY KEY (schulnummer, schuljahr)
);

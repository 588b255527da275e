-- The street directory of the Grundschulbezirke (§ 41 SchulG LSA), one row
-- per rule as the Satzung writes it. Lookup and precedence come with the
-- Schulbezirk capability; this table keeps the rows.
CREATE TABLE bezirksregeln (
    id             bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    strasse        text NOT NULL CHECK (strasse <> ''),
    hausnummer_von integer CHECK (hausnummer_von > 0),
    hausnummer_bis integer CHECK (hausnummer_bis >= hausnummer_von),
    paritaet       text NOT NULL DEFAULT 'alle' CHECK (paritaet IN ('alle', 'gerade', 'ungerade')),
    zusatz_von     text NOT NULL DEFAULT '',
    zusatz_bis     text NOT NULL DEFAULT '',
    plz            text NOT NULL DEFAULT '',
    ortsteil       text NOT NULL DEFAULT '',
    schulnummer    text NOT NULL REFERENCES schulen (schulnummer),
    gueltig_ab     integer, -- first year of the Schuljahr (2027 = 2027/28); NULL: always
    created_at     timestamptz NOT NULL DEFAULT now()
);
CREATE INDEX bezirksregeln_strasse ON bezirksregeln (strasse);

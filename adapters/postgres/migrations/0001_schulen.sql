-- Schools of the Schulträger. Schulnummer is the state's number: text, so
-- leading zeros survive.
CREATE TABLE schulen (
    schulnummer     text PRIMARY KEY CHECK (schulnummer ~ '^[0-9]{4,8}$'),
    name            text NOT NULL CHECK (name <> ''),
    schulform       text NOT NULL,
    traeger         text NOT NULL DEFAULT 'kommunal' CHECK (traeger IN ('kommunal', 'frei')),
    strasse         text NOT NULL DEFAULT '',
    hausnummer      text NOT NULL DEFAULT '',
    plz             text NOT NULL DEFAULT '',
    ort             text NOT NULL DEFAULT '',
    zuege           integer,
    klassenfrequenz integer,
    kapazitaet      integer,
    created_at      timestamptz NOT NULL DEFAULT now(),
    updated_at      timestamptz NOT NULL DEFAULT now()
);

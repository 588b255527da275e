-- An uploaded file is kept in parts of 1 MiB (issue 3): storing it and
-- reading it back (the worker, the marked error list) then never needs
-- the whole file in memory, whatever its size. The parts are stored as
-- they are (no TOAST compression): xlsx files are compressed already.
CREATE TABLE import_file_parts (
    import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    part      integer NOT NULL CHECK (part >= 0),
    data      bytea NOT NULL,
    PRIMARY KEY (import_id, part)
);
ALTER TABLE import_file_parts ALTER COLUMN data SET STORAGE EXTERNAL;

ALTER TABLE imports ADD COLUMN file_size bigint NOT NULL DEFAULT 0;
INSERT INTO import_file_parts (import_id, part, data)
SELECT id, p, substring(file FROM p * 1048576 + 1 FOR 1048576)
FROM imports, generate_series(0, (length(file) - 1) / 1048576) AS p
WHERE length(file) > 0;
UPDATE imports SET file_size = length(file);
ALTER TABLE imports DROP COLUMN file;

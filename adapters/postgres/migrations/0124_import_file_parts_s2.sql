-- An uploaded file's parts are compressed by the gateway (s2, each part on
-- its own, encoding 's2'), no longer by PostgreSQL (lz4 TOAST, 0119): the
-- upload of a register's CSV of 93 MB sent the whole file over the
-- connection and PostgreSQL compressed it alone while the upload waited –
-- 0.58 s of its 0.81 s in the million-row benchmark. s2 takes the gateway
-- about 0.1 s for the 93 MB, and PostgreSQL then stores 14 MB instead of
-- receiving 93 MB and writing 22 MB (docs/performance.md, session 17). A
-- part s2 cannot shrink by an eighth (an xlsx is compressed already) is
-- stored as it is ('raw'), and so are the parts stored before this
-- migration (read back as they were, lz4 included): PostgreSQL no longer
-- tries to compress new parts (STORAGE EXTERNAL).
ALTER TABLE import_file_parts ADD COLUMN encoding text NOT NULL DEFAULT 'raw' CHECK (encoding IN ('raw', 's2'));
ALTER TABLE import_file_parts ALTER COLUMN data SET STORAGE EXTERNAL;

-- An uploaded file's parts compressed with lz4 where the server has it
-- (built --with-lz4; otherwise they stay as they are, 0042): a register's
-- CSV of 89 MB is stored as 22 MB, in psql 0.21-0.31 s instead of
-- 0.42-0.75 s, and read back at lz4's speed. pglz was too slow for a
-- million rows; an xlsx (compressed already) costs lz4 one quick attempt
-- per part and is stored as it is (docs/performance.md, session 8).
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_settings WHERE name = 'default_toast_compression' AND 'lz4' = ANY (enumvals)) THEN
        ALTER TABLE import_file_parts ALTER COLUMN data SET STORAGE EXTENDED;
        ALTER TABLE import_file_parts ALTER COLUMN data SET COMPRESSION lz4;
    END IF;
END
$$;

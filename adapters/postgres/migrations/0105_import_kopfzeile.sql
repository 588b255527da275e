-- The header an import recognised (sheet, header row, which column fed
-- which field, the columns it did not know, the fields without a column;
-- importing.KeptHeader) is kept with the import when it finishes, so that
-- GET /v1/imports/{id} answers it without reading the stored file again
-- (issue 17). Imports finished before have none (NULL): the file is not
-- read again for them either.
ALTER TABLE imports ADD COLUMN kopfzeile jsonb;

-- Whether the row of a problem is known to carry no Auskunftssperre (its
-- Auskunftssperre cell says so explicitly): only then may a role that sees
-- no address under a Sperre (admin) see the row's address in the error
-- list and errors.xlsx. Problems stored before, and rows whose cell is
-- empty, missing or unreadable, count as possibly blocked.
ALTER TABLE import_errors ADD COLUMN ohne_sperre boolean NOT NULL DEFAULT false;

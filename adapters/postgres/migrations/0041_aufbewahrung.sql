-- Retention (issue 8): what the daily job removed, so that an undo or a
-- download can say why something is gone, and anonymised children are
-- told from others.
ALTER TABLE imports ADD COLUMN bereinigt_am timestamptz; -- file, errors and before-images deleted
ALTER TABLE kinder ADD COLUMN anonymisiert_am timestamptz;

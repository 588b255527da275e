-- A record no longer keeps the sheet of the row it came from: an import
-- reads exactly one sheet (importing.Run, chooseSheet), so the sheet of
-- every record an import wrote is that import's imports.sheet_used, and
-- import_id leads to it. The column repeated the import's sheet name on
-- every row – for a register's CSV the file name, 44 of the 306 bytes of
-- a row in the million-row benchmark – and PostgreSQL received, wrote,
-- logged and scanned it once per row and index build (docs/performance.md,
-- session 17). import_row stays: it is the record's own.
ALTER TABLE kinder DROP COLUMN import_sheet;
ALTER TABLE schueler DROP COLUMN import_sheet;
ALTER TABLE schulen DROP COLUMN import_sheet;
ALTER TABLE bezirksregeln DROP COLUMN import_sheet;
ALTER TABLE planung_schuelerzahlen DROP COLUMN import_sheet;
ALTER TABLE planung_kohorten DROP COLUMN import_sheet;
ALTER TABLE bestaetigungen DROP COLUMN import_sheet;

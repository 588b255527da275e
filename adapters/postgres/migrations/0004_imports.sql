-- Uploaded lists and their processing. The file itself is kept so any
-- instance can process it (the job queue is this table) and so the marked
-- error workbook can be built from the rows as uploaded.
CREATE TABLE imports (
    id            uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    kind          text NOT NULL CHECK (kind IN ('schulen', 'schulbezirke', 'melderegister', 'schueler')),
    status        text NOT NULL DEFAULT 'queued' CHECK (status IN ('queued', 'running', 'succeeded', 'failed', 'rejected')),
    dry_run       boolean NOT NULL,
    on_error      text NOT NULL CHECK (on_error IN ('reject', 'skip')),
    sheet         text NOT NULL DEFAULT '',      -- sheet asked for; '' = best match
    schulnummer   text NOT NULL DEFAULT '',      -- upload-wide school for pupil lists
    filename      text NOT NULL,
    file          bytea NOT NULL,
    created_by    text NOT NULL,
    created_at    timestamptz NOT NULL DEFAULT now(),
    started_at    timestamptz,
    finished_at   timestamptz,
    lease_until   timestamptz,                   -- a running job whose lease ran out is taken again
    attempts      integer NOT NULL DEFAULT 0,
    rows_read     integer NOT NULL DEFAULT 0,    -- progress
    sheet_used    text NOT NULL DEFAULT '',
    header_row    integer NOT NULL DEFAULT 0,
    counts        jsonb NOT NULL DEFAULT '{}',
    detail        text NOT NULL DEFAULT '',      -- German summary or reason of failure
    undone_at     timestamptz
);
CREATE INDEX imports_queue ON imports (created_at) WHERE status IN ('queued', 'running');

-- Every problem of an import, each pointing at a cell.
CREATE TABLE import_errors (
    import_id uuid NOT NULL REFERENCES imports (id) ON DELETE CASCADE,
    seq       integer NOT NULL,
    sheet     text NOT NULL,
    row       integer NOT NULL,   -- as the spreadsheet shows it; 0 = the file as a whole
    col       integer NOT NULL,   -- 0-based; -1 = the row as a whole
    field     text NOT NULL,
    code      text NOT NULL,
    message   text NOT NULL,
    PRIMARY KEY (import_id, seq)
);

-- What the import did with each row that changed a record and with each
-- stored record the new list no longer contains; a dry run also keeps the
-- rows that would create one. Unchanged rows are only counted. No foreign
-- key to imports: per-row trigger checks would cost more than the import
-- itself, and imports are never deleted without their rows.
CREATE TABLE import_actions (
    import_id  uuid NOT NULL,
    sheet      text NOT NULL,
    row        integer NOT NULL,  -- 0 for records missing from the list
    action     text NOT NULL CHECK (action IN ('create', 'update', 'unchanged', 'remove')),
    schluessel text NOT NULL
);
CREATE INDEX import_actions_by_import ON import_actions (import_id, action, schluessel);

-- Before-images of every record an import changed or removed, so the
-- import can be undone (records it created carry created_by_import).
CREATE TABLE import_changes (
    import_id  uuid NOT NULL,
    tbl        text NOT NULL,
    schluessel text NOT NULL,
    before     jsonb NOT NULL,
    PRIMARY KEY (import_id, tbl, schluessel)
);

-- Saved header mappings per kind: a header the gateway did not know,
-- mapped once by staff, recognised in every later upload.
CREATE TABLE header_mappings (
    kind       text NOT NULL,
    header     text NOT NULL,     -- normalised header text
    field      text NOT NULL,     -- canonical field, '' = ignore the column
    created_by text NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (kind, header)
);

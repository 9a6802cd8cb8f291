-- Rows this laptop imported from files, by the dataset they came from (the file name unless a
-- name was given) and their identifier in it (occurrenceID, catalogNumber, the exported record
-- id, or a hash of the row), so a file imported again adds nothing. Written in the import's own
-- transaction; local to this laptop, like meta.
CREATE TABLE import_source (
    dataset   TEXT NOT NULL,
    source_id TEXT NOT NULL,
    record_id TEXT NOT NULL,
    PRIMARY KEY (dataset, source_id)
) WITHOUT ROWID;

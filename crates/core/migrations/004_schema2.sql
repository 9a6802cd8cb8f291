-- Schema 2 of the local store (migration 4). The tables are made here; the rows are copied by
-- store::schema2::copy (Rust: it needs SHA-256), which then drops the schema-1 tables and gives
-- the new ones their names. All of it, and user_version 4, commit in one transaction: a store is
-- either schema 1 or schema 2, never half.

-- body_sha256 is NULL where it is the SHA-256 of body (every revision with a body; they are
-- checked on arrival), and read back as that hash: 65 bytes less per revision.
CREATE TABLE revision_v2 (
    seq            INTEGER PRIMARY KEY,
    rev_id         TEXT NOT NULL UNIQUE,
    record_id      TEXT NOT NULL,
    kind           TEXT NOT NULL,
    parents        TEXT NOT NULL,          -- JSON array of rev_id
    generation     INTEGER NOT NULL,
    device_id      TEXT NOT NULL,
    device_seq     INTEGER NOT NULL,
    hlc            TEXT NOT NULL,
    schema_version INTEGER NOT NULL,
    deleted        INTEGER NOT NULL,
    body           TEXT,                   -- NULL for a tombstone
    body_sha256    TEXT                    -- NULL: the SHA-256 of body
);

-- source_id is the 32 bytes of a row hash (`sha256:` and 64 hex digits, what rows without an
-- identifier are known by) and the text of any other identifier: 39 bytes less per such row.
CREATE TABLE import_source_v2 (
    dataset   TEXT NOT NULL,
    source_id BLOB NOT NULL,              -- BLOB affinity: text stays text, hashes are bytes
    record_id TEXT NOT NULL,
    PRIMARY KEY (dataset, source_id)
) WITHOUT ROWID;

-- Dauria Field local store, schema 1.
-- Revisions are immutable; current-state tables are derived from them and can be rebuilt.

CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Every revision this laptop knows, its own and pulled ones. `seq` is local arrival order.
CREATE TABLE revision (
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
    body_sha256    TEXT NOT NULL
);
CREATE INDEX revision_record ON revision(record_id);

-- Parent links, to find heads when revisions arrive out of order. Only edits and merges have rows.
CREATE TABLE rev_parent (
    parent_id TEXT NOT NULL,
    rev_id    TEXT NOT NULL,
    PRIMARY KEY (parent_id, rev_id)
) WITHOUT ROWID;

-- Revisions written on this laptop, in device_seq order; pushed up to meta 'pushed_seq'.
CREATE TABLE outbox (
    device_seq INTEGER PRIMARY KEY,
    rev_seq    INTEGER NOT NULL REFERENCES revision(seq)
);

-- Current state of every record that is not an observation.
CREATE TABLE record (
    id       TEXT PRIMARY KEY,
    kind     TEXT NOT NULL,
    rev_id   TEXT NOT NULL,                -- provisional winner
    deleted  INTEGER NOT NULL,
    conflict INTEGER NOT NULL,
    body     TEXT
);
CREATE INDEX record_kind ON record(kind);

-- Current state of observations, typed for queries. The full body is in the winning revision.
CREATE TABLE observation (
    rowid_        INTEGER PRIMARY KEY,
    id            TEXT NOT NULL UNIQUE,
    rev_id        TEXT NOT NULL,
    deleted       INTEGER NOT NULL,
    conflict      INTEGER NOT NULL,
    visit_id      TEXT,
    site_id       TEXT,
    taxon_id      TEXT,
    taxon_name    TEXT,
    count         INTEGER,
    count_min     INTEGER,
    count_max     INTEGER,
    unit          TEXT NOT NULL,
    lat           REAL,
    lon           REAL,
    observed_at   TEXT NOT NULL,
    observed_utc  INTEGER NOT NULL,       -- epoch milliseconds, for ordering instants
    country       TEXT,
    search        TEXT                    -- lower-cased notes, free-text name and observers
);
CREATE INDEX observation_time ON observation(observed_utc);
CREATE INDEX observation_taxon ON observation(taxon_id, observed_utc);
CREATE INDEX observation_site ON observation(site_id, observed_utc);

-- Per site and taxon: live observations, individuals, first and last seen. Kept up to date by the
-- write path with each current-row change, so the species summary reads a few hundred rows
-- instead of every observation. '' stands for no site / no checklist taxon.
CREATE TABLE species_tally (
    site_key    TEXT NOT NULL,
    taxon_key   TEXT NOT NULL,
    records     INTEGER NOT NULL,
    individuals INTEGER NOT NULL,
    first_utc   INTEGER NOT NULL,
    first_at    TEXT NOT NULL,
    last_utc    INTEGER NOT NULL,
    last_at     TEXT NOT NULL,
    PRIMARY KEY (site_key, taxon_key)
) WITHOUT ROWID;

-- Heads other than the provisional winner, for records in conflict.
CREATE TABLE conflict_head (
    record_id TEXT NOT NULL,
    rev_id    TEXT NOT NULL,
    PRIMARY KEY (record_id, rev_id)
) WITHOUT ROWID;

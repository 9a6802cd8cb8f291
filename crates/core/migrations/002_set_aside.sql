-- Revisions from elsewhere that this laptop could not apply (unknown kind, newer schema, a body
-- that does not fit its record, a change that breaks a record's identity). They are kept with
-- the reason, shown under "needs attention", and tried again after an upgrade; the changefeed
-- cursor moves on past them, so they never stop a pull.
CREATE TABLE set_aside (
    id          INTEGER PRIMARY KEY,
    rev_id      TEXT UNIQUE,              -- NULL when the document is not even a revision
    server_seq  INTEGER,
    doc         TEXT NOT NULL,
    role        TEXT,                     -- the writer's role, as the server stated it
    code        TEXT NOT NULL,
    reason      TEXT NOT NULL,
    app_version TEXT NOT NULL,            -- the version that set it aside
    set_at      TEXT NOT NULL
);

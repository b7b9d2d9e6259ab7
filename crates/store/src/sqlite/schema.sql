-- The habeas ledger in one SQLite file. The log is `leaves` + `tree` + `checkpoints`;
-- `kept` holds personal values beside it; `records` is a view of the log kept in step with it.
CREATE TABLE meta (
    key   TEXT PRIMARY KEY,
    value TEXT NOT NULL
) WITHOUT ROWID;

-- Leaf bytes by index: the canonical record with personal values committed.
-- `prev` is the leaf of the previous version of the same record.
-- `hashes` are the tree hashes leaf `idx` completes: its leaf hash, then one per node it
-- completes (32 bytes each). They come before `body` so that reading them skips the body.
CREATE TABLE leaves (
    idx    INTEGER PRIMARY KEY,
    prev   INTEGER,
    hashes BLOB,
    body   BLOB NOT NULL
);

-- Personal values with their salts, by the leaf whose commitments they open.
CREATE TABLE kept (
    idx  INTEGER PRIMARY KEY,
    data BLOB NOT NULL
);

-- For each id: its type, current version, content digest and the retraction in force.
CREATE TABLE records (
    id        TEXT PRIMARY KEY,
    type      TEXT NOT NULL,
    current   INTEGER NOT NULL,
    digest    BLOB,
    retracted INTEGER
) WITHOUT ROWID;

-- Signed checkpoints (C2SP signed notes), one per write.
CREATE TABLE checkpoints (
    size INTEGER PRIMARY KEY,
    note TEXT NOT NULL
);


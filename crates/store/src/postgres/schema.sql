-- The habeas ledger in a PostgreSQL database: the same tables as the embedded store
-- (../sqlite/schema.sql, ../sqlite/views.sql), with PostgreSQL's types. Ids and keys are
-- compared byte by byte (COLLATE "C"), as SQLite compares them, so that "in id order" means the
-- same order on both backends whatever the database's locale.
CREATE TABLE meta (
    key   TEXT COLLATE "C" PRIMARY KEY,
    value TEXT NOT NULL
);

-- Leaf bytes by index, with the index of the previous version and the tree hashes the leaf
-- completes (see ../sqlite/schema.sql).
CREATE TABLE leaves (
    idx    BIGINT PRIMARY KEY,
    prev   BIGINT,
    hashes BYTEA,
    body   BYTEA NOT NULL
);

-- Personal values with their salts, by the leaf whose commitments they open.
CREATE TABLE kept (
    idx  BIGINT PRIMARY KEY,
    data BYTEA NOT NULL
);

-- For each id: its type, current version, content digest and the retraction in force.
CREATE TABLE records (
    id        TEXT COLLATE "C" PRIMARY KEY,
    type      TEXT NOT NULL,
    current   BIGINT NOT NULL,
    digest    BYTEA,
    retracted BIGINT
);

-- Signed checkpoints (C2SP signed notes), one per write.
CREATE TABLE checkpoints (
    size BIGINT PRIMARY KEY,
    note TEXT NOT NULL
);

-- Derived views, rebuilt from the log by `habeas rebuild`.
CREATE TABLE mentions (
    key BIGINT NOT NULL,
    idx BIGINT NOT NULL,
    PRIMARY KEY (key, idx)
);

CREATE TABLE imports (
    idx BIGINT PRIMARY KEY,
    at  BIGINT NOT NULL
);
CREATE INDEX imports_at ON imports (at);

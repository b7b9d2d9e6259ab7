-- Derived views, rebuilt from the log by `habeas rebuild` (see views.rs).
-- Which leaves mention which id, by a stable 64-bit key of the id.
CREATE TABLE IF NOT EXISTS mentions (
    key INTEGER NOT NULL,
    idx INTEGER NOT NULL,
    PRIMARY KEY (key, idx)
) WITHOUT ROWID;

-- When each import happened (Unix seconds), for "what the ledger held at".
CREATE TABLE IF NOT EXISTS imports (
    idx INTEGER PRIMARY KEY,
    at  INTEGER NOT NULL
);
CREATE INDEX IF NOT EXISTS imports_at ON imports (at);

-- The server's accounts and audit trail, beside the log in the same file (one file to back up).
-- None of it is part of the log: accounts change, and the audit trail has its own hash chain.
CREATE TABLE IF NOT EXISTS accounts (
    name     TEXT PRIMARY KEY,
    role     TEXT NOT NULL,
    password TEXT NOT NULL,          -- an Argon2id PHC string, never the password
    created  TEXT NOT NULL
) WITHOUT ROWID;

-- The persons a family account may see.
CREATE TABLE IF NOT EXISTS grants (
    account TEXT NOT NULL,
    person  TEXT NOT NULL,
    granted TEXT NOT NULL,
    PRIMARY KEY (account, person)
) WITHOUT ROWID;

-- API tokens by the SHA-256 of the token (the token itself is shown once and never stored).
CREATE TABLE IF NOT EXISTS tokens (
    digest  BLOB PRIMARY KEY,
    account TEXT NOT NULL,
    label   TEXT NOT NULL,
    created TEXT NOT NULL
) WITHOUT ROWID;

-- Every write and every read of personal data through the server. `hash` chains each entry to
-- the one before: SHA-256(0x00 || previous hash || body).
CREATE TABLE IF NOT EXISTS audit (
    seq  INTEGER PRIMARY KEY,
    body TEXT NOT NULL,
    hash BLOB NOT NULL
);
CREATE TRIGGER IF NOT EXISTS audit_no_update BEFORE UPDATE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;
CREATE TRIGGER IF NOT EXISTS audit_no_delete BEFORE DELETE ON audit
BEGIN SELECT RAISE(ABORT, 'the audit trail is append-only'); END;

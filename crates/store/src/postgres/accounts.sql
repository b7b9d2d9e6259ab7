-- The server's accounts and audit trail on PostgreSQL, beside the ledger's tables in the same
-- database: the tables of ../sqlite/accounts.sql with PostgreSQL's types.
CREATE TABLE IF NOT EXISTS accounts (
    name     TEXT COLLATE "C" PRIMARY KEY,
    role     TEXT NOT NULL,
    password TEXT NOT NULL,          -- an Argon2id PHC string, never the password
    created  TEXT NOT NULL
);

CREATE TABLE IF NOT EXISTS grants (
    account TEXT COLLATE "C" NOT NULL,
    person  TEXT COLLATE "C" NOT NULL,
    granted TEXT NOT NULL,
    PRIMARY KEY (account, person)
);

CREATE TABLE IF NOT EXISTS tokens (
    digest  BYTEA PRIMARY KEY,
    account TEXT NOT NULL,
    label   TEXT NOT NULL,
    created TEXT NOT NULL
);

-- `seq` is written by habeas (the last one plus one, under the directory's lock), not by a
-- sequence, which would leave a gap for every transaction undone and so break the chain's count.
CREATE TABLE IF NOT EXISTS audit (
    seq  BIGINT PRIMARY KEY,
    body TEXT NOT NULL,
    hash BYTEA NOT NULL
);
CREATE OR REPLACE FUNCTION habeas_audit_append_only() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN RAISE EXCEPTION 'the audit trail is append-only'; END $$;
CREATE OR REPLACE TRIGGER audit_no_update BEFORE UPDATE OR DELETE ON audit
    FOR EACH ROW EXECUTE FUNCTION habeas_audit_append_only();
CREATE OR REPLACE TRIGGER audit_no_truncate BEFORE TRUNCATE ON audit
    FOR EACH STATEMENT EXECUTE FUNCTION habeas_audit_append_only();

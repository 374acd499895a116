-- Staff accounts, sessions, login throttling and the audit trail.
-- Instants are milliseconds since the Unix epoch (UTC); flags are 0/1 integers.

CREATE TABLE users (
    id            TEXT PRIMARY KEY,
    username      TEXT NOT NULL,
    username_key  TEXT NOT NULL,
    role          TEXT NOT NULL CHECK (role IN ('admin', 'manager')),
    full_name     TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    is_active     INTEGER NOT NULL CHECK (is_active IN (0, 1)),
    search_key    TEXT NOT NULL,
    created_at    INTEGER NOT NULL,
    updated_at    INTEGER NOT NULL
);
CREATE UNIQUE INDEX users_username_key ON users (username_key);
CREATE INDEX users_role_created ON users (role, created_at);

CREATE TABLE sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at   INTEGER NOT NULL,
    last_seen_at INTEGER NOT NULL,
    ip           TEXT NOT NULL,
    user_agent   TEXT NOT NULL
);
CREATE INDEX sessions_user ON sessions (user_id);
CREATE INDEX sessions_last_seen ON sessions (last_seen_at);

CREATE TABLE login_attempts (
    id           TEXT PRIMARY KEY,
    username_key TEXT NOT NULL,
    ip           TEXT NOT NULL,
    at           INTEGER NOT NULL
);
CREATE INDEX login_attempts_user ON login_attempts (username_key, at);
CREATE INDEX login_attempts_ip ON login_attempts (ip, at);

CREATE TABLE audit_log (
    id            TEXT PRIMARY KEY,
    timestamp     INTEGER NOT NULL,
    user_id       TEXT,
    user_username TEXT,
    action        TEXT NOT NULL,
    entity_type   TEXT,
    entity_id     TEXT,
    details       TEXT NOT NULL,
    before        TEXT,
    after         TEXT
);
CREATE INDEX audit_log_timestamp ON audit_log (timestamp, id);
CREATE INDEX audit_log_entity ON audit_log (entity_type, entity_id, timestamp);
CREATE INDEX audit_log_user ON audit_log (user_id, timestamp);
CREATE INDEX audit_log_action ON audit_log (action, timestamp);

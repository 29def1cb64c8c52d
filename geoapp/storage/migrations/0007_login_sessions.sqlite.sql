-- Server-side login sessions replace the per-account epoch of version 4: the cookie
-- carries a random id, stored here only as its SHA-256, so each session ends on its own
-- (logout, idle or absolute expiry) or with its account (new password, removal, an
-- admin's sign-out). Failed logins are throttled per (name, address) pair.
CREATE TABLE login_sessions (
    id_hash TEXT PRIMARY KEY,
    user_id INTEGER NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at TEXT NOT NULL,
    last_seen_at TEXT NOT NULL,
    remote_addr TEXT NOT NULL
);
CREATE INDEX login_sessions_user_idx ON login_sessions (user_id);
CREATE INDEX login_sessions_seen_idx ON login_sessions (last_seen_at);
CREATE INDEX login_attempts_pair_idx ON login_attempts (name, remote_addr, attempted_at);
ALTER TABLE users DROP COLUMN session_epoch;

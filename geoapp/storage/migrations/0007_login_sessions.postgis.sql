-- Server-side login sessions replace the per-account epoch of version 4: the cookie
-- carries a random id, stored here only as its SHA-256, so each session ends on its own
-- (logout, idle or absolute expiry) or with its account (new password, removal, an
-- admin's sign-out). Failed logins are throttled per (name, address) pair.
CREATE TABLE login_sessions (
    id_hash text PRIMARY KEY,
    user_id bigint NOT NULL REFERENCES users (id) ON DELETE CASCADE,
    created_at timestamptz NOT NULL,
    last_seen_at timestamptz NOT NULL,
    remote_addr text NOT NULL
);
CREATE INDEX login_sessions_user_idx ON login_sessions (user_id);
CREATE INDEX login_sessions_seen_idx ON login_sessions (last_seen_at);
CREATE INDEX login_attempts_pair_idx ON login_attempts (name, remote_addr, attempted_at);
ALTER TABLE users DROP COLUMN session_epoch;

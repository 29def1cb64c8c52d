-- A counter raised whenever an account's password changes: sessions started before it end.
ALTER TABLE users ADD COLUMN session_epoch INTEGER NOT NULL DEFAULT 0;

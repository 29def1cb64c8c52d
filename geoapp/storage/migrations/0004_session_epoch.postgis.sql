-- A counter raised whenever an account's password changes: sessions started before it end.
ALTER TABLE users ADD COLUMN session_epoch integer NOT NULL DEFAULT 0;

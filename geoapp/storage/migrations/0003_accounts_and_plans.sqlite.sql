-- Accounts (admin, planner), login attempts kept for rate limiting across workers,
-- and boundary plans: a flat district -> community mapping with numbered, audited edits.
CREATE TABLE users (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL UNIQUE,
    role TEXT NOT NULL CHECK (role IN ('admin', 'planner')),
    password_hash TEXT NOT NULL,
    created_at TEXT NOT NULL
);

CREATE TABLE login_attempts (
    id INTEGER PRIMARY KEY,
    name TEXT NOT NULL,
    remote_addr TEXT NOT NULL,
    attempted_at TEXT NOT NULL,
    succeeded INTEGER NOT NULL
);
CREATE INDEX login_attempts_name_idx ON login_attempts (name, attempted_at);
CREATE INDEX login_attempts_addr_idx ON login_attempts (remote_addr, attempted_at);

CREATE TABLE plans (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    status TEXT NOT NULL CHECK (status IN ('draft', 'proposed', 'adopted', 'archived')),
    author TEXT NOT NULL,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    version INTEGER NOT NULL,
    next_community_id INTEGER NOT NULL DEFAULT 1
);
CREATE UNIQUE INDEX plans_one_adopted_idx ON plans (status) WHERE status = 'adopted';

CREATE TABLE plan_communities (
    plan_id INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    id INTEGER NOT NULL,
    name TEXT NOT NULL,
    name_kana TEXT NOT NULL DEFAULT '',
    color TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    hub_center TEXT,
    places TEXT NOT NULL DEFAULT '[]',
    locked INTEGER NOT NULL DEFAULT 0,
    PRIMARY KEY (plan_id, id)
);

CREATE TABLE plan_assignments (
    plan_id INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    district_code TEXT NOT NULL,
    community_id INTEGER NOT NULL,
    PRIMARY KEY (plan_id, district_code)
);

CREATE TABLE plan_edits (
    plan_id INTEGER NOT NULL REFERENCES plans (id) ON DELETE CASCADE,
    version INTEGER NOT NULL,
    author TEXT NOT NULL,
    made_at TEXT NOT NULL,
    operation TEXT NOT NULL,
    request TEXT NOT NULL DEFAULT '{}',
    changes TEXT NOT NULL,
    PRIMARY KEY (plan_id, version)
);

-- The population range a community should fall in (either end optional), one row per city.
CREATE TABLE community_targets (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    population_min INTEGER CHECK (population_min >= 0),
    population_max INTEGER CHECK (population_max >= 0)
);

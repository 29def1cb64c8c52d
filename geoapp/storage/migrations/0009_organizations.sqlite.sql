-- Community organizations (#19): the city's scheme (stage ladder, milestone kinds, rules;
-- one JSON document), one organization per community of the adopted plan, each one's
-- dated stage history and milestones, and an audit row for every change. Dates are
-- ISO 8601 text (YYYY-MM-DD), which sorts as the dates do.
CREATE TABLE organization_scheme (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    document TEXT NOT NULL,
    loaded_at TEXT NOT NULL,
    loaded_by TEXT NOT NULL
);

CREATE TABLE organizations (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    plan_id INTEGER,
    community_id INTEGER,
    community_name TEXT NOT NULL DEFAULT '',
    districts TEXT NOT NULL DEFAULT '[]',
    name TEXT NOT NULL,
    name_kana TEXT NOT NULL DEFAULT '',
    hub_center TEXT,
    area_staff TEXT NOT NULL DEFAULT '',
    contact_public TEXT NOT NULL DEFAULT '',
    notes_public TEXT NOT NULL DEFAULT '',
    contact_private TEXT NOT NULL DEFAULT '',
    notes_private TEXT NOT NULL DEFAULT '',
    version INTEGER NOT NULL DEFAULT 1,
    created_at TEXT NOT NULL,
    updated_at TEXT NOT NULL,
    archived_at TEXT
);
-- An active organization stands for one community of the adopted plan.
CREATE UNIQUE INDEX organizations_community_idx ON organizations (community_id)
    WHERE archived_at IS NULL;

CREATE TABLE organization_stages (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    stage TEXT NOT NULL,
    effective_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    exception_reason TEXT,
    waived_rules TEXT NOT NULL DEFAULT '[]',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
-- The stage of every organization on a day: the latest row on or before it.
CREATE INDEX organization_stages_on_idx
    ON organization_stages (organization_id, effective_on DESC, id DESC, stage);

CREATE TABLE organization_milestones (
    organization_id INTEGER NOT NULL REFERENCES organizations (id) ON DELETE CASCADE,
    milestone TEXT NOT NULL,
    achieved_on TEXT NOT NULL,
    note TEXT NOT NULL DEFAULT '',
    links TEXT NOT NULL DEFAULT '[]',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL,
    PRIMARY KEY (organization_id, milestone)
);
CREATE INDEX organization_milestones_kind_idx ON organization_milestones (milestone, achieved_on);

CREATE TABLE organization_audit (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER,
    made_at TEXT NOT NULL,
    actor TEXT NOT NULL,
    action TEXT NOT NULL,
    old_value TEXT,
    new_value TEXT,
    exception_reason TEXT,
    waived_rules TEXT NOT NULL DEFAULT '[]'
);
CREATE INDEX organization_audit_org_idx ON organization_audit (organization_id, id);

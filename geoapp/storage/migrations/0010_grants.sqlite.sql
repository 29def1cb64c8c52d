-- Subsidy grants (#20): one row per grant decision of a program (the programs are rules in
-- the scheme document), kept with the exception an admin recorded and the rules it waived.
-- Amounts are whole yen; a refused application (不交付) is a grant of 0.
CREATE TABLE grants (
    id INTEGER PRIMARY KEY,
    organization_id INTEGER NOT NULL REFERENCES organizations (id),
    program TEXT NOT NULL,
    fiscal_year INTEGER NOT NULL,
    project TEXT NOT NULL DEFAULT '',
    requested INTEGER NOT NULL CHECK (requested >= 0),
    granted INTEGER NOT NULL CHECK (granted >= 0),
    decided_on TEXT,
    note TEXT NOT NULL DEFAULT '',
    exception_reason TEXT,
    waived_rules TEXT NOT NULL DEFAULT '[]',
    recorded_by TEXT NOT NULL,
    recorded_at TEXT NOT NULL
);
-- The annual report and the budget read a fiscal year; the rules an organization's year.
CREATE INDEX grants_year_idx ON grants (fiscal_year, program, organization_id, granted);
CREATE INDEX grants_organization_idx ON grants (organization_id, program, fiscal_year);

-- Every writer of grants locks this one row first, so two imports at once check their
-- budgets and caps one after the other.
CREATE TABLE grant_writes (id integer PRIMARY KEY CHECK (id = 1));
INSERT INTO grant_writes (id) VALUES (1);

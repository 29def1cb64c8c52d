-- The districts' readings (よみがな) by code, as the city loads them from a CSV (#21): the
-- public search matches them. Kept apart from the districts layer, so that a new import
-- of the districts (which rarely carries readings) keeps them.
CREATE TABLE district_readings (
    code text PRIMARY KEY,
    kana text NOT NULL
);

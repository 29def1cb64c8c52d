-- City settings an admin edits: the base map's attribution (for an in-house tile server),
-- the data credits shown on every map, the kinds of community centres (JSON; NULL means
-- the default list), and a flag marking the generated demo city, which alone shows the
-- "fictional city" notice. Databases already holding the demo city (code 999016) get it.
ALTER TABLE city ADD COLUMN basemap_attribution TEXT NOT NULL DEFAULT '';
ALTER TABLE city ADD COLUMN credits TEXT NOT NULL DEFAULT '';
ALTER TABLE city ADD COLUMN demo INTEGER NOT NULL DEFAULT 0;
ALTER TABLE city ADD COLUMN center_kinds TEXT;
UPDATE city SET demo = 1 WHERE municipality_code = '999016';

-- City settings an admin edits: the base map's attribution (for an in-house tile server),
-- the data credits shown on every map, the kinds of community centres (JSON; NULL means
-- the default list), and a flag marking the generated demo city, which alone shows the
-- "fictional city" notice. Databases already holding the demo city (code 999016) get it.
ALTER TABLE city ADD COLUMN basemap_attribution text NOT NULL DEFAULT '';
ALTER TABLE city ADD COLUMN credits text NOT NULL DEFAULT '';
ALTER TABLE city ADD COLUMN demo boolean NOT NULL DEFAULT false;
ALTER TABLE city ADD COLUMN center_kinds jsonb;
UPDATE city SET demo = true WHERE municipality_code = '999016';

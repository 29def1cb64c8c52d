-- City settings and the three building-block layers.
-- Geometry is WKB in a BLOB; its SRID is recorded in geometry_columns, and an R*Tree per
-- layer indexes the bounding boxes.
CREATE TABLE city (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    name TEXT NOT NULL,
    name_kana TEXT NOT NULL DEFAULT '',
    prefecture TEXT NOT NULL DEFAULT '',
    municipality_code TEXT NOT NULL,
    working_crs INTEGER NOT NULL,
    basemap TEXT NOT NULL DEFAULT 'gsi-pale',
    updated_at TEXT NOT NULL
);

CREATE TABLE geometry_columns (
    table_name TEXT NOT NULL,
    column_name TEXT NOT NULL,
    geometry_type TEXT NOT NULL,
    srid INTEGER NOT NULL,
    PRIMARY KEY (table_name, column_name)
);

CREATE TABLE districts (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_kana TEXT,
    population INTEGER CHECK (population >= 0),
    households INTEGER CHECK (households >= 0),
    population_65 INTEGER CHECK (population_65 >= 0),
    properties TEXT NOT NULL DEFAULT '{}',
    geom BLOB NOT NULL
);
CREATE VIRTUAL TABLE districts_rtree USING rtree(id, minx, maxx, miny, maxy);

CREATE TABLE school_zones (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    school_name TEXT,
    population INTEGER CHECK (population >= 0),
    school_location BLOB,
    properties TEXT NOT NULL DEFAULT '{}',
    geom BLOB NOT NULL
);
CREATE VIRTUAL TABLE school_zones_rtree USING rtree(id, minx, maxx, miny, maxy);

CREATE TABLE centers (
    id INTEGER PRIMARY KEY,
    code TEXT NOT NULL UNIQUE,
    name TEXT NOT NULL,
    name_kana TEXT,
    kind TEXT,
    address TEXT,
    managed_by TEXT,
    properties TEXT NOT NULL DEFAULT '{}',
    geom BLOB NOT NULL
);
CREATE VIRTUAL TABLE centers_rtree USING rtree(id, minx, maxx, miny, maxy);

INSERT INTO geometry_columns VALUES
    ('districts', 'geom', 'MULTIPOLYGON', {srid}),
    ('school_zones', 'geom', 'MULTIPOLYGON', {srid}),
    ('school_zones', 'school_location', 'POINT', {srid}),
    ('centers', 'geom', 'POINT', {srid});

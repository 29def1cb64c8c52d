-- City settings and the three building-block layers, with typed PostGIS geometry columns
-- (SRID = the city's working CRS) and GiST indexes.
CREATE EXTENSION IF NOT EXISTS postgis;

CREATE TABLE city (
    id integer PRIMARY KEY CHECK (id = 1),
    name text NOT NULL,
    name_kana text NOT NULL DEFAULT '',
    prefecture text NOT NULL DEFAULT '',
    municipality_code text NOT NULL,
    working_crs integer NOT NULL,
    basemap text NOT NULL DEFAULT 'gsi-pale',
    updated_at timestamptz NOT NULL
);

CREATE TABLE districts (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL,
    name_kana text,
    population integer CHECK (population >= 0),
    households integer CHECK (households >= 0),
    population_65 integer CHECK (population_65 >= 0),
    properties jsonb NOT NULL DEFAULT '{}',
    geom geometry(MultiPolygon, {srid}) NOT NULL
);
CREATE INDEX districts_geom_idx ON districts USING gist (geom);

CREATE TABLE school_zones (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL,
    school_name text,
    population integer CHECK (population >= 0),
    school_location geometry(Point, {srid}),
    properties jsonb NOT NULL DEFAULT '{}',
    geom geometry(MultiPolygon, {srid}) NOT NULL
);
CREATE INDEX school_zones_geom_idx ON school_zones USING gist (geom);

CREATE TABLE centers (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    code text NOT NULL UNIQUE,
    name text NOT NULL,
    name_kana text,
    kind text,
    address text,
    managed_by text,
    properties jsonb NOT NULL DEFAULT '{}',
    geom geometry(Point, {srid}) NOT NULL
);
CREATE INDEX centers_geom_idx ON centers USING gist (geom);

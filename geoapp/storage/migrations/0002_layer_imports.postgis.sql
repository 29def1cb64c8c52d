-- A record of every load into a layer: when, from what, how many features.
CREATE TABLE layer_imports (
    id bigint GENERATED ALWAYS AS IDENTITY PRIMARY KEY,
    layer text NOT NULL,
    source text NOT NULL,
    feature_count integer NOT NULL,
    imported_at timestamptz NOT NULL,
    report jsonb NOT NULL DEFAULT '{}'
);
CREATE INDEX layer_imports_layer_idx ON layer_imports (layer, imported_at);

-- A record of every load into a layer: when, from what, how many features.
CREATE TABLE layer_imports (
    id INTEGER PRIMARY KEY,
    layer TEXT NOT NULL,
    source TEXT NOT NULL,
    feature_count INTEGER NOT NULL,
    imported_at TEXT NOT NULL,
    report TEXT NOT NULL DEFAULT '{}'
);
CREATE INDEX layer_imports_layer_idx ON layer_imports (layer, imported_at);

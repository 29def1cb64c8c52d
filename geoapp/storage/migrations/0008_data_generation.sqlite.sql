-- A counter raised in the same transaction as every write of the layers or the city:
-- each app process keys its caches of data derived from them on it. The random origin
-- keeps two databases (a new one, a restored one) from ever giving the same stamp.
CREATE TABLE data_generation (
    id INTEGER PRIMARY KEY CHECK (id = 1),
    origin TEXT NOT NULL,
    generation INTEGER NOT NULL
);
INSERT INTO data_generation (id, origin, generation) VALUES (1, lower(hex(randomblob(8))), 1);

-- A counter raised in the same transaction as every write of the layers or the city:
-- each app process keys its caches of data derived from them on it. The random origin
-- keeps two databases (a new one, a restored one) from ever giving the same stamp.
CREATE TABLE data_generation (
    id integer PRIMARY KEY CHECK (id = 1),
    origin text NOT NULL,
    generation bigint NOT NULL
);
INSERT INTO data_generation (id, origin, generation)
VALUES (1, substr(md5(random()::text || clock_timestamp()::text), 1, 16), 1);

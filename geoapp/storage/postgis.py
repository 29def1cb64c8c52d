"""The production backend: PostgreSQL + PostGIS through a psycopg 3 connection pool.

Geometry columns are typed with the working CRS's SRID and GiST-indexed; layers are bulk
loaded with binary COPY, geometry travelling as EWKB, while the next batch is being made.
"""

from __future__ import annotations

import logging
from collections.abc import Iterable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from typing import Any

import geopandas as gpd
import psycopg
from psycopg import sql
from psycopg.copy import QueuedLibpqWriter
from psycopg.rows import dict_row
from psycopg.types.json import Jsonb
from psycopg_pool import ConnectionPool, PoolTimeout

from ..city.model import City
from ..errors import StorageUnavailable
from ..layers import LAYERS, Layer
from ..translatable import Text
from . import binary_copy
from .base import (
    RAISE_DATA_GENERATION,
    LayerImport,
    ReportSource,
    Session,
    Store,
    WriteMode,
)
from .city import SELECT_CITY, upsert_city
from .conflicts import duplicate_conflict
from .migration import Migration
from .rows import LayerBatch, as_dict, stored_rows

logger = logging.getLogger(__name__)

CONNECT_TIMEOUT_SECONDS = 10.0
# Rows encoded at a time for COPY: the EWKB of a whole large layer would double its size in
# memory.
COPY_CHUNK_ROWS = 5000
# Each field kind's values framed in binary COPY form. Each value goes to its column type's
# receive function: geometry's takes EWKB and jsonb's a version byte then the JSON text.
BINARY_VALUES = {
    "text": binary_copy.text_values,
    "integer": binary_copy.int4_values,
    "real": binary_copy.float8_values,
    "point": binary_copy.bytes_values,
}


class PostGISStore(Store):
    """A geoapp database in PostgreSQL with PostGIS."""

    backend = "postgis"

    def __init__(self, url: str, default_srid: int, pool_size: int = 10) -> None:
        super().__init__(default_srid)
        self.url = url
        self.pool = ConnectionPool(
            url,
            min_size=1,
            max_size=max(1, pool_size),
            open=False,
            name="geoapp",
            check=ConnectionPool.check_connection,
        )

    def _connection(self) -> Any:
        """A pooled connection; the pool opens on first use, so an app starts without a database."""
        if self.pool.closed:
            self.pool.open(wait=False)
        return self.pool.connection(timeout=CONNECT_TIMEOUT_SECONDS)

    def _run(self, query: str | sql.Composed, params: tuple[Any, ...] = ()) -> list[dict[str, Any]]:
        """One statement in its own transaction; its rows as dicts."""
        try:
            with (
                self._connection() as connection,
                connection.cursor(row_factory=dict_row) as cursor,
            ):
                cursor.execute(query, params)
                return cursor.fetchall() if cursor.description else []
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise unavailable(self.url, exc) from exc

    def applied_versions(self) -> set[int]:
        self._run(
            "CREATE TABLE IF NOT EXISTS schema_migrations ("
            "version integer PRIMARY KEY, name text NOT NULL, applied_at timestamptz NOT NULL)"
        )
        return {row["version"] for row in self._run("SELECT version FROM schema_migrations")}

    def _apply_migration(self, migration: Migration, sql_text: str) -> None:
        with self._connection() as connection:
            connection.execute(sql_text.encode())
            connection.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (%s, %s, now())",
                (migration.version, migration.name),
            )

    def ping(self) -> None:
        self._run("SELECT 1")

    def city(self) -> City | None:
        rows = self._run(SELECT_CITY)
        return City.from_row(rows[0]) if rows else None

    def geometry_srid(self) -> int:
        # From the column's type in the catalogue: the geometry_columns view scans every
        # table's columns (20 ms on each call).
        rows = self._run(
            "SELECT postgis_typmod_srid(atttypmod) AS srid FROM pg_attribute "
            "WHERE attrelid = to_regclass('districts') AND attname = 'geom'"
        )
        return int(rows[0]["srid"]) if rows else self.default_srid

    def count(self, layer: Layer) -> int:
        query = sql.SQL("SELECT count(*) AS n FROM {}").format(sql.Identifier(layer.table))
        return int(self._run(query)[0]["n"])

    def layer_imports(self, limit: int = 20) -> list[LayerImport]:
        rows = self._run(
            "SELECT layer, source, feature_count, imported_at, report FROM layer_imports "
            "ORDER BY imported_at DESC, id DESC LIMIT %s",
            (limit,),
        )
        return [LayerImport(**{**row, "report": as_dict(row["report"])}) for row in rows]

    def _select_rows(self, layer: Layer) -> list[dict[str, Any]]:
        columns = [
            sql.SQL("ST_AsBinary({0}) AS {0}").format(sql.Identifier(name))
            if name in layer.point_fields
            else sql.Identifier(name)
            for name in layer.field_names
        ]
        query = sql.SQL(
            "SELECT {columns}, properties, ST_AsBinary(geom) AS geom FROM {table} ORDER BY code"
        ).format(columns=sql.SQL(", ").join(columns), table=sql.Identifier(layer.table))
        return self._run(query)

    def _write(
        self,
        city: City | None,
        srid: int,
        layers: Mapping[Layer, Iterable[gpd.GeoDataFrame | LayerBatch]],
        source: str,
        mode: WriteMode,
        report: ReportSource,
    ) -> None:
        try:
            with self._connection() as connection:
                if city is not None:
                    upsert_city(PostGISSession(connection), city)
                if srid != self.geometry_srid():
                    _retype_geometry_columns(connection, srid, layers)
                for layer, batches in layers.items():
                    count = _copy_layer(connection, layer, batches, srid, mode)
                    if source:
                        connection.execute(
                            "INSERT INTO layer_imports (layer, source, feature_count, imported_at,"
                            " report) VALUES (%s, %s, %s, now(), %s)",
                            (layer.name, source, count, Jsonb(dict(report()))),
                        )
                # Last, so that concurrent writes queue on this row only until one commits.
                _raise_data_generation(connection)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise unavailable(self.url, exc) from exc

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        try:
            with self._connection() as connection:
                if not write:  # one snapshot for every read of the session
                    connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
                yield PostGISSession(connection)
        except (psycopg.OperationalError, PoolTimeout) as exc:
            raise unavailable(self.url, exc) from exc

    def close(self) -> None:
        self.pool.close()


class PostGISSession(Session):
    """Statements on one pooled connection; dict and list parameters sent as jsonb."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        with self.connection.cursor(row_factory=dict_row) as cursor:
            try:
                cursor.execute(query, [_postgis_value(v) for v in params])
            except psycopg.errors.UniqueViolation as exc:
                raise duplicate_conflict(exc.diag.constraint_name) from exc
            return cursor.fetchall() if cursor.description else []

    def run_many(self, query: str, params: Iterable[Sequence[Any]]) -> None:
        with self.connection.cursor() as cursor:
            cursor.executemany(query, [[_postgis_value(v) for v in row] for row in params])

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Stream the rows with COPY, several times faster than an INSERT per row."""
        with (
            self.connection.cursor() as cursor,
            cursor.copy(f"COPY {table} ({', '.join(columns)}) FROM STDIN") as copy,
        ):
            for row in rows:
                copy.write_row([_postgis_value(v) for v in row])


def _raise_data_generation(connection: psycopg.Connection) -> None:
    """Raise the data generation, once the schema has it (a database being upgraded may
    be written before it does)."""
    row = connection.execute("SELECT to_regclass('data_generation') IS NOT NULL").fetchone()
    if row and row[0]:
        connection.execute(RAISE_DATA_GENERATION)


def _postgis_value(value: Any) -> Any:
    """A parameter as psycopg should send it: dicts and lists as jsonb."""
    return Jsonb(value) if isinstance(value, dict | list) else value


def _copy_layer(
    connection: psycopg.Connection,
    layer: Layer,
    batches: Iterable[LayerBatch],
    srid: int,
    mode: WriteMode,
) -> int:
    """COPY the batches into a layer's table: after emptying it (replace), or through a
    staging table merged on code (upsert). A writer thread sends the rows, so the server
    stores one batch while the next is made.

    A replace builds the spatial index and the code's unique index anew after the rows are
    in: building an index from the whole layer costs a fraction of updating it row by row
    (the codes are known to be unique: storage refused repeats before sending a row).
    Readers of the layer wait for the commit meanwhile (dropping an index locks the
    table), then see the old rows or the new ones, never an empty layer: the rows are
    deleted, not truncated.
    """
    table = sql.Identifier(layer.table)
    spatial_index = sql.Identifier(f"{layer.table}_geom_idx")
    unique_code = sql.Identifier(f"{layer.table}_code_key")
    names = [*layer.field_names, "properties", "geom"]
    columns = sql.SQL(", ").join(map(sql.Identifier, names))
    if mode == "replace":
        connection.execute(sql.SQL("DELETE FROM {}").format(table))
        connection.execute(sql.SQL("DROP INDEX IF EXISTS {}").format(spatial_index))
        connection.execute(
            sql.SQL("ALTER TABLE {} DROP CONSTRAINT IF EXISTS {}").format(table, unique_code)
        )
        target = table
    else:
        target = sql.Identifier(f"staging_{layer.table}")
        connection.execute(
            sql.SQL("CREATE TEMP TABLE {} ON COMMIT DROP AS SELECT {} FROM {} WITH NO DATA").format(
                target, columns, table
            )
        )
    copy = sql.SQL("COPY {} ({}) FROM STDIN (FORMAT BINARY)").format(target, columns)
    count = 0
    with (
        connection.cursor() as cursor,
        cursor.copy(copy, writer=QueuedLibpqWriter(cursor)) as copier,
    ):
        copier.write(binary_copy.SIGNATURE)
        for batch in batches:
            count += _copy_rows(copier, layer, batch, srid)
        copier.write(binary_copy.TRAILER)
    if mode == "replace":
        connection.execute(
            sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} UNIQUE (code)").format(table, unique_code)
        )
        connection.execute(
            sql.SQL("CREATE INDEX {} ON {} USING gist (geom)").format(spatial_index, table)
        )
    else:
        updates = sql.SQL(", ").join(
            sql.SQL("{0} = EXCLUDED.{0}").format(sql.Identifier(name))
            for name in names
            if name != "code"
        )
        connection.execute(
            sql.SQL(
                "INSERT INTO {table} ({columns}) SELECT {columns} FROM {staging} "
                "ON CONFLICT (code) DO UPDATE SET {updates}"
            ).format(table=table, columns=columns, staging=target, updates=updates)
        )
    return count


def _copy_rows(copier: psycopg.Copy, layer: Layer, batch: LayerBatch, srid: int) -> int:
    """Send one batch's rows in binary COPY form, a block of rows at a time."""
    rows = stored_rows(layer, batch)
    framers = [BINARY_VALUES[field.kind] for field in layer.fields]
    for start in range(0, len(rows), COPY_CHUNK_ROWS):
        chunk = slice(start, start + COPY_CHUNK_ROWS)
        values = rows.field_values(layer, chunk, srid)
        parts = [frame(column) for frame, column in zip(framers, values, strict=True)]
        parts.append(binary_copy.jsonb_values(rows.properties[chunk]))
        parts.extend(binary_copy.framed_parts(*rows.geometry_wkb_parts(chunk, srid)))
        copier.write(binary_copy.rows_block(len(values) + 2, parts))
    return len(rows)


def _retype_geometry_columns(
    connection: psycopg.Connection, srid: int, layers: Mapping[Layer, object]
) -> None:
    """Give every geometry column the new SRID; the layers' rows are rewritten by the caller."""
    for layer in LAYERS:
        if layer not in layers:
            connection.execute(sql.SQL("DELETE FROM {}").format(sql.Identifier(layer.table)))
        columns = [("geom", layer.geometry_type)] + [(n, "Point") for n in layer.point_fields]
        for column, geometry_type in columns:
            connection.execute(
                sql.SQL(
                    "ALTER TABLE {table} ALTER COLUMN {column} TYPE geometry({kind}, {srid}) "
                    "USING ST_SetSRID({column}, {srid})"
                ).format(
                    table=sql.Identifier(layer.table),
                    column=sql.Identifier(column),
                    kind=sql.SQL(geometry_type),
                    srid=sql.Literal(srid),
                )
            )


def unavailable(url: str, exc: Exception) -> StorageUnavailable:
    """The error for a PostgreSQL server that cannot be reached, without the password."""
    shown = psycopg.conninfo.conninfo_to_dict(url)
    shown.pop("password", None)
    where = f"{shown.get('host', 'localhost')}:{shown.get('port', 5432)}/{shown.get('dbname', '')}"
    return StorageUnavailable(
        Text("PostgreSQL（{where}）に接続できません: {reason}", where=where, reason=exc)
    )

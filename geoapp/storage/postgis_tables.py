"""The whole-table reads and writes of a PostGIS geoapp database, in the neutral form of
``tables``: geometry read as WKB and written from it, JSON as text, booleans as 0 and 1,
times as ISO 8601 in UTC. Only the tables of the URL's current schema are seen."""

from __future__ import annotations

from collections.abc import Callable, Iterator, Mapping, Sequence
from contextlib import contextmanager
from datetime import UTC, date, datetime, time
from typing import Any

import psycopg
from psycopg import sql

from .base import RAISE_DATA_GENERATION
from .postgis import unavailable
from .tables import (
    CHUNK_ROWS,
    Column,
    Row,
    Table,
    TableReader,
    TableWriter,
    copied,
    in_dependency_order,
)

# The geoapp tables: those of the current schema, without an extension's (spatial_ref_sys
# where PostGIS was installed in the same schema).
_TABLES = """
SELECT c.oid, c.relname FROM pg_class c
WHERE c.relnamespace = current_schema()::regnamespace AND c.relkind IN ('r', 'p')
  AND NOT EXISTS (SELECT 1 FROM pg_depend d WHERE d.classid = 'pg_class'::regclass
                  AND d.objid = c.oid AND d.deptype = 'e')
"""
_COLUMNS = f"""
SELECT t.relname AS table_name, a.attname AS name, format_type(a.atttypid, a.atttypmod) AS declared,
       y.typname AS type_name,
       CASE WHEN y.typname = 'geometry' THEN upper(postgis_typmod_type(a.atttypmod)) END
           AS geometry_type,
       coalesce(array_position(i.indkey::int2[], a.attnum) + 1 - array_lower(i.indkey::int2[], 1),
                0) AS key_position
FROM ({_TABLES}) t
JOIN pg_attribute a ON a.attrelid = t.oid AND a.attnum > 0 AND NOT a.attisdropped
JOIN pg_type y ON y.oid = a.atttypid
LEFT JOIN pg_index i ON i.indrelid = t.oid AND i.indisprimary
ORDER BY t.relname, a.attnum
"""
_PARENTS = f"""
SELECT t.relname AS table_name, p.relname AS parent FROM ({_TABLES}) t
JOIN pg_constraint k ON k.conrelid = t.oid AND k.contype = 'f'
JOIN pg_class p ON p.oid = k.confrelid
"""
# A table's foreign keys, and its indexes that back no constraint, with their definitions:
# a load drops them and makes them again once the rows are in, which costs a fraction of
# checking and indexing row by row.
_FOREIGN_KEYS = """
SELECT conname, pg_get_constraintdef(oid) FROM pg_constraint
WHERE conrelid = %s::regclass AND contype = 'f'
"""
_LOOSE_INDEXES = """
SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i
WHERE indrelid = %s::regclass
  AND NOT EXISTS (SELECT 1 FROM pg_constraint k WHERE k.conindid = i.indexrelid)
"""
_IDENTITY_SEQUENCES = f"""
SELECT t.relname AS table_name, a.attname AS name,
       pg_get_serial_sequence(format('%I', t.relname), a.attname) AS sequence
FROM ({_TABLES}) t JOIN pg_attribute a ON a.attrelid = t.oid AND a.attidentity <> ''
"""


@contextmanager
def postgis_snapshot(url: str) -> Iterator[PostGISReader]:
    """The tables of the database at ``url`` as one read-only, repeatable-read transaction
    sees them (writers go on meanwhile)."""
    with _connected(url) as connection:
        connection.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ, READ ONLY")
        yield PostGISReader(connection)
        connection.rollback()


@contextmanager
def postgis_writing(url: str) -> Iterator[PostGISWriter]:
    """The database at ``url`` filled in one transaction, committed at the end of the
    ``with`` block; the server rolls it back if the connection is lost."""
    with _connected(url) as connection:
        yield PostGISWriter(connection)


@contextmanager
def _connected(url: str) -> Iterator[psycopg.Connection]:
    """A connection to ``url`` outside the app's pool, in a transaction; closed afterwards."""
    try:
        connection = psycopg.connect(url)
    except psycopg.OperationalError as exc:
        raise unavailable(url, exc) from exc
    with connection:
        yield connection


class PostGISReader(TableReader):
    """The tables of a PostGIS geoapp database read in one transaction of a connection."""

    backend = "postgis"

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection
        self._tables: list[Table] | None = None
        self._types: dict[tuple[str, str], str] = {}

    def schema_version(self) -> int:
        if "schema_migrations" not in self.table_names():
            return 0
        return int(self._value("SELECT coalesce(max(version), 0) FROM schema_migrations"))

    def schema_name(self) -> str:
        """The schema whose tables are read (the first of the search path)."""
        return str(self._value("SELECT current_schema()"))

    def srid(self) -> int:
        return int(
            self._value(
                "SELECT postgis_typmod_srid(atttypmod) FROM pg_attribute "
                "WHERE attrelid = 'districts'::regclass AND attname = 'geom'"
            )
        )

    def table_names(self) -> list[str]:
        return sorted(row[1] for row in self.connection.execute(_TABLES))

    def tables(self) -> list[Table]:
        if self._tables is None:
            self._tables = in_dependency_order(self._read_tables())
        return self._tables

    def chunks(self, table: Table, columns: Sequence[str]) -> Iterator[list[Row]]:
        self.tables()
        selected = sql.SQL(", ").join(self._selected(table.name, name) for name in columns)
        order = sql.SQL(", ").join(map(sql.Identifier, table.key)) or sql.SQL("ctid")
        query = sql.SQL("SELECT {} FROM {} ORDER BY {}").format(
            selected, sql.Identifier(table.name), order
        )
        times = [
            position
            for position, name in enumerate(columns)
            if self._types[table.name, name] in _TIME_TYPES
        ]
        with self.connection.cursor(name=f"geoapp_read_{table.name}") as cursor:
            cursor.itersize = CHUNK_ROWS
            cursor.execute(query)
            while chunk := cursor.fetchmany(CHUNK_ROWS):
                yield [_with_iso_times(row, times) for row in chunk] if times else chunk

    def all_rows(self, query: str) -> list[Row]:
        return [tuple(row) for row in self.connection.execute(query).fetchall()]

    def count(self, table: str) -> int:
        return int(self._value(sql.SQL("SELECT count(*) FROM {}").format(sql.Identifier(table))))

    def counters(self) -> dict[str, int]:
        found = {}
        for row in self.connection.execute(_IDENTITY_SEQUENCES).fetchall():
            last = self._value("SELECT pg_sequence_last_value(%s::regclass)", (row[2],))
            if last is not None:
                found[row[0]] = int(last)
        return found

    def _read_tables(self) -> list[Table]:
        """The copied tables as the catalogue describes them."""
        columns: dict[str, list[Column]] = {}
        keys: dict[str, list[tuple[int, str]]] = {}
        for row in self.connection.execute(_COLUMNS).fetchall():
            table, name, declared, type_name, geometry_type, key_position = row
            columns.setdefault(table, []).append(Column(name, declared, geometry_type))
            self._types[table, name] = type_name
            if key_position:
                keys.setdefault(table, []).append((key_position, name))
        parents: dict[str, set[str]] = {}
        for table, parent in self.connection.execute(_PARENTS).fetchall():
            parents.setdefault(table, set()).add(parent)
        return [
            Table(
                name,
                tuple(columns[name]),
                tuple(column for _, column in sorted(keys.get(name, []))),
                frozenset(parents.get(name, ())),
            )
            for name in copied(sorted(columns))
        ]

    def _selected(self, table: str, column: str) -> sql.Composable:
        """A column as the neutral form holds it."""
        name = sql.Identifier(column)
        kind = self._types[table, column]
        if kind == "geometry":
            return sql.SQL("ST_AsBinary({})").format(name)
        if kind in ("json", "jsonb"):
            return sql.SQL("{}::text").format(name)
        if kind == "bool":
            return sql.SQL("{}::int").format(name)
        return name

    def _value(self, query: str | sql.Composed, params: Sequence[Any] = ()) -> Any:
        """The single value a query answers."""
        row = self.connection.execute(query, params).fetchone()
        return None if row is None else row[0]


class PostGISWriter(TableWriter):
    """A PostGIS geoapp database filled in the transaction of its connection."""

    def __init__(self, connection: psycopg.Connection) -> None:
        self.connection = connection
        self._reader = PostGISReader(connection)

    def reader(self) -> PostGISReader:
        return self._reader

    def clear(self) -> None:
        tables = [table.name for table in self._reader.tables()] + ["login_sessions"]
        self.connection.execute(
            sql.SQL("TRUNCATE {}").format(sql.SQL(", ").join(map(sql.Identifier, tables)))
        )

    def set_srid(self, srid: int) -> None:
        for table in self._reader.tables():
            for column in table.geometry_columns:
                self.connection.execute(
                    sql.SQL(
                        "ALTER TABLE {table} ALTER COLUMN {column} TYPE geometry({kind}, {srid}) "
                        "USING ST_SetSRID({column}, {srid})"
                    ).format(
                        table=sql.Identifier(table.name),
                        column=sql.Identifier(column.name),
                        kind=sql.SQL(column.geometry_type or "Geometry"),
                        srid=sql.Literal(srid),
                    )
                )

    def append(self, table: Table, columns: Sequence[str], chunks: Iterator[list[Row]]) -> int:
        self._reader.tables()
        converters = [_CONVERTERS.get(self._reader._types[table.name, name]) for name in columns]
        converting = any(converters)
        copy = sql.SQL("COPY {} ({}) FROM STDIN").format(
            sql.Identifier(table.name), sql.SQL(", ").join(map(sql.Identifier, columns))
        )
        table_name = sql.Identifier(table.name)
        foreign_keys = self.connection.execute(_FOREIGN_KEYS, (table.name,)).fetchall()
        indexes = self.connection.execute(_LOOSE_INDEXES, (table.name,)).fetchall()
        for name, _ in foreign_keys:
            self.connection.execute(
                sql.SQL("ALTER TABLE {} DROP CONSTRAINT {}").format(
                    table_name, sql.Identifier(name)
                )
            )
        for name, _ in indexes:
            self.connection.execute(sql.SQL("DROP INDEX {}").format(sql.SQL(name)))
        count = 0
        with self.connection.cursor() as cursor, cursor.copy(copy) as copier:
            for chunk in chunks:
                for row in chunk:
                    copier.write_row(_converted(row, converters) if converting else row)
                count += len(chunk)
        for _, definition in indexes:
            self.connection.execute(definition)
        for name, definition in foreign_keys:
            self.connection.execute(
                sql.SQL("ALTER TABLE {} ADD CONSTRAINT {} {}").format(
                    table_name, sql.Identifier(name), sql.SQL(definition)
                )
            )
        return count

    def set_counters(self, counters: Mapping[str, int]) -> None:
        for table, column, sequence in self.connection.execute(_IDENTITY_SEQUENCES).fetchall():
            highest = self._reader._value(
                sql.SQL("SELECT coalesce(max({}), 0) FROM {}").format(
                    sql.Identifier(column), sql.Identifier(table)
                )
            )
            value = max(int(highest), counters.get(table, 0))
            self.connection.execute(
                "SELECT setval(%s::regclass, %s, %s)", (sequence, max(value, 1), value >= 1)
            )

    def raise_data_generation(self) -> None:
        if "data_generation" in self._reader.table_names():  # from schema version 8
            self.connection.execute(RAISE_DATA_GENERATION)


# Column types whose values are read as ISO 8601 text.
_TIME_TYPES = ("timestamptz", "timestamp", "date", "time", "timetz")
# Neutral values turned into what COPY's text form of each column type takes.
_CONVERTERS: dict[str, Callable[[Any], Any]] = {
    "geometry": bytes.hex,  # WKB without an SRID takes the column's
    "bool": bool,
}


def _converted(row: Row, converters: Sequence[Callable[[Any], Any] | None]) -> Row:
    """A row with each value converted where its column needs it."""
    return tuple(
        value if convert is None or value is None else convert(value)
        for value, convert in zip(row, converters, strict=True)
    )


def _with_iso_times(row: Row, positions: Sequence[int]) -> Row:
    """A row with the dates and times at ``positions`` as ISO 8601 text, instants in UTC."""
    values = list(row)
    for position in positions:
        value = values[position]
        if isinstance(value, datetime) and value.tzinfo is not None:
            values[position] = value.astimezone(UTC).isoformat()
        elif isinstance(value, date | time | datetime):
            values[position] = value.isoformat()
    return tuple(values)

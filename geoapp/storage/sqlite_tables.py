"""The whole-table reads and writes of an SQLite geoapp database, whose values are already
in the neutral form (``tables``)."""

from __future__ import annotations

import sqlite3
from collections.abc import Iterator, Mapping, Sequence
from contextlib import contextmanager
from pathlib import Path

from ..errors import StorageUnavailable
from ..translatable import Text
from .base import RAISE_DATA_GENERATION
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


@contextmanager
def sqlite_connection(path: Path) -> Iterator[sqlite3.Connection]:
    """A connection to the file at ``path`` in autocommit mode, closed afterwards."""
    try:
        connection = sqlite3.connect(path, isolation_level=None, timeout=30.0)
    except sqlite3.Error as exc:
        raise StorageUnavailable(
            Text("データベースファイル {path} を開けません（{reason}）。", path=path, reason=exc)
        ) from exc
    try:
        connection.execute("PRAGMA foreign_keys=ON")
        yield connection
    finally:
        connection.close()


@contextmanager
def sqlite_snapshot(path: Path, reader: type[SQLiteReader] | None = None) -> Iterator[SQLiteReader]:
    """The tables of the SQLite file at ``path`` as one read transaction sees them, read
    by ``reader`` (an ``SQLiteReader`` by default)."""
    with sqlite_connection(path) as connection:
        connection.execute("BEGIN")
        try:
            yield (reader or SQLiteReader)(connection)
        finally:
            connection.execute("ROLLBACK")


@contextmanager
def sqlite_writing(path: Path) -> Iterator[SQLiteWriter]:
    """The SQLite file at ``path`` filled in one transaction, which holds the write lock
    from its start."""
    with sqlite_connection(path) as connection:
        connection.execute("PRAGMA journal_mode=WAL")
        connection.execute("BEGIN IMMEDIATE")
        try:
            yield SQLiteWriter(connection)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")


class SQLiteReader(TableReader):
    """The tables of an SQLite geoapp database read on one connection."""

    backend = "sqlite"

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self._tables: list[Table] | None = None

    def schema_version(self) -> int:
        if "schema_migrations" not in self.table_names():
            return 0
        row = self.connection.execute("SELECT max(version) FROM schema_migrations").fetchone()
        return int(row[0] or 0)

    def srid(self) -> int:
        row = self.connection.execute(
            "SELECT srid FROM geometry_columns WHERE table_name = 'districts' "
            "AND column_name = 'geom'"
        ).fetchone()
        return int(row[0])

    def table_names(self) -> list[str]:
        rows = self.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite%' "
            "AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name"
        ).fetchall()
        return [row[0] for row in rows]

    def tables(self) -> list[Table]:
        if self._tables is None:
            geometry = self._geometry_types()
            self._tables = in_dependency_order(
                [self._table(name, geometry) for name in copied(self.table_names())]
            )
        return self._tables

    def chunks(self, table: Table, columns: Sequence[str]) -> Iterator[list[Row]]:
        order = ", ".join(map(quoted, table.key)) or "rowid"
        cursor = self.connection.execute(
            f"SELECT {', '.join(map(quoted, columns))} FROM {quoted(table.name)} ORDER BY {order}"
        )
        while chunk := cursor.fetchmany(CHUNK_ROWS):
            yield chunk

    def all_rows(self, query: str) -> list[Row]:
        return [tuple(row) for row in self.connection.execute(query).fetchall()]

    def count(self, table: str) -> int:
        return int(self.connection.execute(f"SELECT count(*) FROM {quoted(table)}").fetchone()[0])

    def counters(self) -> dict[str, int]:
        if not self._has_sequences():
            return {}
        rows = self.connection.execute("SELECT name, seq FROM sqlite_sequence").fetchall()
        return {name: int(seq) for name, seq in rows}

    def _table(self, name: str, geometry: Mapping[tuple[str, str], str]) -> Table:
        """The table ``name`` as its declaration and ``geometry_columns`` describe it."""
        declared = self.connection.execute(f"PRAGMA table_info({quoted(name)})").fetchall()
        columns = tuple(Column(row[1], row[2], geometry.get((name, row[1]))) for row in declared)
        key = tuple(row[1] for row in sorted(declared, key=lambda row: row[5]) if row[5])
        parents = frozenset(
            row[2] for row in self.connection.execute(f"PRAGMA foreign_key_list({quoted(name)})")
        )
        return Table(name, columns, key, parents)

    def _geometry_types(self) -> dict[tuple[str, str], str]:
        """Each geometry column's kind, by (table, column)."""
        if "geometry_columns" not in self.table_names():
            return {}
        rows = self.connection.execute(
            "SELECT table_name, column_name, geometry_type FROM geometry_columns"
        ).fetchall()
        return {(table, column): kind for table, column, kind in rows}

    def autoincrement_tables(self) -> set[str]:
        """The tables declared AUTOINCREMENT, whose counters ``sqlite_sequence`` keeps."""
        rows = self.connection.execute(
            "SELECT name FROM sqlite_master WHERE type = 'table' AND sql LIKE '%AUTOINCREMENT%'"
        ).fetchall()
        return {row[0] for row in rows}

    def _has_sequences(self) -> bool:
        """Whether the file has ``sqlite_sequence`` (it has a table declared AUTOINCREMENT)."""
        return bool(self.autoincrement_tables())


class SQLiteWriter(TableWriter):
    """An SQLite geoapp database filled inside the transaction of its connection."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection
        self._reader = SQLiteReader(connection)

    def reader(self) -> SQLiteReader:
        return self._reader

    def clear(self) -> None:
        for table in reversed(self._reader.tables()):
            self.connection.execute(f"DELETE FROM {quoted(table.name)}")
        self.connection.execute("DELETE FROM login_sessions")

    def set_srid(self, srid: int) -> None:
        self.connection.execute("UPDATE geometry_columns SET srid = ?", (srid,))

    def append(self, table: Table, columns: Sequence[str], chunks: Iterator[list[Row]]) -> int:
        insert = (
            f"INSERT INTO {quoted(table.name)} ({', '.join(map(quoted, columns))}) "
            f"VALUES ({', '.join('?' for _ in columns)})"
        )
        count = 0
        for chunk in chunks:
            self.connection.executemany(insert, chunk)
            count += len(chunk)
        return count

    def set_counters(self, counters: Mapping[str, int]) -> None:
        counting = self._reader.autoincrement_tables()
        for name, counter in counters.items():
            if name not in counting:
                continue
            present = self.connection.execute(
                "SELECT seq FROM sqlite_sequence WHERE name = ?", (name,)
            ).fetchone()
            if present is None:
                self.connection.execute(
                    "INSERT INTO sqlite_sequence (name, seq) VALUES (?, ?)", (name, counter)
                )
            elif present[0] < counter:
                self.connection.execute(
                    "UPDATE sqlite_sequence SET seq = ? WHERE name = ?", (counter, name)
                )

    def raise_data_generation(self) -> None:
        if "data_generation" in self._reader.table_names():  # from schema version 8
            self.connection.execute(RAISE_DATA_GENERATION)


def quoted(name: str) -> str:
    """An identifier quoted for SQLite."""
    return '"' + name.replace('"', '""') + '"'

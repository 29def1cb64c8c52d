"""The embedded backend: one SQLite file, geometry as WKB; features are found in memory."""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ThreadPoolExecutor
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import geopandas as gpd

from ..city.model import City
from ..errors import StorageBusy, StorageUnavailable
from ..layers import Layer
from ..translatable import Text
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
from .rows import LayerBatch, StoredRows, as_dict, stored_rows


class SQLiteStore(Store):
    """A geoapp database in one SQLite file (created on first use)."""

    backend = "sqlite"

    def __init__(self, path: Path, default_srid: int, busy_timeout: float = 30.0) -> None:
        super().__init__(default_srid)
        self.path = Path(path)
        self.busy_timeout = busy_timeout

    @contextmanager
    def _connection(self) -> Iterator[sqlite3.Connection]:
        """A fresh connection in autocommit mode; transactions are explicit.

        A layer write hands the connection to its writer thread, one statement at a time.
        A lock held by another writer past the busy timeout is ``StorageBusy`` (503).
        """
        try:
            self.path.parent.mkdir(parents=True, exist_ok=True)
            connection = sqlite3.connect(
                self.path,
                timeout=self.busy_timeout,
                isolation_level=None,
                check_same_thread=False,
            )
        except (OSError, sqlite3.Error) as exc:
            raise StorageUnavailable(
                Text(
                    "データベースファイル {path} を開けません（{reason}）。",
                    path=self.path,
                    reason=exc,
                )
            ) from exc
        connection.row_factory = sqlite3.Row
        try:
            connection.execute("PRAGMA journal_mode=WAL")
            connection.execute("PRAGMA foreign_keys=ON")
            yield connection
        except sqlite3.OperationalError as exc:
            if exc.sqlite_errorcode & 0xFF in (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED):
                raise StorageBusy(
                    Text(
                        "データベース（{name}）が他の処理で使用中のため、"
                        "{seconds:g}秒待っても書き込めませんでした。"
                        "しばらくしてからもう一度お試しください。",
                        name=self.path.name,
                        seconds=self.busy_timeout,
                    )
                ) from exc
            raise
        finally:
            connection.close()

    @contextmanager
    def _transaction(self) -> Iterator[sqlite3.Connection]:
        """A connection inside BEGIN IMMEDIATE … COMMIT, rolled back on any error."""
        with self._connection() as connection:
            connection.execute("BEGIN IMMEDIATE")
            try:
                yield connection
            except BaseException:
                connection.execute("ROLLBACK")
                raise
            connection.execute("COMMIT")

    def applied_versions(self) -> set[int]:
        with self._connection() as connection:
            connection.execute(
                "CREATE TABLE IF NOT EXISTS schema_migrations ("
                "version INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            return {row[0] for row in connection.execute("SELECT version FROM schema_migrations")}

    def _apply_migration(self, migration: Migration, sql: str) -> None:
        with self._transaction() as connection:
            for statement in _split_statements(sql):
                connection.execute(statement)
            connection.execute(
                "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)",
                (migration.version, migration.name, _now()),
            )

    def ping(self) -> None:
        with self._connection() as connection:
            try:
                connection.execute("SELECT 1").fetchone()
            except sqlite3.Error as exc:
                raise StorageUnavailable(
                    Text(
                        "データベースファイル {path} が応答しません（{reason}）。",
                        path=self.path,
                        reason=exc,
                    )
                ) from exc

    def city(self) -> City | None:
        with self._connection() as connection:
            row = connection.execute(SELECT_CITY).fetchone()
        return None if row is None else City.from_row(dict(row))

    def geometry_srid(self) -> int:
        with self._connection() as connection:
            row = connection.execute(
                "SELECT srid FROM geometry_columns WHERE table_name = 'districts'"
            ).fetchone()
        return self.default_srid if row is None else int(row[0])

    def count(self, layer: Layer) -> int:
        with self._connection() as connection:
            return int(connection.execute(f"SELECT count(*) FROM {layer.table}").fetchone()[0])

    def layer_imports(self, limit: int = 20) -> list[LayerImport]:
        with self._connection() as connection:
            rows = connection.execute(
                "SELECT layer, source, feature_count, imported_at, report FROM layer_imports "
                "ORDER BY imported_at DESC, id DESC LIMIT ?",
                (limit,),
            ).fetchall()
        return [
            LayerImport(
                layer=r["layer"],
                source=r["source"],
                feature_count=r["feature_count"],
                imported_at=datetime.fromisoformat(r["imported_at"]),
                report=as_dict(r["report"]),
            )
            for r in rows
        ]

    def _select_rows(self, layer: Layer) -> list[dict[str, Any]]:
        columns = ", ".join([*layer.field_names, "properties", "geom"])
        with self._connection() as connection:
            rows = connection.execute(
                f"SELECT {columns} FROM {layer.table} ORDER BY code"
            ).fetchall()
        return [dict(row) for row in rows]

    def _write(
        self,
        city: City | None,
        srid: int,
        layers: Mapping[Layer, Iterable[gpd.GeoDataFrame | LayerBatch]],
        source: str,
        mode: WriteMode,
        report: ReportSource,
    ) -> None:
        with self._transaction() as connection:
            if city is not None:
                upsert_city(SQLiteSession(connection), city)
            connection.execute("UPDATE geometry_columns SET srid = ?", (srid,))
            for layer, batches in layers.items():
                if mode == "replace":
                    connection.execute(f"DELETE FROM {layer.table}")
                count = _store_batches(connection, layer, batches)
                if source:
                    connection.execute(
                        "INSERT INTO layer_imports (layer, source, feature_count, imported_at, "
                        "report) VALUES (?, ?, ?, ?, ?)",
                        (
                            layer.name,
                            source,
                            count,
                            _now(),
                            json.dumps(dict(report()), ensure_ascii=False),
                        ),
                    )
            _raise_data_generation(connection)

    @contextmanager
    def session(self, write: bool = False) -> Iterator[Session]:
        if write:
            with self._transaction() as connection:
                yield SQLiteSession(connection)
            return
        with self._connection() as connection:
            connection.execute("BEGIN")  # one snapshot for every read of the session (WAL)
            try:
                yield SQLiteSession(connection)
            finally:
                connection.execute("ROLLBACK")

    def close(self) -> None:
        """Nothing to release: every call opens and closes its own connection."""


class SQLiteSession(Session):
    """Statements on one SQLite connection, ``%s`` placeholders turned into ``?``."""

    def __init__(self, connection: sqlite3.Connection) -> None:
        self.connection = connection

    def rows(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        try:
            cursor = self.connection.execute(
                _sqlite_query(query), [_sqlite_value(v) for v in params]
            )
        except sqlite3.IntegrityError as exc:
            raise duplicate_conflict(exc) from exc
        return [dict(row) for row in cursor.fetchall()]

    def run_many(self, query: str, params: Iterable[Sequence[Any]]) -> None:
        self.connection.executemany(
            _sqlite_query(query), ([_sqlite_value(v) for v in row] for row in params)
        )


def _raise_data_generation(connection: sqlite3.Connection) -> None:
    """Raise the data generation, once the schema has it (a database being upgraded may
    be written before it does)."""
    exists = connection.execute(
        "SELECT 1 FROM sqlite_master WHERE type = 'table' AND name = 'data_generation'"
    ).fetchone()
    if exists:
        connection.execute(RAISE_DATA_GENERATION)


def _sqlite_query(query: str) -> str:
    """A query written for both backends in SQLite's dialect."""
    return query.replace("%s", "?").replace(" FOR UPDATE", "")


def _sqlite_value(value: Any) -> Any:
    """A parameter as SQLite stores it: JSON text for dicts and lists, ISO 8601 for times
    and dates."""
    if isinstance(value, dict | list):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, date):
        return value.isoformat()
    return value


def _store_batches(
    connection: sqlite3.Connection,
    layer: Layer,
    batches: Iterable[gpd.GeoDataFrame | LayerBatch],
) -> int:
    """Store a layer's batches on a writer thread, each while the next one is made: SQLite
    inserts with the GIL released, so one batch goes in on one core while the next is read
    and checked on the other."""
    stored = 0
    pending: Future[int] | None = None
    with ThreadPoolExecutor(max_workers=1, thread_name_prefix="sqlite-writer") as writer:
        for batch in batches:
            rows = stored_rows(layer, batch)
            if pending is not None:
                stored += pending.result()
            pending = writer.submit(_upsert_rows, connection, layer, rows)
        if pending is not None:
            stored += pending.result()
    return stored


def _upsert_rows(connection: sqlite3.Connection, layer: Layer, rows: StoredRows) -> int:
    """Insert the rows, updating those whose code exists."""
    names = [*layer.field_names, "properties", "geom"]
    updates = ", ".join(f"{name} = excluded.{name}" for name in names if name != "code")
    values = [*rows.field_values(layer), rows.properties, rows.geometry_wkb()]
    connection.executemany(
        f"INSERT INTO {layer.table} ({', '.join(names)}) "
        f"VALUES ({', '.join('?' for _ in names)}) "
        f"ON CONFLICT (code) DO UPDATE SET {updates}",
        zip(*values, strict=True),
    )
    return len(rows)


def _split_statements(sql: str) -> list[str]:
    """The statements of a migration file (its SQL holds no semicolons inside literals)."""
    lines = [line for line in sql.splitlines() if not line.lstrip().startswith("--")]
    return [s.strip() for s in "\n".join(lines).split(";") if s.strip()]


def _now() -> str:
    """The current UTC time as ISO 8601."""
    return datetime.now(UTC).isoformat()

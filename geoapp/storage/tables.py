"""The tables of a geoapp database as its own catalogue describes them, for copying a whole
database: which tables, their columns, the order foreign keys ask for, and the few tables
that are never copied.

Values travel between databases in one neutral form, the one the SQLite backend stores:
whole numbers (booleans as 0 and 1), reals, text (JSON as its text, times as ISO 8601 in
UTC), geometry as WKB, and None.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import dataclass
from graphlib import TopologicalSorter
from typing import Any

from ..errors import BadInput
from ..translatable import Text

# Tables a copy, backup or restore never copies, and why; every other table of the schema
# is copied, so a table added by a later migration needs no change here.
NOT_COPIED: Mapping[str, str] = {
    "schema_migrations": "the target's own migrations write it (the versions must be equal)",
    "geometry_columns": "SQLite's record of geometry columns, written by its migrations; "
    "the copy sets the SRID of the target's geometry columns to the source's",
    "data_generation": "each database keeps its own random origin, so that no cache takes "
    "one database for the other; the copy raises the target's generation instead",
    "login_sessions": "sessions stay with the database they were opened on: everyone logs "
    "in again on the copy, and a replacing restore ends every session of the target",
    "grant_writes": "one row every database has from its migration, which writers of grants "
    "lock; it holds no data",
}
# Rows read or written at a time.
CHUNK_ROWS = 5000

Row = tuple[Any, ...]
# Each plan's version with a summary of its district assignments, in SQL both backends run.
PLAN_SUMMARIES = """
SELECT p.id, p.version, count(a.district_code), coalesce(sum(a.community_id), 0),
       coalesce(sum(length(a.district_code) * a.community_id), 0)
FROM plans p LEFT JOIN plan_assignments a ON a.plan_id = p.id
GROUP BY p.id, p.version ORDER BY p.id
"""


@dataclass(frozen=True)
class Column:
    """One column: its name, its declared type and, for geometry, its kind (``POINT``…)."""

    name: str
    declared: str
    geometry_type: str | None = None


@dataclass(frozen=True)
class Table:
    """One copied table: its columns in order, its primary key and the tables its foreign
    keys point to."""

    name: str
    columns: tuple[Column, ...]
    key: tuple[str, ...] = ()
    parents: frozenset[str] = frozenset()

    @property
    def column_names(self) -> list[str]:
        """The columns' names, in order."""
        return [column.name for column in self.columns]

    @property
    def geometry_columns(self) -> list[Column]:
        """The columns holding geometry."""
        return [column for column in self.columns if column.geometry_type]


def in_dependency_order(tables: Sequence[Table]) -> list[Table]:
    """The tables with every table after those its foreign keys point to (by name within
    one level), so that rows can be inserted in this order and deleted in the reverse."""
    by_name = {table.name: table for table in tables}
    graph = {
        name: sorted(parent for parent in table.parents if parent in by_name and parent != name)
        for name, table in sorted(by_name.items())
    }
    sorter = TopologicalSorter(graph)
    sorter.prepare()
    ordered: list[Table] = []
    while sorter.is_active():
        ready = sorted(sorter.get_ready())
        ordered.extend(by_name[name] for name in ready)
        sorter.done(*ready)
    return ordered


def copied(names: Sequence[str]) -> list[str]:
    """The names among ``names`` that a copy carries."""
    return [name for name in names if name not in NOT_COPIED]


class TableReader(ABC):
    """One consistent snapshot of a database's tables, read in the neutral form."""

    backend: str

    @abstractmethod
    def schema_version(self) -> int:
        """The newest migration applied to the database read."""

    @abstractmethod
    def srid(self) -> int:
        """The SRID of the geometry columns (the city's working CRS)."""

    @abstractmethod
    def table_names(self) -> list[str]:
        """Every table of the schema, copied or not."""

    @abstractmethod
    def tables(self) -> list[Table]:
        """The copied tables, in dependency order."""

    @abstractmethod
    def chunks(self, table: Table, columns: Sequence[str]) -> Iterator[list[Row]]:
        """The table's rows as ``columns``, a chunk at a time, in primary-key order."""

    @abstractmethod
    def count(self, table: str) -> int:
        """How many rows the table holds."""

    @abstractmethod
    def counters(self) -> dict[str, int]:
        """Each table's id counter where it runs ahead of the ids present (ids of rows
        since deleted are never given again)."""

    @abstractmethod
    def all_rows(self, query: str) -> list[Row]:
        """The rows a query written for both backends answers."""

    def plan_summaries(self) -> dict[int, str]:
        """Each plan's latest version, its districts and two sums of their communities."""
        if "plans" not in self.table_names():
            return {}
        return {
            plan: f"v{version} {districts}d {total}/{weighted}"
            for plan, version, districts, total, weighted in self.all_rows(PLAN_SUMMARIES)
        }

    def table(self, name: str) -> Table:
        """The copied table called ``name``."""
        for table in self.tables():
            if table.name == name:
                return table
        raise BadInput(Text("表 {name} がありません。", name=name))

    def rows(self, name: str, columns: Sequence[str]) -> Iterator[Row]:
        """Every row of the table ``name`` as ``columns``."""
        for chunk in self.chunks(self.table(name), columns):
            yield from chunk

    def holding_data(self) -> list[str]:
        """The copied tables that hold rows."""
        return [table.name for table in self.tables() if self.count(table.name)]


class TableWriter(ABC):
    """A database being filled in one transaction: committed when the ``with`` block ends
    normally, rolled back otherwise (and by the server when the process dies)."""

    @abstractmethod
    def reader(self) -> TableReader:
        """The database as this transaction sees it."""

    @abstractmethod
    def clear(self) -> None:
        """Delete every row of the copied tables and every login session."""

    @abstractmethod
    def set_srid(self, srid: int) -> None:
        """Give every geometry column the SRID ``srid`` (the tables are empty)."""

    @abstractmethod
    def append(self, table: Table, columns: Sequence[str], chunks: Iterator[list[Row]]) -> int:
        """Insert the rows of ``chunks`` (neutral form, as ``columns``); how many."""

    @abstractmethod
    def set_counters(self, counters: Mapping[str, int]) -> None:
        """Make every id counter run past the ids present and ``counters``."""

    @abstractmethod
    def raise_data_generation(self) -> None:
        """Raise the target's data generation, so that running apps drop their caches."""

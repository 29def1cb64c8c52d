"""The portable archive: a GeoPackage (OGC 12-128r18) holding every copied table, readable
by QGIS and GDAL without geoapp.

Each table keeps its columns and primary key. A table's ``geom`` column is its GeoPackage
geometry (a standard header, then the stored WKB unchanged), so the layers open as
feature layers; other geometry columns keep plain WKB, and every other table is an
attributes table. JSON stays text, times ISO 8601 text in UTC. ``geoapp_archive`` records
the schema version, the working CRS, the id counters and the row count of each table.
"""

from __future__ import annotations

import json
import sqlite3
import struct
from collections.abc import Iterator, Mapping, Sequence
from contextlib import AbstractContextManager, contextmanager
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import shapely
from pyproj import CRS

from .sqlite_tables import SQLiteReader, quoted, sqlite_connection, sqlite_snapshot
from .tables import Column, Row, Table

# PRAGMA application_id of a GeoPackage ("GPKG") and user_version of version 1.3.0.
APPLICATION_ID = 0x47504B47
USER_VERSION = 10300
ARCHIVE_FORMAT = "geoapp archive 1"
METADATA_TABLE = "geoapp_archive"
# The GeoPackage geometry header: "GP", version 0, flags (little-endian, with or without
# an envelope of minx, maxx, miny, maxy), the SRS id.
_HEADER = struct.Struct("<2sBBi")
_ENVELOPE = struct.Struct("<4d")
_LITTLE_ENDIAN, _XY_ENVELOPE = 0x01, 0x02
_ENVELOPE_SIZES = {0: 0, 1: 32, 2: 48, 3: 48, 4: 64}

_CORE_TABLES = """
CREATE TABLE gpkg_spatial_ref_sys (
    srs_name TEXT NOT NULL, srs_id INTEGER PRIMARY KEY, organization TEXT NOT NULL,
    organization_coordsys_id INTEGER NOT NULL, definition TEXT NOT NULL, description TEXT);
CREATE TABLE gpkg_contents (
    table_name TEXT NOT NULL PRIMARY KEY, data_type TEXT NOT NULL, identifier TEXT UNIQUE,
    description TEXT DEFAULT '',
    last_change DATETIME NOT NULL DEFAULT (strftime('%Y-%m-%dT%H:%M:%fZ', 'now')),
    min_x DOUBLE, min_y DOUBLE, max_x DOUBLE, max_y DOUBLE,
    srs_id INTEGER REFERENCES gpkg_spatial_ref_sys (srs_id));
CREATE TABLE gpkg_geometry_columns (
    table_name TEXT NOT NULL REFERENCES gpkg_contents (table_name), column_name TEXT NOT NULL,
    geometry_type_name TEXT NOT NULL,
    srs_id INTEGER NOT NULL REFERENCES gpkg_spatial_ref_sys (srs_id),
    z TINYINT NOT NULL, m TINYINT NOT NULL, PRIMARY KEY (table_name, column_name));
CREATE TABLE geoapp_archive (key TEXT PRIMARY KEY, value TEXT NOT NULL);
"""


def is_geopackage(path: Path) -> bool:
    """Whether the file at ``path`` is a GeoPackage."""
    with path.open("rb") as file:
        header = file.read(72)
    return header.startswith(b"SQLite format 3\x00") and header[68:72] == struct.pack(
        ">I", APPLICATION_ID
    )


@contextmanager
def writing_archive(path: Path, srid: int) -> Iterator[ArchiveWriter]:
    """A new GeoPackage at ``path`` (which must not exist), written in one transaction."""
    with sqlite_connection(path) as connection:
        connection.execute(f"PRAGMA application_id = {APPLICATION_ID}")
        connection.execute(f"PRAGMA user_version = {USER_VERSION}")
        connection.execute("BEGIN")
        try:
            for statement in _CORE_TABLES.split(";"):
                if statement.strip():
                    connection.execute(statement)
            _insert_reference_systems(connection, srid)
            yield ArchiveWriter(connection, srid)
        except BaseException:
            connection.execute("ROLLBACK")
            raise
        connection.execute("COMMIT")
        connection.execute("VACUUM")


def reading_archive(path: Path) -> AbstractContextManager[SQLiteReader]:
    """The tables of the GeoPackage at ``path``, read in one transaction."""
    return sqlite_snapshot(path, ArchiveReader)


class ArchiveWriter:
    """Tables written into a new GeoPackage."""

    def __init__(self, connection: sqlite3.Connection, srid: int) -> None:
        self.connection = connection
        self.srid = srid

    def append(self, table: Table, chunks: Iterator[list[Row]]) -> int:
        """Create ``table`` and insert its rows (neutral form, every column in order)."""
        feature = next((c for c in table.columns if c.name == "geom" and c.geometry_type), None)
        self.connection.execute(_create_table(table, feature))
        names = table.column_names
        position = names.index(feature.name) if feature else -1
        insert = (
            f"INSERT INTO {quoted(table.name)} ({', '.join(map(quoted, names))}) "
            f"VALUES ({', '.join('?' for _ in names)})"
        )
        count, bounds = 0, _Bounds()
        for chunk in chunks:
            if feature:
                chunk = self._with_headers(chunk, position, bounds)
            self.connection.executemany(insert, chunk)
            count += len(chunk)
        self._register(table, feature, bounds)
        return count

    def record(
        self, schema_version: int, counters: Mapping[str, int], rows: Mapping[str, int]
    ) -> None:
        """Record what the archive holds: the schema version, the working CRS, the id
        counters and each table's row count."""
        metadata = {
            "format": ARCHIVE_FORMAT,
            "schema_version": str(schema_version),
            "srid": str(self.srid),
            "made_at": datetime.now(UTC).isoformat(),
            "counters": json.dumps(dict(counters)),
            "rows": json.dumps(dict(rows), ensure_ascii=False),
        }
        self.connection.executemany(
            f"INSERT INTO {METADATA_TABLE} (key, value) VALUES (?, ?)", metadata.items()
        )
        self.connection.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, description) "
            "VALUES (?, 'attributes', ?, ?)",
            (METADATA_TABLE, METADATA_TABLE, "geoapp: schema version, CRS, row counts"),
        )

    def _with_headers(self, chunk: list[Row], position: int, bounds: _Bounds) -> list[Row]:
        """The rows with their WKB at ``position`` behind a GeoPackage header carrying the
        geometry's envelope; the layer's extent grows to hold them."""
        wkb = [row[position] for row in chunk]
        boxes = shapely.bounds(shapely.from_wkb(wkb))
        bounds.add(boxes)
        rows = []
        for row, value, (minx, miny, maxx, maxy) in zip(chunk, wkb, boxes.tolist(), strict=True):
            header = _HEADER.pack(b"GP", 0, _LITTLE_ENDIAN | _XY_ENVELOPE, self.srid)
            packed = header + _ENVELOPE.pack(minx, maxx, miny, maxy) + value
            rows.append((*row[:position], packed, *row[position + 1 :]))
        return rows

    def _register(self, table: Table, feature: Column | None, bounds: _Bounds) -> None:
        """List the table in ``gpkg_contents`` (and its geometry column, for a layer)."""
        if feature is None:
            self.connection.execute(
                "INSERT INTO gpkg_contents (table_name, data_type, identifier) "
                "VALUES (?, 'attributes', ?)",
                (table.name, table.name),
            )
            return
        self.connection.execute(
            "INSERT INTO gpkg_contents (table_name, data_type, identifier, min_x, min_y, max_x, "
            "max_y, srs_id) VALUES (?, 'features', ?, ?, ?, ?, ?, ?)",
            (table.name, table.name, *bounds.box(), self.srid),
        )
        self.connection.execute(
            "INSERT INTO gpkg_geometry_columns (table_name, column_name, geometry_type_name, "
            "srs_id, z, m) VALUES (?, ?, ?, ?, 0, 0)",
            (table.name, feature.name, feature.geometry_type, self.srid),
        )


class ArchiveReader(SQLiteReader):
    """The tables of a geoapp GeoPackage, geometry headers taken off."""

    backend = "archive"

    def schema_version(self) -> int:
        return int(self.metadata()["schema_version"])

    def srid(self) -> int:
        return int(self.metadata()["srid"])

    def table_names(self) -> list[str]:
        return [
            name
            for name in super().table_names()
            if not name.startswith(("gpkg_", "rtree_")) and name != METADATA_TABLE
        ]

    def counters(self) -> dict[str, int]:
        return {name: int(value) for name, value in json.loads(self.metadata()["counters"]).items()}

    def metadata(self) -> dict[str, str]:
        """What ``ArchiveWriter.record`` wrote."""
        rows = self.connection.execute(f"SELECT key, value FROM {METADATA_TABLE}").fetchall()
        return dict(rows)

    def chunks(self, table: Table, columns: Sequence[str]) -> Iterator[list[Row]]:
        features = {
            row[0]
            for row in self.connection.execute(
                "SELECT column_name FROM gpkg_geometry_columns WHERE table_name = ?", (table.name,)
            )
        }
        positions = [position for position, name in enumerate(columns) if name in features]
        for chunk in super().chunks(table, columns):
            yield [_without_headers(row, positions) for row in chunk] if positions else chunk

    def _geometry_types(self) -> dict[tuple[str, str], str]:
        rows = self.connection.execute(
            "SELECT table_name, column_name, geometry_type_name FROM gpkg_geometry_columns"
        ).fetchall()
        return {(table, column): kind for table, column, kind in rows}


class _Bounds:
    """The extent of the geometries added so far."""

    def __init__(self) -> None:
        self.boxes: list[tuple[float, float, float, float]] = []

    def add(self, boxes: Any) -> None:
        if len(boxes):
            self.boxes.append(
                (
                    float(boxes[:, 0].min()),
                    float(boxes[:, 1].min()),
                    float(boxes[:, 2].max()),
                    float(boxes[:, 3].max()),
                )
            )

    def box(self) -> tuple[float | None, ...]:
        """min x, min y, max x, max y (None for no geometry)."""
        if not self.boxes:
            return (None, None, None, None)
        return (
            min(box[0] for box in self.boxes),
            min(box[1] for box in self.boxes),
            max(box[2] for box in self.boxes),
            max(box[3] for box in self.boxes),
        )


def _create_table(table: Table, feature: Column | None) -> str:
    """The CREATE TABLE of ``table`` in the archive."""
    single_integer_key = (
        len(table.key) == 1
        and _archive_type(next(c for c in table.columns if c.name == table.key[0]), None)
        == "INTEGER"
    )
    definitions = []
    for column in table.columns:
        definition = f"{quoted(column.name)} {_archive_type(column, feature)}"
        if single_integer_key and column.name == table.key[0]:
            definition += " PRIMARY KEY"
        definitions.append(definition)
    if table.key and not single_integer_key:
        definitions.append(f"PRIMARY KEY ({', '.join(map(quoted, table.key))})")
    return f"CREATE TABLE {quoted(table.name)} ({', '.join(definitions)})"


def _archive_type(column: Column, feature: Column | None) -> str:
    """A column's type in the archive: the geometry type for the layer's geometry, else the
    GeoPackage type of its declared type."""
    if column is feature:
        return column.geometry_type or "GEOMETRY"
    declared = column.declared.lower()
    if column.geometry_type or "blob" in declared or "bytea" in declared:
        return "BLOB"
    if "int" in declared:
        return "INTEGER"
    if "bool" in declared:
        return "BOOLEAN"
    if any(word in declared for word in ("double", "real", "float", "numeric")):
        return "DOUBLE"
    return "TEXT"


def _without_headers(row: Row, positions: Sequence[int]) -> Row:
    """A row with the GeoPackage geometries at ``positions`` turned back into WKB."""
    values = list(row)
    for position in positions:
        blob = values[position]
        if blob is not None:
            envelope = _ENVELOPE_SIZES[(blob[3] >> 1) & 0x07]
            values[position] = bytes(blob[_HEADER.size + envelope :])
    return tuple(values)


def _insert_reference_systems(connection: sqlite3.Connection, srid: int) -> None:
    """The reference systems every GeoPackage lists, and the city's working CRS."""
    systems = [
        ("Undefined cartesian SRS", -1, "NONE", -1, "undefined"),
        ("Undefined geographic SRS", 0, "NONE", 0, "undefined"),
        ("WGS 84 geodetic", 4326, "EPSG", 4326, CRS.from_epsg(4326).to_wkt("WKT1_GDAL")),
    ]
    if srid not in (4326, 0, -1):
        crs = CRS.from_epsg(srid)
        systems.append((crs.name, srid, "EPSG", srid, crs.to_wkt("WKT1_GDAL")))
    connection.executemany(
        "INSERT INTO gpkg_spatial_ref_sys (srs_name, srs_id, organization, "
        "organization_coordsys_id, definition) VALUES (?, ?, ?, ?, ?)",
        systems,
    )

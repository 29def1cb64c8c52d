"""The storage interface both backends implement: a store of the city, its layers and the
schema, and the sessions that other storage modules write their SQL for."""

from __future__ import annotations

import logging
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterable, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

import geopandas as gpd

from ..city.model import City
from ..errors import SchemaOutdated
from ..layers import LAYERS, Layer
from ..translatable import Text
from .migration import Migration, latest_version, migrations_for
from .rows import LayerBatch, checked_batches, frame_from_records

logger = logging.getLogger(__name__)

WriteMode = Literal["replace", "upsert"]
# What a write records about a load, asked for once the layer's rows are written.
ReportSource = Callable[[], Mapping[str, Any]]
# Raised in the transaction of every write of the layers or the city (schema 8): the
# data stamp that per-process caches of derived data are keyed on.
RAISE_DATA_GENERATION = "UPDATE data_generation SET generation = generation + 1 WHERE id = 1"
DATA_GENERATION = "SELECT origin, generation FROM data_generation WHERE id = 1"


@dataclass(frozen=True)
class LayerImport:
    """One recorded load of a layer."""

    layer: str
    source: str
    feature_count: int
    imported_at: datetime
    report: dict[str, Any]


class Session(ABC):
    """One transaction, whose statements are written once for both backends.

    Queries use ``%s`` placeholders; dict and list parameters are stored as JSON and
    datetimes as timestamps. ``FOR UPDATE`` locks the row on PostgreSQL; SQLite needs no
    row lock because a writing session holds the database's write lock from its start.
    """

    @abstractmethod
    def rows(self, query: str, params: Sequence[Any] = ()) -> list[dict[str, Any]]:
        """Run one statement; its rows (if any) as dicts."""

    @abstractmethod
    def run_many(self, query: str, params: Iterable[Sequence[Any]]) -> None:
        """Run one statement once per parameter row."""

    def run(self, query: str, params: Sequence[Any] = ()) -> None:
        """Run one statement, ignoring any rows."""
        self.rows(query, params)

    def insert_rows(
        self, table: str, columns: Sequence[str], rows: Iterable[Sequence[Any]]
    ) -> None:
        """Insert many rows of ``columns`` into ``table`` (a backend may stream them)."""
        placeholders = ", ".join("%s" for _ in columns)
        self.run_many(f"INSERT INTO {table} ({', '.join(columns)}) VALUES ({placeholders})", rows)


def data_generation(session: Session) -> str:
    """The data generation as ``Store.data_stamp`` gives it, read in ``session``."""
    row = session.rows(DATA_GENERATION)[0]
    return f"{row['origin']}-{row['generation']}"


class Store(ABC):
    """A geoapp database: city settings, layers, schema migrations."""

    backend: str

    def __init__(self, default_srid: int) -> None:
        self.default_srid = default_srid

    # --- schema -----------------------------------------------------------------------
    def upgrade(self, target: int | None = None) -> list[Migration]:
        """Apply the migrations not yet applied, up to ``target``; return those applied."""
        applied = self.applied_versions()
        srid = self.geometry_srid() if applied else self.default_srid
        done = []
        for migration in migrations_for(self.backend):
            if migration.version in applied or (target is not None and migration.version > target):
                continue
            logger.info("applying migration %04d_%s", migration.version, migration.name)
            self._apply_migration(migration, migration.sql(srid))
            done.append(migration)
        return done

    def schema_version(self) -> int:
        """The newest migration applied (0 for an empty database)."""
        return max(self.applied_versions(), default=0)

    def require_current_schema(self) -> None:
        """Refuse to work on a database that ``geoapp db upgrade`` has not brought up to date."""
        have, want = self.schema_version(), latest_version(self.backend)
        if have < want:
            raise SchemaOutdated(
                Text(
                    "データベースのスキーマが古いです（版 {have}、必要な版 {want}）。"
                    "`geoapp db upgrade` を実行してください。",
                    have=have,
                    want=want,
                )
            )

    # --- city -------------------------------------------------------------------------
    def save_city(self, city: City) -> None:
        """Store the city's settings; a new working CRS reprojects every stored layer."""
        srid = self.geometry_srid()
        layers: dict[Layer, list[gpd.GeoDataFrame]] = {}
        if srid != city.working_crs:
            logger.info("working CRS changes from EPSG:%s to EPSG:%s", srid, city.working_crs)
            layers = {
                layer: [self.read_layer(layer).to_crs(city.working_crs)]
                for layer in LAYERS
                if self.count(layer)
            }
        self._write(
            city=city, srid=city.working_crs, layers=layers, source="", mode="replace", report=dict
        )

    # --- layers -----------------------------------------------------------------------
    def replace_layers(
        self,
        frames: Mapping[Layer, gpd.GeoDataFrame],
        source: str,
        report: Mapping[str, Any] | None = None,
    ) -> None:
        """Replace whole layers at once, in one transaction, and record where they came from."""
        self.write_layers(
            {layer: [frame] for layer, frame in frames.items()},
            source,
            "replace",
            lambda: report or {},
        )

    def upsert_layers(
        self,
        frames: Mapping[Layer, gpd.GeoDataFrame],
        source: str,
        report: Mapping[str, Any] | None = None,
    ) -> None:
        """Insert new features and update those whose code exists, in one transaction."""
        self.write_layers(
            {layer: [frame] for layer, frame in frames.items()},
            source,
            "upsert",
            lambda: report or {},
        )

    def write_layers(
        self,
        batches: Mapping[Layer, Iterable[gpd.GeoDataFrame | LayerBatch]],
        source: str,
        mode: WriteMode,
        report: ReportSource,
    ) -> None:
        """Replace or upsert layers from frames that arrive batch by batch, in one transaction.

        A backend stores each batch while the next one is being made, so a large import
        streams into the database. ``report`` is asked for after a layer's last batch (checks
        that run meanwhile can complete it); an error raised by a batch or by the report
        rolls everything back.
        """
        srid = self.geometry_srid()
        self._write(
            city=None,
            srid=srid,
            layers={
                layer: checked_batches(layer, frames, srid) for layer, frames in batches.items()
            },
            source=source,
            mode=mode,
            report=report,
        )

    def read_layer(self, layer: Layer, crs: int | None = None) -> gpd.GeoDataFrame:
        """A layer as a GeoDataFrame (ordered by code), optionally reprojected to ``crs``."""
        records = self._select_rows(layer)
        srid = self.geometry_srid()
        frame = frame_from_records(layer, records, srid)
        return frame if crs is None or crs == srid else frame.to_crs(crs)

    # --- backend primitives -----------------------------------------------------------
    @abstractmethod
    def applied_versions(self) -> set[int]:
        """The schema versions recorded as applied."""

    @abstractmethod
    def _apply_migration(self, migration: Migration, sql: str) -> None:
        """Run one migration and record it, in one transaction."""

    @abstractmethod
    def ping(self) -> None:
        """Raise ``StorageUnavailable`` unless the database answers."""

    @abstractmethod
    def city(self) -> City | None:
        """The stored city, or None before one is configured."""

    @abstractmethod
    def geometry_srid(self) -> int:
        """The SRID the geometry columns hold (the working CRS)."""

    @abstractmethod
    def count(self, layer: Layer) -> int:
        """How many features ``layer`` holds."""

    @abstractmethod
    def layer_imports(self, limit: int = 20) -> list[LayerImport]:
        """The most recent loads, newest first."""

    @abstractmethod
    def _select_rows(self, layer: Layer) -> list[dict[str, Any]]:
        """Every row of ``layer`` as dicts with WKB bytes for geometry columns."""

    @abstractmethod
    def _write(
        self,
        city: City | None,
        srid: int,
        layers: Mapping[Layer, Iterable[gpd.GeoDataFrame | LayerBatch]],
        source: str,
        mode: WriteMode,
        report: ReportSource,
    ) -> None:
        """In one transaction: save ``city`` (if given), retype geometry columns to ``srid``
        when it differs, and replace or upsert each layer from its batches; with a
        ``source``, record each load with its report."""

    @abstractmethod
    def session(self, write: bool = False) -> AbstractContextManager[Session]:
        """A transaction, committed when the block ends and rolled back on an error.
        A read session sees one consistent snapshot; ``write`` sessions are serialized with
        other writers where the backend needs it."""

    def data_stamp(self) -> str:
        """The data generation, raised by every committed write of the layers or the city:
        every process keys its caches of derived city data (adjacency, majority zones,
        display layers) on it, so a load through one process is seen by all at once."""
        with self.session() as session:
            return data_generation(session)

    @abstractmethod
    def close(self) -> None:
        """Release connections."""

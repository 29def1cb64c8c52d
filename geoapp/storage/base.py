"""The storage interface both backends implement, and the row conversion they share."""

from __future__ import annotations

import json
import logging
from abc import ABC, abstractmethod
from collections import Counter
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from contextlib import AbstractContextManager
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..city.model import City
from ..errors import BadInput, Conflict, SchemaOutdated
from ..layers import LAYERS, Field, Layer
from .migration import Migration, latest_version, migrations_for
from .properties import json_objects

logger = logging.getLogger(__name__)

WriteMode = Literal["replace", "upsert"]
# WKB type codes, and the EWKB flag saying an SRID follows the type.
POLYGON_WKB_TYPE = (3).to_bytes(4, "little")
MULTIPOLYGON_WKB_TYPE = 6
EWKB_SRID_FLAG = 0x20000000
# The city table's columns that make a City (``City.from_row``).
CITY_COLUMNS = (
    "name, name_kana, prefecture, municipality_code, working_crs, basemap, "
    "basemap_attribution, credits, demo, center_kinds"
)
# What a write records about a load, asked for once the layer's rows are written.
ReportSource = Callable[[], Mapping[str, Any]]
# Raised in the transaction of every write of the layers or the city (schema 8): the
# data stamp that per-process caches of derived data are keyed on.
RAISE_DATA_GENERATION = "UPDATE data_generation SET generation = generation + 1 WHERE id = 1"
DATA_GENERATION = "SELECT origin, generation FROM data_generation WHERE id = 1"


@dataclass(frozen=True)
class LayerBatch:
    """Rows of a layer to store: a frame of its fields and geometry and, where the caller
    has them, each geometry's little-endian 2D WKB as read, stored as it is instead of
    being encoded anew (None where the geometry was changed), and each row's free
    properties as JSON text, instead of the frame's ``properties`` mappings."""

    frame: gpd.GeoDataFrame
    wkb: Sequence[bytes | None] | None = None
    properties: Sequence[str] | None = None


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
                f"データベースのスキーマが古いです（版 {have}、必要な版 {want}）。"
                "`geoapp db upgrade` を実行してください。",
                f"The database schema is at version {have}, version {want} is needed; "
                "run `geoapp db upgrade`.",
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
            row = session.rows(DATA_GENERATION)[0]
        return f"{row['origin']}-{row['generation']}"

    @abstractmethod
    def close(self) -> None:
        """Release connections."""


def _check_crs_and_fields(layer: Layer, frame: gpd.GeoDataFrame, srid: int) -> None:
    """Refuse a frame that is not in the working CRS or lacks required fields."""
    if frame.crs is None or frame.crs.to_epsg() != srid:
        raise BadInput(
            f"{layer.label}の座標参照系が作業用の EPSG:{srid} と異なります（{frame.crs}）。",
            f"{layer.label_en} are in {frame.crs}, not the working CRS EPSG:{srid}.",
        )
    missing = [f.name for f in layer.fields if f.required and f.name not in frame.columns]
    if missing:
        raise BadInput(
            f"{layer.label}に必須の項目がありません: {', '.join(missing)}",
            f"{layer.label_en} lack required fields: {', '.join(missing)}",
        )


def _unique_codes(layer: Layer, frame: gpd.GeoDataFrame) -> set[str]:
    """The frame's codes as text (missing ones left out), refused if one repeats."""
    codes = [
        str(code)
        for code in frame["code"].to_numpy(dtype=object, na_value=None)
        if code is not None
    ]
    distinct = set(codes)
    if len(distinct) < len(codes):
        _refuse_repeated_codes(layer, {code for code, n in Counter(codes).items() if n > 1})
    return distinct


def checked_batches(
    layer: Layer, batches: Iterable[gpd.GeoDataFrame | LayerBatch], srid: int
) -> Iterator[LayerBatch]:
    """The batches of one layer, each in the working CRS with the required fields, and
    codes unique within and across all of them."""
    seen: set[str] = set()
    for batch in batches:
        batch = batch if isinstance(batch, LayerBatch) else LayerBatch(batch)
        _check_crs_and_fields(layer, batch.frame, srid)
        codes = _unique_codes(layer, batch.frame)
        _refuse_repeated_codes(layer, codes & seen)
        seen |= codes
        yield batch


def _refuse_repeated_codes(layer: Layer, repeated: set[str]) -> None:
    """Refuse codes used by more than one feature."""
    if repeated:
        duplicated = sorted(repeated)
        shown = ", ".join(duplicated[:10]) + (" …" if len(duplicated) > 10 else "")
        raise BadInput(
            f"{layer.label}のコードが重複しています: {shown}。"
            "コードは地物ごとに一意にしてください。",
            f"{layer.label_en} repeat codes: {shown}; each feature needs its own code.",
            duplicate_codes=duplicated,
        )


@dataclass(frozen=True)
class StoredRows:
    """A layer frame as columns of plain Python values (None for missing), properties as
    JSON text and checked geometries (written with ``stored_wkb``): ready for a bulk write
    by either backend."""

    columns: dict[str, list[Any]]
    properties: list[str]
    geometries: np.ndarray
    known_wkb: Sequence[bytes | None] | None = None

    def __len__(self) -> int:
        return len(self.geometries)

    def geometry_wkb(
        self, rows: slice = slice(None), srid: int | None = None
    ) -> list[bytes | None]:
        """The geometries of ``rows`` as ``stored_wkb`` writes them."""
        known = None if self.known_wkb is None else self.known_wkb[rows]
        return stored_wkb(self.geometries[rows], srid, known)

    def geometry_wkb_parts(
        self, rows: slice = slice(None), srid: int | None = None
    ) -> tuple[list[bytes | None], list[bytes | memoryview]]:
        """The geometries of ``rows`` as ``stored_wkb_parts`` gives them."""
        known = None if self.known_wkb is None else self.known_wkb[rows]
        return stored_wkb_parts(self.geometries[rows], srid, known)

    def field_values(
        self, layer: Layer, rows: slice = slice(None), srid: int | None = None
    ) -> list[list[Any]]:
        """The layer's field columns for ``rows``, point fields as ``stored_wkb``."""
        return [
            stored_wkb(self.columns[name][rows], srid)
            if name in layer.point_fields
            else self.columns[name][rows]
            for name in layer.field_names
        ]


def stored_rows(layer: Layer, batch: gpd.GeoDataFrame | LayerBatch) -> StoredRows:
    """Check and convert a batch column by column; a missing required value or a wrong
    geometry is refused naming its feature."""
    batch = batch if isinstance(batch, LayerBatch) else LayerBatch(batch)
    frame = batch.frame
    columns = {field.name: _plain_column(layer, field, frame) for field in layer.fields}
    if batch.properties is not None:
        properties = list(batch.properties)
    elif "properties" in frame:
        properties = json_objects(frame["properties"])
    else:
        properties = ["{}"] * len(frame)
    geometries = _layer_geometries(layer, frame.geometry.to_numpy())
    return StoredRows(columns, properties, geometries, batch.wkb)


def _plain_column(layer: Layer, field: Field, frame: gpd.GeoDataFrame) -> list[Any]:
    """One field's values as plain Python values, None where missing."""
    if field.name not in frame:
        values: list[Any] = [None] * len(frame)
    elif field.kind == "point":
        points = np.asarray(frame[field.name], dtype=object)
        present = ~shapely.is_missing(points) & ~shapely.is_empty(points)
        values = list(np.where(present, points, None))
    else:
        values = _plain_values(frame[field.name], field.kind)
    if field.required:
        empty = [i for i, value in enumerate(values) if value in (None, "")]
        if empty:
            raise BadInput(
                f"{layer.label}の{empty[0] + 1}番目の地物に「{field.label}」がありません。",
                f"Feature {empty[0] + 1} of {layer.label_en} has no {field.label_en}.",
            )
    return values


def _plain_values(series: pd.Series, kind: str) -> list[Any]:
    """A column of integers, reals or text as Python values, None where missing; text that
    is already Python strings (as imports give) is taken as it is."""
    if kind == "integer":
        return series.astype("Int64").to_numpy(dtype=object, na_value=None).tolist()
    if kind == "real":
        return series.astype(float).to_numpy(dtype=object, na_value=None).tolist()
    if isinstance(series.dtype, pd.StringDtype):
        return series.to_numpy(dtype=object, na_value=None).tolist()
    items = series.tolist()
    if series.dtype == object and set(map(type, items)) <= {str, type(None)}:
        return items
    missing = series.isna().to_numpy()
    texts = series.astype(str).tolist()
    return [None if gone else text for gone, text in zip(missing, texts, strict=True)]


def _layer_geometries(layer: Layer, geometries: np.ndarray) -> np.ndarray:
    """The geometries, refused unless the layer can store them (a polygon layer also takes
    single polygons: ``stored_wkb`` writes them as one-part MultiPolygons)."""
    geometries = np.asarray(geometries, dtype=object)
    absent = np.flatnonzero(shapely.is_missing(geometries) | shapely.is_empty(geometries))
    if len(absent):
        number = absent[0] + 1
        raise BadInput(
            f"{layer.label}の{number}番目の地物に形状がありません。",
            f"Feature {number} of {layer.label_en} has no geometry.",
        )
    if layer.geometry_type == "MultiPolygon":
        expected = [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON]
    else:
        expected = [shapely.GeometryType.POINT]
    wrong = np.flatnonzero(~np.isin(shapely.get_type_id(geometries), expected))
    if len(wrong):
        number, kind = wrong[0] + 1, geometries[wrong[0]].geom_type
        raise BadInput(
            f"{layer.label}の{number}番目の地物の形状が {kind} です"
            f"（{layer.geometry_type} が必要です）。",
            f"Feature {number} of {layer.label_en} is a {kind}, not a {layer.geometry_type}.",
        )
    return geometries


def stored_wkb(
    geometries: Sequence[Any],
    srid: int | None = None,
    known: Sequence[bytes | None] | None = None,
) -> list[bytes | None]:
    """Little-endian WKB of each geometry as a layer stores it (None stays None): a polygon
    as a one-part MultiPolygon and, given ``srid``, EWKB that carries it.

    Both are made on the bytes: a MultiPolygon's WKB is a header, a count and its polygons'
    own WKB, and EWKB flags the type and puts the SRID after it. That is several times
    cheaper than building new geometries. ``known`` gives the 2D little-endian WKB of the
    geometries where it was kept from reading (None where not); it is not made again.
    """
    heads, bodies = stored_wkb_parts(geometries, srid, known)
    return [None if head is None else head + body for head, body in zip(heads, bodies, strict=True)]


def stored_wkb_parts(
    geometries: Sequence[Any],
    srid: int | None = None,
    known: Sequence[bytes | None] | None = None,
) -> tuple[list[bytes | None], list[bytes | memoryview]]:
    """``stored_wkb`` in two parts a geometry, the new header (None for no geometry) and
    the rest of the WKB read, which a bulk writer sends without copying it."""
    wkb = (
        shapely.to_wkb(np.asarray(geometries, dtype=object), byte_order=1)
        if known is None
        else [
            own if own is not None else shapely.to_wkb(geometry, byte_order=1)
            for own, geometry in zip(known, geometries, strict=True)
        ]
    )
    srid_bytes = b"" if srid is None else srid.to_bytes(4, "little")
    flag = 0 if srid is None else EWKB_SRID_FLAG
    one_polygon = (
        b"\x01" + (MULTIPOLYGON_WKB_TYPE | flag).to_bytes(4, "little") + srid_bytes + b"\x01\0\0\0"
    )
    heads: list[bytes | None] = []
    bodies: list[bytes | memoryview] = []
    for own in wkb:
        if own is None:
            heads.append(None)
            bodies.append(b"")
        elif own[1:5] == POLYGON_WKB_TYPE:
            heads.append(one_polygon)
            bodies.append(own)
        else:
            kind = (int.from_bytes(own[1:5], "little") | flag).to_bytes(4, "little")
            heads.append(b"\x01" + kind + srid_bytes)
            bodies.append(memoryview(own)[5:])
    return heads, bodies


def frame_from_records(layer: Layer, records: list[dict[str, Any]], srid: int) -> gpd.GeoDataFrame:
    """A layer frame from backend rows whose geometry columns hold WKB bytes."""
    data: dict[str, Any] = {}
    for field in layer.fields:
        values = [record[field.name] for record in records]
        if field.kind == "point":
            data[field.name] = gpd.GeoSeries(
                shapely.from_wkb([None if v is None else bytes(v) for v in values]), crs=srid
            )
        elif field.kind == "integer":
            data[field.name] = pd.array(values, dtype="Int64")
        else:
            data[field.name] = values
    data["properties"] = [as_dict(record["properties"]) for record in records]
    geometry = shapely.from_wkb([bytes(record["geom"]) for record in records])
    return gpd.GeoDataFrame(data, geometry=gpd.GeoSeries(geometry, crs=srid), crs=srid)


def as_dict(value: str | dict[str, Any] | None) -> dict[str, Any]:
    """A properties value from either backend as a dict."""
    if value is None:
        return {}
    return json.loads(value) if isinstance(value, str) else dict(value)


def as_json(value: Any) -> Any:
    """A JSON column's value from either backend (text on SQLite, decoded on PostgreSQL)."""
    return json.loads(value) if isinstance(value, str) else value


def as_datetime(value: str | datetime) -> datetime:
    """A timestamp column's value from either backend as an aware UTC datetime."""
    moment = datetime.fromisoformat(value) if isinstance(value, str) else value
    return moment if moment.tzinfo else moment.replace(tzinfo=UTC)


def duplicate_conflict(detail: object) -> Conflict:
    """The error for a write refused by a uniqueness rule: usually another user's change
    (such as adopting another plan) saved a moment earlier."""
    return Conflict(
        "同時に保存された別の変更と重なったため、保存できませんでした。"
        "最新の状態を読み込んでから、もう一度操作してください。",
        f"Another change saved at the same moment clashes with this one ({detail}); reload "
        "and try again.",
    )

"""Rows between frames and the database: batches of a layer checked and converted to plain
column values for a bulk write, frames made from stored rows, and column values read back."""

from __future__ import annotations

import json
from collections import Counter
from collections.abc import Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import BadInput
from ..layers import Field, Layer
from ..translatable import Text
from .properties import json_objects
from .wkb import stored_wkb, stored_wkb_parts


@dataclass(frozen=True)
class LayerBatch:
    """Rows of a layer to store: a frame of its fields and geometry and, where the caller
    has them, each geometry's little-endian 2D WKB as read, stored as it is instead of
    being encoded anew (None where the geometry was changed), and each row's free
    properties as JSON text, instead of the frame's ``properties`` mappings."""

    frame: gpd.GeoDataFrame
    wkb: Sequence[bytes | None] | None = None
    properties: Sequence[str] | None = None


def _check_crs_and_fields(layer: Layer, frame: gpd.GeoDataFrame, srid: int) -> None:
    """Refuse a frame that is not in the working CRS or lacks required fields."""
    if frame.crs is None or frame.crs.to_epsg() != srid:
        raise BadInput(
            Text(
                "{layer}の座標参照系が作業用の EPSG:{srid} と異なります（{crs}）。",
                layer=layer.title,
                srid=srid,
                crs=frame.crs,
            )
        )
    missing = [f.name for f in layer.fields if f.required and f.name not in frame.columns]
    if missing:
        raise BadInput(
            Text("{layer}に必須の項目がありません: {fields}", layer=layer.title, fields=missing)
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
        shown = duplicated[:10] + (["…"] if len(duplicated) > 10 else [])
        raise BadInput(
            Text(
                "{layer}のコードが重複しています: {codes}。コードは地物ごとに一意にしてください。",
                layer=layer.title,
                codes=shown,
            ),
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
                Text(
                    "{layer}の{number}番目の地物に「{field}」がありません。",
                    layer=layer.title,
                    number=empty[0] + 1,
                    field=field.title,
                )
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
            Text(
                "{layer}の{number}番目の地物に形状がありません。", layer=layer.title, number=number
            )
        )
    if layer.geometry_type == "MultiPolygon":
        expected = [shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON]
    else:
        expected = [shapely.GeometryType.POINT]
    wrong = np.flatnonzero(~np.isin(shapely.get_type_id(geometries), expected))
    if len(wrong):
        number, kind = wrong[0] + 1, geometries[wrong[0]].geom_type
        raise BadInput(
            Text(
                "{layer}の{number}番目の地物の形状が {kind} です（{expected} が必要です）。",
                layer=layer.title,
                number=number,
                kind=kind,
                expected=layer.geometry_type,
            )
        )
    return geometries


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


def as_date(value: str | date) -> date:
    """A date column's value from either backend (ISO text on SQLite) as a date."""
    return date.fromisoformat(value) if isinstance(value, str) else value

"""Coordinate reference systems of OGC API – Features Part 2: CRS84 (lon/lat, the
default), EPSG:4326 (lat/lon) and the city's plane rectangular zone (EPSG:6669–6687,
northing before easting). Coordinates are written in each CRS's own axis order, and a
``bbox`` is read in the axis order of its ``bbox-crs``."""

from __future__ import annotations

import math
from functools import lru_cache

import numpy as np
import shapely
from pyproj import CRS, Transformer

from ..errors import BadInput
from ..layers import WEB_CRS
from ..translatable import Text

CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"
EPSG_PREFIX = "http://www.opengis.net/def/crs/EPSG/0/"
# Decimals written: about a centimetre in degrees, a millimetre in metres.
GEOGRAPHIC_DECIMALS = 7
PROJECTED_DECIMALS = 3


def epsg_uri(srid: int) -> str:
    """The OGC URI of an EPSG code."""
    return f"{EPSG_PREFIX}{srid}"


def supported_crs(working_srid: int) -> list[str]:
    """The CRS URIs every collection can be read in: CRS84 first."""
    return [CRS84, epsg_uri(WEB_CRS), epsg_uri(working_srid)]


def crs_srid(uri: str | None, working_srid: int, parameter: str = "crs") -> int | None:
    """The EPSG code a CRS URI names (None for CRS84, the default); BadInput for any
    CRS the service does not offer."""
    if uri is None or uri.strip() in ("", CRS84, "[OGC:CRS84]"):
        return None
    text = uri.strip()
    for srid in (WEB_CRS, working_srid):
        if text in (epsg_uri(srid), f"[EPSG:{srid}]", f"EPSG:{srid}"):
            return srid
    raise BadInput(
        Text(
            "{parameter} に指定された座標参照系「{crs}」には対応していません"
            "（使えるもの: {offered}）。",
            parameter=parameter,
            crs=text[:100],
            offered=supported_crs(working_srid),
        ),
        parameter=parameter,
    )


def crs_uri(srid: int | None) -> str:
    """The URI of an output CRS (None is CRS84)."""
    return CRS84 if srid is None else epsg_uri(srid)


@lru_cache(maxsize=16)
def northing_first(srid: int) -> bool:
    """Whether the CRS's first axis points north (EPSG:4326, the plane rectangular zones)."""
    return CRS.from_epsg(srid).axis_info[0].direction.lower() == "north"


@lru_cache(maxsize=16)
def _area_of_use(srid: int) -> tuple[float, float, float, float]:
    """The lon/lat bounds where a CRS is meant to be used (the whole world if unknown)."""
    area = CRS.from_epsg(srid).area_of_use
    return area.bounds if area is not None else (-180.0, -90.0, 180.0, 90.0)


@lru_cache(maxsize=16)
def _transformer(source: int, target: int) -> Transformer:
    """A cached lon/lat-or-easting-first transformer."""
    return Transformer.from_crs(source, target, always_xy=True)


def swapped_axes(geometries: np.ndarray) -> np.ndarray:
    """The geometries with x and y exchanged (for a northing-first CRS)."""
    return shapely.transform(geometries, lambda xy: xy[:, ::-1])


def parse_bbox(text: str, bbox_srid: int | None, working_srid: int) -> shapely.Polygon:
    """A ``bbox`` (4 or 6 numbers, in the axis order of its CRS) as a polygon in the
    working CRS, its edges densified so the reprojected area stays the one asked for."""
    parts = text.split(",")
    try:
        numbers = [float(part) for part in parts]
    except ValueError:
        numbers = []
    if len(numbers) not in (4, 6) or not all(math.isfinite(n) for n in numbers):
        raise BadInput(
            Text(
                "bbox は 4 つ（または 6 つ）の数をカンマで区切って指定してください"
                "（例: bbox=138.2,34.8,138.4,35.0）。"
            ),
            parameter="bbox",
        )
    half = len(numbers) // 2
    low, high = numbers[:2], numbers[half : half + 2]
    if bbox_srid is not None and northing_first(bbox_srid):
        low, high = low[::-1], high[::-1]
    (min_x, min_y), (max_x, max_y) = low, high
    geographic = bbox_srid in (None, WEB_CRS)
    if min_x > max_x or min_y > max_y:
        raise BadInput(Text("bbox の最小値が最大値を超えています。"), parameter="bbox")
    if geographic and not (min_x >= -180 and max_x <= 180 and min_y >= -90 and max_y <= 90):
        raise BadInput(
            Text("bbox の経度は -180〜180、緯度は -90〜90 の範囲で指定してください。"),
            parameter="bbox",
        )
    area = shapely.box(min_x, min_y, max_x, max_y)
    source = WEB_CRS if bbox_srid is None else bbox_srid
    if source == working_srid:
        return area
    # Far from its zone a plane rectangular projection diverges: keep to where it holds.
    area = shapely.intersection(area, shapely.box(*_area_of_use(working_srid)))
    if area.is_empty:
        return shapely.Polygon()
    min_x, min_y, max_x, max_y = area.bounds
    step = max(max_x - min_x, max_y - min_y) / 16 or 1.0
    dense = shapely.segmentize(area, step)
    transformer = _transformer(source, working_srid)
    return shapely.transform(dense, lambda xy: np.column_stack(transformer.transform(*xy.T)))

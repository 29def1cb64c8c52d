"""A stored layer as GeoJSON whose properties read back through ``geoapp import``: the
stored fields under their own names, a point field (a school's location) as
``<field>_lon``/``<field>_lat`` degrees, and each free attribute beside them, flat (one
named like a field as ``free:<name>``): no nested object, which clients show as text."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd
import shapely

from ..layers import WEB_CRS, Layer


def layer_export_frame(layer: Layer, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer's fields and its free attributes as flat columns; a free attribute named
    like one of the layer's columns is written as ``free:<name>`` (``Layer.free_column``),
    which ``geoapp import`` reads back as ``<name>``."""
    stored = [name for name in layer.field_names if name not in layer.point_fields]
    free: dict[str, list[Any]] = {}
    rows = frame["properties"].tolist() if "properties" in frame else [{}] * len(frame)
    for number, values in enumerate(rows):
        for key, value in (values or {}).items():
            free.setdefault(layer.free_column(key), [None] * len(frame))[number] = value
    columns = pd.DataFrame({name: frame[name].to_numpy() for name in stored}, index=frame.index)
    for name in layer.point_fields:
        if name in frame:
            columns[f"{name}_lon"], columns[f"{name}_lat"] = point_degrees(frame[name])
    flat = pd.concat([columns, pd.DataFrame(free, index=frame.index)], axis=1)
    return gpd.GeoDataFrame(flat, geometry=frame.geometry, crs=frame.crs)


def point_degrees(points: gpd.GeoSeries) -> tuple[list[float | None], list[float | None]]:
    """Longitudes and latitudes of a point field (stored in the working CRS), to 7 decimals;
    None where a feature has no point."""
    lonlat = gpd.GeoSeries(points).to_crs(WEB_CRS).to_numpy()
    lon, lat = shapely.get_x(lonlat), shapely.get_y(lonlat)
    missing = shapely.is_missing(lonlat) | shapely.is_empty(lonlat)
    return (
        [None if gone else round(float(x), 7) for x, gone in zip(lon, missing, strict=True)],
        [None if gone else round(float(y), 7) for y, gone in zip(lat, missing, strict=True)],
    )

"""A stored layer as GeoJSON whose properties read back through ``geoapp import``: the
stored fields under their own names and each free attribute beside them, flat."""

from __future__ import annotations

from typing import Any

import geopandas as gpd
import pandas as pd

from ..layers import Layer


def layer_export_frame(layer: Layer, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The layer's fields and its free attributes as columns; a free attribute
    named like a stored field stays in a ``properties`` object so nothing is overwritten."""
    stored = [name for name in layer.field_names if name not in layer.point_fields]
    reserved = {*stored, "properties", "geometry"}
    free: dict[str, list[Any]] = {}
    kept: list[dict[str, Any]] = []
    rows = frame["properties"].tolist() if "properties" in frame else [{}] * len(frame)
    for number, values in enumerate(rows):
        clashing = {}
        for key, value in (values or {}).items():
            if key in reserved:
                clashing[key] = value
            else:
                free.setdefault(key, [None] * len(frame))[number] = value
        kept.append(clashing)
    columns = pd.DataFrame({name: frame[name].to_numpy() for name in stored}, index=frame.index)
    extra = pd.DataFrame(free, index=frame.index)
    if any(kept):
        extra["properties"] = kept
    flat = pd.concat([columns, extra], axis=1)
    return gpd.GeoDataFrame(flat, geometry=frame.geometry, crs=frame.crs)

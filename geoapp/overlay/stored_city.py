"""The overlay of the city in a store: read its three layers, refuse an incomplete city
with a message saying what to import, and run the overlay report."""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
import pyogrio

from ..errors import BadInput, NotFound
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from ..storage import Store
from ..translatable import Sentences, Text
from .report import OverlayReport, overlay_report
from .zones import DEFAULT_SPLIT_THRESHOLD

# What the overlay lacks, by the layers missing from the store.
_MISSING = {
    (DISTRICTS,): Text("行政区が取り込まれていません。"),
    (SCHOOL_ZONES,): Text("小学校区が取り込まれていません。"),
    (DISTRICTS, SCHOOL_ZONES): Text("行政区と小学校区が取り込まれていません。"),
}


def city_overlay(
    store: Store,
    threshold: float = DEFAULT_SPLIT_THRESHOLD,
    weights: gpd.GeoDataFrame | None = None,
    weight_column: str | None = None,
) -> OverlayReport:
    """The overlay report of the stored layers (in the working CRS)."""
    store.require_current_schema()
    frames = {layer: store.read_layer(layer) for layer in (DISTRICTS, SCHOOL_ZONES, CENTERS)}
    missing = tuple(layer for layer in (DISTRICTS, SCHOOL_ZONES) if not len(frames[layer]))
    if missing:
        raise NotFound(
            Sentences(
                _MISSING[missing],
                Text("`geoapp import` で取り込むか、`geoapp demo` でデモ市を読み込んでください。"),
            )
        )
    if weights is not None:
        weights = weights.to_crs(frames[DISTRICTS].crs)
    return overlay_report(
        frames[DISTRICTS], frames[SCHOOL_ZONES], frames[CENTERS], threshold, weights, weight_column
    )


def read_weights(path: Path) -> gpd.GeoDataFrame:
    """Sub-district weights from a GIS file (any format GDAL reads, with its CRS)."""
    try:
        frame = pyogrio.read_dataframe(path)
    except (pyogrio.errors.DataSourceError, pyogrio.errors.DataLayerError) as error:
        raise BadInput(
            Text("重みのファイル {path} を読めません: {error}", path=str(path), error=str(error))
        ) from error
    if frame.crs is None:
        raise BadInput(
            Text("重みのファイル {path} に座標系の情報（.prj など）がありません。", path=str(path))
        )
    return frame

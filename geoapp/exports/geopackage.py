"""GeoPackage 1.2 files (application_id GPKG, user_version 10200), which Debian 12's GDAL
3.6 and QGIS 3.22 open without a warning (pyogrio's bundled GDAL writes 1.4 otherwise),
with every layer present even when empty and QGIS styles in ``layer_styles``."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

import geopandas as gpd
import pandas as pd
import pyogrio

from .qgis_style import layer_styles_table

GEOPACKAGE_VERSION = "1.2"
GEOPACKAGE_MEDIA_TYPE = "application/geopackage+sqlite3"


@dataclass(frozen=True)
class PackageLayer:
    """One layer of a GeoPackage: its table name, features and geometry type (None: an
    attributes table without geometry)."""

    name: str
    frame: gpd.GeoDataFrame
    geometry_type: Literal["MultiPolygon", "Point"] | None
    style: str | None = None


def write_geopackage(path: Path, layers: list[PackageLayer]) -> None:
    """Write ``layers`` (each declared with its geometry type, so an empty one is still a
    proper table) and their styles into a new GeoPackage 1.2 at ``path``."""
    for number, layer in enumerate(layers):
        frame = layer.frame
        if layer.geometry_type is None:
            frame = pd.DataFrame(frame.drop(columns=frame.geometry.name))
        pyogrio.write_dataframe(
            frame,
            path,
            layer=layer.name,
            driver="GPKG",
            geometry_type=layer.geometry_type,
            promote_to_multi=layer.geometry_type == "MultiPolygon",
            append=number > 0,
            dataset_options={"VERSION": GEOPACKAGE_VERSION} if number == 0 else None,
        )
    styles = {layer.name: layer.style for layer in layers if layer.style}
    if styles:
        pyogrio.write_dataframe(
            layer_styles_table(styles), path, layer="layer_styles", driver="GPKG", append=True
        )

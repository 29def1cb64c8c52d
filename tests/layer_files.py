"""Real layer files written for tests: Shapefiles as cities send them (CP932, no .cpg)."""

from __future__ import annotations

import zipfile
from pathlib import Path

import geopandas as gpd


def write_shapefile(frame: gpd.GeoDataFrame, path: Path, encoding: str = "cp932") -> Path:
    """Write ``frame`` as a Shapefile in ``encoding`` without a .cpg, like real city data."""
    path.parent.mkdir(parents=True, exist_ok=True)
    frame.to_file(path, driver="ESRI Shapefile", engine="pyogrio", encoding=encoding)
    path.with_suffix(".cpg").unlink(missing_ok=True)
    return path


def zip_shapefile(shp: Path, target: Path) -> Path:
    """Zip a Shapefile's parts (as a city's download would be)."""
    with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
        for part in sorted(shp.parent.glob(f"{shp.stem}.*")):
            archive.write(part, part.name)
    return target

"""Read one layer's source file the way planners and scripts hand it in.

Shapefiles (the .shp with its sidecars, a folder or a .zip), GeoJSON, GeoPackage, TopoJSON
and CSV files with coordinate columns come back as the raw attribute table, decoded with
the right encoding, with their geometry and CRS. Whatever cannot be read correctly is
refused with a ``BadInput`` that names the file, the field and the feature and says what
to do. Nothing here touches the database or Flask. One module per format (``shapefile``,
``gdal`` for GeoJSON/TopoJSON/GeoPackage, ``csv_points``), ``archive`` for folders and zips,
``crs`` for the coordinate systems.
"""

from .archive import open_source, read_source
from .crs import JGD2011_ZONES, check_coordinates_in_japan, crs_candidates
from .csv_points import read_table
from .source_data import FeatureGeometry, GeometryArray, GeometryBatch, SourceData

__all__ = [
    "JGD2011_ZONES",
    "FeatureGeometry",
    "GeometryArray",
    "GeometryBatch",
    "SourceData",
    "check_coordinates_in_japan",
    "crs_candidates",
    "open_source",
    "read_source",
    "read_table",
]

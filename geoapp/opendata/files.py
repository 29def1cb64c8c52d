"""A published collection as a download in each format, built from the same public
frame the OGC API serves (only the registry's fields): GeoJSON (RFC 7946), CSV with its
``.csvt`` column types (so codes with leading zeros stay text in QGIS and GDAL),
GeoPackage 1.2 and a zipped Shapefile (Shift_JIS or UTF-8).

A collection without geometry (the grants) is what an analyst joins to the communities
by ``community_id``: an attributes table in the GeoPackage, features with a null
geometry in the GeoJSON (RFC 7946 allows them), the rows of the CSV, and a Shapefile zip
holding the DBF table alone with its ``.cpg`` (what GDAL, QGIS and ``shp2pgsql -n`` read
as a table), never made-up points."""

from __future__ import annotations

import tempfile
from pathlib import Path

import geopandas as gpd
import pandas as pd

from ..errors import NotFound
from ..exports.geopackage import GEOPACKAGE_MEDIA_TYPE, PackageLayer, write_geopackage
from ..exports.layer_geojson import point_degrees
from ..exports.qgis_style import community_style_qml
from ..exports.rfc7946 import geojson_text
from ..exports.shapefile_zip import ShapefileLayer, shapefile_zip
from ..exports.spreadsheet_csv import frame_csv_bytes, frame_csvt_bytes
from ..ogcapi.collections import Collection
from ..plans.shapefile_export import COMMUNITY_FIELDS, DISTRICT_FIELDS
from ..translatable import InContext, Text

# format → (file suffix, media type, label)
FORMATS = {
    "geojson": (".geojson", "application/geo+json", "GeoJSON"),
    "csv": (".csv", "text/csv", "CSV"),
    "csvt": (".csvt", "text/csv", "CSVT"),
    "gpkg": (".gpkg", GEOPACKAGE_MEDIA_TYPE, "GeoPackage"),
    "shp": ("-cp932-shp.zip", "application/zip", "Shapefile (Shift_JIS)"),
    "shp-utf8": ("-utf-8-shp.zip", "application/zip", "Shapefile (UTF-8)"),
}
# Every public field's Shapefile attribute name (at most 10 characters).
SHAPEFILE_NAMES = {
    **COMMUNITY_FIELDS,
    **DISTRICT_FIELDS,
    "school_name": "SCHOOL",
    "school_location_lon": "SCHOOL_LON",
    "school_location_lat": "SCHOOL_LAT",
    "kind": "KIND",
    "address": "ADDRESS",
    "managed_by": "MANAGED_BY",
    "lon": "LON",
    "lat": "LAT",
    "fiscal_year": "FY",
    "fiscal_year_label": "FY_LABEL",
    "program": "PROGRAM",
    "program_name": "PROG_NAME",
    "organization_id": "ORG_ID",
    "organization": "ORG_NAME",
    "granted": "GRANTED",
}


def table(collection: Collection, frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """The download's columns: the id where no code names a feature, the public fields,
    and a point collection's lon/lat."""
    columns = ([] if "code" in collection.fields else ["id"]) + list(collection.fields)
    kept = frame[[*columns, frame.geometry.name]].copy()
    if collection.geometry_type == "Point":
        kept["lon"], kept["lat"] = point_degrees(kept.geometry)
    return kept


def download(
    collection: Collection, frame: gpd.GeoDataFrame, file_format: str
) -> tuple[bytes, str, str]:
    """The collection in ``file_format``: bytes, file name and media type."""
    if file_format not in FORMATS:
        raise NotFound(
            Text(
                "形式「{format}」のファイルはありません（{formats}）。",
                format=file_format[:40],
                formats=list(FORMATS),
            )
        )
    suffix, media_type, _ = FORMATS[file_format]
    name = f"{collection.id}{suffix}"
    columns = table(collection, frame)
    attributes = pd.DataFrame(columns.drop(columns=columns.geometry.name))
    if file_format == "geojson":
        return geojson_text(columns).encode("utf-8"), name, media_type
    if file_format == "csv":
        return frame_csv_bytes(attributes), name, media_type
    if file_format == "csvt":
        return frame_csvt_bytes(attributes), name, media_type
    geometry_type = collection.geometry_type
    style = community_style_qml() if collection.id == "communities" else None
    with tempfile.TemporaryDirectory() as folder:
        if file_format == "gpkg":
            path = Path(folder) / name
            layer = PackageLayer(collection.id.replace("-", "_"), columns, geometry_type, style)
            write_geopackage(path, [layer])
            return path.read_bytes(), name, media_type
        if not collection.shapefile:
            raise NotFound(
                Text(
                    "{collection} は Shapefile では配布していません（GeoPackage か CSV を"
                    "お使いください）。",
                    collection=collection.id,
                )
            )
        fields = {column: SHAPEFILE_NAMES[column] for column in attributes.columns}
        texts: dict[str, Text | str] = {
            column: column
            for column in attributes.columns
            if pd.api.types.is_object_dtype(attributes[column].dtype)
        }
        shapefile = ShapefileLayer(
            collection.id.replace("-", "_"),
            (collection.id, collection.title),
            ("code", InContext("文中の項目名", "コード")) if "code" in fields else ("id", "ID"),
            columns,
            fields,
            texts,
            geometry_type,
            community_style_qml(SHAPEFILE_NAMES["name"], SHAPEFILE_NAMES["color"])
            if style
            else None,
        )
        encoding = "utf-8" if file_format == "shp-utf8" else "cp932"
        data, _, _ = shapefile_zip([shapefile], Path(folder), collection.id, encoding)
        return data, name, media_type

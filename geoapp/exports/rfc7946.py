"""Geometry as GeoJSON (RFC 7946) wants it and as every GIS client appends it: lon/lat,
exterior rings counter-clockwise and holes clockwise, coordinates to 7 decimals (about a
centimetre), and polygons always as MultiPolygon so a later version of a layer whose
community gained an exclave still appends to the same table."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely

from ..layers import WEB_CRS

COORDINATE_DECIMALS = 7


def as_multipolygons(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """Each Polygon as a one-part MultiPolygon; other geometries (and nulls) as they are."""
    values = geometries.to_numpy()
    single = shapely.get_type_id(values) == shapely.GeometryType.POLYGON
    promoted = values.copy()
    promoted[single] = shapely.multipolygons(values[single][:, np.newaxis])
    return gpd.GeoSeries(promoted, index=geometries.index, crs=geometries.crs)


def rfc7946_geometries(geometries: gpd.GeoSeries) -> gpd.GeoSeries:
    """The geometries in lon/lat, rounded, polygons as counter-clockwise MultiPolygons.

    Rounding snaps to the grid with shapely's precision model first, which keeps a
    polygon valid where plain rounding could fold a narrow part onto itself."""
    lonlat = geometries.to_crs(WEB_CRS) if geometries.crs is not None else geometries
    snapped = shapely.set_precision(lonlat.to_numpy(), 10.0**-COORDINATE_DECIMALS)
    rounded = shapely.transform(snapped, lambda xy: np.round(xy, COORDINATE_DECIMALS))
    multi = as_multipolygons(gpd.GeoSeries(rounded, index=geometries.index, crs=WEB_CRS))
    return gpd.GeoSeries(shapely.orient_polygons(multi.to_numpy()), index=multi.index, crs=WEB_CRS)


def rfc7946_frame(frame: gpd.GeoDataFrame) -> gpd.GeoDataFrame:
    """``frame`` with its geometry made RFC 7946 (see ``rfc7946_geometries``)."""
    return frame.set_geometry(rfc7946_geometries(frame.geometry))


def geojson_text(frame: gpd.GeoDataFrame) -> str:
    """``frame`` as an RFC 7946 FeatureCollection: Japanese kept as text, no feature ids."""
    return rfc7946_frame(frame).to_json(drop_id=True, ensure_ascii=False)

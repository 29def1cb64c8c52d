"""Tiny hand-drawn layers whose every figure is known by hand."""

from __future__ import annotations

import geopandas as gpd
from shapely import MultiPolygon, Point, box

from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES

SRID = 6676


def three_districts() -> gpd.GeoDataFrame:
    """Three districts in a row: two 100 m squares and a two-part one (400 m² exclave)."""
    return gpd.GeoDataFrame(
        {
            "code": ["A", "B", "C"],
            "name": ["青葉町一丁目", "桜台", "松原"],
            "name_kana": ["あおばちょういっちょうめ", "さくらだい", None],
            "population": [120, 0, None],
            "households": [50, 0, None],
            "population_65": [40, 0, None],
            "properties": [{"備考": "旧町名あり"}, {}, {"source": "test"}],
        },
        geometry=[
            box(0, 0, 100, 100),
            box(100, 0, 200, 100),
            MultiPolygon([box(200, 0, 300, 100), box(400, 0, 420, 20)]),
        ],
        crs=SRID,
    )


def two_zones() -> gpd.GeoDataFrame:
    """Two school zones splitting the row at x = 150."""
    return gpd.GeoDataFrame(
        {
            "code": ["S1", "S2"],
            "name": ["青葉小学校区", "松原小学校区"],
            "school_name": ["青葉小学校", None],
            "population": [None, 300],
            "school_location": gpd.GeoSeries([Point(50, 50), None], crs=SRID),
            "properties": [{}, {}],
        },
        geometry=[box(0, 0, 150, 100), box(150, 0, 420, 100)],
        crs=SRID,
    )


def two_centers() -> gpd.GeoDataFrame:
    """Two community centres."""
    return gpd.GeoDataFrame(
        {
            "code": ["C1", "C2"],
            "name": ["青葉公民館", "松原コミュニティセンター"],
            "name_kana": ["あおばこうみんかん", None],
            "kind": ["公民館", "コミュニティセンター"],
            "address": ["青葉川市青葉町1-1", None],
            "managed_by": ["直営", "指定管理"],
            "properties": [{}, {}],
        },
        geometry=[Point(50, 50), Point(250, 50)],
        crs=SRID,
    )


def all_layers() -> dict:
    """The three layers keyed by their Layer."""
    return {DISTRICTS: three_districts(), SCHOOL_ZONES: two_zones(), CENTERS: two_centers()}

"""Tiny hand-drawn layers whose every figure is known by hand."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd
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


def nine_districts() -> gpd.GeoDataFrame:
    """A 3 × 3 grid of 100 m squares, G1 at the bottom left to G9 at the top right:

    G7 G8 G9
    G4 G5 G6
    G1 G2 G3

    G<n> has n × 100 people, n × 40 households and n × 30 people aged 65+.
    """
    codes = [f"G{n}" for n in range(1, 10)]
    return gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [f"第{n}区" for n in range(1, 10)],
            "name_kana": [None] * 9,
            "population": [100 * n for n in range(1, 10)],
            "households": [40 * n for n in range(1, 10)],
            "population_65": [30 * n for n in range(1, 10)],
            "properties": [{} for _ in range(9)],
        },
        geometry=[
            box(100 * (n % 3), 100 * (n // 3), 100 * (n % 3) + 100, 100 * (n // 3) + 100)
            for n in range(9)
        ],
        crs=SRID,
    )


def nine_adjacency() -> pd.DataFrame:
    """The grid's shared edges, listed by hand (each 100 m)."""
    pairs = [
        ("G1", "G2"), ("G2", "G3"), ("G4", "G5"), ("G5", "G6"), ("G7", "G8"), ("G8", "G9"),
        ("G1", "G4"), ("G2", "G5"), ("G3", "G6"), ("G4", "G7"), ("G5", "G8"), ("G6", "G9"),
    ]  # fmt: skip
    return pd.DataFrame(
        {"a": [a for a, _ in pairs], "b": [b for _, b in pairs], "shared_length_m": 100.0}
    )


def grid_centers() -> gpd.GeoDataFrame:
    """Centres in G1, G5 and G9."""
    return gpd.GeoDataFrame(
        {
            "code": ["K1", "K5", "K9"],
            "name": ["第1区公民館", "中央コミュニティセンター", "第9区地区センター"],
            "name_kana": [None] * 3,
            "kind": ["公民館", "コミュニティセンター", "地区センター"],
            "address": [None] * 3,
            "managed_by": ["直営"] * 3,
            "properties": [{} for _ in range(3)],
        },
        geometry=[Point(50, 50), Point(150, 150), Point(250, 250)],
        crs=SRID,
    )


def grid_zones() -> gpd.GeoDataFrame:
    """Two school zones: the left column (Z1) and the rest (Z2), with a notch of Z1 taking
    60 % of G5 (so G5 is split, its majority zone Z1)."""
    return gpd.GeoDataFrame(
        {
            "code": ["Z1", "Z2"],
            "name": ["西小学校区", "東小学校区"],
            "school_name": ["西小学校", "東小学校"],
            "population": [None, None],
            "school_location": gpd.GeoSeries([Point(50, 150), Point(250, 150)], crs=SRID),
            "properties": [{}, {}],
        },
        geometry=[
            box(0, 0, 100, 300).union(box(100, 100, 160, 200)),
            box(100, 0, 300, 300).difference(box(100, 100, 160, 200)),
        ],
        crs=SRID,
    )

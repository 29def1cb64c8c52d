"""Tiny hand-drawn overlay layers whose every answer is worked out by hand.

Zones (metres)::

    y=100 +----------------+----------------+
          |   Z1 (with a   |                |
          |   hole that    |       Z2       |
          |   is Z3)       |                |
    y=0   +----------------+----------------+
          x=0            x=100            x=200

Z1 is box(0, 0, 100, 100) minus the hole box(40, 40, 60, 60); Z3 fills that hole.

Districts:
- A  box(0, 0, 40, 100): wholly in Z1, sharing edges with Z1's outline and with Z3.
- B  box(80, 0, 120, 40): split 50/50 between Z1 and Z2 (tie: the lower code, Z1, wins).
- C  box(76, 50, 101, 100): 96 % in Z1, 4 % in Z2 (under the 5 % threshold).
- H  box(40, 40, 60, 60): the hole, wholly in Z3 and not in Z1.
- M  multipart, box(120, 0, 200, 50) + box(150, 60, 170, 80): wholly in Z2.
- X  multipart, box(60, 70, 70, 80) + box(180, 85, 190, 95): 50/50 across Z1 and Z2.
- O  box(300, 0, 320, 20): outside every zone.
"""

from __future__ import annotations

import geopandas as gpd
from shapely import MultiPolygon, Point, box

SRID = 6676


def zones() -> gpd.GeoDataFrame:
    """Z1 with a hole, Z2 beside it, Z3 filling the hole; Z2 has its own population."""
    return gpd.GeoDataFrame(
        {
            "code": ["Z1", "Z2", "Z3"],
            "name": ["一小学校区", "二小学校区", "三小学校区"],
            "population": [None, 1000, None],
        },
        geometry=[
            box(0, 0, 100, 100).difference(box(40, 40, 60, 60)),
            box(100, 0, 200, 100),
            box(40, 40, 60, 60),
        ],
        crs=SRID,
    )


def districts() -> gpd.GeoDataFrame:
    """The seven districts A, B, C, H, M, X, O of the module docstring."""
    return gpd.GeoDataFrame(
        {
            "code": ["A", "B", "C", "H", "M", "X", "O"],
            "name": ["青葉", "桜台", "松原", "中島", "東町", "飛地", "沖"],
            "population": [400, 100, 250, 20, 300, 50, 10],
            "households": [160, 40, 100, 8, 120, 20, 4],
            "population_65": [100, 30, 50, 5, 90, 10, 2],
        },
        geometry=[
            box(0, 0, 40, 100),
            box(80, 0, 120, 40),
            box(76, 50, 101, 100),
            box(40, 40, 60, 60),
            MultiPolygon([box(120, 0, 200, 50), box(150, 60, 170, 80)]),
            MultiPolygon([box(60, 70, 70, 80), box(180, 85, 190, 95)]),
            box(300, 0, 320, 20),
        ],
        crs=SRID,
    )


def centers() -> gpd.GeoDataFrame:
    """K1 inside A; K2 on the Z1/Z2 line inside B; K3 on the A/H district edge (the hole's
    rim); K4 inside M's exclave; K5 outside every zone and district."""
    return gpd.GeoDataFrame(
        {
            "code": ["K1", "K2", "K3", "K4", "K5"],
            "name": ["青葉公民館", "桜台センター", "中島会館", "東町センター", "沖の家"],
            "kind": ["公民館", "地区センター", "公民館", "コミュニティセンター", "公民館"],
        },
        geometry=[Point(20, 50), Point(100, 20), Point(40, 50), Point(160, 70), Point(500, 500)],
        crs=SRID,
    )


def grid_districts() -> gpd.GeoDataFrame:
    """Adjacency fixture: P and Q share a 10 m edge, S sits on P (10 m edge) and touches Q
    at a corner only, R touches Q at a corner only, and T is two parts: (30..40, 0..10),
    touching R at a corner, and an exclave (10..20, 10..15) sharing 10 m with Q, 5 m with S
    and 5 m with R."""
    return gpd.GeoDataFrame(
        {"code": ["P", "Q", "R", "S", "T"], "name": ["P", "Q", "R", "S", "T"]},
        geometry=[
            box(0, 0, 10, 10),
            box(10, 0, 20, 10),
            box(20, 10, 30, 20),
            box(0, 10, 10, 20),
            MultiPolygon([box(30, 0, 40, 10), box(10, 10, 20, 15)]),
        ],
        crs=SRID,
    )

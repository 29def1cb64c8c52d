"""Community boundaries: coverage union on a clean coverage, a safe full union when the
districts overlap, and display simplification that opens no gaps."""

from __future__ import annotations

import geopandas as gpd
import pytest
import shapely
from shapes import SRID, grid_centers, nine_adjacency, nine_districts

from geoapp.plans.boundaries import community_boundaries
from geoapp.plans.geography import build_geography
from geoapp.plans.model import PlanState


def two_communities() -> PlanState:
    communities = {cid: {"name": f"C{cid}"} for cid in (1, 2)}
    assignments = {f"G{n}": 1 if n in (1, 2, 4, 5) else 2 for n in range(1, 10)}
    return PlanState({}, communities, assignments)


def test_a_clean_grid_unions_each_community_exactly() -> None:
    geo = build_geography(nine_districts(), grid_centers(), nine_adjacency())
    assert geo.coverage_clean
    shapes = community_boundaries(geo, two_communities())
    areas = dict(zip(shapes["id"], shapes.geometry.area, strict=True))
    assert areas == {1: pytest.approx(40_000), 2: pytest.approx(50_000)}
    assert all(shape.geom_type == "Polygon" for shape in shapes.geometry)


def test_overlapping_districts_fall_back_to_a_full_union() -> None:
    districts = nine_districts()
    districts.loc[0, "geometry"] = shapely.box(0, 0, 130, 100)  # G1 overlaps G2 by 30 m
    geo = build_geography(districts, grid_centers(), nine_adjacency())
    assert not geo.coverage_clean
    shapes = community_boundaries(geo, two_communities())
    assert all(shape.is_valid for shape in shapes.geometry)
    assert shapes.geometry.area.sum() == pytest.approx(90_000)


def test_simplified_display_boundaries_keep_neighbours_touching() -> None:
    wobbly = [
        shapely.Polygon([(0, 0), (100, 0), (103, 50), (100, 100), (0, 100)]),
        shapely.Polygon([(100, 0), (200, 0), (200, 100), (100, 100), (103, 50)]),
    ]
    districts = gpd.GeoDataFrame(
        {
            "code": ["A", "B"],
            "name": ["甲", "乙"],
            "population": [1, 1],
            "households": [1, 1],
            "population_65": [0, 0],
        },
        geometry=wobbly,
        crs=SRID,
    )
    adjacency = gpd.pd.DataFrame({"a": ["A"], "b": ["B"], "shared_length_m": [100.2]})
    geo = build_geography(districts, grid_centers().iloc[:0], adjacency)
    state = PlanState({}, {1: {"name": "甲"}, 2: {"name": "乙"}}, {"A": 1, "B": 2})
    shapes = community_boundaries(geo, state, tolerance_m=20)  # the wobble is 150 m²
    a, b = shapes.geometry
    assert shapely.union_all([a, b]).area == pytest.approx(20_000, rel=1e-6)  # no gap
    assert a.intersection(b).area == pytest.approx(0, abs=1e-6)  # no overlap
    assert len(a.exterior.coords) < len(wobbly[0].exterior.coords)  # the wobble is gone

"""Properties on generated coverages (hypothesis): every district's shares add up to one,
every zone's pieces add up to the zone, and apportioning conserves the population."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pytest
import shapely
from hypothesis import HealthCheck, assume, given, settings
from hypothesis import strategies as st

from geoapp.overlay.apportionment import apportioned_figures, piece_shares
from geoapp.overlay.zones import district_zone_pieces, majority_from_pieces

SIDE = 1000.0
SQUARE = shapely.box(0, 0, SIDE, SIDE)

point = st.tuples(st.floats(1, SIDE - 1), st.floats(1, SIDE - 1))
district_points = st.lists(point, min_size=3, max_size=40, unique=True)
zone_points = st.lists(point, min_size=2, max_size=8, unique=True)


def voronoi_coverage(seeds: list[tuple[float, float]], prefix: str) -> gpd.GeoDataFrame:
    """Voronoi cells of ``seeds`` clipped to the square: a coverage of it."""
    cells = shapely.get_parts(
        shapely.voronoi_polygons(shapely.multipoints(seeds), extend_to=SQUARE)
    )
    cells = shapely.intersection(cells, SQUARE)
    cells = cells[shapely.area(cells) > 1.0]
    return gpd.GeoDataFrame(
        {"code": [f"{prefix}{i:03d}" for i in range(len(cells))]}, geometry=cells, crs=6676
    )


def coverages(district_seeds, zone_seeds, population):
    """Districts (with a population each) and zones covering the same square."""
    assume(len({(round(x), round(y)) for x, y in district_seeds}) == len(district_seeds))
    assume(len({(round(x), round(y)) for x, y in zone_seeds}) == len(zone_seeds))
    districts = voronoi_coverage(district_seeds, "D")
    zones = voronoi_coverage(zone_seeds, "Z")
    assume(len(districts) >= 3 and len(zones) >= 2)
    districts["population"] = population[: len(districts)] + [0] * (
        len(districts) - len(population)
    )
    return districts, zones


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.filter_too_much])
@given(
    district_points,
    zone_points,
    st.lists(st.integers(0, 5000), min_size=40, max_size=40),
)
def test_shares_sum_to_one_and_population_is_conserved(district_seeds, zone_seeds, population):
    districts, zones = coverages(district_seeds, zone_seeds, population)
    pieces = district_zone_pieces(districts, zones)

    per_district = pieces.groupby("district")["district_share"].sum()
    assert set(per_district.index) == set(districts["code"])
    assert np.allclose(per_district, 1.0, rtol=0, atol=1e-9)
    per_zone = pieces.groupby("zone")["zone_share"].sum()
    assert np.allclose(per_zone, 1.0, rtol=0, atol=1e-9)

    shares = piece_shares(pieces, districts, zones)
    figures = apportioned_figures(pieces, shares, districts)
    assert figures["population"].sum() == pytest.approx(districts["population"].sum())

    table = majority_from_pieces(pieces, districts["code"], 0.05)
    assert (table["majority_share"] >= table["second_share"]).all()
    assert (table["split"] == (table["second_share"] > 0.05)).all()

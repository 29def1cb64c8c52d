"""Apportioning district figures to school zones, by area and by sub-district weights."""

from __future__ import annotations

import geopandas as gpd
import pytest
from overlay_shapes import districts, zones
from shapely import Point

from geoapp.errors import BadInput
from geoapp.overlay.apportionment import apportioned_figures, piece_shares
from geoapp.overlay.zones import district_zone_pieces


def figures(weights: gpd.GeoDataFrame | None = None) -> dict[str, dict[str, float]]:
    """Apportioned figures per zone for the hand-drawn layers."""
    pieces = district_zone_pieces(districts(), zones())
    shares = piece_shares(pieces, districts(), zones(), weights, "people")
    return apportioned_figures(pieces, shares, districts()).to_dict(orient="index")


def test_population_is_apportioned_by_area_share() -> None:
    by_zone = figures()
    # Z1: all of A (400), half of B (50), 96 % of C (240), half of X (25).
    assert by_zone["Z1"]["population"] == pytest.approx(715)
    assert by_zone["Z2"]["population"] == pytest.approx(385)
    assert by_zone["Z3"]["population"] == pytest.approx(20)
    assert by_zone["Z1"]["households"] == pytest.approx(160 + 20 + 96 + 10)
    assert by_zone["Z2"]["population_65"] == pytest.approx(15 + 2 + 90 + 5)


def test_apportioning_conserves_the_population_inside_the_zones() -> None:
    total = sum(zone["population"] for zone in figures().values())
    outside = int(districts().set_index("code").loc["O", "population"])
    assert total == pytest.approx(districts()["population"].sum() - outside)


def test_weight_points_move_a_split_districts_people_to_where_they_live() -> None:
    # B's 100 residents: 3 weight units west of x = 100 (Z1), 1 east (Z2).
    weights = gpd.GeoDataFrame(
        {"people": [3, 1]}, geometry=[Point(90, 20), Point(110, 20)], crs=6676
    )
    by_zone = figures(weights)
    assert by_zone["Z1"]["population"] == pytest.approx(400 + 75 + 240 + 25)
    assert by_zone["Z2"]["population"] == pytest.approx(25 + 10 + 300 + 25)


def test_a_district_without_weights_keeps_its_area_shares() -> None:
    weights = gpd.GeoDataFrame({"people": [5]}, geometry=[Point(20, 20)], crs=6676)
    assert figures(weights)["Z1"]["population"] == pytest.approx(715)


def test_a_missing_weight_column_names_the_columns_there_are() -> None:
    weights = gpd.GeoDataFrame({"pop": [5]}, geometry=[Point(20, 20)], crs=6676)
    with pytest.raises(BadInput, match="people") as caught:
        figures(weights)
    assert "pop" in caught.value.message


def test_a_negative_weight_names_its_row() -> None:
    weights = gpd.GeoDataFrame(
        {"people": [5, -1]}, geometry=[Point(20, 20), Point(30, 30)], crs=6676
    )
    with pytest.raises(BadInput, match="2行目"):
        figures(weights)

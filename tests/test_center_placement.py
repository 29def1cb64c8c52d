"""Which district and zone each community centre stands in, and the nearest centres."""

from __future__ import annotations

import geopandas as gpd
import pytest
from overlay_shapes import centers, districts, zones
from shapely import Point

from geoapp.overlay.centers import centers_by_zone, place_centers
from geoapp.overlay.nearest_center import nearest_centers
from geoapp.overlay.zones import majority_zones


def placement():
    """The hand-drawn centres placed."""
    majority = majority_zones(districts(), zones())["majority_zone"]
    return place_centers(centers(), districts(), zones(), majority)


def test_a_centre_inside_a_district_takes_its_district_and_zone() -> None:
    row = placement().loc["K1"]
    assert (row["district"], row["zone"], row["on_boundary"]) == ("A", "Z1", False)


def test_a_centre_on_a_zone_line_goes_to_its_districts_majority_zone() -> None:
    row = placement().loc["K2"]
    assert (row["district"], row["zone"], row["on_boundary"]) == ("B", "Z1", True)


def test_a_centre_on_a_district_edge_goes_to_the_lower_district_code() -> None:
    row = placement().loc["K3"]
    assert (row["district"], row["zone"], row["on_boundary"]) == ("A", "Z1", True)


def test_a_centre_in_an_exclave_belongs_to_the_multipart_district() -> None:
    assert tuple(placement().loc["K4", ["district", "zone"]]) == ("M", "Z2")


def test_a_centre_outside_every_zone_has_no_district_or_zone() -> None:
    row = placement().loc["K5"]
    assert row["district"] is None and row["zone"] is None


def test_zones_list_their_centres_and_a_zone_without_one_is_empty() -> None:
    found = centers_by_zone(placement(), zones()["code"])
    assert found == {"Z1": ["K1", "K2", "K3"], "Z2": ["K4"], "Z3": []}


def test_each_district_gets_its_nearest_centre_from_the_centroid() -> None:
    table = nearest_centers(districts(), centers())
    assert table.loc["A", "nearest_center"] == "K1"
    assert table.loc["A", "distance_m"] == pytest.approx(0.0)
    assert table.loc["H", "nearest_center"] == "K3"
    assert table.loc["H", "distance_m"] == pytest.approx(10.0)
    assert table["weighted_distance_m"].isna().all()


def test_weighted_distance_averages_the_residents_own_distances() -> None:
    weights = gpd.GeoDataFrame(
        {"people": [1, 3]}, geometry=[Point(20, 10), Point(20, 90)], crs=6676
    )
    table = nearest_centers(districts(), centers(), weights, "people")
    # Both points lie in A; K1 (20, 50) is 40 m from each.
    assert table.loc["A", "weighted_distance_m"] == pytest.approx(40.0)
    assert table.drop(index="A")["weighted_distance_m"].isna().all()


def test_no_centres_leave_every_district_without_a_nearest_one() -> None:
    table = nearest_centers(districts(), centers().iloc[:0])
    assert table["nearest_center"].isna().all()

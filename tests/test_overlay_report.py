"""The overlay report: hand-drawn answers, and geopandas.overlay on the demo city and on
the real Yaizu layers (same majority zones, areas equal to 1e-9 relative)."""

from __future__ import annotations

import json

import geopandas as gpd
import numpy as np
import pytest
from overlay_crosscheck import reference_majority, reference_pieces
from overlay_shapes import centers, districts, zones
from shapely import box
from shared_data import yaizu

from geoapp.demo.city import read_demo_layer
from geoapp.importing.pipeline import ImportOptions, import_layer
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.overlay.report import overlay_report
from geoapp.overlay.zones import district_zone_pieces, majority_zones
from geoapp.storage import Store


def hand_drawn_report() -> dict:
    """The report of the hand-drawn layers as JSON-ready data."""
    return overlay_report(districts(), zones(), centers()).to_dict()


def test_the_summary_counts_splits_and_zones_without_a_centre() -> None:
    summary = hand_drawn_report()["summary"]
    assert summary["districts"] == 7 and summary["split_districts"] == 2
    assert summary["districts_outside_zones"] == 1
    assert summary["zones_without_center"] == 1
    assert summary["zones_without_center_codes"] == ["Z3"]
    assert summary["zones_with_several_centers_codes"] == ["Z1"]
    assert summary["centers_outside_zones_codes"] == ["K5"]
    assert summary["centers_on_boundary"] == 2


def test_each_district_lists_its_pieces_majority_zone_and_split_flag() -> None:
    entries = {entry["code"]: entry for entry in hand_drawn_report()["districts"]}
    b = entries["B"]
    assert (b["name"], b["majority_zone"], b["split"]) == ("桜台", "Z1", True)
    assert [(p["zone"], p["area_m2"], p["share"]) for p in b["pieces"]] == [
        ("Z1", pytest.approx(800.0), pytest.approx(0.5)),
        ("Z2", pytest.approx(800.0), pytest.approx(0.5)),
    ]
    assert entries["O"]["majority_zone"] is None and entries["O"]["pieces"] == []
    assert entries["A"]["nearest_center"] == "K1"


def test_each_zone_lists_whole_and_partial_districts_and_apportioned_figures() -> None:
    entries = {entry["code"]: entry for entry in hand_drawn_report()["zones"]}
    z2 = entries["Z2"]
    assert z2["districts_inside"] == ["M"]
    assert [(p["district"], p["split"]) for p in z2["districts_partly_inside"]] == [
        ("B", True),
        ("C", False),
        ("X", True),
    ]
    assert z2["population"] == pytest.approx(385)
    assert z2["own_population"] == 1000
    assert z2["population_difference"] == pytest.approx(-615)
    assert z2["centers"] == ["K4"]
    assert entries["Z1"]["own_population"] is None
    assert entries["Z1"]["population_difference"] is None
    assert entries["Z3"]["centers"] == []


def test_centres_carry_their_district_zone_and_lonlat() -> None:
    entries = {entry["code"]: entry for entry in hand_drawn_report()["centers"]}
    assert (entries["K2"]["district"], entries["K2"]["zone"]) == ("B", "Z1")
    assert entries["K2"]["on_boundary"] is True
    assert 138 < entries["K1"]["lon"] < 139 and 35 < entries["K1"]["lat"] < 37
    assert entries["K5"]["zone"] is None


def test_coverage_health_reports_gaps_and_overlaps_with_area_and_location() -> None:
    ring = gpd.GeoDataFrame(
        {"code": ["N", "E", "S", "W"], "name": ["北", "東", "南", "西"]},
        geometry=[box(0, 60, 60, 90), box(60, 30, 90, 90), box(30, 0, 90, 30), box(0, 0, 30, 60)],
        crs=6676,
    )
    overlapping = zones()
    overlapping.loc[overlapping["code"] == "Z2", "geometry"] = box(95, 0, 200, 100)
    coverage = overlay_report(ring, overlapping, centers()).to_dict()["coverage"]
    (gap,) = coverage["districts"]
    assert (gap["kind"], gap["area_m2"], sorted(gap["features"])) == (
        "gap",
        900.0,
        ["E", "N", "S", "W"],
    )
    assert (gap["x"], gap["y"]) == (pytest.approx(45, abs=15), pytest.approx(45, abs=15))
    assert 138 < gap["lon"] < 139
    (overlap,) = coverage["school_zones"]
    assert (overlap["kind"], overlap["area_m2"], overlap["features"]) == (
        "overlap",
        500.0,
        ["Z1", "Z2"],
    )


def test_adjacency_is_part_of_the_report() -> None:
    pairs = {(p["a"], p["b"]) for p in hand_drawn_report()["adjacency"]}
    assert ("A", "H") in pairs and ("B", "M") in pairs
    assert ("A", "B") not in pairs


def test_the_piece_table_apportions_figures_to_each_piece() -> None:
    table = overlay_report(districts(), zones(), centers()).piece_table()
    row = table[(table["district"] == "C") & (table["zone"] == "Z2")].iloc[0]
    assert row["population"] == pytest.approx(10.0)
    assert (row["district_name"], row["zone_name"], row["majority_zone"]) == (
        "松原",
        "二小学校区",
        "Z1",
    )


def test_piece_shapes_carry_the_table_and_the_pieces_areas() -> None:
    shapes = overlay_report(districts(), zones(), centers()).piece_shapes()
    assert np.allclose(shapes.area, shapes["area_m2"])
    assert set(shapes.columns) >= {"district", "zone", "split", "population", "geometry"}


def assert_same_as_geopandas_overlay(districts_frame, zones_frame) -> None:
    """Majority zones equal, and every piece's area equal to 1e-9 relative."""
    reference = reference_pieces(districts_frame, zones_frame)
    ours = district_zone_pieces(districts_frame, zones_frame)
    merged = ours.merge(reference, on=["district", "zone"], how="outer", indicator=True)
    assert (merged["_merge"] == "both").all(), merged[merged["_merge"] != "both"]
    relative = np.abs(merged["area_m2_x"] - merged["area_m2_y"]) / merged["area_m2_y"]
    assert relative.max() <= 1e-9
    table = majority_zones(districts_frame, zones_frame)
    assert table["majority_zone"].dropna().to_dict() == reference_majority(reference)


def test_the_demo_city_matches_geopandas_overlay() -> None:
    districts_frame = read_demo_layer(DISTRICTS)
    zones_frame = read_demo_layer(SCHOOL_ZONES)
    assert_same_as_geopandas_overlay(districts_frame, zones_frame)
    assert majority_zones(districts_frame, zones_frame)["split"].sum() == 31


def test_the_demo_city_conserves_its_population_and_finds_its_centre_gaps() -> None:
    report = overlay_report(
        read_demo_layer(DISTRICTS), read_demo_layer(SCHOOL_ZONES), read_demo_layer(CENTERS)
    ).to_dict()
    assert sum(zone["population"] for zone in report["zones"]) == pytest.approx(76036, abs=0.1)
    assert report["summary"]["zones_without_center"] == 1
    assert report["summary"]["zones_with_several_centers"] == 1


def test_the_real_yaizu_layers_match_geopandas_overlay(store: Store) -> None:
    for folder, layer in (("自治会区域", DISTRICTS), ("小学校区", SCHOOL_ZONES)):
        report = import_layer(store, yaizu(folder), ImportOptions(layer=layer))
        assert report.stored, report.to_dict()["errors"]
    districts_frame = store.read_layer(DISTRICTS)
    zones_frame = store.read_layer(SCHOOL_ZONES)
    assert_same_as_geopandas_overlay(districts_frame, zones_frame)
    table = majority_zones(districts_frame, zones_frame)
    assert table["majority_zone"].notna().sum() >= 30


def test_a_zone_line_through_a_district_shows_in_the_report() -> None:
    zones_frame = zones()
    zones_frame.loc[zones_frame["code"] == "Z2", "geometry"] = box(100, 0, 200, 100)
    assert overlay_report(districts(), zones_frame, centers()).split_districts == ["B", "X"]


def test_missing_names_and_kinds_are_null_in_json_not_nan() -> None:
    unnamed = centers()
    unnamed.loc[0, "kind"] = None
    unnamed_zones = zones()
    unnamed_zones.loc[0, "name"] = None
    report = overlay_report(districts(), unnamed_zones, unnamed).to_dict()
    assert report["centers"][0]["kind"] is None
    assert report["zones"][0]["name"] is None
    assert "NaN" not in json.dumps(report)


def test_a_city_without_centres_has_every_zone_without_one() -> None:
    report = overlay_report(districts(), zones(), centers().iloc[:0]).to_dict()
    assert report["summary"]["zones_without_center"] == 3
    assert report["centers"] == []
    assert all(entry["nearest_center"] is None for entry in report["districts"])

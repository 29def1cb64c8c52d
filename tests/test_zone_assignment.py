"""District × school-zone pieces and majority zones, against answers worked out by hand."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import pytest
import shapely
from overlay_shapes import districts, zones

from geoapp.errors import BadInput
from geoapp.overlay.zones import district_zone_piece_shapes, district_zone_pieces, majority_zones


def pieces_by_pair() -> dict[tuple[str, str], tuple[float, float, float]]:
    """(district, zone) → (area, district share, zone share) for the hand-drawn layers."""
    frame = district_zone_pieces(districts(), zones())
    return {
        (row.district, row.zone): (row.area_m2, row.district_share, row.zone_share)
        for row in frame.itertuples()
    }


def test_pieces_have_the_contract_columns_in_district_order_largest_first() -> None:
    frame = district_zone_pieces(districts(), zones())
    assert list(frame.columns) == ["district", "zone", "area_m2", "district_share", "zone_share"]
    assert list(frame["district"]) == ["A", "B", "B", "C", "C", "H", "M", "X", "X"]
    assert list(frame.loc[frame["district"] == "C", "zone"]) == ["Z1", "Z2"]


def test_a_district_wholly_inside_a_zone_is_one_piece_of_its_full_area() -> None:
    pieces = pieces_by_pair()
    assert pieces[("A", "Z1")] == pytest.approx((4000.0, 1.0, 4000 / 9600))
    assert not any(key[0] == "A" and key[1] != "Z1" for key in pieces)


def test_a_district_split_down_the_middle_has_two_halves() -> None:
    pieces = pieces_by_pair()
    assert pieces[("B", "Z1")] == pytest.approx((800.0, 0.5, 800 / 9600))
    assert pieces[("B", "Z2")] == pytest.approx((800.0, 0.5, 0.08))


def test_a_district_in_a_zones_hole_belongs_to_the_hole_not_the_zone_around_it() -> None:
    pieces = pieces_by_pair()
    assert pieces[("H", "Z3")] == pytest.approx((400.0, 1.0, 1.0))
    assert ("H", "Z1") not in pieces


def test_a_multipart_district_adds_up_its_parts() -> None:
    pieces = pieces_by_pair()
    assert pieces[("M", "Z2")] == pytest.approx((4400.0, 1.0, 0.44))
    assert pieces[("X", "Z1")][:2] == pytest.approx((100.0, 0.5))
    assert pieces[("X", "Z2")][:2] == pytest.approx((100.0, 0.5))


def test_a_district_outside_every_zone_has_no_piece_and_no_majority_zone() -> None:
    assert not any(key[0] == "O" for key in pieces_by_pair())
    row = majority_zones(districts(), zones()).loc["O"]
    assert row["majority_zone"] is None
    assert (row["majority_share"], row["second_share"], row["split"]) == (0.0, 0.0, False)


def test_majority_zones_follow_the_largest_share_and_the_split_threshold() -> None:
    table = majority_zones(districts(), zones())
    assert list(table.columns) == ["majority_zone", "majority_share", "second_share", "split"]
    assert table.index.name == "district"
    assert table["majority_zone"].to_dict() == {
        "A": "Z1",
        "B": "Z1",
        "C": "Z1",
        "H": "Z3",
        "M": "Z2",
        "X": "Z1",
        "O": None,
    }
    assert table.loc["C", "majority_share"] == pytest.approx(0.96)
    assert table.loc["C", "second_share"] == pytest.approx(0.04)
    assert table["split"].to_dict() == {
        "A": False,
        "B": True,
        "C": False,
        "H": False,
        "M": False,
        "X": True,
        "O": False,
    }


def test_a_96_to_4_district_is_split_under_a_lower_threshold() -> None:
    assert majority_zones(districts(), zones(), threshold=0.03).loc["C", "split"]


def test_a_tie_goes_to_the_lower_zone_code_whatever_the_row_order() -> None:
    reversed_zones = zones().iloc[::-1].reset_index(drop=True)
    assert majority_zones(districts(), reversed_zones).loc["B", "majority_zone"] == "Z1"


def test_piece_shapes_are_the_pieces_with_their_geometry() -> None:
    shapes = district_zone_piece_shapes(districts(), zones())
    assert isinstance(shapes, gpd.GeoDataFrame) and shapes.crs == districts().crs
    assert np.allclose(shapes.area, shapes["area_m2"])
    half = shapes[(shapes["district"] == "B") & (shapes["zone"] == "Z2")].geometry.iloc[0]
    assert half.normalize().equals(shapely.box(100, 0, 120, 40).normalize())


def test_overlapping_zones_give_a_district_a_piece_in_each() -> None:
    overlapping = gpd.GeoDataFrame(
        {"code": ["W1", "W2"]},
        geometry=[shapely.box(0, 0, 100, 100), shapely.box(50, 0, 150, 100)],
        crs=6676,
    )
    inside_both = gpd.GeoDataFrame(
        {"code": ["D"]}, geometry=[shapely.box(60, 10, 90, 40)], crs=6676
    )
    frame = district_zone_pieces(inside_both, overlapping)
    assert sorted(frame["zone"]) == ["W1", "W2"]
    assert list(frame["district_share"]) == pytest.approx([1.0, 1.0])


def test_layers_in_different_crs_are_refused_with_a_message() -> None:
    with pytest.raises(BadInput, match="座標参照系がそろっていません"):
        district_zone_pieces(districts(), zones().to_crs(6677))


def test_lonlat_layers_are_refused_because_areas_need_metres() -> None:
    with pytest.raises(BadInput, match="投影座標系"):
        district_zone_pieces(districts().to_crs(4326), zones().to_crs(4326))


def test_repeated_district_codes_are_named() -> None:
    frame = districts()
    frame.loc[1, "code"] = "A"
    with pytest.raises(BadInput, match="重複") as caught:
        district_zone_pieces(frame, zones())
    assert caught.value.details["duplicate_codes"] == ["A"]


def test_a_point_layer_is_not_taken_for_zones() -> None:
    points = gpd.GeoDataFrame({"code": ["Z"]}, geometry=[shapely.Point(1, 1)], crs=6676)
    with pytest.raises(BadInput, match="ポリゴンではありません") as caught:
        district_zone_pieces(districts(), points)
    assert caught.value.message == "小学校区の地物「Z」の形状がポリゴンではありません（Point）。"
    assert caught.value.message_en == "Feature 'Z' of School zones is a Point, not a polygon."


def test_a_threshold_of_a_half_or_more_is_refused() -> None:
    with pytest.raises(BadInput, match=r"0\.5 未満"):
        majority_zones(districts(), zones(), threshold=0.5)


def test_no_districts_give_empty_tables() -> None:
    empty = districts().iloc[:0]
    assert district_zone_pieces(empty, zones()).empty
    assert majority_zones(empty, zones()).empty
    assert isinstance(majority_zones(empty, zones()), pd.DataFrame)


def test_an_invalid_district_is_refused_with_its_code_and_reason() -> None:
    frame = districts()
    frame.loc[frame["code"] == "B", "geometry"] = shapely.Polygon(
        [(80, 0), (120, 40), (120, 0), (80, 40)]
    )
    with pytest.raises(BadInput, match="「B」の形状が不正です") as caught:
        district_zone_pieces(frame, zones())
    assert caught.value.details["invalid_codes"] == ["B"]
    assert "Self-intersection" in caught.value.message_en


def test_a_district_vertex_all_but_on_a_zone_edge_is_not_taken_for_inside_the_zone() -> None:
    """Voronoi cells of shared seeds, where GEOS's floating-point overlay once returned the
    whole of district N as its piece in zone S, beside its piece in zone N."""
    wkt = {
        "W": "POLYGON ((82.19231924318643 886.6995645318717, 602.952380952381 0, 0 0, "
        "0 963.8312101910827, 82.19231924318643 886.6995645318717))",
        "N": "POLYGON ((1000 882.3702830188679, 82.19231924318643 886.6995645318717, "
        "0 963.8312101910827, 0 1000, 1000 1000, 1000 882.3702830188679))",
        "E": "POLYGON ((602.952380952381 0, 82.19231924318643 886.6995645318717, "
        "1000 882.3702830188679, 1000 0, 602.952380952381 0))",
        "ZN": "POLYGON ((1000 882.3702830188679, 0 887.0872641509434, 0 1000, 1000 1000, "
        "1000 882.3702830188679))",
        "ZS": "POLYGON ((0 0, 0 887.0872641509434, 1000 882.3702830188679, 1000 0, 0 0))",
    }
    shapes = {code: shapely.from_wkt(text) for code, text in wkt.items()}
    districts_ = gpd.GeoDataFrame(
        {"code": ["W", "N", "E"]}, geometry=[shapes[c] for c in "WNE"], crs=6676
    )
    zones_ = gpd.GeoDataFrame(
        {"code": ["ZN", "ZS"]}, geometry=[shapes["ZN"], shapes["ZS"]], crs=6676
    )
    frame = district_zone_pieces(districts_, zones_)
    shares = frame.groupby("district")["district_share"].sum()
    assert np.allclose(shares, 1.0, rtol=0, atol=1e-9)
    assert frame.loc[frame["district"] == "N", "zone"].tolist() == ["ZN"]

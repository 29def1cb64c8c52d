"""geoapp.geometry_checks: every feature validated or repaired, every gap and overlap found."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from shapely import GeometryCollection, LineString, MultiPoint, Point, Polygon, box

from geoapp.geometry.checks import check_points, check_polygons, coverage_problems, snap_coverage
from geoapp.geometry.coverage_edges import CoverageEdges


def checked(*geometries):
    """Check polygons numbered 1, 2, … as in their source file."""
    return check_polygons(np.array(geometries, dtype=object), list(range(1, len(geometries) + 1)))


def test_a_valid_square_passes_untouched() -> None:
    result = checked(box(0, 0, 10, 10))
    assert result.repairs == [] and result.rejections == []
    assert result.geometries[0].equals(box(0, 0, 10, 10))


def test_a_bow_tie_is_repaired_into_its_two_triangles_keeping_its_area() -> None:
    bow_tie = Polygon([(0, 0), (10, 10), (10, 0), (0, 10), (0, 0)])
    result = checked(box(100, 0, 110, 10), bow_tie)
    assert [issue.feature for issue in result.repairs] == [2]
    assert result.repairs[0].code == "repaired_geometry"
    japanese = result.repairs[0].text.in_language("ja")
    assert "自己交差" in japanese and "2番目" in japanese
    assert result.repairs[0].to_dict()["message_en"] == (
        "Feature 2: the geometry was invalid (a self-intersection at x=5.0, y=5.0) and was "
        "repaired (50.0 m² after repair); check its boundary."
    )
    repaired = result.geometries[1]
    assert repaired.is_valid and repaired.geom_type == "MultiPolygon"
    assert repaired.area == 50


def test_a_self_touching_ring_becomes_a_polygon_with_a_hole() -> None:
    # The shell visits (5, 5) twice, enclosing the triangle (5,5)-(7,8)-(3,8) as a hole.
    ring = [(0, 0), (10, 0), (10, 10), (0, 10), (0, 0), (5, 5), (3, 8), (7, 8), (5, 5), (0, 0)]
    inverted = Polygon(ring)
    assert not inverted.is_valid
    result = checked(inverted)
    assert result.rejections == [] and result.repairs[0].feature == 1
    assert result.geometries[0].is_valid
    assert result.geometries[0].area == 100 - 6


def test_an_unclosed_ring_is_closed_by_the_repair() -> None:
    unclosed = shapely.from_wkt("POLYGON ((0 0, 10 0, 10 10, 0 10, 0 0))")
    coords = shapely.get_coordinates(unclosed)[:-1]
    open_ring = shapely.polygons(shapely.linearrings(coords))
    result = checked(open_ring)
    assert result.rejections == []
    assert result.geometries[0].area == 100


def test_null_and_empty_geometries_are_refused_by_feature_number() -> None:
    result = checked(box(0, 0, 1, 1), None, Polygon())
    assert [(issue.feature, issue.code) for issue in result.rejections] == [
        (2, "null_geometry"),
        (3, "empty_geometry"),
    ]
    assert result.geometries[1] is None and result.geometries[2] is None


def test_points_and_lines_are_refused_in_a_polygon_layer() -> None:
    result = checked(Point(0, 0), LineString([(0, 0), (1, 1)]))
    assert [issue.code for issue in result.rejections] == ["not_a_polygon", "not_a_polygon"]
    assert "Point" in result.rejections[0].text.in_language("ja")


def test_a_collection_keeps_its_polygons_and_drops_the_lines() -> None:
    mixed = GeometryCollection([box(0, 0, 10, 10), LineString([(20, 20), (30, 30)])])
    result = checked(mixed)
    assert result.repairs[0].code == "dropped_fragments"
    assert result.geometries[0].equals(box(0, 0, 10, 10))


def test_heights_are_dropped_and_reported() -> None:
    raised = shapely.force_3d(box(0, 0, 10, 10), 25.0)
    result = checked(raised)
    assert result.repairs[0].code == "dropped_z"
    assert not shapely.has_z(result.geometries[0])


def test_a_zero_area_sliver_part_is_dropped() -> None:
    with_sliver = shapely.MultiPolygon([box(0, 0, 10, 10), box(20, 0, 20.001, 1)])
    result = checked(with_sliver)
    assert result.repairs[0].code == "dropped_slivers"
    assert (
        result.repairs[0].text.in_language("ja")
        == "1番目の地物: 面積 0.01 m² 未満の細片を1個取り除きました。"
    )
    assert (
        result.repairs[0].text.in_language("en") == "Feature 1: 1 sliver under 0.01 m² was dropped."
    )
    assert result.geometries[0].area == 100


def test_several_slivers_are_counted_in_the_plural_in_english() -> None:
    slivers = [box(20 + 10 * i, 0, 20.001 + 10 * i, 1) for i in range(3)]
    result = checked(shapely.MultiPolygon([box(0, 0, 10, 10), *slivers]))
    assert (
        result.repairs[0].text.in_language("en")
        == "Feature 1: 3 slivers under 0.01 m² were dropped."
    )


def test_a_polygon_collapsing_to_a_line_is_refused() -> None:
    flat = Polygon([(0, 0), (10, 0), (5, 0), (0, 0)])
    result = checked(flat)
    assert result.rejections[0].feature == 1
    assert result.geometries[0] is None


def test_points_one_point_multipoints_and_several_points() -> None:
    result = check_points(
        np.array(
            [Point(1, 1), MultiPoint([(2, 2)]), MultiPoint([(0, 0), (5, 5)]), box(0, 0, 1, 1)]
        ),
        [1, 2, 3, 4],
    )
    assert result.geometries[1].equals(Point(2, 2))
    assert [issue.code for issue in result.repairs] == ["multipoint_unwrapped"]
    assert [(issue.feature, issue.code) for issue in result.rejections] == [
        (3, "several_points"),
        (4, "not_a_point"),
    ]


def test_a_clean_coverage_has_no_problems() -> None:
    tiles = np.array([box(0, 0, 10, 10), box(10, 0, 20, 10), box(0, 10, 20, 20)])
    assert coverage_problems(tiles, ["a", "b", "c"]) == []


def test_an_overlap_is_found_with_its_area_place_and_features() -> None:
    tiles = np.array([box(0, 0, 10, 10), box(9, 0, 20, 10)])
    [overlap] = coverage_problems(tiles, ["a", "b"])
    assert overlap.kind == "overlap" and overlap.area_m2 == 10
    assert overlap.features == ("a", "b")
    assert 9 <= overlap.x <= 10 and 0 <= overlap.y <= 10


def test_a_tile_inside_another_is_an_overlap() -> None:
    tiles = np.array([box(0, 0, 10, 10), box(2, 2, 4, 4)])
    [overlap] = coverage_problems(tiles, ["outer", "inner"])
    assert overlap.kind == "overlap" and overlap.area_m2 == 4


def test_an_enclosed_gap_is_found_with_the_features_around_it() -> None:
    ring = box(0, 0, 30, 30).difference(box(10, 10, 20, 20))
    tiles = np.array([ring, box(10, 10, 20, 15)])
    [gap] = coverage_problems(tiles, ["ring", "half"])
    assert gap.kind == "gap" and gap.area_m2 == 50
    assert gap.features == ("half", "ring")
    assert gap.to_dict(lonlat=(138.5, 36.0))["lat"] == 36.0


def grid(columns: int, rows: int) -> np.ndarray:
    """Unit squares tiling a ``columns`` × ``rows`` block, row by row."""
    return np.array([box(x, y, x + 1, y + 1) for y in range(rows) for x in range(columns)])


def edges_by_batches(tiles: np.ndarray, order: np.ndarray, size: int) -> CoverageEdges:
    """The tiles' free edges matched in batches of ``size``, in ``order``."""
    with ThreadPoolExecutor(max_workers=1) as worker:
        edges = CoverageEdges(worker)
        for start in range(0, len(order), size):
            edges.add(tiles[order[start : start + size]])
        edges.finish()
        edges.faces()
    return edges


def test_a_union_built_batch_by_batch_finds_what_the_whole_union_finds() -> None:
    tiles = grid(20, 20)
    tiles[5] = box(5, 0, 6.5, 1)  # overlaps its neighbour in the same row
    tiles[210] = box(10.2, 10.2, 10.8, 10.8)  # shrunk: a ring of gap around it
    codes = [str(i) for i in range(len(tiles))]
    whole = coverage_problems(tiles, codes)
    for order in (np.arange(len(tiles)), np.random.default_rng(3).permutation(len(tiles))):
        edges = edges_by_batches(tiles, order, size=60)
        assert coverage_problems(tiles, codes, edges=edges) == whole
    assert sorted(problem.kind for problem in whole) == ["gap", "overlap"]


def test_an_overlap_between_features_of_two_batches_is_found() -> None:
    tiles = grid(10, 10)
    tiles[99] = box(8.5, 9, 10, 10)  # in the last batch, overlapping tile 98 of the one before
    codes = [str(i) for i in range(len(tiles))]
    edges = edges_by_batches(tiles, np.arange(len(tiles)), size=99)
    [overlap] = coverage_problems(tiles, codes, edges=edges)
    assert overlap.kind == "overlap" and overlap.features == ("98", "99")
    assert overlap.area_m2 == 0.5


def test_problems_come_largest_first() -> None:
    tiles = np.array([box(0, 0, 10, 10), box(9, 0, 20, 10), box(19.5, 0, 30, 10)])
    areas = [problem.area_m2 for problem in coverage_problems(tiles, ["a", "b", "c"])]
    assert areas == sorted(areas, reverse=True) == [10, 5]


def test_snapping_closes_thin_slivers_but_not_wide_problems() -> None:
    tiles = np.array(
        [
            box(0, 0, 10.2, 10),  # overlaps b by a 0.2 m sliver
            box(10, 0, 20, 10),
            box(0, 10.3, 20, 20),  # a 0.3 m gap below it, enclosed by d
            box(-5, -5, 25, 25).difference(box(0, 0, 20, 20)),
            box(30, 0, 40, 10),  # overlaps e by 5 m: too wide to snap
            box(35, 0, 45, 10),
        ]
    )
    codes = ["a", "b", "c", "d", "e", "f"]
    snapped, closed = snap_coverage(tiles, codes, tolerance=0.5)
    assert sorted(problem.kind for problem in closed) == ["gap", "overlap"]
    left = coverage_problems(snapped, codes)
    assert [(problem.kind, problem.features) for problem in left] == [("overlap", ("e", "f"))]
    assert snapped[0].area + snapped[1].area == 200


def test_a_duplicated_feature_is_an_overlap_even_with_matching_edges() -> None:
    tiles = np.array([box(0, 0, 10, 10), box(10, 0, 20, 10), box(10, 0, 20, 10)])
    problems = coverage_problems(tiles, ["a", "b", "b2"])
    assert [(p.kind, p.features, p.area_m2) for p in problems] == [("overlap", ("b", "b2"), 100)]

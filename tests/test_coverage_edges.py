"""geoapp.coverage_edges: inner edges cancel out, and the free edges left over find the gaps
and overlaps that uniting the features finds."""

from __future__ import annotations

from concurrent.futures import ThreadPoolExecutor

import numpy as np
import shapely
from hypothesis import given, settings
from hypothesis import strategies as st
from shapely import Polygon, box

from geoapp.geometry.checks import coverage_problems
from geoapp.geometry.coverage_edges import (
    CoverageEdges,
    coverage_faces,
    free_edges,
    unmatched_edges,
)
from geoapp.geometry.coverage_edges import _unmatched as unmatched_with_hashes


def grid(columns: int, rows: int) -> np.ndarray:
    """Unit squares tiling a ``columns`` × ``rows`` block, row by row."""
    return np.array([box(x, y, x + 1, y + 1) for y in range(rows) for x in range(columns)])


def edge_set(edges) -> set[tuple[complex, complex]]:
    """The free edges as a set of (start, end) points."""
    return set(zip(edges.start.tolist(), edges.end.tolist(), strict=True))


def test_the_inner_edges_of_a_clean_coverage_cancel_out() -> None:
    edges = free_edges(grid(2, 2))
    assert len(edges) == 8 and not edges.overlapping
    faces = coverage_faces(edges)
    assert faces.cover_counts.tolist() == [1]
    assert faces.faces[0].area == 4
    assert not len(faces.gaps) and not faces.overlapping


def test_free_edges_run_with_the_coverage_on_their_left() -> None:
    edges = free_edges(grid(2, 1))
    assert (0j, 1 + 0j) in edge_set(edges)  # the bottom edge runs east
    assert (1 + 1j, 0 + 1j) in edge_set(edges)  # the top edge runs west


def test_rings_drawn_either_way_round_are_matched() -> None:
    tiles = grid(3, 3)
    clockwise = shapely.orient_polygons(tiles[::2], exterior_cw=True)
    tiles[::2] = clockwise
    assert edge_set(free_edges(tiles)) == edge_set(free_edges(grid(3, 3)))


def test_a_hole_filled_by_a_feature_leaves_only_the_outline() -> None:
    ring = box(0, 0, 3, 3).difference(box(1, 1, 2, 2))
    edges = free_edges(np.array([ring, box(1, 1, 2, 2)]))
    assert len(edges) == 4
    assert coverage_faces(edges).cover_counts.tolist() == [1]


def test_an_unfilled_hole_is_a_face_that_no_feature_covers() -> None:
    ring = box(0, 0, 3, 3).difference(box(1, 1, 2, 2))
    faces = coverage_faces(free_edges(np.array([ring])))
    assert sorted(faces.cover_counts.tolist()) == [0, 1]
    [gap] = faces.gaps
    assert gap.equals(box(1, 1, 2, 2))


def test_an_island_inside_a_gap_is_not_part_of_the_gap() -> None:
    ring = box(0, 0, 5, 5).difference(box(1, 1, 4, 4))
    faces = coverage_faces(free_edges(np.array([ring, box(2, 2, 3, 3)])))
    [gap] = faces.gaps
    assert gap.area == 8


def test_the_parts_of_a_multipolygon_are_matched_like_features() -> None:
    two_parts = shapely.MultiPolygon([box(0, 0, 1, 1), box(2, 0, 3, 1)])
    edges = free_edges(np.array([two_parts, box(1, 0, 2, 1)]))
    assert len(edges) == 8
    assert coverage_faces(edges).cover_counts.tolist() == [1]


def test_a_feature_drawn_twice_marks_an_overlap() -> None:
    assert free_edges(np.array([box(0, 0, 1, 1), box(0, 0, 1, 1)])).overlapping


def test_a_feature_inside_another_is_a_face_covered_twice() -> None:
    faces = coverage_faces(free_edges(np.array([box(0, 0, 10, 10), box(2, 2, 4, 4)])))
    assert faces.overlapping
    assert sorted(faces.cover_counts.tolist()) == [1, 2]


def test_features_whose_edges_cross_make_a_face_covered_twice() -> None:
    faces = coverage_faces(free_edges(np.array([box(0, 0, 10, 10), box(5, 5, 15, 15)])))
    assert faces.overlapping
    covered_twice = faces.faces[faces.cover_counts == 2]
    assert [face.area for face in covered_twice] == [25]


def test_neighbours_that_do_not_share_a_vertex_still_cover_the_block_once() -> None:
    tiles = np.array([box(0, 0, 1, 2), box(1, 0, 2, 1), box(1, 1, 2, 2)])
    faces = coverage_faces(free_edges(tiles))
    assert not faces.overlapping and not len(faces.gaps)
    assert coverage_problems(tiles, ["a", "b", "c"]) == []


def test_edges_left_over_by_batches_are_matched_across_them() -> None:
    tiles = grid(6, 6)
    order = np.random.default_rng(5).permutation(len(tiles))
    parts = [free_edges(tiles[order[start : start + 7]]) for start in range(0, len(order), 7)]
    assert edge_set(unmatched_edges(parts)) == edge_set(free_edges(tiles))


def test_batches_matched_by_a_worker_give_the_edges_of_the_whole() -> None:
    tiles = grid(5, 4)
    with ThreadPoolExecutor(max_workers=1) as worker:
        edges = CoverageEdges(worker)
        for start in range(0, len(tiles), 6):
            edges.add(tiles[start : start + 6])
        edges.add(tiles[:0])
        result = edges.result()
    assert edge_set(result) == edge_set(free_edges(tiles)) and len(result) == 18


def test_edges_that_share_a_hash_are_told_apart_by_their_points() -> None:
    edges = free_edges(grid(3, 2))
    inner = free_edges(grid(3, 2)[:3])
    # Every edge under one hash: the matching falls back to comparing the points.
    everything = np.concatenate([inner.start, free_edges(grid(3, 2)[3:]).start])
    ends = np.concatenate([inner.end, free_edges(grid(3, 2)[3:]).end])
    result = unmatched_with_hashes(everything, ends, np.zeros(len(everything), dtype=np.uint64))
    assert edge_set(result) == edge_set(edges) and not result.overlapping
    twice = unmatched_with_hashes(
        np.array([0j, 0j, 1 + 0j]), np.array([1 + 0j, 1 + 0j, 0j]), np.zeros(3, dtype=np.uint64)
    )
    assert twice.overlapping


# Generated coverages: jittered grids, then cells dropped, shrunk, grown, doubled or given an
# extra vertex; the fast path must agree with uniting and intersecting the features.

MIN_AREA = 0.01
operations = st.lists(
    st.tuples(st.sampled_from(["drop", "shrink", "grow", "double", "vertex"]), st.integers(0, 35)),
    max_size=4,
)


def jittered_grid(columns: int, rows: int, seed: int) -> list[Polygon]:
    """Quadrilaterals over a grid of jittered points: a coverage sharing every vertex."""
    rng = np.random.default_rng(seed)
    xs, ys = np.meshgrid(np.arange(columns + 1) * 10.0, np.arange(rows + 1) * 10.0)
    points = np.stack([xs, ys], axis=-1) + rng.uniform(-2.5, 2.5, size=(rows + 1, columns + 1, 2))
    return [
        Polygon([points[y, x], points[y, x + 1], points[y + 1, x + 1], points[y + 1, x]])
        for y in range(rows)
        for x in range(columns)
    ]


def modified(cells: list[Polygon], changes: list[tuple[str, int]]) -> list[Polygon]:
    """The cells with the changes made, in order."""
    cells = list(cells)
    for change, number in changes:
        index = number % len(cells)
        cell = cells[index]
        if change == "drop" and len(cells) > 2:
            cells.pop(index)
        elif change in ("shrink", "grow"):
            factor = 0.6 if change == "shrink" else 1.3
            cells[index] = shapely.affinity.scale(cell, factor, factor, origin="centroid")
        elif change == "double":
            cells.append(cell)
        elif change == "vertex":
            ring = list(cell.exterior.coords)
            middle = tuple((np.array(ring[0]) + np.array(ring[1])) / 2)
            cells[index] = Polygon([ring[0], middle, *ring[1:]])
    return cells


def expected_problems(cells: np.ndarray, codes: list[str]) -> list[tuple[str, tuple, float]]:
    """Overlaps by intersecting every pair; gaps as the faces of every cell's boundary that
    no cell covers, those sharing an edge joined."""
    found = []
    for a in range(len(cells)):
        for b in range(a + 1, len(cells)):
            area = shapely.area(shapely.intersection(cells[a], cells[b]))
            if area > MIN_AREA:
                found.append(("overlap", (codes[a], codes[b]), area))
    lines = shapely.get_parts(shapely.node(shapely.multilinestrings(shapely.boundary(cells))))
    faces = shapely.get_parts(shapely.polygonize(lines))
    inside = shapely.point_on_surface(faces)
    uncovered = [
        face
        for face, point in zip(faces, inside, strict=True)
        if not shapely.intersects(point, cells).any()
    ]
    for gap in shapely.get_parts(shapely.union_all(uncovered)) if uncovered else []:
        if gap.area > MIN_AREA:
            around = tuple(
                sorted(c for c, cell in zip(codes, cells, strict=True) if cell.intersects(gap))
            )
            found.append(("gap", around, gap.area))
    return sorted(found)


@settings(max_examples=80, deadline=None)
@given(
    st.integers(2, 6),
    st.integers(2, 6),
    st.integers(0, 10_000),
    operations,
    st.integers(1, 12),
)
def test_the_problems_found_are_those_of_uniting_and_intersecting(
    columns, rows, seed, changes, batch
) -> None:
    cells = np.array(modified(jittered_grid(columns, rows, seed), changes), dtype=object)
    codes = [f"c{i:02d}" for i in range(len(cells))]
    with ThreadPoolExecutor(max_workers=1) as worker:
        edges = CoverageEdges(worker)
        for start in range(0, len(cells), batch):
            edges.add(cells[start : start + batch])
        found = coverage_problems(cells, codes, min_area=MIN_AREA, edges=edges)
    assert found == coverage_problems(cells, codes, min_area=MIN_AREA)
    summary = sorted((p.kind, p.features, p.area_m2) for p in found)
    expected = expected_problems(cells, codes)
    assert [(kind, features) for kind, features, _ in summary] == [
        (kind, features) for kind, features, _ in expected
    ]
    assert np.allclose([a for *_, a in summary], [a for *_, a in expected], rtol=1e-9, atol=1e-9)
    for problem in found:
        assert problem.geometry.buffer(1e-6).contains(shapely.Point(problem.x, problem.y))

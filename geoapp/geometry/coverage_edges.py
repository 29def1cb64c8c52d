"""The free edges of a polygon coverage, found by matching every edge with its neighbour's.

In a coverage whose neighbours share their vertices, each inner edge is drawn twice, by the
features on either side, in opposite directions once every ring has its feature's interior
on its left; the edges left unmatched outline the coverage and its gaps. Edges are matched
by hashing their end points, a batch of features at a time as a large layer is read, so the
check costs a fraction of uniting the features.

The free edges tell the gaps and overlaps apart by the number of features covering each
face they enclose, which is their winding number: matched edges cancel out of it. That
holds for valid polygons (the import checks come first); a coverage it cannot vouch for is
left to the general overlay in ``geometry_checks``. Pure functions over shapely arrays.
"""

from __future__ import annotations

from collections.abc import Iterable
from concurrent.futures import Executor, Future
from dataclasses import dataclass

import numpy as np
import shapely

# Multipliers of the end-point hash (odd 64-bit constants with well-mixed bits).
_MIX = (
    np.uint64(0x9E3779B97F4A7C15),
    np.uint64(0xC2B2AE3D27D4EB4F),
    np.uint64(0x165667B19E3779F9),
)
# Features whose edges are matched at a time (see ``free_edges``).
_CHUNK_FEATURES = 2_000
# Faces tested against the free edges at a time, so that faces × edges stays small.
_FACE_CHUNK_CELLS = 4_000_000


@dataclass(frozen=True)
class FreeEdges:
    """Edges drawn once, each from ``start`` to ``end`` (points as complex x + yj) with its
    feature's interior on its left; ``overlapping`` once two features drew an edge the same
    way."""

    start: np.ndarray
    end: np.ndarray
    overlapping: bool = False

    def __len__(self) -> int:
        return len(self.start)


@dataclass(frozen=True)
class CoverageFaces:
    """The areas the free edges enclose, each with how many features cover it."""

    faces: np.ndarray
    cover_counts: np.ndarray

    @property
    def gaps(self) -> np.ndarray:
        """The faces no feature covers."""
        return self.faces[self.cover_counts == 0]

    @property
    def overlapping(self) -> bool:
        """True when a face is covered more than once (or wound the wrong way)."""
        return bool(((self.cover_counts != 0) & (self.cover_counts != 1)).any())


class CoverageEdges:
    """The free edges of a coverage whose features arrive a batch at a time: each batch is
    matched by a worker while the next is read (numpy and GEOS let go of the GIL); once
    the last has come, the edges left over are matched across batches and their faces
    found, in the worker too, while the caller goes on (storing the features)."""

    def __init__(self, executor: Executor) -> None:
        self.executor = executor
        self.batches: list[Future[FreeEdges]] = []
        self.outline: Future[CoverageFaces | None] | None = None

    def add(self, geometries: np.ndarray) -> None:
        """Take in a batch of polygon features (none of them missing)."""
        if len(geometries):
            self.batches.append(self.executor.submit(free_edges, geometries))

    def finish(self) -> Future[CoverageFaces | None]:
        """No more batches: start matching them with each other and finding the faces."""
        if self.outline is None:
            self.outline = self.executor.submit(lambda: enclosed_faces(self.result()))
        return self.outline

    def result(self) -> FreeEdges:
        """The free edges of every feature taken in."""
        return unmatched_edges(batch.result() for batch in self.batches)

    def faces(self) -> CoverageFaces | None:
        """The faces of ``enclosed_faces`` for every feature taken in."""
        return self.finish().result()


def free_edges(geometries: np.ndarray) -> FreeEdges:
    """The edges of polygon features that no other feature draws the other way round.

    Neighbouring features are matched a chunk at a time, with arrays small enough to stay
    in the processor's cache, then the edges left over are matched across the chunks.
    """
    geometries = np.asarray(geometries, dtype=object)
    chunks = [
        _unmatched(*_oriented_edges(geometries[start : start + _CHUNK_FEATURES]))
        for start in range(0, len(geometries), _CHUNK_FEATURES)
    ]
    return chunks[0] if len(chunks) == 1 else unmatched_edges(chunks)


def unmatched_edges(parts: Iterable[FreeEdges]) -> FreeEdges:
    """The free edges of several batches matched with each other."""
    parts = list(parts)
    if not parts:
        return FreeEdges(np.empty(0, dtype=complex), np.empty(0, dtype=complex))
    merged = _unmatched(
        np.concatenate([part.start for part in parts]),
        np.concatenate([part.end for part in parts]),
    )
    if any(part.overlapping for part in parts):
        return FreeEdges(merged.start, merged.end, overlapping=True)
    return merged


def enclosed_faces(edges: FreeEdges) -> CoverageFaces | None:
    """The faces the free edges enclose, or None once two features drew an edge the same
    way (an overlap, left to the general overlay)."""
    return None if edges.overlapping else coverage_faces(edges)


def coverage_faces(edges: FreeEdges) -> CoverageFaces:
    """The faces the free edges enclose and how many features cover each: the winding
    number of the free edges at a point inside it."""
    if not len(edges):
        return CoverageFaces(np.empty(0, dtype=object), np.empty(0, dtype=np.int64))
    ends = np.stack([edges.start, edges.end], axis=1)
    lines = shapely.linestrings(np.stack([ends.real, ends.imag], axis=2))
    # Merged into long lines first: noding and polygonizing a few long lines is quick.
    merged = shapely.line_merge(shapely.multilinestrings(lines), directed=True)
    noded = shapely.get_parts(shapely.node(merged))
    faces = shapely.get_parts(shapely.polygonize(noded))
    inside = shapely.get_coordinates(shapely.point_on_surface(faces))
    step = _face_chunk(len(edges))
    counts = np.concatenate(
        [
            _winding_numbers(inside[chunk : chunk + step], edges)
            for chunk in range(0, len(inside), step)
        ]
        or [np.empty(0, dtype=np.int64)]
    )
    return CoverageFaces(faces, counts)


def _oriented_edges(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Every ring edge of the features' polygons, from start to end with the interior on
    its left (shells counter-clockwise, holes clockwise), with each edge's hash; points are
    complex numbers and zero-length edges are left out."""
    points, ring_of_point, shell = _ring_points(geometries)
    first = np.flatnonzero(ring_of_point[1:] == ring_of_point[:-1])
    a, b = points[first], points[first + 1]
    doubled_area = np.bincount(
        ring_of_point[first], weights=(a.conj() * b).imag, minlength=len(shell)
    )
    forward = (doubled_area > 0) == shell
    drawn = first[a != b]
    hashes = _point_hashes(points)
    ahead = forward[ring_of_point[drawn]]
    start = np.where(ahead, points[drawn], points[drawn + 1])
    end = np.where(ahead, points[drawn + 1], points[drawn])
    return start, end, _edge_hashes(hashes[drawn], hashes[drawn + 1])


def _ring_points(geometries: np.ndarray) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The points of every ring of the features' polygons as complex numbers, each point's
    ring, and which rings are shells.

    A polygon without holes is its shell, so only polygons with holes are split into
    rings (which copies them).
    """
    types = shapely.get_type_id(geometries)
    polygons = np.concatenate(
        [
            geometries[types == shapely.GeometryType.POLYGON],
            shapely.get_parts(geometries[types == shapely.GeometryType.MULTIPOLYGON]),
        ]
    )
    holed = shapely.get_num_interior_rings(polygons) > 0
    plain = polygons[~holed]
    rings, polygon_of_ring = shapely.get_rings(polygons[holed], return_index=True)
    shell = np.ones(len(plain) + len(rings), dtype=bool)
    shell[len(plain) + 1 :] = polygon_of_ring[1:] != polygon_of_ring[:-1]
    plain_coords, plain_ring = shapely.get_coordinates(plain, return_index=True)
    ring_coords, ring_index = shapely.get_coordinates(rings, return_index=True)
    coords = np.concatenate([plain_coords, ring_coords])
    ring_of_point = np.concatenate([plain_ring, ring_index + len(plain)])
    # Adding 0.0 turns -0.0 into 0.0, so that equal coordinates have equal bits.
    return coords.view(np.complex128)[:, 0] + 0.0, ring_of_point, shell


def _unmatched(start: np.ndarray, end: np.ndarray, hashes: np.ndarray | None = None) -> FreeEdges:
    """The edges without a twin drawn the other way; twins drawn the same way (two features
    on one side of an edge) mark an overlap. ``hashes`` are the edges' ``_edge_hashes``."""
    count = len(start)
    if count < 2:
        return FreeEdges(start, end)
    if hashes is None:
        hashes = _edge_hashes(_point_hashes(start), _point_hashes(end))
    # The hash's top bits and the edge's position in one number: one sort groups them.
    position_bits = max(1, int(count - 1).bit_length())
    keys = hashes >> np.uint64(position_bits) << np.uint64(position_bits)
    keys |= np.arange(count, dtype=np.uint64)
    keys.sort()
    order = (keys & np.uint64((1 << position_bits) - 1)).astype(np.intp)
    start, end, keys = start[order], end[order], keys >> np.uint64(position_bits)
    with_next = keys[1:] == keys[:-1]
    # Groups of exactly two: equal to the next, and neither of them to the others.
    pair = with_next.copy()
    pair[1:] &= ~with_next[:-1]
    pair[:-1] &= ~with_next[1:]
    twins = pair & (start[:-1] == end[1:]) & (end[:-1] == start[1:])
    overlapping = bool((pair & (start[:-1] == start[1:]) & (end[:-1] == end[1:])).any())
    matched = np.zeros(count, dtype=bool)
    matched[:-1] |= twins
    matched[1:] |= twins
    crowded = with_next & ~pair
    if crowded.any():
        overlapping |= _match_crowds(np.flatnonzero(crowded), start, end, matched)
    free = ~matched
    return FreeEdges(start[free], end[free], overlapping)


def _match_crowds(
    links: np.ndarray, start: np.ndarray, end: np.ndarray, matched: np.ndarray
) -> bool:
    """Match the edges of hashes shared by more than two edges (rare enough to do one by
    one; ``links`` are the positions equal to the next); True when an edge is drawn twice
    the same way or more than twice."""
    members: dict[tuple[complex, complex], list[int]] = {}
    for position in sorted({*links.tolist(), *(links + 1).tolist()}):
        ends = (complex(start[position]), complex(end[position]))
        members.setdefault(ends, []).append(position)
    crowded = False
    for (first, last), ways in members.items():
        others = members.get((last, first), [])
        if len(ways) > 1:
            crowded = True
        elif len(others) == 1:
            matched[ways[0]] = True
    return crowded


def _edge_hashes(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each edge from its end points' hashes that ignores its direction."""
    low, high = np.minimum(a, b), np.maximum(a, b)
    mixed = low * _MIX[2]
    mixed ^= (high << np.uint64(23)) | (high >> np.uint64(41))
    mixed ^= mixed >> np.uint64(29)
    return mixed * _MIX[0]


def _point_hashes(points: np.ndarray) -> np.ndarray:
    """A 64-bit hash of each point's exact coordinates."""
    bits = np.ascontiguousarray(points).view(np.uint64).reshape(-1, 2)
    mixed = bits[:, 0] * _MIX[0]
    mixed ^= (bits[:, 1] * _MIX[1]) >> np.uint64(5) | (bits[:, 1] << np.uint64(59))
    mixed ^= mixed >> np.uint64(31)
    return mixed * _MIX[1]


def _face_chunk(edge_count: int) -> int:
    """How many faces to test at a time against ``edge_count`` edges."""
    return max(1, _FACE_CHUNK_CELLS // max(edge_count, 1))


def _winding_numbers(points: np.ndarray, edges: FreeEdges) -> np.ndarray:
    """The winding number of the directed edges around each point (a horizontal ray to the
    right; a crossing counts where the edge starts and not where it ends)."""
    px, py = points[:, :1], points[:, 1:]
    x0, y0 = edges.start.real, edges.start.imag
    x1, y1 = edges.end.real, edges.end.imag
    side = (x1 - x0) * (py - y0) - (px - x0) * (y1 - y0)
    upward = (y0 <= py) & (y1 > py) & (side > 0)
    downward = (y1 <= py) & (y0 > py) & (side < 0)
    return upward.sum(axis=1) - downward.sum(axis=1)

"""Geometry checks for imported layers: validate and repair each feature, and find the gaps
and overlaps of a polygon coverage.

Pure functions over arrays of shapely geometries in a metric CRS; they know nothing of
files, Flask or SQL. Each problem is reported with the feature's 1-based number in its
source file, so a planner can find it in their own GIS.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any, Literal

import numpy as np
import shapely
from shapely import STRtree
from shapely.geometry.base import BaseGeometry

from .coverage_edges import CoverageEdges, enclosed_faces, free_edges

# Parts smaller than this (m²) left by a repair are slivers, not land: they are dropped.
SLIVER_AREA_M2 = 0.01

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
_REASONS = {
    "Self-intersection": ("自己交差", "a self-intersection"),
    "Ring Self-intersection": ("輪の自己接触", "a ring touching itself"),
    "Hole lies outside shell": ("外周の外にある穴", "a hole outside its shell"),
    "Nested holes": ("入れ子の穴", "nested holes"),
    "Interior is disconnected": ("内部の分断", "a disconnected interior"),
    "Nested shells": ("入れ子の外周", "nested shells"),
    "Duplicate Rings": ("重複した輪", "duplicate rings"),
    "Too few points in geometry component": ("点の数の不足", "too few points"),
    "Invalid Coordinate": ("不正な座標値", "an invalid coordinate"),
    "Ring is not closed": ("閉じていない輪", "an unclosed ring"),
}
_REASON_AT = re.compile(r"^(?P<reason>[^\[]+?)\s*\[(?P<x>\S+) (?P<y>\S+)\]$")


@dataclass(frozen=True)
class GeometryIssue:
    """A repair made to, or a refusal of, one feature's geometry."""

    feature: int
    code: str
    message: str
    message_en: str

    def to_dict(self) -> dict[str, Any]:
        """The issue as a report entry."""
        return {
            "feature": self.feature,
            "code": self.code,
            "message": self.message,
            "message_en": self.message_en,
        }


@dataclass(frozen=True)
class CheckedGeometries:
    """Geometries after the checks (None where refused), with what was repaired or refused
    and which of them ``changed`` (repaired or refused), the others being the ones given."""

    geometries: np.ndarray
    repairs: list[GeometryIssue] = field(default_factory=list)
    rejections: list[GeometryIssue] = field(default_factory=list)
    changed: np.ndarray | None = None


@dataclass(frozen=True)
class CoverageProblem:
    """A gap between, or an overlap of, features that should tile the city."""

    kind: Literal["gap", "overlap"]
    area_m2: float
    x: float
    y: float
    features: tuple[str, ...]
    geometry: BaseGeometry

    def to_dict(self, lonlat: tuple[float, float] | None = None) -> dict[str, Any]:
        """The problem as a report entry; ``lonlat`` adds its location in degrees."""
        entry: dict[str, Any] = {
            "kind": self.kind,
            "area_m2": round(self.area_m2, 3),
            "x": round(self.x, 3),
            "y": round(self.y, 3),
            "features": list(self.features),
        }
        if lonlat is not None:
            entry["lon"], entry["lat"] = lonlat
        return entry


def check_polygons(
    geometries: np.ndarray, feature_numbers: Sequence[int], closed: Sequence[int] = ()
) -> CheckedGeometries:
    """Validate polygon features: drop Z/M, repair invalid rings with ``make_valid``, drop
    slivers and non-polygon fragments, and refuse what has no area left.

    Parameters
    ----------
    geometries
        One geometry (or None) per feature, in a metric CRS.
    feature_numbers
        Each feature's 1-based number in its source file, used in every message.
    closed
        The positions of the features whose open rings the reader closed: repairs too.
    """
    checked = _Checker(geometries, feature_numbers)
    checked.note_closed_rings(closed)
    checked.refuse_missing()
    checked.drop_heights()
    types = shapely.get_type_id(checked.geometries)
    accepted = [*_POLYGONAL, shapely.GeometryType.GEOMETRYCOLLECTION]
    for index in np.flatnonzero(~np.isin(types, accepted) & (types >= 0)):
        kind = checked.geometries[index].geom_type
        checked.refuse(
            index,
            "not_a_polygon",
            f"形状が面ではありません（{kind}）。面（ポリゴン）のレイヤを指定してください。",
            f"the geometry is a {kind}, not a polygon; choose a polygon layer.",
        )
    for index in np.flatnonzero(types == shapely.GeometryType.GEOMETRYCOLLECTION):
        checked.repair_collection(index)
    live = checked.live_indices()
    invalid = live[~shapely.is_valid(checked.geometries[live])]
    for index in invalid:
        checked.repair_invalid(index)
    checked.drop_slivers(live)
    return checked.result()


def check_points(
    geometries: np.ndarray, feature_numbers: Sequence[int], closed: Sequence[int] = ()
) -> CheckedGeometries:
    """Validate point features: one finite point each; a one-point MultiPoint is unwrapped.
    ``closed`` as for ``check_polygons``."""
    checked = _Checker(geometries, feature_numbers)
    checked.note_closed_rings(closed)
    checked.refuse_missing()
    checked.drop_heights()
    for index in checked.live_indices():
        geom = checked.geometries[index]
        if geom.geom_type == "MultiPoint":
            distinct = shapely.union_all(shapely.get_parts(geom))
            if distinct.geom_type != "Point":
                checked.refuse(
                    index,
                    "several_points",
                    f"位置が{len(geom.geoms)}点あります。施設ごとに1点にしてください。",
                    f"the feature has {len(geom.geoms)} points; give each facility one point.",
                )
                continue
            checked.replace(
                index,
                distinct,
                "multipoint_unwrapped",
                "1点だけのマルチポイントを点に直しました。",
                "a one-point MultiPoint was stored as a Point.",
            )
        elif geom.geom_type != "Point":
            checked.refuse(
                index,
                "not_a_point",
                f"形状が点ではありません（{geom.geom_type}）。施設は点で指定してください。",
                f"the geometry is a {geom.geom_type}, not a point; facilities must be points.",
            )
        elif not np.isfinite(shapely.get_coordinates(geom)).all():
            checked.refuse(
                index,
                "invalid_coordinate",
                "座標に数値でない値があります。元のデータの位置を直してください。",
                "a coordinate is not a number; fix the position in the source.",
            )
    return checked.result()


def coverage_problems(
    geometries: np.ndarray,
    codes: Sequence[str],
    min_area: float = SLIVER_AREA_M2,
    edges: CoverageEdges | None = None,
) -> list[CoverageProblem]:
    """Every overlap between two features and every gap (an area the features enclose and
    none covers), larger than ``min_area`` m², largest first; ``edges`` holds the
    features' free edges when they were matched as the features were read.

    The fast path first: in a coverage whose neighbours share their vertices, the edges
    that no neighbour matches enclose faces that one feature covers, or none (the gaps).
    Otherwise ``coverage_invalid_edges`` picks the features with unmatched edges, only
    their pairs are intersected, and the gaps are the faces of the union's boundary that
    the union does not cover.
    """
    geoms, labels = _present(geometries, codes)
    if not len(geoms):
        return []
    faces = edges.faces() if edges is not None else enclosed_faces(free_edges(geoms))
    if faces is not None and not faces.overlapping:
        return _gaps(faces.gaps, geoms, labels, min_area)
    invalid_edges = shapely.coverage_invalid_edges(geoms)
    suspects = np.flatnonzero(~shapely.is_missing(invalid_edges) & ~shapely.is_empty(invalid_edges))
    problems = _overlaps(geoms, labels, suspects, min_area)
    problems += _gaps(_uncovered_faces(shapely.union_all(geoms)), geoms, labels, min_area)
    return sorted(problems, key=lambda problem: -problem.area_m2)


def snap_coverage(
    geometries: np.ndarray, codes: Sequence[str], tolerance: float
) -> tuple[np.ndarray, list[CoverageProblem]]:
    """Close gaps and overlaps thinner than ``tolerance`` metres; return the new geometries
    and the problems closed.

    A thin overlap stays with the larger of its two features and is cut from the other; a
    thin gap joins the neighbour it shares the longest boundary with.
    """
    result = np.array(geometries, dtype=object)
    present = np.flatnonzero(~shapely.is_missing(result))
    by_code = {codes[index]: index for index in present}
    closed: list[CoverageProblem] = []
    for problem in coverage_problems(result, codes, min_area=0.0):
        if not _thinner_than(problem.geometry, tolerance):
            continue
        members = [by_code[code] for code in problem.features if code in by_code]
        if problem.kind == "overlap":
            keeper = max(members, key=lambda index: result[index].area)
            for index in members:
                if index != keeper:
                    result[index] = _polygonal(shapely.difference(result[index], problem.geometry))
        else:
            shared = [
                shapely.intersection(result[i].boundary, problem.geometry.boundary).length
                for i in members
            ]
            joiner = members[int(np.argmax(shared))]
            result[joiner] = _polygonal(shapely.union(result[joiner], problem.geometry))
        closed.append(problem)
    return result, closed


class _Checker:
    """The working state of a feature-by-feature check."""

    def __init__(self, geometries: np.ndarray, feature_numbers: Sequence[int]) -> None:
        self.geometries = np.array(geometries, dtype=object)
        self.changed = np.zeros(len(self.geometries), dtype=bool)
        self.numbers = list(feature_numbers)
        self.repairs: list[GeometryIssue] = []
        self.rejections: list[GeometryIssue] = []

    def live_indices(self) -> np.ndarray:
        """The features not refused so far."""
        return np.flatnonzero(~shapely.is_missing(self.geometries))

    def note_closed_rings(self, closed: Sequence[int]) -> None:
        """Report the features the reader could read only by closing their rings."""
        for index in closed:
            self.changed[index] = True
            self.note(
                index,
                "closed_ring",
                f"{_REASONS['Ring is not closed'][0]}（始点と終点が違う輪）を閉じて読み込みました。"
                "境界を確かめてください。",
                "a ring was not closed (its first and last points differ) and was closed to "
                "read it; check its boundary.",
            )

    def refuse_missing(self) -> None:
        """Refuse features with no geometry or an empty one."""
        missing = shapely.is_missing(self.geometries)
        for index in np.flatnonzero(missing | shapely.is_empty(self.geometries)):
            empty = not missing[index]
            self.refuse(
                index,
                "empty_geometry" if empty else "null_geometry",
                "形状が空です。" if empty else "形状がありません。",
                "the geometry is empty." if empty else "the feature has no geometry.",
            )

    def drop_heights(self) -> None:
        """Store plane coordinates only: Z (and M, which readers already drop) go."""
        live = self.live_indices()
        raised = live[shapely.has_z(self.geometries[live])]
        if not len(raised):
            return
        self.geometries[raised] = shapely.force_2d(self.geometries[raised])
        self.changed[raised] = True
        for index in raised:
            self.note(
                index,
                "dropped_z",
                "高さ（Z）座標を取り除き、平面の座標だけを取り込みました。",
                "the height (Z) coordinates were dropped; only plane coordinates are kept.",
            )

    def repair_collection(self, index: int) -> None:
        """Keep only the polygons of a geometry collection."""
        kept = _polygonal(self.geometries[index])
        if kept is None:
            self.refuse(
                index,
                "not_a_polygon",
                "形状に面（ポリゴン）が含まれていません。",
                "the geometry holds no polygon.",
            )
        else:
            self.replace(
                index,
                kept,
                "dropped_fragments",
                "面でない部分（線・点）を取り除きました。",
                "parts that are not polygons (lines, points) were dropped.",
            )

    def repair_invalid(self, index: int) -> None:
        """Repair an invalid polygon, keeping its area, or refuse it when nothing is left."""
        geom = self.geometries[index]
        reason, reason_en = _reason(shapely.is_valid_reason(geom))
        repaired = _polygonal(shapely.make_valid(geom, method="structure"))
        if repaired is None:
            self.refuse(
                index,
                "invalid_geometry",
                f"形状が不正で（{reason}）、修復すると面積が残りません。元のデータを直してください。",
                f"the geometry is invalid ({reason_en}) and no area is left after repair; "
                "fix the source.",
            )
            return
        self.replace(
            index,
            repaired,
            "repaired_geometry",
            f"形状が不正だったため（{reason}）自動で修復しました"
            f"（修復後 {repaired.area:,.1f} m²）。境界を確かめてください。",
            f"the geometry was invalid ({reason_en}) and was repaired "
            f"({repaired.area:,.1f} m² after repair); check its boundary.",
        )

    def drop_slivers(self, indices: np.ndarray) -> None:
        """Drop polygon parts smaller than ``SLIVER_AREA_M2`` from multipart features."""
        live = indices[~shapely.is_missing(self.geometries[indices])]
        multipart = live[shapely.get_num_geometries(self.geometries[live]) > 1]
        for index in multipart:
            parts = shapely.get_parts(self.geometries[index])
            large = parts[shapely.area(parts) >= SLIVER_AREA_M2]
            if len(large) == len(parts):
                continue
            if not len(large):
                self.refuse(
                    index,
                    "no_area",
                    "面積のない形状です。",
                    "the geometry has no area.",
                )
                continue
            self.replace(
                index,
                shapely.multipolygons(large),
                "dropped_slivers",
                f"面積 {SLIVER_AREA_M2} m² 未満の細片を{len(parts) - len(large)}個取り除きました。",
                f"{len(parts) - len(large)} slivers under {SLIVER_AREA_M2} m² were dropped.",
            )

    def replace(self, index: int, geom: BaseGeometry, code: str, message: str, en: str) -> None:
        """Put a repaired geometry in and report the repair."""
        self.geometries[index] = geom
        self.changed[index] = True
        self.note(index, code, message, en)

    def note(self, index: int, code: str, message: str, en: str) -> None:
        """Report a repair of feature ``index``."""
        number = self.numbers[index]
        self.repairs.append(
            GeometryIssue(number, code, f"{number}番目の地物: {message}", f"Feature {number}: {en}")
        )

    def refuse(self, index: int, code: str, message: str, en: str) -> None:
        """Refuse feature ``index`` and say why."""
        number = self.numbers[index]
        self.geometries[index] = None
        self.changed[index] = True
        self.rejections.append(
            GeometryIssue(number, code, f"{number}番目の地物: {message}", f"Feature {number}: {en}")
        )

    def result(self) -> CheckedGeometries:
        """The checked geometries with every repair and refusal."""
        return CheckedGeometries(self.geometries, self.repairs, self.rejections, self.changed)


def _reason(text: str) -> tuple[str, str]:
    """GEOS's invalidity reason in Japanese and English, with its location when given."""
    match = _REASON_AT.match(text or "")
    reason = match["reason"] if match else (text or "")
    ja, en = _REASONS.get(reason, (reason, reason))
    if match:
        where = f"x={float(match['x']):,.1f}, y={float(match['y']):,.1f}"
        return f"{ja}、{where}", f"{en} at {where}"
    return ja, en


def _polygonal(geom: BaseGeometry | None) -> BaseGeometry | None:
    """The polygons of ``geom`` as one (Multi)Polygon without slivers, or None."""
    if geom is None or geom.is_empty:
        return None
    parts = shapely.get_parts(geom)
    nested = shapely.get_type_id(parts) >= shapely.GeometryType.MULTIPOINT
    while nested.any():
        parts = np.concatenate([parts[~nested], shapely.get_parts(parts[nested])])
        nested = shapely.get_type_id(parts) >= shapely.GeometryType.MULTIPOINT
    polygons = parts[shapely.get_type_id(parts) == shapely.GeometryType.POLYGON]
    polygons = polygons[shapely.area(polygons) >= SLIVER_AREA_M2]
    if not len(polygons):
        return None
    return polygons[0] if len(polygons) == 1 else shapely.multipolygons(polygons)


def _present(geometries: np.ndarray, codes: Sequence[str]) -> tuple[np.ndarray, list[str]]:
    """The non-missing geometries and their codes."""
    array = np.asarray(geometries, dtype=object)
    keep = np.flatnonzero(~shapely.is_missing(array) & ~shapely.is_empty(array))
    return array[keep], [str(codes[index]) for index in keep]


def _overlaps(
    geoms: np.ndarray, labels: list[str], suspects: np.ndarray, min_area: float
) -> list[CoverageProblem]:
    """The overlap of each pair of features that share area, among the suspects' pairs."""
    if not len(suspects):
        return []
    left, right = STRtree(geoms).query(geoms[suspects], predicate="intersects")
    left = suspects[left]
    pairs = {(min(a, b), max(a, b)) for a, b in zip(left, right, strict=True) if a != b}
    if not pairs:
        return []
    first, second = (np.array(side) for side in zip(*sorted(pairs), strict=True))
    shared = shapely.intersection(geoms[first], geoms[second])
    problems = []
    for a, b, piece in zip(first, second, shared, strict=True):
        area = _polygonal_area(piece)
        if area > min_area:
            problems.append(_problem("overlap", _polygonal(piece) or piece, (labels[a], labels[b])))
    return problems


def _uncovered_faces(union: BaseGeometry) -> np.ndarray:
    """The areas the union encloses without covering them: the faces of its boundary that
    it does not cover, which are its holes less any islands in them, and the areas its
    parts close off where they touch at points."""
    lines = shapely.get_parts(shapely.node(shapely.boundary(union)))
    faces = shapely.get_parts(shapely.polygonize(lines))
    shapely.prepare(union)
    return faces[~shapely.contains(union, shapely.point_on_surface(faces))]


def _gaps(
    holes: np.ndarray, geoms: np.ndarray, labels: list[str], min_area: float
) -> list[CoverageProblem]:
    """The gaps larger than ``min_area``, largest first, each with the features around it."""
    holes = holes[shapely.area(holes) > min_area]
    if not len(holes):
        return []
    tree = STRtree(geoms)  # built only when there are gaps to place
    problems = [
        _problem(
            "gap",
            hole,
            tuple(sorted({labels[i] for i in tree.query(hole, predicate="intersects")})),
        )
        for hole in holes
    ]
    return sorted(problems, key=lambda problem: -problem.area_m2)


def _problem(
    kind: Literal["gap", "overlap"], geom: BaseGeometry, codes: tuple[str, ...]
) -> CoverageProblem:
    """A coverage problem located at a point inside it."""
    inside = shapely.point_on_surface(geom)
    return CoverageProblem(kind, float(geom.area), inside.x, inside.y, codes, geom)


def _polygonal_area(geom: BaseGeometry) -> float:
    """The area of the polygonal parts of ``geom``."""
    parts = shapely.get_parts(geom)
    return float(shapely.area(parts[np.isin(shapely.get_type_id(parts), _POLYGONAL)]).sum())


def _thinner_than(geom: BaseGeometry, tolerance: float) -> bool:
    """True when ``geom`` is narrower than ``tolerance`` everywhere."""
    return bool(shapely.buffer(geom, -tolerance / 2).is_empty)

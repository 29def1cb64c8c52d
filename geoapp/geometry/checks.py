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

from ..translatable import Counted, Text
from .coverage_edges import CoverageEdges, enclosed_faces, free_edges

# Parts smaller than this (m²) left by a repair are slivers, not land: they are dropped.
SLIVER_AREA_M2 = 0.01

_POLYGONAL = (shapely.GeometryType.POLYGON, shapely.GeometryType.MULTIPOLYGON)
# GEOS's invalidity reasons as a planner reads them.
_REASONS = {
    "Self-intersection": Text("自己交差"),
    "Ring Self-intersection": Text("輪の自己接触"),
    "Hole lies outside shell": Text("外周の外にある穴"),
    "Nested holes": Text("入れ子の穴"),
    "Interior is disconnected": Text("内部の分断"),
    "Nested shells": Text("入れ子の外周"),
    "Duplicate Rings": Text("重複した輪"),
    "Too few points in geometry component": Text("点の数の不足"),
    "Invalid Coordinate": Text("不正な座標値"),
    "Ring is not closed": Text("閉じていない輪"),
}
_REASON_AT = re.compile(r"^(?P<reason>[^\[]+?)\s*\[(?P<x>\S+) (?P<y>\S+)\]$")


@dataclass(frozen=True)
class GeometryIssue:
    """A repair made to, or a refusal of, one feature's geometry."""

    feature: int
    code: str
    text: Text

    def to_dict(self) -> dict[str, Any]:
        """The issue as a report entry."""
        return {
            "feature": self.feature,
            "code": self.code,
            "message": self.text.in_language("ja"),
            "message_en": self.text.in_language("en"),
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
            Text(
                "形状が面ではありません（{kind}）。面（ポリゴン）のレイヤを指定してください。",
                kind=kind,
            ),
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
                    Text("位置が{n}点あります。施設ごとに1点にしてください。", n=len(geom.geoms)),
                )
                continue
            checked.replace(
                index,
                distinct,
                "multipoint_unwrapped",
                Text("1点だけのマルチポイントを点に直しました。"),
            )
        elif geom.geom_type != "Point":
            checked.refuse(
                index,
                "not_a_point",
                Text(
                    "形状が点ではありません（{kind}）。施設は点で指定してください。",
                    kind=geom.geom_type,
                ),
            )
        elif not np.isfinite(shapely.get_coordinates(geom)).all():
            checked.refuse(
                index,
                "invalid_coordinate",
                Text("座標に数値でない値があります。元のデータの位置を直してください。"),
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
                Text(
                    "閉じていない輪（始点と終点が違う輪）を閉じて読み込みました。"
                    "境界を確かめてください。"
                ),
            )

    def refuse_missing(self) -> None:
        """Refuse features with no geometry or an empty one."""
        missing = shapely.is_missing(self.geometries)
        for index in np.flatnonzero(missing | shapely.is_empty(self.geometries)):
            empty = not missing[index]
            self.refuse(
                index,
                "empty_geometry" if empty else "null_geometry",
                Text("形状が空です。") if empty else Text("形状がありません。"),
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
                Text("高さ（Z）座標を取り除き、平面の座標だけを取り込みました。"),
            )

    def repair_collection(self, index: int) -> None:
        """Keep only the polygons of a geometry collection."""
        kept = _polygonal(self.geometries[index])
        if kept is None:
            self.refuse(
                index,
                "not_a_polygon",
                Text("形状に面（ポリゴン）が含まれていません。"),
            )
        else:
            self.replace(
                index,
                kept,
                "dropped_fragments",
                Text("面でない部分（線・点）を取り除きました。"),
            )

    def repair_invalid(self, index: int) -> None:
        """Repair an invalid polygon, keeping its area, or refuse it when nothing is left."""
        geom = self.geometries[index]
        reason = _reason(shapely.is_valid_reason(geom))
        repaired = _polygonal(shapely.make_valid(geom, method="structure"))
        if repaired is None:
            self.refuse(
                index,
                "invalid_geometry",
                Text(
                    "形状が不正で（{reason}）、修復すると面積が残りません。"
                    "元のデータを直してください。",
                    reason=reason,
                ),
            )
            return
        self.replace(
            index,
            repaired,
            "repaired_geometry",
            Text(
                "形状が不正だったため（{reason}）自動で修復しました"
                "（修復後 {area:,.1f} m²）。境界を確かめてください。",
                reason=reason,
                area=repaired.area,
            ),
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
                    Text("面積のない形状です。"),
                )
                continue
            self.replace(
                index,
                shapely.multipolygons(large),
                "dropped_slivers",
                Counted(
                    "面積 {area} m² 未満の細片を{n}個取り除きました。",
                    "面積 {area} m² 未満の細片を{n}個取り除きました。",
                    n=len(parts) - len(large),
                    area=SLIVER_AREA_M2,
                ),
            )

    def replace(self, index: int, geom: BaseGeometry, code: str, message: Text) -> None:
        """Put a repaired geometry in and report the repair."""
        self.geometries[index] = geom
        self.changed[index] = True
        self.note(index, code, message)

    def note(self, index: int, code: str, message: Text) -> None:
        """Report a repair of feature ``index``."""
        self.repairs.append(self._issue(index, code, message))

    def refuse(self, index: int, code: str, message: Text) -> None:
        """Refuse feature ``index`` and say why."""
        self.geometries[index] = None
        self.changed[index] = True
        self.rejections.append(self._issue(index, code, message))

    def _issue(self, index: int, code: str, message: Text) -> GeometryIssue:
        """An issue of feature ``index``, its message led by the feature's number."""
        number = self.numbers[index]
        return GeometryIssue(
            number, code, Text("{number}番目の地物: {message}", number=number, message=message)
        )

    def result(self) -> CheckedGeometries:
        """The checked geometries with every repair and refusal."""
        return CheckedGeometries(self.geometries, self.repairs, self.rejections, self.changed)


def _reason(text: str) -> Text | str:
    """GEOS's invalidity reason as a planner reads it, with its location when given; a
    reason this module does not know stays in GEOS's words."""
    match = _REASON_AT.match(text or "")
    reason = match["reason"] if match else (text or "")
    known = _REASONS.get(reason, reason)
    if match:
        return Text(
            "{reason}、x={x:,.1f}, y={y:,.1f}",
            reason=known,
            x=float(match["x"]),
            y=float(match["y"]),
        )
    return known


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

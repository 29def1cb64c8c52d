"""Community boundaries: the union of each community's whole districts.

On a clean district coverage shapely's coverage union is exact and fast; otherwise the
full (overlay) union is used, which tolerates overlaps and slivers. The display version is
simplified as one coverage, so neighbouring communities never open gaps between them.
"""

from __future__ import annotations

import logging

import geopandas as gpd
import numpy as np
import shapely

from .checks import UNASSIGNED, assignment_array
from .geography import Geography
from .model import PlanState

logger = logging.getLogger(__name__)


def community_boundaries(
    geo: Geography, state: PlanState, tolerance_m: float | None = None
) -> gpd.GeoDataFrame:
    """One row per community with districts (``id`` and its geometry), in the working CRS;
    with ``tolerance_m`` the boundaries are coverage-simplified for display."""
    assigned = assignment_array(geo, state)
    geometry = geo.districts.geometry.to_numpy()
    ids, shapes = [], []
    for cid in sorted(state.communities):
        members = geometry[assigned == cid]
        if len(members):
            ids.append(cid)
            shapes.append(_union(members, geo.coverage_clean))
    shapes_array = np.array(shapes, dtype=object)
    if tolerance_m and len(shapes_array):
        shapes_array = _simplified(shapes_array, tolerance_m, geo.coverage_clean)
    return gpd.GeoDataFrame({"id": ids}, geometry=list(shapes_array), crs=geo.districts.crs)


def unassigned_area(geo: Geography, state: PlanState) -> shapely.Geometry | None:
    """The union of the districts no community holds (None when every one is assigned)."""
    members = geo.districts.geometry.to_numpy()[assignment_array(geo, state) == UNASSIGNED]
    return _union(members, geo.coverage_clean) if len(members) else None


def _union(members: np.ndarray, clean: bool) -> shapely.Geometry:
    """The union of district polygons: coverage union when the coverage is clean."""
    if clean:
        try:
            merged = shapely.coverage_union_all(members)
            if merged.is_valid:
                return merged
        except shapely.errors.GEOSException as exc:
            logger.warning("coverage union failed (%s); using a full union", exc)
    return shapely.make_valid(shapely.union_all(members))


def _simplified(shapes: np.ndarray, tolerance_m: float, clean: bool) -> np.ndarray:
    """Display boundaries: simplified together when they form a coverage, else one by one."""
    if clean:
        try:
            return shapely.coverage_simplify(shapes, tolerance_m, simplify_boundary=False)
        except shapely.errors.GEOSException as exc:
            logger.warning("coverage simplification failed (%s); simplifying each shape", exc)
    return shapely.simplify(shapes, tolerance_m, preserve_topology=True)

"""The lasso tool's selection: the districts whose larger part lies inside a drawn polygon."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import shapely
from shapely.geometry.base import BaseGeometry

from ..errors import BadInput
from ..translatable import Text

MAJORITY = 0.5


def districts_mostly_inside(
    districts: gpd.GeoDataFrame, lasso: BaseGeometry, share: float = MAJORITY
) -> list[str]:
    """The codes of the districts with more than ``share`` of their area inside ``lasso``
    (same CRS, metric), sorted. A self-crossing freehand lasso is repaired first."""
    shape = shapely.make_valid(lasso)
    if shape.is_empty or shape.area <= 0:
        raise BadInput(Text("囲んだ範囲に面積がありません。もう少し大きく囲んでください。"))
    geometries = districts.geometry.to_numpy()
    candidates = shapely.STRtree(geometries).query(shape, predicate="intersects")
    if not len(candidates):
        return []
    inside = shapely.area(shapely.intersection(geometries[candidates], shape))
    whole = shapely.area(geometries[candidates])
    chosen = candidates[inside > share * whole]
    return sorted(np.asarray(districts["code"].astype(str))[chosen].tolist())

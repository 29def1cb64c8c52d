"""Which polygons a point falls in, with one documented rule for points on a boundary."""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely


def covering_pairs(points: np.ndarray, polygons: gpd.GeoDataFrame) -> pd.DataFrame:
    """Every (point row, polygon code) where the polygon covers the point (boundary
    included), with ``on_boundary`` True when the point lies on that polygon's boundary."""
    geometries = polygons.geometry.to_numpy()
    point, polygon = shapely.STRtree(geometries).query(points, predicate="covered_by")
    return pd.DataFrame(
        {
            "point": point,
            "code": polygons["code"].astype(str).to_numpy()[polygon],
            "on_boundary": shapely.touches(points[point], geometries[polygon]),
        }
    )


def lowest_covering_code(points: np.ndarray, polygons: gpd.GeoDataFrame) -> np.ndarray:
    """For each point, the lowest code among the polygons covering it (None outside all):
    a point on a shared boundary goes to the polygon with the lower code."""
    pairs = covering_pairs(points, polygons)
    found = pairs.groupby("point")["code"].min()
    result = np.full(len(points), None, dtype=object)
    result[found.index.to_numpy()] = found.to_numpy()
    return result

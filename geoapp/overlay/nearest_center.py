"""How far each district lies from its nearest community centre.

Straight-line distance in metres, from the district's centroid, and — when sub-district
weights (points with a population) are given — the weight-averaged distance of the
district's weight points to their own nearest centres.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..geometry.point_location import lowest_covering_code
from .apportionment import weight_values
from .inputs import check_same_crs

NEAREST_COLUMNS = ["nearest_center", "distance_m", "weighted_distance_m"]


def nearest_centers(
    districts: gpd.GeoDataFrame,
    centers: gpd.GeoDataFrame,
    weights: gpd.GeoDataFrame | None = None,
    weight_column: str | None = None,
) -> pd.DataFrame:
    """Per district (indexed by code): the nearest centre from its centroid, that distance,
    and the weighted distance (NaN without weights or when the district holds none)."""
    codes = pd.Index(districts["code"].astype(str), name="district")
    frame = pd.DataFrame(
        {"nearest_center": None, "distance_m": np.nan, "weighted_distance_m": np.nan},
        index=codes,
    )
    if not len(centers) or not len(districts):
        return frame[NEAREST_COLUMNS]
    check_same_crs(districts, centers)
    tree = shapely.STRtree(centers.geometry.to_numpy())
    centroids = shapely.centroid(districts.geometry.to_numpy())
    (row, nearest), distance = tree.query_nearest(
        centroids, return_distance=True, all_matches=False
    )
    frame.iloc[row, 0] = centers["code"].astype(str).to_numpy()[nearest]
    frame.iloc[row, 1] = distance
    if weights is not None and len(weights):
        frame["weighted_distance_m"] = _weighted_distance(districts, tree, weights, weight_column)
    return frame[NEAREST_COLUMNS]


def _weighted_distance(
    districts: gpd.GeoDataFrame,
    tree: shapely.STRtree,
    weights: gpd.GeoDataFrame,
    weight_column: str | None,
) -> pd.Series:
    """The weight-averaged distance from each district's weight points to their nearest
    centre, indexed by district code."""
    values = weight_values(weights, weight_column)
    check_same_crs(districts, weights)
    points = shapely.point_on_surface(weights.geometry.to_numpy())
    (row, _nearest), distance = tree.query_nearest(points, return_distance=True, all_matches=False)
    placed = pd.DataFrame(
        {
            "district": lowest_covering_code(points[row], districts),
            "weight": values[row],
            "weighted": values[row] * distance,
        }
    ).dropna(subset=["district"])
    totals = placed.groupby("district")[["weight", "weighted"]].sum()
    totals = totals[totals["weight"] > 0]
    return (totals["weighted"] / totals["weight"]).reindex(districts["code"].astype(str))

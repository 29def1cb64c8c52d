"""Where each community centre stands: its district and its school zone.

Rule for a centre on a boundary: its district is the lowest-coded district covering it;
its zone is that district's majority zone when that zone covers the centre, otherwise
the lowest-coded zone covering it. ``on_boundary`` flags such centres for review.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd

from ..geometry.point_location import covering_pairs, lowest_covering_code
from ..translatable import Text
from .inputs import check_layer, check_same_crs

PLACEMENT_COLUMNS = ["district", "zone", "on_boundary"]


def place_centers(
    centers: gpd.GeoDataFrame,
    districts: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    majority_zone: pd.Series,
) -> pd.DataFrame:
    """Per centre (indexed by code): its district and zone (None when outside all) and
    whether it lies on a district or zone boundary.

    ``majority_zone`` maps district codes to their majority zone (``majority_zones``).
    """
    check_layer(centers, Text("拠点施設"), "point")
    check_same_crs(centers, districts, zones)
    points = centers.geometry.to_numpy()
    district = lowest_covering_code(points, districts)
    zone_pairs = covering_pairs(points, zones)
    preferred = majority_zone.reindex(district).to_numpy()
    zone_pairs["preferred"] = zone_pairs["code"].to_numpy() == preferred[zone_pairs["point"]]
    chosen = zone_pairs.sort_values(["point", "preferred", "code"], ascending=[True, False, True])
    chosen = chosen.drop_duplicates("point")
    zone = np.full(len(points), None, dtype=object)
    zone[chosen["point"].to_numpy()] = chosen["code"].to_numpy()
    on_boundary = np.zeros(len(points), dtype=bool)
    district_pairs = covering_pairs(points, districts)
    for pairs in (zone_pairs, district_pairs):
        on_boundary[pairs.loc[pairs["on_boundary"], "point"].to_numpy()] = True
    index = pd.Index(centers["code"].astype(str), name="center")
    return pd.DataFrame(
        {
            "district": pd.Series(district, index=index, dtype=object),
            "zone": pd.Series(zone, index=index, dtype=object),
            "on_boundary": pd.Series(on_boundary, index=index),
        }
    )[PLACEMENT_COLUMNS]


def centers_by_zone(placement: pd.DataFrame, zone_codes: pd.Series) -> dict[str, list[str]]:
    """Each zone's centres (codes, sorted); zones without a centre map to an empty list."""
    found: dict[str, list[str]] = {str(code): [] for code in zone_codes}
    for center, zone in placement["zone"].dropna().sort_index().items():
        found.setdefault(zone, []).append(center)
    return found

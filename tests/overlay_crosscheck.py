"""The reference every overlay result is checked against: geopandas.overlay."""

from __future__ import annotations

import geopandas as gpd
import pandas as pd


def reference_pieces(districts: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> pd.DataFrame:
    """geopandas.overlay's (district, zone) pieces of positive area, with their areas."""
    pieces = gpd.overlay(
        districts[["code", "geometry"]],
        zones[["code", "geometry"]].rename(columns={"code": "zone"}),
        how="intersection",
        keep_geom_type=True,
    )
    pieces["area_m2"] = pieces.area
    pieces = pieces[pieces["area_m2"] > 0].rename(columns={"code": "district"})
    return pd.DataFrame(pieces[["district", "zone", "area_m2"]])


def reference_majority(pieces: pd.DataFrame) -> dict[str, str]:
    """The zone of each district's largest reference piece."""
    largest = pieces.sort_values(["district", "area_m2"], ascending=[True, False])
    return dict(largest.drop_duplicates("district")[["district", "zone"]].to_numpy())

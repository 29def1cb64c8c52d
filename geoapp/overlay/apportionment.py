"""Apportioning district figures (population, households, 65+) to the school zones.

Each piece of a district receives its share of the district's figures: the piece's share
of the district's area, or — when sub-district weights are given (points such as
buildings or census blocks with a population) — the share of the district's weight that
falls in the piece. A district holding no weight at all falls back to area shares.
Sub-district polygons count wholly at a point inside them.
"""

from __future__ import annotations

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..errors import BadInput
from ..geometry.point_location import lowest_covering_code
from ..translatable import Text
from .inputs import check_same_crs

APPORTIONED_FIGURES = ("population", "households", "population_65")
# The zone key of weights that lie in a district but in no zone (no zone code is empty).
OUTSIDE_ZONES = ""


# Below this, what a district's pieces leave unapportioned is rounding, not land or people.
SHARE_TOLERANCE = 1e-9


def piece_shares(
    pieces: pd.DataFrame,
    districts: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    weights: gpd.GeoDataFrame | None = None,
    weight_column: str | None = None,
) -> np.ndarray:
    """The share of its district's figures each piece receives (aligned with ``pieces``).

    Weights in a district but in no zone count in the district's total, so the share of
    the people living outside every zone is received by no piece (``unapportioned_shares``).
    """
    area_share = pieces["district_share"].to_numpy(dtype=float)
    if weights is None:
        return area_share
    placed = weights_by_piece(districts, zones, weights, weight_column)
    keys = pd.MultiIndex.from_arrays([pieces["district"], pieces["zone"]])
    in_piece = placed.reindex(keys, fill_value=0.0).to_numpy()
    totals = placed.groupby(level="district").sum()
    in_district = totals.reindex(pieces["district"], fill_value=0.0).to_numpy()
    return np.where(
        in_district > 0, in_piece / np.where(in_district > 0, in_district, 1), area_share
    )


def unapportioned_shares(
    pieces: pd.DataFrame, shares: np.ndarray, district_codes: pd.Series
) -> pd.Series:
    """The share of each district's figures that no zone receives, indexed by district
    code: 1 for a district outside every zone, 0 for one wholly inside the zones."""
    received = pd.Series(shares).groupby(pieces["district"].to_numpy()).sum()
    codes = pd.Index(district_codes.astype(str), name="district")
    rest = (1 - received.reindex(codes, fill_value=0.0)).clip(lower=0.0)
    return rest.where(rest > SHARE_TOLERANCE, 0.0)


def weights_by_piece(
    districts: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    weights: gpd.GeoDataFrame,
    weight_column: str | None,
) -> pd.Series:
    """The total weight in each (district, zone) piece, indexed by the two codes; the
    weight in a district but in no zone under the zone ``OUTSIDE_ZONES``.

    A weight on a boundary counts in the lowest-coded district and zone that cover it.
    """
    values = weight_values(weights, weight_column)
    check_same_crs(districts, weights)
    points = shapely.point_on_surface(weights.geometry.to_numpy())
    district = lowest_covering_code(points, districts)
    zone = lowest_covering_code(points, zones)
    placed = pd.DataFrame({"district": district, "zone": zone, "weight": values})
    placed = placed.dropna(subset=["district"]).fillna({"zone": OUTSIDE_ZONES})
    return placed.groupby(["district", "zone"])["weight"].sum()


def apportioned_figures(
    pieces: pd.DataFrame,
    shares: np.ndarray,
    districts: gpd.GeoDataFrame,
    figures: tuple[str, ...] = APPORTIONED_FIGURES,
) -> pd.DataFrame:
    """Each zone's apportioned figures (float, not rounded), indexed by zone code.

    Unknown stays unknown: a zone with a piece of a district whose figure is missing gets
    NaN for that figure, not a smaller total that would pass for the zone's own.
    """
    present = [name for name in figures if name in districts.columns]
    values = districts.set_index(districts["code"].astype(str))[present].astype(float)
    per_piece = values.reindex(pieces["district"]).to_numpy() * shares[:, None]
    frame = pd.DataFrame(per_piece, columns=present)
    frame["zone"] = pieces["zone"].to_numpy()
    grouped = frame.groupby("zone")[present]
    return grouped.sum().where(grouped.count() == grouped.size().to_numpy()[:, None])


def weight_values(weights: gpd.GeoDataFrame, weight_column: str | None) -> np.ndarray:
    """The numeric weights, refusing a missing column or negative and non-numeric values."""
    if not weight_column or weight_column not in weights.columns:
        known = ", ".join(str(c) for c in weights.columns if c != weights.geometry.name)
        raise BadInput(
            Text(
                "重みの項目「{column}」がありません。次から選んでください: {known}",
                column=weight_column,
                known=known,
            )
        )
    values = pd.to_numeric(weights[weight_column], errors="coerce")
    bad = values.isna() & weights[weight_column].notna() | (values < 0)
    if bad.any():
        row = int(np.flatnonzero(bad.to_numpy())[0]) + 1
        raise BadInput(
            Text(
                "重みの{row}行目の「{column}」が0以上の数値ではありません（{value}）。",
                row=row,
                column=weight_column,
                value=repr(weights[weight_column].iloc[row - 1]),
            )
        )
    return values.fillna(0.0).to_numpy(dtype=float)

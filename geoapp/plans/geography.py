"""The city as plans see it: district figures, adjacency and centres as flat arrays.

Built once per load of the city's layers (adjacency and majority zones are the costly
parts) and shared by every plan, so an edit only does array arithmetic.
"""

from __future__ import annotations

import logging
from dataclasses import dataclass

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

logger = logging.getLogger(__name__)


@dataclass(frozen=True)
class Geography:
    """Districts (ordered by code) with their figures (NaN where unknown), adjacency edges,
    centres and zones."""

    districts: gpd.GeoDataFrame
    codes: list[str]
    index: dict[str, int]
    population: np.ndarray
    households: np.ndarray
    population_65: np.ndarray
    area: np.ndarray
    perimeter: np.ndarray
    edge_a: np.ndarray
    edge_b: np.ndarray
    edge_length: np.ndarray
    outer_length: np.ndarray
    center_codes: list[str]
    center_names: dict[str, str]
    center_district: np.ndarray
    majority: pd.DataFrame | None
    zone_names: dict[str, str]
    zone_codes: list[str]
    zone_index: np.ndarray
    majority_share: np.ndarray
    split: np.ndarray
    coverage_clean: bool
    target_population: tuple[int | None, int | None]
    stamp: str = ""

    @property
    def size(self) -> int:
        """How many districts the city has."""
        return len(self.codes)

    def indices(self, codes: list[str]) -> np.ndarray:
        """The positions of ``codes`` (all known) in the district arrays."""
        return np.fromiter((self.index[code] for code in codes), dtype=np.int64, count=len(codes))

    def districts_of_zone(self, zone: str) -> list[str]:
        """The districts whose majority school zone is ``zone``."""
        if self.majority is None:
            return []
        return sorted(self.majority.index[self.majority["majority_zone"] == zone])


def build_geography(
    districts: gpd.GeoDataFrame,
    centers: gpd.GeoDataFrame,
    adjacency: pd.DataFrame,
    majority: pd.DataFrame | None = None,
    zone_names: dict[str, str] | None = None,
    target_population: tuple[int | None, int | None] = (None, None),
) -> Geography:
    """The plan geography from the stored layers and the district adjacency.

    Parameters
    ----------
    districts, centers
        Stored layer frames in the working (metric) CRS.
    adjacency
        Columns ``a``, ``b`` (district codes) and ``shared_length_m``.
    majority
        Each district's majority school zone, indexed by district code (optional).
    """
    ordered = districts.sort_values("code").reset_index(drop=True)
    codes = [str(code) for code in ordered["code"]]
    index = {code: position for position, code in enumerate(codes)}
    geometry = ordered.geometry.to_numpy()
    area = shapely.area(geometry)
    perimeter = shapely.length(geometry)
    known = adjacency["a"].isin(index) & adjacency["b"].isin(index)
    edges = adjacency[known]
    edge_a = edges["a"].map(index).to_numpy(dtype=np.int64)
    edge_b = edges["b"].map(index).to_numpy(dtype=np.int64)
    edge_length = edges["shared_length_m"].to_numpy(dtype=float)
    shared = np.bincount(edge_a, edge_length, len(codes)) + np.bincount(
        edge_b, edge_length, len(codes)
    )
    center_district = _district_of_each_center(ordered, centers)
    zone_codes, zone_index, majority_share, split = _majority_arrays(codes, majority)
    return Geography(
        districts=ordered,
        codes=codes,
        index=index,
        population=_counts(ordered, "population"),
        households=_counts(ordered, "households"),
        population_65=_counts(ordered, "population_65"),
        area=area,
        perimeter=perimeter,
        edge_a=edge_a,
        edge_b=edge_b,
        edge_length=edge_length,
        outer_length=np.maximum(perimeter - shared, 0.0),
        center_codes=[str(code) for code in centers["code"]],
        center_names=dict(zip(centers["code"].astype(str), centers["name"], strict=True)),
        center_district=center_district,
        majority=majority,
        zone_names=zone_names or {},
        zone_codes=zone_codes,
        zone_index=zone_index,
        majority_share=majority_share,
        split=split,
        coverage_clean=_is_clean_coverage(geometry),
        target_population=target_population,
    )


def _majority_arrays(
    codes: list[str], majority: pd.DataFrame | None
) -> tuple[list[str], np.ndarray, np.ndarray, np.ndarray]:
    """The majority zones as arrays in district order: zone codes, each district's zone
    position (-1 for none), its majority share and whether it is split."""
    size = len(codes)
    if majority is None or not len(majority):
        return [], np.full(size, -1, dtype=np.int64), np.zeros(size), np.zeros(size, dtype=bool)
    aligned = majority.reindex(codes)
    zones = aligned["majority_zone"].astype(object)
    zone_codes = sorted({str(zone) for zone in zones.dropna()})
    position = {zone: number for number, zone in enumerate(zone_codes)}
    zone_index = np.array(
        [-1 if pd.isna(zone) else position[str(zone)] for zone in zones],
        dtype=np.int64,
    )
    share = pd.to_numeric(aligned["majority_share"], errors="coerce").fillna(0).to_numpy(float)
    split = aligned["split"].fillna(False).to_numpy(dtype=bool)
    return zone_codes, zone_index, share, split


def _counts(frame: gpd.GeoDataFrame, column: str) -> np.ndarray:
    """A count column as floats, NaN where the count is unknown (never 0: a district whose
    population nobody loaded has not lost its residents)."""
    return pd.to_numeric(frame[column], errors="coerce").to_numpy(dtype=float, na_value=np.nan)


def _district_of_each_center(districts: gpd.GeoDataFrame, centers: gpd.GeoDataFrame) -> np.ndarray:
    """For each centre, the position of the district holding it (-1 outside every district)."""
    found = np.full(len(centers), -1, dtype=np.int64)
    if not len(centers) or not len(districts):
        return found
    tree = shapely.STRtree(districts.geometry.to_numpy())
    center_index, district_index = tree.query(centers.geometry.to_numpy(), predicate="intersects")
    found[center_index[::-1]] = district_index[::-1]
    return found


def _is_clean_coverage(geometry: np.ndarray) -> bool:
    """Whether the districts form a clean coverage (no overlaps, edges matching exactly)."""
    if not len(geometry):
        return True
    try:
        clean = bool(shapely.coverage_is_valid(geometry))
    except shapely.errors.GEOSException:
        clean = False
    if not clean:
        logger.warning("the districts are not a clean coverage; boundaries use a full union")
    return clean

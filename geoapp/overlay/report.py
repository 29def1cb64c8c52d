"""The overlay of districts, school zones and community centres, gathered in one report.

It runs every overlay operation once (pieces and majority zones, apportionment, centre
placement, nearest centres, adjacency, coverage health) and shapes the results for the
CLI, the JSON API, CSV and GeoJSON exports and the map page. Pure: no Flask, no SQL.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
from pyproj import Transformer

from ..geometry.checks import CoverageProblem, coverage_problems
from ..layers import WEB_CRS
from ..translatable import Text
from .adjacency import district_adjacency, neighbours
from .apportionment import (
    APPORTIONED_FIGURES,
    apportioned_figures,
    piece_shares,
    unapportioned_shares,
)
from .centers import centers_by_zone, place_centers
from .inputs import check_layer, check_same_crs, check_threshold
from .nearest_center import nearest_centers
from .zones import (
    DEFAULT_SPLIT_THRESHOLD,
    PIECE_COLUMNS,
    district_zone_piece_shapes,
    majority_from_pieces,
    uncovered_parts,
)

WHOLE_SHARE = 1 - 1e-9
# Land or people of the districts in no school zone are worth a warning above this share
# of the city's (0.1 %): a slip of the zone lines, or land the zones were not drawn for.
UNCOVERED_WARNING_SHARE = 0.001


@dataclass(frozen=True)
class OverlayReport:
    """Every overlay result for one city, in the working CRS."""

    threshold: float
    weight_column: str | None
    districts: gpd.GeoDataFrame
    zones: gpd.GeoDataFrame
    centers: gpd.GeoDataFrame
    pieces: gpd.GeoDataFrame
    majority: pd.DataFrame
    uncovered: gpd.GeoDataFrame
    unapportioned: pd.Series
    zone_figures: pd.DataFrame
    placement: pd.DataFrame
    nearest: pd.DataFrame
    adjacency: pd.DataFrame
    coverage: dict[str, list[CoverageProblem]]

    @property
    def split_districts(self) -> list[str]:
        """Codes of the split districts, in district order."""
        return list(self.majority.index[self.majority["split"]])

    def uncovered_districts(self) -> pd.DataFrame:
        """Per district with land or people in no zone (indexed by code, district order):
        that area in m², its share of the district, the share of the district's figures
        no zone received, and those figures (NaN where the district's are unknown)."""
        codes = self.districts["code"].astype(str)
        area = self.uncovered.set_index("district")["area_m2"].reindex(codes, fill_value=0.0)
        table = pd.DataFrame(
            {
                "uncovered_area_m2": area.to_numpy(),
                "uncovered_share": (area / self.districts.geometry.area.to_numpy()).to_numpy(),
                "unapportioned_share": self.unapportioned.reindex(codes).to_numpy(),
            },
            index=pd.Index(codes, name="district"),
        )
        for name in APPORTIONED_FIGURES:
            if name in self.districts.columns:
                values = self.districts[name].astype(float).to_numpy()
                table[f"uncovered_{name}"] = values * table["unapportioned_share"].to_numpy()
        outside = (table["uncovered_area_m2"] > 0) | (table["unapportioned_share"] > 0)
        return table[outside]

    def uncovered_summary(self) -> dict[str, Any]:
        """The districts' land and people in no school zone, in total and as shares of the
        city's, and whether either share is above ``UNCOVERED_WARNING_SHARE``."""
        table = self.uncovered_districts()
        city_area = float(self.districts.geometry.area.sum())
        area = float(table["uncovered_area_m2"].sum())
        area_share = area / city_area if city_area else 0.0
        population = population_share = None
        if "population" in self.districts.columns:
            lost = table["uncovered_population"]
            population = None if lost.isna().any() else float(lost.sum())
            people = self.districts["population"].astype(float)
            if population is not None and not people.isna().any():
                population_share = population / float(people.sum()) if people.sum() else 0.0
        partly = self.majority["majority_zone"].reindex(table.index).notna()
        return {
            "districts": len(table),
            "districts_partly_outside": int(partly.sum()),
            "area_m2": round(area, 2),
            "area_share": round(area_share, 6),
            "population": _rounded(population, 2),
            "population_share": _rounded(population_share, 6),
            "warning_share": UNCOVERED_WARNING_SHARE,
            "warning": area_share > UNCOVERED_WARNING_SHARE
            or (population_share or 0.0) > UNCOVERED_WARNING_SHARE,
        }

    @property
    def zone_centers(self) -> dict[str, list[str]]:
        """Each zone's centres (codes); an empty list for a zone without one."""
        return centers_by_zone(self.placement, self.zones["code"])

    def summary(self) -> dict[str, Any]:
        """The headline counts."""
        zone_centers = self.zone_centers
        without = [zone for zone, found in zone_centers.items() if not found]
        several = [zone for zone, found in zone_centers.items() if len(found) > 1]
        outside = self.placement.index[self.placement["zone"].isna()]
        return {
            "districts": len(self.districts),
            "split_districts": len(self.split_districts),
            "districts_outside_zones": int(self.majority["majority_zone"].isna().sum()),
            "zones": len(self.zones),
            "zones_without_center": len(without),
            "zones_without_center_codes": without,
            "zones_with_several_centers": len(several),
            "zones_with_several_centers_codes": several,
            "centers": len(self.centers),
            "centers_outside_zones": len(outside),
            "centers_outside_zones_codes": list(outside),
            "centers_on_boundary": int(self.placement["on_boundary"].sum()),
            "district_coverage_problems": len(self.coverage["districts"]),
            "zone_coverage_problems": len(self.coverage["school_zones"]),
            "outside_zones": self.uncovered_summary(),
        }

    def to_dict(self) -> dict[str, Any]:
        """The whole report as JSON-ready data (areas in m², shares as fractions,
        locations of centres and coverage problems in lon/lat)."""
        to_lonlat = Transformer.from_crs(self.districts.crs, WEB_CRS, always_xy=True)
        return {
            "threshold": self.threshold,
            "apportioned_by": f"weights:{self.weight_column}" if self.weight_column else "area",
            "crs": self.districts.crs.to_string(),
            "summary": self.summary(),
            "districts": self._district_entries(),
            "zones": self._zone_entries(),
            "centers": self._center_entries(to_lonlat),
            "adjacency": [
                {"a": a, "b": b, "shared_length_m": round(length, 3)}
                for a, b, length in self.adjacency.itertuples(index=False)
            ],
            "coverage": {
                layer: [p.to_dict(lonlat=to_lonlat.transform(p.x, p.y)) for p in problems]
                for layer, problems in self.coverage.items()
            },
        }

    def piece_table(self) -> pd.DataFrame:
        """One row per piece with names, shares, the district's majority zone and split
        flag, and the figures apportioned to the piece: the CSV export. The part of a
        district in no zone is a piece with no zone, holding what no zone received."""
        table = pd.concat(
            [pd.DataFrame(self.pieces.drop(columns="geometry")), self._outside_pieces()],
            ignore_index=True,
        )
        order = {code: n for n, code in enumerate(self.districts["code"].astype(str))}
        table = table.sort_values(
            "district", key=lambda codes: codes.map(order), kind="stable"
        ).reset_index(drop=True)
        table.insert(1, "district_name", table["district"].map(_names(self.districts)))
        table.insert(3, "zone_name", table["zone"].map(_names(self.zones)))
        majority = self.majority.reindex(table["district"])
        table["majority_zone"] = majority["majority_zone"].to_numpy()
        table["split"] = majority["split"].to_numpy()
        values = self.districts.set_index(self.districts["code"].astype(str))
        for name in APPORTIONED_FIGURES:
            if name in values.columns:
                figure = values[name].astype(float).reindex(table["district"]).to_numpy()
                table[name] = np.round(figure * table["apportion_share"].to_numpy(), 2)
        return table

    def piece_shapes(self) -> gpd.GeoDataFrame:
        """The pieces with their geometry and the piece table's columns (GeoJSON export)."""
        table = self.piece_table()
        shapes = dict(
            zip(
                zip(self.pieces["district"], self.pieces["zone"], strict=True),
                self.pieces.geometry,
                strict=True,
            )
        )
        shapes.update(
            {(d, None): shape for d, shape in zip(self.uncovered["district"],
                                                    self.uncovered.geometry, strict=True)}
        )  # fmt: skip
        zones = table["zone"].astype(object).where(table["zone"].notna(), None)
        geometry = [shapes.get(key) for key in zip(table["district"], zones, strict=True)]
        return gpd.GeoDataFrame(table, geometry=geometry, crs=self.pieces.crs)

    def _outside_pieces(self) -> pd.DataFrame:
        """The districts' parts in no zone as pieces: no zone, and the share of the
        district's figures no zone received."""
        outside = self.uncovered_districts()
        return pd.DataFrame(
            {
                "district": outside.index.to_numpy(),
                "zone": None,
                "area_m2": outside["uncovered_area_m2"].to_numpy(),
                "district_share": outside["uncovered_share"].to_numpy(),
                "zone_share": np.nan,
                "apportion_share": outside["unapportioned_share"].to_numpy(),
            }
        )

    def _district_entries(self) -> list[dict[str, Any]]:
        """One entry per district, in district order."""
        names = _names(self.districts)
        graph = neighbours(self.adjacency, self.districts["code"].astype(str))
        by_district = {
            code: group for code, group in pd.DataFrame(self.pieces).groupby("district", sort=False)
        }
        outside = self.uncovered_districts()
        entries = []
        for code, row in self.majority.iterrows():
            nearest = self.nearest.loc[code]
            group = by_district.get(code)
            lost = outside.loc[code] if code in outside.index else None
            entries.append(
                {
                    "code": code,
                    "name": _text(names.get(code)),
                    "majority_zone": row["majority_zone"],
                    "majority_share": row["majority_share"],
                    "second_share": row["second_share"],
                    "split": bool(row["split"]),
                    "pieces": []
                    if group is None
                    else [
                        {
                            "zone": piece.zone,
                            "area_m2": piece.area_m2,
                            "share": piece.district_share,
                            "zone_share": piece.zone_share,
                        }
                        for piece in group.itertuples()
                    ],
                    "outside_zones": None
                    if lost is None
                    else {
                        "area_m2": _rounded(lost["uncovered_area_m2"], 2),
                        "share": _rounded(lost["uncovered_share"], 6),
                        **{
                            name: _rounded(lost[f"uncovered_{name}"], 2)
                            for name in APPORTIONED_FIGURES
                            if f"uncovered_{name}" in lost
                        },
                    },
                    "nearest_center": nearest["nearest_center"],
                    "nearest_center_distance_m": _rounded(nearest["distance_m"], 1),
                    "weighted_center_distance_m": _rounded(nearest["weighted_distance_m"], 1),
                    "neighbours": sorted(graph.get(code, ())),
                }
            )
        return entries

    def _zone_entries(self) -> list[dict[str, Any]]:
        """One entry per zone: its districts, apportioned figures and centres."""
        zone_centers = self.zone_centers
        split = set(self.split_districts)
        entries = []
        for zone in self.zones.itertuples():
            code = str(zone.code)
            mine = self.pieces[self.pieces["zone"] == code]
            whole = mine["district_share"] >= WHOLE_SHARE
            figures = (
                self.zone_figures.loc[code]
                if code in self.zone_figures.index
                else pd.Series(0.0, index=self.zone_figures.columns)
            )
            own = getattr(zone, "population", None)
            own = None if own is None or pd.isna(own) else int(own)
            population = figures.get("population")
            entries.append(
                {
                    "code": code,
                    "name": _text(getattr(zone, "name", None)),
                    "area_m2": float(zone.geometry.area),
                    "districts_inside": list(mine.loc[whole, "district"]),
                    "districts_partly_inside": [
                        {
                            "district": piece.district,
                            "share": piece.district_share,
                            "zone_share": piece.zone_share,
                            "split": piece.district in split,
                        }
                        for piece in mine[~whole].itertuples()
                    ],
                    **{name: _rounded(value, 2) for name, value in figures.items()},
                    "own_population": own,
                    "population_difference": None
                    if own is None or population is None
                    else _rounded(population - own, 2),
                    "centers": zone_centers.get(code, []),
                }
            )
        return entries

    def _center_entries(self, to_lonlat: Transformer) -> list[dict[str, Any]]:
        """One entry per centre: where it stands, in codes and lon/lat."""
        entries = []
        for center in self.centers.itertuples():
            code = str(center.code)
            placed = self.placement.loc[code]
            lon, lat = to_lonlat.transform(center.geometry.x, center.geometry.y)
            entries.append(
                {
                    "code": code,
                    "name": _text(getattr(center, "name", None)),
                    "kind": _text(getattr(center, "kind", None)),
                    "district": placed["district"],
                    "zone": placed["zone"],
                    "on_boundary": bool(placed["on_boundary"]),
                    "lon": round(lon, 7),
                    "lat": round(lat, 7),
                }
            )
        return entries


def overlay_report(
    districts: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    centers: gpd.GeoDataFrame,
    threshold: float = DEFAULT_SPLIT_THRESHOLD,
    weights: gpd.GeoDataFrame | None = None,
    weight_column: str | None = None,
) -> OverlayReport:
    """Run the whole overlay on three layers in one metric CRS.

    Parameters
    ----------
    threshold
        A district is split when its second-largest share exceeds this (default 5 %).
    weights, weight_column
        Optional sub-district weights (points, or polygons counted at a point inside)
        used to apportion figures and to weight distances to centres.
    """
    check_threshold(threshold)
    check_layer(centers, Text("拠点施設"), "point")
    check_same_crs(districts, zones, centers)
    pieces = district_zone_piece_shapes(districts, zones)
    majority = majority_from_pieces(pieces, districts["code"], threshold)
    shares = piece_shares(pieces, districts, zones, weights, weight_column)
    pieces["apportion_share"] = shares
    codes = districts["code"]
    return OverlayReport(
        threshold=threshold,
        weight_column=weight_column if weights is not None else None,
        districts=districts,
        zones=zones,
        centers=centers,
        pieces=pieces[[*PIECE_COLUMNS, "apportion_share", "geometry"]],
        majority=majority,
        uncovered=uncovered_parts(districts, zones, pieces),
        unapportioned=unapportioned_shares(pieces, shares, codes),
        zone_figures=apportioned_figures(pieces, shares, districts),
        placement=place_centers(centers, districts, zones, majority["majority_zone"]),
        nearest=nearest_centers(districts, centers, weights, weight_column),
        adjacency=district_adjacency(districts),
        coverage={
            "districts": _coverage(districts),
            "school_zones": _coverage(zones),
        },
    )


def _coverage(frame: gpd.GeoDataFrame) -> list[CoverageProblem]:
    """The gaps and overlaps of a polygon layer (the import's own checks)."""
    return coverage_problems(frame.geometry.to_numpy(), list(frame["code"].astype(str)))


def _names(frame: gpd.GeoDataFrame) -> dict[str, Any]:
    """Code → name of a layer."""
    if "name" not in frame.columns:
        return {}
    return dict(zip(frame["code"].astype(str), frame["name"], strict=True))


def _text(value: Any) -> str | None:
    """A text attribute for JSON: None where it is missing (never NaN)."""
    return None if value is None or pd.isna(value) else str(value)


def _rounded(value: Any, digits: int) -> float | None:
    """A float rounded for display, None for missing values."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return None
    return round(float(value), digits)

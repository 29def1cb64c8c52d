"""The districts as the boundary editor draws them: simplified without opening gaps
between neighbours, in lon/lat, with the figures the editor's panel adds up.

``display_districts`` is a pure function of the stored layers; ``CityDisplay`` caches the
serialized layers per load of the city's data (keyed on the data generation stamp).
"""

from __future__ import annotations

import json
import logging
import threading
from typing import Any

import geopandas as gpd
import numpy as np
import pandas as pd
import shapely

from ..city.center_kinds import center_kind_scheme
from ..city.model import DEFAULT_CENTER_KINDS
from ..geometry.point_location import lowest_covering_code
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES, WEB_CRS
from ..overlay.zones import district_zone_pieces, majority_from_pieces
from ..storage import Store

logger = logging.getLogger(__name__)

# How far the drawn district edges may move from the stored ones, in metres.
DISPLAY_TOLERANCE_M = 2.0
# Degrees kept in the payload: 1e-6° is about 0.1 m, finer than any map shows.
COORDINATE_GRID = 1e-6


class CityDisplay:
    """The city's display layers as JSON, built once per load of the layers."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._cached: tuple[str, bytes] | None = None

    def payload(self, store: Store) -> tuple[str, bytes]:
        """The data stamp and the serialized layers, rebuilt when the stamp changes."""
        stamp = store.data_stamp()
        with self._lock:
            if self._cached is None or self._cached[0] != stamp:
                body = json.dumps(city_layers(store), ensure_ascii=False, separators=(",", ":"))
                self._cached = (stamp, body.encode("utf-8"))
            return self._cached


def city_layers(store: Store) -> dict[str, Any]:
    """Districts, school zones and centres as the editor draws them, in lon/lat."""
    districts = store.read_layer(DISTRICTS)
    zones = store.read_layer(SCHOOL_ZONES)
    centers = store.read_layer(CENTERS)
    web_zones = zones[["code", "name", "geometry"]].to_crs(WEB_CRS)
    web_centers = centers[["code", "name", "kind", "geometry"]].fillna("").to_crs(WEB_CRS)
    city = store.city()
    kinds = center_kind_scheme(
        city.center_kinds if city else DEFAULT_CENTER_KINDS, web_centers["kind"]
    )
    web_centers["color"] = [kinds.color(kind) for kind in web_centers["kind"]]
    bounds = districts.to_crs(WEB_CRS).total_bounds if len(districts) else None
    return {
        "districts": display_districts(districts, zones, centers, DISPLAY_TOLERANCE_M),
        "zones": json.loads(web_zones.to_json(drop_id=True, ensure_ascii=False)),
        "centers": json.loads(web_centers.to_json(drop_id=True, ensure_ascii=False)),
        "bounds": None if bounds is None else [[bounds[1], bounds[0]], [bounds[3], bounds[2]]],
    }


def display_districts(
    districts: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    centers: gpd.GeoDataFrame,
    tolerance_m: float,
) -> dict[str, Any]:
    """The editor's district layer as a GeoJSON FeatureCollection in lon/lat.

    Parameters
    ----------
    districts, zones, centers
        The stored layers, in the city's working (metric) CRS.
    tolerance_m
        How far simplified edges may move. The districts are simplified together with
        ``coverage_simplify`` so shared edges stay shared; a coverage that is not clean
        is simplified district by district instead.

    Each feature carries ``code``, ``name``, ``population``, ``households``,
    ``population_65``, ``area_m2``, ``majority_zone``, ``zones`` (``[zone, share]`` pairs
    of the district's area), ``centers`` (codes of the centres inside) and ``label``
    (a lon/lat point inside the district).
    """
    ordered = districts.sort_values("code").reset_index(drop=True)
    geometries = ordered.geometry.to_numpy()
    codes = ordered["code"].astype(str)
    shapes = _simplified(geometries, tolerance_m)
    labels = gpd.GeoSeries(shapely.point_on_surface(geometries), crs=ordered.crs).to_crs(WEB_CRS)
    web = gpd.GeoSeries(shapes, crs=ordered.crs).to_crs(WEB_CRS)
    web = shapely.set_precision(web.to_numpy(), COORDINATE_GRID, mode="pointwise")
    pieces = district_zone_pieces(ordered, zones) if len(zones) else None
    zones_of = _zone_shares(pieces)
    majority = (
        majority_from_pieces(pieces, codes)["majority_zone"]
        if pieces is not None
        else pd.Series([None] * len(codes), index=codes)
    )
    centers_of = _centers_inside(ordered, centers)
    features = []
    for position, code in enumerate(codes):
        features.append(
            {
                "type": "Feature",
                "geometry": shapely.geometry.mapping(web[position]),
                "properties": {
                    "code": code,
                    "name": str(ordered.at[position, "name"]),
                    "population": _count(ordered.at[position, "population"]),
                    "households": _count(ordered.at[position, "households"]),
                    "population_65": _count(ordered.at[position, "population_65"]),
                    "area_m2": round(float(geometries[position].area), 1),
                    "majority_zone": majority.get(code),
                    "zones": zones_of.get(code, []),
                    "centers": centers_of.get(code, []),
                    "label": [
                        round(labels.iloc[position].x, 6),
                        round(labels.iloc[position].y, 6),
                    ],
                },
            }
        )
    return {"type": "FeatureCollection", "features": features}


def _simplified(geometries: np.ndarray, tolerance_m: float) -> np.ndarray:
    """Simplify as a coverage when the districts form one, else each on its own."""
    if tolerance_m <= 0:
        return geometries
    try:
        if shapely.coverage_is_valid(geometries):
            return shapely.coverage_simplify(geometries, tolerance_m, simplify_boundary=True)
    except shapely.errors.GEOSException as error:
        logger.warning("districts are not a clean coverage (%s); simplifying each alone", error)
    return shapely.simplify(geometries, tolerance_m, preserve_topology=True)


def _zone_shares(pieces: pd.DataFrame | None) -> dict[str, list]:
    """Each district's school zones with the share of its area in each, largest first."""
    if pieces is None:
        return {}
    shares: dict[str, list] = {}
    for district, zone, share in zip(
        pieces["district"].astype(str),
        pieces["zone"].astype(str),
        pieces["district_share"],
        strict=True,
    ):
        shares.setdefault(district, []).append([zone, round(float(share), 4)])
    return shares


def _centers_inside(districts: gpd.GeoDataFrame, centers: gpd.GeoDataFrame) -> dict[str, list]:
    """The codes of the centres in each district (a centre on a shared boundary goes to
    the district with the lower code, as everywhere else)."""
    if not len(centers):
        return {}
    inside = lowest_covering_code(centers.geometry.to_numpy(), districts)
    found: dict[str, list] = {}
    for center, district in zip(centers["code"].astype(str), inside, strict=True):
        if district is not None:
            found.setdefault(str(district), []).append(center)
    return {district: sorted(codes) for district, codes in found.items()}


def _count(value: object) -> int | None:
    """A stored count as an int, None when missing."""
    return None if value is None or pd.isna(value) else int(value)

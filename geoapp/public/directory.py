"""The public directory of the city: each adopted community with its hub, districts,
schools and population, and the community of each district.

Built only from the adopted plan's public view (``Planning.public_plan``) and the public
layers, so nothing a planner keeps to the office (drafts, locks, history, accounts) can
reach a page or an answer made from it.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import date
from typing import Any

import geopandas as gpd
import numpy as np

from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES, WEB_CRS
from ..plans.geography import Geography
from .search import District, DistrictIndex

Bounds = list[list[float]]


@dataclass(frozen=True)
class Hub:
    """A community's hub facility as the centres layer gives it."""

    code: str
    name: str
    address: str
    kind: str
    lon: float
    lat: float


@dataclass(frozen=True)
class School:
    """An elementary school zone a community's districts mostly lie in."""

    zone: str
    name: str
    school: str


@dataclass(frozen=True)
class Community:
    """One community of the adopted plan, with its public fields and what it covers."""

    id: int
    name: str
    name_kana: str
    color: str
    description: str
    hub: Hub | None
    districts: list[District]
    schools: list[School]
    population: int | None
    households: int | None
    places: list[dict[str, Any]]
    bounds: Bounds | None


@dataclass(frozen=True)
class PublicPlan:
    """The adopted plan's public record."""

    id: int
    name: str
    version: int
    updated_at: str


@dataclass(frozen=True)
class CityLayers:
    """What the public map says of the public layers as a whole: how many features each
    holds (by layer name), the centres' kinds as the data gives them, where each school
    zone's name is written ({code: [lat, lon]}), and the city's population totals (None
    when any district's figure is unknown)."""

    counts: dict[str, int]
    center_kinds: tuple[object, ...]
    zone_labels: dict[str, list[float]]
    population: int | None
    population_65: int | None
    without_population: int


@dataclass(frozen=True)
class Directory:
    """Everything the public pages and API answer from, for one data generation and one
    version of the adopted plan (``plan`` None before any plan is adopted).
    ``population_loaded_on`` is the day the population figures were loaded: the data
    itself does not say as of when they were counted."""

    plan: PublicPlan | None
    communities: dict[int, Community]
    community_of: dict[str, int]
    index: DistrictIndex
    district_bounds: dict[str, Bounds]
    districts_web: gpd.GeoDataFrame
    population_loaded_on: date | None
    layers: CityLayers

    def community_of_district(self, code: str) -> Community | None:
        """The community a district belongs to (None when it is in none)."""
        cid = self.community_of.get(code)
        return None if cid is None else self.communities.get(cid)


def build_directory(
    public_plan: dict[str, Any] | None,
    geo: Geography,
    readings: dict[str, str],
    centers: gpd.GeoDataFrame,
    zones: gpd.GeoDataFrame,
    population_loaded_on: date | None,
    drop: tuple[str, ...] = (),
) -> Directory:
    """The directory of ``public_plan`` (the adopted plan's public view, or None) over the
    city's geography and its centres and school zones layers (any CRS). A district's
    reading is the one the city loaded (``readings``, by code), else the layer's."""
    districts = geo.districts
    kana = districts["name_kana"].fillna("").astype(str)
    entries = [
        District(code, str(name), readings.get(code) or reading)
        for code, name, reading in zip(geo.codes, districts["name"], kana, strict=True)
    ]
    web = districts[["code", "name", "geometry"]].to_crs(WEB_CRS)
    bounds = dict(zip(geo.codes, (_corners(row) for row in web.bounds.to_numpy()), strict=True))
    index = DistrictIndex(entries, drop)
    layers = _city_layers(geo, centers, zones)
    if public_plan is None:
        return Directory(None, {}, {}, index, bounds, web, population_loaded_on, layers)
    by_code = {entry.code: entry for entry in entries}
    hubs = _hubs(centers)
    school_of_zone = dict(zip(zones["code"].astype(str), _schools(zones), strict=True))
    members: dict[int, list[str]] = {}
    for code, cid in public_plan["assignments"].items():
        members.setdefault(cid, []).append(code)
    communities = {}
    for fields in public_plan["communities"]:
        codes = sorted(members.get(fields["id"], []))
        positions = geo.indices(codes)
        communities[fields["id"]] = Community(
            id=fields["id"],
            name=fields["name"],
            name_kana=fields.get("name_kana") or "",
            color=fields.get("color") or "#555555",
            description=fields.get("description") or "",
            hub=hubs.get(fields.get("hub_center") or ""),
            districts=[by_code[code] for code in codes],
            schools=_schools_of(geo, positions, school_of_zone),
            population=_known_sum(geo.population[positions]),
            households=_known_sum(geo.households[positions]),
            places=list(fields.get("places") or []),
            bounds=_merged([bounds[code] for code in codes]),
        )
    plan = PublicPlan(
        public_plan["id"], public_plan["name"], public_plan["version"], public_plan["updated_at"]
    )
    return Directory(
        plan,
        communities,
        dict(public_plan["assignments"]),
        index,
        bounds,
        web,
        population_loaded_on,
        layers,
    )


def _city_layers(geo: Geography, centers: gpd.GeoDataFrame, zones: gpd.GeoDataFrame) -> CityLayers:
    """The public layers' counts, centre kinds, school zone label points and totals."""
    return CityLayers(
        counts={
            DISTRICTS.name: geo.size,
            SCHOOL_ZONES.name: len(zones),
            CENTERS.name: len(centers),
        },
        center_kinds=tuple(centers["kind"]),
        zone_labels=zone_label_points(zones),
        population=_known_total(geo.population),
        population_65=_known_total(geo.population_65),
        without_population=int(np.isnan(geo.population).sum()),
    )


def zone_label_points(zones: gpd.GeoDataFrame) -> dict[str, list[float]]:
    """Where each school zone's name is written: {code: [lat, lon]} of a point inside it."""
    points = zones.geometry.representative_point().to_crs(WEB_CRS)
    return {
        str(code): [round(point.y, 6), round(point.x, 6)]
        for code, point in zip(zones["code"], points, strict=True)
        if point is not None and not point.is_empty
    }


def _corners(box: np.ndarray) -> Bounds:
    """[[south, west], [north, east]] of a (minx, miny, maxx, maxy) box."""
    minx, miny, maxx, maxy = (round(float(v), 6) for v in box)
    return [[miny, minx], [maxy, maxx]]


def _merged(boxes: list[Bounds]) -> Bounds | None:
    """The box holding every one of ``boxes`` (None for none)."""
    if not boxes:
        return None
    return [
        [min(b[0][0] for b in boxes), min(b[0][1] for b in boxes)],
        [max(b[1][0] for b in boxes), max(b[1][1] for b in boxes)],
    ]


def _hubs(centers: gpd.GeoDataFrame) -> dict[str, Hub]:
    """The centres by code, with their location in lon/lat."""
    if not len(centers):
        return {}
    points = centers.geometry.to_crs(WEB_CRS)
    text = centers[["code", "name", "address", "kind"]].fillna("").astype(str)
    return {
        row.code: Hub(row.code, row.name, row.address, row.kind, round(p.x, 6), round(p.y, 6))
        for row, p in zip(text.itertuples(), points, strict=True)
    }


def _schools(zones: gpd.GeoDataFrame) -> list[School]:
    """Each school zone as a ``School``."""
    text = zones[["code", "name", "school_name"]].fillna("").astype(str)
    return [School(row.code, row.name, row.school_name) for row in text.itertuples()]


def _schools_of(
    geo: Geography, positions: np.ndarray, school_of_zone: dict[str, School]
) -> list[School]:
    """The school zones in which some of the districts at ``positions`` mostly lie."""
    zone_positions = sorted({int(z) for z in geo.zone_index[positions] if z >= 0})
    codes = [geo.zone_codes[z] for z in zone_positions]
    return [school_of_zone[code] for code in codes if code in school_of_zone]


def _known_total(counts: np.ndarray) -> int | None:
    """The city's total of a count (0 for no districts), None when any is unknown."""
    return None if np.isnan(counts).any() else int(counts.sum())


def _known_sum(counts: np.ndarray) -> int | None:
    """The sum of counts, unknown (None) when any is unknown or there are none."""
    if not len(counts) or np.isnan(counts).any():
        return None
    total = float(counts.sum())
    return None if math.isnan(total) else int(total)

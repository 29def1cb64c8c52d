"""The published collections: one registry entry each, naming its public fields and how
its features are read. Only the fields listed here ever leave the server; a new
collection (organizations, grants) is one more entry.

Each reader returns a frame with an ``id`` column, the public fields and the geometry in
the working CRS (a collection without geometry returns a frame whose geometry is empty).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Literal

import geopandas as gpd
import pandas as pd

from ..errors import NotFound
from ..exports.layer_geojson import point_degrees
from ..layers import CENTERS, SCHOOL_ZONES
from ..plans.exchange import communities_frame, districts_frame
from ..plans.geography import Geography
from ..plans.model import PUBLIC_COMMUNITY_FIELDS, PlanState
from ..storage import Store


@dataclass(frozen=True)
class Published:
    """What a collection is read from: the store, the plan geography and the adopted
    plan's state (empty before a plan is adopted)."""

    store: Store
    geography: Geography
    adopted: PlanState
    working_srid: int


@dataclass(frozen=True)
class Collection:
    """One published collection: its id, titles, public fields and reader."""

    id: str
    title: str
    title_en: str
    description: str
    description_en: str
    fields: tuple[str, ...]
    read: Callable[[Published], gpd.GeoDataFrame]
    geometry_type: Literal["MultiPolygon", "Point"] | None = "MultiPolygon"


def _public(frame: gpd.GeoDataFrame, key: str, fields: tuple[str, ...]) -> gpd.GeoDataFrame:
    """``frame`` cut to ``id`` (from ``key``) and ``fields``, its geometry kept."""
    columns = {"id": frame[key].array, **{name: frame[name].array for name in fields}}
    return gpd.GeoDataFrame(columns, geometry=frame.geometry.to_numpy(), crs=frame.crs)


# The adopted plan's public community fields (not its important places, a nested list),
# the hub centre's name and the figures.
COMMUNITY_FIELDS = (
    *(name for name in PUBLIC_COMMUNITY_FIELDS if name not in ("id", "places")),
    "hub_name",
    "population",
    "households",
    "population_65",
    "districts",
)
DISTRICT_FIELDS = (
    "code",
    "name",
    "population",
    "households",
    "population_65",
    "community_id",
    "community",
)
SCHOOL_ZONE_FIELDS = (
    "code",
    "name",
    "school_name",
    "population",
    "school_location_lon",
    "school_location_lat",
)
HUB_FIELDS = (
    "code",
    "name",
    "name_kana",
    "kind",
    "address",
    "managed_by",
    "community_id",
    "community",
)


def read_communities(source: Published) -> gpd.GeoDataFrame:
    """The adopted plan's communities with their figures and boundaries."""
    return _public(communities_frame(source.geography, source.adopted), "id", COMMUNITY_FIELDS)


def read_districts(source: Published) -> gpd.GeoDataFrame:
    """Every district with the adopted community it is in."""
    return _public(districts_frame(source.geography, source.adopted), "code", DISTRICT_FIELDS)


def read_school_zones(source: Published) -> gpd.GeoDataFrame:
    """The elementary school zones, each school's location as lon/lat."""
    zones = source.store.read_layer(SCHOOL_ZONES)
    zones["school_location_lon"], zones["school_location_lat"] = point_degrees(
        zones["school_location"]
    )
    return _public(zones, "code", SCHOOL_ZONE_FIELDS)


def read_hubs(source: Published) -> gpd.GeoDataFrame:
    """The community centres, each with the adopted community it is the hub of."""
    centres = source.store.read_layer(CENTERS)
    hub_of = {
        community["hub_center"]: (cid, community["name"])
        for cid, community in sorted(source.adopted.communities.items(), reverse=True)
        if community.get("hub_center")
    }
    hubs = [hub_of.get(code, (None, None)) for code in centres["code"]]
    centres["community_id"] = pd.array([cid for cid, _ in hubs], dtype="Int64")
    centres["community"] = [name for _, name in hubs]
    return _public(centres, "code", HUB_FIELDS)


COLLECTIONS: tuple[Collection, ...] = (
    Collection(
        "communities",
        "広域コミュニティ",
        "Wide-area communities",
        "決定済みの区域案のコミュニティ（区域、人口、拠点施設）。",
        "The communities of the adopted plan: boundary, population and hub centre.",
        COMMUNITY_FIELDS,
        read_communities,
    ),
    Collection(
        "districts",
        "行政区",
        "Administrative districts",
        "行政区と、決定済みの区域案でそれぞれが属するコミュニティ。",
        "The administrative districts and the community of the adopted plan each is in.",
        DISTRICT_FIELDS,
        read_districts,
    ),
    Collection(
        "school-zones",
        "小学校区",
        "Elementary school zones",
        "小学校区と学校の位置。",
        "The elementary school zones and their schools' locations.",
        SCHOOL_ZONE_FIELDS,
        read_school_zones,
    ),
    Collection(
        "hubs",
        "拠点施設",
        "Hub centres",
        "コミュニティセンター・公民館などの拠点施設と、拠点とするコミュニティ。",
        "Community centres and halls, with the community each is the hub of.",
        HUB_FIELDS,
        read_hubs,
        "Point",
    ),
)


def collection_named(collection_id: str) -> Collection:
    """The published collection with this id; NotFound naming the ones there are."""
    for collection in COLLECTIONS:
        if collection.id == collection_id:
            return collection
    names = ", ".join(collection.id for collection in COLLECTIONS)
    raise NotFound(
        f"コレクション「{collection_id}」はありません（{names}）。",
        f"There is no collection {collection_id!r} (there are {names}).",
    )

"""The published collections: one registry entry each, naming its public fields, how its
features are read and what it is made of (the parts of ``storage.publication`` whose
stamps key its cache and ETag). Only the fields listed here ever leave the server; a new
collection is one more entry.

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
from ..organizations.scheme import Scheme
from ..organizations.service import Organizations
from ..plans.exchange import communities_frame, districts_frame
from ..plans.geography import Geography
from ..plans.model import PUBLIC_COMMUNITY_FIELDS, PlanState
from ..storage import Store
from ..storage.publication import Part
from ..subsidies.service import Subsidies
from ..translatable import InContext, Text


@dataclass(frozen=True)
class Published:
    """What a collection is read from: the store, the plan geography, the adopted plan's
    state (empty before a plan is adopted) and the community organizations."""

    store: Store
    geography: Geography
    adopted: PlanState
    working_srid: int
    organizations: Organizations


@dataclass(frozen=True)
class Collection:
    """One published collection: its id, title and description (Japanese, English from
    the catalogue), public fields and reader, its geometry type, the parts it is made of
    and whether it is offered as a Shapefile (a DBF table without geometry)."""

    id: str
    title: Text
    description: Text
    fields: tuple[str, ...]
    read: Callable[[Published], gpd.GeoDataFrame]
    geometry_type: Literal["MultiPolygon", "Point"] | None = "MultiPolygon"
    made_of: tuple[Part, ...] = ("data", "plan")
    shapefile: bool = True


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

# An organization's public fields (``Organizations.list_organizations`` for an anonymous
# visitor), its community's name and stage's name beside the keys, and the milestones
# reached as one text ("name date; …") rather than a nested object.
ORGANIZATION_FIELDS = (
    "community_id",
    "community",
    "name",
    "name_kana",
    "hub_center",
    "contact_public",
    "notes_public",
    "stage",
    "stage_name",
    "stage_since",
    "milestones",
)

# A grant's public fields: the fiscal year (and its 和暦 label), the program (key and name),
# who received it (organization id and name, community id and name) and the yen granted.
# Never the project, the amount asked, the notes, the exception, nor who recorded it.
GRANT_FIELDS = (
    "fiscal_year",
    "fiscal_year_label",
    "program",
    "program_name",
    "organization_id",
    "organization",
    "community_id",
    "community",
    "granted",
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


def read_organizations(source: Published) -> gpd.GeoDataFrame:
    """The active organizations as an anonymous visitor sees them, without geometry (the
    community's boundary is in ``communities``, joined by ``community_id``)."""
    scheme = source.organizations.scheme()
    rows = source.organizations.list_organizations(None)
    communities = source.adopted.communities
    table = pd.DataFrame(
        {
            "id": [row["id"] for row in rows],
            "community_id": pd.array([row["community_id"] for row in rows], dtype="Int64"),
            "community": [communities.get(row["community_id"], {}).get("name") for row in rows],
            **{name: [row[name] for row in rows] for name in ORGANIZATION_FIELDS[2:7]},
            "stage": [row["stage"] for row in rows],
            "stage_name": [_stage_name(scheme, row["stage"]) for row in rows],
            "stage_since": [row["stage_since"] for row in rows],
            "milestones": [_milestones_text(scheme, row["milestones"]) for row in rows],
        },
        columns=["id", *ORGANIZATION_FIELDS],
    )
    return gpd.GeoDataFrame(table, geometry=[None] * len(table), crs=source.working_srid)


def read_grants(source: Published) -> gpd.GeoDataFrame:
    """The grants of more than 0 (refusals are not grants), without geometry: join the
    communities by ``community_id`` to map them."""
    rows = Subsidies(source.store, source.organizations).published_grants()
    communities = source.adopted.communities
    table = pd.DataFrame(
        {
            "id": [int(row["id"]) for row in rows],
            **{name: [row[name] for row in rows] for name in GRANT_FIELDS[:4]},
            "organization_id": pd.array([row["organization_id"] for row in rows], dtype="Int64"),
            "organization": [row["organization"] for row in rows],
            "community_id": pd.array([row["community_id"] for row in rows], dtype="Int64"),
            "community": [communities.get(row["community_id"], {}).get("name") for row in rows],
            "granted": pd.array([row["granted"] for row in rows], dtype="Int64"),
        },
        columns=["id", *GRANT_FIELDS],
    )
    table["fiscal_year"] = table["fiscal_year"].astype("Int64")
    return gpd.GeoDataFrame(table, geometry=[None] * len(table), crs=source.working_srid)


def _stage_name(scheme: Scheme, key: str | None) -> str | None:
    """The Japanese name of a stage key (None before the first stage)."""
    stage = scheme.stage(key) if key else None
    return stage.name if stage else key


def _milestones_text(scheme: Scheme, reached: dict[str, str]) -> str | None:
    """The milestones reached as "name date" in date order, joined by "; "."""
    named = []
    for key, day in sorted(reached.items(), key=lambda pair: (pair[1], pair[0])):
        kind = scheme.milestone(key)
        named.append(f"{kind.name if kind else key} {day}")
    return "; ".join(named) or None


COLLECTIONS: tuple[Collection, ...] = (
    Collection(
        "communities",
        InContext("データセット名", "広域コミュニティ"),
        Text("決定済みの区域案のコミュニティ（区域、人口、拠点施設）。"),
        COMMUNITY_FIELDS,
        read_communities,
    ),
    Collection(
        "districts",
        Text("行政区"),
        Text("行政区と、決定済みの区域案でそれぞれが属するコミュニティ。"),
        DISTRICT_FIELDS,
        read_districts,
    ),
    Collection(
        "school-zones",
        Text("小学校区"),
        Text("小学校区と学校の位置。"),
        SCHOOL_ZONE_FIELDS,
        read_school_zones,
        made_of=("data",),
    ),
    Collection(
        "hubs",
        Text("拠点施設"),
        Text("コミュニティセンター・公民館などの拠点施設と、拠点とするコミュニティ。"),
        HUB_FIELDS,
        read_hubs,
        "Point",
    ),
    Collection(
        "organizations",
        Text("地域運営組織"),
        Text(
            "コミュニティごとの地域運営組織と、その段階・達成したマイルストーン（位置はなく、"
            "community_id でコミュニティの区域と結び付きます）。"
        ),
        ORGANIZATION_FIELDS,
        read_organizations,
        None,
        ("data", "plan", "organizations"),
        # Public notes may outgrow a DBF field (254 bytes): GeoPackage, GeoJSON and CSV.
        shapefile=False,
    ),
    Collection(
        "grants",
        Text("補助金の交付実績"),
        Text(
            "地域運営組織への補助金の交付（年度、補助制度、組織、コミュニティ、交付額（円））。"
            "不交付は含みません。位置はなく、community_id でコミュニティの区域と結び付きます。"
        ),
        GRANT_FIELDS,
        read_grants,
        None,
        ("data", "plan", "organizations", "grants"),
    ),
)


def collection_named(collection_id: str) -> Collection:
    """The published collection with this id; NotFound naming the ones there are."""
    for collection in COLLECTIONS:
        if collection.id == collection_id:
            return collection
    raise NotFound(
        Text(
            "コレクション「{collection}」はありません（{names}）。",
            collection=collection_id,
            names=[collection.id for collection in COLLECTIONS],
        )
    )

"""The fictional demo city (青葉川市) shipped in ``geodata/demo``.

Its Shapefiles arrive like real city data: a plane rectangular CRS and CP932 attributes
with no ``.cpg`` file, so loading them reads the DBF as CP932 explicitly.
"""

from __future__ import annotations

import logging
from pathlib import Path
from typing import Any

import geopandas as gpd
import pyogrio

from ..accounts.users import User, add_user, find_user
from ..city.model import City, load_city_preset
from ..errors import Conflict
from ..importing.district_readings import load_readings
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES, Layer
from ..plans.geography import Geography
from ..plans.service import Planning
from ..resources import geodata_dir
from ..storage import Store
from ..translatable import Text

logger = logging.getLogger(__name__)

DEMO_ENCODING = "cp932"
# Documented demo accounts (README): a planner and an administrator.
DEMO_ACCOUNTS = (("demo", "planner", "aobagawa-demo"), ("demo-admin", "admin", "aobagawa-admin"))
DEMO_TARGET_POPULATION = (3000, 10000)

# Shapefile field → stored field, per layer.
_FIELD_NAMES: dict[Layer, dict[str, str]] = {
    DISTRICTS: {
        "CODE": "code",
        "NAME": "name",
        "POP": "population",
        "HOUSEHOLDS": "households",
        "POP65": "population_65",
    },
    SCHOOL_ZONES: {"CODE": "code", "NAME": "name", "SCHOOL": "school_name"},
    CENTERS: {
        "CODE": "code",
        "NAME": "name",
        "NAME_KANA": "name_kana",
        "KIND": "kind",
        "ADDRESS": "address",
        "MANAGED": "managed_by",
    },
}
# How the demo layers' loads are recorded.
DEMO_SOURCE = "geodata/demo"
# The districts' readings, which the city keeps apart from its GIS layer.
READINGS_FILE = "district_readings.csv"
_FILE_NAMES = {DISTRICTS: "districts.shp", SCHOOL_ZONES: "school_zones.shp", CENTERS: "centers.shp"}


def demo_dir() -> Path:
    """The folder of the demo city's files."""
    return geodata_dir() / "demo"


def demo_city() -> City:
    """The demo city's settings."""
    return load_city_preset(demo_dir() / "city.toml")


def read_demo_layer(layer: Layer) -> gpd.GeoDataFrame:
    """One demo layer as a stored-layer frame."""
    raw = pyogrio.read_dataframe(demo_dir() / _FILE_NAMES[layer], encoding=DEMO_ENCODING)
    frame = raw.rename(columns=_FIELD_NAMES[layer])
    if layer is SCHOOL_ZONES:
        frame["school_location"] = gpd.points_from_xy(raw["SCHOOL_X"], raw["SCHOOL_Y"])
        frame = frame.drop(columns=["SCHOOL_X", "SCHOOL_Y"])
    frame["properties"] = [{} for _ in range(len(frame))]
    return frame


def load_demo_city(store: Store, force: bool = False) -> bool:
    """Set up ``store`` with the demo city unless it already holds it; True when loaded.

    Refuses to overwrite another city's data unless ``force`` is set.
    """
    store.upgrade()
    city = demo_city()
    stored = store.city()
    if stored is not None and not stored.demo and not force:
        raise Conflict(
            Text(
                "このデータベースには既に「{city}」のデータがあります。デモ用には別のデータベースを"
                "GEOAPP_DATABASE_URL で指定するか、--force で上書きしてください。",
                city=stored.name,
            )
        )
    if stored is not None and stored.demo and store.count(DISTRICTS) and not force:
        return False
    store.save_city(city)
    frames = {layer: read_demo_layer(layer).to_crs(city.working_crs) for layer in _FILE_NAMES}
    store.replace_layers(frames, source=DEMO_SOURCE)
    load_readings(store, demo_dir() / READINGS_FILE, source_name=DEMO_SOURCE)
    logger.info("loaded the demo city %s", city.name)
    return True


def prepare_demo_planning(store: Store, planning: Planning) -> list[str]:
    """Give the demo city its accounts, target population and two plans, unless they exist;
    what was made. The adopted plan has hubs, descriptions and important places; the draft
    copy has a few edits so its history has something to tell."""
    made = []
    for name, role, password in DEMO_ACCOUNTS:
        if find_user(store, name) is None:
            add_user(store, name, role, password)
            made.append(f"account {name} ({role}) / password {password}")
    admin = User("demo-admin", "admin")
    if planning.geography().target_population == (None, None):
        planning.set_targets(admin, *DEMO_TARGET_POPULATION)
    if not planning.list_plans():
        adopted = _adopted_plan(planning, admin)
        draft = _draft_plan(planning, adopted)
        made.append(f"plans {adopted} (adopted) and {draft} (draft)")
        logger.info("made the demo plans %s and %s", adopted, draft)
    return made


def _adopted_plan(planning: Planning, admin: User) -> int:
    """The plan in force: one community per school zone, each described, with its school
    as an important place and a hub chosen where the zone has two centres; its id."""
    plan = planning.create_plan(
        admin,
        "小学校区をもとにした区域（現行）",
        "各行政区を面積の大部分が属する小学校区に割り当てた案です。",
        "school_zones",
    )
    plan_id, version = plan["id"], plan["version"]
    schools = _schools_by_zone_name()
    for community in plan["communities"]:
        school, lon, lat = schools[community["name"]]
        version = planning.edit(
            admin,
            plan_id,
            version,
            "update_community",
            {
                "community": community["id"],
                "description": f"{school}の通学区域をもとにした地区です。",
                "places": [{"name": school, "lon": lon, "lat": lat, "note": "校区の小学校"}],
            },
        )["version"]
    for several in plan["checks"]["several_hubs"]:
        version = planning.edit(
            admin,
            plan_id,
            version,
            "update_community",
            {"community": several["community"], "hub_center": several["centers"][0]},
        )["version"]
    version = planning.set_status(admin, plan_id, version, "proposed")["version"]
    planning.set_status(admin, plan_id, version, "adopted")
    return plan_id


def _draft_plan(planning: Planning, adopted: int) -> int:
    """A planner's copy of the adopted plan with a few edits: border districts moved from
    the most populous community to its least populous neighbour, that neighbour renamed and
    the other hub chosen where a community holds two centres; its id."""
    planner = User("demo", "planner")
    plan = planning.create_plan(
        planner,
        "見直し案（作業中）",
        "現行の区域を複製した編集用の案です。",
        "copy",
        copy_of=adopted,
    )
    plan_id, version = plan["id"], plan["version"]
    geo = planning.geography()
    giver, taker, moved = _border_districts(geo, plan)
    version = planning.edit(
        planner, plan_id, version, "assign", {"community": taker, "districts": moved}
    )["version"]
    name = next(c["name"] for c in plan["communities"] if c["id"] == taker)
    version = planning.edit(
        planner,
        plan_id,
        version,
        "update_community",
        {"community": taker, "name": name.replace("小学校区", "地区まちづくり協議会")},
    )["version"]
    hubs = {c["id"]: c["hub_center"] for c in plan["communities"]}
    for community, centers in sorted(_centres_by_community(geo, plan["assignments"]).items()):
        others = [code for code in centers if code != hubs[community]]
        if hubs[community] and others:
            planning.edit(
                planner,
                plan_id,
                version,
                "update_community",
                {"community": community, "hub_center": others[0]},
            )
            break
    logger.info("demo draft: %d districts from community %s to %s", len(moved), giver, taker)
    return plan_id


def _border_districts(geo: Geography, plan: dict[str, Any]) -> tuple[int, int, list[str]]:
    """The most populous community, its least populous neighbour, and up to three of its
    districts along their shared boundary."""
    assignments = plan["assignments"]
    population = {c["id"]: c["population"] or 0 for c in plan["checks"]["communities"]}
    giver = max(population, key=lambda cid: (population[cid], -cid))
    touching: dict[int, set[str]] = {}
    for a, b in zip(geo.edge_a, geo.edge_b, strict=True):
        for mine, theirs in ((a, b), (b, a)):
            here, there = geo.codes[mine], geo.codes[theirs]
            if assignments.get(here) == giver and assignments.get(there) not in (None, giver):
                touching.setdefault(assignments[there], set()).add(here)
    taker = min(touching, key=lambda cid: (population[cid], cid))
    return giver, taker, sorted(touching[taker])[:3]


def _centres_by_community(geo: Geography, assignments: dict[str, int]) -> dict[int, list[str]]:
    """The codes of the centres inside each community."""
    centres: dict[int, list[str]] = {}
    for code, position in zip(geo.center_codes, geo.center_district, strict=True):
        community = assignments.get(geo.codes[position]) if position >= 0 else None
        if community is not None:
            centres.setdefault(community, []).append(code)
    return centres


def _schools_by_zone_name() -> dict[str, tuple[str, float, float]]:
    """Each school zone's school: its name, longitude and latitude, by zone name."""
    zones = read_demo_layer(SCHOOL_ZONES)
    points = gpd.GeoSeries(zones["school_location"], crs=zones.crs).to_crs(4326)
    return {
        name: (school, round(point.x, 6), round(point.y, 6))
        for name, school, point in zip(zones["name"], zones["school_name"], points, strict=True)
    }

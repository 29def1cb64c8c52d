"""The fictional demo city (青葉川市) shipped in ``geodata/demo``.

Its Shapefiles arrive like real city data: a plane rectangular CRS and CP932 attributes
with no ``.cpg`` file, so loading them reads the DBF as CP932 explicitly.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pyogrio

from ..accounts.users import User, add_user, find_user
from ..city.model import City, load_city_preset
from ..errors import Conflict
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES, Layer
from ..plans.service import Planning
from ..resources import geodata_dir
from ..storage import Store

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
        "NAME_KANA": "name_kana",
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
            f"このデータベースには既に「{stored.name}」のデータがあります。デモ用には別のデータベースを"
            "GEOAPP_DATABASE_URL で指定するか、--force で上書きしてください。",
            f"This database already holds {stored.name}; point GEOAPP_DATABASE_URL at another "
            "database for the demo, or pass --force to overwrite it.",
        )
    if stored is not None and stored.demo and store.count(DISTRICTS) and not force:
        return False
    store.save_city(city)
    frames = {layer: read_demo_layer(layer).to_crs(city.working_crs) for layer in _FILE_NAMES}
    store.replace_layers(frames, source=DEMO_SOURCE)
    logger.info("loaded the demo city %s", city.name)
    return True


def prepare_demo_planning(store: Store, planning: Planning) -> list[str]:
    """Give the demo city its accounts, target population and two plans (an adopted one
    from the school zones and a draft copy to edit), unless they exist; what was made."""
    made = []
    for name, role, password in DEMO_ACCOUNTS:
        if find_user(store, name) is None:
            add_user(store, name, role, password)
            made.append(f"account {name} ({role}) / password {password}")
    admin = User("demo-admin", "admin")
    if planning.geography().target_population == (None, None):
        planning.set_targets(admin, *DEMO_TARGET_POPULATION)
    if not planning.list_plans():
        adopted = planning.create_plan(
            admin,
            "小学校区をもとにした区域（現行）",
            "各行政区を面積の大部分が属する小学校区に割り当てた案です。",
            "school_zones",
        )
        step = planning.set_status(admin, adopted["id"], adopted["version"], "proposed")
        planning.set_status(admin, adopted["id"], step["version"], "adopted")
        draft = planning.create_plan(
            User("demo", "planner"),
            "見直し案（作業中）",
            "現行の区域を複製した編集用の案です。",
            "copy",
            copy_of=adopted["id"],
        )
        made.append(f"plans {adopted['id']} (adopted) and {draft['id']} (draft)")
        logger.info("made the demo plans %s and %s", adopted["id"], draft["id"])
    return made

"""The fictional demo city (青葉川市) shipped in ``geodata/demo``.

Its Shapefiles arrive like real city data: a plane rectangular CRS and CP932 attributes
with no ``.cpg`` file, so loading them reads the DBF as CP932 explicitly.
"""

from __future__ import annotations

import logging
from pathlib import Path

import geopandas as gpd
import pyogrio

from .city import City, load_city_preset
from .errors import Conflict
from .layers import CENTERS, DISTRICTS, SCHOOL_ZONES, Layer
from .resources import geodata_dir
from .storage import Store

logger = logging.getLogger(__name__)

DEMO_ENCODING = "cp932"

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
    if stored is not None and stored.municipality_code != city.municipality_code and not force:
        raise Conflict(
            f"このデータベースには既に「{stored.name}」のデータがあります。デモ用には別のデータベースを"
            "GEOAPP_DATABASE_URL で指定するか、--force で上書きしてください。",
            f"This database already holds {stored.name}; point GEOAPP_DATABASE_URL at another "
            "database for the demo, or pass --force to overwrite it.",
        )
    if stored == city and store.count(DISTRICTS) and not force:
        return False
    store.save_city(city)
    frames = {layer: read_demo_layer(layer).to_crs(city.working_crs) for layer in _FILE_NAMES}
    store.replace_layers(frames, source="geodata/demo")
    logger.info("loaded the demo city %s", city.name)
    return True

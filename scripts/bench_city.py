"""The generated city the benchmarks share: an app on a database, with the city's layers.

Each benchmark passes its own generated layers (``bench_plan_edits.generated_city`` or
``bench_organizations.generated_city``) and goes on from the app this returns.
"""

from __future__ import annotations

from pathlib import Path

import geopandas as gpd
from flask import Flask

from geoapp import create_app
from geoapp.accounts.users import User
from geoapp.city.model import City
from geoapp.layers import Layer

SRID = 6676


def city_app(database_url: str, instance: Path, layers: dict[Layer, gpd.GeoDataFrame]) -> Flask:
    """The app on ``database_url``, upgraded, holding ベンチ市 and ``layers``."""
    app = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "bench",
            "CRS": SRID,
        }
    )
    store = app.extensions["geoapp.store"]
    store.upgrade()
    store.save_city(City("ベンチ市", "べんちし", "999997", SRID))
    store.replace_layers(layers, source="generated")
    return app


def adopt_school_zone_plan(app: Flask, admin: User) -> int:
    """Create the plan that follows the school zones and adopt it; its id."""
    planning = app.extensions["geoapp.plans"]
    plan = planning.create_plan(admin, "小学校区案", source="school_zones")
    planning.set_status(admin, plan["id"], plan["version"], "proposed")
    planning.set_status(admin, plan["id"], plan["version"] + 1, "adopted")
    return plan["id"]

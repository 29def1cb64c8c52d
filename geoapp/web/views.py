"""Pages and API routes of the map: thin views over the store and the map builder."""

from __future__ import annotations

from datetime import date
from typing import Any

import geopandas as gpd
import pandas as pd
from flask import Blueprint, current_app, jsonify, render_template
from werkzeug.wrappers import Response

from ..city.model import DEFAULT_CENTER_KINDS, City
from ..demo.city import DEMO_SOURCE
from ..errors import NotFound
from ..exports.layer_geojson import layer_export_frame
from ..exports.rfc7946 import geojson_text
from ..japanese_calendar import fiscal_year, fiscal_year_label, wareki_date
from ..layers import CENTERS, DISTRICTS, LAYERS, SCHOOL_ZONES, WEB_CRS, layer_named
from ..plans.exchange import communities_frame
from ..plans.service import Planning
from . import content_policy, current
from .basemap import Basemap, basemap_for
from .i18n import request_language
from .map_credits import add_credits
from .vendor_assets import leaflet_css_url, leaflet_js_url
from .webmap import city_map, render_map

blueprint = Blueprint("pages", __name__)


def city_basemap(city: City | None) -> Basemap:
    """The base map: the GEOAPP_BASEMAP setting (with GEOAPP_BASEMAP_ATTRIBUTION), else the
    city's own, else GSI pale (attributions are text, shown escaped); the page's
    Content-Security-Policy then allows its tiles."""
    settings = current_app.config["GEOAPP"]
    if settings.basemap:
        setting, attribution = settings.basemap, settings.basemap_attribution
    elif city is None:
        setting, attribution = "gsi-pale", ""
    else:
        setting, attribution = city.basemap, city.basemap_attribution
    basemap = basemap_for(setting, attribution)
    content_policy.allow_tiles(basemap)
    return basemap


@blueprint.get("/")
def home() -> str:
    """The city map: districts, school zones and community centres."""
    lang = request_language()
    db = current.store()
    db.require_current_schema()
    city = db.city()
    frames = {layer: db.read_layer(layer) for layer in LAYERS}
    basemap = city_basemap(city)
    plan, communities = adopted_communities()
    kinds = city.center_kinds if city else DEFAULT_CENTER_KINDS
    fmap = city_map(frames, basemap, lang, leaflet_js_url(), leaflet_css_url(), communities, kinds)
    add_credits(fmap, city.credits if city else "")
    imports = db.layer_imports(limit=20)
    loaded_on = imports[0].imported_at.date() if imports else None
    latest = {}
    for load in imports:
        latest.setdefault(load.layer, load.source)
    districts = frames[DISTRICTS]
    population = known_total(districts["population"])
    population_65 = known_total(districts["population_65"])
    today = date.today()
    return render_template(
        "web/home.html",
        lang=lang,
        city=city,
        map=render_map(fmap, content_policy.nonce()),
        basemap=basemap,
        counts={layer.name: len(frames[layer]) for layer in LAYERS},
        layers={"districts": DISTRICTS, "school_zones": SCHOOL_ZONES, "centers": CENTERS},
        population=population,
        without_population=int(districts["population"].isna().sum()),
        ageing=population_65 / population if population and population_65 is not None else None,
        loaded_on=wareki_date(loaded_on) if loaded_on else None,
        loaded_on_iso=loaded_on.isoformat() if loaded_on else None,
        fiscal_year=fiscal_year(today),
        fiscal_year_label=fiscal_year_label(fiscal_year(today)),
        plan=plan,
        community_count=len(communities) if communities is not None else 0,
        demo_data=all(source == DEMO_SOURCE for source in latest.values()),
    )


def known_total(counts: pd.Series) -> int | None:
    """The city's total of a count, unknown (None) when any district's is."""
    return None if counts.isna().any() else int(counts.sum())


def adopted_communities() -> tuple[dict[str, Any] | None, gpd.GeoDataFrame | None]:
    """The adopted plan's record and its communities (none before a plan is adopted)."""
    planning: Planning = current.planning()
    try:
        row, state = planning.state(planning.adopted_plan_id())
    except NotFound:
        return None, None
    return row, communities_frame(planning.geography(), state)


@blueprint.get("/api/layers/<name>")
def layer_geojson(name: str) -> Response:
    """A layer as GeoJSON in lon/lat (RFC 7946), flat so that it imports back."""
    layer = layer_named(name)
    frame = layer_export_frame(layer, current.store().read_layer(layer, crs=WEB_CRS))
    return current_app.response_class(geojson_text(frame), mimetype="application/geo+json")


@blueprint.get("/healthz")
def healthz() -> tuple[Response, int]:
    """Whether the database answers and its schema is current."""
    db = current.store()
    db.ping()
    db.require_current_schema()
    city = db.city()
    body = {
        "status": "ok",
        "database": db.backend,
        "schema_version": db.schema_version(),
        "city": city.name if city else None,
    }
    return jsonify(body), 200

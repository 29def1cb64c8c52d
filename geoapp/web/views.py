"""Pages and API routes of the map: thin views over the store and the map builder."""

from __future__ import annotations

from datetime import date
from typing import Any

import folium
import geopandas as gpd
import pandas as pd
from flask import Blueprint, current_app, jsonify, render_template, url_for
from werkzeug.wrappers import Response

from ..city.model import DEFAULT_CENTER_KINDS, City
from ..demo.city import DEMO_SOURCE
from ..errors import NotFound
from ..exports.layer_geojson import layer_export_frame
from ..exports.rfc7946 import geojson_text
from ..japanese_calendar import fiscal_year, fiscal_year_label, wareki_date
from ..layers import CENTERS, DISTRICTS, LAYERS, SCHOOL_ZONES, WEB_CRS, Layer, layer_named
from ..plans.exchange import communities_frame
from ..plans.service import Planning
from ..public.directory import Directory
from ..public.requests import PageView
from . import content_policy, current
from .basemap import Basemap, basemap_for
from .i18n import request_language
from .map_credits import add_credits
from .validation import from_args
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
    """The city map: districts, school zones and community centres; ``?embed=1`` without
    the header, for a city's website."""
    view = from_args(PageView)
    lang = request_language()
    db = current.store()
    db.require_current_schema()
    city = db.city()
    frames = {layer: db.read_layer(layer) for layer in LAYERS}
    basemap = city_basemap(city)
    plan, communities = adopted_communities()
    directory = current.public_map().directory()
    fmap = public_city_map(city, frames, basemap, communities, directory, lang)
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
        embed=view.embed,
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
        communities=sorted(directory.communities.values(), key=lambda c: c.id),
        page_data=map_page_data(directory),
    )


def public_city_map(
    city: City | None,
    frames: dict[Layer, gpd.GeoDataFrame],
    basemap: Basemap,
    communities: gpd.GeoDataFrame | None,
    directory: Directory,
    lang: str,
) -> folium.Map:
    """The public map of the city with its credits; each district's popup names its
    community once a plan is adopted."""
    kinds = city.center_kinds if city else DEFAULT_CENTER_KINDS
    community_of = {
        code: directory.communities[cid].name for code, cid in directory.community_of.items()
    }
    fmap = city_map(
        frames,
        basemap,
        lang,
        leaflet_js_url(),
        leaflet_css_url(),
        communities,
        kinds,
        community_of if directory.plan else None,
    )
    add_credits(fmap, city.credits if city else "")
    return fmap


def map_page_data(directory: Directory) -> dict[str, Any]:
    """What the public map's script needs: the API's addresses and each community's id,
    name, colour and extent (its messages come with every page, base.html)."""
    return {
        "search": url_for("public_api.search"),
        "at": url_for("public_api.at_point"),
        "community_url": url_for("public.community", community_id=0),
        "communities": [
            {"id": c.id, "name": c.name, "color": c.color, "bounds": c.bounds}
            for c in sorted(directory.communities.values(), key=lambda c: c.id)
        ],
    }


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

"""Pages and API routes of the map: thin views over the store and the map builder."""

from __future__ import annotations

from datetime import date
from typing import Any

import folium
import geopandas as gpd
from flask import Blueprint, current_app, jsonify, render_template, url_for
from werkzeug.wrappers import Response

from ..city.center_kinds import center_kind_scheme
from ..city.model import DEFAULT_CENTER_KINDS, City
from ..demo.city import DEMO_SOURCE
from ..errors import NotFound
from ..exports.layer_geojson import layer_export_frame
from ..exports.rfc7946 import geojson_text
from ..japanese_calendar import fiscal_year
from ..layers import CENTERS, DISTRICTS, SCHOOL_ZONES, WEB_CRS, layer_named
from ..ogcapi.documents import MAX_LIMIT
from ..opendata.catalogue import LICENCE
from ..plans.exchange import communities_frame
from ..plans.service import Planning
from ..public.colourings import community_colouring
from ..public.directory import Directory
from ..public.map_frame import public_map_frame
from ..public.requests import ColouringQuery, PageView
from . import content_policy, current
from .basemap import Basemap, basemap_for
from .i18n import request_language
from .map_credits import add_credits
from .validation import from_args
from .vendor_assets import leaflet_css_url, leaflet_js_url
from .webmap import ZONE_COLOR, kind_text, lonlat_bounds, render_map

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
    shown = from_args(ColouringQuery)
    lang = request_language()
    db = current.store()
    db.require_current_schema()
    city = db.city()
    basemap = city_basemap(city)
    directory = current.public_map().directory()
    fmap, page_data = public_map(city, basemap, directory, shown, lang)
    imports = db.layer_imports(limit=20)
    loaded_on = imports[0].imported_at.date() if imports else None
    latest = {}
    for load in imports:
        latest.setdefault(load.layer, load.source)
    layers = directory.layers
    population, population_65 = layers.population, layers.population_65
    today = date.today()
    return render_template(
        "web/home.html",
        lang=lang,
        embed=view.embed,
        city=city,
        map=render_map(fmap, content_policy.nonce()),
        basemap=basemap,
        counts=layers.counts,
        layers={"districts": DISTRICTS, "school_zones": SCHOOL_ZONES, "centers": CENTERS},
        population=population,
        without_population=layers.without_population,
        ageing=population_65 / population if population and population_65 is not None else None,
        loaded_on=loaded_on,
        fiscal_year=fiscal_year(today),
        plan=directory.plan,
        community_count=len(directory.communities),
        demo_data=all(source == DEMO_SOURCE for source in latest.values()),
        communities=sorted(directory.communities.values(), key=lambda c: c.id),
        page_data=page_data,
        colouring=page_data["colouring"],
        fiscal_years=current.subsidies().fiscal_years(),
        licence=LICENCE,
    )


def public_map(
    city: City | None,
    basemap: Basemap,
    directory: Directory,
    view: ColouringQuery,
    lang: str,
) -> tuple[folium.Map, dict[str, Any]]:
    """The public map's frame with its credits (no shapes), and what its script needs to
    draw them: the collections to fetch, the colouring ``view`` asks for, the centres'
    kinds, the API's addresses and the page's messages."""
    kinds = city.center_kinds if city else DEFAULT_CENTER_KINDS
    layers = directory.layers
    centers = center_kind_scheme(kinds, layers.center_kinds)
    colouring = community_colouring(
        current.organizations(),
        current.subsidies(),
        directory.communities,
        view.layer,
        view.fiscal_year,
        lang,
    )
    counts = {
        "districts": layers.counts[DISTRICTS.name],
        "communities": sum(1 for c in directory.communities.values() if c.bounds),
        "school-zones": layers.counts[SCHOOL_ZONES.name],
        "hubs": layers.counts[CENTERS.name],
    }
    districts = directory.districts_web
    bounds = lonlat_bounds(districts) if len(districts) else None
    leaflet = (leaflet_js_url(), leaflet_css_url())
    frame = public_map_frame(basemap, lang, leaflet, bounds, counts, colouring, centers)
    add_credits(frame.fmap, city.credits if city else "")
    data = map_page_data(directory)
    data.update(
        groups=frame.groups,
        collections={
            key: url_for("ogcapi.items", collection_id=key, limit=MAX_LIMIT) for key in frame.groups
        },
        colouring=colouring.as_json(),
        colouring_url=url_for("public_api.colouring"),
        zone_color=ZONE_COLOR,
        zone_labels=layers.zone_labels,
        kinds={
            raw: {"color": entry.color, "label": kind_text(centers, raw, lang)}
            for raw, entry in centers.by_raw.items()
        },
    )
    return frame.fmap, data


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

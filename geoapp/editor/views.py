"""The boundary editor's pages (plan list, editor, comparison) and the two API routes
only the editor needs: the city's display layers and the lasso selection.

Edits themselves go through the plans API (``/api/plans``); these views only render
pages and hand the browser what it draws.
"""

from __future__ import annotations

from typing import Annotated, Any

import geopandas as gpd
import shapely
from flask import Blueprint, current_app, render_template, request
from pydantic import Field
from werkzeug.wrappers import Response

from ..accounts.views import login_required, require_user
from ..geometry.lasso import districts_mostly_inside
from ..layers import SCHOOL_ZONES, WEB_CRS
from ..plans.edits import PALETTE
from ..plans.model import TRANSITIONS, status_names
from ..plans.service import EDITABLE_STATUSES
from ..web import current
from ..web.content_policy import nonce
from ..web.i18n import request_language
from ..web.map_credits import add_credits
from ..web.validation import OptionalId, QueryModel, RequestModel, from_args, from_json
from ..web.vendor_assets import leaflet_css_url, leaflet_js_url
from ..web.views import city_basemap
from ..web.webmap import base_map, lonlat_bounds, render_map
from .display import CityDisplay

blueprint = Blueprint("editor", __name__)
api = Blueprint("editor_api", __name__, url_prefix="/api/editor")

MAX_LASSO_POINTS = 5000
STAFF = ("admin", "planner")


LassoPoint = tuple[Annotated[float, Field(ge=-180, le=180)], Annotated[float, Field(ge=-90, le=90)]]


class Lasso(RequestModel):
    """``POST /api/editor/lasso``: the drawn loop as [lon, lat] points."""

    polygon: Annotated[list[LassoPoint], Field(min_length=3, max_length=MAX_LASSO_POINTS)]


class ComparedPlans(QueryModel):
    """``?a=&b=`` of the comparison page (the two latest plans when not given)."""

    a: OptionalId = None
    b: OptionalId = None


def display() -> CityDisplay:
    """The app's cached display layers."""
    return current_app.extensions.setdefault("geoapp.city_display", CityDisplay())


def page_map(lang: str) -> Any:
    """The rendered folium base map the editor's script draws on, opening on the city."""
    city = current.store().city()
    bounds = lonlat_bounds(current.planning().geography().districts)
    fmap = base_map(city_basemap(city), lang, leaflet_js_url(), leaflet_css_url(), bounds)
    add_credits(fmap, city.credits if city else "")
    return render_map(fmap, nonce())


@blueprint.get("/plans/")
@login_required(*STAFF)
def plans() -> str:
    """Every plan, with forms to create, copy and import one."""
    return render_template(
        "editor/plans.html",
        plans=current.planning().list_plans(),
        status_names=status_names(request_language()),
        has_zones=current.store().count(SCHOOL_ZONES) > 0,
    )


@blueprint.get("/plans/<int:plan_id>/edit")
@login_required(*STAFF)
def edit(plan_id: int) -> str:
    """The boundary editor of one plan."""
    lang = request_language()
    plan = current.planning().plan(plan_id)
    return render_template(
        "editor/editor.html",
        plan=plan,
        map=page_map(lang),
        status_names=status_names(lang),
        transitions={status: sorted(after) for status, after in TRANSITIONS.items()},
        editable_statuses=EDITABLE_STATUSES,
        palette=list(PALETTE),
        user=require_user(),
    )


@blueprint.get("/plans/compare")
@login_required(*STAFF)
def compare() -> str:
    """Two plans side by side: a map of the districts that differ and a table."""
    lang = request_language()
    asked = from_args(ComparedPlans)
    listed = current.planning().list_plans()
    ids = [plan["id"] for plan in listed]
    first = asked.a or (ids[1] if len(ids) > 1 else (ids[0] if ids else None))
    second = asked.b or (ids[0] if ids else None)
    comparison = current.planning().compare(first, second) if first and second else None
    return render_template(
        "editor/compare.html",
        plans=listed,
        first=first,
        second=second,
        comparison=comparison,
        map=page_map(lang),
    )


@api.before_request
def require_staff() -> None:
    """Only admins and planners use the editor's API."""
    require_user(*STAFF)


@api.get("/city")
def city() -> Response:
    """The city's districts (simplified, with their figures), zones and centres in lon/lat;
    cached by the browser until the layers change."""
    stamp, body = display().payload(current.store())
    response = current_app.response_class(body, mimetype="application/json")
    response.set_etag(stamp)
    response.cache_control.private = True
    response.cache_control.no_cache = True
    return response.make_conditional(request)


@api.post("/lasso")
def lasso() -> Response:
    """The districts with most of their area inside ``{"polygon": [[lon, lat], …]}``."""
    ring = from_json(Lasso).polygon
    shape = shapely.Polygon(ring)
    districts = current.planning().geography().districts
    working = gpd.GeoSeries([shape], crs=WEB_CRS).to_crs(districts.crs).iloc[0]
    return current_app.json.response({"districts": districts_mostly_inside(districts, working)})

"""The public map's routes, for anyone: search, the community at a point, each
community's page."""

from __future__ import annotations

from datetime import date

from flask import Blueprint, jsonify, render_template, url_for
from markupsafe import Markup
from werkzeug.wrappers import Response

from .. import formatting
from ..web import content_policy, current
from ..web.i18n import request_language
from ..web.map_credits import add_credits
from ..web.validation import from_args
from ..web.vendor_assets import leaflet_css_url, leaflet_js_url
from ..web.views import city_basemap, public_map
from ..web.webmap import render_map
from .colourings import community_colouring
from .community_map import community_map
from .paper import PAPER_SIZES, qr_code_svg
from .requests import ColouringQuery, PageView, PointQuery, PrintView, SearchPage, SearchQuery
from .service import community_grants, community_organization, shown_date

api = Blueprint("public_api", __name__, url_prefix="/api/public")
pages = Blueprint("public", __name__)


@api.get("/search")
def search() -> Response:
    """「私の地域はどこ？」: districts by name, reading, code or address, best first."""
    return jsonify(current.public_map().search(from_args(SearchQuery).q))


@api.get("/at")
def at_point() -> Response:
    """The district and community at ``?lon=&lat=`` (a map click, the browser's location)."""
    point = from_args(PointQuery)
    return jsonify(current.public_map().at_point(point.lon, point.lat))


@pages.get("/search")
def search_page() -> str:
    """「私の地域はどこ？」 without JavaScript: the map page's search form answered by a page
    listing every match with its community (linked to its page) and hub."""
    view = from_args(SearchPage)
    answer = current.public_map().search(view.q) if view.q else None
    return render_template(
        "public/search.html",
        lang=request_language(),
        city=current.store().city(),
        embed=view.embed,
        q=view.q,
        answer=answer,
    )


@api.get("/colouring")
def colouring() -> Response:
    """The public map's colouring of the adopted communities: by their organization's
    stage, or by the subsidies of ``fiscal_year`` (this one by default); fills and legend."""
    asked = from_args(ColouringQuery)
    communities = current.public_map().directory().communities
    found = community_colouring(
        current.organizations(),
        current.subsidies(),
        communities,
        asked.layer,
        asked.fiscal_year,
        request_language(),
    )
    return jsonify(found.as_json())


@pages.get("/communities/<int:community_id>")
def community(community_id: int) -> str:
    """A community's public page: its hub, districts, schools, population and a small map."""
    lang = request_language()
    view = from_args(PageView)
    directory, found = current.public_map().community(community_id)
    city = current.store().city()
    basemap = city_basemap(city)
    fmap = community_map(directory, found, basemap, lang, leaflet_js_url(), leaflet_css_url())
    add_credits(fmap, city.credits if city else "")
    organization = community_organization(current.organizations(), community_id, lang)
    loaded = directory.population_loaded_on
    return render_template(
        "public/community.html",
        lang=lang,
        city=city,
        embed=view.embed,
        community=found,
        organization=organization,
        grants=community_grants(current.subsidies(), organization["id"], lang)
        if organization
        else None,
        plan=directory.plan,
        map=render_map(fmap, content_policy.nonce()),
        population_loaded=shown_date(loaded, lang) if loaded else None,
    )


@pages.get("/print")
def print_map() -> str:
    """The public map laid out for paper (A4 or A3, either way up): title, legend, scale
    bar, north arrow, credits, date and a QR code opening the same view."""
    view = from_args(PrintView)
    lang = request_language()
    store = current.store()
    city = store.city()
    basemap = city_basemap(city)
    directory = current.public_map().directory()
    fmap, page_data = public_map(city, basemap, directory, view, lang)
    same_view = url_for("pages.home", _external=True, **view.query())
    today = date.today()
    return render_template(
        "public/print.html",
        lang=lang,
        embed=True,
        city=city,
        view=view,
        paper=PAPER_SIZES[view.paper, view.orientation],
        map=render_map(fmap, content_policy.nonce()),
        basemap=basemap,
        plan=directory.plan,
        printed_on=formatting.day(today, lang),
        printed_on_iso=today.isoformat(),
        qr_svg=Markup(qr_code_svg(same_view)),
        same_view=same_view,
        page_data=page_data,
    )

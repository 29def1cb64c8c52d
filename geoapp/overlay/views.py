"""The overlay page and its JSON, CSV and GeoJSON API: thin views over ``city_overlay``."""

from __future__ import annotations

from typing import Annotated

from flask import Blueprint, jsonify, render_template, url_for
from pydantic import BeforeValidator, Field
from werkzeug.wrappers import Response

from ..city.model import DEFAULT_CENTER_KINDS
from ..errors import NotFound
from ..exports.spreadsheet_csv import frame_csv_bytes
from ..layers import WEB_CRS
from ..web.content_policy import nonce
from ..web.current import store
from ..web.downloads import attachment
from ..web.i18n import request_language
from ..web.map_credits import add_credits
from ..web.validation import QueryModel, blank_is_none, from_args
from ..web.vendor_assets import leaflet_css_url, leaflet_js_url
from ..web.views import city_basemap
from ..web.webmap import render_map
from .map import overlay_map
from .stored_city import city_overlay
from .zones import DEFAULT_SPLIT_THRESHOLD

blueprint = Blueprint("overlay", __name__)

THRESHOLD_CHOICES = (0.01, 0.02, 0.05, 0.1, 0.2)


class OverlayQuery(QueryModel):
    """``?threshold=``: the second zone's share above which a district counts as split."""

    threshold: Annotated[
        Annotated[float, Field(ge=0, lt=0.5)] | None, BeforeValidator(blank_is_none)
    ] = None


def requested_threshold() -> float:
    """The ``threshold`` query parameter (a fraction, default 0.05)."""
    given = from_args(OverlayQuery).threshold
    return DEFAULT_SPLIT_THRESHOLD if given is None else given


@blueprint.get("/overlay")
def overlay_page() -> str:
    """The overlay map with its summary, split districts and zone figures."""
    lang = request_language()
    db = store()
    db.require_current_schema()
    city = db.city()
    threshold = requested_threshold()
    try:
        report = city_overlay(db, threshold)
    except NotFound as missing:
        return render_template(
            "overlay/overlay.html", city=city, missing=missing, report=None, threshold=threshold
        )
    kinds = city.center_kinds if city else DEFAULT_CENTER_KINDS
    fmap = overlay_map(report, city_basemap(city), lang, leaflet_js_url(), leaflet_css_url(), kinds)
    add_credits(fmap, city.credits if city else "")
    data = report.to_dict()
    downloads = {
        kind: url_for(f"overlay.{endpoint}", threshold=threshold)
        for kind, endpoint in (("JSON", "api"), ("CSV", "csv"), ("GeoJSON", "geojson"))
    }
    choices = sorted({*THRESHOLD_CHOICES, threshold})
    return render_template(
        "overlay/overlay.html",
        city=city,
        map=render_map(fmap, nonce()),
        report=data,
        summary=data["summary"],
        zone_names={zone["code"]: zone["name"] for zone in data["zones"]},
        threshold=threshold,
        choices=choices,
        downloads=downloads,
        missing=None,
    )


@blueprint.get("/api/overlay")
def api() -> Response:
    """The overlay report as JSON (the same content as ``geoapp overlay --json``)."""
    return jsonify(city_overlay(store(), requested_threshold()).to_dict())


@blueprint.get("/api/overlay/pieces.csv")
def csv() -> Response:
    """The pieces table as a CSV download (UTF-8 with BOM, for Excel)."""
    table = city_overlay(store(), requested_threshold()).piece_table()
    return attachment(frame_csv_bytes(table), "text/csv", "overlay-pieces.csv")


@blueprint.get("/api/overlay/pieces.geojson")
def geojson() -> Response:
    """The pieces with their shares as GeoJSON in lon/lat (RFC 7946)."""
    shapes = city_overlay(store(), requested_threshold()).piece_shapes().to_crs(WEB_CRS)
    body = shapes.to_json(drop_id=True, ensure_ascii=False)
    return attachment(body, "application/geo+json", "overlay-pieces.geojson")

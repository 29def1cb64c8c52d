"""The public map's routes: search, the community at a point, for anyone."""

from __future__ import annotations

from flask import Blueprint, current_app, jsonify
from werkzeug.wrappers import Response

from ..web.validation import from_args
from .requests import PointQuery, SearchQuery
from .service import PublicMap

api = Blueprint("public_api", __name__, url_prefix="/api/public")

# Where the app factory keeps the public map in ``app.extensions``.
PUBLIC = "geoapp.public"


def public_map() -> PublicMap:
    """The app's public map."""
    return current_app.extensions[PUBLIC]


@api.get("/search")
def search() -> Response:
    """「私の地域はどこ？」: districts by name, reading, code or address, best first."""
    return jsonify(public_map().search(from_args(SearchQuery).q))


@api.get("/at")
def at_point() -> Response:
    """The district and community at ``?lon=&lat=`` (a map click, the browser's location)."""
    point = from_args(PointQuery)
    return jsonify(public_map().at_point(point.lon, point.lat))

"""Front-end libraries served by the app itself from their registry packages.

Leaflet comes from the ``XStatic-Leaflet`` wheel and the icons from ``XStatic-Font-Awesome``,
so pages work on a closed network and no third-party file is kept in the repository.
"""

from __future__ import annotations

from pathlib import Path

from flask import Blueprint, abort, send_from_directory, url_for
from werkzeug.wrappers import Response

blueprint = Blueprint("vendor", __name__, url_prefix="/vendor")


def _package_dirs() -> dict[str, Path]:
    """The data folder of each served package, by its URL name."""
    import xstatic.pkg.font_awesome as font_awesome
    import xstatic.pkg.leaflet as leaflet

    return {"leaflet": Path(leaflet.BASE_DIR), "font-awesome": Path(font_awesome.BASE_DIR)}


@blueprint.get("/<package>/<path:filename>")
def asset(package: str, filename: str) -> Response:
    """One file of a vendored package, cached by the browser for a day."""
    folder = _package_dirs().get(package)
    if folder is None:
        abort(404)
    return send_from_directory(folder, filename, max_age=86400)


def leaflet_js_url() -> str:
    """The local URL of leaflet.js."""
    return url_for("vendor.asset", package="leaflet", filename="leaflet.js")


def leaflet_css_url() -> str:
    """The local URL of leaflet.css."""
    return url_for("vendor.asset", package="leaflet", filename="leaflet.css")

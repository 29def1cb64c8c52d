"""Front-end libraries served by the app itself from their registry packages.

Leaflet comes from the ``XStatic-Leaflet`` wheel, the icons from ``XStatic-Font-Awesome`` and
the fallback Japanese font (Noto Sans JP) from the npm registry's ``@fontsource/noto-sans-jp``,
which the build (hatch_build.py) writes into ``noto_sans_jp_folder()``. So pages work on a
closed network and no third-party file is kept in the repository.
"""

from __future__ import annotations

import logging
from pathlib import Path

from flask import Blueprint, abort, send_from_directory, url_for
from flask.blueprints import BlueprintSetupState
from werkzeug.wrappers import Response

logger = logging.getLogger(__name__)

blueprint = Blueprint("vendor", __name__, url_prefix="/vendor")
NOTO_SANS_JP_CSS = "noto-sans-jp.css"


def noto_sans_jp_folder() -> Path:
    """Noto Sans JP's woff2 files, style sheet and licence, written at install time."""
    return Path(__file__).resolve().parent / "vendor" / "noto-sans-jp"


def _package_dirs() -> dict[str, Path]:
    """The data folder of each served package, by its URL name."""
    import xstatic.pkg.font_awesome as font_awesome
    import xstatic.pkg.leaflet as leaflet

    return {
        "leaflet": Path(leaflet.BASE_DIR),
        "font-awesome": Path(font_awesome.BASE_DIR),
        "noto-sans-jp": noto_sans_jp_folder(),
    }


@blueprint.record_once
def _warn_without_font(state: BlueprintSetupState) -> None:
    """Say so when the font was not installed: pages then rely on the OS's Japanese fonts."""
    if not (noto_sans_jp_folder() / NOTO_SANS_JP_CSS).is_file():
        logger.warning(
            "Noto Sans JP is missing from %s: pages use only the OS's Japanese fonts; "
            "reinstall geoapp (pip install . or pip install -e .) to fetch it",
            noto_sans_jp_folder(),
        )


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

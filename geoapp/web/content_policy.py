"""The Content-Security-Policy and its companion headers, on every response.

Scripts run only from the app itself or from inline blocks carrying this request's nonce
(the map scripts folium writes), so a value that slipped into a page unescaped still runs
nothing: inline event handlers, ``javascript:`` URLs and injected ``<script>`` are refused.
"""

from __future__ import annotations

import logging
import re
import secrets

from flask import Flask, g
from werkzeug.wrappers import Response

from .basemap import Basemap

logger = logging.getLogger(__name__)

_NONCE = "geoapp_csp_nonce"
_TILES = "geoapp_csp_tiles"


def nonce() -> str:
    """This request's nonce for inline scripts, made on first use."""
    if _NONCE not in g:
        setattr(g, _NONCE, secrets.token_urlsafe(18))
    return getattr(g, _NONCE)


def allow_tiles(basemap: Basemap) -> None:
    """Let this page's images come from the base map's tile server too."""
    source = tile_source(basemap.url) if basemap.url else None
    if source:
        setattr(g, _TILES, source)
    elif basemap.url:
        logger.warning(
            "the tile URL %s has no host a CSP can name; tiles will not load", basemap.url
        )


def tile_source(url: str) -> str | None:
    """The CSP source of an XYZ tile URL template: its scheme, host and port, with a
    ``{s}`` subdomain widened to ``*`` (https://{s}.tiles.example → https://*.tiles.example);
    None when the host cannot be named in a policy."""
    scheme, _, rest = url.partition("://")
    host = re.sub(r"^[^./]*\{s\}[^./]*\.", "*.", rest.split("/", 1)[0])
    if scheme not in ("http", "https") or not re.fullmatch(r"(\*\.)?[A-Za-z0-9.-]+(:\d+)?", host):
        return None
    return f"{scheme}://{host}"


def policy(script_nonce: str | None, tiles: str | None) -> str:
    """The policy text: same-origin everything, nonce'd inline scripts, no plugins."""
    scripts = "'self'" + (f" 'nonce-{script_nonce}'" if script_nonce else "")
    images = "'self' data:" + (f" {tiles}" if tiles else "")
    directives = {
        "default-src": "'self'",
        "script-src": scripts,
        # Folium writes <style> blocks and Leaflet and the legends use style attributes;
        # styles cannot run script, so inline styles stay allowed while scripts are not.
        "style-src": "'self' 'unsafe-inline'",
        "img-src": images,
        "connect-src": "'self'",
        "font-src": "'self'",
        "object-src": "'none'",
        "base-uri": "'self'",
        "form-action": "'self'",
        "frame-ancestors": "'self'",
    }
    return "; ".join(f"{name} {value}" for name, value in directives.items())


def add_security_headers(response: Response) -> Response:
    """Put the policy (with this request's nonce and tile server) and its companions on
    ``response``, unless a view set its own."""
    headers = response.headers
    headers.setdefault("Content-Security-Policy", policy(g.get(_NONCE), g.get(_TILES)))
    headers.setdefault("X-Content-Type-Options", "nosniff")
    # Tile servers and other sites learn nothing of the app's URLs (plan ids, searches).
    headers.setdefault("Referrer-Policy", "same-origin")
    headers.setdefault("X-Frame-Options", "SAMEORIGIN")
    return response


def init_app(app: Flask) -> None:
    """Send the headers on every response and give templates ``csp_nonce()``."""
    app.after_request(add_security_headers)
    app.jinja_env.globals["csp_nonce"] = nonce

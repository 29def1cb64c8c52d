"""Where a map page opens: the city's features must be inside the visible map at a city
scale, whatever the base map does; and a tiny tile server standing in for a city's own.

The map is Leaflet's (folium's ``.folium-map`` element names its global variable), the
features are its SVG paths: a path counts as visible when its box meets the part of the
map's box that lies inside the browser window. The map must also *open* on the city:
where it stood once the page's own scripts had run, before anything they fetch arrived.
"""

from __future__ import annotations

import re
import struct
import threading
import zlib
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from urllib.parse import urlparse

from geoapp.web.basemap import BASEMAPS

# A zoom at which a whole city, not a region of Japan, fills the map.
CITY_SCALE_ZOOM = 11
# The hosts of the preset base maps' tiles: the ones a closed network blocks.
TILE_HOSTS = frozenset(urlparse(b.url).netloc for b in BASEMAPS.values() if b.url)
TILE_PATH = re.compile(r"^/(\d+)/(\d+)/(\d+)\.png$")

_RECORD_OPENING = """document.addEventListener("DOMContentLoaded", () => {
  const element = document.querySelector(".folium-map");
  const map = element && window[element.id];
  if (map) {
    const center = map.getCenter();
    window.geoappOpeningView = {zoom: map.getZoom(), lat: center.lat, lon: center.lng};
  }
});"""

_MAP_VIEW = """selector => {
  const element = document.querySelector(".folium-map");
  const map = window[element.id];
  const box = element.getBoundingClientRect();
  const left = Math.max(box.left, 0), top = Math.max(box.top, 0);
  const right = Math.min(box.right, window.innerWidth);
  const bottom = Math.min(box.bottom, window.innerHeight);
  const paths = [...document.querySelectorAll(selector)];
  const inside = paths.filter(path => {
    const r = path.getBoundingClientRect();
    return r.width > 0 && r.height > 0 && r.right > left && r.left < right
      && r.bottom > top && r.top < bottom;
  });
  const center = map.getCenter();
  const tiles = [...document.querySelectorAll("img.leaflet-tile")].map(img => img.src);
  return {zoom: map.getZoom(), lat: center.lat, lon: center.lng, drawn: paths.length,
          inside: inside.length, tiles: tiles, opening: window.geoappOpeningView || null};
}"""


@dataclass(frozen=True)
class MapView:
    """What the page's map shows: its zoom and centre, how many of the features are drawn
    and how many of them are inside the visible map, and the tiles it asked for."""

    zoom: float
    lat: float
    lon: float
    drawn: int
    inside: int
    tiles: list[str]
    opening: dict[str, float] | None


def record_opening_view(page: object) -> None:
    """Have every document the page loads remember where its map stood at DOMContentLoaded."""
    page.add_init_script(_RECORD_OPENING)  # type: ignore[attr-defined]


def map_view(page: object, selector: str) -> MapView:
    """The page's map once no zoom animation is running, with the features ``selector``
    matches."""
    page.wait_for_function(  # type: ignore[attr-defined]
        "() => { const m = window[document.querySelector('.folium-map').id];"
        " return m && !m._animatingZoom; }",
        timeout=10_000,
    )
    return MapView(**page.evaluate(_MAP_VIEW, selector))  # type: ignore[attr-defined]


def assert_city_in_view(
    page: object, selector: str, expected: int, bounds: tuple[float, float, float, float]
) -> MapView:
    """Assert nearly every one of the ``expected`` features is inside the visible map, at a
    city-scale zoom, centred within ``bounds`` (min lon, min lat, max lon, max lat); and,
    when the page was recorded (``record_opening_view``), that the map opened there too."""
    view = map_view(page, selector)
    where = _on_city(view.zoom, view.lat, view.lon, bounds, "the map")
    assert view.drawn >= expected, f"{view.drawn} of {expected} features drawn ({where})"
    assert view.inside >= expected * 0.98, (
        f"only {view.inside} of {expected} features inside the visible map ({where})"
    )
    if view.opening is not None:
        _on_city(**view.opening, bounds=bounds, what="the map as the page opened")
    return view


def _on_city(
    zoom: float, lat: float, lon: float, bounds: tuple[float, float, float, float], what: str
) -> str:
    """Assert a view is at a city's scale with its centre in ``bounds``; the view as text."""
    minx, miny, maxx, maxy = bounds
    where = f"zoom {zoom}, centre {lat:.4f}°N {lon:.4f}°E"
    assert zoom >= CITY_SCALE_ZOOM, f"{what} is not at a city's scale ({where})"
    assert minx <= lon <= maxx and miny <= lat <= maxy, (
        f"{what} is centred outside the city's bounds {bounds} ({where})"
    )
    return where


def tile_zooms(view: MapView) -> set[int]:
    """The zoom levels of the tiles the map asked for (any tile URL ending in /z/x/y.png)."""
    zooms = set()
    for url in view.tiles:
        found = TILE_PATH.match(_tail(url))
        if found:
            zooms.add(int(found.group(1)))
    return zooms


def _tail(url: str) -> str:
    """The last three segments of a URL's path, as /z/x/y.png."""
    return "/" + "/".join(urlparse(url).path.rsplit("/", 3)[-3:])


def tile_png(size: int = 256) -> bytes:
    """A pale grey PNG tile with a darker one-pixel edge, so the tile grid shows."""
    light, edge = b"\xea\xee\xf2", b"\xb8\xc2\xcc"
    inner = edge + light * (size - 2) + edge
    rows = [b"\x00" + edge * size] + [b"\x00" + inner] * (size - 2) + [b"\x00" + edge * size]

    def chunk(kind: bytes, data: bytes) -> bytes:
        checksum = struct.pack(">I", zlib.crc32(kind + data))
        return struct.pack(">I", len(data)) + kind + data + checksum

    header = struct.pack(">IIBBBBB", size, size, 8, 2, 0, 0, 0)
    return (
        b"\x89PNG\r\n\x1a\n"
        + chunk(b"IHDR", header)
        + chunk(b"IDAT", zlib.compress(b"".join(rows)))
        + chunk(b"IEND", b"")
    )


class TileServer:
    """A stdlib HTTP server in a thread answering every /z/x/y.png with the same tile,
    as a city's in-house tile server would; it remembers the zooms asked for."""

    def __init__(self) -> None:
        tile = tile_png()
        requested: list[int] = []
        self.requested = requested

        class Tiles(BaseHTTPRequestHandler):
            def do_GET(self) -> None:
                found = TILE_PATH.match(self.path)
                if not found:
                    self.send_error(404)
                    return
                requested.append(int(found.group(1)))
                self.send_response(200)
                self.send_header("Content-Type", "image/png")
                self.send_header("Content-Length", str(len(tile)))
                self.end_headers()
                self.wfile.write(tile)

            def log_message(self, *args: object) -> None:
                """Quiet: the tests read ``requested`` instead."""

        self.server = ThreadingHTTPServer(("127.0.0.1", 0), Tiles)
        self.netloc = f"127.0.0.1:{self.server.server_port}"
        self.url = f"http://{self.netloc}/{{z}}/{{x}}/{{y}}.png"


@contextmanager
def serving_tiles() -> Iterator[TileServer]:
    """A running tile server on a free loopback port, shut down on leaving."""
    tiles = TileServer()
    thread = threading.Thread(target=tiles.server.serve_forever, daemon=True)
    thread.start()
    try:
        yield tiles
    finally:
        tiles.server.shutdown()
        tiles.server.server_close()
        thread.join(timeout=5)

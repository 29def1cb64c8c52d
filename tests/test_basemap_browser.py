"""Every map page over an in-house tile server, and with no base map, in headless Chromium.

A city on a closed network may serve its own tiles (``GEOAPP_BASEMAP`` = a {z}/{x}/{y} URL
with ``GEOAPP_BASEMAP_ATTRIBUTION``): here a tiny stdlib tile server on the loopback. Each
map must open on the city, with the city's districts inside the visible map, draw that
server's tiles at the city's zoom and credit them. With ``GEOAPP_BASEMAP=none`` no tile is
asked for at all and the map still opens on the city.
"""

from __future__ import annotations

from collections.abc import Iterator

import pytest
from map_view import CITY_SCALE_ZOOM, TileServer, assert_city_in_view, serving_tiles, tile_zooms
from test_browser import ARTIFACTS, browser, demo_bounds, serving_demo, watched_page

from geoapp.demo.city import DEMO_ACCOUNTS, read_demo_layer
from geoapp.layers import DISTRICTS

pytestmark = pytest.mark.browser
__all__ = ["browser"]

ATTRIBUTION = "青葉川市 庁内地図"
DISTRICT_PATHS = "path.geoapp-district"
OVERLAY_PATHS = "path.geoapp-overlay-district, path.geoapp-split-district"
# Each map page: its address, what marks it ready, and the paths of its districts.
PAGES = {
    "home": ("/", "path.geoapp-district", DISTRICT_PATHS),
    "overlay": ("/overlay", "path.geoapp-split-district", OVERLAY_PATHS),
    "editor": ("/plans/2/edit", "body[data-editor-ready=true]", DISTRICT_PATHS),
    "compare": ("/plans/compare", "body[data-compare-ready=true]", DISTRICT_PATHS),
}


@pytest.fixture(scope="module")
def tiles() -> Iterator[TileServer]:
    """The city's in-house tile server."""
    with serving_tiles() as server:
        yield server


@pytest.fixture(scope="module")
def tiled_demo(tmp_path_factory: pytest.TempPathFactory, tiles: TileServer) -> Iterator[str]:
    """``geoapp demo`` with the in-house tile server as its base map."""
    instance = tmp_path_factory.mktemp("tiled-demo")
    with serving_demo(
        instance, GEOAPP_BASEMAP=tiles.url, GEOAPP_BASEMAP_ATTRIBUTION=ATTRIBUTION
    ) as url:
        yield url


def log_in(page: object, server: str, then: str) -> None:
    """Log in as the demo planner, landing on ``then``."""
    name, _role, password = next(account for account in DEMO_ACCOUNTS if account[1] == "planner")
    page.goto(f"{server}/login?next={then}")
    page.fill("#login-name", name)
    page.fill("#login-password", password)
    page.click("form.login-form button[type=submit]")


@pytest.mark.parametrize("name", list(PAGES))
def test_each_map_opens_on_the_city_over_an_inhouse_tile_server(
    name: str, tiled_demo: str, tiles: TileServer, browser
) -> None:
    path, ready, districts = PAGES[name]
    context, page, left_machine, errors = watched_page(
        browser, tiled_demo, reachable=(tiles.netloc,)
    )
    if name in ("editor", "compare"):
        log_in(page, tiled_demo, path)
    else:
        page.goto(tiled_demo + path)
    page.locator(ready).first.wait_for(state="attached", timeout=30_000)

    view = assert_city_in_view(page, districts, len(read_demo_layer(DISTRICTS)), demo_bounds())
    page.wait_for_selector("img.leaflet-tile-loaded", timeout=10_000)
    assert tile_zooms(view) and min(tile_zooms(view)) >= CITY_SCALE_ZOOM
    assert all(tiles.netloc in url for url in view.tiles)
    assert ATTRIBUTION in page.locator(".leaflet-control-attribution").inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / f"inhouse-tiles-{name}.png"))
    assert left_machine == []
    assert errors == []
    context.close()


def test_with_no_basemap_the_map_opens_on_the_city_and_asks_for_no_tile(
    tmp_path_factory: pytest.TempPathFactory, browser
) -> None:
    with serving_demo(tmp_path_factory.mktemp("no-basemap"), GEOAPP_BASEMAP="none") as server:
        context, page, left_machine, errors = watched_page(browser, server)
        requests: list[str] = []
        page.on("request", lambda request: requests.append(request.url))
        page.goto(server + "/", wait_until="networkidle")

        view = assert_city_in_view(
            page, DISTRICT_PATHS, len(read_demo_layer(DISTRICTS)), demo_bounds()
        )
        assert view.tiles == []
        assert all(url.startswith(server) for url in requests)
        assert page.locator(".leaflet-control-layers").inner_text().split()[0] == "行政区（300）"
        assert left_machine == []
        assert errors == []
        context.close()

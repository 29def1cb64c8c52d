"""The demo in a real headless Chromium (Debian's package, driven by Playwright).

``geoapp demo`` is started as a user would start it, with the default settings (the GSI
base map); the browser is on a closed network: it may reach only that server, and the
tile requests to GSI fail. The map must open on the city, with every district, zone and
centre drawn inside it, no other request trying to leave the machine and no console error.
"""

from __future__ import annotations

import os
import shutil
import socket
import subprocess
import sys
import time
import urllib.request
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from urllib.parse import urlparse

import pytest
from conftest import missing
from map_view import (
    CITY_SCALE_ZOOM,
    TILE_HOSTS,
    assert_city_in_view,
    record_opening_view,
    tile_zooms,
)

from geoapp.demo.city import read_demo_layer
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.overlay.report import overlay_report

pytestmark = pytest.mark.browser

CHROMIUM = os.environ.get("GEOAPP_CHROMIUM", "/usr/bin/chromium")
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM_ARGS = [
    "--no-sandbox",
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
]


def free_port() -> int:
    """A TCP port nobody listens on now."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def wait_until_healthy(url: str, process: subprocess.Popen, seconds: float = 60) -> None:
    """Wait for ``/healthz`` to answer, failing early if the server died."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise AssertionError(f"geoapp demo exited with {process.returncode}")
        try:
            with urllib.request.urlopen(f"{url}/healthz", timeout=2) as response:
                if response.status == 200:
                    return
        except OSError:
            time.sleep(0.3)
    raise AssertionError(f"geoapp demo did not answer at {url} within {seconds} s")


GEOAPP = str(Path(sys.executable).parent / "geoapp")


def demo_environment(instance: Path, **settings: str) -> dict[str, str]:
    """The environment of a ``geoapp`` command on a fresh embedded database in ``instance``,
    with the default settings (the GSI base map) unless ``settings`` (GEOAPP_ variables)
    say otherwise."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOAPP_BASEMAP")}
    env.pop("GEOAPP_DATABASE_URL", None)
    return {**env, "GEOAPP_INSTANCE_PATH": str(instance), **settings}


@contextmanager
def serving(command: str, env: dict[str, str], log_folder: Path) -> Iterator[str]:
    """``geoapp COMMAND`` (``demo`` or ``run``) with ``env`` on a free port of the loopback,
    stopped on leaving; its URL. Its output goes to server.log in ``log_folder``."""
    port = free_port()
    log = (log_folder / "server.log").open("w")
    process = subprocess.Popen(
        [GEOAPP, command, "--port", str(port)], env=env, stdout=log, stderr=subprocess.STDOUT
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=10)
        log.close()


@contextmanager
def serving_demo(instance: Path, **settings: str) -> Iterator[str]:
    """``geoapp demo`` on a free port of the loopback, stopped on leaving; its URL."""
    with serving("demo", demo_environment(instance, **settings), instance) as url:
        yield url


@pytest.fixture(scope="module")
def demo_server(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """``geoapp demo`` as a user starts it, on a fresh embedded database."""
    with serving_demo(tmp_path_factory.mktemp("demo-instance")) as url:
        yield url


@pytest.fixture(scope="module")
def browser() -> Iterator[object]:
    """Debian's headless Chromium under Playwright."""
    if not (Path(CHROMIUM).exists() or shutil.which(CHROMIUM)):
        missing(f"Chromium is not installed at {CHROMIUM} (apt-get install chromium)")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError:
        missing("Playwright's Python package is not installed (pip install -e '.[test]')")
    with sync_playwright() as playwright:
        launched = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
        yield launched
        launched.close()


def watched_page(
    browser, server: str, reachable: tuple[str, ...] = (), javascript: bool = True
) -> tuple[object, object, list[str], list[str]]:
    """A Japanese page on a closed network: it may reach only ``server`` (and the hosts in
    ``reachable``, e.g. a local tile server). Its context, the page, and the lists of
    requests refused other than the base map's tiles (nothing else may try to leave the
    machine) and of console errors other than those refused tiles'. ``javascript`` False:
    a browser with JavaScript turned off."""
    local = {urlparse(server).netloc, *reachable}
    left_machine: list[str] = []
    console_errors: list[str] = []
    context = browser.new_context(
        viewport={"width": 1400, "height": 900}, locale="ja-JP", java_script_enabled=javascript
    )
    page = context.new_page()

    def only_local(route) -> None:
        url = urlparse(route.request.url)
        if url.netloc in local:
            route.continue_()
            return
        if url.netloc not in TILE_HOSTS:
            left_machine.append(route.request.url)
        route.abort()

    def console(message) -> None:
        source = urlparse(message.location.get("url", "")).netloc
        if message.type == "error" and source not in TILE_HOSTS:
            console_errors.append(message.text)

    page.route("**/*", only_local)
    record_opening_view(page)
    page.on("console", console)
    page.on("pageerror", lambda error: console_errors.append(str(error)))
    return context, page, left_machine, console_errors


def demo_bounds() -> tuple[float, float, float, float]:
    """The demo city's extent in lon/lat (min lon, min lat, max lon, max lat)."""
    minx, miny, maxx, maxy = read_demo_layer(DISTRICTS).to_crs(4326).total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)


def test_the_demo_map_draws_every_feature_offline(demo_server: str, browser) -> None:
    context, page, left_machine, console_errors = watched_page(browser, demo_server)

    page.goto(demo_server + "/", wait_until="networkidle")
    expected = {
        "path.geoapp-district": len(read_demo_layer(DISTRICTS)),
        "path.geoapp-school-zone": len(read_demo_layer(SCHOOL_ZONES)),
        "path.geoapp-center": len(read_demo_layer(CENTERS)),
    }
    page.wait_for_function(
        "n => document.querySelectorAll('path.geoapp-district').length >= n",
        arg=expected["path.geoapp-district"],
        timeout=20_000,
    )
    drawn = {selector: page.locator(selector).count() for selector in expected}
    view = assert_city_in_view(
        page, "path.geoapp-district", expected["path.geoapp-district"], demo_bounds()
    )
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "home.png"))

    assert drawn == expected
    assert tile_zooms(view) and min(tile_zooms(view)) >= CITY_SCALE_ZOOM  # GSI's, refused
    assert page.locator(".geoapp-legend").is_visible()
    switcher = page.locator(".leaflet-control-layers").inner_text().split()
    assert switcher == [
        "地理院地図（淡色）",
        "行政区（300）",
        "広域コミュニティ（14）",
        "小学校区（14）",
        "拠点施設（14）",
    ]
    assert page.locator("path.geoapp-community").count() == 14
    assert left_machine == []
    assert console_errors == []
    context.close()


def test_a_district_popup_shows_its_japanese_name(demo_server: str, browser) -> None:
    page = browser.new_page(viewport={"width": 1400, "height": 900})
    page.route(
        "**/*",
        lambda route: (
            route.continue_() if route.request.url.startswith(demo_server) else route.abort()
        ),
    )
    page.goto(demo_server + "/", wait_until="networkidle")
    districts = read_demo_layer(DISTRICTS)
    page.locator("path.geoapp-district").first.wait_for()
    page.evaluate(
        "() => { const p = document.querySelector('path.geoapp-district');"
        " p.dispatchEvent(new MouseEvent('click', {bubbles: true, clientX: 0, clientY: 0})); }"
    )
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert any(name in popup.inner_text() for name in districts["name"])
    page.close()


def test_the_overlay_map_hatches_split_districts_and_shows_piece_shares(
    demo_server: str, browser
) -> None:
    report = overlay_report(
        read_demo_layer(DISTRICTS), read_demo_layer(SCHOOL_ZONES), read_demo_layer(CENTERS)
    )
    context, page, left_machine, console_errors = watched_page(browser, demo_server)
    page.goto(demo_server + "/overlay", wait_until="networkidle")
    page.locator("path.geoapp-split-district").first.wait_for(timeout=20_000)

    split = len(report.split_districts)
    assert_city_in_view(
        page,
        "path.geoapp-split-district, path.geoapp-overlay-district",
        len(report.districts),
        demo_bounds(),
    )
    assert page.locator("path.geoapp-split-district").count() == split
    assert page.locator("path.geoapp-overlay-district").count() == len(report.districts) - split
    without = report.summary()["zones_without_center"]
    assert page.locator("path.geoapp-zone-without-center").count() == without
    fill = page.evaluate(
        "() => getComputedStyle(document.querySelector('path.geoapp-split-district')).fill"
    )
    assert "geoapp-hatch-split" in fill
    assert page.locator("pattern#geoapp-hatch-split").count() == 1
    assert page.locator(".geoapp-legend").is_visible()

    piece = page.locator("path.geoapp-piece").first.bounding_box()
    page.mouse.click(piece["x"] + piece["width"] / 2, piece["y"] + piece["height"] / 2)
    popup = page.locator(".leaflet-popup-content")
    popup.wait_for(timeout=5_000)
    assert "%" in popup.inner_text() and "小学校区" in popup.inner_text()
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "overlay.png"))

    assert left_machine == []
    assert console_errors == []
    context.close()


def test_a_planner_logs_in_with_the_demo_account_and_reads_the_plans(
    demo_server: str, browser
) -> None:
    context, page, left_machine, _errors = watched_page(browser, demo_server)
    assert page.goto(demo_server + "/api/plans").status == 401
    page.goto(demo_server + "/login?next=/api/plans", wait_until="networkidle")
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "login.png"))
    page.fill("#login-name", "demo")
    page.fill("#login-password", "wrong password")
    page.click("button[type=submit]")
    assert "ユーザー名またはパスワードが違います" in page.locator(".form-error").inner_text()
    page.screenshot(path=str(ARTIFACTS / "login-error.png"))
    page.fill("#login-password", "aobagawa-demo")
    page.click("button[type=submit]")
    page.wait_for_url(demo_server + "/api/plans")
    plans = page.evaluate("() => JSON.parse(document.body.innerText).plans")
    assert sorted(plan["status"] for plan in plans) == ["adopted", "draft"]
    page.goto(demo_server + "/", wait_until="networkidle")
    page.screenshot(path=str(ARTIFACTS / "home-logged-in.png"))
    header = page.locator(".account").inner_text()
    assert "demo" in header and "ログアウト" in header
    cookie = next(c for c in context.cookies() if c["name"] == "session")
    assert cookie["httpOnly"] and cookie["sameSite"] == "Lax"
    assert left_machine == []
    context.close()

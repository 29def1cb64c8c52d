"""Benchmark the boundary editor in headless Chromium on a generated 10,000-district city.

Measures, in the browser's own clock (``performance.now()``):

- navigation → the map interactive (every district drawn, the plan and its checks shown),
  once on a cold server (the city's display layers are built on this first request) and
  then warm;
- a click on a district → the map and the side panel updated with the server's answer,
  over ``--clicks`` clicks: p50 and p95.

Targets: under 3 s to interactive and under 200 ms per click. The app runs its default
settings (the GSI base map) and the browser is on a closed network (tile requests fail),
as in a city office. Uses Debian's chromium
through Playwright (``apt-get install chromium``; no browser is downloaded). The city comes
from ``bench_plan_edits.generated_city`` beside this script.

    python scripts/bench_editor.py [--districts 10000] [--clicks 40]
"""

from __future__ import annotations

import argparse
import random
import statistics
import tempfile
import threading
from collections.abc import Callable
from pathlib import Path
from urllib.parse import urlparse

from bench_city import city_app
from bench_plan_edits import generated_city
from playwright.sync_api import Route, sync_playwright
from werkzeug.serving import make_server

from geoapp.accounts.users import add_user

CHROMIUM = "/usr/bin/chromium"
CHROMIUM_ARGS = ["--no-sandbox", "--disable-gpu", "--disable-background-networking"]
PASSWORD = "benchmark-password"
TARGET_READY_MS, TARGET_CLICK_MS = 3000.0, 200.0


def serve_city(districts: int, instance: Path) -> tuple[str, int, object]:
    """Load a generated city into a fresh SQLite file and serve it on loopback."""
    app = city_app(f"sqlite:///{instance / 'bench.sqlite3'}", instance, generated_city(districts))
    store = app.extensions["geoapp.store"]
    planner, _ = add_user(store, "bench", "planner", PASSWORD)
    plan = app.extensions["geoapp.plans"].create_plan(planner, "ベンチ案", "", "school_zones")
    server = make_server("127.0.0.1", 0, app, threaded=True)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_port}", plan["id"], server


def closed_network(server: str) -> Callable[[Route], None]:
    """A route handler letting requests reach only ``server``, as on a closed network: the
    default GSI base map's tiles are refused."""
    local = urlparse(server).netloc

    def only_local(route: Route) -> None:
        if urlparse(route.request.url).netloc == local:
            route.continue_()
        else:
            route.abort()

    return only_local


def ready_ms(page, url: str) -> float:
    """Open the editor and return the browser's time from navigation to interactive."""
    page.goto(url)
    page.wait_for_selector("body[data-editor-ready=true]", timeout=120_000)
    return page.evaluate("() => window.geoappEditor.state.timings.ready")


# Districts a planner can click at a working zoom: drawn inside the map, away from the
# centre markers that sit on top of them.
VISIBLE_CLEAR_DISTRICTS = """() => {
  const editor = window.geoappEditor, map = editor.map;
  map.setZoom(map.getZoom() + 3, {animate: false});
  const size = map.getSize();
  const markers = [];
  map.eachLayer(layer => { if (layer instanceof L.CircleMarker) markers.push(
    map.latLngToContainerPoint(layer.getLatLng())); });
  return [...editor.state.districts.values()].map(d => d.props).filter(p => {
    const at = map.latLngToContainerPoint([p.label[1], p.label[0]]);
    return at.x > 40 && at.y > 40 && at.x < size.x - 260 && at.y < size.y - 60
      && markers.every(m => m.distanceTo(at) > 16);
  }).map(p => p.code);
}"""


def click_ms(page, clicks: int) -> list[float]:
    """Click districts and time each until the map and the panel show the answer."""
    codes = page.evaluate(VISIBLE_CLEAR_DISTRICTS)
    communities = page.evaluate("() => [...window.geoappEditor.state.communities.keys()]")
    chance = random.Random(5)
    times = []
    for _ in range(clicks):
        code = chance.choice(codes)
        current = page.evaluate(f"() => window.geoappEditor.state.plan.assignments['{code}']")
        target = chance.choice([c for c in communities if c != current])
        page.click(f'#community-list li[data-community="{target}"]')
        before = page.evaluate("() => window.geoappEditor.state.timings.rendered")
        x, y = page.evaluate(f"() => window.geoappEditor.screenPointOf('{code}')")
        page.evaluate(
            "() => window.geoappEditor.map.getContainer().addEventListener('mousedown',"
            " () => { window.clickedAt = performance.now(); }, {once: true, capture: true})"
        )
        page.mouse.click(x, y)
        page.wait_for_function(
            f"() => window.geoappEditor.state.plan.assignments['{code}'] === {target}"
            f" && window.geoappEditor.state.timings.rendered > {before}",
            polling="raf",
            timeout=30_000,
        )
        times.append(
            page.evaluate(
                "() => new Promise(done => requestAnimationFrame(() =>"
                " done(performance.now() - window.clickedAt)))"
            )
        )
    return times


def percentile(values: list[float], share: float) -> float:
    """The ``share`` percentile of ``values``."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def main() -> None:
    """Generate, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=10_000)
    parser.add_argument("--clicks", type=int, default=40)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="geoapp-bench-editor-") as folder:
        url, plan_id, server = serve_city(args.districts, Path(folder))
        with sync_playwright() as playwright:
            browser = playwright.chromium.launch(executable_path=CHROMIUM, args=CHROMIUM_ARGS)
            page = browser.new_page(viewport={"width": 1500, "height": 950}, locale="ja-JP")
            page.route("**/*", closed_network(url))
            page.goto(f"{url}/login")
            page.fill("#login-name", "bench")
            page.fill("#login-password", PASSWORD)
            page.click("form.login-form button[type=submit]")
            page.wait_for_load_state()
            editor = f"{url}/plans/{plan_id}/edit"
            cold = ready_ms(page, editor)
            warm = [ready_ms(page, editor) for _ in range(3)]
            clicks = click_ms(page, args.clicks)
            districts = page.evaluate("() => window.geoappEditor.state.districts.size")
            browser.close()
        server.shutdown()
    print(f"editor on {districts:,} districts (headless Chromium, loopback server)")
    print(f"navigation → interactive, cold server: {cold:,.0f} ms")
    print(f"navigation → interactive, warm: median {statistics.median(warm):,.0f} ms")
    print(
        f"click → map and panel updated: p50 {percentile(clicks, 0.5):.0f} ms, "
        f"p95 {percentile(clicks, 0.95):.0f} ms over {len(clicks)} clicks"
    )
    ready_ok = statistics.median(warm) < TARGET_READY_MS
    click_ok = percentile(clicks, 0.95) < TARGET_CLICK_MS
    print(
        f"targets: interactive < {TARGET_READY_MS:.0f} ms: {'ok' if ready_ok else 'MISSED'}; "
        f"click < {TARGET_CLICK_MS:.0f} ms (p95): {'ok' if click_ok else 'MISSED'}"
    )


if __name__ == "__main__":
    main()

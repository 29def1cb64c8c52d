"""Benchmark: the public map's search, page, drawing and GeoJSON on generated cities, on
each backend, against the targets of #21.

The cities are bench_organizations' grid (each district its own school zone, the
school-zone plan adopted, organizations with a year of history):

- search (``GET /api/public/search``, 2,000 districts) over a mix of exact, prefix,
  kanji-number, address and no-match queries, in process: p50 and p95 server time against
  the 50 ms target, the first (index-building) query apart;
- the public map page (1,000 districts) served by gunicorn with 2 workers and opened in
  Debian's headless Chromium with every outside request refused (the GSI tiles too):
  the bytes of the page, its JSON and its assets gzip-compressed (level 6, what a server or
  proxy with compression on sends; geoapp itself leaves compression to the server in front
  of it), and the time from navigation until the communities' paths are in the DOM inside
  the visible map, cold (empty cache) and again with the cache (ETags, max-age); targets
  1.5 MB and 1.5 s;
- requests per second for the public communities GeoJSON (the page's own ``/ogcapi``
  URL) under the same gunicorn from loopback clients, each a new connection: once asking
  afresh (200 with the body) and once honouring the ETag (``If-None-Match``, 304), the
  way a browser revalidates after max-age; target 500/s.

    python scripts/bench_public.py [--districts 1000] [--search-districts 2000]
        [--seconds 5] [--clients 8] [--postgis URL]

``--postgis`` defaults to ``GEOAPP_TEST_POSTGIS_URL``; without either only SQLite runs.
"""

from __future__ import annotations

import argparse
import gzip
import http.client
import json
import logging
import os
import re
import statistics
import sys
import tempfile
import threading
import time
from pathlib import Path
from urllib.parse import urlsplit

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_ogcapi import gunicorn
from bench_organizations import postgis_schema, prepared_app

SEARCH_TARGET_MS = 50
BYTES_TARGET = 1.5e6
DRAWN_TARGET_MS = 1500
RATE_TARGET = 500
CHROMIUM = "/usr/bin/chromium"
# Milliseconds since navigation: the page's last byte, DOMContentLoaded, the last shape.
STEPS = """() => {
  const navigation = performance.getEntriesByType('navigation')[0];
  const shapes = performance.getEntriesByType('resource')
    .filter((entry) => entry.name.includes('/ogcapi/'));
  return {
    page: navigation.responseEnd,
    ready: navigation.domContentLoadedEventEnd,
    shapes: Math.max(0, ...shapes.map((entry) => entry.responseEnd)),
  };
}"""
# Resolves with the time since navigation once a community's path is drawn inside the
# visible map (its box meets the map's box, itself inside the window): what a resident
# sees, whether or not the other layers (districts, school zones) have arrived yet.
DRAWN = """() => {
  const element = document.querySelector('.folium-map');
  if (!element) return false;
  const map = element.getBoundingClientRect();
  const inside = [...document.querySelectorAll('path.geoapp-community')].some((path) => {
    const box = path.getBoundingClientRect();
    return box.width > 0 && box.right > map.left && box.left < map.right
      && box.bottom > map.top && box.top < map.bottom && map.top < window.innerHeight;
  });
  return inside ? performance.now() : false;
}"""
QUERIES = ("第1区", "第12", "第百二十三区", "第1999区", "ベンチ市第5区", "第7区3番地", "ほげ")


def milliseconds(start: float) -> float:
    """Milliseconds since ``start``."""
    return (time.perf_counter() - start) * 1000


def measure(label: str, app: Flask) -> None:
    """Print search percentiles and the public page's time and compressed size."""
    client = app.test_client()
    start = time.perf_counter()
    client.get("/api/public/search", query_string={"q": "第1区"})
    first = milliseconds(start)
    times = []
    for _ in range(30):
        for query in QUERIES:
            start = time.perf_counter()
            answer = client.get("/api/public/search", query_string={"q": query})
            times.append(milliseconds(start))
            assert answer.status_code == 200, answer.get_data(as_text=True)
    p95 = statistics.quantiles(times, n=20)[-1]
    start = time.perf_counter()
    page = client.get("/")
    page_ms = milliseconds(start)
    packed = len(gzip.compress(page.get_data()))
    print(f"\n{label}")
    print(f"  search, first     {first:8.1f} ms (builds the index)")
    print(f"  search p50        {statistics.median(times):8.1f} ms")
    verdict = "ok" if p95 < SEARCH_TARGET_MS else "OVER"
    print(f"  search p95        {p95:8.1f} ms  target {SEARCH_TARGET_MS} ms {verdict}")
    print(f"  public map page   {page_ms:8.1f} ms, {packed / 1024:.0f} KiB gzip")


def verdict(ok: bool) -> str:
    return "ok" if ok else "OVER"


def page_in_chromium(root: str, districts: int) -> None:
    """Open the public map in headless Chromium, offline: bytes (gzip) and time until drawn,
    with an empty cache and again with the cache."""
    from playwright.sync_api import sync_playwright

    with sync_playwright() as playwright:
        browser = playwright.chromium.launch(executable_path=CHROMIUM, args=["--no-sandbox"])
        context = browser.new_context(viewport={"width": 1400, "height": 900})
        context.route(
            "**/*",
            lambda route: (
                route.continue_() if route.request.url.startswith(root) else route.abort()
            ),
        )
        for visit in ("cold", "cached"):
            page = context.new_page()
            sizes: dict[str, tuple[int, int]] = {}

            def count(response: object, sizes: dict[str, tuple[int, int]] = sizes) -> None:
                url = response.url  # type: ignore[attr-defined]
                if not url.startswith(root) or response.status == 304:  # type: ignore[attr-defined]
                    return
                body = response.body()  # type: ignore[attr-defined]
                sizes[url] = (len(body), len(gzip.compress(body, 6)))

            page.on("response", count)
            page.goto(root + "/", wait_until="commit")
            drawn = page.wait_for_function(DRAWN, timeout=60_000).json_value()
            page.wait_for_load_state("networkidle")
            steps = page.evaluate(STEPS)
            raw = sum(size for size, _ in sizes.values())
            packed = sum(size for _, size in sizes.values())
            shown = page.locator("path.geoapp-community").count()
            target = verdict(drawn < DRAWN_TARGET_MS) if visit == "cold" else "(no target)"
            print(
                f"  map page, {visit:6}  {drawn:8.0f} ms until drawn, "
                f"target {DRAWN_TARGET_MS} ms {target}"
            )
            print(
                f"                     page answered {steps['page']:.0f} ms, script ran "
                f"{steps['ready']:.0f} ms, shapes arrived {steps['shapes']:.0f} ms"
            )
            if visit == "cold":
                print(
                    f"                     {packed / 1e6:8.3f} MB gzip ({raw / 1e6:.2f} MB raw) in "
                    f"{len(sizes)} answers, target {BYTES_TARGET / 1e6} MB "
                    f"{verdict(packed < BYTES_TARGET)}; {shown:,} communities drawn"
                )
            page.close()
        browser.close()


def geojson_url(root: str) -> str:
    """The communities GeoJSON the public map page fetches (its own /ogcapi URL)."""
    host, port = urlsplit(root).hostname, urlsplit(root).port
    connection = http.client.HTTPConnection(host, port, timeout=60)
    connection.request("GET", "/")
    page = connection.getresponse().read().decode()
    connection.close()
    found = re.search(r'id="public-map-data">(.*?)</script>', page)
    assert found, "the public map page carries no data for its script"
    return json.loads(found.group(1))["collections"]["communities"]


def rate(root: str, path: str, clients: int, seconds: float, etag: str | None) -> float:
    """Requests per second for ``path`` from ``clients`` loopback threads, each request on a
    new connection, sending ``If-None-Match: etag`` when given."""
    host, port = urlsplit(root).hostname, urlsplit(root).port
    expected = 304 if etag else 200
    headers = {"Accept": "application/geo+json", **({"If-None-Match": etag} if etag else {})}
    done = [0] * clients
    failures: list[int] = []
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        while time.monotonic() < stop:
            connection = http.client.HTTPConnection(host, port, timeout=60)
            connection.request("GET", path, headers=headers)
            answer = connection.getresponse()
            answer.read()
            connection.close()
            if answer.status != expected:
                failures.append(answer.status)
            done[number] += 1

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    started = time.perf_counter()
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    elapsed = time.perf_counter() - started
    if failures:
        raise SystemExit(f"{len(failures)} answers were not {expected}, first {failures[0]}")
    return sum(done) / elapsed


def served_figures(database_url: str, folder: Path, args: argparse.Namespace) -> None:
    """The generated city of ``args.districts`` under gunicorn -w 2: the page in Chromium
    and the communities GeoJSON's requests per second."""
    app = prepared_app(database_url, folder, args.districts, 1)
    app.extensions["geoapp.store"].close()
    env = {
        "GEOAPP_DATABASE_URL": database_url,
        "GEOAPP_INSTANCE_PATH": str(folder),
        "GEOAPP_SECRET_KEY": "bench",
    }
    with gunicorn("geoapp:create_app()", 2, env, "/healthz") as (root, _master):
        path = geojson_url(root)
        connection = http.client.HTTPConnection(urlsplit(root).hostname, urlsplit(root).port)
        connection.request("GET", path)
        first = connection.getresponse()
        body, etag = first.read(), first.getheader("ETag")
        cache = first.getheader("Cache-Control")
        connection.close()
        for _ in range(4):  # every worker builds its edition before the clock starts
            rate(root, path, 2, 0.5, None)
        page_in_chromium(root, args.districts)
        fresh = rate(root, path, args.clients, args.seconds, None)
        revalidated = rate(root, path, args.clients, args.seconds, etag)
        packed = len(gzip.compress(body)) / 1024
        print(
            f"  communities GeoJSON {len(body) / 1024:,.0f} KiB ({packed:,.0f} KiB gzip), "
            f"ETag {etag}, Cache-Control: {cache}"
        )
        print(f"    asked afresh       {fresh:8.0f} req/s (200)")
        print(
            f"    ETag honoured      {revalidated:8.0f} req/s (304), target {RATE_TARGET}/s "
            f"{verdict(revalidated >= RATE_TARGET)}"
        )


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=1000)
    parser.add_argument("--search-districts", type=int, default=2000)
    parser.add_argument("--seconds", type=float, default=5)
    parser.add_argument("--clients", type=int, default=8)
    parser.add_argument("--postgis", default=os.environ.get("GEOAPP_TEST_POSTGIS_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("geoapp").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'search.sqlite3'}"
        app = prepared_app(url, Path(folder) / "search", args.search_districts, 1)
        measure(f"SQLite, {args.search_districts} districts", app)
        app.extensions["geoapp.store"].close()
        print(f"SQLite, {args.districts} districts, gunicorn -w 2")
        served = f"sqlite:///{Path(folder) / 'served.sqlite3'}"
        served_figures(served, Path(folder) / "served", args)
        if args.postgis:
            with postgis_schema(args.postgis) as postgis_url:
                app = prepared_app(postgis_url, Path(folder) / "pg", args.search_districts, 1)
                measure(f"PostGIS, {args.search_districts} districts", app)
                app.extensions["geoapp.store"].close()
            with postgis_schema(args.postgis) as postgis_url:
                print(f"PostGIS, {args.districts} districts, gunicorn -w 2")
                served_figures(postgis_url, Path(folder) / "pg-served", args)
    return 0


if __name__ == "__main__":
    sys.exit(main())

"""Benchmark: the stage map and the by-year chart of a generated city of 2,000 communities
with ten fiscal years of history, on each storage backend.

The city is a grid of 2,000 districts, each its own school zone, so the adopted plan built
from the zones has 2,000 communities and adopting it makes 2,000 organizations; each climbs
the Numata ladder (準備期 → 成長期 after its agreement → 展開期) from a random year over ten
fiscal years, some falling back. Server time is the whole request through the app, in
process, as a logged-in admin:

- the stage map for a fiscal year: the whole map page (``GET /organizations/map?fiscal_year=``,
  target < 300 ms; it carries no shapes) and ``GET /api/organizations/stages?fiscal_year=``
  (what the slider fetches to restyle the map), for every year;
- the communities' shapes the page's script fetches (``/ogcapi`` items, every page): once
  cold, when the edition of the data is new and they are serialized, then cached;
- the by-year chart: ``GET /api/organizations/stage-counts`` and the SVG drawn from it
  (target < 500 ms).

    python scripts/bench_organizations.py [--communities 2000] [--years 10]
        [--postgis postgresql://postgres@127.0.0.1:5432/geoapp_test]

``--postgis`` defaults to ``GEOAPP_TEST_POSTGIS_URL``; without either only SQLite runs.
"""

from __future__ import annotations

import argparse
import logging
import os
import random
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from urllib.parse import urlencode

import geopandas as gpd
import psycopg
import shapely
from bench_city import SRID, adopt_school_zone_plan, city_app
from flask import Flask
from flask.testing import FlaskClient

from geoapp.accounts.users import User, add_user
from geoapp.japanese_calendar import fiscal_year, today_in_japan
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.organizations.scheme import load_scheme
from geoapp.organizations.stage_chart import stage_chart_svg
from geoapp.storage import organizations as records

PASSWORD = "benchmark-password"
ADMIN = User("bench", "admin")
STAGE_MAP_TARGET_MS = 300.0
CHART_TARGET_MS = 500.0
CELL = 400.0


def generated_city(count: int) -> dict:
    """``count`` square districts in rows of 50, each also a school zone with a centre."""
    columns = 50
    cells = [
        shapely.box(c * CELL, r * CELL, (c + 1) * CELL, (r + 1) * CELL)
        for r in range(-(-count // columns))
        for c in range(columns)
    ][:count]
    codes = [f"D{n:05d}" for n in range(count)]
    districts = gpd.GeoDataFrame(
        {
            "code": codes,
            "name": [f"第{n + 1}区" for n in range(count)],
            "name_kana": None,
            "population": 1000,
            "households": 400,
            "population_65": 300,
            "properties": [{} for _ in codes],
        },
        geometry=cells,
        crs=SRID,
    )
    zones = gpd.GeoDataFrame(
        {
            "code": [f"Z{n:05d}" for n in range(count)],
            "name": [f"第{n + 1}小学校区" for n in range(count)],
            "school_name": None,
            "population": None,
            "school_location": gpd.GeoSeries([cell.centroid for cell in cells], crs=SRID),
            "properties": [{} for _ in codes],
        },
        geometry=cells,
        crs=SRID,
    )
    centers = gpd.GeoDataFrame(
        {
            "code": [f"C{n:05d}" for n in range(count)],
            "name": [f"第{n + 1}地区センター" for n in range(count)],
            "name_kana": None,
            "kind": "地区センター",
            "address": None,
            "managed_by": "直営",
            "properties": [{} for _ in codes],
        },
        geometry=[cell.centroid for cell in cells],
        crs=SRID,
    )
    return {DISTRICTS: districts, SCHOOL_ZONES: zones, CENTERS: centers}


def history(organization_ids: list[int], years: int, seed: int = 11) -> tuple[list, list]:
    """Stage changes and milestones over the last ``years`` fiscal years: each organization
    starts in a random year, signs its agreement before growth, may expand or fall back."""
    chance = random.Random(seed)
    last = fiscal_year(today_in_japan()) - 1
    first = last - years + 1
    now = datetime.now(UTC)
    stages, milestones = [], []
    for oid in organization_ids:
        year = chance.randint(first, last)
        day = date(year, chance.randint(4, 12), 1)
        stages.append((oid, "preparation", day, "", None, [], "bench", now))
        milestones.append((oid, "established", day, "", [], "bench", now))
        for step in ("growth", "expansion", "preparation"):
            year += chance.randint(1, 3)
            if year > last or chance.random() < 0.25:
                break
            day = date(year, chance.randint(4, 12), 1)
            if step == "growth":
                milestones.append((oid, "agreement", day, "", [], "bench", now))
            stages.append((oid, step, day, "", None, [], "bench", now))
    return stages, milestones


def prepared_app(database_url: str, instance: Path, communities: int, years: int) -> Flask:
    """The app on ``database_url`` with the generated city, its plan adopted, history."""
    app = city_app(database_url, instance, generated_city(communities))
    add_user(app.extensions["geoapp.store"], ADMIN.name, ADMIN.role, PASSWORD)
    adopt_school_zone_plan(app, ADMIN)
    store = app.extensions["geoapp.store"]
    organizations = app.extensions["geoapp.organizations"]
    ids = [org["id"] for org in organizations.list_organizations(ADMIN)]
    stages, milestones = history(ids, years)
    with store.session(write=True) as session:
        records.insert_stages(session, stages)
        records.insert_milestones(session, milestones)
    logging.info(
        "%d organizations, %d stage changes, %d milestones", len(ids), len(stages), len(milestones)
    )
    return app


def logged_in(app: Flask) -> FlaskClient:
    """A test client logged in as the benchmark's admin."""
    client = app.test_client()
    token = client.get("/api/session").get_json()["csrf_token"]
    answer = client.post(
        "/api/session",
        json={"name": ADMIN.name, "password": PASSWORD},
        headers={"X-CSRFToken": token},
    )
    assert answer.status_code == 200, answer.get_json()
    return client


def timed(call: Callable[[], object], repeats: int = 3) -> float:
    """The best of ``repeats`` runs of ``call``, in milliseconds."""
    best = float("inf")
    for _ in range(repeats):
        start = time.perf_counter()
        call()
        best = min(best, (time.perf_counter() - start) * 1000)
    return best


def get(client: FlaskClient, url: str) -> Callable[[], object]:
    """A call that GETs ``url`` and insists on a 200."""

    def call() -> object:
        answer = client.get(url)
        assert answer.status_code == 200, (url, answer.status_code)
        return answer

    return call


def measure(label: str, app: Flask, years: int) -> dict[str, float]:
    """The figures of one backend, printed as they come."""
    client = logged_in(app)
    organizations = app.extensions["geoapp.organizations"]
    scheme = load_scheme("numata")
    last = fiscal_year(today_in_japan())
    every = list(range(last - years, last + 1))
    shapes = "/ogcapi/collections/communities/items?limit=1000"
    pages = [
        f"{shapes}&offset={start}"
        for start in range(0, len(organizations.list_organizations(ADMIN)), 1000)
    ]
    cold_page = timed(get(client, f"/organizations/map?fiscal_year={every[-1]}"), 1)
    cold_shapes = timed(lambda: [get(client, url)() for url in pages], 1)
    api = [timed(get(client, f"/api/organizations/stages?fiscal_year={y}")) for y in every]
    page = [timed(get(client, f"/organizations/map?fiscal_year={y}")) for y in every]
    cached_shapes = timed(lambda: [get(client, url)() for url in pages])
    chart_api = timed(get(client, "/api/organizations/stage-counts"))
    chart = timed(
        lambda: stage_chart_svg(organizations.stage_counts_by_fiscal_year(), scheme, "ja")
    )
    figures = {
        "stage map API, median ms": statistics.median(api),
        "stage map API, worst year ms": max(api),
        "stage map page, median ms": statistics.median(page),
        "stage map page, worst year ms": max(page),
        "stage map page, first after a data change ms": cold_page,
        "shapes (all pages), cold ms": cold_shapes,
        "shapes (all pages), cached ms": cached_shapes,
        "by-year chart API ms": chart_api,
        "by-year chart (counts + SVG) ms": chart,
    }
    print(f"\n{label}: {len(every)} fiscal years")
    for name, value in figures.items():
        print(f"  {name:46s} {value:8.1f}")
    verdicts = (
        ("stage map page for any fiscal year", max(page), STAGE_MAP_TARGET_MS),
        ("stage map API for any fiscal year", max(api), STAGE_MAP_TARGET_MS),
        ("by-year chart", max(chart_api, chart), CHART_TARGET_MS),
    )
    for what, value, target in verdicts:
        verdict = "OK" if value < target else "MISSED"
        print(f"  {what}: {value:.1f} ms (target < {target:.0f} ms) {verdict}")
    return figures


@contextmanager
def postgis_schema(base: str) -> Iterator[str]:
    """A fresh schema on ``base``, dropped afterwards; its URL."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(f'CREATE SCHEMA "{schema}"')
    options = urlencode({"options": f"-csearch_path={schema},public"})
    try:
        yield f"{base}{'&' if '?' in base else '?'}{options}"
    finally:
        with psycopg.connect(base, autocommit=True) as connection:
            connection.execute(f'DROP SCHEMA "{schema}" CASCADE')


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--communities", type=int, default=2000)
    parser.add_argument("--years", type=int, default=10)
    parser.add_argument("--postgis", default=os.environ.get("GEOAPP_TEST_POSTGIS_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("geoapp").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = prepared_app(url, Path(folder) / "instance", args.communities, args.years)
        measure(f"SQLite, {args.communities} communities", app, args.years)
        app.extensions["geoapp.store"].close()
        if args.postgis:
            with postgis_schema(args.postgis) as postgis_url:
                app = prepared_app(postgis_url, Path(folder) / "pg", args.communities, args.years)
                measure(f"PostGIS, {args.communities} communities", app, args.years)
                app.extensions["geoapp.store"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

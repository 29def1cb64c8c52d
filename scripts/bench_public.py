"""Benchmark: the public map's search and page on a generated city, on each backend.

The city is bench_organizations' grid (2,000 districts by default, each its own school zone,
the school-zone plan adopted). Server time is the whole request through the app, in process,
as an anonymous visitor:

- search (``GET /api/public/search``) over a mix of exact, prefix, kanji-number, address and
  no-match queries: p50 and p95 against the 50 ms target, the first (index-building) query
  apart;
- the public map page (``GET /``): server time and its size gzip-compressed.

Not measured here yet: time until drawn in Chromium and requests per second under gunicorn.

    python scripts/bench_public.py [--districts 2000] [--postgis URL]

``--postgis`` defaults to ``GEOAPP_TEST_POSTGIS_URL``; without either only SQLite runs.
"""

from __future__ import annotations

import argparse
import gzip
import logging
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

from flask import Flask

sys.path.insert(0, str(Path(__file__).resolve().parent))

from bench_organizations import postgis_schema, prepared_app

SEARCH_TARGET_MS = 50
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


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=2000)
    parser.add_argument("--postgis", default=os.environ.get("GEOAPP_TEST_POSTGIS_URL"))
    args = parser.parse_args()
    logging.basicConfig(level=logging.INFO, format="%(message)s")
    logging.getLogger("geoapp").setLevel(logging.WARNING)
    with tempfile.TemporaryDirectory() as folder:
        url = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        app = prepared_app(url, Path(folder) / "instance", args.districts, 1)
        measure(f"SQLite, {args.districts} districts", app)
        app.extensions["geoapp.store"].close()
        if args.postgis:
            with postgis_schema(args.postgis) as postgis_url:
                app = prepared_app(postgis_url, Path(folder) / "pg", args.districts, 1)
                measure(f"PostGIS, {args.districts} districts", app)
                app.extensions["geoapp.store"].close()
    return 0


if __name__ == "__main__":
    sys.exit(main())

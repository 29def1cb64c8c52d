"""Benchmark the OGC API – Features service: one items page (limit 100) of districts on a
generated 10,000-district city, served by gunicorn with 2 workers and asked by a loopback
client, on each storage backend, beside pygeoapi serving the same districts table from the
same PostGIS as the peer.

For each server it prints requests per second and the p50/p95 latency of the first page
(``?limit=100``) and of pages spread over the whole collection (``&offset=`` a different
hundred each request), the ratios to the targets (≥ 500 requests/s, p95 < 50 ms) and
geoapp's ratio to pygeoapi. The client keeps ``--clients`` requests in flight for
``--seconds`` after a warm-up as long (every worker builds its edition on its first
request). It also prints the gunicorn processes' CPU time per request and the rate that
allows on idle cores, since on a shared machine the wall-clock rate says as much about the
other processes as about the server. Every request opens
its own connection (gunicorn's sync workers close each one), sends no ``If-None-Match``
and reads the whole body. The load average before and after each run is printed, since the
client, the workers and PostgreSQL share the machine.

geoapp's districts page joins each district's adopted community (``community_id``,
``community``), and is served in CRS84; pygeoapi serves the stored table (code, name and
counts in the working CRS, which it reprojects to CRS84 as it answers) through its
PostgreSQL provider, so it does a little less.

pygeoapi is not a geoapp dependency; install it into the same environment for the peer:

    pip install pygeoapi geoalchemy2 psycopg2-binary

Without it the peer is skipped, saying so. PostGIS comes from ``--postgis`` (default
``GEOAPP_TEST_POSTGIS_URL``, else postgresql://postgres@127.0.0.1:5432/geoapp_test); each
run loads the city into a fresh schema, dropped afterwards. The city comes from
``bench_plan_edits.generated_city`` beside this script.

    python scripts/bench_ogcapi.py [--districts 10000] [--seconds 10] [--clients 4]
        [--workers 2] [--postgis URL]
"""

from __future__ import annotations

import argparse
import http.client
import importlib.util
import json
import os
import socket
import subprocess
import sys
import tempfile
import threading
import time
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlencode, urlsplit

import psycopg
from bench_city import SRID, adopt_school_zone_plan, city_app
from bench_plan_edits import generated_city
from psycopg import sql

from geoapp.accounts.users import User

REPOSITORY = Path(__file__).resolve().parents[1]
POSTGIS_URL = os.environ.get(
    "GEOAPP_TEST_POSTGIS_URL", "postgresql://postgres@127.0.0.1:5432/geoapp_test"
)
ADMIN = User("bench", "admin")
TARGET_RATE, TARGET_P95_MS = 500.0, 50.0
PAGE = 100
CRS84 = "http://www.opengis.net/def/crs/OGC/1.3/CRS84"


@dataclass
class Figures:
    """What one server did for one kind of request."""

    server: str
    page: str
    requests: int
    seconds: float
    latencies_ms: list[float]
    bytes_per_answer: int
    load: tuple[float, float]
    server_cpu_seconds: float

    @property
    def cpu_ms(self) -> float:
        """The server processes' CPU time per request (not the client's or PostgreSQL's)."""
        return self.server_cpu_seconds * 1000 / self.requests

    def idle_rate(self, workers: int) -> float:
        """The requests per second the server's CPU time per request allows with
        ``workers`` workers on as many idle cores (the client and PostgreSQL aside)."""
        return min(os.cpu_count() or 1, workers) * 1000 / self.cpu_ms

    @property
    def rate(self) -> float:
        return self.requests / self.seconds

    def percentile(self, share: float) -> float:
        ordered = sorted(self.latencies_ms)
        return ordered[min(len(ordered) - 1, round(share * (len(ordered) - 1)))]


def load_city(database_url: str, instance: Path, districts: int) -> None:
    """The generated city in the database, its school-zone plan adopted."""
    app = city_app(database_url, instance, generated_city(districts))
    adopt_school_zone_plan(app, ADMIN)
    app.extensions["geoapp.store"].close()


def free_port() -> int:
    """A loopback port nobody listens on."""
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def cpu_seconds(pid: int) -> float:
    """The CPU time (user and system) of process ``pid`` and its children so far."""
    ticks = os.sysconf("SC_CLK_TCK")
    children = Path(f"/proc/{pid}/task/{pid}/children").read_text().split()
    total = 0
    for process in [pid, *map(int, children)]:
        fields = Path(f"/proc/{process}/stat").read_text().rsplit(")", 1)[1].split()
        total += int(fields[11]) + int(fields[12])  # utime, stime
    return total / ticks


@contextmanager
def gunicorn(
    app: str, workers: int, env: dict[str, str], ready_path: str
) -> Iterator[tuple[str, int]]:
    """``app`` under gunicorn on a loopback port; its root URL once ``ready_path`` answers,
    and the master's process id."""
    port = free_port()
    command = [sys.executable, "-m", "gunicorn", "-w", str(workers), "-b", f"127.0.0.1:{port}"]
    server = subprocess.Popen(
        [*command, "--log-level", "warning", app],
        env={**os.environ, "PYTHONPATH": str(REPOSITORY), **env},
    )
    try:
        deadline = time.monotonic() + 120
        while True:
            if server.poll() is not None:
                raise SystemExit(f"gunicorn {app} stopped (exit {server.returncode})")
            try:
                status, _ = fetch("127.0.0.1", port, ready_path)
                if status == 200:
                    break
            except OSError:
                pass
            if time.monotonic() > deadline:
                raise SystemExit(f"gunicorn {app} did not answer {ready_path} in 120 s")
            time.sleep(0.3)
        yield f"http://127.0.0.1:{port}", server.pid
    finally:
        server.terminate()
        server.wait(timeout=30)


def fetch(host: str, port: int, path: str) -> tuple[int, int]:
    """GET ``path`` on a new connection; the status and body length."""
    connection = http.client.HTTPConnection(host, port, timeout=60)
    try:
        connection.request("GET", path, headers={"Accept": "application/geo+json"})
        answer = connection.getresponse()
        return answer.status, len(answer.read())
    finally:
        connection.close()


def hammer(
    served: tuple[str, int], paths: list[str], clients: int, seconds: float, label: str
) -> Figures:
    """Keep ``clients`` requests in flight for ``seconds``, cycling through ``paths``,
    after as long a warm-up (every worker builds its own edition on its first request)."""
    root, master = served
    parts = urlsplit(root)
    host, port = parts.hostname or "127.0.0.1", parts.port or 80
    flood(host, port, paths, clients, seconds)
    before, cpu_before = os.getloadavg()[0], cpu_seconds(master)
    started = time.perf_counter()
    latencies, size = flood(host, port, paths, clients, seconds)
    elapsed = time.perf_counter() - started
    cpu = cpu_seconds(master) - cpu_before
    load = (before, os.getloadavg()[0])
    return Figures(label, "", len(latencies), elapsed, latencies, size, load, cpu)


def flood(
    host: str, port: int, paths: list[str], clients: int, seconds: float
) -> tuple[list[float], int]:
    """Every request's latency (ms) and the first answer's size, from ``clients`` threads
    asking in turn for ``paths`` until ``seconds`` have passed."""
    latencies: list[list[float]] = [[] for _ in range(clients)]
    sizes: list[int] = []
    failures: list[str] = []
    stop = time.monotonic() + seconds

    def client(number: int) -> None:
        sent = number
        while time.monotonic() < stop:
            path = paths[sent % len(paths)]
            began = time.perf_counter()
            status, size = fetch(host, port, path)
            latencies[number].append((time.perf_counter() - began) * 1000)
            if status != 200:
                failures.append(f"{status} {path}")
            sizes.append(size)
            sent += clients

    threads = [threading.Thread(target=client, args=(n,)) for n in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    if failures:
        raise SystemExit(f"{len(failures)} failed requests, first {failures[0]}")
    return [value for values in latencies for value in values], sizes[0]


def pages(prefix: str, districts: int, query: str = "") -> dict[str, list[str]]:
    """The first page, and pages spread over the collection (a fixed shuffled order)."""
    offsets = [(n * 37) % max(districts // PAGE, 1) * PAGE for n in range(districts // PAGE)]
    spread = [f"{prefix}?limit={PAGE}&offset={offset}{query}" for offset in offsets]
    return {"first page": [f"{prefix}?limit={PAGE}{query}"], "spread pages": spread}


def bench_geoapp(database_url: str, label: str, args: argparse.Namespace) -> list[Figures]:
    """Load the city at ``database_url`` and measure geoapp under gunicorn."""
    with tempfile.TemporaryDirectory(prefix="geoapp-bench-ogcapi-") as folder:
        instance = Path(folder)
        load_city(database_url, instance, args.districts)
        env = {
            "GEOAPP_DATABASE_URL": database_url,
            "GEOAPP_INSTANCE_PATH": str(instance),
            "GEOAPP_SECRET_KEY": "bench",
        }
        found = []
        with gunicorn("geoapp:create_app()", args.workers, env, "/healthz") as served:
            for page, paths in pages("/ogcapi/collections/districts/items", args.districts).items():
                figures = hammer(served, paths, args.clients, args.seconds, label)
                figures.page = page
                found.append(figures)
        return found


def pygeoapi_config(folder: Path, database_url: str, schema: str) -> Path:
    """A pygeoapi configuration serving ``schema``.districts from the PostGIS database
    (written as JSON, which YAML reads)."""
    info = psycopg.conninfo.conninfo_to_dict(database_url)
    licence = "https://creativecommons.org/licenses/by/4.0/"
    config = {
        "server": {
            "bind": {"host": "127.0.0.1", "port": 5000},
            "url": "http://127.0.0.1:5000",
            "mimetype": "application/json; charset=UTF-8",
            "encoding": "utf-8",
            "languages": ["ja"],
            "limits": {"default_items": 10, "max_items": 1000},
            "map": {"url": "https://tile.openstreetmap.org/{z}/{x}/{y}.png", "attribution": ""},
        },
        "logging": {"level": "ERROR"},
        "metadata": {
            "identification": {
                "title": "bench",
                "description": "bench",
                "keywords": ["bench"],
                "keywords_type": "theme",
                "terms_of_service": licence,
                "url": "http://127.0.0.1",
            },
            "license": {"name": "CC-BY 4.0", "url": licence},
            "provider": {"name": "bench", "url": "http://127.0.0.1"},
            "contact": {"name": "bench"},
        },
        "resources": {
            "districts": {
                "type": "collection",
                "title": "districts",
                "description": "districts",
                "keywords": ["districts"],
                "extents": {"spatial": {"bbox": [-180, -90, 180, 90], "crs": CRS84}},
                "providers": [
                    {
                        "type": "feature",
                        "name": "PostgreSQL",
                        "data": {
                            "host": info.get("host", "127.0.0.1"),
                            "port": int(info.get("port", 5432)),
                            "dbname": info["dbname"],
                            "user": info.get("user", "postgres"),
                            "password": info.get("password", ""),
                            "search_path": [schema, "public"],
                        },
                        "id_field": "code",
                        "table": "districts",
                        "geom_field": "geom",
                        "storage_crs": f"http://www.opengis.net/def/crs/EPSG/0/{SRID}",
                    }
                ],
            }
        },
    }
    path = folder / "pygeoapi.yml"
    path.write_text(json.dumps(config, ensure_ascii=False, indent=1), encoding="utf-8")
    return path


def bench_pygeoapi(database_url: str, schema: str, args: argparse.Namespace) -> list[Figures]:
    """pygeoapi serving the same PostGIS districts table under gunicorn."""
    with tempfile.TemporaryDirectory(prefix="geoapp-bench-pygeoapi-") as folder:
        config = pygeoapi_config(Path(folder), database_url, schema)
        openapi = Path(folder) / "openapi.yml"
        made = subprocess.run(
            [
                sys.executable,
                "-c",
                "from pygeoapi import cli; cli()",
                "openapi",
                "generate",
                str(config),
                "--output-file",
                str(openapi),
            ],
            capture_output=True,
            text=True,
            check=False,
        )
        if made.returncode != 0:
            raise SystemExit(f"pygeoapi openapi generate failed: {made.stderr[-2000:]}")
        env = {"PYGEOAPI_CONFIG": str(config), "PYGEOAPI_OPENAPI": str(openapi)}
        found = []
        with gunicorn("pygeoapi.flask_app:APP", args.workers, env, "/conformance") as served:
            query = "&f=json"
            for page, paths in pages("/collections/districts/items", args.districts, query).items():
                figures = hammer(served, paths, args.clients, args.seconds, "pygeoapi (PostGIS)")
                figures.page = page
                found.append(figures)
        return found


@contextmanager
def postgis_schema(base: str) -> Iterator[tuple[str, str]]:
    """A fresh schema in the PostGIS database: its URL (schema first on the search path)
    and name; dropped afterwards."""
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    try:
        connection = psycopg.connect(base, autocommit=True, connect_timeout=5)
    except psycopg.OperationalError as exc:
        raise SystemExit(f"PostgreSQL is not reachable at {base}: {exc}") from exc
    with connection:
        connection.execute("CREATE EXTENSION IF NOT EXISTS postgis")
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
        try:
            options = urlencode({"options": f"-csearch_path={schema},public"})
            yield f"{base}{'&' if '?' in base else '?'}{options}", schema
        finally:
            connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


def report(found: list[Figures], args: argparse.Namespace) -> None:
    """The figures, the targets and geoapp's ratio to pygeoapi."""
    print(
        f"\nOGC API items, limit={PAGE}, {args.districts:,} districts, gunicorn -w "
        f"{args.workers}, {args.clients} loopback clients, {args.seconds:g} s each, "
        f"{os.cpu_count()} CPUs"
    )
    print(
        f"{'server':<19} {'page':<12} {'req/s':>6} {'p50 ms':>6} {'p95 ms':>6} {'KB':>4} "
        f"{'CPU ms/req':>10} {'idle req/s':>10} {'load':>11}  target (≥ {TARGET_RATE:.0f}/s, "
        f"p95 < {TARGET_P95_MS:.0f} ms)"
    )
    for figures in found:
        rate_ok = figures.rate >= TARGET_RATE
        p95_ok = figures.percentile(0.95) < TARGET_P95_MS
        print(
            f"{figures.server:<19} {figures.page:<12} {figures.rate:>6.0f} "
            f"{figures.percentile(0.5):>6.1f} {figures.percentile(0.95):>6.1f} "
            f"{figures.bytes_per_answer / 1024:>4.0f} {figures.cpu_ms:>10.2f} "
            f"{figures.idle_rate(args.workers):>10.0f} "
            f"{figures.load[0]:>5.1f}→{figures.load[1]:<5.1f}  "
            f"{'ok' if rate_ok and p95_ok else 'MISSED'} "
            f"({figures.rate / TARGET_RATE:.2f}× the rate, "
            f"{figures.percentile(0.95) / TARGET_P95_MS:.2f}× the p95 limit)"
        )
    print(
        "CPU ms/req: the gunicorn processes' CPU time per request; idle req/s: what that "
        "allows on idle cores, one per worker (the client and PostgreSQL not counted); "
        "load: the 1-minute load average before→after"
    )
    peers = {f.page: f for f in found if f.server.startswith("pygeoapi")}
    for figures in found:
        peer = peers.get(figures.page)
        if peer is None or figures.server.startswith("pygeoapi"):
            continue
        print(
            f"{figures.server} / pygeoapi, {figures.page}: "
            f"{figures.rate / peer.rate:.1f}× the requests/s, "
            f"{figures.percentile(0.95) / peer.percentile(0.95):.2f}× the p95, "
            f"{figures.cpu_ms / peer.cpu_ms:.2f}× the CPU per request"
        )


def main() -> None:
    """Generate, serve, measure, print."""
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--districts", type=int, default=10_000)
    parser.add_argument("--seconds", type=float, default=10.0)
    parser.add_argument("--clients", type=int, default=4)
    parser.add_argument("--workers", type=int, default=2)
    parser.add_argument("--postgis", default=POSTGIS_URL)
    args = parser.parse_args()
    found: list[Figures] = []
    with tempfile.TemporaryDirectory(prefix="geoapp-bench-ogcapi-sqlite-") as folder:
        database = f"sqlite:///{Path(folder) / 'bench.sqlite3'}"
        found += bench_geoapp(database, "geoapp (SQLite)", args)
    with postgis_schema(args.postgis) as (database, schema):
        found += bench_geoapp(database, "geoapp (PostGIS)", args)
        if importlib.util.find_spec("pygeoapi") is None:
            print(
                "pygeoapi is not installed: the peer is skipped "
                "(pip install pygeoapi geoalchemy2 psycopg2-binary)"
            )
        else:
            found += bench_pygeoapi(args.postgis, schema, args)
    report(found, args)


if __name__ == "__main__":
    main()

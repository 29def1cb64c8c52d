"""Several app processes on one database, as gunicorn runs in production: a load or an
edit made through one process is seen through every other at once, because each keys its
caches on versions stored in the database. Every test runs on both backends."""

from __future__ import annotations

import os
import re
import subprocess
import sys
import threading
from collections.abc import Iterator
from contextlib import ExitStack, contextmanager
from pathlib import Path
from typing import Any

import pytest
import requests
from flask import Flask
from shapes import grid_centers, grid_zones, nine_districts
from staff import PASSWORD
from test_browser import free_port, wait_until_healthy
from test_district_reimport import grid_without_g9_with_g10

from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.storage import Store, open_store

REPOSITORY = Path(__file__).resolve().parents[1]


@contextmanager
def gunicorn(database_url: str, instance: Path) -> Iterator[str]:
    """One gunicorn server with one worker on a free port, on the given database, with the
    default settings otherwise; its URL."""
    port = free_port()
    env = {
        **{name: value for name, value in os.environ.items() if not name.startswith("GEOAPP_")},
        "GEOAPP_DATABASE_URL": database_url,
        "GEOAPP_INSTANCE_PATH": str(instance),
        "GEOAPP_POOL_SIZE": "2",
    }
    log = (instance / f"gunicorn-{port}.log").open("w")
    command = [sys.executable, "-m", "gunicorn", "--workers", "1", "--bind"]
    process = subprocess.Popen(
        [*command, f"127.0.0.1:{port}", "geoapp:create_app()"],
        cwd=REPOSITORY,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
    )
    url = f"http://127.0.0.1:{port}"
    try:
        wait_until_healthy(url, process)
        yield url
    finally:
        process.terminate()
        process.wait(timeout=20)
        log.close()


class Client:
    """A logged-in planner's HTTP session (the cookie is good on every server)."""

    def __init__(self, server: str) -> None:
        self.http = requests.Session()
        token = self.http.get(f"{server}/api/session", timeout=30).json()["csrf_token"]
        answer = self.http.post(
            f"{server}/api/session",
            json={"name": "tanaka", "password": PASSWORD},
            headers={"X-CSRFToken": token},
            timeout=30,
        )
        assert answer.status_code == 200, answer.text
        self.token = answer.json()["csrf_token"]

    def get(self, url: str) -> Any:
        answer = self.http.get(url, timeout=60)
        assert answer.status_code == 200, (url, answer.status_code, answer.text[:500])
        return answer.json()

    def post(self, url: str, **kwargs: Any) -> requests.Response:
        return self.http.post(url, headers={"X-CSRFToken": self.token}, timeout=120, **kwargs)


@pytest.fixture
def two_servers(grid_app: Flask, database_url: str, tmp_path: Path) -> Iterator[list[str]]:
    """Two single-worker gunicorn servers on the grid city's database."""
    instance = tmp_path / "served"
    instance.mkdir()
    with ExitStack() as stack:
        yield [stack.enter_context(gunicorn(database_url, instance)) for _ in range(2)]


def test_an_edit_through_one_server_is_read_at_once_through_the_other(
    two_servers: list[str],
) -> None:
    first, second = two_servers
    planner = Client(first)
    made = planner.post(f"{first}/api/plans", json={"name": "校区案", "source": "school_zones"})
    assert made.status_code == 201, made.text
    plan = made.json()
    url = f"/api/plans/{plan['id']}"
    assert planner.get(second + url)["version"] == plan["version"]

    moved = planner.post(
        f"{first}{url}/edits",
        json={"version": plan["version"], "op": "assign", "community": 1, "districts": ["G9"]},
    )
    assert moved.status_code == 200, moved.text
    seen = planner.get(second + url)
    assert (seen["version"], seen["assignments"]["G9"]) == (plan["version"] + 1, 1)

    stale = planner.post(
        f"{second}{url}/edits",
        json={"version": plan["version"], "op": "unassign", "districts": ["G1"]},
    )
    assert stale.status_code == 409
    back = planner.post(
        f"{second}{url}/edits",
        json={"version": seen["version"], "op": "assign", "community": 2, "districts": ["G9"]},
    )
    assert back.status_code == 200, back.text
    assert planner.get(first + url)["assignments"]["G9"] == 2
    assert planner.get(f"{first}{url}/checks")["version"] == seen["version"] + 1


def test_a_district_upload_through_one_server_is_read_at_once_through_the_other(
    two_servers: list[str], tmp_path: Path
) -> None:
    first, second = two_servers
    planner = Client(first)
    plan = planner.post(f"{first}/api/plans", json={"name": "校区案", "source": "school_zones"})
    url = f"/api/plans/{plan.json()['id']}"
    for server in two_servers:  # both processes cache the city and the plan
        assert len(planner.get(f"{server}/api/editor/city")["districts"]["features"]) == 9
        assert planner.get(server + url)["checks"]["unassigned"] == []
    tag = planner.http.get(f"{second}/api/editor/city", timeout=30).headers["ETag"]

    path = grid_without_g9_with_g10(tmp_path)
    with path.open("rb") as handle:
        checked = planner.post(
            f"{first}/admin/import/",
            data={"layer": "districts", "csrf_token": planner.token},
            files={"files": (path.name, handle)},
        )
    assert checked.status_code == 200, checked.text
    token = re.search(r"/admin/import/([A-Za-z0-9_-]+)/confirm", checked.text)
    assert token is not None, checked.text
    assert "G9" in {
        f["properties"]["code"]
        for f in planner.get(f"{second}/api/editor/city")["districts"]["features"]
    }
    confirmed = planner.post(
        f"{second}/admin/import/{token.group(1)}/confirm", data={"csrf_token": planner.token}
    )
    assert confirmed.status_code == 200 and 'data-report-status="stored"' in confirmed.text

    for server in (first, second):
        city = planner.http.get(f"{server}/api/editor/city", timeout=30)
        codes = {f["properties"]["code"] for f in city.json()["districts"]["features"]}
        assert "G10" in codes and "G9" not in codes
        assert city.headers["ETag"] != tag
        checks = planner.get(server + url)["checks"]
        assert (checks["unassigned"], checks["unknown_districts"]) == (["G10"], ["G9"])
        lasso = planner.post(
            f"{server}/api/editor/lasso",
            json={"polygon": [[lon, lat] for lon, lat in grid_lonlat_ring(city.json())]},
        )
        assert "G10" in lasso.json()["districts"]


def grid_lonlat_ring(city: dict[str, Any]) -> list[tuple[float, float]]:
    """A lon/lat ring around the city's districts, from the editor's bounds."""
    (south, west), (north, east) = city["bounds"]
    return [(west, south), (east, south), (east, north), (west, north)]


def test_the_data_stamp_changes_with_every_committed_write_even_one_recorded_without_a_source(
    store: Store,
) -> None:
    first = store.data_stamp()
    store.write_layers({DISTRICTS: [nine_districts()]}, "", "replace", dict)
    second = store.data_stamp()
    assert second != first
    with pytest.raises(ValueError):
        store.write_layers({DISTRICTS: failing_batches()}, "x", "replace", dict)
    assert store.data_stamp() == second


def failing_batches() -> Iterator[Any]:
    """One batch of districts, then an error: the write rolls back."""
    yield nine_districts()
    raise ValueError("the source broke off")


def test_a_load_that_commits_after_a_later_started_one_still_changes_the_stamp(
    postgis_schema_url: str,
) -> None:
    """On PostGIS two loads run at once: neither waits for the other's generation row
    until its very end, and the one that began first and commits last changes the stamp.
    (SQLite runs one write at a time, so there the second load simply waits.)"""
    database_url = postgis_schema_url
    slow, quick = (open_store(database_url, 6676, pool_size=2) for _ in range(2))
    try:
        slow.upgrade()
        paused, resume = threading.Event(), threading.Event()

        def held_centers() -> Iterator[Any]:
            paused.set()
            assert resume.wait(60)
            yield grid_centers()

        failures: list[BaseException] = []

        def load() -> None:
            try:
                slow.write_layers(
                    {DISTRICTS: [nine_districts()], CENTERS: held_centers()},
                    "slow",
                    "replace",
                    dict,
                )
            except BaseException as error:
                failures.append(error)

        writer = threading.Thread(target=load)
        writer.start()
        assert paused.wait(60)
        quick.write_layers({SCHOOL_ZONES: [grid_zones()]}, "quick", "replace", dict)
        between = quick.data_stamp()
        resume.set()
        writer.join(60)
        assert failures == []
        assert quick.data_stamp() != between
    finally:
        slow.close()
        quick.close()

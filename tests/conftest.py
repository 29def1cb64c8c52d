"""Fixtures: every storage test runs once on SQLite and once on PostGIS.

PostGIS comes from ``GEOAPP_TEST_POSTGIS_URL`` (default: the local server's ``geoapp_test``
database, created when missing). Each test gets a schema of its own, dropped afterwards.
Without a reachable PostGIS the PostGIS half skips with the reason — except under CI
(``CI=true``), where it fails.
"""

from __future__ import annotations

import os
import threading
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import psycopg
import pytest
from click.testing import CliRunner
from flask import Flask
from psycopg import sql
from staff import Staff, load_grid_city
from werkzeug.serving import make_server

from geoapp import create_app
from geoapp.cli import main
from geoapp.demo.city import load_demo_city, prepare_demo_planning
from geoapp.demo.grants import prepare_demo_grants
from geoapp.demo.organizations import prepare_demo_organizations
from geoapp.storage import Store, open_store

IN_CI = os.environ.get("CI") == "true"
POSTGIS_URL = os.environ.get(
    "GEOAPP_TEST_POSTGIS_URL", "postgresql://postgres@127.0.0.1:5432/geoapp_test"
)
TEST_SRID = 6676
BACKENDS = ["sqlite", "postgis"]


def pytest_collection_modifyitems(config: pytest.Config, items: list[pytest.Item]) -> None:
    """The QGIS tests run in CI's own QGIS step (GEOAPP_TEST_QGIS=1, after installing
    python3-qgis), not in the main run: elsewhere they are deselected, not skipped."""
    if os.environ.get("GEOAPP_TEST_QGIS") == "1":
        return
    left_out = [item for item in items if item.get_closest_marker("qgis")]
    if left_out:
        config.hook.pytest_deselected(items=left_out)
        items[:] = [item for item in items if not item.get_closest_marker("qgis")]


def missing(reason: str) -> None:
    """Skip on a laptop without the tool; fail under CI, where it must be present."""
    if IN_CI:
        pytest.fail(f"{reason} (CI=true: this must be available in CI)")
    pytest.skip(reason)


def _ensure_postgis_database() -> str | None:
    """Create the test database and the PostGIS extension if needed; the reason if not."""
    info = psycopg.conninfo.conninfo_to_dict(POSTGIS_URL)
    try:
        psycopg.connect(POSTGIS_URL, connect_timeout=5).close()
    except psycopg.OperationalError as exc:
        if "does not exist" not in str(exc):
            return f"PostgreSQL is not reachable at {POSTGIS_URL}: {exc}"
        admin = psycopg.conninfo.make_conninfo(POSTGIS_URL, dbname="postgres")
        with psycopg.connect(admin, autocommit=True, connect_timeout=5) as connection:
            connection.execute(sql.SQL("CREATE DATABASE {}").format(sql.Identifier(info["dbname"])))
    try:
        with psycopg.connect(POSTGIS_URL, autocommit=True) as connection:
            connection.execute("CREATE EXTENSION IF NOT EXISTS postgis SCHEMA public")
    except psycopg.Error as exc:
        return (
            f"PostGIS is not installed for the PostgreSQL at {POSTGIS_URL} ({exc}); "
            "install postgresql-15-postgis-3"
        )
    return None


@pytest.fixture(scope="session")
def postgis_server() -> str:
    """The PostGIS test database URL, or a skip/fail with the reason."""
    reason = _ensure_postgis_database()
    if reason:
        missing(reason)
    return POSTGIS_URL


@contextmanager
def fresh_schema(base: str) -> Iterator[str]:
    """A PostGIS URL whose search_path is a fresh schema, dropped afterwards."""
    schema = f"test_{uuid.uuid4().hex[:12]}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(sql.SQL("CREATE SCHEMA {}").format(sql.Identifier(schema)))
    options = urlencode({"options": f"-csearch_path={schema},public"})
    yield f"{base}{'&' if '?' in base else '?'}{options}"
    with psycopg.connect(base, autocommit=True) as connection:
        connection.execute(sql.SQL("DROP SCHEMA {} CASCADE").format(sql.Identifier(schema)))


@pytest.fixture
def postgis_schema_url(request: pytest.FixtureRequest) -> Iterator[str]:
    """A PostGIS URL whose search_path is a fresh schema, dropped after the test."""
    with fresh_schema(request.getfixturevalue("postgis_server")) as url:
        yield url


@pytest.fixture(params=BACKENDS)
def database_url(request: pytest.FixtureRequest, tmp_path: Path) -> str:
    """A fresh, empty database of each backend."""
    if request.param == "sqlite":
        return f"sqlite:///{tmp_path / 'geoapp.sqlite3'}"
    return request.getfixturevalue("postgis_schema_url")


@pytest.fixture
def second_database_url(database_url: str, tmp_path: Path) -> Iterator[str]:
    """Another fresh, empty database of the same backend as ``database_url`` (where a
    file exported from the first is imported)."""
    if database_url.startswith("sqlite"):
        yield f"sqlite:///{tmp_path / 'second.sqlite3'}"
        return
    with fresh_schema(POSTGIS_URL) as url:
        yield url


@contextmanager
def upgraded_store(url: str, pool_size: int = 4) -> Iterator[Store]:
    """The store at ``url``, upgraded, closed afterwards."""
    opened = open_store(url, TEST_SRID, pool_size=pool_size)
    opened.upgrade()
    yield opened
    opened.close()


@pytest.fixture
def store(database_url: str) -> Iterator[Store]:
    """An upgraded, empty store of each backend."""
    with upgraded_store(database_url) as opened:
        yield opened


@pytest.fixture
def second_store(second_database_url: str) -> Iterator[Store]:
    """An upgraded, empty store at ``second_database_url``."""
    with upgraded_store(second_database_url, pool_size=2) as opened:
        yield opened


@contextmanager
def app_with(database_url: str, instance: Path, **settings: object) -> Iterator[Flask]:
    """An app on the upgraded database, with ``settings`` (the GEOAPP_ variables without
    their prefix, or Flask's) over the defaults; its connections closed on leaving."""
    application = create_app(
        {
            "DATABASE_URL": database_url,
            "INSTANCE_PATH": instance,
            "SECRET_KEY": "test-secret",
            "CRS": TEST_SRID,
            "TESTING": True,
            **settings,
        }
    )
    store = application.extensions["geoapp.store"]
    try:
        store.upgrade()
        yield application
    finally:
        store.close()


@pytest.fixture
def app(database_url: str, tmp_path: Path) -> Iterator[Flask]:
    """An app on a fresh, upgraded database of each backend, with the default settings."""
    with app_with(database_url, tmp_path / "instance") as application:
        yield application


@pytest.fixture
def demo_app(app: Flask) -> Flask:
    """The app holding the demo city with its adopted plan, a draft and the organizations
    with their history (the modules that publish grants add them: ``with_demo_grants``)."""
    store = app.extensions["geoapp.store"]
    load_demo_city(store)
    prepare_demo_planning(store, app.extensions["geoapp.plans"])
    prepare_demo_organizations(app.extensions["geoapp.organizations"])
    return app


def with_demo_grants(app: Flask) -> Flask:
    """The demo app with the demo's five fiscal years of grants, as ``geoapp demo`` has
    them (a second or so, so only the modules that read grants add them)."""
    prepare_demo_grants(app.extensions["geoapp.organizations"], app.extensions["geoapp.subsidies"])
    return app


@pytest.fixture
def grid_app(app: Flask) -> Flask:
    """The app with the hand-drawn grid city and its accounts (an admin, two planners)."""
    load_grid_city(app)
    return app


@pytest.fixture
def tanaka(grid_app: Flask) -> Staff:
    """The planner tanaka, logged in through the JSON API on the grid city."""
    return Staff(grid_app, "tanaka")


@pytest.fixture
def demo_cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI on a database of each backend holding the demo city, its accounts, plans and
    organizations (``geoapp demo --no-serve``)."""
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    loaded = runner.invoke(main, ["demo", "--no-serve"])
    assert loaded.exit_code == 0, loaded.output
    assert "demo / aobagawa-demo" in loaded.output
    assert "organizations: 14" in loaded.output
    return runner


@pytest.fixture
def served(demo_app: Flask) -> Iterator[tuple[str, list[str]]]:
    """The demo app behind a real HTTP server: its root URL and the paths it was asked."""
    asked: list[str] = []

    def recording(environ: dict[str, Any], start_response: Any) -> Any:
        asked.append(environ["PATH_INFO"] + "?" + environ.get("QUERY_STRING", ""))
        return demo_app(environ, start_response)

    server = make_server("127.0.0.1", 0, recording, threaded=True)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_port}", asked
    server.shutdown()
    thread.join()

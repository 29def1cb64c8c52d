"""Every response carries the Content-Security-Policy; pages run only their nonce'd scripts."""

from __future__ import annotations

from html.parser import HTMLParser
from pathlib import Path

import pytest
from conftest import TEST_SRID, app_with
from flask import Flask
from staff import Staff

from geoapp import create_app
from geoapp.web.content_policy import policy, tile_source


class PageScripts(HTMLParser):
    """The script tags and event-handler attributes of a page."""

    def __init__(self) -> None:
        super().__init__()
        self.inline_scripts: list[dict[str, str | None]] = []
        self.handlers: list[str] = []
        self.script_urls: list[str] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        found = dict(attrs)
        self.handlers += [f"<{tag} {name}>" for name, _ in attrs if name.startswith("on")]
        self.script_urls += [
            f"<{tag} {name}={value}>"
            for name, value in attrs
            if (value or "").strip().lower().startswith("javascript:")
        ]
        if tag == "script" and "src" not in found and found.get("type") != "application/json":
            self.inline_scripts.append(found)


def directives(header: str) -> dict[str, list[str]]:
    """A policy's directives and their sources."""
    parts = [part.split() for part in header.split(";") if part.strip()]
    return {name: sources for name, *sources in parts}


def staff_pages(staff: Staff) -> list[str]:
    """Every page an admin opens, with a plan to edit and compare."""
    first = staff.new_plan(name="案A")["id"]
    second = staff.new_plan(name="案B")["id"]
    return [
        "/",
        "/overlay",
        "/admin/import/",
        "/admin/city/",
        "/plans/",
        f"/plans/{first}/edit",
        f"/plans/compare?a={first}&b={second}",
        "/no-such-page",
    ]


def test_every_page_runs_only_scripts_that_carry_its_nonce(grid_app: Flask) -> None:
    admin = Staff(grid_app, "kanri")
    with_map_script = []
    for url in staff_pages(admin):
        response = admin.get(url)
        assert response.status_code in (200, 404), url
        policy_header = response.headers["Content-Security-Policy"]
        scripts = directives(policy_header)["script-src"]
        nonces = [source for source in scripts if source.startswith("'nonce-")]
        assert scripts[0] == "'self'" and "'unsafe-inline'" not in scripts, url
        page = PageScripts()
        page.feed(response.get_data(as_text=True))
        assert page.handlers == [] and page.script_urls == [], url
        if page.inline_scripts:
            with_map_script.append(url)
            assert len(nonces) == 1, url
            assert all(f"'nonce-{s['nonce']}'" == nonces[0] for s in page.inline_scripts), url
    assert len(with_map_script) == 4  # home, overlay, editor, comparison


def test_the_login_page_and_the_json_api_carry_the_policy_too(grid_app: Flask) -> None:
    client = grid_app.test_client()
    for url in ("/login", "/api/layers/districts", "/healthz", "/static/geoapp.css"):
        response = client.get(url)
        assert response.status_code == 200, url
        found = directives(response.headers["Content-Security-Policy"])
        assert found["object-src"] == ["'none'"] and found["base-uri"] == ["'self'"], url
        assert found["frame-ancestors"] == ["'self'"], url
        assert response.headers["X-Content-Type-Options"] == "nosniff"
        assert response.headers["Referrer-Policy"] == "same-origin"


def test_each_request_gets_a_new_nonce(grid_app: Flask) -> None:
    client = grid_app.test_client()
    seen = {
        directives(client.get("/").headers["Content-Security-Policy"])["script-src"][1]
        for _ in range(3)
    }
    assert len(seen) == 3


def test_without_a_base_map_images_come_only_from_the_app(tmp_path: Path) -> None:
    with app_with(f"sqlite:///{tmp_path / 'geoapp.sqlite3'}", tmp_path, BASEMAP="none") as app:
        found = directives(app.test_client().get("/").headers["Content-Security-Policy"])
    assert found["img-src"] == ["'self'", "data:"]


@pytest.mark.parametrize(
    ("basemap", "tiles"),
    [
        ("gsi-pale", "https://cyberjapandata.gsi.go.jp"),
        ("https://{s}.tiles.city.example.jp/{z}/{x}/{y}.png", "https://*.tiles.city.example.jp"),
        ("http://10.0.0.5:8080/tiles/{z}/{x}/{y}.png", "http://10.0.0.5:8080"),
    ],
)
def test_the_map_pages_allow_images_from_the_base_map_tile_server(
    tmp_path: Path, basemap: str, tiles: str
) -> None:
    app = create_app(
        {
            "DATABASE_URL": f"sqlite:///{tmp_path / 'geoapp.sqlite3'}",
            "INSTANCE_PATH": tmp_path / "instance",
            "BASEMAP": basemap,
            "BASEMAP_ATTRIBUTION": "庁内地図",
            "CRS": TEST_SRID,
        }
    )
    store = app.extensions["geoapp.store"]
    try:
        store.upgrade()
        client = app.test_client()
        found = directives(client.get("/").headers["Content-Security-Policy"])
        assert found["img-src"] == ["'self'", "data:", tiles]
        login = directives(client.get("/login").headers["Content-Security-Policy"])
        assert login["img-src"] == ["'self'", "data:"]
    finally:
        store.close()


def test_a_tile_host_a_policy_cannot_name_is_left_out() -> None:
    assert tile_source("https://a.b{s}.example.jp/{z}/{x}/{y}.png") is None
    assert tile_source("https://x.jp;script-src *;/{z}/{x}/{y}.png") is None
    assert "script-src 'self';" in policy(None, None)

"""The map page, the layer API, health and errors, on both backends."""

from __future__ import annotations

import json
import re
from typing import Any

import pytest
from conftest import TEST_SRID, app_with
from flask import Flask
from flask.testing import FlaskClient
from shapes import all_layers

from geoapp import create_app
from geoapp.city.model import City

CITY = City("青葉川市", "あおばがわし", "999016", TEST_SRID, basemap="gsi-pale")
CDN_HOSTS = re.compile(r"cdn\.jsdelivr|unpkg\.com|cdnjs|code\.jquery|bootstrapcdn|googleapis")


def readable(page: str) -> str:
    """The page with the JavaScript \\uXXXX escapes folium writes turned back into text."""
    return re.sub(r"\\u([0-9a-fA-F]{4})", lambda m: chr(int(m.group(1), 16)), page)


@pytest.fixture
def city_app(app: Flask) -> Flask:
    """The app with the hand-drawn city loaded."""
    store = app.extensions["geoapp.store"]
    store.save_city(CITY)
    store.replace_layers(all_layers(), source="hand-drawn")
    return app


def public_map(client: FlaskClient, query: str = "") -> tuple[dict[str, Any], dict[str, list]]:
    """The public map page's data for its script, and the features the script fetches for
    each layer of the switcher (the page carries none)."""
    page = client.get("/" + query).get_data(as_text=True)
    found = re.search(r'<script type="application/json" id="public-map-data">(.*?)</script>', page)
    assert found, page
    data = json.loads(found.group(1))
    shapes = {}
    for key, url in data["collections"].items():
        answer = client.get(url)
        assert answer.status_code == 200, url
        assert "ETag" in answer.headers and "max-age" in answer.headers["Cache-Control"], url
        shapes[key] = answer.get_json()["features"]
    return data, shapes


def test_the_home_page_draws_the_three_layers_in_japanese(city_app: Flask) -> None:
    client = city_app.test_client()
    page = readable(client.get("/").get_data(as_text=True))
    assert "青葉川市" in page
    for label in ("行政区（3）", "小学校区（2）", "拠点施設（2）", "凡例", "高齢化率"):
        assert label in page
    assert "青葉町一丁目" not in page  # the shapes are fetched, not carried
    _data, shapes = public_map(client)
    assert "青葉町一丁目" in [f["properties"]["name"] for f in shapes["districts"]]
    assert "松原コミュニティセンター" in [f["properties"]["name"] for f in shapes["hubs"]]
    assert len(shapes["districts"]) == 3 and len(shapes["school-zones"]) == 2


def test_the_home_page_loads_leaflet_from_the_app_and_names_no_cdn(city_app: Flask) -> None:
    client = city_app.test_client()
    page = client.get("/").get_data(as_text=True)
    assert not CDN_HOSTS.search(page)
    scripts = re.findall(r'<script src="([^"]+)"', page)
    styles = re.findall(r'<link rel="stylesheet" href="([^"]+)"', page)
    assert scripts and all(src.startswith("/") for src in scripts)
    assert all(href.startswith("/") for href in styles)
    for url in scripts + styles:
        response = client.get(url)
        assert response.status_code == 200, url
    assert b"Leaflet" in client.get("/vendor/leaflet/leaflet.js").data


def test_the_none_basemap_requests_no_tiles(database_url: str, tmp_path) -> None:
    with app_with(database_url, tmp_path, BASEMAP="none") as app:
        store = app.extensions["geoapp.store"]
        store.save_city(CITY)
        store.replace_layers(all_layers(), source="hand-drawn")
        page = app.test_client().get("/").get_data(as_text=True)
    assert "tileLayer" not in page
    assert "背景地図なし" in page and "fitBounds" in page


def test_the_gsi_basemap_shows_its_tiles_and_attribution(database_url: str, tmp_path) -> None:
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": tmp_path, "CRS": TEST_SRID})
    try:
        store = app.extensions["geoapp.store"]
        store.upgrade()
        store.save_city(CITY)
        page = readable(app.test_client().get("/").get_data(as_text=True))
        assert "cyberjapandata.gsi.go.jp/xyz/pale/{z}/{x}/{y}.png" in page
        assert "地理院タイル" in page
    finally:
        store.close()


def test_the_page_switches_to_english_and_remembers_it(city_app: Flask) -> None:
    client = city_app.test_client()
    page = readable(client.get("/?lang=en").get_data(as_text=True))
    assert "Wide-area community planning" in page and "Districts (3)" in page
    assert "Wide-area communities (" in page and "Wide-area community (" not in page
    assert 'lang="en"' in page
    again = readable(client.get("/").get_data(as_text=True))
    assert "Legend" in again


def test_the_home_page_shows_the_fiscal_year_in_wareki(city_app: Flask) -> None:
    page = city_app.test_client().get("/").get_data(as_text=True)
    assert re.search(r"令和\d+年度（20\d\d年度）", page)
    assert re.search(r"令和\d+年\d+月\d+日", page)


def test_a_layer_is_served_as_rfc7946_geojson(city_app: Flask) -> None:
    response = city_app.test_client().get("/api/layers/districts")
    assert response.mimetype == "application/geo+json"
    collection = response.get_json()
    assert [f["properties"]["code"] for f in collection["features"]] == ["A", "B", "C"]
    lon, lat = collection["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 138 < lon < 139 and 35 < lat < 37


def test_an_unknown_layer_is_a_json_error_naming_the_choices(city_app: Flask) -> None:
    response = city_app.test_client().get("/api/layers/rivers")
    assert response.status_code == 400
    body = response.get_json()
    assert body["error"] == "bad_input"
    assert "rivers" in body["message"] and "school-zones" in body["message"]


def test_an_unknown_page_is_a_japanese_error_page(city_app: Flask) -> None:
    response = city_app.test_client().get("/no-such-page", headers={"Accept": "text/html"})
    assert response.status_code == 404
    page = response.get_data(as_text=True)
    assert "見つかりませんでした" in page and "地図に戻る" in page


def test_an_unknown_api_route_answers_json(city_app: Flask) -> None:
    response = city_app.test_client().get("/api/nothing")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def test_health_reports_the_database(city_app: Flask) -> None:
    body = city_app.test_client().get("/healthz").get_json()
    store = city_app.extensions["geoapp.store"]
    assert body == {
        "status": "ok",
        "database": store.backend,
        "schema_version": store.schema_version(),
        "city": "青葉川市",
    }


def test_health_is_503_when_the_database_is_out_of_reach(tmp_path) -> None:
    app = create_app(
        {
            "DATABASE_URL": "postgresql://postgres@127.0.0.1:1/none?connect_timeout=1",
            "INSTANCE_PATH": tmp_path,
        }
    )
    try:
        response = app.test_client().get("/healthz")
        assert response.status_code == 503
        assert response.headers["Retry-After"] == "30"
        assert "接続できません" in response.get_json()["message"]
    finally:
        app.extensions["geoapp.store"].close()


def test_an_outdated_schema_asks_for_an_upgrade(database_url: str, tmp_path) -> None:
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": tmp_path, "CRS": TEST_SRID})
    store = app.extensions["geoapp.store"]
    try:
        store.upgrade(target=1)
        response = app.test_client().get("/", headers={"Accept": "text/html"})
        assert response.status_code == 503
        assert "geoapp db upgrade" in response.get_data(as_text=True)
    finally:
        store.close()


def test_an_unexpected_failure_is_a_500_page_without_a_traceback(city_app: Flask) -> None:
    @city_app.get("/boom")
    def boom() -> str:
        raise RuntimeError("secret internals")

    city_app.config["TESTING"] = False
    city_app.config["PROPAGATE_EXCEPTIONS"] = False
    response = city_app.test_client().get("/boom", headers={"Accept": "text/html"})
    assert response.status_code == 500
    page = response.get_data(as_text=True)
    assert "システムでエラーが発生しました" in page and "secret internals" not in page

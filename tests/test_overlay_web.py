"""The overlay page and its API on both backends."""

from __future__ import annotations

import io
import json

import pandas as pd
import pytest
from conftest import TEST_SRID
from flask import Flask
from overlay_shapes import centers, districts, zones
from shapely import box
from test_web import readable

from geoapp.city.model import City
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.overlay.report import overlay_report

CITY = City("青葉川市", "あおばがわし", "999016", TEST_SRID, basemap="gsi-pale")


@pytest.fixture
def overlay_app(app: Flask) -> Flask:
    """The app with the hand-drawn overlay layers loaded."""
    store = app.extensions["geoapp.store"]
    store.save_city(CITY)
    layers = {DISTRICTS: districts(), SCHOOL_ZONES: zones(), CENTERS: centers()}
    for frame in layers.values():
        frame["properties"] = [{} for _ in range(len(frame))]
    store.replace_layers(layers, source="hand-drawn")
    return app


def test_the_overlay_page_hatches_split_districts_and_flags_zones_without_a_centre(
    overlay_app: Flask,
) -> None:
    page = readable(overlay_app.test_client().get("/overlay").get_data(as_text=True))
    assert page.count('"split": true') == 2
    assert "geoapp-split-district" in page and "geoapp-zone-without-center" in page
    assert "geoapp-hatch-split" in page
    assert "三小学校区に拠点施設がありません" in page
    assert 'data-count="split-districts">2<' in page
    assert 'data-count="zones-without-center">1<' in page
    assert "分割された行政区" in page and "凡例" in page


def test_the_overlay_page_follows_the_threshold_and_speaks_english(overlay_app: Flask) -> None:
    page = readable(
        overlay_app.test_client().get("/overlay?threshold=0.03&lang=en").get_data(as_text=True)
    )
    assert 'data-count="split-districts">3<' in page
    assert "Split districts" in page and "Zones without a centre" in page
    assert '<option value="0.03" selected>' in page


def test_the_overlay_page_links_its_downloads_and_is_in_the_header(overlay_app: Flask) -> None:
    page = overlay_app.test_client().get("/overlay?threshold=0.1").get_data(as_text=True)
    assert "/api/overlay?threshold=0.1" in page
    assert "/api/overlay/pieces.csv?threshold=0.1" in page
    home = overlay_app.test_client().get("/").get_data(as_text=True)
    assert 'href="/overlay"' in home


def test_the_api_gives_the_same_content_as_the_report(overlay_app: Flask) -> None:
    body = overlay_app.test_client().get("/api/overlay?threshold=0.03").get_json()
    in_code_order = districts().sort_values("code")
    expected = overlay_report(in_code_order, zones(), centers(), threshold=0.03).to_dict()
    assert body == json.loads(json.dumps(expected))


def test_the_api_serves_pieces_as_csv_and_geojson(overlay_app: Flask) -> None:
    client = overlay_app.test_client()
    response = client.get("/api/overlay/pieces.csv")
    assert response.mimetype == "text/csv"
    assert "attachment" in response.headers["Content-Disposition"]
    table = pd.read_csv(io.BytesIO(response.data), encoding="utf-8-sig")
    assert list(table["district"]) == ["A", "B", "B", "C", "C", "H", "M", "O", "X", "X"]
    assert table.loc[table["district"] == "O", "zone"].isna().all()  # O is in no zone
    collection = client.get("/api/overlay/pieces.geojson").get_json()
    assert len(collection["features"]) == 10
    lon, lat = collection["features"][0]["geometry"]["coordinates"][0][0][0]
    assert 138 < lon < 139 and 35 < lat < 37


def test_a_threshold_that_is_not_a_number_is_a_json_error(overlay_app: Flask) -> None:
    response = overlay_app.test_client().get("/api/overlay?threshold=five")
    assert response.status_code == 400
    assert "five" in response.get_json()["message"]


def test_an_empty_city_gets_an_explaining_error_and_page(app: Flask) -> None:
    client = app.test_client()
    response = client.get("/api/overlay")
    assert response.status_code == 404
    body = response.get_json()
    assert body["message"] == (
        "行政区と小学校区が取り込まれていません。"
        "`geoapp import` で取り込むか、`geoapp demo` でデモ市を読み込んでください。"
    )
    assert body["message_en"] == (
        "No administrative districts or elementary school zones are stored yet. "
        "Import them with `geoapp import`, or load the demo city with `geoapp demo`."
    )
    page = client.get("/overlay")
    assert page.status_code == 200
    assert "geoapp demo" in page.get_data(as_text=True)
    english = client.get("/overlay?lang=en").get_data(as_text=True)
    assert "No administrative districts or elementary school zones are stored yet." in english


def test_coverage_problems_are_drawn_without_jquery(overlay_app: Flask) -> None:
    store = overlay_app.extensions["geoapp.store"]
    overlapping = zones()
    overlapping.loc[overlapping["code"] == "Z2", "geometry"] = box(95, 0, 200, 100)
    overlapping["properties"] = [{} for _ in range(len(overlapping))]
    store.replace_layers({SCHOOL_ZONES: overlapping}, source="hand-drawn")
    page = readable(overlay_app.test_client().get("/overlay").get_data(as_text=True))
    assert "geoapp-coverage-problem" in page and "重なり" in page
    assert "$(`" not in page, "folium.Popup needs jQuery, which the app does not load"


def test_the_zone_table_shows_the_difference_from_a_zones_own_population(
    overlay_app: Flask,
) -> None:
    page = overlay_app.test_client().get("/overlay").get_data(as_text=True)
    assert '<td class="num difference">-615</td>' in page
    assert '<td class="num difference">—</td>' in page

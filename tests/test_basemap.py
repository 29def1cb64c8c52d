"""The base map setting is checked when the app starts: an in-house tile URL needs its
{z}/{x}/{y} and an attribution, and a wrong value stops the app with a message naming the
variable instead of making every map page fail."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

import pytest
from conftest import TEST_SRID, app_with
from shapes import all_layers

from geoapp import create_app
from geoapp.city.model import City
from geoapp.errors import BadInput, BadSetting
from geoapp.web.basemap import basemap_for

TILES = "http://tiles.city.local/{z}/{x}/{y}.png"
GEOAPP = str(Path(sys.executable).parent / "geoapp")


def test_a_tile_url_without_attribution_stops_the_app_and_names_the_variable(
    tmp_path: Path,
) -> None:
    with pytest.raises(BadSetting, match="GEOAPP_BASEMAP_ATTRIBUTION") as refused:
        create_app({"INSTANCE_PATH": tmp_path, "BASEMAP": TILES})
    assert "GEOAPP_BASEMAP" in refused.value.message_en
    assert "出典" in refused.value.message


def test_a_blank_attribution_is_no_attribution(tmp_path: Path) -> None:
    with pytest.raises(BadSetting, match="GEOAPP_BASEMAP_ATTRIBUTION"):
        create_app({"INSTANCE_PATH": tmp_path, "BASEMAP": TILES, "BASEMAP_ATTRIBUTION": "  "})


@pytest.mark.parametrize(
    ("url", "missing"),
    [
        ("http://tiles.city.local/{z}/{x}.png", "{y}"),
        ("http://tiles.city.local/{zxy}.png", "{z}"),
        ("http://tiles.city.local/tile.png?x={x}&y={y}", "{z}"),
    ],
)
def test_a_tile_url_without_each_of_z_x_y_is_refused(url: str, missing: str) -> None:
    with pytest.raises(BadInput, match=re.escape(missing) + ".*がありません") as refused:
        basemap_for(url, "庁内地図")
    assert refused.value.message_en.startswith(f"The tile URL '{url}' lacks {missing}")
    assert "as {z}/{x}/{y} (e.g. https://tiles.example.lg.jp/{z}/{x}/{y}.png)" in (
        refused.value.message_en
    )


def test_a_tile_url_needs_http_and_a_host() -> None:
    for url in ("ftp://tiles.city.local/{z}/{x}/{y}.png", "http:///{z}/{x}/{y}.png"):
        with pytest.raises(BadInput, match="背景地図の設定"):
            basemap_for(url, "庁内地図")


def test_the_geoapp_command_prints_the_setting_error_and_exits_non_zero(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith("GEOAPP_")}
    env.update(GEOAPP_INSTANCE_PATH=str(tmp_path), GEOAPP_BASEMAP=TILES)
    done = subprocess.run(
        [GEOAPP, "demo", "--no-serve"], env=env, capture_output=True, text=True, timeout=120
    )
    assert done.returncode != 0
    assert "GEOAPP_BASEMAP_ATTRIBUTION" in done.stderr and "出典" in done.stderr
    assert "Traceback" not in done.stderr + done.stdout
    assert not (tmp_path / "geoapp.sqlite3").exists()


def test_a_tile_url_with_its_attribution_draws_both_maps_opening_on_the_city(
    database_url: str, tmp_path: Path
) -> None:
    with app_with(
        database_url, tmp_path, BASEMAP=TILES, BASEMAP_ATTRIBUTION="青葉川市 庁内地図"
    ) as app:
        store = app.extensions["geoapp.store"]
        store.save_city(City("青葉川市", "あおばがわし", "999016", TEST_SRID))
        store.replace_layers(all_layers(), source="hand-drawn")
        answers = {path: app.test_client().get(path) for path in ("/", "/overlay")}
    for path, answer in answers.items():
        page = answer.get_data(as_text=True)
        assert answer.status_code == 200, path
        assert TILES in page and "\\u5e81\\u5185\\u5730\\u56f3" in page, path  # 庁内地図
        # The map opens on the city before the tiles are added (no zoom to their minimum).
        assert page.index("fitBounds") < page.index("L.tileLayer"), path

"""City settings, base maps and database URLs refuse bad values with clear messages."""

import pytest

from geoapp.city.model import City
from geoapp.errors import BadInput
from geoapp.layers import layer_named
from geoapp.storage import open_store
from geoapp.web.basemap import basemap_for


def test_a_lonlat_working_crs_is_refused() -> None:
    with pytest.raises(BadInput, match="平面直角座標系"):
        City("青葉川市", "", "999016", 6668)


def test_a_malformed_municipality_code_is_refused() -> None:
    with pytest.raises(BadInput, match="市区町村コード"):
        City("青葉川市", "", "22-212", 6676)


def test_an_inhouse_tile_server_can_be_the_basemap() -> None:
    basemap = basemap_for("http://tiles.city.local/{z}/{x}/{y}.png", "庁内地図")
    assert basemap.url.startswith("http://tiles.city.local") and basemap.attribution == "庁内地図"


def test_an_unknown_basemap_is_refused() -> None:
    with pytest.raises(BadInput, match="背景地図"):
        basemap_for("google")


def test_an_unknown_database_url_is_refused() -> None:
    with pytest.raises(BadInput, match="mysql"):
        open_store("mysql://localhost/x", 6676)


def test_layers_are_found_by_name_or_table() -> None:
    assert layer_named("school-zones") is layer_named("school_zones")

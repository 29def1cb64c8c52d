"""`geoapp overlay` on both backends: a summary, one JSON object, CSV and GeoJSON files."""

from __future__ import annotations

import json
from pathlib import Path

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from conftest import TEST_SRID
from overlay_shapes import centers, districts, zones
from shapely import Point

from geoapp.city.model import City
from geoapp.cli import main
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.storage import open_store

CITY = City("青葉川市", "あおばがわし", "999016", TEST_SRID)


@pytest.fixture
def city_cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """A CLI runner on a database holding the hand-drawn layers."""
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    store = open_store(database_url, TEST_SRID, pool_size=2)
    try:
        store.upgrade()
        store.save_city(CITY)
        layers = {DISTRICTS: districts(), SCHOOL_ZONES: zones(), CENTERS: centers()}
        for frame in layers.values():
            frame["properties"] = [{} for _ in range(len(frame))]
        store.replace_layers(layers, source="hand-drawn")
    finally:
        store.close()
    return CliRunner()


def test_overlay_prints_a_summary_with_split_districts_and_zones_without_a_centre(
    city_cli: CliRunner,
) -> None:
    result = city_cli.invoke(main, ["overlay"])
    assert result.exit_code == 0, result.output
    assert "分割 / split (>5%): 2" in result.output
    assert "拠点なし / without a centre: Z3" in result.output
    assert "B → Z1  (Z1 50.0%, Z2 50.0%)" in result.output


def test_overlay_json_is_one_object_with_the_contract_fields(city_cli: CliRunner) -> None:
    result = city_cli.invoke(main, ["overlay", "--json", "--threshold", "0.03"])
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["threshold"] == 0.03
    district = next(entry for entry in report["districts"] if entry["code"] == "C")
    assert {"code", "name", "majority_zone", "split", "pieces"} <= set(district)
    assert district["split"] is True
    assert {"zone", "area_m2", "share"} <= set(district["pieces"][0])
    assert report["summary"]["split_districts"] == 3
    assert report["summary"]["zones_without_center"] == 1
    assert {"population", "centers"} <= set(report["zones"][0])
    assert [center["code"] for center in report["centers"]] == ["K1", "K2", "K3", "K4", "K5"]


def test_overlay_writes_the_pieces_as_csv_and_lonlat_geojson(
    city_cli: CliRunner, tmp_path: Path
) -> None:
    csv, geojson = tmp_path / "pieces.csv", tmp_path / "pieces.geojson"
    result = city_cli.invoke(main, ["overlay", "--csv", str(csv), "--geojson", str(geojson)])
    assert result.exit_code == 0, result.output
    table = pd.read_csv(csv, encoding="utf-8-sig")
    assert len(table) == 10 and table.loc[0, "district_name"] == "青葉"
    assert set(table.loc[table["district"] == "B", "zone"]) == {"Z1", "Z2"}
    outside = table[table["zone"].isna()]  # O lies in no zone: a piece without one
    assert list(outside["district"]) == ["O"] and list(outside["population"]) == [10]
    shapes = gpd.read_file(geojson)
    assert len(shapes) == 10 and shapes.crs.to_epsg() == 4326
    assert 138 < shapes.total_bounds[0] < 139


def test_overlay_apportions_by_a_weights_file(city_cli: CliRunner, tmp_path: Path) -> None:
    weights = gpd.GeoDataFrame(
        {"people": [3, 1]}, geometry=[Point(90, 20), Point(110, 20)], crs=TEST_SRID
    )
    weights.to_file(tmp_path / "weights.gpkg")
    result = city_cli.invoke(
        main,
        [
            "overlay",
            "--json",
            "--weights",
            str(tmp_path / "weights.gpkg"),
            "--weight-column",
            "people",
        ],
    )
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["apportioned_by"] == "weights:people"
    z1 = next(zone for zone in report["zones"] if zone["code"] == "Z1")
    assert z1["population"] == pytest.approx(740)


def test_a_bad_threshold_is_a_clear_error_and_exit_code(city_cli: CliRunner) -> None:
    result = city_cli.invoke(main, ["overlay", "--threshold", "0.7"])
    assert result.exit_code == 1
    assert "しきい値" in result.output


def test_overlay_on_an_empty_city_says_what_to_import(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    assert runner.invoke(main, ["db", "upgrade", "--crs", str(TEST_SRID)]).exit_code == 0
    result = runner.invoke(main, ["overlay"])
    assert result.exit_code == 1
    assert "取り込まれていません" in result.output and "geoapp import" in result.output

"""The demo city: arrives like real city data, forms proper coverages, loads the same on
both backends, and regenerates byte for byte."""

from __future__ import annotations

import hashlib
import subprocess
import sys
from pathlib import Path

import pyogrio
import pytest
import shapely
from click.testing import CliRunner

from geoapp.city.model import City
from geoapp.cli import main
from geoapp.demo.city import (
    demo_city,
    demo_dir,
    load_demo_city,
    prepare_demo_planning,
    read_demo_layer,
)
from geoapp.errors import Conflict
from geoapp.layers import CENTERS, DISTRICTS, LAYERS, SCHOOL_ZONES
from geoapp.plans.service import Planning
from geoapp.storage import Store
from geoapp.storage.district_readings import district_readings

REPO = Path(__file__).resolve().parent.parent


def test_the_demo_files_are_cp932_in_a_plane_crs_without_cpg() -> None:
    for name in ("districts", "school_zones", "centers"):
        assert not (demo_dir() / f"{name}.cpg").exists()
        assert pyogrio.read_info(demo_dir() / f"{name}.shp")["crs"] == "EPSG:6676"
        raw = (demo_dir() / f"{name}.dbf").read_bytes()
        with pytest.raises(UnicodeDecodeError):
            raw[raw.index(b"\r") + 1 :].decode("utf-8")
    names = read_demo_layer(DISTRICTS)["name"]
    assert all(any("\u4e00" <= ch <= "\u9fff" for ch in name) for name in names)


def test_the_districts_form_a_coverage_with_exclaves() -> None:
    districts = read_demo_layer(DISTRICTS)
    assert 250 <= len(districts) <= 350
    geometries = districts.geometry.to_numpy()
    assert shapely.coverage_is_valid(geometries)
    union = shapely.coverage_union_all(geometries)
    assert union.area == pytest.approx(districts.area.sum(), rel=1e-9)
    assert (districts.geom_type == "MultiPolygon").sum() >= 3
    assert districts["code"].is_unique


def test_school_zones_cover_the_city_but_split_some_districts() -> None:
    districts = read_demo_layer(DISTRICTS)
    zones = read_demo_layer(SCHOOL_ZONES)
    assert 10 <= len(zones) <= 16
    assert shapely.coverage_is_valid(zones.geometry.to_numpy())
    assert zones.area.sum() == pytest.approx(districts.area.sum(), rel=1e-9)
    pieces = districts.overlay(zones, how="intersection", keep_geom_type=True)
    pieces = pieces[pieces.area > 1.0]
    zones_per_district = pieces.groupby("code_1").size()
    assert 5 <= (zones_per_district > 1).sum() <= len(districts) * 0.2


def test_centres_leave_one_zone_without_a_hub_and_give_one_zone_two() -> None:
    zones = read_demo_layer(SCHOOL_ZONES)
    centers = read_demo_layer(CENTERS)
    joined = centers.sjoin(zones, predicate="within")
    per_zone = joined.groupby("code_right").size().reindex(zones["code"], fill_value=0)
    assert (per_zone == 0).sum() == 1
    assert (per_zone == 2).sum() == 1
    assert {"公民館", "コミュニティセンター", "地区センター", "市民センター"} <= set(
        centers["kind"]
    )
    assert set(centers["managed_by"]) == {"直営", "指定管理"}


def test_both_backends_hold_the_same_demo_city(store: Store) -> None:
    assert load_demo_city(store)
    assert store.city() == demo_city()
    for layer in LAYERS:
        expected = read_demo_layer(layer)
        stored = store.read_layer(layer)
        assert len(stored) == len(expected)
        assert list(stored["code"]) == sorted(expected["code"])
        if layer is not CENTERS:
            assert stored.area.sum() == pytest.approx(expected.area.sum(), rel=1e-6)
    districts = store.read_layer(DISTRICTS)
    assert int(districts["population"].sum()) == int(read_demo_layer(DISTRICTS)["population"].sum())


def test_loading_the_demo_twice_changes_nothing(store: Store) -> None:
    assert load_demo_city(store)
    assert not load_demo_city(store)
    assert sorted(load.layer for load in store.layer_imports()) == [
        "centers",
        "districts",
        "readings",
        "school-zones",
    ]


def test_the_demo_districts_read_as_the_citys_readings_table_says(store: Store) -> None:
    load_demo_city(store)
    assert store.read_layer(DISTRICTS)["name_kana"].isna().all()
    with store.session() as session:
        readings = district_readings(session)
    assert len(readings) == len(read_demo_layer(DISTRICTS))
    assert readings["D001"] == "たかはし"


def test_the_demo_plans_show_hubs_places_an_adopted_plan_and_a_history(store: Store) -> None:
    load_demo_city(store)
    planning = Planning(store)
    prepare_demo_planning(store, planning)
    plans = {plan["status"]: plan["id"] for plan in planning.list_plans()}
    assert sorted(plans) == ["adopted", "draft"]
    assert planning.public_plan()["id"] == plans["adopted"]
    adopted = planning.plan(plans["adopted"])
    schools = set(read_demo_layer(SCHOOL_ZONES)["school_name"])
    assert all(c["description"] and c["places"] for c in adopted["communities"])
    assert {c["places"][0]["name"] for c in adopted["communities"]} == schools
    # Every community holding a centre has its hub, including the one holding two.
    assert sum(1 for c in adopted["communities"] if c["hub_center"]) == 13
    assert adopted["checks"]["several_hubs"] == [] and len(adopted["checks"]["without_hub"]) == 1
    draft = planning.plan(plans["draft"])
    hubs = {c["id"]: c["hub_center"] for c in adopted["communities"]}
    assert [c["id"] for c in draft["communities"] if c["hub_center"] != hubs[c["id"]]] == [1]
    history = [v["description"]["ja"] for v in planning.versions(plans["draft"])]
    assert history[0] == "「平井小学校区」の拠点施設を変更"
    assert history[1] == "「並木小学校区」を「並木地区まちづくり協議会」に改名"
    assert history[2] == "3 行政区を「並木小学校区」へ"
    assert history[3].startswith("14 コミュニティを作成")
    prepare_demo_planning(store, planning)
    assert len(planning.list_plans()) == 2


def test_the_demo_never_overwrites_another_city(store: Store) -> None:
    store.save_city(City("焼津市", "やいづし", "222127", 6676))
    with pytest.raises(Conflict, match="焼津市"):
        load_demo_city(store)
    assert store.city().name == "焼津市"


def test_geoapp_demo_loads_without_serving_and_db_upgrade_reports_the_version(
    database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    runner = CliRunner()
    upgraded = runner.invoke(main, ["db", "upgrade", "--crs", "6676"])
    assert upgraded.exit_code == 0, upgraded.output
    assert "0002 layer_imports" in upgraded.output
    loaded = runner.invoke(main, ["demo", "--no-serve"])
    assert loaded.exit_code == 0, loaded.output
    assert "青葉川市" in loaded.output


def test_a_bad_working_crs_is_a_message_not_a_traceback(tmp_path: Path, monkeypatch) -> None:
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("GEOAPP_DATABASE_URL", raising=False)
    result = CliRunner().invoke(main, ["db", "upgrade", "--crs", "4326"])
    assert result.exit_code == 1
    assert "平面直角座標系" in result.output
    assert "Traceback" not in result.output


def test_the_generator_rebuilds_the_committed_files_byte_for_byte(tmp_path: Path) -> None:
    subprocess.run(
        [sys.executable, str(REPO / "scripts" / "make_demo_city.py"), "--out", str(tmp_path)],
        check=True,
        capture_output=True,
    )
    shapefile_parts = {".shp", ".shx", ".dbf", ".prj", ".csv"}
    committed_files = [p for p in sorted(demo_dir().iterdir()) if p.suffix in shapefile_parts]
    assert len(committed_files) == 13
    for committed in committed_files:
        rebuilt = tmp_path / committed.name
        assert (
            hashlib.sha256(rebuilt.read_bytes()).hexdigest()
            == hashlib.sha256(committed.read_bytes()).hexdigest()
        ), committed.name

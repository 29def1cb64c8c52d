"""geoapp reads its own exports back: every file the app writes for a plan or a layer
imports with the same codes, names and numbers (both backends)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pytest
from click.testing import CliRunner
from flask import Flask
from shapes import all_layers
from shared_data import yaizu
from staff import PASSWORD, Staff

from geoapp.accounts.users import add_user
from geoapp.cli import main
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES, Layer, layer_named
from geoapp.storage import Store


def geoapp_import(
    url: str, monkeypatch: pytest.MonkeyPatch, layer: str, path: Path, *options: str
) -> dict[str, Any]:
    """``geoapp import LAYER PATH --json`` against ``url``; the report."""
    monkeypatch.setenv("GEOAPP_DATABASE_URL", url)
    result = CliRunner().invoke(main, ["import", layer, str(path), "--json", *options])
    report = json.loads(result.output)
    assert result.exit_code == 0 and report["stored"], report["errors"]
    return report


def rich_plan(staff: Staff) -> dict[str, Any]:
    """A plan from school zones whose first community has kana, a description, a hub and
    a place."""
    plan = staff.new_plan()
    place = {"name": "中央公園", "lon": 138.3, "lat": 34.9, "note": "避難場所"}
    answer = staff.edit(
        plan["id"],
        1,
        "update_community",
        community=1,
        name_kana="にしちく",
        description="西の地区、=旧村",
        hub_center="K1",
        places=[place],
    )
    assert answer.status_code == 200, answer.get_json()
    return staff.plan(plan["id"])


def rows(frame: pd.DataFrame, columns: list[str]) -> list[dict[str, Any]]:
    """The columns of each row, sorted by code, missing values as None."""
    table = frame[columns].astype(object).where(frame[columns].notna(), None)
    return sorted(table.to_dict("records"), key=lambda row: str(row["code"]))


def community_rows(plan: dict[str, Any]) -> list[dict[str, Any]]:
    """Each community's id (as a code), name and figures as the plan reports them."""
    figures = {c["id"]: c for c in plan["checks"]["communities"]}
    return sorted(
        (
            {
                "code": str(c["id"]),
                "name": c["name"],
                **{
                    key: figures[c["id"]][key]
                    for key in ("population", "households", "population_65")
                },
            }
            for c in plan["communities"]
        ),
        key=lambda row: row["code"],
    )


def test_a_plan_geojson_export_with_an_empty_community_reads_back_as_the_plan(
    tanaka: Staff,
) -> None:
    plan = rich_plan(tanaka)
    created = tanaka.edit(plan["id"], plan["version"], "create_community", name="焼津東小学校")
    assert created.status_code == 200, created.get_json()
    plan = tanaka.plan(plan["id"])
    exported = tanaka.get(f"/api/plans/{plan['id']}/export?format=geojson")
    empty = [f for f in json.loads(exported.data)["features"] if f["geometry"] is None]
    assert [f["properties"]["name"] for f in empty] == ["焼津東小学校"]
    again = tanaka.import_plan("plan.geojson", exported.data, "再取込")
    assert again.status_code == 201, again.get_json()
    copy = again.get_json()
    assert copy["assignments"] == plan["assignments"]
    fields = ["id", "name", "name_kana", "color", "description", "hub_center"]
    assert [{key: c[key] for key in fields} for c in copy["communities"]] == [
        {key: c[key] for key in fields} for c in plan["communities"]
    ]
    assert plan["communities"][0]["hub_center"] and plan["communities"][0]["name_kana"]


def test_a_plan_geojson_with_a_bad_community_field_is_refused_naming_it(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    collection = json.loads(tanaka.get(f"/api/plans/{plan['id']}/export?format=geojson").data)
    collection["features"][0]["properties"]["color"] = "red"
    answer = tanaka.import_plan("plan.geojson", json.dumps(collection).encode())
    assert answer.status_code == 400
    name = collection["features"][0]["properties"]["name"]
    message = answer.get_json()["message"]
    assert f"「{name}」" in message and "#RRGGBB" in message


def test_a_plan_csv_export_reads_back_as_the_same_plan(tanaka: Staff) -> None:
    plan = rich_plan(tanaka)
    tanaka.edit(plan["id"], plan["version"], "unassign", districts=["G9"])
    exported = tanaka.get(f"/api/plans/{plan['id']}/export?format=csv")
    again = tanaka.import_plan("plan.csv", exported.data, "再取込")
    assert again.status_code == 201, again.get_json()
    copy = again.get_json()
    names = {c["id"]: c["name"] for c in copy["communities"]}
    original = tanaka.plan(plan["id"])
    original_names = {c["id"]: c["name"] for c in original["communities"]}
    assert {code: names[cid] for code, cid in copy["assignments"].items()} == {
        code: original_names[cid] for code, cid in original["assignments"].items()
    }
    assert "G9" not in copy["assignments"]


@pytest.mark.parametrize(
    ("query", "filename"),
    [
        ("format=geojson", "plan.geojson"),
        ("format=gpkg", "plan.gpkg"),
        ("format=shp&encoding=cp932", "plan-cp932.zip"),
        ("format=shp&encoding=utf-8", "plan-utf8.zip"),
    ],
)
def test_a_plan_communities_export_imports_as_a_layer_with_the_same_values(
    tanaka: Staff,
    second_store: Store,
    second_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    query: str,
    filename: str,
) -> None:
    plan = rich_plan(tanaka)
    exported = tanaka.get(f"/api/plans/{plan['id']}/export?{query}")
    assert exported.status_code == 200, exported.get_json()
    path = tmp_path / filename
    path.write_bytes(exported.data)
    options = ("--layer", "communities") if not filename.endswith(".geojson") else ()
    report = geoapp_import(second_database_url, monkeypatch, "districts", path, *options)
    assert report["mapping"]["fields"]["population_65"] in ("population_65", "POP65")
    stored = second_store.read_layer(DISTRICTS)
    columns = ["code", "name", "population", "households", "population_65"]
    assert rows(stored, columns) == community_rows(plan)
    assert set(stored["name_kana"].dropna()) == {"にしちく"}


def test_the_geopackage_districts_and_places_import_back(
    tanaka: Staff,
    grid_app: Flask,
    second_store: Store,
    second_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    plan = rich_plan(tanaka)
    path = tmp_path / "plan.gpkg"
    path.write_bytes(tanaka.get(f"/api/plans/{plan['id']}/export?format=gpkg").data)
    report = geoapp_import(second_database_url, monkeypatch, "districts", path)
    assert any(w["code"] == "layer_chosen" for w in report["warnings"])
    columns = ["code", "name", "population", "households", "population_65"]
    original = grid_app.extensions["geoapp.store"].read_layer(DISTRICTS)
    stored = second_store.read_layer(DISTRICTS)
    assert rows(stored, columns) == rows(original, columns)
    assert stored.set_index("code").loc["G1", "properties"]["community"] == "西小学校区"
    geoapp_import(second_database_url, monkeypatch, "centers", path, "--layer", "places")
    places = second_store.read_layer(CENTERS)
    assert rows(places, ["code", "name"]) == [{"code": "1-1", "name": "中央公園"}]
    assert places["properties"].iloc[0]["note"] == "避難場所"
    lonlat = places.to_crs(4326).geometry.iloc[0]
    assert (round(lonlat.x, 6), round(lonlat.y, 6)) == (138.3, 34.9)


@pytest.mark.parametrize("layer", ["districts", "school-zones", "centers"])
def test_a_layer_geojson_imports_back_with_the_same_values(
    app: Flask,
    second_store: Store,
    second_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
    layer: str,
) -> None:
    target: Layer = layer_named(layer)
    app.extensions["geoapp.store"].replace_layers(all_layers(), source="hand-drawn")
    exported = app.test_client().get(f"/api/layers/{layer}")
    path = tmp_path / f"{layer}.geojson"
    path.write_bytes(exported.data)
    geoapp_import(second_database_url, monkeypatch, layer, path)
    columns = [name for name in target.field_names if name not in target.point_fields]
    original = all_layers()[target]
    stored = second_store.read_layer(target)
    assert rows(stored, columns) == rows(original, columns)
    present = [
        {key: value for key, value in properties.items() if value is not None}
        for properties in stored.sort_values("code")["properties"]
    ]
    assert present == list(original.sort_values("code")["properties"])
    for name in target.point_fields:  # a school's location, within a centimetre
        assert located(stored, name) == located(original, name)


def test_free_attributes_named_like_fields_stay_flat_and_import_back(
    app: Flask,
    second_store: Store,
    second_database_url: str,
    monkeypatch: pytest.MonkeyPatch,
    tmp_path: Path,
) -> None:
    layers = all_layers()
    free = {
        "name": "旧校区名",
        "school_location_lon": 138.1,
        "properties": "入れ子ではない",
        "free:memo": "接頭辞つき",
        "備考": "そのまま",
    }
    layers[SCHOOL_ZONES]["properties"] = [dict(free), {}]
    app.extensions["geoapp.store"].replace_layers(layers, source="hand-drawn")
    exported = app.test_client().get("/api/layers/school-zones")
    first = next(f for f in exported.get_json()["features"] if f["properties"]["備考"])
    assert not any(isinstance(v, dict | list) for v in first["properties"].values())
    assert first["properties"]["name"] == layers[SCHOOL_ZONES]["name"].iloc[0]
    assert {key: first["properties"][key] for key in first["properties"] if "free:" in key} == {
        "free:name": "旧校区名",
        "free:school_location_lon": 138.1,
        "free:properties": "入れ子ではない",
        "free:free:memo": "接頭辞つき",
    }
    path = tmp_path / "school-zones.geojson"
    path.write_bytes(exported.data)
    geoapp_import(second_database_url, monkeypatch, "school-zones", path)
    stored = second_store.read_layer(SCHOOL_ZONES).sort_values("code")
    assert rows(stored, ["code", "name"]) == rows(layers[SCHOOL_ZONES], ["code", "name"])
    kept = {key: value for key, value in stored["properties"].iloc[0].items() if value is not None}
    assert kept == free
    assert located(stored, "school_location") == located(layers[SCHOOL_ZONES], "school_location")


def located(frame: gpd.GeoDataFrame, field: str) -> list[tuple[float, float] | None]:
    """A point field's coordinates by code, rounded to centimetres."""
    points = frame.sort_values("code")[field]
    return [None if p is None or p.is_empty else (round(p.x, 2), round(p.y, 2)) for p in points]


def yaizu_plan(database_url: str, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """Yaizu's associations and school zones loaded, and plan 1 made from the zones."""
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    runner = CliRunner()
    for layer, folder in (("districts", "自治会区域"), ("school-zones", "小学校区")):
        loaded = runner.invoke(main, ["import", layer, str(yaizu(folder))])
        assert loaded.exit_code == 0, loaded.output
    made = runner.invoke(main, ["plan", "create", "校区案", "--from", "school_zones"])
    assert made.exit_code == 0, made.output
    return runner


def test_yaizus_geopackage_and_shapefile_exports_import_as_layers_with_the_same_values(
    app: Flask,
    database_url: str,
    second_store: Store,
    second_database_url: str,
    tmp_path: Path,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    runner = yaizu_plan(database_url, monkeypatch)
    paths = {fmt: tmp_path / f"plan-{fmt}" for fmt in ("gpkg", "shp")}
    for fmt, path in paths.items():
        exported = runner.invoke(main, ["plan", "export", "1", "--format", fmt, "-o", str(path)])
        assert exported.exit_code == 0, exported.output
    paths["shp"] = paths["shp"].rename(tmp_path / "plan-shp.zip")
    paths["gpkg"] = paths["gpkg"].rename(tmp_path / "plan.gpkg")
    columns = ["code", "name", "population", "households", "population_65"]
    original = app.extensions["geoapp.store"].read_layer(DISTRICTS)
    geoapp_import(second_database_url, monkeypatch, "districts", paths["gpkg"])
    assert rows(second_store.read_layer(DISTRICTS), columns) == rows(original, columns)
    geoapp_import(
        second_database_url, monkeypatch, "districts", paths["shp"], "--layer", "communities"
    )
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    plan = json.loads(runner.invoke(main, ["plan", "show", "1", "--json"]).output)
    assert rows(second_store.read_layer(DISTRICTS), columns) == community_rows(plan)


def test_yaizus_plan_exports_read_back_with_the_command_after_a_community_empties(
    app: Flask, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    runner = yaizu_plan(database_url, monkeypatch)
    add_user(app.extensions["geoapp.store"], "tanaka", "planner", PASSWORD)
    staff = Staff(app, "tanaka")
    plan = staff.plan(1)
    east = next(c["id"] for c in plan["communities"] if c["name"] == "焼津東小学校")
    moved = [code for code, cid in plan["assignments"].items() if cid == east]
    other = next(c["id"] for c in plan["communities"] if c["id"] != east)
    emptied = staff.edit(1, plan["version"], "assign", districts=moved, community=other)
    assert emptied.status_code == 200, emptied.get_json()
    plan = staff.plan(1)
    names = {c["id"]: c["name"] for c in plan["communities"]}
    expected = {code: names[cid] for code, cid in plan["assignments"].items()}
    for fmt in ("geojson", "csv"):
        path = tmp_path / f"plan.{fmt}"
        exported = runner.invoke(main, ["plan", "export", "1", "--format", fmt, "-o", str(path)])
        assert exported.exit_code == 0, exported.output
        again = runner.invoke(
            main, ["plan", "create", f"再取込 {fmt}", "--from", fmt, "--file", str(path)]
        )
        assert again.exit_code == 0, again.output
    for plan_id in (2, 3):
        copy = staff.plan(plan_id)
        copy_names = {c["id"]: c["name"] for c in copy["communities"]}
        assert {code: copy_names[cid] for code, cid in copy["assignments"].items()} == expected

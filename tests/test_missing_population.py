"""A city whose districts carry no population (as Yaizu's 自治会 do), on both backends:
unknown counts stay unknown (null, empty, "—") in the API, the checks, the exports and
the pages, and never raise target-range alarms as if they were zero."""

from __future__ import annotations

import io
import json
import re
import zipfile
from pathlib import Path

import pyogrio
import pytest
from flask import Flask
from shapes import grid_centers, grid_zones, nine_districts
from shared_data import yaizu
from staff import GRID_CITY, PASSWORD, Staff
from test_web import public_map

from geoapp.accounts.users import User, add_user
from geoapp.importing.pipeline import ImportOptions, import_layer
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.plans.commands import plan_group

COUNTS = ("population", "households", "population_65")


def load_city_without_counts(app: Flask, known: dict[str, int] | None = None) -> None:
    """The grid city with no counts at all, except the populations in ``known``, and a
    target range of 300 to 2,000 people per community."""
    districts = nine_districts()
    for column in COUNTS:
        districts[column] = None
    for code, people in (known or {}).items():
        districts.loc[districts["code"] == code, COUNTS] = (people, people // 2, people // 4)
    store = app.extensions["geoapp.store"]
    store.save_city(GRID_CITY)
    store.replace_layers(
        {DISTRICTS: districts, SCHOOL_ZONES: grid_zones(), CENTERS: grid_centers()},
        source="grid without counts",
    )
    add_user(store, "tanaka", "planner", PASSWORD)
    with app.app_context():
        app.extensions["geoapp.plans"].set_targets(User("kanri", "admin"), 300, 2000)


@pytest.fixture
def planner(app: Flask) -> Staff:
    """A planner on the grid city without counts."""
    load_city_without_counts(app)
    return Staff(app, "tanaka")


def test_unknown_populations_are_null_in_the_plan_not_zero(planner: Staff) -> None:
    plan = planner.new_plan()
    for figure in plan["checks"]["communities"]:
        assert [figure[name] for name in COUNTS] == [None, None, None]
        assert figure["share_65"] is None and figure["in_target_range"] is None
        assert figure["districts_without_population"] == figure["districts"] > 0
    city = planner.get("/api/editor/city").get_json()
    district = city["districts"]["features"][0]["properties"]
    assert [district[name] for name in COUNTS] == [None, None, None]


def test_missing_population_is_one_check_instead_of_a_target_alarm_per_community(
    planner: Staff,
) -> None:
    checks = planner.new_plan()["checks"]
    assert checks["population_range"]["outside"] == []
    assert sorted(checks["population_range"]["unknown"]) == [1, 2]
    assert checks["missing_population"] == [f"G{n}" for n in range(1, 10)]
    others = len(checks["several_hubs"]) + sum(s["against_zone"] for s in checks["split_districts"])
    assert checks["problem_count"] == others + 1


def test_a_community_with_one_unknown_member_has_an_unknown_total(app: Flask) -> None:
    load_city_without_counts(app, known={f"G{n}": 100 * n for n in range(1, 9)})
    checks = Staff(app, "tanaka").new_plan()["checks"]
    west, east = checks["communities"]
    assert (west["population"], west["districts_without_population"]) == (1700, 0)  # G1 G4 G5 G7
    assert west["share_65"] == 0.25 and west["in_target_range"] is True
    assert (east["population"], east["districts_without_population"]) == (None, 1)
    assert checks["missing_population"] == ["G9"]


def test_exports_leave_unknown_counts_empty(planner: Staff, tmp_path: Path) -> None:
    plan = planner.new_plan()
    geojson = planner.get(f"/api/plans/{plan['id']}/export?format=geojson").get_json()
    for feature in geojson["features"]:
        assert [feature["properties"][name] for name in COUNTS] == [None, None, None]
    shapefile = planner.get(f"/api/plans/{plan['id']}/export?format=shp").data
    zipfile.ZipFile(io.BytesIO(shapefile)).extractall(tmp_path)
    communities = pyogrio.read_dataframe(tmp_path / "communities.shp")
    assert communities[["POP", "HOUSEHOLD", "POP65"]].isna().all().all()
    assert (communities["DISTRICTS"] > 0).all()
    districts = pyogrio.read_dataframe(tmp_path / "districts.shp")
    assert districts[["POP", "HOUSEHOLD", "POP65"]].isna().all().all()
    package = tmp_path / "plan.gpkg"
    package.write_bytes(planner.get(f"/api/plans/{plan['id']}/export?format=gpkg").data)
    for layer in ("communities", "districts"):
        frame = pyogrio.read_dataframe(package, layer=layer)
        assert frame[list(COUNTS)].isna().all().all(), layer
    layer = planner.get("/api/layers/districts").get_json()
    for feature in layer["features"]:
        assert [feature["properties"][name] for name in COUNTS] == [None, None, None]


def test_every_open_data_download_leaves_unknown_counts_empty(app: Flask, tmp_path: Path) -> None:
    load_city_without_counts(app)
    plan = Staff(app, "tanaka").new_plan()
    with app.app_context():
        plans = app.extensions["geoapp.plans"]
        plans.set_status(User("kanri", "admin"), plan["id"], 1, "proposed")
        plans.set_status(User("kanri", "admin"), plan["id"], 2, "adopted")
    client = app.test_client()
    for dataset in ("communities", "districts"):
        for file_format in ("geojson", "csv", "gpkg", "shp"):
            answer = client.get(f"/opendata/{dataset}/{file_format}")
            assert answer.status_code == 200, (dataset, file_format)
            if file_format == "shp":
                zipfile.ZipFile(io.BytesIO(answer.data)).extractall(tmp_path / dataset)
                path = next((tmp_path / dataset).glob("*.shp"))
                names = ["POP", "HOUSEHOLD", "POP65"]
            else:
                path = tmp_path / f"{dataset}.{file_format}"
                path.write_bytes(answer.data)
                names = list(COUNTS)
            if file_format == "csv":
                (tmp_path / f"{dataset}.csvt").write_bytes(
                    client.get(f"/opendata/{dataset}/csvt").data
                )
            layer = dataset if file_format == "gpkg" else None
            frame = pyogrio.read_dataframe(path, layer=layer, read_geometry=False)
            assert len(frame) > 0 and frame[names].isna().all().all(), (dataset, file_format)
        text = client.get(f"/opendata/{dataset}/csv").data.decode("utf-8-sig")
        header, *rows = [line.split(",") for line in text.strip().splitlines()]
        assert all(row[header.index("population")] == "" for row in rows)


def test_the_overlay_csv_leaves_unknown_population_empty(planner: Staff) -> None:
    text = planner.get("/api/overlay/pieces.csv").data.decode("utf-8-sig")
    header, *rows = [line.split(",") for line in text.strip().splitlines()]
    at = header.index("population")
    assert rows and all(row[at] == "" for row in rows)


def test_pages_show_a_dash_for_unknown_population(planner: Staff) -> None:
    plan = planner.new_plan()
    home = planner.get("/").get_data(as_text=True)
    assert '<span class="stat-value" data-figure="population">—</span>' in home
    assert "人口のデータがない行政区 9" in home
    assert "None" not in home and "NaN" not in home
    overlay = planner.get("/overlay").get_data(as_text=True)
    assert "NaN" not in overlay and "None" not in overlay
    moved = planner.edit(plan["id"], 1, "assign", community=2, districts=["G5"])
    assert moved.status_code == 200, moved.get_json()
    compare = planner.get(f"/plans/compare?a={plan['id']}&b={plan['id']}").status_code
    assert compare == 200
    diff = planner.get(f"/api/plans/{plan['id']}/diff?from=1&to=2").get_json()
    assert diff["moved"][0]["population"] is None and diff["moved_population"] is None
    assert all(row["population_change"] is None for row in diff["population_effect"])


def test_the_public_map_of_an_adopted_plan_shows_a_dash_for_unknown_population(
    app: Flask,
) -> None:
    load_city_without_counts(app)
    plan = Staff(app, "tanaka").new_plan()
    admin = User("kanri", "admin")
    with app.app_context():
        plans = app.extensions["geoapp.plans"]
        plans.set_status(admin, plan["id"], 1, "proposed")
        plans.set_status(admin, plan["id"], 2, "adopted")
    home = app.test_client().get("/")
    assert home.status_code == 200
    page = home.get_data(as_text=True)
    _data, shapes = public_map(app.test_client())
    figures = {f["properties"]["name"]: f["properties"] for f in shapes["communities"]}
    assert figures["西小学校区"]["population"] is None  # the popup writes —
    answers = page + json.dumps(shapes)
    assert "NaN" not in answers and "&lt;NA&gt;" not in answers


def test_plan_show_prints_a_dash_and_says_the_data_is_missing(app: Flask) -> None:
    load_city_without_counts(app)
    Staff(app, "tanaka").new_plan()
    shown = app.test_cli_runner().invoke(plan_group, ["show", "1"])
    assert shown.exit_code == 0, shown.output
    assert "人口 —\t高齢化率 —" in shown.output and "人口 0" not in shown.output
    assert "人口のデータがありません（9行政区）" in shown.output
    checks = json.loads(app.test_cli_runner().invoke(plan_group, ["check", "1"]).output)
    assert checks["population_range"]["outside"] == []


def test_yaizus_associations_import_with_unknown_population_and_raise_no_alarms(
    app: Flask,
) -> None:
    store = app.extensions["geoapp.store"]
    for folder, layer in (("自治会区域", DISTRICTS), ("小学校区", SCHOOL_ZONES)):
        report = import_layer(store, yaizu(folder), ImportOptions(layer=layer))
        assert report.stored, report.to_dict()["errors"]
        if layer is DISTRICTS:
            assert "no_population" in [w["code"] for w in report.warnings]
    districts = store.read_layer(DISTRICTS)
    assert districts[list(COUNTS)].isna().all().all()
    add_user(store, "tanaka", "planner", PASSWORD)
    with app.app_context():
        app.extensions["geoapp.plans"].set_targets(User("kanri", "admin"), 3000, 10000)
    checks = Staff(app, "tanaka").new_plan()["checks"]
    assert checks["population_range"]["outside"] == []
    assert len(checks["missing_population"]) == len(districts)
    assert all(c["population"] is None for c in checks["communities"])


def test_the_home_page_counts_districts_without_population_in_a_sentence(app: Flask) -> None:
    load_city_without_counts(app)
    client = app.test_client()
    note = r'data-figure="without-population">(.*?)</span>'
    assert re.search(note, client.get("/").get_data(as_text=True)).group(1) == (
        "人口のデータがない行政区 9"
    )
    english = client.get("/?lang=en").get_data(as_text=True)
    assert re.search(note, english).group(1) == "9 districts without population data"

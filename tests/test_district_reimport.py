"""Re-importing the districts keeps the plans: assignments are by code, so a district
whose code stays keeps its community, vanished and new codes are reported per plan before
the planner confirms and in the plan's checks, and no page breaks on an empty community,
an empty plan or no adopted plan. Every test runs on both backends."""

from __future__ import annotations

import json
import re
from pathlib import Path
from typing import Any

import geopandas as gpd
import pandas as pd
import pyogrio
import pytest
from click.testing import CliRunner
from conftest import TEST_SRID
from flask import Flask
from shapely import box
from shapes import nine_districts
from shared_data import yaizu
from staff import Staff

from geoapp.accounts.users import add_user
from geoapp.cli import main
from geoapp.importing.pipeline import ImportOptions, import_layer
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES

EXPORT_FORMATS = ("geojson", "gpkg", "shp", "csv")


def adopted(admin: Staff, plan: dict[str, Any]) -> dict[str, Any]:
    """``plan`` proposed and then adopted by the admin; the adopted plan."""
    version = plan["version"]
    for status in ("proposed", "adopted"):
        answer = admin.post(
            f"/api/plans/{plan['id']}/status", {"version": version, "status": status}
        )
        assert answer.status_code == 200, answer.get_json()
        version = answer.get_json()["version"]
    return admin.plan(plan["id"])


def grid_without_g9_with_g10(folder: Path) -> Path:
    """The grid's districts as a GeoJSON file, G9 removed and a new G10 east of G3."""
    frame = nine_districts().drop(columns="properties")
    frame = frame[frame["code"] != "G9"]
    extra = gpd.GeoDataFrame(
        {"code": ["G10"], "name": ["第10区"], "population": [1000]},
        geometry=[box(300, 0, 400, 100)],
        crs=frame.crs,
    )
    path = folder / "districts.geojson"
    pyogrio.write_dataframe(pd.concat([frame, extra], ignore_index=True), path)
    return path


def upload(staff: Staff, path: Path, layer: str = "districts") -> tuple[str, str]:
    """The dry-run report page of an upload, and its confirmation token."""
    with path.open("rb") as handle:
        answer = staff.post(
            "/admin/import/",
            data={"layer": layer, "files": (handle, path.name), "csrf_token": staff.token},
        )
    page = answer.get_data(as_text=True)
    assert answer.status_code == 200, page
    token = re.search(r"/admin/import/([A-Za-z0-9_-]+)/confirm", page)
    assert token is not None, page
    return page, token.group(1)


def shows(page: str, text: str) -> bool:
    """Whether a page shows ``text``, as HTML or inside the map's (escaped) data."""
    return text in page or json.dumps(text)[1:-1] in page


def cell(page: str, plan_id: int, name: str) -> str:
    """The text of one cell of a plan's row in the import report."""
    row = re.search(rf'<tr data-plan="{plan_id}">(.*?)</tr>', page, re.S)
    assert row is not None, page
    found = re.search(rf"<td [^>]*\b{name}\b[^>]*>(.*?)</td>", row.group(1), re.S)
    assert found is not None, row.group(1)
    return re.sub(r"<[^>]+>", "", found.group(1))


def test_a_districts_upload_lists_vanished_and_new_codes_per_plan_before_it_is_confirmed(
    grid_app: Flask, tmp_path: Path
) -> None:
    admin = Staff(grid_app, "kanri")
    plan = adopted(admin, admin.new_plan())
    empty = admin.new_plan(source="empty", name="白紙の案")
    before = plan["assignments"]
    assert before["G9"] == 2

    page, token = upload(admin, grid_without_g9_with_g10(tmp_path))

    changes = re.search(r"<section class=\"district-changes\".*?</section>", page, re.S)
    assert changes is not None, page
    assert re.search(r"<dd data-vanished><code>G9</code> 第9区</dd>", changes.group(0))
    assert re.search(r"<dd data-new><code>G10</code> 第10区</dd>", changes.group(0))
    assert cell(page, plan["id"], "data-plan-vanished") == "G9（東小学校区）"
    assert cell(page, plan["id"], "data-plan-new") == "G10"
    assert cell(page, empty["id"], "data-plan-vanished") == "なし"
    assert cell(page, empty["id"], "data-plan-new") == "G10"
    assert "G9" not in admin.plan(plan["id"])["checks"]["unknown_districts"]

    confirmed = admin.post(f"/admin/import/{token}/confirm", data={"csrf_token": admin.token})
    assert confirmed.status_code == 200
    assert (
        cell(confirmed.get_data(as_text=True), plan["id"], "data-plan-vanished")
        == "G9（東小学校区）"
    )

    after = admin.plan(plan["id"])
    assert {code: cid for code, cid in after["assignments"].items() if code != "G9"} == {
        code: cid for code, cid in before.items() if code != "G9"
    }
    assert after["checks"]["unassigned"] == ["G10"]
    assert after["checks"]["unknown_districts"] == ["G9"]
    assert after["status"] == "adopted" and after["version"] == plan["version"]
    home = Staff(grid_app, None).get("/")
    assert home.status_code == 200
    assert shows(home.get_data(as_text=True), "西小学校区")
    assert shows(home.get_data(as_text=True), "広域コミュニティ（2）")
    public = Staff(grid_app, None).get("/api/public/plan")
    assert public.status_code == 200
    assert public.get_json()["assignments"] == {
        code: cid for code, cid in before.items() if code != "G9"
    }


def test_a_citys_first_districts_report_no_district_changes(app: Flask, tmp_path: Path) -> None:
    store = app.extensions["geoapp.store"]
    path = grid_without_g9_with_g10(tmp_path)
    first = import_layer(store, path, ImportOptions(layer=DISTRICTS))
    assert first.stored and first.district_changes == {}
    again = import_layer(store, path, ImportOptions(layer=DISTRICTS, dry_run=True))
    assert again.district_changes == {"vanished": [], "new": [], "plans": []}


def test_an_upsert_of_districts_keeps_every_code_and_adds_the_new_one_unassigned(
    grid_app: Flask, tmp_path: Path
) -> None:
    store = grid_app.extensions["geoapp.store"]
    admin = Staff(grid_app, "kanri")
    plan = adopted(admin, admin.new_plan())
    report = import_layer(
        store,
        grid_without_g9_with_g10(tmp_path),
        ImportOptions(layer=DISTRICTS, mode="upsert"),
    )
    assert report.stored, report.errors
    changes = report.district_changes
    assert changes["vanished"] == [] and changes["new"] == [{"code": "G10", "name": "第10区"}]
    (mine,) = [entry for entry in changes["plans"] if entry["id"] == plan["id"]]
    assert (mine["kept"], mine["vanished"], mine["new"]) == (9, [], ["G10"])
    after = admin.plan(plan["id"])
    assert after["assignments"] == plan["assignments"]
    assert after["checks"]["unassigned"] == ["G10"] and after["checks"]["unknown_districts"] == []


def yaizu_districts_renumbered(folder: Path, old: int, new: int) -> Path:
    """Yaizu's 自治会区域 as published, but with district ``old`` gone and its area
    coming back under the new code ``new``: one district removed, one added."""
    source = yaizu("自治会区域") / "自治会区域.shp"
    frame = pyogrio.read_dataframe(source, encoding="cp932")
    assert old in set(frame["SAUID"]) and new not in set(frame["SAUID"])
    frame.loc[frame["SAUID"] == old, ["SAUID", "SAFIELD000"]] = [new, "新設自治会"]
    target = folder / "renumbered"
    target.mkdir()
    pyogrio.write_dataframe(frame, target / "自治会区域.shp", encoding="cp932")
    return target


@pytest.fixture
def yaizu_app(app: Flask, database_url: str, monkeypatch: pytest.MonkeyPatch) -> Flask:
    """The app with Yaizu's three real layers, an admin and the CLI on the same database."""
    store = app.extensions["geoapp.store"]
    for layer, path in (
        (DISTRICTS, yaizu("自治会区域")),
        (SCHOOL_ZONES, yaizu("小学校区")),
        (CENTERS, next(yaizu("地域交流センター").glob("2221*.csv"))),
    ):
        report = import_layer(store, path, ImportOptions(layer=layer))
        assert report.stored, report.errors
    add_user(store, "kanri", "admin", "correct horse battery")
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_CRS", str(TEST_SRID))
    return app


def test_yaizu_districts_reimported_with_one_gone_and_one_new_keep_the_adopted_plan(
    yaizu_app: Flask, tmp_path: Path
) -> None:
    admin = Staff(yaizu_app, "kanri")
    plan = adopted(admin, admin.new_plan())
    before = plan["assignments"]
    alone = [c["id"] for c in plan["communities"] if list(before.values()).count(c["id"]) == 1]
    gone = next(code for code, cid in sorted(before.items()) if cid in alone)
    community = next(c for c in plan["communities"] if c["id"] == before[gone])
    renumbered = yaizu_districts_renumbered(tmp_path, int(gone), 99)
    runner = CliRunner()

    dry = runner.invoke(main, ["import", "districts", str(renumbered), "--dry-run"])
    assert dry.exit_code == 0, dry.output
    assert f"なくなる: {gone} " in dry.output and "新しい: 99 新設自治会" in dry.output
    assert f"区域案 {plan['id']}「{plan['name']}」（決定）: 割り当てを保つ行政区 34件" in dry.output
    assert f"なくなる: {gone}（{community['name']}）" in dry.output
    assert "未割当: 99" in dry.output

    stored = runner.invoke(main, ["import", "districts", str(renumbered), "--json"])
    assert stored.exit_code == 0, stored.output
    report = json.loads(stored.stdout)
    assert report["stored"] is True
    (mine,) = [p for p in report["district_changes"]["plans"] if p["id"] == plan["id"]]
    assert mine["kept"] == 34 and mine["new"] == ["99"]
    assert mine["vanished"] == [
        {"code": gone, "community": community["id"], "community_name": community["name"]}
    ]

    after = admin.plan(plan["id"])
    assert {k: v for k, v in after["assignments"].items() if k != gone} == {
        k: v for k, v in before.items() if k != gone
    }
    assert after["checks"]["unassigned"] == ["99"]
    assert after["checks"]["unknown_districts"] == [gone]
    figures = {c["id"]: c for c in after["checks"]["communities"]}
    assert figures[community["id"]]["districts"] == 0
    visitor = Staff(yaizu_app, None)
    home = visitor.get("/")
    assert home.status_code == 200
    text = home.get_data(as_text=True)
    others = [c["name"] for c in plan["communities"] if c["id"] != community["id"]]
    assert all(shows(text, name) for name in others)
    assert shows(text, f"広域コミュニティ（{len(others)}）")
    assert visitor.get("/api/public/plan").status_code == 200
    assert visitor.get("/api/public/plan/boundaries").status_code == 200
    assert_every_page_answers(admin, [plan["id"]])


def assert_every_page_answers(staff: Staff, plan_ids: list[int]) -> None:
    """Every page and API reading ``plan_ids`` answers 200 (none breaks)."""
    urls = ["/", "/?lang=en", "/overlay", "/plans/", "/api/editor/city"]
    for plan_id in plan_ids:
        urls += [
            f"/plans/{plan_id}/edit",
            f"/api/plans/{plan_id}",
            f"/api/plans/{plan_id}/checks",
            f"/api/plans/{plan_id}/boundaries",
            f"/api/plans/{plan_id}/versions",
            *(f"/api/plans/{plan_id}/export?format={fmt}" for fmt in EXPORT_FORMATS),
        ]
    first, last = plan_ids[0], plan_ids[-1]
    urls += [f"/plans/compare?a={first}&b={last}", f"/api/plans/compare?a={first}&b={last}"]
    failed = {
        url: answer.status_code for url in urls if (answer := staff.get(url)).status_code != 200
    }
    assert failed == {}


def test_an_empty_community_an_empty_plan_and_no_adopted_plan_break_no_page(
    grid_app: Flask,
) -> None:
    admin = Staff(grid_app, "kanri")
    visitor = Staff(grid_app, None)
    assert visitor.get("/").status_code == 200
    nothing = visitor.get("/api/public/plan")
    assert nothing.status_code == 404 and nothing.get_json()["error"] == "not_found"

    empty = admin.new_plan(source="empty", name="白紙の案")
    plan = admin.new_plan()
    made = admin.edit(plan["id"], plan["version"], "create_community", name="まだ空の地区")
    assert made.status_code == 200, made.get_json()
    plan = adopted(admin, admin.plan(plan["id"]))
    assert "まだ空の地区" in [c["name"] for c in plan["communities"]]
    assert_every_page_answers(admin, [empty["id"], plan["id"]])
    assert visitor.get("/api/public/plan").status_code == 200

    adopted(admin, empty)
    assert_every_page_answers(admin, [empty["id"], plan["id"]])
    public = visitor.get("/api/public/plan")
    assert public.status_code == 200 and public.get_json()["communities"] == []
    assert visitor.get("/api/public/plan/boundaries").status_code == 200


def test_districts_with_all_codes_new_leave_every_plan_empty_and_say_so(
    grid_app: Flask, tmp_path: Path
) -> None:
    """As when a city loads its own districts over the demo's: no code stays."""
    admin = Staff(grid_app, "kanri")
    plan = adopted(admin, admin.new_plan())
    frame = nine_districts().drop(columns="properties")
    frame["code"] = [f"N{n}" for n in range(1, 10)]
    path = tmp_path / "renamed.geojson"
    pyogrio.write_dataframe(frame, path)
    report = import_layer(grid_app.extensions["geoapp.store"], path, ImportOptions(layer=DISTRICTS))
    assert report.stored, report.errors
    (mine,) = report.district_changes["plans"]
    assert mine["kept"] == 0 and len(mine["vanished"]) == 9 and len(mine["new"]) == 9
    checks = admin.plan(plan["id"])["checks"]
    assert checks["unassigned"] == sorted(frame["code"])
    assert checks["unknown_districts"] == [f"G{n}" for n in range(1, 10)]
    assert checks["problem_count"] >= 18
    assert_every_page_answers(admin, [plan["id"]])
    assert Staff(grid_app, None).get("/api/public/plan").get_json()["assignments"] == {}


def test_the_english_upload_report_brackets_a_vanished_codes_community_in_english(
    grid_app: Flask, tmp_path: Path
) -> None:
    admin = Staff(grid_app, "kanri")
    plan = admin.new_plan()
    admin.get("/?lang=en")
    page, _token = upload(admin, grid_without_g9_with_g10(tmp_path))
    assert cell(page, plan["id"], "data-plan-vanished") == "G9 (東小学校区)"

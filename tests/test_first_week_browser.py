"""A real city's first week, in headless Chromium, on Yaizu's published layers with the
default settings (the GSI base map, its tiles refused as on a closed network).

An administrator names the city, uploads the three layers through the import page, makes a
plan from the school zones, chooses a hub in the editor, adopts the plan, then re-imports
the districts with one 自治会 gone. After each step the public map, the plan, its checks
and its exports are looked at as a city would look at them.
"""

from __future__ import annotations

import csv
import io
import json
import subprocess
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pyogrio
import pytest
from map_view import assert_city_in_view
from shared_data import yaizu
from test_browser import (
    ARTIFACTS,
    GEOAPP,
    browser,
    demo_environment,
    serving,
    watched_page,
)

pytestmark = pytest.mark.browser
__all__ = ["browser"]

ADMIN, PASSWORD = "kanri", "yaizu-admin-2026-week"
CREDITS = "出典：焼津市オープンデータ（https://github.com/yaizu-city/opendata）を加工して作成"
SHAPEFILE_PARTS = (".shp", ".shx", ".dbf", ".prj", ".cpg")


def shapefile(folder: Path) -> list[Path]:
    """The parts of the one Shapefile in ``folder``, as a user selects them to upload."""
    return sorted(path for path in folder.iterdir() if path.suffix.lower() in SHAPEFILE_PARTS)


def lonlat_bounds(path: Path) -> tuple[float, float, float, float]:
    """A layer file's extent in lon/lat."""
    minx, miny, maxx, maxy = pyogrio.read_dataframe(path).to_crs(4326).total_bounds
    return float(minx), float(miny), float(maxx), float(maxy)


@pytest.fixture
def city_server(database_url: str, tmp_path: Path) -> Iterator[str]:
    """``geoapp run`` on a new database of each backend in the city's plane zone (VIII),
    with one administrator and nothing else: what a city has on its first day."""
    instance = tmp_path / "instance"
    instance.mkdir()
    env = {**demo_environment(instance), "GEOAPP_DATABASE_URL": database_url}
    for args, stdin in (
        (["db", "upgrade", "--crs", "6676"], None),
        (["user", "add", ADMIN, "--role", "admin", "--password-stdin"], PASSWORD),
    ):
        done = subprocess.run(
            [GEOAPP, *args], env=env, input=stdin, text=True, capture_output=True, check=False
        )
        assert done.returncode == 0, done.stdout + done.stderr
    with serving("run", env, instance) as url:
        yield url


def checked_upload(page: Any, server: str, layer: str, files: list[Path]) -> Any:
    """Send ``files`` as ``layer`` from the import page to be checked; the report shown."""
    page.goto(f"{server}/admin/import/")
    page.select_option("select[name=layer]", layer)
    page.set_input_files("input[name=files]", [str(path) for path in files])
    with page.expect_navigation():  # the report's page, loaded (a busy machine is slow)
        page.click("form.form button[type=submit]")
    return page.locator("section.report")


class Week:
    """The administrator's browser on the city's server, with what the steps share."""

    def __init__(self, browser: Any, server: str) -> None:
        self.server = server
        self.context, self.page, self.left_machine, self.errors = watched_page(browser, server)

    def log_in(self) -> None:
        self.page.goto(f"{self.server}/login?next=/")
        self.page.fill("#login-name", ADMIN)
        self.page.fill("#login-password", PASSWORD)
        self.page.click("form.login-form button[type=submit]")
        self.page.wait_for_url(f"{self.server}/")

    def api(self, path: str, status: int = 200) -> Any:
        """A JSON answer of the app, with the administrator's session."""
        answer = self.context.request.get(self.server + path)
        assert answer.status == status, f"{path}: {answer.status} {answer.text()[:300]}"
        return answer.json()

    def download(self, path: str) -> bytes:
        answer = self.context.request.get(self.server + path)
        assert answer.status == 200, f"{path}: {answer.status} {answer.text()[:300]}"
        return answer.body()

    def check_upload(self, layer: str, files: list[Path]) -> Any:
        """Check ``files`` as ``layer`` on the import page (nothing stored yet); the report."""
        report = checked_upload(self.page, self.server, layer, files)
        assert report.count() == 1, self.page.locator("main").inner_text()
        assert report.get_attribute("data-report-status") == "checked", report.inner_text()
        return report

    def confirm(self) -> dict[str, str]:
        """Store the checked upload; the stored report's figures."""
        self.page.click("button[data-action=confirm]")
        report = self.page.locator("section.report")
        assert report.get_attribute("data-report-status") == "stored"
        return {
            name: report.locator(f'[data-figure="{name}"]').inner_text()
            for name in ("read", "imported", "rejected")
        }

    def upload(self, layer: str, files: list[Path]) -> dict[str, str]:
        """Check ``files`` as ``layer``, then store them; the report's figures."""
        self.check_upload(layer, files)
        return self.confirm()

    def settle(self) -> None:
        """Wait until the editor has had every queued edit answered."""
        self.page.wait_for_function("() => window.geoappEditor.state.plan !== null")
        self.page.evaluate("() => window.geoappEditor.state.queue")

    def public_map(self, districts: int, bounds: tuple[float, float, float, float]) -> str:
        """Open the public map; assert it shows the city's districts in view; its side panel."""
        self.page.goto(self.server + "/")
        self.page.wait_for_selector(".folium-map[data-drawn]", timeout=20_000)  # shapes fetched
        assert_city_in_view(self.page, "path.geoapp-district", districts, bounds)
        assert self.page.locator('[data-count="districts"]').inner_text() == str(districts)
        return self.page.locator("aside.side-panel").inner_text()

    def exports(self, plan_id: int) -> dict[str, Any]:
        """Every export of a plan downloads; the GeoJSON and the CSV read back."""
        base = f"/api/plans/{plan_id}/export?format="
        geojson = json.loads(self.download(base + "geojson"))
        rows = list(csv.reader(io.StringIO(self.download(base + "csv").decode("utf-8-sig"))))
        for other in ("gpkg", "shp", "shp&encoding=utf-8"):
            assert len(self.download(base + other)) > 1000, other
        return {"geojson": geojson, "csv": rows}

    def done(self) -> None:
        assert self.left_machine == []
        assert self.errors == []
        self.context.close()


def test_a_city_names_itself_loads_its_layers_adopts_a_plan_and_reimports_in_its_first_week(
    city_server: str, browser, tmp_path: Path
) -> None:
    districts_folder = yaizu("自治会区域")
    district_files = shapefile(districts_folder)
    district_count = pyogrio.read_info(district_files[0].with_suffix(".shp"))["features"]
    bounds = lonlat_bounds(district_files[0].with_suffix(".shp"))
    week = Week(browser, city_server)
    page = week.page
    week.log_in()

    # Day 1 morning: the city is nameless; the administrator names it.
    assert "市の設定がありません" in page.locator("aside.side-panel").inner_text()
    page.goto(city_server + "/admin/city/")
    page.fill("#field-name", "焼津市")
    page.fill("#field-name_kana", "やいづし")
    page.fill("#field-municipality_code", "222127")
    page.fill("textarea[name=credits]", CREDITS)
    page.click("form.settings-form button[type=submit]")
    assert "市の設定を保存しました。" in page.locator(".flash").inner_text()
    assert page.locator("#working-crs").inner_text() == "EPSG:6676"

    # The three layers, uploaded and checked before they are stored.
    districts = week.upload("districts", district_files)
    assert districts["imported"] == str(district_count) and districts["rejected"] == "0"
    zones = week.upload("school-zones", shapefile(yaizu("小学校区")))
    assert zones["imported"] == "13"
    centres = week.upload("centers", sorted(yaizu("地域交流センター").glob("222127_*.csv")))
    assert centres["imported"] == "9"

    panel = week.public_map(district_count, bounds)
    assert "焼津市" in panel and "やいづし" in panel and "静岡県" in panel
    assert page.locator("#demo-notice").count() == 0
    assert "焼津市オープンデータ" in page.locator(".leaflet-control-attribution").inner_text()
    assert page.locator('[data-figure="population"]').inner_text() == "—"
    assert page.locator("path.geoapp-school-zone").count() == 13
    assert page.locator("path.geoapp-center").count() == 9
    assert "まだありません" in week.api("/api/public/plan", status=404)["message"]
    ARTIFACTS.mkdir(exist_ok=True)
    page.screenshot(path=str(ARTIFACTS / "first-week-layers.png"))

    # A plan from the school zones, opened in the editor on the city.
    page.goto(city_server + "/plans/")
    page.fill("#create-plan-form input[name=name]", "令和8年度 小学校区案")
    page.check("#create-plan-form input[value=school_zones]")
    page.click("#create-plan-form button[type=submit]")
    page.wait_for_url("**/plans/*/edit")
    page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    plan_id = int(page.url.rstrip("/").split("/")[-2])
    assert_city_in_view(page, "path.geoapp-district", district_count, bounds)
    plan = week.api(f"/api/plans/{plan_id}")
    communities = plan["communities"]
    assert len(communities) == page.locator("#community-list li").count() >= 10
    assert len(plan["assignments"]) == district_count
    checks = page.locator("#check-list .check-item").all_inner_texts()
    assert f"人口のデータがありません（{district_count}行政区）" in checks
    assert not [text for text in checks if "人口が目標の範囲外です" in text]
    exported = week.exports(plan_id)
    assert len(exported["geojson"]["features"]) == len(communities)
    assert all(
        feature["properties"]["population"] is None for feature in exported["geojson"]["features"]
    )

    # The planner chooses a hub for a community whose zone has no centre of its own.
    hubless = next(c for c in communities if c["hub_center"] is None)
    assert f"{hubless['name']}: 拠点施設がありません" in checks
    page.click(f'#community-list li[data-community="{hubless["id"]}"]')
    hub_code = page.locator("#hub-select option:not([value=''])").first.get_attribute("value")
    page.select_option("#hub-select", hub_code)
    page.click("#community-form button[type=submit]")
    week.settle()
    plan = week.api(f"/api/plans/{plan_id}")
    chosen = next(c for c in plan["communities"] if c["id"] == hubless["id"])
    assert chosen["hub_center"] == hub_code
    checks = page.locator("#check-list .check-item").all_inner_texts()
    assert f"{hubless['name']}: 拠点施設がありません" not in checks

    # Proposed, then adopted after the confirmation that explains the statuses.
    page.select_option("#status-select", "proposed")
    week.settle()
    page.select_option("#status-select", "adopted")
    dialog = page.locator("#adopt-dialog")
    dialog.wait_for(state="visible")
    assert "作成中" in dialog.inner_text() and "保管" in dialog.inner_text()
    page.click("#adopt-dialog button[value=adopt]")
    page.locator("#readonly-notice").wait_for(state="visible")

    adopted = week.api("/api/public/plan")
    before = adopted["assignments"]
    assert (adopted["id"], adopted["status"]) == (plan_id, "adopted")
    assert len(adopted["communities"]) == len(communities)
    assert len(adopted["assignments"]) == district_count
    panel = week.public_map(district_count, bounds)
    assert "令和8年度 小学校区案" in panel
    assert page.locator("path.geoapp-community").count() == len(communities)
    exported = week.exports(plan_id)
    assert len(exported["geojson"]["features"]) == len(communities)
    assert len(exported["csv"]) - 1 == district_count
    checks = week.api(f"/api/plans/{plan_id}/checks")
    assert checks["unassigned"] == []
    page.screenshot(path=str(ARTIFACTS / "first-week-adopted.png"))

    # Weeks later the districts come again from the GIS section, one 自治会 gone.
    source = pyogrio.read_dataframe(district_files[0].with_suffix(".shp"))
    reduced = tmp_path / "自治会区域_改訂" / "自治会区域.shp"
    reduced.parent.mkdir()
    pyogrio.write_dataframe(source.iloc[1:], reduced, encoding="utf-8")
    gone = f"{source['SAUID'].iloc[0]}"
    report = week.check_upload("districts", shapefile(reduced.parent))
    changes = report.locator("[data-district-changes]")
    assert (
        changes.locator("[data-vanished]").inner_text() == f"{gone} {source['SAFIELD000'].iloc[0]}"
    )
    assert changes.locator("[data-new]").inner_text() == "なし"
    row = changes.locator(f'tr[data-plan="{plan_id}"]')
    assert row.locator("[data-plan-vanished]").inner_text().startswith(f"{gone}（")
    assert row.locator("td.num").inner_text() == str(district_count - 1)
    again = week.confirm()
    assert again["imported"] == str(district_count - 1)

    # Every 自治会 still there keeps its community, on the public plan, the map and exports.
    remaining = set(source["SAUID"].astype(str)[1:])
    kept = {code: before[code] for code in remaining}
    panel = week.public_map(district_count - 1, bounds)
    assert "令和8年度 小学校区案" in panel
    assert page.locator("path.geoapp-community").count() == len(set(kept.values()))
    adopted = week.api("/api/public/plan")
    assert adopted["id"] == plan_id
    assert adopted["assignments"] == kept
    checks = week.api(f"/api/plans/{plan_id}/checks")
    assert sorted(checks["missing_population"]) == sorted(remaining)
    assert checks["unassigned"] == [] and checks["unknown_districts"] == [gone]
    exported = week.exports(plan_id)
    assert {row[0]: int(row[2]) for row in exported["csv"][1:]} == kept
    shown = sum(feature["properties"]["districts"] for feature in exported["geojson"]["features"])
    assert shown == district_count - 1
    page.screenshot(path=str(ARTIFACTS / "first-week-reimported.png"))
    page.goto(f"{city_server}/plans/{plan_id}/edit")
    page.wait_for_selector("body[data-editor-ready=true]", timeout=30_000)
    assert_city_in_view(page, "path.geoapp-district", district_count - 1, bounds)
    checks = page.locator("#check-list .check-item").all_inner_texts()
    community = next(c["name"] for c in communities if c["id"] == before[gone])
    assert f"行政区のレイヤからなくなったコード: {gone}（{community}）" in checks
    assert f"人口のデータがありません（{district_count - 1}行政区）" in checks
    week.done()

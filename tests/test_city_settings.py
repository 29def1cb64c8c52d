"""The city settings page and ``geoapp city``: admins name the city, set its code, base map,
credits and centre kinds; bad values are refused naming the field, and nothing is stored
(both backends)."""

from __future__ import annotations

import json
import re
from dataclasses import replace
from pathlib import Path

import pytest
from click.testing import CliRunner
from conftest import TEST_SRID, app_with
from flask import Flask
from shapes import two_centers
from staff import GRID_CITY, Staff, load_grid_city
from test_web import readable

from geoapp import create_app
from geoapp.city.model import DEFAULT_CENTER_KINDS, CenterKind, check_digit
from geoapp.city.views import SPARE_KIND_ROWS
from geoapp.cli import main
from geoapp.demo.city import load_demo_city
from geoapp.layers import CENTERS

YAIZU_CREDITS = "出典：焼津市オープンデータ（https://github.com/yaizu-city/opendata）を加工して作成"
DEMO_NOTICE = "デモ用に生成したデータ"


def settings_form(**changes: str) -> dict[str, object]:
    """A complete, valid settings form for Yaizu, with ``changes``."""
    form: dict[str, object] = {
        "name": "焼津市",
        "name_kana": "やいづし",
        "municipality_code": "222127",
        "basemap": "gsi-pale",
        "basemap_url": "",
        "basemap_attribution": "",
        "credits": YAIZU_CREDITS,
        "kind_name": ["公民館", "地域交流センター", ""],
        "kind_color": ["#d95f02", "#66a61e", "#808080"],
        "kind_aliases": ["", "交流センター", ""],
    }
    form.update(changes)
    return form


def save(staff: Staff, form: dict[str, object]) -> tuple[int, str]:
    """Post the settings form; the status and the page shown."""
    answer = staff.post("/admin/city/", data=form, follow_redirects=True)
    return answer.status_code, answer.get_data(as_text=True)


@pytest.fixture
def admin(grid_app: Flask) -> Staff:
    return Staff(grid_app, "kanri")


def test_the_check_digit_follows_the_national_rule() -> None:
    assert check_digit("22212") == "7"  # 焼津市 222127
    assert check_digit("13101") == "6"  # 千代田区 131016
    assert check_digit("01100") == "2"  # 札幌市 011002


def test_only_admins_reach_the_settings_page(grid_app: Flask) -> None:
    anonymous = grid_app.test_client().get("/admin/city/")
    assert anonymous.status_code == 302 and "/login" in anonymous.headers["Location"]
    assert Staff(grid_app, "tanaka").get("/admin/city/").status_code == 403
    planner_home = Staff(grid_app, "tanaka").get("/").get_data(as_text=True)
    assert "/admin/city/" not in planner_home
    admin_home = Staff(grid_app, "kanri").get("/").get_data(as_text=True)
    assert 'href="/admin/city/"' in admin_home


def test_the_settings_page_shows_the_stored_city_and_its_working_crs(admin: Staff) -> None:
    page = admin.get("/admin/city/").get_data(as_text=True)
    assert 'value="格子市"' in page and 'value="999024"' in page
    assert f"EPSG:{TEST_SRID}" in page and "Japan Plane Rectangular CS VII" in page
    assert 'name="csrf_token"' in page
    for kind in DEFAULT_CENTER_KINDS:
        assert f'value="{kind.name}"' in page


def test_saving_names_the_city_in_the_header_with_credits_on_the_map(
    grid_app: Flask, admin: Staff
) -> None:
    grid_app.extensions["geoapp.store"].save_city(replace(GRID_CITY, demo=True))
    before = admin.get("/").get_data(as_text=True)
    assert 'id="demo-settings-notice"' in before and DEMO_NOTICE not in before
    assert 'href="/admin/city/"' in before
    status, page = save(admin, settings_form())
    assert status == 200 and "市の設定を保存しました" in page
    city = grid_app.extensions["geoapp.store"].city()
    assert (city.name, city.name_kana, city.municipality_code) == ("焼津市", "やいづし", "222127")
    assert city.prefecture == "静岡県" and not city.demo and city.credits == YAIZU_CREDITS
    assert city.center_kinds == (
        CenterKind("公民館", "#d95f02"),
        CenterKind("地域交流センター", "#66a61e", ("交流センター",)),
    )
    home = readable(grid_app.test_client().get("/").get_data(as_text=True))
    header = home[home.index('<header class="app-header">') : home.index("</header>")]
    assert "焼津市" in header and "格子市" not in home
    assert DEMO_NOTICE not in home and "架空" not in home and "demo-settings-notice" not in home
    assert "出典：焼津市オープンデータ（" in home
    assert "https://github.com/yaizu-city/opendata</a>" in home


@pytest.mark.parametrize(
    ("field", "value", "message"),
    [
        ("name", "", "「市区町村名」を入力してください"),
        ("name_kana", "yaizu", "「よみがな」はひらがなかカタカナで"),
        ("municipality_code", "222128", "検査数字（6桁目）が合いません"),
        ("municipality_code", "22-212", "5桁または6桁の数字"),
        ("basemap", "google", "「背景地図」「google」は選べません"),
        ("kind_color", ["#d95f02", "green", "#808080"], "「拠点施設の種別」の「地域交流センター」"),
        ("kind_name", ["公民館", "公民館", ""], "「公民館」が二度使われています"),
        ("credits", "x" * 1001, "「データの出典・利用条件」は1000文字以内"),
    ],
)
def test_a_bad_value_is_refused_naming_its_field_and_nothing_is_stored(
    grid_app: Flask, admin: Staff, field: str, value: object, message: str
) -> None:
    status, page = save(admin, settings_form(**{field: value}))
    assert status == 400
    assert message in page
    assert 'role="alert"' in page and 'class="field-error"' in page
    assert grid_app.extensions["geoapp.store"].city() == GRID_CITY


def test_an_inhouse_tile_server_needs_its_url_and_attribution(
    grid_app: Flask, admin: Staff
) -> None:
    status, page = save(admin, settings_form(basemap="custom", basemap_url="tiles.local/x.png"))
    assert status == 400 and "「タイルの URL」は http:// か https:// で始まり" in page
    url = "https://tiles.city.local/{z}/{x}/{y}.png"
    status, page = save(admin, settings_form(basemap="custom", basemap_url=url))
    assert status == 400 and "「背景地図の出典表示」は庁内のタイルを使うとき必要です" in page
    assert grid_app.extensions["geoapp.store"].city() == GRID_CITY
    status, _page = save(
        admin, settings_form(basemap="custom", basemap_url=url, basemap_attribution="© 庁内 <地図>")
    )
    assert status == 200
    city = grid_app.extensions["geoapp.store"].city()
    assert (city.basemap, city.basemap_attribution) == (url, "© 庁内 <地図>")


def test_the_page_says_when_geoapp_basemap_overrides_the_city_setting(
    database_url: str, tmp_path: Path
) -> None:
    with app_with(database_url, tmp_path, BASEMAP="none") as app:
        load_grid_city(app)
        page = Staff(app, "kanri").get("/admin/city/").get_data(as_text=True)
    assert "環境変数 GEOAPP_BASEMAP が設定されているため" in page
    assert "<code>none</code>" in page


def test_the_city_basemap_shows_its_attribution_escaped_when_no_variable_overrides(
    database_url: str, tmp_path: Path
) -> None:
    app = create_app({"DATABASE_URL": database_url, "INSTANCE_PATH": tmp_path, "CRS": TEST_SRID})
    store = app.extensions["geoapp.store"]
    try:
        store.upgrade()
        url = "https://tiles.city.local/{z}/{x}/{y}.png"
        store.save_city(replace(GRID_CITY, basemap=url, basemap_attribution="© 庁内 <b>地図</b>"))
        page = readable(app.test_client().get("/").get_data(as_text=True))
        assert url in page and "© 庁内 &lt;b&gt;地図&lt;/b&gt;" in page
        assert "<b>地図</b>" not in page
    finally:
        store.close()


def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(
    grid_app: Flask, admin: Staff
) -> None:
    answer = admin.client.post("/admin/city/", data=settings_form())
    assert answer.status_code == 400
    assert grid_app.extensions["geoapp.store"].city() == GRID_CITY


def test_values_from_the_form_are_escaped_where_shown(grid_app: Flask, admin: Staff) -> None:
    status, _page = save(admin, settings_form(name="<i>焼津市</i>", credits="<script>x()</script>"))
    assert status == 200
    home = readable(grid_app.test_client().get("/").get_data(as_text=True))
    assert "<i>焼津市</i>" not in home and "&lt;i&gt;焼津市&lt;/i&gt;" in home
    assert "<script>x()</script>" not in home and "&lt;script&gt;x()&lt;/script&gt;" in home
    settings = admin.get("/admin/city/").get_data(as_text=True)
    assert "<i>焼津市</i>" not in settings


def test_the_credits_appear_on_every_map(grid_app: Flask, admin: Staff) -> None:
    save(admin, settings_form())
    for url in ("/", "/overlay", "/plans/compare"):
        page = readable(admin.get(url).get_data(as_text=True))
        assert "出典：焼津市オープンデータ" in page, url
        assert "addAttribution" in page, url


@pytest.fixture
def cli(database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> CliRunner:
    """The geoapp command on an upgraded, empty database of each backend."""
    monkeypatch.setenv("GEOAPP_DATABASE_URL", database_url)
    monkeypatch.setenv("GEOAPP_INSTANCE_PATH", str(tmp_path))
    monkeypatch.delenv("GEOAPP_BASEMAP", raising=False)
    runner = CliRunner()
    upgraded = runner.invoke(main, ["db", "upgrade", "--crs", "6676"])
    assert upgraded.exit_code == 0, upgraded.output
    return runner


def shown(runner: CliRunner) -> dict[str, object]:
    """``geoapp city show --json``."""
    result = runner.invoke(main, ["city", "show", "--json"])
    assert result.exit_code == 0, result.output
    return json.loads(result.output)


def test_geoapp_city_set_names_a_new_city_and_show_prints_it(cli: CliRunner) -> None:
    result = cli.invoke(
        main,
        [
            "city",
            "set",
            *("--name", "焼津市", "--kana", "やいづし", "--code", "222127"),
            *("--credits", YAIZU_CREDITS, "--basemap", "gsi-std"),
            *("--center-kind", "地域交流センター=#66a61e=交流センター"),
        ],
    )
    assert result.exit_code == 0, result.output
    assert "EPSG:6676" in result.output and "Japan Plane Rectangular CS VIII" in result.output
    city = shown(cli)
    assert city["name"] == "焼津市" and city["municipality_code"] == "222127"
    assert city["prefecture"] == "静岡県" and city["basemap"] == "gsi-std"
    assert city["credits"] == YAIZU_CREDITS and city["demo"] is False
    assert city["center_kinds"] == [
        {"name": "地域交流センター", "color": "#66a61e", "aliases": ["交流センター"]}
    ]
    renamed = cli.invoke(main, ["city", "set", "--kana", "ヤイヅシ"])
    assert renamed.exit_code == 0, renamed.output
    assert shown(cli)["name_kana"] == "ヤイヅシ" and shown(cli)["credits"] == YAIZU_CREDITS


def test_geoapp_city_set_refuses_a_bad_code_naming_the_field_and_stores_nothing(
    cli: CliRunner,
) -> None:
    assert cli.invoke(main, ["city", "set", "--name", "焼津市", "--code", "22212"]).exit_code == 0
    result = cli.invoke(main, ["city", "set", "--name", "藤枝市", "--code", "222142"])
    assert result.exit_code == 1
    assert "市区町村コード「222142」の検査数字" in result.output
    assert "Traceback" not in result.output
    bad_kind = cli.invoke(main, ["city", "set", "--center-kind", "公民館=orange"])
    assert bad_kind.exit_code == 1 and "「拠点施設の種別」" in bad_kind.output
    city = shown(cli)
    assert (city["name"], city["municipality_code"]) == ("焼津市", "22212")


def test_the_demo_notice_shows_only_while_the_demo_citys_own_layers_are_loaded(
    app: Flask,
) -> None:
    store = app.extensions["geoapp.store"]
    assert load_demo_city(store)
    assert DEMO_NOTICE in app.test_client().get("/").get_data(as_text=True)
    store.replace_layers({CENTERS: two_centers()}, source="公共施設一覧.csv")
    page = app.test_client().get("/").get_data(as_text=True)
    assert DEMO_NOTICE not in page and 'id="demo-settings-notice"' in page


def test_the_demo_city_is_marked_and_loses_its_notice_when_renamed(cli: CliRunner) -> None:
    loaded = cli.invoke(main, ["demo", "--no-serve"])
    assert loaded.exit_code == 0, loaded.output
    demo = shown(cli)
    assert demo["demo"] is True and demo["credits"]
    renamed = cli.invoke(main, ["city", "set", "--name", "焼津市", "--code", "222127"])
    assert renamed.exit_code == 0, renamed.output
    city = shown(cli)
    assert city["demo"] is False and city["credits"] == ""
    refused = cli.invoke(main, ["demo", "--no-serve"])
    assert refused.exit_code == 1 and "焼津市" in refused.output


def test_the_settings_page_has_no_error_markup_when_all_is_well(admin: Staff) -> None:
    page = admin.get("/admin/city/").get_data(as_text=True)
    assert not re.search(r'aria-invalid|role="alert"|class="field-error"', page)


def test_a_refused_form_shows_the_typed_kinds_and_the_usual_spare_rows_only(admin: Staff) -> None:
    status, page = save(admin, settings_form(municipality_code="12"))
    assert status == 400
    assert page.count('name="kind_name"') == 2 + SPARE_KIND_ROWS
    assert 'name="kind_name" value="地域交流センター"' in page


def test_the_english_settings_page_labels_and_refuses_from_the_catalogue(admin: Staff) -> None:
    answer = admin.post("/admin/city/?lang=en", data=settings_form(name="", credits="x" * 1001))
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert '<span class="field-error" id="error-name">City name: is required.</span>' in page
    assert "Data credits and licence: must be at most 1000 characters." in page
    assert '<label for="field-name">City name' in page and "市区町村名" not in page

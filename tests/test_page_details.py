"""Small things a city notices: the compare table names communities, the language switch
keeps the page's query, the upload page points at its own CRS field (the city's zone
first), and the lock icon ships with the app."""

from __future__ import annotations

import html
import re
from pathlib import Path

from conftest import TEST_SRID
from flask import Flask
from layer_files import write_shapefile, zip_shapefile
from staff import Staff
from test_importer import districts_frame
from test_uploads import upload

from geoapp.errors import BadInput
from geoapp.importing.crs_choices import crs_choices, page_crs_refusal
from geoapp.sources.crs import CrsRefused
from geoapp.translatable import Text

STATIC = Path(__file__).resolve().parents[1] / "geoapp" / "web" / "static"


def test_the_compare_table_names_communities_instead_of_printing_dicts(tanaka: Staff) -> None:
    first = tanaka.new_plan(name="西東案")
    second = tanaka.new_plan(name="別案")
    moved = tanaka.edit(second["id"], 1, "unassign", districts=["G1"])
    assert moved.status_code == 200, moved.get_json()
    page = tanaka.get(f"/plans/compare?a={first['id']}&b={second['id']}").get_data(as_text=True)
    row = re.search(r'<tr data-district="G1">(.*?)</tr>', page, re.S).group(1)
    cells = re.findall(r"<td[^>]*>(.*?)</td>", row)
    community = tanaka.plan(first["id"])["communities"]
    names = {c["name"] for c in (community.values() if isinstance(community, dict) else community)}
    assert cells[2] in names and cells[3] == "未割当"
    assert "{&#39;" not in page and "{'" not in page and "&#39;id&#39;" not in page


def test_the_language_switch_keeps_the_pages_query(tanaka: Staff) -> None:
    page = tanaka.get("/plans/compare?a=2&b=1").get_data(as_text=True)
    links = {
        m.group(2): html.unescape(m.group(1))
        for m in re.finditer(r'<a href="([^"]+)" class="[^"]*" lang="(ja|en)">', page)
    }
    assert links == {"ja": "?a=2&b=1&lang=ja", "en": "?a=2&b=1&lang=en"}
    english = tanaka.get("/plans/compare?a=2&b=1&lang=en").get_data(as_text=True)
    assert 'href="?a=2&amp;b=1&amp;lang=ja"' in english


def test_the_upload_form_offers_the_citys_working_crs_first(grid_app: Flask) -> None:
    page = Staff(grid_app, "tanaka").get("/admin/import/").get_data(as_text=True)
    select = page[
        page.index('<select name="crs"') : page.index("</select>", page.index('name="crs"'))
    ]
    values = re.findall(r'<option value="(\d*)"', select)
    assert values[:2] == ["", str(TEST_SRID)]
    assert len(values) == len(set(values)) == 1 + 19 * 3 + 4
    assert "--crs" not in page


def test_a_file_without_a_crs_is_refused_pointing_at_the_form_field(
    grid_app: Flask, tmp_path: Path
) -> None:
    shp = write_shapefile(districts_frame(), tmp_path / "src" / "町丁.shp")
    shp.with_suffix(".prj").unlink()
    answer = upload(Staff(grid_app, "tanaka").client, zip_shapefile(shp, tmp_path / "町丁.zip"))
    page = answer.get_data(as_text=True)
    errors = page[page.index('class="issues errors"') :].split("</ul>")[0]
    assert "「詳細設定」の「座標系」欄で正しい座標系を選んでから" in errors
    assert "--crs" not in errors
    assert re.search(rf"候補: EPSG:{TEST_SRID}（平面直角座標系 第VIII系（JGD2011））", errors)


def test_the_english_upload_page_gives_the_crs_refusal_and_its_candidates_in_english(
    grid_app: Flask, tmp_path: Path
) -> None:
    shp = write_shapefile(districts_frame(), tmp_path / "src" / "町丁.shp")
    shp.with_suffix(".prj").unlink()
    staff = Staff(grid_app, "tanaka")
    staff.client.get("/?lang=en")
    answer = upload(staff.client, zip_shapefile(shp, tmp_path / "町丁.zip"))
    page = html.unescape(answer.get_data(as_text=True))
    errors = page[page.index('class="issues errors"') :].split("</ul>")[0]
    assert "町丁.prj is missing. Choose the right coordinate system in the" in errors
    assert f"Candidates: EPSG:{TEST_SRID} (Plane zone VIII (JGD2011)), EPSG:" in errors
    assert "--crs" not in errors and "がありません" not in errors and "候補" not in errors


def test_other_refusals_are_shown_as_the_importer_words_them() -> None:
    error = BadInput(Text("{file} がありません。", file="x.prj"), reason="file_missing")
    assert page_crs_refusal(error, 6676) is error


def test_lon_lat_candidates_do_not_put_the_citys_zone_first() -> None:
    error = CrsRefused(
        Text("{file} の座標系が分かりません。", file="x.csv"),
        Text("--crs で EPSG コードを指定してください。"),
        candidates=[6668, 4612, 4326],
        reason="crs_missing",
    )
    shown = page_crs_refusal(error, 6676)
    assert shown.details["candidates"] == [6668, 4612, 4326]
    assert shown.message.startswith("x.csv の座標系が分かりません。「詳細設定」")
    candidates = shown.message.split("候補: ")[1].split("、")
    assert candidates == [
        "EPSG:6668（緯度経度（JGD2011））",
        "EPSG:4612（緯度経度（JGD2000））",
        "EPSG:4326（緯度経度（WGS 84））",
    ]
    assert shown.message_en.startswith("x.csv has no CRS. Choose the right coordinate system")
    assert "--crs" not in shown.message + shown.message_en


def test_the_crs_groups_hold_every_accepted_code_once() -> None:
    codes = [choice.code for group in crs_choices(6680) for choice in group.choices]
    assert codes[0] == 6680 and codes.count(6680) == 1
    assert set(codes) == {
        *range(6668, 6688),
        *range(2443, 2462),
        *range(30161, 30180),
        4612,
        4301,
        4326,
    }


def test_the_credits_example_on_the_english_settings_page_is_english(grid_app: Flask) -> None:
    page = Staff(grid_app, "kanri").get("/admin/city/?lang=en").get_data(as_text=True)
    example = re.search(r'id="field-credits"[^>]*placeholder="([^"]+)"', page).group(1)
    assert example.startswith("e.g. Source: Yaizu City open data")


def test_the_english_upload_report_names_each_overlap_in_the_singular(
    grid_app: Flask, tmp_path: Path
) -> None:
    frame = districts_frame()
    frame.loc[0, "geometry"] = frame.geometry[0].buffer(3, join_style="mitre")
    shp = write_shapefile(frame, tmp_path / "src" / "町丁.shp")
    client = Staff(grid_app, "tanaka").client
    client.get("/?lang=en")
    page = upload(client, zip_shapefile(shp, tmp_path / "町丁.zip")).get_data(as_text=True)
    kinds = re.findall(r'<tr><td data-label="Kind">(.*?)</td>', page)
    assert kinds and set(kinds) == {"Overlap"}


def test_the_compare_choices_name_the_version_in_english_brackets(tanaka: Staff) -> None:
    plan = tanaka.new_plan(name="西東案")
    page = tanaka.get(f"/plans/compare?a={plan['id']}&b={plan['id']}&lang=en")
    assert "西東案 (version 1)</option>" in page.get_data(as_text=True)

"""The organizations' pages on the grid city, on both backends: forms refused with the error
on the form beside the field it names and nothing stored, forms that save, the list's
filters, the maps' legends counting what the database holds, and the scheme page."""

from __future__ import annotations

import re
from datetime import date
from html import unescape
from typing import Any

import pytest
from flask import Flask
from staff import Staff
from test_organizations import KANRI, TANAKA, adopt, org_named

from geoapp.organizations.scheme import load_scheme
from geoapp.organizations.service import Organizations
from geoapp.organizations.stage_chart import stage_chart_svg


@pytest.fixture
def kanri(grid_app: Flask) -> Staff:
    return Staff(grid_app, "kanri")


@pytest.fixture
def orgs(grid_app: Flask, kanri: Staff) -> Organizations:
    adopt(kanri, kanri.new_plan())
    return grid_app.extensions["geoapp.organizations"]


@pytest.fixture
def west(orgs: Organizations) -> int:
    return org_named(orgs, "西小学校区")["id"]


def stored(orgs: Organizations, organization_id: int) -> tuple[Any, ...]:
    """What a refused form must leave as it was: the organization and its audit."""
    return orgs.organization(KANRI, organization_id), orgs.audit_log(KANRI, organization_id)


def field_error(page: str, form: str, field: str) -> str:
    """The error shown beside ``field`` of ``form`` (empty when there is none)."""
    found = re.search(rf'id="error-{form}-{field}">([^<]*)<', page)
    return unescape(found.group(1)) if found else ""


def post_form(client: Staff, url: str, **form: str) -> Any:
    return client.post(url, data=form)


@pytest.mark.parametrize(
    ("form", "path", "values", "field", "words"),
    [
        ("stage", "stage", {"stage": "preparation", "date": "2024-02-30"}, "date", "日付"),
        ("stage", "stage", {"stage": "preparation", "date": ""}, "date", "YYYY-MM-DD"),
        (
            "stage",
            "stage",
            {"stage": "growth", "date": "2024-04-01"},
            "stage",
            "始めることはできません",
        ),
        ("stage", "stage", {"stage": "preparation", "date": "2999-04-01"}, "date", "未来"),
        ("stage", "stage", {"stage": "nothing", "date": "2024-04-01"}, "stage", "体系にありません"),
        (
            "milestone",
            "milestones",
            {"milestone": "agreement", "date": "2024-04-01", "link_url": "javascript:alert(1)"},
            "link_url",
            "https://",
        ),
        (
            "milestone",
            "milestones",
            {"milestone": "agreement", "date": "2024-04-01", "note": "x" * 2001},
            "note",
            "2000",
        ),
        ("fields", "fields", {"name": "  "}, "name", "入力してください"),
        ("fields", "fields", {"name": "西", "hub_center": "NOPE"}, "hub_center", "NOPE"),
        (
            "fields",
            "fields",
            {"name": "西", "contact_private": "a\x00"},
            "contact_private",
            "U+0000",
        ),
    ],
)
def test_a_bad_value_is_shown_on_the_form_beside_its_field_and_nothing_is_stored(
    orgs: Organizations,
    west: int,
    kanri: Staff,
    form: str,
    path: str,
    values: dict[str, str],
    field: str,
    words: str,
) -> None:
    before = stored(orgs, west)
    answer = post_form(kanri, f"/organizations/{west}/{path}", **values)
    page = answer.get_data(as_text=True)
    assert 400 <= answer.status_code < 500 and answer.mimetype == "text/html"
    assert words in unescape(field_error(page, form, field))
    assert f'id="{form}-errors"' in page and "記録していません" in page
    assert stored(orgs, west) == before


def test_a_refused_form_keeps_what_was_typed(orgs: Organizations, west: int, kanri: Staff) -> None:
    answer = post_form(kanri, f"/organizations/{west}/fields", name="", notes_public="<b>残す</b>")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400
    assert "&lt;b&gt;残す&lt;/b&gt;</textarea>" in page and "<b>残す" not in page


def test_the_english_page_shows_the_error_in_english(
    orgs: Organizations, west: int, kanri: Staff
) -> None:
    answer = post_form(kanri, f"/organizations/{west}/stage?lang=en", stage="x", date="2024-13-01")
    assert "is not a real date" in field_error(answer.get_data(as_text=True), "stage", "date")


def test_forms_record_a_stage_a_milestone_and_fields(
    orgs: Organizations, west: int, kanri: Staff
) -> None:
    url = f"/organizations/{west}"
    answer = post_form(kanri, f"{url}/stage", stage="preparation", date="2023-04-01", note="発足")
    assert answer.status_code == 303 and answer.headers["Location"].startswith(f"{url}?saved=")
    answer = post_form(
        kanri,
        f"{url}/milestones",
        milestone="agreement",
        date="2024-03-31",
        link_url="https://example.jp/協定.pdf",
        link_title="協定書",
    )
    assert answer.status_code == 303
    answer = post_form(kanri, f"{url}/fields", name="西地区まちづくり協議会", area_staff="佐藤")
    assert answer.status_code == 303
    shown = orgs.organization(KANRI, west)
    assert shown["stage"] == "preparation" and shown["milestones"] == {"agreement": "2024-03-31"}
    assert shown["name"] == "西地区まちづくり協議会" and shown["area_staff"] == "佐藤"
    assert shown["hub_center"] is None
    page = kanri.get(f"{url}?saved=milestone").get_data(as_text=True)
    assert "マイルストーンを記録しました。" in page
    assert "令和5年4月1日" in page and "令和5年度" in page and "令和6年3月31日" in page
    assert 'href="https://example.jp/協定.pdf"' in page and "協定書" in page


def test_an_exception_needs_an_admin_and_a_reason_and_shows_on_the_timeline(
    orgs: Organizations, west: int, kanri: Staff, grid_app: Flask
) -> None:
    url = f"/organizations/{west}/stage"
    tanaka = Staff(grid_app, "tanaka")
    refused = post_form(
        tanaka, url, stage="expansion", date="2023-04-01", exception="1", exception_reason="特例"
    )
    assert refused.status_code == 403
    assert orgs.organization(KANRI, west)["stage"] is None
    page = tanaka.get(f"/organizations/{west}").get_data(as_text=True)
    assert 'name="exception"' not in page
    no_reason = post_form(kanri, url, stage="expansion", date="2023-04-01", exception="1")
    assert no_reason.status_code == 400
    assert "理由" in field_error(no_reason.get_data(as_text=True), "stage", "exception_reason")
    done = post_form(
        kanri,
        url,
        stage="expansion",
        date="2023-04-01",
        exception="1",
        exception_reason="合併前から活動している",
    )
    assert done.status_code == 303
    page = kanri.get(f"/organizations/{west}").get_data(as_text=True)
    assert "合併前から活動している" in page and "timeline-entry stage exception" in page
    assert "から始めることはできません" in page


def test_the_list_filters_by_stage_milestone_and_staff(
    orgs: Organizations, west: int, kanri: Staff
) -> None:
    orgs.change_stage(TANAKA, west, "preparation", date(2023, 4, 1))
    orgs.record_milestone(TANAKA, west, "vision", date(2023, 6, 1))
    orgs.update_fields(TANAKA, west, {"area_staff": "山田 花子"})

    def listed(query: str) -> list[str]:
        page = kanri.get(f"/organizations{query}").get_data(as_text=True)
        return re.findall(r'<tr data-organization="(\d+)"', page)

    assert len(listed("")) == 2
    assert listed("?stage=preparation") == [str(west)]
    assert listed("?milestone=vision") == [str(west)]
    assert listed("?staff=花子") == [str(west)]
    assert listed("?stage=growth") == []


def test_the_pages_are_for_staff(orgs: Organizations, west: int, grid_app: Flask) -> None:
    visitor = grid_app.test_client()
    for url in ("/organizations", f"/organizations/{west}", "/organizations/map", "/admin/scheme"):
        assert visitor.get(url).status_code == 302
    assert Staff(grid_app, "tanaka").get("/admin/scheme").status_code == 403


def test_the_stage_map_legend_counts_the_stages_at_the_chosen_year_end(
    orgs: Organizations, west: int, kanri: Staff
) -> None:
    orgs.change_stage(TANAKA, west, "preparation", date(2022, 4, 1))
    page = kanri.get("/organizations/map?fiscal_year=2022").get_data(as_text=True)
    assert re.search(r'data-stage-count="preparation">1地区<', page)
    assert re.search(r'data-stage-count="">1地区<', page)
    assert "令和4年度末の段階" in page and 'value="2022"' in page
    before = kanri.get("/organizations/map?fiscal_year=2021").get_data(as_text=True)
    assert re.search(r'data-stage-count="">2地区<', before)
    assert 'class="stage-chart"' in page and 'data-fiscal-year="2022"' in page


def test_the_milestone_map_counts_areas_against_all(
    orgs: Organizations, west: int, kanri: Staff
) -> None:
    orgs.record_milestone(TANAKA, west, "agreement", date(2024, 3, 1))
    page = kanri.get("/organizations/milestones?milestone=agreement").get_data(as_text=True)
    assert re.search(r'data-milestone-count="agreement">1/2地区<', page)


def test_a_bad_scheme_toml_is_shown_on_the_form_and_nothing_changes(
    orgs: Organizations, kanri: Staff
) -> None:
    toml = kanri.get("/admin/scheme.toml")
    assert toml.status_code == 200 and b'key = "numata"' in toml.data
    text = toml.get_data(as_text=True).replace("#fde725", "yellow")
    answer = post_form(kanri, "/admin/scheme", toml=text)
    page = answer.get_data(as_text=True)
    assert answer.status_code == 400 and "stages.0.color" in page and 'id="error-toml"' in page
    assert "yellow" in page and orgs.scheme().key == "numata"
    switched = post_form(kanri, "/admin/scheme/preset", preset="yuzawa")
    assert switched.status_code == 303 and orgs.scheme().key == "yuzawa"


def test_a_preset_switch_that_needs_mapping_is_refused_on_the_form_unless_forced(
    orgs: Organizations, west: int, kanri: Staff
) -> None:
    orgs.change_stage(TANAKA, west, "preparation", date(2023, 4, 1))
    answer = post_form(kanri, "/admin/scheme/preset", preset="nagasaki")
    shown = re.findall(r'id="error-preset">([^<]*)<', answer.get_data(as_text=True))
    assert answer.status_code == 409 and "preparation" in shown[0]
    assert orgs.scheme().key == "numata"
    forced = post_form(kanri, "/admin/scheme/preset", preset="nagasaki", force="1")
    assert forced.status_code == 303 and orgs.scheme().key == "nagasaki"


def test_the_chart_escapes_every_name() -> None:
    scheme = load_scheme("numata")
    hostile = scheme.__class__(
        **{
            **scheme.__dict__,
            "stages": tuple(
                stage.__class__(**{**stage.__dict__, "name": "<script>x</script>"})
                for stage in scheme.stages
            ),
        }
    )
    years = [{"fiscal_year": 2024, "counts": {"preparation": 3}, "no_stage": 1}]
    svg = str(stage_chart_svg(years, hostile, "ja"))
    assert "<script>" not in svg and "&lt;script&gt;" in svg
    assert "令和6年度" in svg and ">3<" in svg

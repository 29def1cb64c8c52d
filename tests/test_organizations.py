"""Community organizations on the hand-drawn grid city, on both backends: one per community
of the adopted plan, stage changes under the scheme's rules with audited exceptions,
milestones, the state at any date, and the JSON API's bad values."""

from __future__ import annotations

import json
from datetime import date
from typing import Any

import pytest
from flask import Flask
from staff import Staff

from geoapp.accounts.users import User
from geoapp.errors import BadInput, Forbidden, StageRuleBroken
from geoapp.organizations.service import Organizations

KANRI = User("kanri", "admin")
TANAKA = User("tanaka", "planner")


def adopt(kanri: Staff, plan: dict[str, Any]) -> dict[str, Any]:
    """Propose and adopt a plan; the adoption's answer."""
    version = plan["version"]
    proposed = kanri.post(
        f"/api/plans/{plan['id']}/status", {"version": version, "status": "proposed"}
    )
    assert proposed.status_code == 200, proposed.get_json()
    adopted = kanri.post(
        f"/api/plans/{plan['id']}/status", {"version": version + 1, "status": "adopted"}
    )
    assert adopted.status_code == 200, adopted.get_json()
    return adopted.get_json()


@pytest.fixture
def kanri(grid_app: Flask) -> Staff:
    return Staff(grid_app, "kanri")


@pytest.fixture
def adopted(kanri: Staff) -> dict[str, Any]:
    """The school-zone plan, adopted: its adoption's answer."""
    return adopt(kanri, kanri.new_plan())


@pytest.fixture
def orgs(grid_app: Flask, adopted: dict[str, Any]) -> Organizations:
    return grid_app.extensions["geoapp.organizations"]


def org_named(orgs: Organizations, name: str) -> dict[str, Any]:
    return next(o for o in orgs.list_organizations(KANRI) if o["name"] == name)


def test_adopting_a_plan_makes_one_organization_per_community(
    adopted: dict[str, Any], orgs: Organizations
) -> None:
    report = adopted["organizations"]
    assert sorted(o["name"] for o in report["created"]) == ["東小学校区", "西小学校区"]
    assert report["kept"] == report["orphaned"] == []
    east = org_named(orgs, "東小学校区")
    assert east["hub_center"] == "K9" and east["stage"] is None
    assert east["districts"] == ["G2", "G3", "G6", "G8", "G9"]


def test_a_growth_stage_without_the_agreement_is_refused_naming_the_rule(
    orgs: Organizations,
) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    orgs.change_stage(TANAKA, west, "preparation", date(2023, 4, 1))
    with pytest.raises(StageRuleBroken) as refused:
        orgs.change_stage(TANAKA, west, "growth", date(2024, 4, 1))
    assert "成長期には協定締結が必要です（未記録）" in refused.value.message
    assert "Growth requires" in refused.value.message_en
    assert org_named(orgs, "西小学校区")["stage"] == "preparation"


def test_an_admin_records_a_refused_change_as_an_audited_exception(orgs: Organizations) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    with pytest.raises(StageRuleBroken):
        orgs.change_stage(TANAKA, west, "expansion", date(2023, 4, 1))
    with pytest.raises(Forbidden):
        orgs.change_stage(TANAKA, west, "expansion", date(2023, 4, 1), exception_reason="特例")
    shown = orgs.change_stage(
        KANRI, west, "expansion", date(2023, 4, 1), exception_reason="合併前から活動している"
    )
    assert shown["stage"] == "expansion" and shown["history"][-1]["exception"] is True
    entry = orgs.audit_log(KANRI, west)[-1]
    assert entry["action"] == "stage" and entry["actor"] == "kanri"
    assert entry["exception_reason"] == "合併前から活動している"
    assert {rule["code"] for rule in entry["waived_rules"]} == {
        "stage_skipped",
        "milestone_required",
    }
    assert entry["old_value"]["stage"] is None and entry["new_value"]["stage"] == "expansion"


def test_a_milestone_reached_on_the_day_of_the_change_satisfies_the_rule(
    orgs: Organizations,
) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    orgs.change_stage(TANAKA, west, "preparation", date(2023, 4, 1))
    orgs.record_milestone(TANAKA, west, "agreement", date(2024, 3, 31), "締結式", [])
    with pytest.raises(StageRuleBroken, match="変更日より後"):
        orgs.change_stage(TANAKA, west, "growth", date(2024, 3, 30))
    orgs.change_stage(TANAKA, west, "growth", date(2024, 3, 31))
    with pytest.raises(BadInput, match="要件"):
        orgs.record_milestone(TANAKA, west, "agreement", date(2024, 4, 2))


@pytest.mark.parametrize(
    ("changed_on", "year_end_2023", "year_end_2024"),
    [(date(2024, 3, 31), "growth", "growth"), (date(2024, 4, 1), "preparation", "growth")],
)
def test_the_stage_at_a_fiscal_year_end_counts_31_march_but_not_1_april(
    orgs: Organizations, changed_on: date, year_end_2023: str, year_end_2024: str
) -> None:
    west = org_named(orgs, "西小学校区")
    orgs.change_stage(TANAKA, west["id"], "preparation", date(2022, 4, 1))
    orgs.record_milestone(TANAKA, west["id"], "agreement", date(2023, 6, 1))
    orgs.change_stage(TANAKA, west["id"], "growth", changed_on)
    community = west["community_id"]
    assert orgs.stages_at_fiscal_year_end(2021)[community] is None
    assert orgs.stages_at_fiscal_year_end(2023)[community] == year_end_2023
    assert orgs.stages_at_fiscal_year_end(2024)[community] == year_end_2024
    counts = {y["fiscal_year"]: y for y in orgs.stage_counts_by_fiscal_year(2022, 2024)}
    assert counts[2022]["counts"] == {"preparation": 1, "growth": 0, "expansion": 0}
    assert counts[2022]["no_stage"] == 1
    assert counts[2023]["counts"][year_end_2023] == 1
    assert counts[2024]["label"] == "令和6年度（2024年度）"


def test_anonymous_readers_get_only_the_public_fields(grid_app: Flask, orgs: Organizations) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    orgs.update_fields(
        KANRI,
        west,
        {
            "contact_public": "公民館 0123-45-6789",
            "contact_private": "会長 090-0000-0000",
            "area_staff": "佐藤",
            "notes_private": "内部メモ",
        },
    )
    anonymous = Staff(grid_app, None)
    listed = anonymous.get("/api/organizations").get_json()["organizations"]
    one = anonymous.get(f"/api/organizations/{west}").get_json()
    for shown in (next(o for o in listed if o["id"] == west), one):
        assert shown["contact_public"] == "公民館 0123-45-6789"
        assert "contact_private" not in shown and "area_staff" not in shown
        assert "notes_private" not in shown
    text = anonymous.get(f"/api/organizations/{west}").get_data(as_text=True)
    assert "090-0000-0000" not in text and "佐藤" not in text and "内部メモ" not in text
    assert anonymous.get("/api/organizations?staff=佐藤").status_code == 403
    assert anonymous.get(f"/api/organizations/{west}/audit").status_code == 401


def test_filters_by_stage_milestone_and_staff(orgs: Organizations, kanri: Staff) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    orgs.change_stage(TANAKA, west, "preparation", date(2023, 4, 1))
    orgs.record_milestone(TANAKA, west, "vision", date(2023, 9, 1))
    orgs.update_fields(TANAKA, west, {"area_staff": "佐藤 一郎"})
    for query in ("stage=preparation", "milestone=vision", "staff=佐藤"):
        found = kanri.get(f"/api/organizations?{query}").get_json()["organizations"]
        assert [o["id"] for o in found] == [west], query
    refused = kanri.get("/api/organizations?stage=mature")
    assert refused.status_code == 400 and "stage" in refused.get_json()["message"]


def test_a_stage_change_through_the_api_needs_the_csrf_token_and_a_login(
    grid_app: Flask, orgs: Organizations
) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    tanaka = Staff(grid_app, "tanaka")
    body = {"stage": "preparation", "date": "2023-04-01"}
    no_token = tanaka.client.post(f"/api/organizations/{west}/stage", json=body)
    assert no_token.status_code == 400 and no_token.get_json()["error"] == "csrf_failed"
    assert Staff(grid_app, None).post(f"/api/organizations/{west}/stage", body).status_code == 401
    done = tanaka.post(f"/api/organizations/{west}/stage", body)
    assert done.status_code == 200, done.get_json()
    assert done.get_json()["stage"] == "preparation"
    refused = tanaka.post(
        f"/api/organizations/{west}/stage", {"stage": "growth", "date": "2024-04-01"}
    )
    assert refused.status_code == 409
    assert "成長期には協定締結が必要です" in refused.get_json()["message"]
    assert refused.get_json()["details"]["fields"] == ["stage"]


BAD_VALUES = [
    ("stage", {"stage": "Growth!", "date": "2024-04-01"}, "stage"),
    ("stage", {"stage": "unknown", "date": "2024-04-01"}, "stage"),
    ("stage", {"stage": "preparation", "date": "2024-02-30"}, "date"),
    ("stage", {"stage": "preparation", "date": "1711929600"}, "date"),
    ("stage", {"stage": "preparation", "date": 1711929600}, "date"),
    ("stage", {"stage": "preparation", "date": "2999-04-01"}, "date"),
    ("stage", {"stage": "preparation", "date": "2024-04-01", "note": "x" * 2001}, "note"),
    ("stage", {"stage": "preparation", "date": "2024-04-01", "version": -1}, "version"),
    (
        "stage",
        {"stage": "preparation", "date": "2024-04-01", "exception_reason": "x"},
        "exception_reason",
    ),
    ("stage", {"stage": "preparation", "date": "2024-04-01", "extra": 1}, "extra"),
    ("milestones", {"milestone": "agreement", "date": "2024-13-01"}, "date"),
    ("milestones", {"milestone": "signed", "date": "2024-04-01"}, "milestone"),
    (
        "milestones",
        {"milestone": "agreement", "date": "2024-04-01", "links": [{"url": "javascript:alert(1)"}]},
        "links.0.url",
    ),
    ("milestones", {"milestone": "agreement", "date": "2024-04-01", "links": "x"}, "links"),
    ("milestones", {"milestone": "agreement", "date": "2024-04-01", "note": "\x00"}, "note"),
]


@pytest.mark.parametrize(("path", "body", "field"), BAD_VALUES)
def test_a_bad_value_is_refused_naming_the_field_and_nothing_is_stored(
    grid_app: Flask, orgs: Organizations, path: str, body: dict[str, Any], field: str
) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    before = (orgs.organization(KANRI, west), orgs.audit_log(KANRI, west))
    answer = Staff(grid_app, "kanri").post(f"/api/organizations/{west}/{path}", body)
    assert 400 <= answer.status_code < 500
    assert field in answer.get_json()["message"] and field in answer.get_json()["message_en"]
    assert (orgs.organization(KANRI, west), orgs.audit_log(KANRI, west)) == before


@pytest.mark.parametrize(
    ("body", "field"),
    [
        ({"name": ""}, "name"),
        ({"name": None}, "name"),
        ({"name": "x" * 101}, "name"),
        ({"hub_center": "K404"}, "hub_center"),
        ({"contact_public": ["x"]}, "contact_public"),
        ({"notes_private": "\ud800"}, "notes_private"),
        ({"version": 99, "name": "新"}, "99"),
        ({"population": 5}, "population"),
    ],
)
def test_a_bad_field_change_is_refused_and_nothing_is_stored(
    grid_app: Flask, orgs: Organizations, body: dict[str, Any], field: str
) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    before = orgs.organization(KANRI, west)
    staff = Staff(grid_app, "tanaka")
    answer = staff.client.patch(
        f"/api/organizations/{west}",
        data=json.dumps(body),
        content_type="application/json",
        headers={"X-CSRFToken": staff.token},
    )
    assert 400 <= answer.status_code < 500, answer.get_json()
    assert field in answer.get_json()["message"]
    assert orgs.organization(KANRI, west) == before


def test_a_field_change_is_audited_with_before_and_after(
    grid_app: Flask, orgs: Organizations
) -> None:
    west = org_named(orgs, "西小学校区")
    staff = Staff(grid_app, "tanaka")
    answer = staff.client.patch(
        f"/api/organizations/{west['id']}",
        json={"name": "西地区まちづくり協議会", "hub_center": "K5", "version": west["version"]},
        headers={"X-CSRFToken": staff.token},
    )
    assert answer.status_code == 200, answer.get_json()
    assert answer.get_json()["hub_center"] == "K5"
    entry = orgs.audit_log(KANRI, west["id"])[-1]
    assert entry["actor"] == "tanaka" and entry["action"] == "update"
    assert entry["old_value"] == {"name": "西小学校区", "hub_center": None}
    assert entry["new_value"] == {"name": "西地区まちづくり協議会", "hub_center": "K5"}


def test_a_new_plan_keeps_organizations_by_community_and_reports_what_changed(
    kanri: Staff, orgs: Organizations
) -> None:
    west = org_named(orgs, "西小学校区")["id"]
    east = org_named(orgs, "東小学校区")["id"]
    orgs.change_stage(TANAKA, west, "preparation", date(2023, 4, 1))
    adopted_id = orgs.planning.adopted_plan_id()
    copy = kanri.post(
        "/api/plans", {"name": "見直し案", "source": "copy", "copy_of": adopted_id}
    ).get_json()
    east_id = next(c["id"] for c in copy["communities"] if c["name"] == "東小学校区")
    west_id = next(c["id"] for c in copy["communities"] if c["name"] == "西小学校区")
    version = copy["version"]
    for op, params in (
        ("update_community", {"community": west_id, "name": "西地区"}),
        ("merge_communities", {"into": west_id, "communities": [east_id]}),
    ):
        answer = kanri.edit(copy["id"], version, op, **params)
        assert answer.status_code == 200, answer.get_json()
        version = answer.get_json()["version"]
    report = adopt(kanri, {**copy, "version": version})["organizations"]
    assert [o["id"] for o in report["kept"]] == [west]
    assert report["renamed"][0]["old_community_name"] == "西小学校区"
    assert report["renamed"][0]["new_community_name"] == "西地区"
    assert [o["id"] for o in report["orphaned"]] == [east] and report["created"] == []
    kept = org_named(orgs, "西地区")
    assert kept["id"] == west and kept["stage"] == "preparation"
    assert [o["id"] for o in orgs.list_organizations(KANRI)] == [west]
    archived = orgs.organization(KANRI, east)
    assert archived["archived_at"] is not None and archived["community_id"] is None


def test_an_admin_puts_a_new_scheme_and_a_planner_may_not(
    grid_app: Flask, kanri: Staff, orgs: Organizations
) -> None:
    document = orgs.scheme_dict()
    document["stages"][0]["color"] = "#000000"
    tanaka = Staff(grid_app, "tanaka")
    headers = {"X-CSRFToken": tanaka.token}
    assert tanaka.client.put("/api/scheme", json=document, headers=headers).status_code == 403
    answer = kanri.client.put("/api/scheme", json=document, headers={"X-CSRFToken": kanri.token})
    assert answer.status_code == 200, answer.get_json()
    assert Staff(grid_app, None).get("/api/scheme").get_json()["stages"][0]["color"] == "#000000"
    assert orgs.audit_log(KANRI, None)[-1]["action"] == "scheme"


def test_the_stage_map_and_counts_answer_anyone(grid_app: Flask, orgs: Organizations) -> None:
    west = org_named(orgs, "西小学校区")
    orgs.change_stage(TANAKA, west["id"], "preparation", date(2023, 4, 1))
    orgs.record_milestone(TANAKA, west["id"], "agreement", date(2023, 5, 1))
    anonymous = Staff(grid_app, None)
    stage_map = anonymous.get("/api/organizations/stages?fiscal_year=2023").get_json()
    assert stage_map["date"] == "2024-03-31" and stage_map["fiscal_year_label"].startswith(
        "令和5年度"
    )
    assert stage_map["stages"][str(west["community_id"])] == "preparation"
    assert stage_map["counts"]["preparation"] == 1 and stage_map["total"] == 2
    earlier = anonymous.get("/api/organizations/stages?date=2023-03-31").get_json()
    assert earlier["counts"]["preparation"] == 0 and earlier["no_stage"] == 2
    years = anonymous.get("/api/organizations/stage-counts").get_json()["years"]
    assert years[0]["fiscal_year"] == 2023 and years[0]["counts"]["preparation"] == 1
    milestones = anonymous.get("/api/organizations/milestone-counts").get_json()
    assert milestones["counts"]["agreement"] == 1 and milestones["total"] == 2

"""The plans API on the hand-drawn grid city, on both backends: every operation, its bad
inputs, concurrency, roles and anonymous access."""

from __future__ import annotations

import pytest
from flask import Flask
from staff import Staff


def community_named(plan: dict, name: str) -> dict:
    return next(c for c in plan["communities"] if c["name"] == name)


def test_a_plan_from_school_zones_puts_each_district_in_its_majority_zone(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    west, east = community_named(plan, "西小学校区"), community_named(plan, "東小学校区")
    members = {
        cid: sorted(code for code, c in plan["assignments"].items() if c == cid)
        for cid in (west["id"], east["id"])
    }
    assert members[west["id"]] == ["G1", "G4", "G5", "G7"]
    assert members[east["id"]] == ["G2", "G3", "G6", "G8", "G9"]
    assert plan["version"] == 1 and plan["status"] == "draft" and plan["author"] == "tanaka"
    assert [s["district"] for s in plan["checks"]["split_districts"]] == ["G5"]
    assert east["hub_center"] == "K9" and west["hub_center"] is None  # K1 and K5 both in west
    assert plan["checks"]["several_hubs"] == [{"community": west["id"], "centers": ["K1", "K5"]}]


def test_assigning_a_district_makes_a_version_and_returns_the_new_checks(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    east = community_named(plan, "東小学校区")["id"]
    answer = tanaka.edit(plan["id"], 1, "assign", community=east, districts=["G5"])
    assert answer.status_code == 200, answer.get_json()
    body = answer.get_json()
    assert body["version"] == 2
    assert body["changes"]["assignments"] == {
        "G5": [community_named(plan, "西小学校区")["id"], east]
    }
    assert body["checks"]["split_districts"][0]["against_zone"] is True
    assert tanaka.plan(plan["id"])["assignments"]["G5"] == east


def test_assigning_by_majority_zone_moves_every_district_of_the_zone(tanaka: Staff) -> None:
    plan = tanaka.new_plan(source="empty")
    created = tanaka.edit(plan["id"], 1, "create_community", name="西地区", name_kana="にしちく")
    assert created.status_code == 200, created.get_json()
    answer = tanaka.edit(plan["id"], 2, "assign", community=1, zone="Z1")
    assert answer.status_code == 200, answer.get_json()
    assert sorted(answer.get_json()["changes"]["assignments"]) == ["G1", "G4", "G5", "G7"]


def test_an_unknown_district_is_refused_and_nothing_is_stored(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    answer = tanaka.edit(plan["id"], 1, "assign", community=1, districts=["G5", "X99"])
    assert answer.status_code == 400
    assert answer.get_json()["details"]["unknown_districts"] == ["X99"]
    assert "X99" in answer.get_json()["message"]
    assert tanaka.plan(plan["id"])["version"] == 1


def test_an_edit_naming_a_deleted_community_is_refused(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    west = community_named(plan, "西小学校区")["id"]
    deleted = tanaka.edit(plan["id"], 1, "delete_community", community=west)
    assert deleted.status_code == 200
    assert deleted.get_json()["checks"]["unassigned"] == ["G1", "G4", "G5", "G7"]
    answer = tanaka.edit(plan["id"], 2, "assign", community=west, districts=["G2"])
    assert answer.status_code == 404
    assert answer.get_json()["details"] == {"community": west}


def test_a_locked_community_refuses_edits_until_unlocked(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    west = community_named(plan, "西小学校区")["id"]
    east = community_named(plan, "東小学校区")["id"]
    assert tanaka.edit(plan["id"], 1, "lock_community", community=west).status_code == 200
    taking_out = tanaka.edit(plan["id"], 2, "assign", community=east, districts=["G1"])
    assert taking_out.status_code == 423
    assert taking_out.get_json()["error"] == "community_locked"
    renaming = tanaka.edit(plan["id"], 2, "update_community", community=west, name="新名称")
    assert renaming.status_code == 423
    assert tanaka.edit(plan["id"], 2, "unlock_community", community=west).status_code == 200
    assert tanaka.edit(plan["id"], 3, "assign", community=east, districts=["G1"]).status_code == 200


def test_a_stale_edit_is_refused_naming_the_newer_version(grid_app: Flask) -> None:
    tanaka, suzuki = Staff(grid_app, "tanaka"), Staff(grid_app, "suzuki")
    plan = tanaka.new_plan()
    east = community_named(plan, "東小学校区")["id"]
    assert tanaka.edit(plan["id"], 1, "assign", community=east, districts=["G5"]).status_code == 200
    stale = suzuki.edit(plan["id"], 1, "assign", community=east, districts=["G4"])
    assert stale.status_code == 409
    assert stale.get_json()["details"] == {"current_version": 2, "your_version": 1}
    assert "2" in stale.get_json()["message"]
    assert tanaka.plan(plan["id"])["assignments"]["G4"] != east


def test_a_change_without_the_csrf_token_is_refused(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    answer = tanaka.client.post(
        f"/api/plans/{plan['id']}/edits", json={"version": 1, "op": "unassign", "districts": ["G1"]}
    )
    assert answer.status_code == 400
    assert answer.get_json()["error"] == "csrf_failed"
    assert tanaka.plan(plan["id"])["version"] == 1


def test_anonymous_visitors_are_refused_every_plan_route(grid_app: Flask) -> None:
    tanaka = Staff(grid_app, "tanaka")
    plan = tanaka.new_plan()
    anonymous = Staff(grid_app, None)
    for url in (
        "/api/plans",
        f"/api/plans/{plan['id']}",
        f"/api/plans/{plan['id']}/checks",
        f"/api/plans/{plan['id']}/versions",
        f"/api/plans/{plan['id']}/export?format=csv",
        f"/api/plans/{plan['id']}/audit",
    ):
        assert anonymous.get(url).status_code == 401, url
    refused = anonymous.edit(plan["id"], 1, "unassign", districts=["G1"])
    assert refused.status_code == 401
    assert anonymous.post("/api/plans", {"name": "x"}).status_code == 401


def test_anonymous_visitors_read_only_the_adopted_plans_public_fields(grid_app: Flask) -> None:
    anonymous, kanri = Staff(grid_app, None), Staff(grid_app, "kanri")
    assert anonymous.get("/api/public/plan").status_code == 404
    plan = kanri.new_plan()
    assert (
        kanri.post(
            f"/api/plans/{plan['id']}/status", {"version": 1, "status": "proposed"}
        ).status_code
        == 200
    )
    assert (
        kanri.post(
            f"/api/plans/{plan['id']}/status", {"version": 2, "status": "adopted"}
        ).status_code
        == 200
    )
    public = anonymous.get("/api/public/plan").get_json()
    assert public["name"] == "小学校区案" and public["status"] == "adopted"
    assert "author" not in public and "checks" not in public
    assert all("locked" not in c for c in public["communities"])
    assert len(public["assignments"]) == 9
    shapes = anonymous.get("/api/public/plan/boundaries")
    assert shapes.status_code == 200 and len(shapes.get_json()["features"]) == 2
    home = anonymous.get("/").get_data(as_text=True)
    assert "小学校区案" in home and home.count("data-community=") == 2


def test_only_an_admin_adopts_a_plan(grid_app: Flask) -> None:
    tanaka, kanri = Staff(grid_app, "tanaka"), Staff(grid_app, "kanri")
    plan = tanaka.new_plan()
    assert (
        tanaka.post(
            f"/api/plans/{plan['id']}/status", {"version": 1, "status": "proposed"}
        ).status_code
        == 200
    )
    refused = tanaka.post(f"/api/plans/{plan['id']}/status", {"version": 2, "status": "adopted"})
    assert refused.status_code == 403
    assert refused.get_json()["message"] == "区域案の決定は管理者だけが行えます。"
    assert refused.get_json()["message_en"] == "Only an administrator can do this: adopting a plan."
    assert (
        kanri.post(
            f"/api/plans/{plan['id']}/status", {"version": 2, "status": "adopted"}
        ).status_code
        == 200
    )


def test_adopting_a_plan_archives_the_one_adopted_before(grid_app: Flask) -> None:
    kanri = Staff(grid_app, "kanri")
    first, second = kanri.new_plan(name="第一案"), kanri.new_plan(name="第二案")
    for plan in (first, second):
        kanri.post(f"/api/plans/{plan['id']}/status", {"version": 1, "status": "proposed"})
        assert (
            kanri.post(
                f"/api/plans/{plan['id']}/status", {"version": 2, "status": "adopted"}
            ).status_code
            == 200
        )
    assert kanri.plan(first["id"])["status"] == "archived"
    assert kanri.plan(second["id"])["status"] == "adopted"
    read_only = kanri.edit(second["id"], 3, "unassign", districts=["G1"])
    assert read_only.status_code == 409 and read_only.get_json()["error"] == "plan_read_only"
    assert read_only.get_json()["message"] == (
        "「決定」の案は編集できません。複製して新しい案として編集してください。"
    )
    assert read_only.get_json()["message_en"] == (
        "A plan that is “Adopted” cannot be edited; copy it to a new draft."
    )


def test_communities_are_created_renamed_recoloured_merged_and_deleted(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    pid = plan["id"]
    park = {"name": "中央公園", "lon": 138.3, "lat": 34.9, "note": "避難場所"}
    made = tanaka.edit(
        pid, 1, "create_community", name="中央", name_kana="ちゅうおう", districts=["G5"],
        hub_center="K5", places=[park],
    )  # fmt: skip
    assert made.status_code == 200, made.get_json()
    new_id = int(next(iter(made.get_json()["changes"]["communities"])))
    renamed = tanaka.edit(
        pid, 2, "update_community", community=new_id, name="中央地区", color="#AA3300"
    )
    assert renamed.status_code == 200
    after = community_named(tanaka.plan(pid), "中央地区")
    assert after["color"] == "#aa3300" and after["places"][0]["note"] == "避難場所"
    bad_color = tanaka.edit(pid, 3, "update_community", community=new_id, color="red")
    assert bad_color.status_code == 400
    taken = tanaka.edit(pid, 3, "update_community", community=new_id, name="東小学校区")
    assert taken.status_code == 400
    east = community_named(plan, "東小学校区")["id"]
    merged = tanaka.edit(pid, 3, "merge_communities", communities=[new_id], into=east)
    assert merged.status_code == 200
    state = tanaka.plan(pid)
    assert state["assignments"]["G5"] == east and all(
        c["id"] != new_id for c in state["communities"]
    )
    assert tanaka.edit(pid, 4, "delete_community", community=east).status_code == 200
    assert len(tanaka.plan(pid)["checks"]["unassigned"]) == 6


def test_one_call_moves_every_stray_into_the_community_around_it(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    west = community_named(plan, "西小学校区")["id"]
    east = community_named(plan, "東小学校区")["id"]
    tanaka.edit(plan["id"], 1, "assign", community=east, districts=["G5"])
    strayed = tanaka.edit(plan["id"], 2, "assign", community=west, districts=["G9"])
    assert strayed.get_json()["checks"]["strays"] == [
        {"community": west, "districts": ["G9"], "surrounded_by": east}
    ]
    fixed = tanaka.edit(plan["id"], 3, "fix_strays")
    assert fixed.status_code == 200
    assert fixed.get_json()["changes"]["assignments"] == {"G9": [west, east]}
    assert fixed.get_json()["checks"]["strays"] == []
    assert tanaka.edit(plan["id"], 4, "fix_strays").status_code == 400  # nothing left to fix


def test_bad_edit_requests_are_refused_with_clear_messages(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    assert tanaka.edit(plan["id"], 1, "teleport").status_code == 400
    assert (
        tanaka.post(
            f"/api/plans/{plan['id']}/edits", {"op": "unassign", "districts": ["G1"]}
        ).status_code
        == 400
    )
    assert (
        tanaka.edit(plan["id"], 1, "assign", community="west", districts=["G1"]).status_code == 400
    )
    assert tanaka.edit(plan["id"], 1, "assign", community=1, districts=[]).status_code == 400
    assert tanaka.edit(plan["id"], 1, "assign", community=1, zone="Z9").status_code == 400
    assert tanaka.edit(999, 1, "unassign", districts=["G1"]).status_code == 404
    assert tanaka.plan(plan["id"])["version"] == 1


def test_versions_are_listed_viewed_diffed_and_restored(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    pid = plan["id"]
    east = community_named(plan, "東小学校区")["id"]
    west = community_named(plan, "西小学校区")["id"]
    tanaka.edit(pid, 1, "assign", community=east, districts=["G5"])
    tanaka.edit(pid, 2, "assign", community=east, districts=["G4"])
    versions = tanaka.get(f"/api/plans/{pid}/versions").get_json()["versions"]
    assert [v["version"] for v in versions] == [3, 2, 1]
    assert versions[0]["author"] == "tanaka" and versions[0]["districts_changed"] == 1
    old = tanaka.get(f"/api/plans/{pid}/versions/1").get_json()
    assert old["assignments"]["G5"] == west
    diff = tanaka.get(f"/api/plans/{pid}/diff?from=1&to=3").get_json()
    assert [m["district"] for m in diff["moved"]] == ["G4", "G5"]
    assert diff["moved_population"] == 900
    effect = {e["community"]: e["population_change"] for e in diff["population_effect"]}
    assert effect == {west: -900, east: 900}
    restored = tanaka.post(f"/api/plans/{pid}/restore", {"version": 3, "to_version": 1})
    assert restored.status_code == 200 and restored.get_json()["version"] == 4
    assert tanaka.plan(pid)["assignments"] == old["assignments"]
    assert tanaka.get(f"/api/plans/{pid}/versions/9").status_code == 404


def test_two_plans_are_compared_by_community_name(tanaka: Staff) -> None:
    first = tanaka.new_plan(name="A案")
    second = tanaka.post(
        "/api/plans", {"name": "B案", "source": "copy", "copy_of": first["id"]}
    ).get_json()
    east = community_named(second, "東小学校区")["id"]
    tanaka.edit(second["id"], 1, "assign", community=east, districts=["G5"])
    compared = tanaka.get(f"/api/plans/compare?a={first['id']}&b={second['id']}").get_json()
    assert [m["district"] for m in compared["moved"]] == ["G5"]
    effect = {e["community"]: e["population_change"] for e in compared["population_effect"]}
    assert effect == {"西小学校区": -500, "東小学校区": 500}
    as_copied = tanaka.get(f"/api/plans/compare?a={first['id']}&b={second['id']}&b_version=1")
    assert as_copied.get_json()["moved"] == []
    assert as_copied.get_json()["plans"][1]["version"] == 1


def test_renaming_a_plan_is_a_version_like_any_other_edit(tanaka: Staff) -> None:
    plan = tanaka.new_plan()
    answer = tanaka.edit(plan["id"], 1, "update_plan", name="見直し案", description="第2回検討会用")
    assert answer.status_code == 200
    assert answer.get_json()["changes"]["plan"] == {
        "name": ["小学校区案", "見直し案"],
        "description": ["", "第2回検討会用"],
    }
    assert tanaka.plan(plan["id"])["name"] == "見直し案"
    assert tanaka.edit(plan["id"], 2, "update_plan", name="").status_code == 400


BAD_EDITS = [
    ("merge_communities", {"communities": [1], "into": 1}, 400),
    ("merge_communities", {"communities": [], "into": 1}, 400),
    ("merge_communities", {"communities": [7], "into": 1}, 404),
    ("create_community", {"name_kana": "にし"}, 400),
    ("create_community", {"name": "北", "name_kana": "North"}, 400),
    ("create_community", {"name": "北", "hub_center": "K404"}, 400),
    ("create_community", {"name": "北", "places": [{"name": "公園", "lon": 500, "lat": 35}]}, 400),
    ("create_community", {"name": "北", "places": "公園"}, 400),
    ("create_community", {"name": "x" * 61}, 400),
    ("update_community", {"community": 1, "color": "#12345"}, 400),
    ("lock_community", {"community": 99}, 404),
    ("unlock_community", {"community": 1}, 400),  # not locked: nothing changes
    ("unassign", {"districts": "G1"}, 400),
    ("unassign", {"districts": ["G1", "NOPE"]}, 400),
]


@pytest.mark.parametrize(("op", "params", "status"), BAD_EDITS)
def test_each_bad_edit_is_refused_and_changes_nothing(
    tanaka: Staff, op: str, params: dict, status: int
) -> None:
    plan = tanaka.new_plan()
    answer = tanaka.edit(plan["id"], 1, op, **params)
    assert answer.status_code == status, answer.get_json()
    body = answer.get_json()
    assert body["message"] and body["message_en"] and body["message"] != body["message_en"]
    assert tanaka.plan(plan["id"])["version"] == 1


def test_bad_status_changes_and_restores_are_refused(grid_app: Flask) -> None:
    kanri = Staff(grid_app, "kanri")
    plan = kanri.new_plan()
    status = f"/api/plans/{plan['id']}/status"
    assert kanri.post(status, {"version": 1, "status": "adopted"}).status_code == 400  # skip
    assert kanri.post(status, {"version": 1, "status": "finished"}).status_code == 400
    restore = f"/api/plans/{plan['id']}/restore"
    assert kanri.post(restore, {"version": 1, "to_version": 99}).status_code == 404
    assert kanri.post(restore, {"version": 1}).status_code == 400
    assert kanri.post(restore, {"version": 1, "to_version": 1}).status_code == 400  # no change
    assert kanri.plan(plan["id"])["version"] == 1


def test_an_oversized_edit_request_is_refused_before_it_reaches_the_audit_log(
    tanaka: Staff,
) -> None:
    plan = tanaka.new_plan()
    answer = tanaka.edit(plan["id"], 1, "unassign", districts=["G1"], note="x" * 3_000_000)
    assert answer.status_code == 413 and "2 MB" in answer.get_json()["message"]
    assert tanaka.plan(plan["id"])["version"] == 1

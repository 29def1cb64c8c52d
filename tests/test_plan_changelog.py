"""The history's words for each version: districts moved per community, communities made,
renamed or edited, and plan status changes, named as they were at that version."""

from __future__ import annotations

from geoapp.plans.changelog import changes_text, describe_versions


def community(name: str, **fields: object) -> dict:
    """A community record as a delta stores it."""
    return {
        "name": name,
        "name_kana": "",
        "color": "#4e79a7",
        "description": "",
        "hub_center": None,
        "places": [],
        "locked": False,
        **fields,
    }


CREATE = {
    "plan": {"name": [None, "案"], "status": [None, "draft"]},
    "communities": {"1": [None, community("和田")], "2": [None, community("中央")]},
    "assignments": {"A1": [None, 1], "A2": [None, 2]},
}
MOVE = {"plan": {}, "communities": {}, "assignments": {"A2": [2, 1], "A3": [None, 1]}}
RENAME = {
    "plan": {},
    "communities": {"1": [community("和田"), community("和田地区", hub_center="K1")]},
    "assignments": {},
}
DELETE = {
    "plan": {},
    "communities": {"2": [community("中央"), None]},
    "assignments": {"A4": [2, None]},
}


def test_moved_districts_are_counted_per_community_they_went_to_by_its_name() -> None:
    _, moved = describe_versions([CREATE, MOVE])
    assert moved == [{"kind": "assigned", "districts": 2, "community": "和田"}]
    assert changes_text(moved, "ja") == "2 行政区を「和田」へ"
    assert changes_text(moved, "en") == "2 districts to “和田”"


def test_a_rename_and_a_new_hub_are_told_apart_and_later_moves_use_the_new_name() -> None:
    _, _, renamed, moved = describe_versions([CREATE, MOVE, RENAME, MOVE])
    assert changes_text(renamed, "ja") == (
        "「和田」を「和田地区」に改名、「和田地区」の拠点施設を変更"
    )
    assert changes_text(renamed, "en") == (
        "renamed “和田” to “和田地区”; “和田地区”: hub facility changed"
    )
    assert moved[0]["community"] == "和田地区"


def test_a_deleted_community_is_named_and_its_districts_counted_as_unassigned() -> None:
    _, deleted = describe_versions([CREATE, DELETE])
    assert changes_text(deleted, "ja") == "「中央」を削除、1 行政区の割り当てを解除"
    assert changes_text(deleted, "en") == "deleted “中央”; 1 district unassigned"


def test_a_plan_made_from_many_communities_is_summed_up_in_counts_without_its_fields() -> None:
    many = {
        "plan": {"status": [None, "draft"]},
        "communities": {str(cid): [None, community(f"C{cid}")] for cid in range(1, 6)},
        "assignments": {f"D{n}": [None, 1 + n % 5] for n in range(20)},
    }
    (changes,) = describe_versions([many])
    assert changes_text(changes, "ja") == ("5 コミュニティを作成、20 行政区を 5 コミュニティへ")
    assert changes_text(changes, "en") == "created 5 communities; 20 districts to 5 communities"


def test_several_edited_fields_are_listed_in_one_line() -> None:
    recoloured = {
        "plan": {},
        "communities": {"1": [community("和田"), community("和田", color="#000000", places=[1])]},
        "assignments": {},
    }
    (changes,) = describe_versions([recoloured])
    assert changes_text(changes, "ja") == "「和田」の色・重要な場所を変更"
    assert changes_text(changes, "en") == "“和田”: colour, important places changed"


def test_a_status_change_names_both_statuses_in_the_reader_s_language() -> None:
    adopt = {"plan": {"status": ["proposed", "adopted"]}, "communities": {}, "assignments": {}}
    (changes,) = describe_versions([adopt])
    assert changes_text(changes, "ja") == "状態: 提案 → 決定"
    assert changes_text(changes, "en") == "status: Proposed → Adopted"


def test_a_version_that_changed_nothing_says_so() -> None:
    (changes,) = describe_versions([{"plan": {}, "communities": {}, "assignments": {}}])
    assert changes_text(changes, "ja") == "変更なし"
    assert changes_text(changes, "en") == "no change"

"""「私の地域はどこ？」: the search ranks exact names before prefixes before parts, finds
districts by reading, code and address, never by postal code, suggests names when nothing
matches, and answers anyone with the adopted plan's public fields only."""

from __future__ import annotations

import json
from collections.abc import Iterator
from typing import Any

import pytest
from flask import Flask
from markupsafe import escape
from shared_data import yaizu

from geoapp.demo.city import load_demo_city
from geoapp.importing.pipeline import ImportOptions, import_layer
from geoapp.layers import CENTERS, DISTRICTS, SCHOOL_ZONES
from geoapp.public.search import District, DistrictIndex

TOWN = DistrictIndex(
    [
        District("101", "本町一丁目", "ホンマチイッチョウメ"),
        District("102", "本町二丁目", "ホンマチニチョウメ"),
        District("103", "本町", "ホンマチ"),
        District("104", "新本町", "シンホンマチ"),
        District("105", "平和", "ひらお"),
        District("106", "希望ヶ丘", ""),
        District("107", "大澤", "オオサワ"),
    ],
    ("静岡県", "架空市"),
)


def names(query: str) -> list[str]:
    return [district.name for district in TOWN.search(query).matches]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("本町", ["本町", "本町一丁目", "本町二丁目", "新本町"]),
        ("ほんまち", ["本町", "本町一丁目", "本町二丁目", "新本町"]),
        ("本町二丁目", ["本町二丁目"]),
        ("本町2丁目", ["本町二丁目"]),
        ("本町二丁目5-3", ["本町二丁目"]),
        ("架空市本町2丁目5番3号", ["本町二丁目"]),
        ("本町2-5-3", ["本町二丁目"]),
        ("本町一", ["本町一丁目"]),
        ("ひらお", ["平和"]),
        ("ヒラオ", ["平和"]),
        ("希望が丘", ["希望ヶ丘"]),
        ("希望ケ丘", ["希望ヶ丘"]),
        ("大沢", ["大澤"]),
        ("104", ["新本町"]),
        ("１０４", ["新本町"]),
        ("10", []),
    ],
)
def test_exact_names_come_before_prefixes_before_parts(query: str, expected: list[str]) -> None:
    assert names(query) == expected


def test_a_reading_is_only_what_the_data_gives() -> None:
    assert names("へいわ") == []


def test_a_postal_code_is_never_searched_and_says_why() -> None:
    found = TOWN.search("〒420-0001")
    assert found.matches == [] and found.postal_code and found.suggestions == []


def test_no_match_suggests_the_nearest_names() -> None:
    found = TOWN.search("本丁")
    assert found.matches == []
    assert found.suggestions[:1] == ["本町"]
    assert TOWN.search("xyz").suggestions == []


def test_a_suggestion_sharing_more_characters_comes_before_a_shorter_one() -> None:
    town = DistrictIndex([District("1", "平和台一丁目"), District("2", "上千代")])
    assert town.search("平和代").suggestions == ["平和台一丁目", "上千代"]


def search(app: Flask, query: str, status: int = 200) -> dict[str, Any]:
    answer = app.test_client().get("/api/public/search", query_string={"q": query})
    assert answer.status_code == status, answer.get_json()
    return answer.get_json()


def test_the_api_answers_each_match_with_its_community_and_hub(demo_app: Flask) -> None:
    found = search(demo_app, "希望が丘一丁目")
    first = found["matches"][0]
    assert first["district"]["code"] == "D233" and first["district"]["name"] == "希望ヶ丘一丁目"
    assert first["community"]["name"] == "希望ヶ丘小学校区"
    assert first["hub"] == {"name": "希望ヶ丘公民館", "address": "青葉川市希望ヶ丘一丁目9番1号"}
    address = search(demo_app, "青葉川市平和台三丁目16番5号")["matches"]
    assert [m["district"]["name"] for m in address] == ["平和台三丁目"]
    assert [m["district"]["name"] for m in search(demo_app, "へいわだい")["matches"]] == [
        f"平和台{n}丁目" for n in "一二三四"
    ]
    assert search(demo_app, "d010")["matches"][0]["district"]["name"] == "久保田四区"
    nothing = search(demo_app, "ほげほげ")
    assert nothing["matches"] == [] and nothing["suggestions"]
    notice = search(demo_app, "〒999-0001")["notice"]
    for lang in ("ja", "en"):
        page = demo_app.test_client().get("/search", query_string={"q": "〒999-0001", "lang": lang})
        assert f'<p class="note">{escape(notice[lang])}</p>' in page.get_data(as_text=True)


def test_the_api_refuses_an_empty_long_or_hostile_query(demo_app: Flask) -> None:
    for query, field in (("", "q"), (" ", "q"), ("本" * 101, "q"), ("本\x00", "q")):
        refused = search(demo_app, query, 400)
        assert refused["details"]["fields"] == [field]
    client = demo_app.test_client()
    assert client.get("/api/public/search").status_code == 400
    assert client.get("/api/public/at?lon=nan&lat=35").status_code == 400
    assert client.get("/api/public/at?lon=139&lat=95").status_code == 400


def public_keys(answer: dict[str, Any]) -> set[str]:
    """Every key path in a search answer, with list positions dropped."""
    found = set()

    def walk(value: object, path: str) -> None:
        if isinstance(value, dict):
            for key, inner in value.items():
                found.add(f"{path}.{key}".lstrip("."))
                walk(inner, f"{path}.{key}")
        elif isinstance(value, list):
            for inner in value:
                walk(inner, path)

    walk(answer, "")
    return found


SEARCH_FIELDS = {
    "matches",
    "matches.district",
    "matches.district.code",
    "matches.district.name",
    "matches.district.kana",
    "matches.district.bounds",
    "matches.community",
    "matches.community.id",
    "matches.community.name",
    "matches.community.color",
    "matches.hub",
    "matches.hub.name",
    "matches.hub.address",
    "total",
    "suggestions",
}


def test_search_and_point_answers_hold_only_public_fields_of_the_adopted_plan(
    demo_app: Flask,
) -> None:
    planning = demo_app.extensions["geoapp.plans"]
    draft = next(p for p in planning.list_plans() if p["status"] == "draft")
    draft_state = planning.state(draft["id"])[1]
    draft_only = {c["name"] for c in draft_state.communities.values()} - {
        c["name"] for c in planning.public_plan()["communities"]
    }
    assert draft_only, "the demo draft renames a community"
    client = demo_app.test_client()
    answers = [search(demo_app, q) for q in ("丁目", "区", "台", "町", "D1", "ほげ")]
    answers.append(client.get("/api/public/at?lon=138.05&lat=34.93").get_json())
    for answer in answers:
        assert public_keys(answer) <= SEARCH_FIELDS
        text = json.dumps(answer, ensure_ascii=False)
        for secret in (*draft_only, "demo-admin", "author", "locked", "password"):
            assert secret not in text
    adopted = planning.public_plan()["assignments"]
    moved = [code for code, cid in draft_state.assignments.items() if adopted[code] != cid]
    assert moved, "the demo draft moves districts"
    for code in moved:
        community = search(demo_app, code)["matches"][0]["community"]
        assert community["id"] == adopted[code]


def test_a_point_names_its_district_and_community(demo_app: Flask) -> None:
    first = search(demo_app, "希望が丘一丁目")["matches"][0]
    (south, west), (north, east) = first["district"]["bounds"]
    answer = demo_app.test_client().get(
        "/api/public/at", query_string={"lon": (west + east) / 2, "lat": (south + north) / 2}
    )
    assert answer.status_code == 200
    names_found = {m["community"]["name"] for m in answer.get_json()["matches"]}
    assert names_found <= {"希望ヶ丘小学校区"} | {
        m["community"]["name"] for m in search(demo_app, "丘")["matches"]
    }
    outside = demo_app.test_client().get("/api/public/at?lon=100&lat=10").get_json()
    assert outside["matches"] == []


def test_before_any_plan_is_adopted_districts_are_found_without_a_community(app: Flask) -> None:
    load_demo_city(app.extensions["geoapp.store"])
    first = search(app, "希望が丘一丁目")["matches"][0]
    assert first["community"] is None and first["hub"] is None


@pytest.fixture
def yaizu_app(app: Flask) -> Iterator[Flask]:
    """The app with Yaizu's real layers (自治会 without readings)."""
    store = app.extensions["geoapp.store"]
    for layer, path in (
        (DISTRICTS, yaizu("自治会区域")),
        (SCHOOL_ZONES, yaizu("小学校区")),
        (CENTERS, next(yaizu("地域交流センター").glob("2221*.csv"))),
    ):
        assert import_layer(store, path, ImportOptions(layer=layer)).stored
    yield app


def test_yaizu_associations_are_found_by_name_and_number_in_kanji(yaizu_app: Flask) -> None:
    found = [m["district"]["name"] for m in search(yaizu_app, "焼津第六自治会")["matches"]]
    assert found == ["焼津第6自治会"]
    prefix = [m["district"]["name"] for m in search(yaizu_app, "焼津")["matches"]]
    assert prefix and all(name.startswith("焼津") for name in prefix)
    assert search(yaizu_app, "やいづ")["matches"] == []

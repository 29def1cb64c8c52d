"""The organization scheme as data: every preset reads, writes back to equal TOML, keeps
its programs, and a bad scheme is refused naming the field."""

from __future__ import annotations

import dataclasses

import pytest

from geoapp.errors import BadInput
from geoapp.organizations.scheme import (
    load_scheme,
    preset_names,
    read_scheme_toml,
    scheme_from_dict,
    scheme_toml,
)

PRESETS = ["ichinoseki", "nagasaki", "numata", "school_zone_councils", "yuzawa"]


def test_one_preset_ships_for_each_seed_city() -> None:
    assert preset_names() == PRESETS
    assert load_scheme("numata").stage_keys == ("preparation", "growth", "expansion")
    assert [s.name for s in load_scheme("numata").stages] == ["準備期", "成長期", "展開期"]
    assert load_scheme("numata").stage("growth").requires == ("agreement",)
    assert [s.name for s in load_scheme("nagasaki").stages] == [
        "地域説明会", "準備委員会", "まちづくり計画", "協議会設立", "認定",
    ]  # fmt: skip
    assert [s.name for s in load_scheme("yuzawa").stages] == [
        "STEP1 導入期", "STEP2 成長期", "STEP3 成熟期",
    ]  # fmt: skip
    assert {"community_plan", "center_managed"} <= set(load_scheme("ichinoseki").milestone_keys)


@pytest.mark.parametrize("name", PRESETS)
def test_a_preset_round_trips_through_toml(name: str) -> None:
    scheme = load_scheme(name)
    assert read_scheme_toml(scheme_toml(scheme).encode(), "x.toml") == scheme
    assert scheme_from_dict(scheme.to_dict()) == scheme


def test_programs_are_kept_as_they_are() -> None:
    program = {
        "key": "prep",
        "name": "設立準備事業補助金",
        "name_en": "Preparation",
        "cap_per_year": 200_000,
        "first_year": 2023,
        "duration": {"from_stage": "preparation", "years": 2},
    }
    scheme = dataclasses.replace(load_scheme("numata"), programs=(program,))
    again = read_scheme_toml(scheme_toml(scheme).encode(), "x.toml")
    assert again.programs == (program,)


@pytest.mark.parametrize(
    ("program", "field"),
    [
        ({"cap": 1}, "programs.0.cap"),
        ({"stages": ["ripe"]}, "programs.0.stages"),
        ({"milestones": ["signed"]}, "programs.0.milestones"),
        ({"duration": {"years": 2}}, "programs.0.duration"),
        ({"first_year": 2027, "last_year": 2023}, "programs.0"),
        ({"budgets": {"R6": 1}}, "programs.0.budgets"),
    ],
)
def test_a_program_naming_what_the_scheme_lacks_is_refused(
    program: dict[str, object], field: str
) -> None:
    document = load_scheme("numata").to_dict()
    document["programs"] = [{"key": "x", "name": "制度", "name_en": "Program", **program}]
    with pytest.raises(BadInput) as refused:
        scheme_from_dict(document)
    assert field in refused.value.message


@pytest.mark.parametrize(
    ("change", "field"),
    [
        (lambda d: d["stages"][1].update(color="green"), "stages.1.color"),
        (lambda d: d["stages"][1].update(requires=["signed"]), "stages.1.requires"),
        (lambda d: d["stages"][2].update(key="preparation"), "stages.2.key"),
        (lambda d: d["milestones"][0].update(name=""), "milestones.0.name"),
        (lambda d: d["scheme"].update(colour="x"), "scheme.colour"),
        (lambda d: d.update(stages=[]), "stages"),
        (lambda d: d.update(programs=[{"cap": float("nan")}]), "programs.0.cap"),
    ],
)
def test_a_bad_scheme_is_refused_naming_the_field(change: object, field: str) -> None:
    document = load_scheme("numata").to_dict()
    change(document)  # type: ignore[operator]
    with pytest.raises(BadInput) as refused:
        scheme_from_dict(document)
    assert field in refused.value.message and field in refused.value.message_en


def test_a_file_that_is_not_toml_is_refused_naming_it() -> None:
    with pytest.raises(BadInput, match=r"scheme\.toml"):
        read_scheme_toml(b"[scheme\n", "scheme.toml")
    with pytest.raises(BadInput, match="体系「nowhere」はありません"):
        load_scheme("nowhere")

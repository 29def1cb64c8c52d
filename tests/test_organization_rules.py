"""The stage rules of every shipped preset, table-driven and pure: a skipped stage or a
missing milestone is refused naming the rule, moving down is allowed, and a milestone
counts only when reached on or before the day of the change."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from geoapp.japanese_calendar import fiscal_year, fiscal_year_end, fiscal_year_start
from geoapp.organizations.rules import broken_rules
from geoapp.organizations.scheme import load_scheme, preset_names

DAY = date(2024, 4, 1)
BEFORE = date(2024, 3, 31)
SKIP, MISSING = "stage_skipped", "milestone_required"

# (preset, from stage, to stage, milestones reached by DAY, the rules broken)
CASES = [
    ("numata", None, "preparation", [], []),
    ("numata", "preparation", "growth", [], [MISSING]),
    ("numata", "preparation", "growth", ["agreement"], []),
    ("numata", "preparation", "expansion", ["agreement"], [SKIP]),
    ("numata", None, "growth", [], [SKIP, MISSING]),
    ("numata", "expansion", "preparation", [], []),
    ("nagasaki", None, "briefing", [], [MISSING]),
    ("nagasaki", None, "briefing", ["briefing_held"], []),
    ("nagasaki", "briefing", "committee", ["committee_formed"], []),
    ("nagasaki", "committee", "council", ["plan_adopted", "council_established"], [SKIP]),
    ("nagasaki", "council", "certified", [], [MISSING]),
    ("yuzawa", None, "introduction", [], []),
    ("yuzawa", "introduction", "growth", [], [MISSING]),
    ("yuzawa", "introduction", "growth", ["plan_filed"], []),
    ("yuzawa", "growth", "maturity", ["hub_managed"], []),
    ("yuzawa", "introduction", "maturity", ["plan_filed", "hub_managed"], [SKIP]),
    ("ichinoseki", None, "preparing", [], []),
    ("ichinoseki", "preparing", "established", [], [MISSING]),
    ("ichinoseki", "established", "planning", ["community_plan"], []),
    ("ichinoseki", "planning", "center_managed", ["staff_assigned"], [MISSING]),
    ("school_zone_councils", None, "dialogue", ["dialogue_held"], []),
    ("school_zone_councils", "dialogue", "planning", ["plan_adopted"], [SKIP, MISSING]),
    ("school_zone_councils", "council", "planning", ["plan_adopted"], []),
]


@pytest.mark.parametrize(("preset", "current", "target", "reached", "expected"), CASES)
def test_each_presets_stage_rules(
    preset: str, current: str | None, target: str, reached: list[str], expected: list[str]
) -> None:
    scheme = load_scheme(preset)
    rules = broken_rules(scheme, current, target, dict.fromkeys(reached, DAY), DAY)
    assert [rule.code for rule in rules] == expected


def test_every_preset_is_covered_by_the_table() -> None:
    assert {case[0] for case in CASES} == set(preset_names())


def test_the_refusal_names_the_rule_in_japanese_and_english() -> None:
    (rule,) = broken_rules(load_scheme("numata"), "preparation", "growth", {}, DAY)
    assert rule.message == "成長期には協定締結が必要です（未記録）"
    assert rule.message_en.startswith("Growth requires Partnership agreement")
    (skip,) = broken_rules(
        load_scheme("numata"), "preparation", "expansion", {"agreement": DAY}, DAY
    )
    assert skip.message == "「準備期」から「展開期」へは進めません（成長期を飛ばしています）"


@pytest.mark.parametrize(
    ("reached_on", "broken"), [(BEFORE, []), (DAY, []), (date(2024, 4, 2), [MISSING])]
)
def test_a_milestone_counts_only_when_reached_on_or_before_the_change(
    reached_on: date, broken: list[str]
) -> None:
    rules = broken_rules(
        load_scheme("numata"), "preparation", "growth", {"agreement": reached_on}, DAY
    )
    assert [rule.code for rule in rules] == broken


def test_a_scheme_without_order_allows_jumps_but_still_requires_milestones() -> None:
    scheme = dataclasses.replace(load_scheme("nagasaki"), stages_in_order=False)
    assert broken_rules(scheme, None, "council", {"council_established": DAY}, DAY) == []
    assert [r.code for r in broken_rules(scheme, None, "council", {}, DAY)] == [MISSING]


@pytest.mark.parametrize(
    ("day", "year"),
    [(date(2024, 3, 31), 2023), (date(2024, 4, 1), 2024), (date(2025, 3, 31), 2024)],
)
def test_the_fiscal_year_turns_on_1_april(day: date, year: int) -> None:
    assert fiscal_year(day) == year
    assert fiscal_year_start(year) <= day <= fiscal_year_end(year)

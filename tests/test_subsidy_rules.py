"""The grant rules with seed 000's numbers (沼田市: 設立準備事業補助金 R5–R9, 2 fiscal years
from the start of preparation, ¥200,000 a year; 運営費補助金 from R6 until 6 years after
the agreement, ¥200,000 a year; 事業費補助金 2 projects a year, ¥300,000 then ¥150,000),
one case a row: what is applied for, what was granted before, and the rule refused."""

from __future__ import annotations

import dataclasses
from datetime import date

import pytest

from geoapp.organizations.scheme import load_scheme
from geoapp.subsidies.grant_table import read_row
from geoapp.subsidies.programs import read_programs
from geoapp.subsidies.rules import GrantDraft, Ledger, OrganizationFacts, broken_rules

NUMATA = load_scheme("numata")
PROGRAMS = {
    p.key: p for p in read_programs(NUMATA.programs, NUMATA.stage_keys, NUMATA.milestone_keys)
}

# An organization preparing since 2023-05-01 (令和5年度) that signed the agreement on
# 2024-07-01 (令和6年度) and adopted its vision on 2024-09-01.
SIGNED = OrganizationFacts(
    1,
    "東地区",
    ((date(2023, 5, 1), "preparation"), (date(2024, 7, 1), "growth")),
    {"agreement": date(2024, 7, 1), "vision": date(2024, 9, 1)},
)
# One preparing since 2022-06-01 (令和4年度) with nothing signed.
EARLY = OrganizationFacts(2, "西地区", ((date(2022, 6, 1), "preparation"),), {})
# One preparing since 2023-05-01 (令和5年度).
PREPARING = OrganizationFacts(3, "南地区", ((date(2023, 5, 1), "preparation"),), {})


def grant(organization: OrganizationFacts, program: str, year: int, amount: int, **kw: object):
    return GrantDraft(organization.id, program, year, "事業", amount, amount, kw.get("on"))  # type: ignore[arg-type]


CASES = [
    # (id, organization, program, fiscal year, amount, decided on, granted before, rule)
    ("first preparation year", PREPARING, "preparation", 2023, 200_000, date(2023, 6, 1), [], None),
    (
        "second preparation year",
        PREPARING,
        "preparation",
        2024,
        200_000,
        date(2024, 6, 1),
        [],
        None,
    ),
    (
        "third preparation year",
        PREPARING,
        "preparation",
        2025,
        200_000,
        date(2025, 6, 1),
        [],
        "duration",
    ),
    ("preparation before R5", EARLY, "preparation", 2022, 200_000, date(2022, 8, 1), [], "window"),
    ("preparation after R9", PREPARING, "preparation", 2028, 100_000, None, [], "window"),
    (
        "preparation over 200,000 a year",
        PREPARING,
        "preparation",
        2024,
        150_000,
        date(2024, 9, 1),
        [(3, "preparation", 2024, 100_000)],
        "cap_per_year",
    ),
    (
        "preparation once growing",
        SIGNED,
        "preparation",
        2024,
        100_000,
        date(2024, 8, 1),
        [],
        "stage",
    ),
    (
        "operating before the agreement",
        PREPARING,
        "operating",
        2024,
        200_000,
        date(2024, 6, 1),
        [],
        "milestone",
    ),
    (
        "operating before its signing day",
        SIGNED,
        "operating",
        2024,
        200_000,
        date(2024, 6, 30),
        [],
        "milestone",
    ),
    (
        "operating on its signing day",
        SIGNED,
        "operating",
        2024,
        200_000,
        date(2024, 7, 1),
        [],
        None,
    ),
    ("operating 6 years on", SIGNED, "operating", 2030, 200_000, None, [], None),
    ("operating after 6 years", SIGNED, "operating", 2031, 200_000, None, [], "duration"),
    (
        "operating twice a year",
        SIGNED,
        "operating",
        2025,
        200_000,
        None,
        [(1, "operating", 2025, 200_000)],
        "cap_per_year",
    ),
    ("first project at 300,000", SIGNED, "projects", 2025, 300_000, None, [], None),
    ("first project over 300,000", SIGNED, "projects", 2025, 300_001, None, [], "project_cap"),
    (
        "second project at 150,000",
        SIGNED,
        "projects",
        2025,
        150_000,
        None,
        [(1, "projects", 2025, 300_000)],
        None,
    ),
    (
        "second project over 150,000",
        SIGNED,
        "projects",
        2025,
        150_001,
        None,
        [(1, "projects", 2025, 300_000)],
        "project_cap",
    ),
    (
        "third project",
        SIGNED,
        "projects",
        2025,
        10_000,
        None,
        [(1, "projects", 2025, 300_000), (1, "projects", 2025, 150_000)],
        "projects_per_year",
    ),
    (
        "projects counted per year",
        SIGNED,
        "projects",
        2026,
        300_000,
        None,
        [(1, "projects", 2025, 300_000), (1, "projects", 2025, 150_000)],
        None,
    ),
    ("projects without the vision", PREPARING, "projects", 2025, 100_000, None, [], "milestone"),
    ("a refusal (0) breaks nothing", EARLY, "operating", 2020, 0, None, [], None),
]


@pytest.mark.parametrize(
    ("organization", "program", "year", "amount", "on", "before", "rule"),
    [case[1:] for case in CASES],
    ids=[case[0] for case in CASES],
)
def test_a_grant_keeps_or_breaks_the_rule(
    organization: OrganizationFacts,
    program: str,
    year: int,
    amount: int,
    on: date | None,
    before: list[tuple[int, str, int, int]],
    rule: str | None,
) -> None:
    draft = grant(organization, program, year, amount, on=on)
    broken = broken_rules(NUMATA, PROGRAMS[program], organization, draft, Ledger(before))
    assert [v.rule for v in broken][:1] == ([rule] if rule else [])
    for verdict in broken:
        assert verdict.message and verdict.message_en


def test_the_third_preparation_year_is_named_as_the_city_writes_it() -> None:
    draft = grant(PREPARING, "preparation", 2025, 200_000)
    [verdict] = broken_rules(NUMATA, PROGRAMS["preparation"], PREPARING, draft, Ledger())
    assert verdict.message == "設立準備事業補助金は準備開始年度から2年度までです（令和5年度開始）"


def test_the_years_after_the_agreement_are_the_citys_to_set() -> None:
    ten_years = dataclasses.replace(
        PROGRAMS["operating"],
        duration=dataclasses.replace(PROGRAMS["operating"].duration, years=10),  # type: ignore[arg-type]
    )
    draft = grant(SIGNED, "operating", 2031, 200_000)
    assert broken_rules(NUMATA, ten_years, SIGNED, draft, Ledger()) == []
    draft = grant(SIGNED, "operating", 2035, 200_000)
    [verdict] = broken_rules(NUMATA, ten_years, SIGNED, draft, Ledger())
    assert verdict.rule == "duration" and "令和16年度まで" in verdict.message


def test_a_grant_beyond_the_budget_is_refused_naming_what_is_left() -> None:
    budgeted = dataclasses.replace(PROGRAMS["operating"], budget=1_000_000)
    before = Ledger([(9, "operating", 2025, 200_000)] * 4)
    draft = grant(SIGNED, "operating", 2025, 200_000)
    assert broken_rules(NUMATA, budgeted, SIGNED, draft, before) == []
    before.add(draft)
    other = dataclasses.replace(SIGNED, id=7)
    [verdict] = broken_rules(NUMATA, budgeted, other, grant(other, "operating", 2025, 1), before)
    assert verdict.rule == "budget" and "残り0円" in verdict.message


SINCE_2026 = OrganizationFacts(4, "北地区", ((date(2026, 5, 1), "preparation"),), {})


@pytest.mark.parametrize(
    ("decided_on", "year", "label", "organization", "rule"),
    [
        # Preparing since 令和5年度: its second year ends on 31 March 2025.
        ("2025-03-31", 2024, "令和6年度", PREPARING, None),
        ("2025-04-01", 2025, "令和7年度", PREPARING, "duration"),
        # The window ends with 令和9年度, on 31 March 2028.
        ("2028-03-31", 2027, "R9", SINCE_2026, None),
        ("2028-04-01", 2028, "2028", SINCE_2026, "window"),
    ],
)
def test_the_fiscal_year_turns_on_1_april(
    decided_on: str, year: int, label: str, organization: OrganizationFacts, rule: str | None
) -> None:
    cells = {
        "organization": str(organization.id),
        "program": "preparation",
        "fiscal_year": label,
        "requested": "100,000",
        "granted": "100000",
        "decided_on": decided_on,
    }
    row = read_row(2, cells)
    assert row.problem is None and row.fiscal_year == year
    draft = GrantDraft(organization.id, "preparation", year, "", 100_000, 100_000, row.decided_on)
    broken = broken_rules(NUMATA, PROGRAMS["preparation"], organization, draft, Ledger())
    assert [v.rule for v in broken][:1] == ([rule] if rule else [])


def test_a_fiscal_year_that_is_not_the_decision_dates_is_a_bad_value() -> None:
    row = read_row(
        4,
        {
            "organization": "1",
            "program": "operating",
            "fiscal_year": "R7",
            "requested": "1",
            "granted": "1",
            "decided_on": "2025-03-31",
        },
    )
    assert row.problem is not None and row.problem.rule == "bad_value"
    assert row.problem.column == "fiscal_year" and row.problem.message.startswith(
        "4行目の「fiscal_year」"
    )

"""The demo city's organizations through five fiscal years of subsidies (令和4〜8年度):
budgets for the Numata-type programs, and grants applied for year by year after each
organization's recorded history (``demo.organizations``) and checked by the rules — those
refused are recorded as refusals (不交付, granted 0) with the rule's message, and the first
refusal by the window and by the duration are admins' exceptions with a reason."""

from __future__ import annotations

import logging
from dataclasses import replace
from datetime import date, timedelta
from typing import Any

from ..accounts.users import User
from ..japanese_calendar import fiscal_year, fiscal_year_end, today_in_japan
from ..organizations.service import Organizations
from ..subsidies.grant_table import GrantRow
from ..subsidies.service import Subsidies

logger = logging.getLogger(__name__)

ADMIN = User("demo-admin", "admin")
FIRST_YEAR = 2022
# Annual budgets the demo city sets for the Numata-type programs (yen).
DEMO_BUDGETS = {"preparation": 1_600_000, "operating": 1_400_000, "projects": 2_400_000}
# The refusals an admin records as exceptions instead, by the rule waived.
EXCEPTIONS = {
    "window": "制度開始前の試行として市長が特に認めたもの（令和4年度 決裁）",
    "duration": "豪雨災害で設立準備が遅れたため、市長の特認により3年度目を交付",
}


def prepare_demo_grants(organizations: Organizations, subsidies: Subsidies) -> list[str]:
    """Give the demo city's programs budgets and its organizations five fiscal years of
    grants, unless grants exist or no organization has a history; what was made."""
    listed = organizations.list_organizations(ADMIN)
    if subsidies.grants() or not any(o["stage"] for o in listed):
        return []
    if {p.key for p in subsidies.programs()} != set(DEMO_BUDGETS):
        return []
    documents = subsidies.program_documents()
    for document in documents:
        document.setdefault("budget", DEMO_BUDGETS[document["key"]])
    subsidies.save_programs(ADMIN, documents)
    outcomes = {"granted": 0, "refused": 0, "excepted": 0}
    waived: set[str] = set()
    histories = [organizations.organization(ADMIN, o["id"]) for o in listed]
    for year in range(FIRST_YEAR, fiscal_year(today_in_japan()) + 1):
        for number, organization in enumerate(histories):
            for row in _applications(organization, number, year):
                outcomes[_decide(subsidies, row, waived)] += 1
    logger.info("demo grants: %s", outcomes)
    return [
        f"grants: {outcomes['granted']} granted, {outcomes['refused']} refused (不交付), "
        f"{outcomes['excepted']} exceptions"
    ]


def _applications(organization: dict[str, Any], number: int, year: int) -> list[GrantRow]:
    """What the organization applies for in fiscal year ``year``: preparation support from
    the year it started preparing until it signs, operating support from the year it
    signs, and two projects of its vision a year after it adopted it (the first
    organization asks for a third in 令和7年度, which the rules refuse)."""
    oid = str(organization["id"])
    started = next(
        (
            date.fromisoformat(h["date"])
            for h in organization["history"]
            if h["stage"] == "preparation"
        ),
        None,
    )
    reached = {key: date.fromisoformat(day) for key, day in organization["milestones"].items()}
    signed, vision = reached.get("agreement"), reached.get("vision")
    rows = []
    if started and fiscal_year(started) <= year and (signed is None or year < fiscal_year(signed)):
        day = _within(year, max(date(year, 6, 1), started + timedelta(days=14)))
        rows.append(_row(oid, "preparation", year, "設立準備（会議・広報）", 200_000, day))
    if signed and fiscal_year(signed) <= year:
        day = _within(year, max(date(year, 7, 1), signed + timedelta(days=14)))
        rows.append(_row(oid, "operating", year, "組織運営", 200_000, day))
    if vision and fiscal_year(vision) < year:
        rows.append(_row(oid, "projects", year, "地域の見守り事業", 300_000, date(year, 8, 1)))
        rows.append(_row(oid, "projects", year, "子ども食堂", 150_000, date(year, 9, 1)))
        if year == 2025 and number == 0:
            rows.append(_row(oid, "projects", year, "空き家の活用調査", 120_000, date(year, 10, 1)))
    return [row for row in rows if row.decided_on and row.decided_on <= today_in_japan()]


def _within(year: int, day: date) -> date:
    """``day``, or the last day of fiscal year ``year`` when it falls after it."""
    return min(day, fiscal_year_end(year))


def _row(oid: str, program: str, year: int, project: str, amount: int, day: date) -> GrantRow:
    """An application granted in full, decided on ``day``."""
    return GrantRow(0, oid, program, year, project, amount, amount, day)


def _decide(subsidies: Subsidies, row: GrantRow, waived: set[str]) -> str:
    """Record the application: granted if the rules allow; the first refusal by each rule
    of ``EXCEPTIONS`` as an admin's exception; else as refused (不交付)."""
    checked = subsidies.import_rows(ADMIN, [row], dry_run=True, source="demo").verdicts[0]
    if checked.verdict.ok:
        subsidies.import_rows(ADMIN, [row], dry_run=False, source="demo")
        return "granted"
    rule = checked.verdict.rule or ""
    if rule in EXCEPTIONS and rule not in waived and len(checked.broken) == 1:
        waived.add(rule)
        excepted = replace(row, exception_reason=EXCEPTIONS[rule])
        subsidies.import_rows(ADMIN, [excepted], dry_run=False, source="demo")
        return "excepted"
    refusal = replace(row, granted=0, note=f"不交付: {checked.verdict.message}")
    subsidies.import_rows(ADMIN, [refusal], dry_run=False, source="demo")
    return "refused"

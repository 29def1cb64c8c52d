"""The demo city's organizations through five fiscal years of subsidies (令和4〜8年度):
stages and milestones where they have none yet, budgets for the Numata-type programs, and
grants applied for year by year and checked by the rules — those refused are recorded as
refusals (不交付, granted 0) with the rule's message, and two are admins' exceptions."""

from __future__ import annotations

import logging
from dataclasses import dataclass
from datetime import date

from ..accounts.users import User
from ..japanese_calendar import fiscal_year, today_in_japan
from ..organizations.service import Organizations
from ..subsidies.grant_table import GrantRow
from ..subsidies.service import Subsidies

logger = logging.getLogger(__name__)

ADMIN = User("demo-admin", "admin")
PLANNER = User("demo", "planner")
FIRST_YEAR = 2022
# Annual budgets the demo city sets for the Numata-type programs (yen).
DEMO_BUDGETS = {"preparation": 2_000_000, "operating": 1_600_000, "projects": 4_500_000}


@dataclass(frozen=True)
class Path:
    """How one kind of demo organization moves: when it started preparing, set itself up,
    adopted its vision and signed the agreement (None: not yet)."""

    preparation: date
    established: date | None
    vision: date | None
    agreement: date | None


# Four kinds of organization, taken in turn.
PATHS = (
    Path(date(2022, 6, 1), date(2023, 3, 1), date(2025, 1, 15), date(2024, 7, 1)),
    Path(date(2023, 5, 10), date(2024, 2, 1), date(2024, 3, 1), date(2025, 5, 20)),
    Path(date(2024, 4, 15), date(2025, 2, 1), date(2025, 3, 1), None),
    Path(date(2025, 5, 1), None, None, None),
)
# The admins' exceptions: (rule waived, which organization) and why.
EXCEPTIONS = {
    ("window", 0): "制度開始前の試行として市長が特に認めたもの（令和4年5月 決裁）",
    ("duration", 2): "令和7年の豪雨災害で設立準備が遅れたため、市長の特認により3年度目を交付",
}


def prepare_demo_grants(organizations: Organizations, subsidies: Subsidies) -> list[str]:
    """Give the demo organizations stages, milestones and five years of grants, unless
    grants exist; what was made."""
    if subsidies.grants() or organizations.scheme().key != "numata":
        return []
    listed = organizations.list_organizations(ADMIN)
    for number, organization in enumerate(listed):
        if organization["stage"] is None:
            _walk(organizations, organization["id"], PATHS[number % len(PATHS)])
    documents = subsidies.program_documents()
    for document in documents:
        if document["key"] in DEMO_BUDGETS and "budget" not in document:
            document["budget"] = DEMO_BUDGETS[document["key"]]
    subsidies.save_programs(ADMIN, documents)
    stored = refused = excepted = 0
    last = fiscal_year(today_in_japan())
    for year in range(FIRST_YEAR, last + 1):
        for number, organization in enumerate(organizations.list_organizations(ADMIN)):
            for row in _applications(organization, number, year):
                outcome = _decide(subsidies, row, number)
                stored += outcome == "granted"
                refused += outcome == "refused"
                excepted += outcome == "excepted"
    logger.info("demo grants: %d granted, %d refused, %d exceptions", stored, refused, excepted)
    return [f"grants {stored} granted, {refused} refused (不交付), {excepted} exceptions"]


def _walk(organizations: Organizations, organization_id: int, path: Path) -> None:
    """Record an organization's milestones and stages along ``path`` (up to today)."""
    today = today_in_japan()
    organizations.change_stage(PLANNER, organization_id, "preparation", path.preparation)
    for key, day in (
        ("established", path.established),
        ("vision", path.vision),
        ("agreement", path.agreement),
    ):
        if day is not None and day <= today:
            organizations.record_milestone(PLANNER, organization_id, key, day, "デモの記録")
    if path.agreement is not None and path.agreement <= today:
        organizations.change_stage(
            PLANNER, organization_id, "growth", path.agreement, "地域づくりパートナー協定を締結"
        )


def _applications(organization: dict, number: int, year: int) -> list[GrantRow]:
    """What the organization applies for in fiscal year ``year``: preparation support while
    preparing, operating support once it signed, and its vision's projects (one kind in
    four applies for a third project in 令和7年度, which the rules refuse)."""
    oid = str(organization["id"])
    path = PATHS[number % len(PATHS)]
    rows = []
    if fiscal_year(path.preparation) <= year and (
        path.agreement is None or fiscal_year(path.agreement) > year
    ):
        rows.append(
            _row(oid, "preparation", year, "設立準備（会議・広報）", 200_000, date(year, 6, 1))
        )
    if path.agreement is not None and fiscal_year(path.agreement) <= year:
        rows.append(_row(oid, "operating", year, "組織運営", 200_000, date(year, 7, 1)))
    if path.vision is not None and fiscal_year(path.vision) < year:
        rows.append(_row(oid, "projects", year, "地域の見守り事業", 300_000, date(year, 8, 1)))
        rows.append(_row(oid, "projects", year, "子ども食堂", 150_000, date(year, 9, 1)))
        if year == 2025 and number % len(PATHS) == 0:
            rows.append(_row(oid, "projects", year, "空き家の活用調査", 120_000, date(year, 10, 1)))
    return [row for row in rows if row.decided_on and row.decided_on <= today_in_japan()]


def _row(oid: str, program: str, year: int, project: str, amount: int, day: date) -> GrantRow:
    """An application granted in full, decided on ``day``."""
    return GrantRow(0, oid, program, year, project, amount, amount, day)


def _decide(subsidies: Subsidies, row: GrantRow, number: int) -> str:
    """Record the application: granted if the rules allow, an admin's exception for the
    first and third organizations' one refusal each, else refused (不交付)."""
    checked = subsidies.import_rows(ADMIN, [row], dry_run=True, source="demo").verdicts[0]
    if checked.verdict.ok:
        subsidies.import_rows(ADMIN, [row], dry_run=False, source="demo")
        return "granted"
    reason = EXCEPTIONS.get((checked.verdict.rule or "", number))
    if reason is not None and len(checked.broken) == 1:
        excepted = GrantRow(**{**row.__dict__, "exception_reason": reason})
        subsidies.import_rows(ADMIN, [excepted], dry_run=False, source="demo")
        return "excepted"
    refusal = GrantRow(
        **{**row.__dict__, "granted": 0, "note": f"不交付: {checked.verdict.message}"}
    )
    subsidies.import_rows(ADMIN, [refusal], dry_run=False, source="demo")
    return "refused"

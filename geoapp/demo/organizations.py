"""The demo city's community organizations: the Numata preset with five fiscal years of
history — organizations at every stage and none yet, milestones with notes and links, and
changes the rules refused that an administrator then recorded as exceptions — so every
map, legend and chart of the organizations has something to show."""

from __future__ import annotations

import logging
from datetime import date

from ..accounts.users import User
from ..errors import NotFound, StageRuleBroken
from ..japanese_calendar import fiscal_year, today_in_japan
from ..organizations.scheme import load_scheme
from ..organizations.service import Organizations

logger = logging.getLogger(__name__)

DEMO_PRESET = "numata"
PLANNER = User("demo", "planner")
ADMIN = User("demo-admin", "admin")
STAFF = ("佐藤 美咲", "鈴木 健太", "高橋 陽子", "田中 翔")
# What each organization, in community order, goes through: the fiscal year (counted from
# the first of the five) and month of each step. "prep", "growth", "expansion" are stage
# changes; the others milestones. Two rows are refused by the rules and then excepted.
STORIES: tuple[tuple[tuple[str, int, int], ...], ...] = (
    (("established", 0, 6), ("prep", 0, 6), ("agreement", 1, 5), ("growth", 1, 6),
     ("vision", 2, 3), ("expansion", 3, 7)),
    (("prep", 0, 9), ("established", 1, 4), ("agreement", 1, 11), ("growth", 2, 4)),
    (("prep", 1, 4),),
    (("prep", 0, 4), ("established", 0, 10), ("agreement", 2, 2), ("growth", 2, 3),
     ("vision", 3, 1), ("expansion", 4, 0)),
    (),
    (("prep", 2, 6), ("established", 3, 5)),
    (("prep", 1, 7), ("growth-excepted", 3, 4), ("agreement", 3, 9)),
    (("prep", 0, 5), ("agreement", 1, 3), ("growth", 2, 4), ("vision", 3, 11)),
    (("prep", 4, 0),),
    (("growth-from-start", 1, 10), ("agreement", 2, 6)),
    (("prep", 0, 7), ("agreement", 2, 8), ("growth", 3, 4), ("expansion", 4, 0)),
    (),
    (("prep", 2, 9), ("agreement", 3, 12), ("growth", 4, 0)),
    (("prep", 3, 5),),
)  # fmt: skip
EXCEPTIONS = {
    "growth-excepted": "協定締結式は延期となったが、協定の内容は地区と市で合意済みのため",
    "growth-from-start": (
        "合併前から地区の協議会として活動しており、準備期にあたる活動を終えているため"
    ),
}
STAGES = {"prep": "preparation", "growth": "growth", "expansion": "expansion"}


def prepare_demo_organizations(organizations: Organizations) -> list[str]:
    """Put the demo city on the Numata preset and give its organizations their history,
    unless one has a stage already; what was made."""
    try:
        organizations.planning.adopted_plan_id()
    except NotFound:
        return []
    found = organizations.list_organizations(ADMIN)
    if not found:
        organizations.sync_with_adopted_plan(ADMIN)
        found = organizations.list_organizations(ADMIN)
    if any(org["stage"] for org in found):
        return []
    organizations.switch_scheme(ADMIN, load_scheme(DEMO_PRESET), force=True)
    first_year = fiscal_year(today_in_japan()) - 4
    for number, (org, story) in enumerate(zip(found, STORIES, strict=False)):
        _tell(organizations, org, story, first_year, number)
    logger.info("gave the %d demo organizations five years of history", len(found))
    return [f"organizations: {len(found)} with five fiscal years of stages and milestones"]


def _tell(
    organizations: Organizations,
    org: dict[str, object],
    story: tuple[tuple[str, int, int], ...],
    first_year: int,
    number: int,
) -> None:
    """Record one organization's story, its fields first."""
    oid = int(org["id"])  # type: ignore[call-overload]
    organizations.update_fields(
        PLANNER,
        oid,
        {
            "area_staff": STAFF[number % len(STAFF)],
            "contact_public": f"{org['name']}の拠点施設 事務局（平日 9:00〜17:00）",
            "contact_private": f"会長 090-0000-{1000 + number:04d}（デモ用の架空の番号）",
            "notes_public": "毎月第2土曜日に役員会を開いています。",
            "notes_private": "次回の地域担当職員会議で活動報告を予定。",
        },
    )
    organizations.record_milestone(
        PLANNER, oid, "staff_assigned", _day(first_year, 0, 4), "地域担当職員を配置"
    )
    for step, year, month in story:
        on = _day(first_year, year, month)
        if step in STAGES:
            organizations.change_stage(PLANNER, oid, STAGES[step], on)
        elif step in EXCEPTIONS:
            try:
                organizations.change_stage(PLANNER, oid, "growth", on)
            except StageRuleBroken:
                organizations.change_stage(
                    ADMIN, oid, "growth", on, exception_reason=EXCEPTIONS[step]
                )
        else:
            organizations.record_milestone(
                PLANNER,
                oid,
                step,
                on,
                f"{org['name']}の記録（デモ）",
                [{"title": "会議録", "url": "https://example.jp/demo/minutes.pdf"}],
            )


def _day(first_year: int, year: int, month: int) -> date:
    """A day in fiscal year ``first_year + year``: the 1st of ``month`` (April to March),
    or April 1 for month 0 — the only day of the current year sure to have passed."""
    fiscal = first_year + year
    if month == 0:
        return date(fiscal, 4, 1)
    return date(fiscal if month >= 4 else fiscal + 1, month, 1)

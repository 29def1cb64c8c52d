"""The rules a grant must keep, as pure functions: each broken rule is a ``Verdict`` with
its id and a message in Japanese and English naming the program, the rule and the
figures, e.g. 「設立準備事業補助金は準備開始年度から2年度までです（令和5年度開始）」.

The rules read a program (``programs.Program``), the organization's dated stages and
milestones (``OrganizationFacts``) and what was granted before (``Ledger``). An
organization's stage and milestones are taken on the decision date, or at the end of the
fiscal year when a grant has none. A grant of 0 records a refusal (不交付) and breaks no
rule; only grants of more than 0 count as a year's projects.
"""

from __future__ import annotations

import bisect
from collections import defaultdict
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Any

from ..japanese_calendar import fiscal_year, fiscal_year_end, fiscal_year_label, wareki_date
from ..organizations.scheme import Scheme
from .programs import Program

# Every rule a verdict may name, in the order they are checked.
RULES = (
    "unknown_organization",
    "unknown_program",
    "bad_value",
    "stage",
    "milestone",
    "window",
    "duration",
    "cap_per_year",
    "projects_per_year",
    "project_cap",
    "budget",
)


@dataclass(frozen=True)
class Verdict:
    """A broken rule (or, with ``rule`` None, a grant that keeps them all); ``column`` names
    the field or CSV column a bad value is in."""

    rule: str | None
    message: str = ""
    message_en: str = ""
    column: str | None = None

    @property
    def ok(self) -> bool:
        """True when no rule is broken."""
        return self.rule is None

    def to_dict(self) -> dict[str, Any]:
        """The verdict as the API, the audit and ``--json`` show it."""
        shown: dict[str, Any] = {
            "ok": self.ok,
            "rule": self.rule,
            "message": self.message,
            "message_en": self.message_en,
        }
        if self.column is not None:
            shown["column"] = self.column
        return shown


@dataclass(frozen=True)
class GrantDraft:
    """A grant to check and store: amounts in whole yen, the decision date if any."""

    organization_id: int
    program: str
    fiscal_year: int
    project: str
    requested: int
    granted: int
    decided_on: date | None = None
    note: str = ""


@dataclass(frozen=True)
class OrganizationFacts:
    """What the rules read of an organization: its stage changes (oldest first) and the
    day it reached each milestone."""

    id: int
    name: str
    stages: tuple[tuple[date, str], ...] = ()
    milestones: Mapping[str, date] = field(default_factory=dict)

    def stage_on(self, day: date) -> str | None:
        """The stage the organization was at on ``day`` (None before its first)."""
        at = bisect.bisect_right([changed for changed, _ in self.stages], day)
        return self.stages[at - 1][1] if at else None

    def entered(self, stage: str) -> date | None:
        """The first day the organization entered ``stage``."""
        return next((changed for changed, key in self.stages if key == stage), None)


class Ledger:
    """What has been granted: each organization's grants of a program in a fiscal year (in
    the order decided) and each program's total in a year; checking a batch adds each
    accepted grant, so the rows after it are checked against it."""

    def __init__(self, grants: Iterable[tuple[int, str, int, int]] = ()) -> None:
        """``grants``: (organization id, program, fiscal year, granted) in decision order."""
        self._years: dict[tuple[int, str, int], list[int]] = defaultdict(list)
        self._totals: dict[tuple[str, int], int] = defaultdict(int)
        for organization_id, program, year, granted in grants:
            self._record(organization_id, program, year, granted)

    def _record(self, organization_id: int, program: str, year: int, granted: int) -> None:
        if granted > 0:
            self._years[(organization_id, program, year)].append(granted)
            self._totals[(program, year)] += granted

    def add(self, draft: GrantDraft) -> None:
        """Count ``draft`` as granted."""
        self._record(draft.organization_id, draft.program, draft.fiscal_year, draft.granted)

    def granted_in_year(self, organization_id: int, program: str, year: int) -> list[int]:
        """The amounts of an organization's grants of ``program`` in fiscal year ``year``."""
        return self._years.get((organization_id, program, year), [])

    def program_total(self, program: str, year: int) -> int:
        """Everything granted under ``program`` in fiscal year ``year``."""
        return self._totals.get((program, year), 0)


def broken_rules(
    scheme: Scheme,
    program: Program,
    organization: OrganizationFacts,
    draft: GrantDraft,
    ledger: Ledger,
) -> list[Verdict]:
    """The rules ``draft`` breaks, in the order of ``RULES`` (none for a grant of 0)."""
    if draft.granted == 0:
        return []
    day = draft.decided_on or fiscal_year_end(draft.fiscal_year)
    checks = (
        _stage(scheme, program, organization, day),
        *_milestones(scheme, program, organization, day),
        _window(program, draft.fiscal_year),
        _duration(scheme, program, organization, draft.fiscal_year),
        _cap_per_year(program, draft, ledger),
        *_project_rules(program, draft, ledger),
        _budget(program, draft, ledger),
    )
    return [verdict for verdict in checks if verdict is not None]


# --- each rule -----------------------------------------------------------------------------------
def _stage(
    scheme: Scheme, program: Program, organization: OrganizationFacts, day: date
) -> Verdict | None:
    """The organization is at one of the program's stages on the day."""
    if not program.stages:
        return None
    current = organization.stage_on(day)
    if current in program.stages:
        return None
    names = "・".join(_stage_name(scheme, key) for key in program.stages)
    names_en = ", ".join(_stage_name(scheme, key, "en") for key in program.stages)
    now = _stage_name(scheme, current) if current else "段階の記録なし"
    now_en = f"at {_stage_name(scheme, current, 'en')}" if current else "no stage recorded"
    return Verdict(
        "stage",
        f"{program.name}の対象は{names}の組織です（{wareki_date(day)}時点で{now}）",
        f"{program.name_en} is for organizations at {names_en} ({day.isoformat()}: {now_en}).",
    )


def _milestones(
    scheme: Scheme, program: Program, organization: OrganizationFacts, day: date
) -> list[Verdict]:
    """The program's required milestones were reached by the day, and the one that ends
    it was not."""
    verdicts = []
    for key in program.milestones:
        reached = organization.milestones.get(key)
        if reached is not None and reached <= day:
            continue
        name, name_en = _milestone_name(scheme, key), _milestone_name(scheme, key, "en")
        if reached is None:
            why, why_en = "未記録", "not recorded"
        else:
            why = f"{wareki_date(reached)}の記録で、{wareki_date(day)}より後です"
            why_en = f"recorded on {reached.isoformat()}, after {day.isoformat()}"
        verdicts.append(
            Verdict(
                "milestone",
                f"{program.name}には{name}が必要です（{why}）",
                f"{program.name_en} requires {name_en} ({why_en}).",
            )
        )
    ending = program.until_milestone
    reached = organization.milestones.get(ending) if ending else None
    if ending and reached is not None and reached <= day:
        name, name_en = _milestone_name(scheme, ending), _milestone_name(scheme, ending, "en")
        verdicts.append(
            Verdict(
                "milestone",
                f"{program.name}は{name}までです（{wareki_date(reached)}に{name}）",
                f"{program.name_en} ends with {name_en} (reached on {reached.isoformat()}).",
            )
        )
    return verdicts


def _window(program: Program, year: int) -> Verdict | None:
    """The fiscal year lies in the program's window."""
    first, last = program.first_year, program.last_year
    if (first is None or year >= first) and (last is None or year <= last):
        return None
    if first is not None and last is not None:
        span, span_en = f"{_fy(first)}から{_fy(last)}まで", f"runs from FY{first} to FY{last}"
    elif first is not None:
        span, span_en = f"{_fy(first)}から", f"starts in FY{first}"
    else:
        span, span_en = f"{_fy(last)}まで", f"ends with FY{last}"  # type: ignore[arg-type]
    return Verdict(
        "window",
        f"{program.name}は{span}です（{_fy(year)}）",
        f"{program.name_en} {span_en} (this grant: FY{year}).",
    )


def _duration(
    scheme: Scheme, program: Program, organization: OrganizationFacts, year: int
) -> Verdict | None:
    """The fiscal year is within N years of the stage or milestone the program counts
    from."""
    duration = program.duration
    if duration is None:
        return None
    if duration.from_stage:
        start = organization.entered(duration.from_stage)
        label = duration.label or f"{_stage_name(scheme, duration.from_stage)}の開始"
        label_en = duration.label_en or f"entering {_stage_name(scheme, duration.from_stage, 'en')}"
    else:
        start = organization.milestones.get(duration.from_milestone or "")
        label = duration.label or _milestone_name(scheme, duration.from_milestone or "")
        label_en = duration.label_en or _milestone_name(scheme, duration.from_milestone or "", "en")
    n = duration.years
    if duration.counting == "fiscal_years":
        rule, rule_en = f"{label}年度から{n}年度まで", f"runs for {n} fiscal years from {label_en}"
    else:
        rule, rule_en = f"{label}から{n}年を経過するまで", f"runs until {n} years after {label_en}"
    if start is None:
        return Verdict(
            "duration",
            f"{program.name}は{rule}ですが、{label}の記録がありません",
            f"{program.name_en} {rule_en}, which is not recorded.",
        )
    first = fiscal_year(start)
    if duration.counting == "fiscal_years":
        last = first + n - 1
        detail, detail_en = f"{_fy(first)}開始", f"started in FY{first}"
    else:
        last = fiscal_year(_years_after(start, n))
        detail = f"{wareki_date(start)}{label}、{_fy(last)}まで"
        detail_en = f"{start.isoformat()}, so through FY{last}"
    if first <= year <= last:
        return None
    return Verdict(
        "duration",
        f"{program.name}は{rule}です（{detail}）",
        f"{program.name_en} {rule_en} ({detail_en}; this grant: FY{year}).",
    )


def _cap_per_year(program: Program, draft: GrantDraft, ledger: Ledger) -> Verdict | None:
    """The organization's grants of the program in the year stay within the cap."""
    cap = program.cap_per_year
    before = sum(ledger.granted_in_year(draft.organization_id, draft.program, draft.fiscal_year))
    if cap is None or before + draft.granted <= cap:
        return None
    year = draft.fiscal_year
    return Verdict(
        "cap_per_year",
        f"{program.name}は1年度あたり{yen(cap)}までです（{_fy(year)}は既に{yen(before)}、"
        f"今回{yen(draft.granted)}）",
        f"{program.name_en} is at most ¥{cap:,} a fiscal year (FY{year}: ¥{before:,} already, "
        f"¥{draft.granted:,} now).",
    )


def _project_rules(program: Program, draft: GrantDraft, ledger: Ledger) -> list[Verdict]:
    """At most N projects a year, and the k-th project within the k-th cap."""
    done = len(ledger.granted_in_year(draft.organization_id, draft.program, draft.fiscal_year))
    limit, year = program.projects_per_year, draft.fiscal_year
    if limit is not None and done >= limit:
        return [
            Verdict(
                "projects_per_year",
                f"{program.name}は1年度あたり{limit}事業までです（{_fy(year)}は既に{done}事業）",
                f"{program.name_en} allows {limit} projects a fiscal year (FY{year}: {done} "
                "already).",
            )
        ]
    caps = program.project_caps
    number = done + 1
    if number <= len(caps) and draft.granted > caps[number - 1]:
        cap = caps[number - 1]
        return [
            Verdict(
                "project_cap",
                f"{program.name}の{number}事業目は{yen(cap)}までです（今回{yen(draft.granted)}）",
                f"{program.name_en}'s project no. {number} of a year is at most ¥{cap:,} "
                f"(¥{draft.granted:,} now).",
            )
        ]
    return []


def _budget(program: Program, draft: GrantDraft, ledger: Ledger) -> Verdict | None:
    """The program's grants in the year stay within its budget."""
    budget = program.budget_for(draft.fiscal_year)
    if budget is None:
        return None
    remaining = budget - ledger.program_total(draft.program, draft.fiscal_year)
    if draft.granted <= remaining:
        return None
    year = draft.fiscal_year
    return Verdict(
        "budget",
        f"{program.name}の{_fy(year)}の予算{yen(budget)}を超えます（残り{yen(remaining)}、"
        f"今回{yen(draft.granted)}）",
        f"{program.name_en}'s FY{year} budget of ¥{budget:,} would be exceeded (¥{remaining:,} "
        f"left, ¥{draft.granted:,} now).",
    )


# --- words and figures ---------------------------------------------------------------------------
def yen(amount: int) -> str:
    """An amount as 200,000円."""
    return f"{amount:,}円"


def _fy(year: int) -> str:
    """A fiscal year in the era calendar alone: 令和6年度."""
    return fiscal_year_label(year).split("（")[0]


def _years_after(day: date, years: int) -> date:
    """The day ``years`` years after ``day`` (29 February falls on 28 February)."""
    try:
        return day.replace(year=day.year + years)
    except ValueError:
        return day.replace(year=day.year + years, day=28)


def _stage_name(scheme: Scheme, key: str, lang: str = "ja") -> str:
    """A stage's name (its key when the scheme lacks it)."""
    stage = scheme.stage(key)
    if stage is None:
        return key
    return stage.name_en if lang == "en" else stage.name


def _milestone_name(scheme: Scheme, key: str, lang: str = "ja") -> str:
    """A milestone's name (its key when the scheme lacks it)."""
    kind = scheme.milestone(key)
    if kind is None:
        return key
    return kind.name_en if lang == "en" else kind.name
